import Foundation
import XCTest
@testable import Engine

/// Every session closes back into its ticket: the agent says how it ended
/// (when ending it, or afterwards), the ticket's status follows, the audit
/// trail has it, and the engine answers with the wrap-up it writes back —
/// with counts and notes, never a card number the page or a note showed.
final class OutcomeTests: XCTestCase {
    var dir: String!
    var store: SQLiteStore!
    var hub: EngineHub!
    private var nextID = 1

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "outcome-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: dir + "/db.sqlite")
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.addAgent(Agent(name: "Sam T.", uid: 1002, level: .l1))
        try store.addAgent(Agent(name: "Mona K.", uid: 1003, level: .manager))
        for i in 1 ... 4 { try store.addTicket(Ticket(id: "T-\(i)", subject: "Card 4111 1111 1111 1111 declined \(i)", customer: "Dana Lee")) }
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .dispatch)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func connect(_ peer: PeerIdentity) -> WaitingConnection {
        defer { nextID += 1 }
        return hub.openWaitingConnection(nextID, peer)
    }

    private func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.deliver(m, id: id, from: c) }

    private func console(uid: Int) -> WaitingConnection {
        let c = connect(.local(uid: uid, pid: uid))
        send(c, .hello(Hello(client: "test")))
        return c
    }

    /// A live session on `ticket`: the agent attached, the customer consented and showed a page with a card number.
    private func liveSession(_ ticket: String) throws -> (agent: WaitingConnection, customer: WaitingConnection, id: String) {
        let s = try LiveSession.open(on: hub, ticket: ticket, access: .controlled, connect: connect)
        send(s.customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://shop.test/billing", title: "Billing",
                                      nodes: [.text("card", Rect(x: 0, y: 0, width: 300, height: 20), "Card 4111 1111 1111 1111", color: .black)])))
        try s.agent.wait("the page") { if case .scene = $0 { true } else { nil } }
        return (s.agent, s.customer, s.id)
    }

    private func wrapUp(_ c: WaitingConnection, re: Int) throws -> WrapUp {
        try c.wait("the wrap-up") { if case let .wrapUp(w) = $0 { w } else { nil } }
    }

    func testEndingWithAFollowUpEndsTheSessionSetsTheTicketPendingAndAnswersWithTheWrapUp() throws {
        let s = try liveSession("T-1")
        send(s.agent, .addNote(AddNote(text: "Customer read me card 4111 1111 1111 1111 to check it")))
        try s.agent.wait("the note") { if case .note = $0 { true } else { nil } }
        send(s.agent, .endSession(EndSession(sessionId: s.id, outcome: .followUp(plan: "Re-run the payment after the bank unblocks it", owner: "Maria S.", due: "2026-12-08"))), id: 9)
        let w = try wrapUp(s.agent, re: 9)
        try s.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }

        XCTAssertEqual(try store.session(id: s.id)?.status, .ended)
        XCTAssertEqual(try store.ticket(id: "T-1")?.status, "pending")
        XCTAssertEqual(try store.outcome(sessionId: s.id)?.outcome.kind, .followUp)
        let rows = try store.auditEntries(sessionId: s.id).filter { $0.action == "session.outcome" }
        XCTAssertEqual(rows.map(\.detail), ["kind=follow-up ticket=T-1 status=pending"], "the kind, never the agent's free text")
        XCTAssertEqual(rows.first?.actor, "Maria S.")

        XCTAssertEqual(w.outcome, .followUp(plan: "Re-run the payment after the bank unblocks it", owner: "Maria S.", due: "2026-12-08"))
        XCTAssertNil(w.sentTo, "no help desk: the wrap-up stays with the engine")
        XCTAssertEqual(w.agent, "Maria S.")
        XCTAssertTrue(w.notes.contains { $0.author == "Maria S." && $0.text.hasSuffix("to check it") }, "\(w.notes)")
        XCTAssertEqual(w.modes.first?.mode, .viewOnly)
        let text = w.text
        XCTAssertTrue(text.contains("Outcome: Follow-up needed: Re-run the payment after the bank unblocks it (Maria S., by 2026-12-08)"), text)
        for leaked in ["4111 1111 1111 1111", "4111111111111111"] {
            XCTAssertFalse(text.contains(leaked), "the wrap-up holds a card number: \(text)")
            XCTAssertFalse(String(decoding: try JSONEncoder().encode(w), as: UTF8.self).contains(leaked))
        }
        try s.agent.wait("the outcome in the feed") { if case let .activity(a) = $0, a.text.hasPrefix("Outcome: Follow-up needed") { true } else { nil } }
    }

    func testAnOutcomeIsGivenOnceAndAfterTheEndToo() throws {
        let s = try liveSession("T-2")
        send(s.customer, .leave)
        try s.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }
        // The customer ended it; the agent says how it went afterwards, from the lobby.
        let lobby = console(uid: 1001)
        send(lobby, .endSession(EndSession(sessionId: s.id, outcome: .resolved)), id: 3)
        XCTAssertEqual(try wrapUp(lobby, re: 3).outcome, .resolved)
        XCTAssertEqual(try store.ticket(id: "T-2")?.status, "solved")

        send(lobby, .endSession(EndSession(sessionId: s.id, outcome: .escalated(to: "Billing L2", reason: "refund"))), id: 4)
        let refusal = try lobby.wait("a refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(refusal.code, .badState)
        XCTAssertTrue(refusal.message.contains("already has an outcome (Resolved)"), refusal.message)
        XCTAssertEqual(try store.ticket(id: "T-2")?.status, "solved", "the first outcome stands")
        XCTAssertEqual(try store.auditEntries(sessionId: s.id).filter { $0.action == "session.outcome" }.count, 1)
    }

    func testOnlyTheSessionsAgentOrAManagerSaysHowItEndedAndABadOutcomeIsRefused() throws {
        let s = try liveSession("T-3")
        send(s.agent, .endSession(EndSession(sessionId: s.id)))
        try s.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }

        let other = console(uid: 1002)
        send(other, .endSession(EndSession(sessionId: s.id, outcome: .resolved)), id: 5)
        XCTAssertEqual(try other.wait("a refusal") { if case let .error(e) = $0 { e.code } else { nil } }, WireErrorCode.notAllowed)
        XCTAssertNil(try store.outcome(sessionId: s.id))

        let bad = console(uid: 1001)
        send(bad, .endSession(EndSession(sessionId: s.id, outcome: .followUp(plan: "call back", owner: "Maria S.", due: "2026-02-30"))), id: 6)
        let invalid = try bad.wait("a refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(invalid.code, .invalid)
        XCTAssertTrue(invalid.message.contains("due date"), invalid.message)

        let manager = console(uid: 1003)
        send(manager, .endSession(EndSession(sessionId: s.id, outcome: .escalated(to: "Billing L2", reason: "needs a refund"))), id: 7)
        XCTAssertEqual(try wrapUp(manager, re: 7).outcomeBy, "Mona K.")
        XCTAssertEqual(try store.ticket(id: "T-3")?.status, "open")
    }

    func testAnOutcomeTheAuditTrailCannotHoldIsRefusedAndLeavesTheTicketAlone() throws {
        let s = try liveSession("T-4")
        send(s.agent, .endSession(EndSession(sessionId: s.id)))
        try s.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }
        try store.setTicketStatus(id: "T-4", status: "open")
        // From now on the audit trail refuses every row (as a full disk would): the transaction fails as a whole.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN SELECT RAISE(FAIL, 'disk full'); END\"); c.commit()", dir + "/db.sqlite"]
        try sqlite.run()
        sqlite.waitUntilExit()
        XCTAssertEqual(sqlite.terminationStatus, 0)
        let c = console(uid: 1001)
        send(c, .endSession(EndSession(sessionId: s.id, outcome: .resolved)), id: 8)
        let refusal = try c.wait("a refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(refusal.code, .internalError)
        XCTAssertTrue(refusal.message.contains("not recorded"), refusal.message)
        XCTAssertNil(try store.outcome(sessionId: s.id))
        XCTAssertEqual(try store.ticket(id: "T-4")?.status, "open")
    }

    func testTheWrapUpCountsModesActionsAndDropsFromTheAuditTrail() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func row(_ seq: Int64, _ s: TimeInterval, _ action: String, _ detail: String) -> AuditEntry {
            AuditEntry(seq: seq, at: t0.addingTimeInterval(s), actor: "x", action: action, sessionId: "S-1", detail: detail, prevHash: "", hash: "")
        }
        let audits = [row(1, -5, "customer.disconnected", "connection closed"),
                      row(2, 60, "mode.changed", "from=view-only to=guided requestedBy=maria"),
                      row(3, 70, "annotation.added", "tool=arrow node=-"), row(4, 80, "annotation.added", "tool=box node=-"),
                      row(5, 300, "mode.changed", "from=guided to=controlled requestedBy=maria"),
                      row(6, 310, "action.allowed", "id=a1 kind=click target=b by=maria via=customer"), row(7, 311, "action.performed", "id=a1"),
                      row(8, 320, "action.allowed", "id=a2 kind=type target=f chars=9 by=maria via=customer"), row(9, 321, "action.performed", "id=a2"),
                      row(10, 400, "customer.disconnected", "heartbeat lost"), row(11, 420, "screenshot.allowed", "askedBy=maria")]
        var summary = SessionSummary(id: "S-1", ticket: Ticket(id: "T-1", subject: "SSO", customer: "Dana"), agentName: "maria",
                                     status: .ended, createdAt: t0.addingTimeInterval(-30), startedAt: t0, endedAt: t0.addingTimeInterval(600), endReason: .agentEnded)
        summary.quality = .good
        let w = WrapUp(WrapUp.Sources(summary: summary, audits: audits, notes: [], participants: [("maria", .agent), ("Dana", .customer), ("Dana", .customer), ("Lee", .viewer), ("Dana", .customer)],
                                      survey: SessionSurvey(at: t0, stars: 5, comment: "quick"),
                                      outcome: nil, recordingId: "R-1"), redactor: Redactor(), now: t0)
        XCTAssertEqual(w.participants, ["maria (agent)", "Dana (customer)", "Lee (viewer)"], "each person once, though the customer's page rejoined")
        XCTAssertEqual(w.modes.map(\.mode), [.viewOnly, .guided, .controlled])
        XCTAssertEqual(w.modes.map(\.seconds), [60, 240, 300])
        XCTAssertEqual(w.actions, WrapUp.Actions(annotations: 2, clicks: 1, typing: 1, scrolls: 0, screenshots: 1))
        XCTAssertEqual(w.drops, 2)
        XCTAssertEqual(w.dropsBeforeConsent, 1)
        XCTAssertEqual(w.durationSeconds, 600)
        XCTAssertTrue(w.text.contains("Modes: View Only 1 min, Guided 4 min, Controlled 5 min"), w.text)
        XCTAssertTrue(w.text.contains("Survey: 5/5: quick"), w.text)
        XCTAssertTrue(w.text.contains("Recording: R-1"), w.text)
        XCTAssertTrue(w.text.contains("Outcome: not given yet"), w.text)
    }
}
