import Foundation
import GRDB

/// One call to the desk as the outbox keeps it.
public struct OutboxEntry: Equatable, Sendable {
    public enum State: String, Sendable, Codable {
        case pending
        /// Handed to the desk; an engine that stopped here does not know whether the desk acted.
        case sending
        case delivered
        /// A permanent refusal (or too many tries): `lastError` says why.
        case failed
    }
    public var id: Int64
    public var idempotencyKey: String
    /// The desk a help-desk call goes to; nil for a mail or a text to the customer.
    public var desk: HelpDeskKind?
    public var ticketId: String
    public var call: DeskCall
    /// The session the row is about, when the feed is to hear how it went (a one-time link).
    public var sessionId: String?
    /// Who the customer-facing row is for (an address or a number), as the feed names them.
    public var recipient: String?
    public var state: State
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var lastAttemptAt: Date?
    public var deliveredAt: Date?
    public var lastError: String?

    /// Who carries the row, as the listing names it: the desk's name, email or sms.
    public var route: String { desk?.rawValue ?? call.channel.rawValue }
}

/// A call to enqueue, before it has a row.
public struct OutboxDraft: Equatable, Sendable {
    public var idempotencyKey: String
    public var ticketId: String
    public var call: DeskCall
    /// Set for a one-time link: the feed of this session hears when it was accepted or refused.
    public var sessionId: String?
    public var recipient: String?
    public init(idempotencyKey: String, ticketId: String, call: DeskCall, sessionId: String? = nil, recipient: String? = nil) {
        self.idempotencyKey = idempotencyKey; self.ticketId = ticketId; self.call = call; self.sessionId = sessionId; self.recipient = recipient
    }
}

/// What a desk told us about a ticket (inbound): everything but the id may be missing.
public struct DeskTicketUpdate: Equatable, Sendable {
    public var id: String
    public var subject: String?
    public var requesterName: String?
    public var requesterEmail: String?
    public var requesterPhone: String?
    public var category: String?
    public var tags: [String]
    public var channel: String?
    public var status: String?
    public init(id: String, subject: String? = nil, requesterName: String? = nil, requesterEmail: String? = nil, requesterPhone: String? = nil,
                category: String? = nil, tags: [String] = [], channel: String? = nil, status: String? = nil) {
        self.id = id; self.subject = subject; self.requesterName = requesterName; self.requesterEmail = requesterEmail
        self.requesterPhone = requesterPhone; self.category = category; self.tags = tags; self.channel = channel; self.status = status
    }
}

/// The requester details a desk sent for a ticket (beside the ticket row itself).
public struct DeskTicketDetails: Equatable, Sendable {
    public var requesterEmail: String?
    public var requesterPhone: String?
    public var channel: String?
    public var tags: [String]
    public var desk: HelpDeskKind?
}

/// The outbox and the desk's view of tickets, as the help-desk seam needs them.
/// Each method is one transaction.
public protocol HelpDeskStore: AnyObject, Sendable {
    /// Writes the drafts in order; a key already in the outbox is skipped (sent once). Returns the rows written.
    @discardableResult
    /// `desk`: the desk help-desk calls go to; nil for drafts that are all mails or texts to the customer.
    func enqueue(_ drafts: [OutboxDraft], desk: HelpDeskKind?, at: Date) throws -> Int
    /// The oldest unsent row of each ticket that is due (later rows of a ticket wait for it).
    func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry]
    /// Marks a row as handed to the desk (one more attempt).
    func markSending(id: Int64, at: Date) throws
    func markDelivered(id: Int64, at: Date) throws
    func markRetry(id: Int64, at: Date, next: Date, reason: String) throws
    func markFailed(id: Int64, at: Date, reason: String) throws
    /// Rows left `sending` by an engine that stopped mid-call go back to pending; returns how many.
    func requeueInterrupted(at: Date) throws -> Int
    /// Pending, sending and failed rows, oldest first.
    func undeliveredOutbox() throws -> [OutboxEntry]
    /// How many rows wait in each state short of delivered (a count, not the rows: the metrics ask on every scrape).
    func outboxBacklog() throws -> [OutboxEntry.State: Int]
    func outboxEntry(idempotencyKey: String) throws -> OutboxEntry?
    /// Forgets delivered rows older than `before` (their keys no longer dedupe); returns how many.
    func pruneDelivered(before: Date) throws -> Int
    /// Creates the ticket or updates what the desk sent; returns true when it was created.
    @discardableResult
    func applyDeskTicket(_ update: DeskTicketUpdate, desk: HelpDeskKind) throws -> Bool
    func deskDetails(ticketId: String) throws -> DeskTicketDetails?
    /// Tickets the desk tagged as the customer asking for a co-browse.
    func ticketsTagged(_ tag: String) throws -> Set<String>
}

