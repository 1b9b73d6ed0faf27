import Foundation

/// What the rest of the engine calls to tell the desk something: each call is
/// an outbox row (written before this returns), sent later by `OutboxSender`.
/// `key` is the idempotency key: the same key twice is one row, sent once;
/// nil: a fresh key (the call is not a repeat of anything).
public final class HelpDeskOutbox: Sendable {
    public let desk: HelpDeskKind
    private let store: HelpDeskStore
    private let clock: @Sendable () -> Date

    public init(desk: HelpDeskKind, store: HelpDeskStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.desk = desk; self.store = store; self.clock = clock
    }

    /// `sessionId`: set for a reply that carries a session's link, so its feed hears when the desk took it.
    public func publicReply(ticket: String, body: String, key: String? = nil, sessionId: String? = nil) throws {
        let recipient = sessionId == nil ? nil : try requester(of: ticket)
        try enqueue([OutboxDraft(idempotencyKey: key ?? Self.freshKey(), ticketId: ticket, call: .publicReply(body: body),
                                 sessionId: sessionId, recipient: recipient)])
    }

    public func internalNote(ticket: String, body: String, key: String? = nil) throws {
        try enqueue([OutboxDraft(idempotencyKey: key ?? Self.freshKey(), ticketId: ticket, call: .internalNote(body: body))])
    }

    public func setStatus(ticket: String, _ status: TicketDeskStatus, key: String? = nil) throws {
        try enqueue([OutboxDraft(idempotencyKey: key ?? Self.freshKey(), ticketId: ticket, call: .setStatus(status))])
    }

    /// A session began on the ticket: a webhook desk gets `session.started`, the others an internal note.
    public func sessionStarted(ticket: String, sessionId: String, agentName: String) throws {
        let key = "session.started:\(sessionId)"
        switch desk {
        case .webhook: try enqueue([OutboxDraft(idempotencyKey: key, ticketId: ticket, call: .event(.sessionStarted, sessionId: sessionId, text: agentName))])
        case .zendesk, .freshdesk:
            try enqueue([OutboxDraft(idempotencyKey: key, ticketId: ticket, call: .internalNote(body: "Co-browse session \(sessionId) started by \(agentName)."))])
        }
    }

    /// A one-time link went to the customer. The link itself is never told: it
    /// would sit in the outbox and the desk's history, and it opens the session.
    public func linkSent(ticket: String, sessionId: String) throws {
        let key = "link.sent:\(sessionId)"
        switch desk {
        case .webhook: try enqueue([OutboxDraft(idempotencyKey: key, ticketId: ticket, call: .event(.linkSent, sessionId: sessionId, text: nil))])
        case .zendesk, .freshdesk:
            try enqueue([OutboxDraft(idempotencyKey: key, ticketId: ticket, call: .internalNote(body: "A co-browse link was sent to the customer (session \(sessionId))."))])
        }
    }

    /// A session ended: its summary as an internal note, then the ticket's new
    /// status, in that order and in one transaction (a webhook desk gets one
    /// `session.ended` event with the summary). Calling it again for the same
    /// session sends nothing more.
    public func sessionEnded(ticket: String, sessionId: String, summary: String, status: TicketDeskStatus) throws {
        switch desk {
        case .webhook:
            try enqueue([OutboxDraft(idempotencyKey: "session.ended:\(sessionId)", ticketId: ticket,
                                     call: .event(.sessionEnded, sessionId: sessionId, text: summary))])
        case .zendesk, .freshdesk:
            try enqueue([OutboxDraft(idempotencyKey: "session.ended:\(sessionId):note", ticketId: ticket, call: .internalNote(body: summary)),
                         OutboxDraft(idempotencyKey: "session.ended:\(sessionId):status", ticketId: ticket, call: .setStatus(status))])
        }
    }

    /// Whether `ticket` came from this desk (only those can be written back to it).
    public func isDeskTicket(_ ticket: String) throws -> Bool {
        try store.deskDetails(ticketId: ticket)?.desk == desk
    }

    /// The tag a desk puts on a ticket whose customer asked for a co-browse.
    public static let requestTag = "cobrowse_requested"

    /// Tickets whose customer asked for a co-browse (the desk tagged them).
    public func customerRequests() throws -> Set<String> { try store.ticketsTagged(Self.requestTag) }

    /// Where the desk sends a public reply: the requester's e-mail or phone, as the ticket says.
    public func requester(of ticket: String) throws -> String? {
        guard let d = try store.deskDetails(ticketId: ticket) else { return nil }
        return d.requesterEmail ?? d.requesterPhone
    }

    private func enqueue(_ drafts: [OutboxDraft]) throws {
        try store.enqueue(drafts, desk: desk, at: clock())
    }

    private static func freshKey() -> String { UUID().uuidString.lowercased() }
}
