import Foundation
import GRDB

/// Every table the engine keeps, in one migrator: the schema's whole history
/// reads top to bottom here. Dates are whole milliseconds since 1970 (INTEGER)
/// so they round-trip exactly, hash exactly in the audit chain, sort as
/// numbers, and map one to one onto a PostgreSQL `bigint`.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: agents, tickets, sessions, links, activity, audit") { db in
            try db.create(table: "agent") { t in
                t.primaryKey("uid", .integer)
                t.column("name", .text).notNull().unique()
                t.column("level", .text).notNull()
            }
            try db.create(table: "ticket") { t in
                t.primaryKey("id", .text)
                t.column("subject", .text).notNull()
                t.column("customer", .text).notNull()
                t.column("category", .text)
                t.column("status", .text).notNull().defaults(to: "open")
            }
            try db.create(table: "session") { t in
                t.primaryKey("id", .text)
                // No ticket, no session.
                t.column("ticketId", .text).notNull().references("ticket")
                t.column("agentName", .text).notNull().indexed()
                t.column("status", .text).notNull().indexed()
                t.column("controlMode", .text).notNull()
                t.column("access", .text)
                t.column("recording", .boolean).notNull()
                t.column("createdAt", .integer).notNull().indexed()
                t.column("startedAt", .integer)
                t.column("deadline", .integer)
                t.column("endedAt", .integer)
                t.column("endReason", .text)
                t.column("customerConnected", .boolean).notNull()
                t.column("quality", .text).notNull()
                t.column("rttMs", .integer)
                t.column("lossPercent", .integer)
                t.column("pendingModeRequest", .text)
            }
            try db.create(table: "participant") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sessionId", .text).notNull().indexed().references("session", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("role", .text).notNull()
                t.column("at", .integer).notNull()
            }
            try db.create(table: "link") { t in
                // Only the SHA-256 of the token is ever stored.
                t.primaryKey("tokenHash", .text)
                t.column("sessionId", .text).notNull().indexed()
                t.column("createdAt", .integer).notNull()
                t.column("expiresAt", .integer).notNull()
                t.column("usedAt", .integer)
            }
            try db.create(table: "resumeKey") { t in
                t.primaryKey("keyHash", .text)
                t.column("sessionId", .text).notNull().indexed()
            }
            try db.create(table: "activity") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sessionId", .text).notNull().indexed()
                t.column("at", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("text", .text).notNull()
            }
            try db.create(table: "note") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sessionId", .text).notNull().indexed()
                t.column("at", .integer).notNull()
                t.column("author", .text).notNull()
                t.column("text", .text).notNull()
            }
            try db.create(table: "audit") { t in
                // seq is assigned by the store (last + 1), never reused: a gap is a deleted row.
                t.primaryKey("seq", .integer)
                t.column("at", .integer).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("sessionId", .text).indexed()
                t.column("detail", .text).notNull()
                t.column("prevHash", .text).notNull()
                t.column("hash", .text).notNull()
            }
        }
        m.registerMigration("v2: recordings index and highlights") { db in
            try db.create(table: "recording") { t in
                t.primaryKey("id", .text)
                t.column("sessionId", .text).notNull().indexed()
                t.column("ticketId", .text).notNull()
                t.column("agentName", .text).notNull().indexed()
                // Relative to the data directory.
                t.column("path", .text).notNull()
                // The data key wrapped by the master key; NULL once shredded.
                t.column("wrappedKey", .blob)
                t.column("createdAt", .integer).notNull().indexed()
                t.column("endedAt", .integer)
                t.column("complete", .boolean).notNull().defaults(to: false)
                t.column("bytes", .integer).notNull().defaults(to: 0)
                t.column("retainUntil", .integer).notNull().indexed()
                t.column("deletedAt", .integer)
                t.column("deleteReason", .text)
            }
            try db.create(table: "highlight") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("recordingId", .text).notNull().indexed().references("recording", onDelete: .cascade)
                t.column("atMs", .integer).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("tags", .text).notNull()
                t.column("author", .text).notNull()
                t.column("createdAt", .integer).notNull()
            }
        }
        // Registered after every other migration: the survey only needs the session id.
        m.registerMigration("survey: the customer's rating at the end of a session") { db in
            try db.create(table: "survey") { t in
                // One survey per session: the machine accepts it once.
                t.primaryKey("sessionId", .text)
                t.column("at", .integer).notNull()
                t.column("stars", .integer).notNull()
                t.column("comment", .text)
            }
        }
        m.registerMigration("v4: viewer links and screenshots") { db in
            try db.alter(table: "link") { t in
                t.add(column: "viewerName", .text)
                t.add(column: "purpose", .text)
            }
            try db.create(table: "screenshot") { t in
                t.primaryKey("id", .text)
                t.column("sessionId", .text).notNull().indexed().references("session", onDelete: .cascade)
                t.column("takenAt", .integer).notNull()
                t.column("requestedBy", .text).notNull()
                t.column("path", .text).notNull()
            }
        }
        m.registerMigration("v5: how a recording ended") { db in
            try db.alter(table: "recording") { t in
                // "session ended", "engine stopped", with any gap's cost; NULL for older rows.
                t.add(column: "ending", .text)
            }
        }
        m.registerMigration("v6: how each session ended for its ticket") { db in
            try db.create(table: "outcome") { t in
                // One outcome per session: the first one said is the one the ticket got.
                t.primaryKey("sessionId", .text).references("session", onDelete: .cascade)
                t.column("at", .integer).notNull()
                t.column("by", .text).notNull()
                t.column("outcome", .text).notNull()
            }
        }
        m.registerMigration("v7: how each session came about") { db in
            try db.alter(table: "session") { t in
                // agent, customer-request, auto-suggestion, onboarding, escalation; NULL for older rows (the agent).
                t.add(column: "initiator", .text)
            }
        }
        m.registerMigration("helpdesk outbox: calls to the help desk, and the requester details it sends") { db in
            try db.create(table: "helpdeskOutbox") { t in
                // The order rows are sent in, per ticket.
                t.autoIncrementedPrimaryKey("id")
                // The same event enqueued twice is one row, sent once.
                t.column("idempotencyKey", .text).notNull().unique()
                t.column("desk", .text).notNull()
                t.column("ticketId", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("body", .text)
                t.column("deskStatus", .text)
                t.column("event", .text)
                t.column("sessionId", .text)
                // pending, sending (the engine may have stopped mid-call), delivered, failed.
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("createdAt", .integer).notNull()
                t.column("nextAttemptAt", .integer).notNull()
                t.column("lastAttemptAt", .integer)
                t.column("deliveredAt", .integer)
                t.column("lastError", .text)
            }
            try db.create(index: "helpdeskOutboxDue", on: "helpdeskOutbox", columns: ["state", "nextAttemptAt"])
            try db.create(index: "helpdeskOutboxTicket", on: "helpdeskOutbox", columns: ["ticketId", "id"])
            try db.alter(table: "ticket") { t in
                t.add(column: "requesterEmail", .text)
                t.add(column: "requesterPhone", .text)
                t.add(column: "channel", .text)
                // Comma-separated, as the desk sent them.
                t.add(column: "tags", .text)
                // Which desk keeps the ticket; NULL for a ticket added here.
                t.add(column: "desk", .text)
            }
        }
        m.registerMigration("v8: how to reach each ticket's customer") { db in
            // What an admin added here; the desk's requester details stay on the ticket row, and this wins over them.
            try db.create(table: "customerContact") { t in
                t.primaryKey("ticketId", .text).references("ticket", onDelete: .cascade)
                t.column("email", .text)
                t.column("phone", .text)
            }
            // The channel each session's first link went on: a renewed link goes the same way.
            try db.create(table: "sessionLinkChannel") { t in
                t.primaryKey("sessionId", .text).references("session", onDelete: .cascade)
                t.column("channel", .text).notNull()
            }
            // Outbox rows that go to the customer: the address or number, the mail's subject.
            try db.alter(table: "helpdeskOutbox") { t in
                t.add(column: "recipient", .text)
                t.add(column: "subject", .text)
            }
        }
        m.registerMigration("v9: sessions handed to a specialist") { db in
            try db.create(table: "handoff") { t in
                // A session may change hands more than once: one row each, in order.
                t.autoIncrementedPrimaryKey("id")
                t.column("sessionId", .text).notNull().indexed().references("session", onDelete: .cascade)
                t.column("at", .integer).notNull()
                t.column("fromAgent", .text).notNull()
                t.column("toAgent", .text).notNull()
                // Redacted by the engine before it is stored.
                t.column("reason", .text).notNull()
                t.column("stayed", .boolean).notNull()
            }
        }
        m.registerMigration("v10: customers who asked for live help from a page") { db in
            try db.create(table: "customerRequest") { t in
                // One request per ticket: the ticket was made for it.
                t.primaryKey("ticketId", .text).references("ticket", onDelete: .cascade)
                // page (the SDK's "Get live help"); the help desk's requests are its tags.
                t.column("via", .text).notNull()
                // Origin and path only: a query or fragment may hold the site's tokens.
                t.column("page", .text)
                t.column("requestedAt", .integer).notNull()
            }
        }
        return m
    }
}