struct OutboxRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "helpdeskOutbox"
    var id: Int64?
    var idempotencyKey: String
    var desk: String
    var ticketId: String
    var kind: String
    var body: String?
    var deskStatus: String?
    var event: String?
    var sessionId: String?
    var state: String
    var attempts: Int
    var createdAt: Millis
    var nextAttemptAt: Millis
    var lastAttemptAt: Millis?
    var deliveredAt: Millis?
    var lastError: String?
    var recipient: String?
    var subject: String?

    init(_ d: OutboxDraft, desk: HelpDeskKind?, at: Date) throws {
        id = nil; idempotencyKey = d.idempotencyKey; ticketId = d.ticketId
        state = OutboxEntry.State.pending.rawValue; attempts = 0; createdAt = millis(at); nextAttemptAt = millis(at)
        sessionId = d.sessionId; recipient = d.recipient
        if d.call.channel == .helpDesk {
            guard let desk else { throw StoreError.invalid("a help-desk call for ticket \(d.ticketId) with no desk to send it to") }
            self.desk = desk.rawValue
        } else {
            self.desk = d.call.channel.rawValue
        }
        switch d.call {
        case let .publicReply(b): kind = "reply"; body = b
        case let .internalNote(b): kind = "note"; body = b
        case let .setStatus(s): kind = "status"; deskStatus = s.rawValue
        case let .event(e, sid, text): kind = "event"; event = e.rawValue; sessionId = sid; body = text
        case let .email(to, subj, b): kind = "email"; recipient = to; subject = subj; body = b
        case let .sms(to, b): kind = "sms"; recipient = to; body = b
        }
    }

    func model() throws -> OutboxEntry {
        let call: DeskCall
        switch kind {
        case "reply": call = .publicReply(body: body ?? "")
        case "note": call = .internalNote(body: body ?? "")
        case "status":
            guard let s = deskStatus.flatMap(TicketDeskStatus.init(rawValue:)) else { throw StoreError.invalid("outbox row \(id ?? 0) has no status") }
            call = .setStatus(s)
        case "event":
            guard let e = event.flatMap(DeskEvent.init(rawValue:)) else { throw StoreError.invalid("outbox row \(id ?? 0) has an unknown event") }
            call = .event(e, sessionId: sessionId ?? "", text: body)
        case "email":
            guard let to = recipient else { throw StoreError.invalid("outbox row \(id ?? 0) is a mail with no address") }
            call = .email(to: to, subject: subject ?? "", body: body ?? "")
        case "sms":
            guard let to = recipient else { throw StoreError.invalid("outbox row \(id ?? 0) is a text with no number") }
            call = .sms(to: to, body: body ?? "")
        default: throw StoreError.invalid("outbox row \(id ?? 0) has unknown kind \(kind)")
        }
        let d = HelpDeskKind(rawValue: desk)
        guard d != nil || call.channel.rawValue == desk, let s = OutboxEntry.State(rawValue: state) else {
            throw StoreError.invalid("outbox row \(id ?? 0) has unknown desk \(desk) or state \(state)")
        }
        return OutboxEntry(id: id ?? 0, idempotencyKey: idempotencyKey, desk: d, ticketId: ticketId, call: call,
                           sessionId: kind == "event" ? nil : sessionId, recipient: recipient, state: s, attempts: attempts,
                           createdAt: date(createdAt), nextAttemptAt: date(nextAttemptAt), lastAttemptAt: lastAttemptAt.map(date),
                           deliveredAt: deliveredAt.map(date), lastError: lastError)
    }
}

extension SQLiteStore: HelpDeskStore {
    public func enqueue(_ drafts: [OutboxDraft], desk: HelpDeskKind?, at: Date) throws -> Int {
        try db.write { db in
            var written = 0
            for d in drafts {
                if try OutboxRow.filter(Column("idempotencyKey") == d.idempotencyKey).fetchCount(db) > 0 { continue }
                try OutboxRow(d, desk: desk, at: at).insert(db)
                written += 1
            }
            return written
        }
    }

    public func dueOutbox(now: Date, limit: Int) throws -> [OutboxEntry] {
        try db.read { db in
            try OutboxRow.fetchAll(db, sql: """
                SELECT * FROM helpdeskOutbox o
                WHERE o.state IN ('pending', 'sending') AND o.nextAttemptAt <= ?
                  AND NOT EXISTS (SELECT 1 FROM helpdeskOutbox p
                                  WHERE p.ticketId = o.ticketId AND p.state IN ('pending', 'sending') AND p.id < o.id)
                ORDER BY o.id LIMIT ?
                """, arguments: [millis(now), max(1, limit)])
        }.map { try $0.model() }
    }

    public func markSending(id: Int64, at: Date) throws {
        try updateOutbox(id) { db in
            try db.execute(sql: "UPDATE helpdeskOutbox SET state = 'sending', attempts = attempts + 1, lastAttemptAt = ? WHERE id = ?",
                           arguments: [millis(at), id])
        }
    }

