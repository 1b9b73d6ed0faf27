import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode through a GRDB pool
/// (readers never wait for the writer). Every method is one transaction.
public final class SQLiteStore: SessionStore {
    let db: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// The file and its -wal/-shm are the engine user's only (0600), whatever the umask.
    public init(path: String) throws {
        self.path = path
        // SQLite gives the -wal and -shm it creates the database file's mode, so a 0600 file keeps all three private.
        try PrivateFiles.prepareDatabase(path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5) // the admin CLI may write while the engine runs
        db = try DatabasePool(path: path, configuration: config)
        try StoreSchema.migrator.migrate(db)
        // An older -wal/-shm left 0644 beside a database made private since.
        try PrivateFiles.tightenDatabase(path)
    }

    // MARK: Agents

    public func addAgent(_ agent: Agent) throws {
        try write("agent uid \(agent.uid) or name \(agent.name)") { try AgentRow(agent).insert($0) }
    }

    public func agent(uid: Int) throws -> Agent? {
        try db.read { try AgentRow.fetchOne($0, key: uid) }?.model()
    }

    public func allAgents() throws -> [Agent] {
        try db.read { try AgentRow.order(Column("name")).fetchAll($0) }.map { try $0.model() }
    }

    // MARK: Tickets

    public func addTicket(_ ticket: Ticket) throws {
        try write("ticket \(ticket.id)") { try TicketRow(ticket).insert($0) }
    }

    public func ticket(id: String) throws -> Ticket? {
        try db.read { try TicketRow.fetchOne($0, key: id) }?.model
    }

    public func allTickets() throws -> [Ticket] {
        try db.read { try TicketRow.order(Column("id")).fetchAll($0) }.map(\.model)
    }

    public func setTicketStatus(id: String, status: String) throws {
        let changed = try db.write { db -> Int in
            try TicketRow.filter(key: id).updateAll(db, Column("status").set(to: status))
        }
        guard changed == 1 else { throw StoreError.notFound("ticket \(id)") }
    }

    // MARK: Sessions

    public func saveSession(_ summary: SessionSummary) throws {
        do {
            try db.write { try SessionRow(summary).upsert($0) }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw StoreError.notFound("ticket \(summary.ticket.id) (no ticket, no session)")
        }
    }

    public func session(id: String) throws -> SessionSummary? {
        try db.read { db in
            try SessionRow.fetchOne(db, key: id).map { try summary($0, db) }
        }
    }

    public func openSessions(agentName: String) throws -> [SessionSummary] {
        try sessions(SessionRow.filter(Column("agentName") == agentName).filter(Column("status") != SessionStatus.ended.rawValue)
            .order(Column("createdAt").desc))
    }

    /// Every session the store holds, newest first (ended ones too).
    public func allSessions() throws -> [SessionSummary] {
        try sessions(SessionRow.order(Column("createdAt").desc))
    }

    public func allOpenSessions() throws -> [SessionSummary] {
        try sessions(SessionRow.filter(Column("status") != SessionStatus.ended.rawValue).order(Column("createdAt").desc))
    }

    public func recentSessions(limit: Int) throws -> [SessionSummary] {
        try sessions(SessionRow.order(Column("createdAt").desc).limit(max(0, limit)))
    }

    /// The sessions created in [from, to), oldest first: what a report's period holds.
    public func sessionsCreated(from: Date, to: Date) throws -> [SessionSummary] {
        try sessions(SessionRow.filter(Column("createdAt") >= millis(from) && Column("createdAt") < millis(to)).order(Column("createdAt"), Column("id")))
    }

    private func sessions(_ request: QueryInterfaceRequest<SessionRow>) throws -> [SessionSummary] {
        try db.read { db in try request.fetchAll(db).map { try summary($0, db) } }
    }

    private func summary(_ row: SessionRow, _ db: Database) throws -> SessionSummary {
        guard let t = try TicketRow.fetchOne(db, key: row.ticketId) else { throw StoreError.notFound("ticket \(row.ticketId) of session \(row.id)") }
        return try row.model(ticket: t.model)
    }

    // MARK: Participants

    public func addParticipant(sessionId: String, name: String, role: ParticipantRole, at: Date) throws {
        try write("participant") { try ParticipantRow(id: nil, sessionId: sessionId, name: name, role: role.rawValue, at: millis(at)).insert($0) }
    }

    public func participants(sessionId: String) throws -> [(name: String, role: ParticipantRole)] {
        try db.read { try ParticipantRow.filter(Column("sessionId") == sessionId).order(Column("id")).fetchAll($0) }
            .map { row in
                guard let role = ParticipantRole(rawValue: row.role) else { throw StoreError.invalid("participant \(row.name) has unknown role \(row.role)") }
                return (row.name, role)
            }
    }

