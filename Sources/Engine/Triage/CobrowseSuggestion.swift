import Foundation

/// A kind of ticket that a co-browse solves faster than writing back and
/// forth: configuration, integration setup, error messages, single sign-on,
/// billing. A ticket matches by its category or by words in its subject.
public struct SuggestionRule: Equatable, Sendable {
    /// What the lobby says next to a matching ticket.
    public var reason: String
    /// Ticket categories (compared without case).
    public var categories: [String]
    /// Words or phrases in the subject (compared without case, whole words).
    public var keywords: [String]

    public init(reason: String, categories: [String] = [], keywords: [String] = []) {
        self.reason = reason
        self.categories = categories.map { $0.lowercased() }
        self.keywords = keywords.map { $0.lowercased() }
    }

    func matches(_ ticket: Ticket) -> Bool {
        if let c = ticket.category?.lowercased(), categories.contains(c) { return true }
        let words = SuggestionRules.words(ticket.subject)
        return keywords.contains { keyword in
            let phrase = SuggestionRules.words(keyword)
            guard !phrase.isEmpty, phrase.count <= words.count else { return false }
            return (0 ... words.count - phrase.count).contains { Array(words[$0 ..< $0 + phrase.count]) == phrase }
        }
    }
}

/// The engine's suggestion rules: the defaults, or a tenant's file
/// (`serve --suggestion-rules FILE`). The first rule a ticket matches names the reason.
public struct SuggestionRules: Equatable, Sendable {
    public var rules: [SuggestionRule]

    public init(rules: [SuggestionRule]) { self.rules = rules }

    public static let standard = SuggestionRules(rules: [
        SuggestionRule(reason: "single sign-on setup: show them where", categories: ["sso", "identity"],
                       keywords: ["sso", "saml", "single sign-on", "single sign on", "okta", "identity provider", "scim"]),
        SuggestionRule(reason: "integration setup: walk through it together", categories: ["integration", "integrations"],
                       keywords: ["integration", "webhook", "api key", "connect", "zapier", "slack", "jira", "oauth"]),
        SuggestionRule(reason: "an error on screen: see it as they do", categories: ["bug", "error"],
                       keywords: ["error", "fails", "failing", "failed", "broken", "crash", "blank page", "does not load", "doesn't load"]),
        SuggestionRule(reason: "billing: guide them through the form", categories: ["billing", "payments"],
                       keywords: ["billing", "invoice", "card update", "payment", "checkout", "subscription"]),
        SuggestionRule(reason: "configuration: easier shown than told", categories: ["configuration", "settings", "setup"],
                       keywords: ["configure", "configuration", "settings", "setup", "set up", "permissions", "roles"]),
    ])

    /// Why `ticket` is worth a co-browse, or nil.
    public func reason(for ticket: Ticket) -> String? { rules.first { $0.matches(ticket) }?.reason }

    /// Lower-case words: letters and digits, the rest separates.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// One rule a line: `reason | categories | keywords`, lists comma-separated,
    /// either list may be empty; `#` starts a comment. For example
    /// `Shopify app setup: walk through it | shopify | shopify app, storefront`.
    public static func parse(_ text: String) throws -> SuggestionRules {
        var rules: [SuggestionRule] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { throw ParseError(line: n + 1, message: "a rule is `reason | categories | keywords` (got \(parts.count) part\(parts.count == 1 ? "" : "s"))") }
            guard !parts[0].isEmpty, parts[0].count <= 120 else { throw ParseError(line: n + 1, message: "the reason must be 1 to 120 characters") }
            func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            let rule = SuggestionRule(reason: parts[0], categories: list(parts[1]), keywords: list(parts[2]))
            guard !rule.categories.isEmpty || !rule.keywords.isEmpty else { throw ParseError(line: n + 1, message: "a rule needs a category or a keyword") }
            rules.append(rule)
        }
        guard !rules.isEmpty else { throw ParseError(line: 0, message: "no rules (lines of `reason | categories | keywords`)") }
        return SuggestionRules(rules: rules)
    }
}