    public func markDelivered(id: Int64, at: Date) throws {
        try updateOutbox(id) { db in
            try db.execute(sql: "UPDATE helpdeskOutbox SET state = 'delivered', deliveredAt = ?, lastError = NULL WHERE id = ?",
                           arguments: [millis(at), id])
        }
    }

    public func markRetry(id: Int64, at: Date, next: Date, reason: String) throws {
        try updateOutbox(id) { db in
            try db.execute(sql: "UPDATE helpdeskOutbox SET state = 'pending', nextAttemptAt = ?, lastError = ? WHERE id = ?",
                           arguments: [millis(next), reason, id])
        }
    }

    public func markFailed(id: Int64, at: Date, reason: String) throws {
        try updateOutbox(id) { db in
            try db.execute(sql: "UPDATE helpdeskOutbox SET state = 'failed', lastError = ? WHERE id = ?", arguments: [reason, id])
        }
    }

    public func requeueInterrupted(at: Date) throws -> Int {
        try db.write { db in
            try db.execute(sql: """
                UPDATE helpdeskOutbox SET state = 'pending',
                  lastError = 'the engine stopped while this was being sent; sent again with the same idempotency key'
                WHERE state = 'sending'
                """)
            return db.changesCount
        }
    }

    public func undeliveredOutbox() throws -> [OutboxEntry] {
        try db.read { try OutboxRow.filter(Column("state") != OutboxEntry.State.delivered.rawValue).order(Column("id")).fetchAll($0) }
            .map { try $0.model() }
    }

    public func outboxBacklog() throws -> [OutboxEntry.State: Int] {
        try db.read { db in
            var counts: [OutboxEntry.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM helpdeskOutbox WHERE state != 'delivered' GROUP BY state") {
                let name: String = row["state"]
                guard let state = OutboxEntry.State(rawValue: name) else { throw StoreError.invalid("outbox rows in unknown state \(name)") }
                counts[state] = row["n"]
            }
            return counts
        }
    }

    public func outboxEntry(idempotencyKey: String) throws -> OutboxEntry? {
        try db.read { try OutboxRow.filter(Column("idempotencyKey") == idempotencyKey).fetchOne($0) }?.model()
    }

    public func pruneDelivered(before: Date) throws -> Int {
        try db.write { db in
            try db.execute(sql: "DELETE FROM helpdeskOutbox WHERE state = 'delivered' AND deliveredAt < ?", arguments: [millis(before)])
            return db.changesCount
        }
    }

    private func updateOutbox(_ id: Int64, _ change: @escaping (Database) throws -> Void) throws {
        let changed = try db.write { db -> Int in
            try change(db)
            return db.changesCount
        }
        guard changed == 1 else { throw StoreError.notFound("outbox row \(id)") }
    }

    public func applyDeskTicket(_ u: DeskTicketUpdate, desk: HelpDeskKind) throws -> Bool {
        try db.write { db in
            let exists = try TicketRow.fetchOne(db, key: u.id)
            if exists == nil {
                try TicketRow(Ticket(id: u.id, subject: u.subject ?? "(no subject)", customer: u.requesterName ?? u.requesterEmail ?? "(unknown)",
                                     category: u.category, status: u.status ?? "open")).insert(db)
            } else {
                // Only what the desk sent changes; a field it left out keeps its value.
                try db.execute(sql: """
                    UPDATE ticket SET subject = COALESCE(?, subject), customer = COALESCE(?, customer),
                      category = COALESCE(?, category), status = COALESCE(?, status) WHERE id = ?
                    """, arguments: [u.subject, u.requesterName, u.category, u.status, u.id])
            }
            try db.execute(sql: """
                UPDATE ticket SET requesterEmail = COALESCE(?, requesterEmail), requesterPhone = COALESCE(?, requesterPhone),
                  channel = COALESCE(?, channel), tags = COALESCE(?, tags), desk = ? WHERE id = ?
                """, arguments: [u.requesterEmail, u.requesterPhone, u.channel, u.tags.isEmpty ? nil : u.tags.joined(separator: ","),
                                 desk.rawValue, u.id])
            return exists == nil
        }
    }

    public func ticketsTagged(_ tag: String) throws -> Set<String> {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM ticket WHERE ',' || tags || ',' LIKE ?", arguments: ["%," + tag + ",%"])
        }.reduce(into: Set<String>()) { $0.insert($1) }
    }

    public func deskDetails(ticketId: String) throws -> DeskTicketDetails? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT requesterEmail, requesterPhone, channel, tags, desk FROM ticket WHERE id = ?", arguments: [ticketId])
        }.map { row in
            let tags: String? = row["tags"]
            let desk: String? = row["desk"]
            return DeskTicketDetails(requesterEmail: row["requesterEmail"], requesterPhone: row["requesterPhone"], channel: row["channel"],
                                     tags: tags.map { $0.split(separator: ",").map(String.init) } ?? [], desk: desk.flatMap(HelpDeskKind.init(rawValue:)))
        }
    }
}