    // MARK: One-time links

    public func insertLink(_ link: LinkRecord) throws {
        try write("link") { try LinkRow(link).insert($0) }
    }

    public func link(tokenHash: String) throws -> LinkRecord? {
        try db.read { try LinkRow.fetchOne($0, key: tokenHash) }?.model
    }

    public func markLinkUsed(tokenHash: String, at: Date) throws -> Bool {
        // One conditional UPDATE: of two customers racing with the same link, exactly one wins.
        let outcome = try db.write { db -> (changed: Int, exists: Bool) in
            let changed = try LinkRow.filter(key: tokenHash).filter(Column("usedAt") == nil)
                .updateAll(db, Column("usedAt").set(to: millis(at)))
            return (changed, changed == 1 ? true : try LinkRow.exists(db, key: tokenHash))
        }
        guard outcome.exists else { throw StoreError.notFound("link") }
        return outcome.changed == 1
    }

    public func useLink(tokenHash: String, at: Date, audit: AuditDraft) throws -> Bool {
        let outcome = try db.write { db -> (changed: Int, exists: Bool) in
            let changed = try LinkRow.filter(key: tokenHash).filter(Column("usedAt") == nil)
                .updateAll(db, Column("usedAt").set(to: millis(at)))
            if changed == 1 { try Self.chain(audit, in: db) }
            return (changed, changed == 1 ? true : try LinkRow.exists(db, key: tokenHash))
        }
        guard outcome.exists else { throw StoreError.notFound("link") }
        return outcome.changed == 1
    }

    // MARK: Resume keys

    public func saveResumeKey(hash: String, sessionId: String) throws {
        try write("resume key") { try ResumeKeyRow(keyHash: hash, sessionId: sessionId).insert($0) }
    }

    public func sessionId(resumeKeyHash: String) throws -> String? {
        try db.read { try ResumeKeyRow.fetchOne($0, key: resumeKeyHash) }?.sessionId
    }

    // MARK: Activity and notes

    public func appendActivity(sessionId: String, _ item: ActivityItem) throws {
        try write("activity") {
            try ActivityRow(id: nil, sessionId: sessionId, at: millis(item.at), kind: item.kind.rawValue, actor: item.actor, text: item.text).insert($0)
        }
    }

    public func appendFeed(_ rows: [FeedRow]) throws {
        guard !rows.isEmpty else { return }
        try write("feed rows") { db in
            for row in rows {
                switch row {
                case let .activity(sid, item):
                    try ActivityRow(id: nil, sessionId: sid, at: millis(item.at), kind: item.kind.rawValue, actor: item.actor, text: item.text).insert(db)
                case let .participant(sid, name, role, at):
                    try ParticipantRow(id: nil, sessionId: sid, name: name, role: role.rawValue, at: millis(at)).insert(db)
                case let .audit(draft):
                    try Self.chain(draft, in: db)
                }
            }
        }
    }

    public func activity(sessionId: String) throws -> [ActivityItem] {
        try db.read { try ActivityRow.filter(Column("sessionId") == sessionId).order(Column("id")).fetchAll($0) }.map(\.model)
    }

    public func addNote(sessionId: String, _ note: NoteEntry) throws {
        try write("note") { try NoteRow(id: nil, sessionId: sessionId, at: millis(note.at), author: note.author, text: note.text).insert($0) }
    }

    public func notes(sessionId: String) throws -> [NoteEntry] {
        try db.read { try NoteRow.filter(Column("sessionId") == sessionId).order(Column("id")).fetchAll($0) }
            .map { NoteEntry(at: date($0.at), author: $0.author, text: $0.text) }
    }

    // MARK: Survey

    public func saveSurvey(sessionId: String, _ survey: SessionSurvey) throws {
        try write("survey of \(sessionId)") {
            try SurveyRow(sessionId: sessionId, at: millis(survey.at), stars: survey.stars, comment: survey.comment).insert($0)
        }
    }

    public func survey(sessionId: String) throws -> SessionSurvey? {
        try db.read { try SurveyRow.fetchOne($0, key: sessionId) }
            .map { SessionSurvey(at: date($0.at), stars: $0.stars, comment: $0.comment) }
    }

    // MARK: Outcomes

    public func recordOutcome(sessionId: String, ticketId: String, _ o: RecordedOutcome, audit: AuditDraft) throws -> Bool {
        let json = String(decoding: try JSONEncoder().encode(o.outcome), as: UTF8.self)
        return try db.write { db -> Bool in
            guard try !OutcomeRow.exists(db, key: sessionId) else { return false }
            try OutcomeRow(sessionId: sessionId, at: millis(o.at), by: o.by, outcome: json).insert(db)
            let changed = try TicketRow.filter(key: ticketId).updateAll(db, Column("status").set(to: o.outcome.ticketStatus))
            guard changed == 1 else { throw StoreError.notFound("ticket \(ticketId)") }
            try Self.chain(audit, in: db)
            return true
        }
    }

