/// How a session came about: the five ways support work turns into a
/// co-browse. Kept with the session, in its wrap-up and in the reports.
public enum SessionInitiator: String, Codable, CaseIterable, Sendable {
    /// The agent judged that words would not do and offered it.
    case agent
    /// The customer asked, through the help desk or the page's "Get live help".
    case customerRequest = "customer-request"
    /// The engine marked the ticket as one a co-browse solves (its category or words).
    case autoSuggestion = "auto-suggestion"
    /// A guided walkthrough of first-time setup.
    case onboarding
    /// A specialist took over a session for advanced troubleshooting.
    case escalation

    public var title: String {
        switch self {
        case .agent: "the agent"
        case .customerRequest: "the customer's request"
        case .autoSuggestion: "a suggestion on the ticket"
        case .onboarding: "onboarding (guided walkthrough)"
        case .escalation: "an escalation"
        }
    }
}
