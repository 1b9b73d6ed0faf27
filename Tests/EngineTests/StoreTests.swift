import GRDB
import XCTest
@testable import Engine

/// The SQLite store on a real file in a temporary directory.
final class StoreTests: XCTestCase {
    var dir: URL!
    var path: String { dir.appendingPathComponent("cobrowse.sqlite").path }
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let maria = Agent(name: "maria", uid: 1001, level: .l2)
    let ticket = Ticket(id: "T-1", subject: "Cannot update billing", customer: "Dana Lee", category: "billing")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func at(_ s: TimeInterval) -> Date { t0.addingTimeInterval(s) }

    func summary(_ id: String, agent: String = "maria", status: SessionStatus = .linkMinted, created: TimeInterval = 0) -> SessionSummary {
        SessionSummary(id: id, ticket: ticket, agentName: agent, status: status, createdAt: at(created))
    }

    func testCreatesTheFileInWALModeAndMigrates() throws {
        let store = try SQLiteStore(path: path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let mode = try store.db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        let tables = try store.db.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        for t in ["agent", "ticket", "session", "participant", "link", "resumeKey", "activity", "note", "audit"] {
            XCTAssertTrue(tables.contains(t), t)
        }
        // Opening again runs no migration twice.
        _ = try SQLiteStore(path: path)
    }

    func testAgents() throws {
        let store = try SQLiteStore(path: path)
        try store.addAgent(maria)
        try store.addAgent(Agent(name: "kim", uid: 1002, level: .supervisor))
        XCTAssertEqual(try store.agent(uid: 1001), maria)
        XCTAssertNil(try store.agent(uid: 4242))
        XCTAssertEqual(try store.allAgents().map(\.name), ["kim", "maria"])
        XCTAssertThrowsError(try store.addAgent(Agent(name: "other", uid: 1001, level: .l1))) {
            guard case .duplicate = $0 as? StoreError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try store.addAgent(Agent(name: "maria", uid: 9999, level: .l1)), "names are unique too")
    }

    func testTickets() throws {
        let store = try SQLiteStore(path: path)
        try store.addTicket(ticket)
        try store.addTicket(Ticket(id: "T-0", subject: "Login", customer: "Ann"))
        XCTAssertEqual(try store.ticket(id: "T-1"), ticket)
        XCTAssertEqual(try store.allTickets().map(\.id), ["T-0", "T-1"])
        try store.setTicketStatus(id: "T-1", status: "resolved")
        XCTAssertEqual(try store.ticket(id: "T-1")?.status, "resolved")
        XCTAssertThrowsError(try store.setTicketStatus(id: "nope", status: "x")) { XCTAssertEqual($0 as? StoreError, .notFound("ticket nope")) }
        XCTAssertThrowsError(try store.addTicket(ticket)) { XCTAssertEqual($0 as? StoreError, .duplicate("ticket T-1")) }
    }

    func testSessionsRoundTripAndQueries() throws {
        let store = try SQLiteStore(path: path)
        try store.addTicket(ticket)
        var s = summary("S-1", created: 0)
        s.status = .active; s.access = .controlled; s.recording = true; s.controlMode = .guided
        s.startedAt = at(10); s.deadline = at(10 + 45 * 60); s.customerConnected = true
        s.quality = .fair; s.rttMs = 210; s.lossPercent = 3; s.pendingModeRequest = .controlled
        try store.saveSession(s)
        XCTAssertEqual(try store.session(id: "S-1"), s)

        s.status = .ended; s.endedAt = at(600); s.endReason = .agentEnded
        try store.saveSession(s) // upsert
        XCTAssertEqual(try store.session(id: "S-1"), s)

        try store.saveSession(summary("S-2", created: 100))
        try store.saveSession(summary("S-3", created: 200))
        try store.saveSession(summary("S-4", agent: "sam", created: 300))
        XCTAssertEqual(try store.openSessions(agentName: "maria").map(\.id), ["S-3", "S-2"], "open only, newest first")
        XCTAssertEqual(try store.allOpenSessions().map(\.id), ["S-4", "S-3", "S-2"])
        XCTAssertEqual(try store.recentSessions(limit: 2).map(\.id), ["S-4", "S-3"])
        XCTAssertNil(try store.session(id: "nope"))
    }

    func testNoTicketNoSession() throws {
        let store = try SQLiteStore(path: path)
        var s = summary("S-1")
        s.ticket = Ticket(id: "ghost", subject: "x", customer: "y")
        XCTAssertThrowsError(try store.saveSession(s)) {
            guard case .notFound = $0 as? StoreError else { return XCTFail("\($0)") }
        }
    }

    func testParticipantsActivityAndNotes() throws {
        let store = try SQLiteStore(path: path)
        try store.addTicket(ticket)
        try store.saveSession(summary("S-1"))
        try store.addParticipant(sessionId: "S-1", name: "maria", role: .agent, at: at(1))
        try store.addParticipant(sessionId: "S-1", name: "Dana Lee", role: .customer, at: at(2))
        let people = try store.participants(sessionId: "S-1")
        XCTAssertEqual(people.map(\.name), ["maria", "Dana Lee"])
        XCTAssertEqual(people.map(\.role), [.agent, .customer])

        let a1 = ActivityItem(at: at(3), kind: .linkOpened, actor: "Dana Lee", text: "Customer opened the link")
        let a2 = ActivityItem(at: at(4), kind: .consent, actor: "Dana Lee", text: "Customer allowed view-only access")
        try store.appendActivity(sessionId: "S-1", a1)
        try store.appendActivity(sessionId: "S-1", a2)
        try store.appendActivity(sessionId: "S-2", a1)
        XCTAssertEqual(try store.activity(sessionId: "S-1"), [a1, a2])

        let n = NoteEntry(at: at(5), author: "maria", text: "asked about the invoice")
        try store.addNote(sessionId: "S-1", n)
        XCTAssertEqual(try store.notes(sessionId: "S-1"), [n])
        XCTAssertEqual(try store.notes(sessionId: "S-2"), [])
    }

    func testOneTimeLinksWorkOnce() throws {
        let store = try SQLiteStore(path: path)
        let minted = OneTimeLink.mint()
        let link = LinkRecord(tokenHash: minted.hash, sessionId: "S-1", createdAt: at(0), expiresAt: at(900))
        try store.insertLink(link)
        XCTAssertEqual(try store.link(tokenHash: minted.hash), link)
        XCTAssertNil(try store.link(tokenHash: OneTimeLink.hash(token: "guess")))
        XCTAssertTrue(try store.markLinkUsed(tokenHash: minted.hash, at: at(30)))
        XCTAssertFalse(try store.markLinkUsed(tokenHash: minted.hash, at: at(31)), "second use loses")
        XCTAssertEqual(try store.link(tokenHash: minted.hash)?.usedAt, at(30))
        XCTAssertEqual(LinkCheck.evaluate(try store.link(tokenHash: minted.hash), now: at(32)), .used)
        XCTAssertThrowsError(try store.markLinkUsed(tokenHash: "nope", at: at(1)))
        // Only the hash is on disk.
        let raw = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        XCTAssertNil(raw.range(of: Data(minted.token.utf8)))
    }

    func testResumeKeys() throws {
        let store = try SQLiteStore(path: path)
        try store.saveResumeKey(hash: "h1", sessionId: "S-1")
        XCTAssertEqual(try store.sessionId(resumeKeyHash: "h1"), "S-1")
        XCTAssertNil(try store.sessionId(resumeKeyHash: "h2"))
    }

    // MARK: Audit chain

    func testAuditChainAppendsAndVerifies() throws {
        let store = try SQLiteStore(path: path)
        let e1 = try store.appendAudit(at: at(1), actor: "maria", action: "session-started", sessionId: "S-1", detail: "ticket=T-1")
        let e2 = try store.appendAudit(at: at(2), actor: "Dana Lee", action: "consent", sessionId: "S-1", detail: "allow")
        let e3 = try store.appendAudit(at: at(3.5), actor: "admin", action: "agent-added", sessionId: nil, detail: "kim")
        XCTAssertEqual([e1.seq, e2.seq, e3.seq], [1, 2, 3])
        XCTAssertEqual(e1.prevHash, AuditChain.genesis)
        XCTAssertEqual(e2.prevHash, e1.hash)
        XCTAssertEqual(e2.hash, AuditChain.hash(prevHash: e1.hash, seq: 2, atMs: 1_700_000_002_000, actor: "Dana Lee",
                                                action: "consent", sessionId: "S-1", detail: "allow"))
        XCTAssertEqual(try store.auditEntries(sessionId: "S-1"), [e1, e2])
        XCTAssertEqual(try store.auditEntries(sessionId: nil), [e1, e2, e3])
        XCTAssertNoThrow(try store.verifyAuditChain())

        // The chain survives a restart and continues.
        let reopened = try SQLiteStore(path: path)
        let e4 = try reopened.appendAudit(at: at(4), actor: "engine", action: "session-ended", sessionId: "S-1", detail: "")
        XCTAssertEqual(e4.seq, 4)
        XCTAssertEqual(e4.prevHash, e3.hash)
        XCTAssertNoThrow(try reopened.verifyAuditChain())
    }

    func testAuditChainDetectsAnEditedRow() throws {
        let store = try SQLiteStore(path: path)
        for i in 1...4 { try store.appendAudit(at: at(Double(i)), actor: "a", action: "act\(i)", sessionId: nil, detail: "d\(i)") }
        try store.db.write { try $0.execute(sql: "UPDATE audit SET detail = 'nothing happened' WHERE seq = 2") }
        XCTAssertThrowsError(try store.verifyAuditChain()) { XCTAssertEqual($0 as? StoreError, .auditChainBroken(atSeq: 2)) }
    }

    func testAuditChainDetectsARowRewrittenWithAFreshHash() throws {
        let store = try SQLiteStore(path: path)
        for i in 1...4 { try store.appendAudit(at: at(Double(i)), actor: "a", action: "act\(i)", sessionId: nil, detail: "d\(i)") }
        // A careful forger recomputes row 2's own hash; row 3 still points at the old one.
        let row2 = try store.auditEntries(sessionId: nil)[1]
        let forged = AuditChain.hash(prevHash: row2.prevHash, seq: 2, atMs: AuditChain.milliseconds(row2.at), actor: "a",
                                     action: "act2", sessionId: nil, detail: "forged")
        try store.db.write { try $0.execute(sql: "UPDATE audit SET detail = 'forged', hash = ? WHERE seq = 2", arguments: [forged]) }
        XCTAssertThrowsError(try store.verifyAuditChain()) { XCTAssertEqual($0 as? StoreError, .auditChainBroken(atSeq: 3)) }
    }

    func testAuditChainDetectsADeletedRow() throws {
        let store = try SQLiteStore(path: path)
        for i in 1...4 { try store.appendAudit(at: at(Double(i)), actor: "a", action: "act\(i)", sessionId: nil, detail: "d\(i)") }
        try store.db.write { try $0.execute(sql: "DELETE FROM audit WHERE seq = 3") }
        XCTAssertThrowsError(try store.verifyAuditChain()) { XCTAssertEqual($0 as? StoreError, .auditChainBroken(atSeq: 3)) }
    }

    func testAuditFieldsCannotBeShiftedAcrossTheSeparator() {
        let a = AuditChain.hash(prevHash: AuditChain.genesis, seq: 1, atMs: 0, actor: "a|b", action: "c", sessionId: nil, detail: "")
        let b = AuditChain.hash(prevHash: AuditChain.genesis, seq: 1, atMs: 0, actor: "a", action: "b|c", sessionId: nil, detail: "")
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.count, 64)
    }

