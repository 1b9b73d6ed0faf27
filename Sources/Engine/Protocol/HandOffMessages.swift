import Foundation

// Escalation: the session's agent hands a live session to an L2 agent, a
// specialist or a manager, with a reason; the target accepts from their lobby;
// the customer is told who is joining and acknowledges before the new agent
// may ask for control. See docs/protocol.md, "Hand-off to a specialist".

/// Console → engine (`hand-off`): the session's agent asks `to` to take the session over.
public struct HandOffRequest: Codable, Equatable, Sendable {
    public static let maxReasonBytes = 500
    public static let maxNameBytes = 80
    /// The session to hand off; nil: the one the console is attached to (the CLI names it).
    public var sessionId: String?
    /// The agent who takes over, by name.
    public var to: String
    /// Why: the target reads it in their lobby, the customer on their page, the ticket in the wrap-up.
    public var reason: String
    /// The first agent stays on as a read-only watcher (false: they leave the session).
    public var stay: Bool
    public init(sessionId: String? = nil, to: String, reason: String, stay: Bool) {
        self.sessionId = sessionId; self.to = to; self.reason = reason; self.stay = stay
    }

    func validate() throws {
        guard !to.trimmingCharacters(in: .whitespaces).isEmpty, to.utf8.count <= Self.maxNameBytes else {
            throw SceneError.invalid("hand-off: the agent's name is 1 to \(Self.maxNameBytes) bytes")
        }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw SceneError.invalid("hand-off: a reason is required") }
        guard reason.utf8.count <= Self.maxReasonBytes else { throw SceneError.invalid("hand-off: reason longer than \(Self.maxReasonBytes) bytes") }
    }
}

/// Engine → the target's consoles (`hand-off-offer`), and in their lobby: a
/// session waiting for them to take it over. The reason is already redacted.
public struct HandOffOffer: Codable, Equatable, Sendable {
    public var sessionId: String
    public var ticket: Ticket
    public var from: String
    public var to: String
    public var reason: String
    public var stay: Bool
    public var requestedAt: Date
    public init(sessionId: String, ticket: Ticket, from: String, to: String, reason: String, stay: Bool, requestedAt: Date) {
        self.sessionId = sessionId; self.ticket = ticket; self.from = from; self.to = to
        self.reason = reason; self.stay = stay; self.requestedAt = requestedAt
    }
}

/// Console → engine (`hand-off-answer`): the target takes the session over, or declines.
public struct HandOffAnswer: Codable, Equatable, Sendable {
    public var sessionId: String
    public var accept: Bool
    public init(sessionId: String, accept: Bool) { self.sessionId = sessionId; self.accept = accept }
}

/// Engine → customer (`specialist-joining`): who is joining and why, with
/// the mode the session is in now (view-only: permissions were granted to a
/// person). The customer answers `specialist-ack`.
public struct SpecialistJoining: Codable, Equatable, Sendable {
    public var name: String
    public var reason: String
    public var mode: ControlMode
    /// The sentence the overlay shows, so every SDK says the same thing.
    public var text: String
    public init(name: String, reason: String, mode: ControlMode = .viewOnly) {
        self.name = name; self.reason = reason; self.mode = mode
        text = "\(name), a specialist, is joining to help: \(reason)"
    }
}

/// Someone a session may be handed to, as the lobby lists them for the hand-off dialog.
public struct HandOffTarget: Codable, Equatable, Sendable {
    public var name: String
    public var level: AgentLevel
    public init(name: String, level: AgentLevel) { self.name = name; self.level = level }
}

/// Where a session's hand-off stands, in its summary (live only: the store
/// keeps the hand-off itself, `HandOffRecord`).
public struct HandOffStatus: Codable, Equatable, Sendable {
    public var from: String
    public var to: String
    public var reason: String
    public var stay: Bool
    /// The target took it: `to` is the session's agent now.
    public var accepted: Bool
    /// The customer pressed OK on "… is joining to help".
    public var acknowledged: Bool
    public init(from: String, to: String, reason: String, stay: Bool, accepted: Bool = false, acknowledged: Bool = false) {
        self.from = from; self.to = to; self.reason = reason; self.stay = stay; self.accepted = accepted; self.acknowledged = acknowledged
    }

    /// "handed off by A to B: reason", as the feed, the summary and the wrap-up say it.
    public var line: String { HandOffRecord.line(from: from, to: to, reason: reason) }
}
