import Foundation

/// The engine's ways to a customer other than the help desk: which it has
/// (a mail server, an SMS gateway), where each ticket's customer is reached,
/// and the outbox rows that carry a link there.
public final class CustomerChannels: Sendable {
    public let canEmail: Bool
    public let canText: Bool
    let outbox: HelpDeskStore
    let contacts: CustomerContactStore
    private let clock: @Sendable () -> Date

    public init(outbox: HelpDeskStore, contacts: CustomerContactStore, canEmail: Bool, canText: Bool,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.outbox = outbox; self.contacts = contacts; self.canEmail = canEmail; self.canText = canText; self.clock = clock
    }

    /// The checked address (e-mail) or number (SMS) of the ticket's customer; a clear refusal when there is none or it is malformed
    /// (a desk's requester details are checked here too: they reach a mail header).
    public func recipient(of ticket: Ticket, by channel: LinkDelivery) throws -> String {
        let contact = try contacts.customerContact(ticketId: ticket.id) ?? CustomerContact()
        switch channel {
        case .email:
            guard let email = contact.email else {
                throw ContactError("ticket \(ticket.id) has no e-mail address for \(ticket.customer): add one (cobrowse tickets add --id \(ticket.id) … --email ADDR) or send the link another way")
            }
            do { return try ContactRules.email(email) } catch let e as ContactError { throw ContactError("ticket \(ticket.id): \(e.message)") }
        case .sms:
            guard let phone = contact.phone else {
                throw ContactError("ticket \(ticket.id) has no mobile number for \(ticket.customer): add one (cobrowse tickets add --id \(ticket.id) … --phone +E164) or send the link another way")
            }
            do { return try ContactRules.phone(phone) } catch let e as ContactError { throw ContactError("ticket \(ticket.id): \(e.message)") }
        case .helpdesk, .none:
            throw ContactError("\(channel.rawValue) is not a channel of its own")
        }
    }

    /// Queues the link's message as one outbox row (the same key twice is one row, sent once).
    func enqueue(_ message: LinkMessage, to recipient: String, by channel: LinkDelivery, ticket: String, sessionId: String, key: String) throws {
        let call: DeskCall
        switch channel {
        case .email: call = .email(to: recipient, subject: message.subject, body: message.body)
        case .sms: call = .sms(to: recipient, body: message.body)
        case .helpdesk, .none: throw ContactError("\(channel.rawValue) is not a channel of its own")
        }
        try outbox.enqueue([OutboxDraft(idempotencyKey: key, ticketId: ticket, call: call, sessionId: sessionId, recipient: recipient)],
                           desk: nil, at: clock())
    }
}

/// What the customer reads: the session protocol's opening script (or, for a
/// renewed link, the reconnect script) with the customer's and agent's names.
struct LinkMessage: Equatable {
    var subject: String
    var body: String
}
