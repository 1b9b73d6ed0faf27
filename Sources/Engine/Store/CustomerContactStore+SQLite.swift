import Foundation
import GRDB

extension SQLiteStore: CustomerContactStore {
    public func setCustomerContact(ticketId: String, email: String?, phone: String?) throws {
        let email = try email.map(ContactRules.email), phone = try phone.map(ContactRules.phone)
        guard email != nil || phone != nil else { return }
        try db.write { db in
            guard try TicketRow.fetchOne(db, key: ticketId) != nil else { throw StoreError.notFound("ticket \(ticketId)") }
            try db.execute(sql: """
                INSERT INTO customerContact (ticketId, email, phone) VALUES (?, ?, ?)
                ON CONFLICT(ticketId) DO UPDATE SET email = COALESCE(excluded.email, email), phone = COALESCE(excluded.phone, phone)
                """, arguments: [ticketId, email, phone])
        }
    }

    public func customerContact(ticketId: String) throws -> CustomerContact? {
        try db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT COALESCE(c.email, t.requesterEmail) AS email, COALESCE(c.phone, t.requesterPhone) AS phone
                FROM ticket t LEFT JOIN customerContact c ON c.ticketId = t.id WHERE t.id = ?
                """, arguments: [ticketId])
        }.map { CustomerContact(email: $0["email"], phone: $0["phone"]) }
    }

    public func setLinkChannel(sessionId: String, _ channel: LinkDelivery) throws {
        try db.write { try SessionLinkChannelRow(sessionId: sessionId, channel: channel.rawValue).upsert($0) }
    }

    public func linkChannel(sessionId: String) throws -> LinkDelivery? {
        guard let row = try db.read({ try SessionLinkChannelRow.fetchOne($0, key: sessionId) }) else { return nil }
        guard let channel = LinkDelivery(rawValue: row.channel) else {
            throw StoreError.invalid("session \(sessionId) has unknown link channel \(row.channel)")
        }
        return channel
    }
}