struct CustomerContactRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "customerContact"
    var ticketId: String
    var email: String?
    var phone: String?
}

struct SessionLinkChannelRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sessionLinkChannel"
    var sessionId: String
    var channel: String
}

struct HandOffRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "handoff"
    var id: Int64?
    var sessionId: String
    var at: Millis
    var fromAgent: String
    var toAgent: String
    var reason: String
    var stayed: Bool

    init(_ h: HandOffRecord) {
        id = nil; sessionId = h.sessionId; at = millis(h.at); fromAgent = h.from; toAgent = h.to; reason = h.reason; stayed = h.stayed
    }
    var model: HandOffRecord { HandOffRecord(sessionId: sessionId, at: date(at), from: fromAgent, to: toAgent, reason: reason, stayed: stayed) }
}

struct OutcomeRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "outcome"
    var sessionId: String
    var at: Millis
    var by: String
    /// The outcome's JSON (kind, plan/owner/due or to/reason).
    var outcome: String
}

struct ScreenshotRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "screenshot"
    var id: String
    var sessionId: String
    var takenAt: Millis
    var requestedBy: String
    var path: String
}

struct SurveyRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "survey"
    var sessionId: String
    var at: Millis
    var stars: Int
    var comment: String?
}

// MARK: - Records: plain rows, converted to the model at the edge of the store.

