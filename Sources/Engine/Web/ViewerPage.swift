// The viewer page, served at /view/TOKEN: one of the customer's team (up to
// three viewers with the agent) watches the session in a browser. The page
// holds no inline script or style (the gateway's CSP); /viewer.js joins only
// when the viewer presses Join, with the link's one-time token, and draws the
// same redacted stream a console gets: scenes as positioned boxes and text,
// masks as hatched boxes, images from their pixels, the agent's marks and
// pointer, who is watching and the session's state. Everything that came from
// the customer's page is inserted as text, never as markup.
public enum ViewerPage {
    /// The page behind a valid viewer link. Names and the ticket id come from
    /// outside and are escaped. `mirror`: the customer's own mirror link (mirror
    /// mode): they watch the page the agent shows, and it opens at once (they
    /// pressed Open in their overlay for it).
    public static func page(viewerName: String, agentName: String, ticket: Ticket, mirror: Bool = false) -> String {
        let title = mirror ? "\(agentName) is showing you a page · \(ticket.id)" : "Watch the co-browse session · \(ticket.id)"
        let heading = mirror ? "\(agentName) is showing you a page" : "Watch a co-browse session"
        let intro = mirror
            ? "\(viewerName), this is the page \(agentName) is showing you (ticket \(ticket.id)). You only watch: nothing here can change it, and private fields stay hidden."
            : "\(viewerName), \(agentName) invited you to watch the co-browse session for ticket \(ticket.id). You will see the customer's screen with private fields hidden."
        return PageTemplate("viewer").render(["title": title, "heading": heading, "intro": intro, "viewer": viewerName, "agent": agentName,
                                              "mirror": mirror ? "1" : ""]).html
    }
}
