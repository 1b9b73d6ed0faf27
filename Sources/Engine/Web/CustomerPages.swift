import Foundation

/// The gateway's own pages for the customer: the HTML files of Web/Assets/pages
/// with their slots filled. Every text that goes in is escaped: ticket subjects
/// and names come from outside.
public enum CustomerPages {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A page of the gateway's own look around a rendered body.
    static func page(title: String, _ body: PageTemplate.Markup) -> String {
        PageTemplate("page").render(["title": title], markup: ["body": body]).html
    }

    public static func message(title: String, body: String) -> String {
        page(title: title, PageTemplate("message").render(["title": title, "text": body]))
    }

    /// What the customer sees behind a valid one-time link: who asks, for what,
    /// and what stays hidden, before anything is shared. `/consent.js` does the
    /// rest; nothing connects until the customer presses Allow.
    public static func consent(agentName: String, ticket: Ticket, recording: Bool, landingURL: String = "/demo/") -> String {
        page(title: "Screen sharing request", PageTemplate("consent").render(
            ["landing": landingURL, "agent": agentName, "ticket": ticket.id, "subject": ticket.subject],
            markup: ["recording": PageTemplate(recording ? "consent-recording-asked" : "consent-not-recorded").render()]))
    }
}
