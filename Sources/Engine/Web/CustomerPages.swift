import Foundation

/// The gateway's own pages for the customer. Everything interpolated is escaped:
/// ticket subjects and names come from outside.
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

    static func page(title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/assets/cobrowse.css"></head><body>
        \(body)
        </body></html>
        """
    }

    /// Served as a file: the gateway's CSP (default-src 'self') blocks inline styles.
    public static let stylesheet = """
    body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
    h1{font-size:1.4rem} .box{border:1px solid #ccd;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
    li{margin:.25rem 0} .muted{color:#5a6270;font-size:.9rem}
    """

    public static func message(title: String, body: String) -> String {
        page(title: title, "<h1>\(escape(title))</h1><p>\(escape(body))</p>")
    }

    /// What the customer sees behind a valid one-time link: who asks, for what,
    /// and what stays hidden, before anything is shared.
    public static func consent(agentName: String, ticket: Ticket, recording: Bool) -> String {
        let record = recording
            ? "<li>The agent asks to <b>record</b> this session for quality and training. You can say no and still share.</li>"
            : "<li>This session is <b>not recorded</b>.</li>"
        return page(title: "Screen sharing request", """
        <h1>Agent \(escape(agentName)) wants to view your screen. Allow?</h1>
        <div class="box">
        <p>About your request <b>\(escape(ticket.id))</b>: \(escape(ticket.subject))</p>
        <ul>
        <li>The agent sees this browser tab only, <b>view only</b> unless you allow more.</li>
        <li>Any request for control needs your approval, each time.</li>
        \(record)
        </ul>
        </div>
        <div class="box">
        <p><b>Always hidden from the agent:</b> passwords, payment card fields, and fields marked private.
        Card numbers, social security numbers and similar details in the page text are masked as well.</p>
        </div>
        <p class="muted">You can stop sharing at any moment. This link works once and expires after 15 minutes.</p>
        """)
    }
}
