import Foundation

/// A live session one agent handed to another (escalation to L2 or a
/// specialist), as the store keeps it: who, to whom, why, and whether the
/// first agent stayed on as a watcher.
///
/// The session's `initiator` is not changed by a hand-off: it says how the
/// session came about (the customer asked, a suggestion on the ticket…), and
/// overwriting it with `.escalation` would make the reports undercount those
/// triggers while losing which session went on to be escalated. A hand-off is
/// something that happens *within* a session, after any trigger, so it is
/// kept beside the initiator, one row per hand-off, and the reports count
/// escalations from these rows. `.escalation` stays for a session a
/// specialist starts themselves for advanced troubleshooting.
public struct HandOffRecord: Codable, Equatable, Sendable {
    public var sessionId: String
    public var at: Date
    public var from: String
    public var to: String
    /// Redacted, like a note.
    public var reason: String
    /// The first agent stayed as a read-only watcher.
    public var stayed: Bool
    public init(sessionId: String, at: Date, from: String, to: String, reason: String, stayed: Bool) {
        self.sessionId = sessionId; self.at = at; self.from = from; self.to = to; self.reason = reason; self.stayed = stayed
    }

    /// "handed off by A to B: reason".
    public var line: String { Self.line(from: from, to: to, reason: reason) }

    public static func line(from: String, to: String, reason: String) -> String { "handed off by \(from) to \(to): \(reason)" }
}
