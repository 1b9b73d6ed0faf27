// The presenter page, served at /present/TOKEN to the agent's own browser:
// the page the agent opens next in this tab (any page with cobrowse.js; the
// demo site has it) is shown to the customer in their mirror viewer page and
// beside the customer's page in the agent's console (split view). Nothing is
// shown until the agent presses Start; /presenter.js trades the one-time link
// for a key the SDK on the shown page reconnects with, as the consent page does.
public enum PresenterPage {
    public static func page(agentName: String, ticket: Ticket, customer: String) -> String {
        CustomerPages.page(title: "Show the customer a page",
                           PageTemplate("presenter").render(["customer": customer, "agent": agentName, "ticket": ticket.id]))
    }
}
