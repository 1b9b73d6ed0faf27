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
        let e = CustomerPages.escape
        let title = mirror ? "\(e(agentName)) is showing you a page · \(e(ticket.id))" : "Watch the co-browse session · \(e(ticket.id))"
        let heading = mirror ? "\(e(agentName)) is showing you a page" : "Watch a co-browse session"
        let intro = mirror
            ? "\(e(viewerName)), this is the page \(e(agentName)) is showing you (ticket \(e(ticket.id))). You only watch: nothing here can change it, and private fields stay hidden."
            : "\(e(viewerName)), \(e(agentName)) invited you to watch the co-browse session for ticket \(e(ticket.id)). You will see the customer's screen with private fields hidden."
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(title)</title>
        <link rel="stylesheet" href="/assets/cobrowse.css">
        <link rel="stylesheet" href="/viewer.css"></head><body class="viewer-page">
        <main id="viewer" data-viewer="\(e(viewerName))" data-agent="\(e(agentName))"\(mirror ? " data-mirror=\"1\"" : "")>
        <h1>\(heading)</h1>
        <p id="invite">\(intro)</p>
        <p class="buttons"><button id="join" class="allow" disabled>Join</button></p>
        <p id="status" class="status" role="status" aria-live="polite"></p>
        <p id="error" class="error" role="alert" hidden></p>
        <section id="session" hidden>
        <div class="top"><span id="state"></span><span id="who"></span><button id="giveback" class="deny" hidden>Give control back</button></div>
        <div class="info"><span id="page-title"></span> <span id="page-url" class="muted"></span></div>
        <p id="control" class="muted" hidden>You are in control: click on the customer's screen to point there.</p>
        <div id="stage"><div id="screen"></div></div>
        </section>
        <p class="muted">This link works once. Passwords, payment fields and anything marked private are never shown.</p>
        </main>
        <script src="/viewer.js"></script>
        </body></html>
        """
    }
}
