// The presenter page, served at /present/TOKEN to the agent's own browser:
// the page the agent opens next in this tab (any page with cobrowse.js; the
// demo site has it) is shown to the customer in their mirror viewer page and
// beside the customer's page in the agent's console (split view). Nothing is
// shown until the agent presses Start; /presenter.js trades the one-time link
// for a key the SDK on the shown page reconnects with, as the consent page does.
public enum PresenterPage {
    public static func page(agentName: String, ticket: Ticket, customer: String) -> String {
        let e = CustomerPages.escape
        return CustomerPages.page(title: "Show the customer a page", """
        <main id="presenter">
        <h1>Show \(e(customer)) a page</h1>
        <div class="box">
        <p>\(e(agentName)), the page you open next in this tab is shown to \(e(customer)) (ticket <b>\(e(ticket.id))</b>) in their
        viewer page, and beside their page in your console. It must include <code>cobrowse.js</code>; the demo site does.</p>
        <p>Only this tab is shown. Passwords, payment fields and anything marked private stay hidden, and the engine masks
        card numbers, e-mail addresses and other personal data in the page text before anyone sees it.</p>
        <p><label for="url">Page to show</label> <input id="url" type="url" value="/demo/" size="50"></p>
        </div>
        <p class="buttons"><button id="start" class="allow" disabled>Start showing</button></p>
        <p id="status" class="status" role="status" aria-live="polite"></p>
        <p class="muted">Stop from your console (the same key) or with "Stop showing" on the shown page. This link works once.</p>
        </main>
        <script src="/presenter.js"></script>
        """)
    }
}
