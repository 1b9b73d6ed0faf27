import Foundation

/// How a session ended for the ticket: what the agent says when they end it
/// (or afterwards, for a session the customer or the clock ended). It decides
/// the ticket's status and closes the wrap-up note.
public enum SessionOutcome: Equatable, Sendable {
    case resolved
    /// Not solved yet: what happens next, who does it, by when.
    case followUp(plan: String, owner: String, due: String)
    /// Handed on: to whom and why.
    case escalated(to: String, reason: String)

    public static let maxTextBytes = 1_000

    public var kind: Kind {
        switch self {
        case .resolved: .resolved
        case .followUp: .followUp
        case .escalated: .escalated
        }
    }

    public enum Kind: String, CaseIterable, Codable, Sendable {
        case resolved
        case followUp = "follow-up"
        case escalated

        public var title: String {
            switch self {
            case .resolved: "Resolved"
            case .followUp: "Follow-up needed"
            case .escalated: "Escalated"
            }
        }
    }

    /// The ticket's status after it, in the words of the local ticket list.
    public var ticketStatus: String {
        switch self {
        case .resolved: "solved"
        case .followUp: "pending"
        case .escalated: "open"
        }
    }

    /// One line for the feed and the lobby.
    public var line: String {
        switch self {
        case .resolved: "Resolved"
        case let .followUp(plan, owner, due): "Follow-up needed: \(plan) (\(owner), by \(due))"
        case let .escalated(to, reason): "Escalated to \(to): \(reason)"
        }
    }

    public func validate() throws {
        func text(_ value: String, _ name: String) throws {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw WireError(.invalid, "the outcome: \(name) must not be empty") }
            guard value.utf8.count <= Self.maxTextBytes else { throw WireError(.invalid, "the outcome: \(name) is longer than \(Self.maxTextBytes) bytes") }
        }
        switch self {
        case .resolved: break
        case let .followUp(plan, owner, due):
            try text(plan, "the plan")
            try text(owner, "the owner")
            guard Self.dueDate(due) != nil else { throw WireError(.invalid, "the outcome: the due date must be a real date, YYYY-MM-DD (got \"\(due.prefix(20))\")") }
        case let .escalated(to, reason):
            try text(to, "who it goes to")
            try text(reason, "the reason")
        }
    }

    /// A calendar date written YYYY-MM-DD, or nil.
    public static func dueDate(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1 ... 12).contains(m), d >= 1 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: y, month: m, day: d)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == d,
              calendar.component(.month, from: date) == m else { return nil }
        return components
    }
}

extension SessionOutcome: Codable {
    private enum Keys: String, CodingKey { case kind, plan, owner, due, to, reason }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .resolved: self = .resolved
        case .followUp: self = .followUp(plan: try c.decode(String.self, forKey: .plan), owner: try c.decode(String.self, forKey: .owner),
                                         due: try c.decode(String.self, forKey: .due))
        case .escalated: self = .escalated(to: try c.decode(String.self, forKey: .to), reason: try c.decode(String.self, forKey: .reason))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .resolved: break
        case let .followUp(plan, owner, due):
            try c.encode(plan, forKey: .plan); try c.encode(owner, forKey: .owner); try c.encode(due, forKey: .due)
        case let .escalated(to, reason):
            try c.encode(to, forKey: .to); try c.encode(reason, forKey: .reason)
        }
    }
}

/// An outcome as the store keeps it: what, who said it, when.
public struct RecordedOutcome: Equatable, Sendable {
    public var outcome: SessionOutcome
    public var by: String
    public var at: Date
    public init(outcome: SessionOutcome, by: String, at: Date) { self.outcome = outcome; self.by = by; self.at = at }
}