typealias Millis = Int64
func millis(_ d: Date) -> Millis { AuditChain.milliseconds(d) }
func date(_ ms: Millis) -> Date { AuditChain.date(milliseconds: ms) }

struct AgentRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "agent"
    var uid: Int
    var name: String
    var level: String

    init(_ a: Agent) { uid = a.uid; name = a.name; level = a.level.rawValue }
    func model() throws -> Agent {
        guard let l = AgentLevel(rawValue: level) else { throw StoreError.invalid("agent \(name) has unknown level \(level)") }
        return Agent(name: name, uid: uid, level: l)
    }
}

struct TicketRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ticket"
    var id: String
    var subject: String
    var customer: String
    var category: String?
    var status: String

    init(_ t: Ticket) { id = t.id; subject = t.subject; customer = t.customer; category = t.category; status = t.status }
    var model: Ticket { Ticket(id: id, subject: subject, customer: customer, category: category, status: status) }
}

struct SessionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "session"
    var id: String
    var ticketId: String
    var agentName: String
    var status: String
    var controlMode: String
    var access: String?
    var recording: Bool
    var createdAt: Millis
    var startedAt: Millis?
    var deadline: Millis?
    var endedAt: Millis?
    var endReason: String?
    var customerConnected: Bool
    var quality: String
    var rttMs: Int?
    var lossPercent: Int?
    var pendingModeRequest: String?
    var initiator: String?

    init(_ s: SessionSummary) {
        id = s.id; ticketId = s.ticket.id; agentName = s.agentName; status = s.status.rawValue
        controlMode = s.controlMode.rawValue; access = s.access?.rawValue; recording = s.recording
        createdAt = millis(s.createdAt); startedAt = s.startedAt.map(millis); deadline = s.deadline.map(millis)
        endedAt = s.endedAt.map(millis); endReason = s.endReason?.rawValue; customerConnected = s.customerConnected
        quality = s.quality.rawValue; rttMs = s.rttMs; lossPercent = s.lossPercent
        pendingModeRequest = s.pendingModeRequest?.rawValue
        initiator = s.initiator?.rawValue
    }

    func model(ticket: Ticket) throws -> SessionSummary {
        func bad(_ what: String) -> StoreError { .invalid("session \(id) has an unreadable \(what)") }
        guard let st = SessionStatus(rawValue: status) else { throw bad("status") }
        guard let mode = ControlMode(rawValue: controlMode) else { throw bad("control mode") }
        guard let q = ConnectionQuality(rawValue: quality) else { throw bad("quality") }
        return SessionSummary(
            id: id, ticket: ticket, agentName: agentName, status: st, controlMode: mode,
            access: try access.map { try AccessLevel(rawValue: $0) ?? { throw bad("access") }() },
            recording: recording, createdAt: date(createdAt), startedAt: startedAt.map(date),
            deadline: deadline.map(date), endedAt: endedAt.map(date),
            endReason: try endReason.map { try EndReason(rawValue: $0) ?? { throw bad("end reason") }() },
            customerConnected: customerConnected, quality: q, rttMs: rttMs, lossPercent: lossPercent,
            pendingModeRequest: try pendingModeRequest.map { try ControlMode(rawValue: $0) ?? { throw bad("pending mode") }() },
            initiator: try initiator.map { try SessionInitiator(rawValue: $0) ?? { throw bad("initiator") }() })
    }
}

