import Foundation
import GRDB

/// A customer who asked for a co-browse themselves, and how: the lobby marks
/// their ticket ⚑ and says this; a session started on it is kept as begun at
/// the customer's request.
public struct CustomerRequest: Codable, Equatable, Sendable {
    public enum Channel: String, Codable, Sendable {
        /// The "Get live help" button on the tenant's page.
        case page
        /// The help desk tagged the ticket, or sent `session.requested`.
        case helpDesk = "help-desk"
    }
    public var via: Channel
    /// The page the customer asked from (origin and path), for `.page`.
    public var page: String?
    /// When they asked; nil when the desk did not say.
    public var requestedAt: Date?
    public init(via: Channel, page: String? = nil, requestedAt: Date? = nil) {
        self.via = via; self.page = page; self.requestedAt = requestedAt
    }
}

/// How filing a live-help request went.
public enum LiveHelpFiling: Equatable, Sendable {
    /// A new ticket, in every lobby.
    case filed(Ticket)
    /// The same address already waits on this open ticket: nothing new is made.
    case alreadyWaiting(Ticket)
    /// Too many requests wait for an agent: none is taken until some are served.
    case full(waiting: Int)
}

public protocol CustomerRequestStore: Sendable {
    /// In one transaction: the open request this e-mail address already filed,
    /// or (when fewer than `maxWaiting` wait) a new ticket for it with its audit
    /// row: no row, no ticket.
    func fileLiveHelp(_ request: LiveHelpRequest, ticketId: String, subject: String, at: Date, maxWaiting: Int, audit: AuditDraft) throws -> LiveHelpFiling
    /// Requests filed from a page whose ticket is not closed, by ticket id.
    func openLiveHelpRequests() throws -> [String: CustomerRequest]
}

struct CustomerRequestRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "customerRequest"
    var ticketId: String
    var via: String
    var page: String?
    var requestedAt: Millis
}

extension SQLiteStore: CustomerRequestStore {
    public func fileLiveHelp(_ request: LiveHelpRequest, ticketId: String, subject: String, at: Date, maxWaiting: Int,
                             audit: AuditDraft) throws -> LiveHelpFiling {
        try db.write { db in
            let open = "t.status NOT IN ('closed', 'solved', 'resolved')"
            if let id = try String.fetchOne(db, sql: """
                SELECT t.id FROM customerRequest r JOIN ticket t ON t.id = r.ticketId JOIN customerContact c ON c.ticketId = t.id
                WHERE r.via = 'page' AND c.email = ? AND \(open) ORDER BY r.requestedAt DESC LIMIT 1
                """, arguments: [request.email]), let ticket = try TicketRow.fetchOne(db, key: id) {
                return .alreadyWaiting(ticket.model)
            }
            // Waiting: no session was ever started on the ticket.
            let waiting = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM customerRequest r JOIN ticket t ON t.id = r.ticketId
                WHERE \(open) AND NOT EXISTS (SELECT 1 FROM session s WHERE s.ticketId = t.id)
                """) ?? 0
            guard waiting < maxWaiting else { return .full(waiting: waiting) }
            let ticket = Ticket(id: ticketId, subject: subject, customer: request.name, category: "live help")
            try TicketRow(ticket).insert(db)
            // Where the link goes: the address they gave, as for a ticket added here.
            try CustomerContactRow(ticketId: ticketId, email: request.email, phone: nil).insert(db)
            try db.execute(sql: "UPDATE ticket SET channel = 'web' WHERE id = ?", arguments: [ticketId])
            try CustomerRequestRow(ticketId: ticketId, via: CustomerRequest.Channel.page.rawValue, page: request.page, requestedAt: millis(at)).insert(db)
            _ = try Self.chain(audit, in: db)
            return .filed(ticket)
        }
    }

    public func openLiveHelpRequests() throws -> [String: CustomerRequest] {
        try db.read { db in
            try CustomerRequestRow.fetchAll(db, sql: """
                SELECT r.* FROM customerRequest r JOIN ticket t ON t.id = r.ticketId
                WHERE t.status NOT IN ('closed', 'solved', 'resolved')
                """)
        }.reduce(into: [:]) { out, row in
            out[row.ticketId] = CustomerRequest(via: CustomerRequest.Channel(rawValue: row.via) ?? .page, page: row.page, requestedAt: date(row.requestedAt))
        }
    }
}