    public func outcome(sessionId: String) throws -> RecordedOutcome? {
        guard let row = try db.read({ try OutcomeRow.fetchOne($0, key: sessionId) }) else { return nil }
        let outcome = try JSONDecoder().decode(SessionOutcome.self, from: Data(row.outcome.utf8))
        return RecordedOutcome(outcome: outcome, by: row.by, at: date(row.at))
    }

    public func latestOutcome(ticketId: String) throws -> RecordedOutcome? {
        guard let id = try db.read({ db in
            try String.fetchOne(db, sql: """
                SELECT o.sessionId FROM outcome o JOIN session s ON s.id = o.sessionId
                WHERE s.ticketId = ? ORDER BY o.at DESC LIMIT 1
                """, arguments: [ticketId])
        }) else { return nil }
        return try outcome(sessionId: id)
    }

    // MARK: Screenshots

    public func addScreenshot(_ shot: ScreenshotRecord) throws {
        try write("screenshot of \(shot.sessionId)") {
            try ScreenshotRow(id: shot.id, sessionId: shot.sessionId, takenAt: millis(shot.takenAt), requestedBy: shot.requestedBy, path: shot.path).insert($0)
        }
    }

    public func screenshots(sessionId: String) throws -> [ScreenshotRecord] {
        try db.read { try ScreenshotRow.filter(Column("sessionId") == sessionId).order(Column("takenAt")).fetchAll($0) }
            .map { ScreenshotRecord(id: $0.id, sessionId: $0.sessionId, takenAt: date($0.takenAt), requestedBy: $0.requestedBy, path: $0.path) }
    }

    // MARK: Audit

    @discardableResult
    // MARK: Hand-offs

    public func recordHandOff(_ handOff: HandOffRecord) throws {
        try write("hand-off of session \(handOff.sessionId)") { try HandOffRow(handOff).insert($0) }
    }

    public func handOffs(sessionId: String) throws -> [HandOffRecord] {
        try db.read { try HandOffRow.filter(Column("sessionId") == sessionId).order(Column("id")).fetchAll($0) }.map(\.model)
    }

    public func handedOffSessionIDs() throws -> Set<String> {
        Set(try db.read { try String.fetchAll($0, sql: "SELECT DISTINCT sessionId FROM handoff") })
    }

    public func appendAudit(at: Date, actor: String, action: String, sessionId: String?, detail: String) throws -> AuditEntry {
        try db.write { db in try Self.chain(AuditDraft(at: at, actor: actor, action: action, sessionId: sessionId, detail: detail), in: db) }
    }

    public func appendAudits(_ drafts: [AuditDraft]) throws {
        guard !drafts.isEmpty else { return }
        try db.write { db in for d in drafts { try Self.chain(d, in: db) } }
    }

    /// Reading the head and inserting the next row in one write transaction keeps the chain linear.
    @discardableResult
    static func chain(_ d: AuditDraft, in db: Database) throws -> AuditEntry {
        let last = try AuditRow.order(Column("seq").desc).fetchOne(db)
        let seq = (last?.seq ?? 0) + 1
        let prev = last?.hash ?? AuditChain.genesis
        let atMs = millis(d.at)
        let hash = AuditChain.hash(prevHash: prev, seq: seq, atMs: atMs, actor: d.actor, action: d.action, sessionId: d.sessionId, detail: d.detail)
        let row = AuditRow(seq: seq, at: atMs, actor: d.actor, action: d.action, sessionId: d.sessionId, detail: d.detail, prevHash: prev, hash: hash)
        try row.insert(db)
        return row.model
    }

    public func auditEntries(sessionId: String?) throws -> [AuditEntry] {
        try db.read { db in
            var request = AuditRow.order(Column("seq"))
            if let sessionId { request = request.filter(Column("sessionId") == sessionId) }
            return try request.fetchAll(db)
        }.map(\.model)
    }

    public func verifyAuditChain() throws {
        try AuditChain.verify(try auditEntries(sessionId: nil))
    }

    // MARK: -

    /// Writes, turning a constraint failure into the store's own words.
    private func write(_ what: @autoclosure () -> String, _ body: (Database) throws -> Void) throws {
        do {
            try db.write { try body($0) }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.duplicate(what())
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw StoreError.notFound("\(what()): it refers to something that does not exist")
        }
    }
}