    // MARK: Ticket import

    func write(_ name: String, _ text: String) throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testImportCSV() throws {
        let csv = [#"id,subject,customer,category"#,
                   #"T-1,"Billing, invoices and ""refunds""",Dana Lee,billing"#,
                   "T-2,\"Two\nlines\",Ann,",
                   "",
                   "T-3,SSO setup,Bob Stone,sso",
                   ""].joined(separator: "\r\n")
        let p = try write("tickets.csv", csv)
        let tickets = try TicketImporter.load(path: p)
        XCTAssertEqual(tickets, [Ticket(id: "T-1", subject: "Billing, invoices and \"refunds\"", customer: "Dana Lee", category: "billing"),
                                 Ticket(id: "T-2", subject: "Two\nlines", customer: "Ann", category: nil),
                                 Ticket(id: "T-3", subject: "SSO setup", customer: "Bob Stone", category: "sso")])
        // Columns in any order, category optional.
        XCTAssertEqual(try TicketImporter.parseCSV("customer,id,subject\nAnn,T-9,Login\n"), [Ticket(id: "T-9", subject: "Login", customer: "Ann")])
    }

    func testImportCSVErrorsNameTheLine() {
        func error(_ text: String) -> String {
            do { _ = try TicketImporter.parseCSV(text, source: "t.csv"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("id,subject\nT-1,x\n"), "t.csv line 1: header has no \"customer\" column (found: id, subject)")
        XCTAssertEqual(error("id,subject,customer\nT-1,x,Ann\nT-2,y\n"), "t.csv line 3: 2 fields, the header has 3")
        XCTAssertEqual(error("id,subject,customer\nT-1,x,Ann\nT-2,y,\n"), "t.csv line 3: ticket T-2 has no customer")
        XCTAssertEqual(error("id,subject,customer\nT-1,x,Ann\n\nT-1,y,Bob\n"), "t.csv line 4: ticket T-1 already appears on line 2")
        XCTAssertEqual(error("id,subject,customer\nT-1,\"open,Ann\n"), "t.csv line 2: a quoted field is never closed")
        XCTAssertEqual(error(""), "t.csv: empty file, expected a header line id,subject,customer[,category]")
    }

    func testImportJSON() throws {
        let p = try write("tickets.json", #"[{"id":"T-1","subject":"Billing","customer":"Dana Lee","category":"billing"},{"id":42,"subject":"Login","customer":"Ann"}]"#)
        XCTAssertEqual(try TicketImporter.load(path: p), [Ticket(id: "T-1", subject: "Billing", customer: "Dana Lee", category: "billing"),
                                                          Ticket(id: "42", subject: "Login", customer: "Ann")])
        XCTAssertEqual(try TicketImporter.parseJSON(Data(#"{"tickets":[{"id":"A","subject":"s","customer":"c"}]}"#.utf8)).map(\.id), ["A"])
    }

    func testImportJSONErrors() throws {
        func error(_ text: String) -> String {
            do { _ = try TicketImporter.parseJSON(Data(text.utf8), source: "t.json"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error(#"[{"id":"A","subject":"s","customer":"c"},{"id":"B","customer":"c"}]"#), "t.json item 2: ticket B has no subject")
        XCTAssertEqual(error(#"[{"id":"A","subject":["s"],"customer":"c"}]"#), "t.json item 1: \"subject\" must be a string")
        XCTAssertEqual(error(#"{"id":"A"}"#), "t.json: expected an array of tickets or {\"tickets\": [...]}")
        XCTAssertTrue(error("[{").hasPrefix("t.json: not valid JSON"))
        XCTAssertThrowsError(try TicketImporter.load(path: try write("tickets.txt", "x"))) { XCTAssertTrue("\($0)".contains(".csv or .json")) }
        XCTAssertThrowsError(try TicketImporter.load(path: dir.appendingPathComponent("missing.csv").path)) { XCTAssertTrue("\($0)".contains("cannot read")) }
    }
}