struct ParticipantRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "participant"
    var id: Int64?
    var sessionId: String
    var name: String
    var role: String
    var at: Millis
}

struct LinkRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "link"
    var tokenHash: String
    var sessionId: String
    var createdAt: Millis
    var expiresAt: Millis
    var usedAt: Millis?
    var viewerName: String?
    var purpose: String?

    init(_ l: LinkRecord) {
        tokenHash = l.tokenHash; sessionId = l.sessionId; createdAt = millis(l.createdAt)
        expiresAt = millis(l.expiresAt); usedAt = l.usedAt.map(millis); viewerName = l.viewerName; purpose = l.purpose?.rawValue
    }
    var model: LinkRecord {
        LinkRecord(tokenHash: tokenHash, sessionId: sessionId, createdAt: date(createdAt), expiresAt: date(expiresAt), usedAt: usedAt.map(date),
                   viewerName: viewerName, purpose: purpose.flatMap(LinkPurpose.init(rawValue:)))
    }
}

struct ResumeKeyRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "resumeKey"
    var keyHash: String
    var sessionId: String
}

struct ActivityRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "activity"
    var id: Int64?
    var sessionId: String
    var at: Millis
    var kind: String
    var actor: String
    var text: String

    var model: ActivityItem {
        // An unknown kind (written by a newer engine) still shows, as plain info.
        ActivityItem(at: date(at), kind: ActivityItem.Kind(rawValue: kind) ?? .info, actor: actor, text: text)
    }
}

struct NoteRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "note"
    var id: Int64?
    var sessionId: String
    var at: Millis
    var author: String
    var text: String
}

struct AuditRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "audit"
    var seq: Int64
    var at: Millis
    var actor: String
    var action: String
    var sessionId: String?
    var detail: String
    var prevHash: String
    var hash: String

    var model: AuditEntry {
        AuditEntry(seq: seq, at: date(at), actor: actor, action: action, sessionId: sessionId, detail: detail, prevHash: prevHash, hash: hash)
    }
}
