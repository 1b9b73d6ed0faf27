import Foundation
import XCTest
@testable import Engine

/// The ticket loop against a desk that speaks Zendesk's contract: the link
/// goes out as a public reply with the opening script, the desk hears the
/// session start, and the outcome closes back into the ticket as an internal
/// note (the wrap-up, with no card number) and the status it maps to.
final class TicketLoopTests: XCTestCase {
    func testTheLinkGoesOutAsAPublicReplyAndTheOutcomeComesBackAsANoteAndAStatus() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let desk = FakeDesk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        try desk.start()
        defer { desk.shutdown() }
        var config = EngineConfiguration(dataDirectory: dir.file("data"), listenPort: 0)
        config.tickInterval = 5
        config.helpDesk = try HelpDeskConfiguration(kind: .zendesk, baseURL: desk.url, email: "maria@acme.test", token: "zd-token-1")
        let server = EngineServer(configuration: config)
        try server.start()
        defer { server.stop() }
        let store = try SQLiteStore(path: config.databasePath)
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.applyDeskTicket(DeskTicketUpdate(id: "2201", subject: "Card update fails at checkout", requesterName: "Ana Ruiz",
                                                   requesterEmail: "ana@example.com", category: "billing"), desk: .zendesk)
        try store.addTicket(Ticket(id: "T-9", subject: "Imported by hand", customer: "Lee"))

        let hub = try XCTUnwrap(server.hub)
        let console = WaitingConnection(9001, .local(uid: 1001, pid: 1))
        hub.connectionOpened(console)
        func send(_ m: WireMessage, id: Int? = nil) { hub.connection(console, received: WireCodec.encode(m, id: id)) }
        send(.hello(Hello(client: "test")))

        // A ticket the desk never had cannot get a reply there: refused before any session is made.
        send(.startSession(StartSession(ticketId: "T-9", send: .helpdesk)), id: 1)
        let refusal = try console.wait("the refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertTrue(refusal.message.contains("did not come from Zendesk"), refusal.message)
        XCTAssertTrue(try store.allSessions().isEmpty)

        send(.startSession(StartSession(ticketId: "2201", send: .helpdesk)), id: 2)
        let started = try console.wait("session started") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        try waitUntil { desk.applied.contains { ($0.json["ticket"] as? [String: Any])?["comment"].map { ($0 as? [String: Any])?["public"] as? Bool == true } == true } }
        let reply = try XCTUnwrap(desk.applied.compactMap { r -> String? in
            guard let c = (r.json["ticket"] as? [String: Any])?["comment"] as? [String: Any], c["public"] as? Bool == true else { return nil }
            return c["body"] as? String
        }.first)
        XCTAssertTrue(reply.hasPrefix("Hi Ana, I'd like to walk through this together."), reply)
        XCTAssertTrue(reply.contains(started.link), "the customer gets the link itself")
        XCTAssertTrue(reply.contains("— Maria S."), reply)
        XCTAssertTrue(try store.activity(sessionId: started.session.id).contains { $0.text.contains("public reply on Zendesk ticket 2201") && $0.text.contains("ana@example.com") })
        // The feed hears when the desk took the reply, not only that it was queued.
        try waitUntil { try store.activity(sessionId: started.session.id).contains { $0.text == "Zendesk accepted the reply with the link for ana@example.com (HTTP 200)" } }
        let token = String(started.link.split(separator: "/").last!)
        XCTAssertFalse(try store.auditEntries(sessionId: nil).contains { $0.detail.contains(token) }, "the link is not in the audit trail")

        send(.attach(Attach(sessionId: started.session.id)))
        try console.wait("snapshot") { if case .snapshot = $0 { true } else { nil } }
        send(.addNote(AddNote(text: "Ana read out card 4111 1111 1111 1111 by mistake")))
        try console.wait("the note") { if case .note = $0 { true } else { nil } }
        send(.endSession(EndSession(sessionId: started.session.id, outcome: .followUp(plan: "Retry once the bank clears the card", owner: "Maria S.", due: "2026-12-09"))), id: 3)
        let answered = try console.wait("the wrap-up") { if case let .wrapUp(w) = $0 { w } else { nil } }
        XCTAssertEqual(answered.sentTo, "Zendesk ticket 2201")

        try waitUntil(20) { desk.applied.contains { ($0.json["ticket"] as? [String: Any])?["status"] as? String == "pending" } }
        let notes = desk.applied.compactMap { r -> String? in
            guard let c = (r.json["ticket"] as? [String: Any])?["comment"] as? [String: Any], c["public"] as? Bool == false else { return nil }
            return c["body"] as? String
        }
        XCTAssertTrue(notes.contains { $0.contains("Co-browse session \(started.session.id) started by Maria S.") }, "\(notes)")
        let wrapUp = try XCTUnwrap(notes.first { $0.hasPrefix("Co-browse session \(started.session.id) on ticket 2201") }, "\(notes)")
        XCTAssertTrue(wrapUp.contains("Outcome: Follow-up needed: Retry once the bank clears the card (Maria S., by 2026-12-09)"), wrapUp)
        XCTAssertFalse(wrapUp.contains("4111"), "no card number goes to the help desk: \(wrapUp)")
        // The note before the status: the desk shows why the ticket is pending.
        let order = desk.applied.map { ($0.json["ticket"] as? [String: Any])?["status"] as? String ?? "note" }
        XCTAssertEqual(order.suffix(2), ["note", "pending"])
        XCTAssertTrue(try store.activity(sessionId: started.session.id).contains { $0.text.contains("queued for Zendesk ticket 2201") })
    }

    func testATicketTheDeskTaggedAsTheCustomersRequestIsInTheLobbyAndStartsASessionOfThatKind() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.file("cobrowse.sqlite"))
        let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)
        try store.addAgent(maria)
        try store.applyDeskTicket(DeskTicketUpdate(id: "3301", subject: "Please show me where the export is", requesterName: "Ana Ruiz",
                                                   tags: ["export", HelpDeskOutbox.requestTag]), desk: .zendesk)
        try store.applyDeskTicket(DeskTicketUpdate(id: "3302", subject: "Thanks", requesterName: "Lee", tags: ["thanks"]), desk: .zendesk)
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        XCTAssertNil(try hub.lobby(for: maria).requested, "without a desk nothing says a customer asked")
        hub.helpDeskOutbox = HelpDeskOutbox(desk: .zendesk, store: store)
        XCTAssertEqual(try hub.lobby(for: maria).requested, ["3301": CustomerRequest(via: .helpDesk)])
        let started = try hub.startSession(ticketId: "3301", record: false, agent: maria)
        XCTAssertEqual(try store.session(id: started.session.id)?.initiator, .customerRequest)
        XCTAssertTrue(try store.activity(sessionId: started.session.id).contains { $0.text.contains("(the customer asked for it)") })
        XCTAssertEqual(try store.session(id: try hub.startSession(ticketId: "3302", record: false, agent: maria).session.id)?.initiator, .agent)
    }

    func testTheSessionAfterAnEscalationIsKeptAsTheEscalations() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.file("cobrowse.sqlite"))
        let maria = Agent(name: "Maria S.", uid: 1001, level: .l2), sam = Agent(name: "Sam K.", uid: 1002, level: .specialist)
        try store.addAgent(maria)
        try store.addAgent(sam)
        try store.addTicket(Ticket(id: "T-5", subject: "SSO loops back to the sign-in page", customer: "Ravi Patel"))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        let first = try hub.startSession(ticketId: "T-5", record: false, agent: maria).session
        XCTAssertEqual(try store.session(id: first.id)?.initiator, .autoSuggestion, "single sign-on is a suggested category")
        XCTAssertTrue(try store.recordOutcome(sessionId: first.id, ticketId: "T-5",
                                              RecordedOutcome(outcome: .escalated(to: "Sam K.", reason: "the IdP's SAML settings"), by: maria.name, at: Date()),
                                              audit: AuditDraft(at: Date(), actor: maria.name, action: "session.outcome", sessionId: first.id, detail: "escalated")))
        let next = try hub.startSession(ticketId: "T-5", record: false, agent: sam).session
        XCTAssertEqual(try store.session(id: next.id)?.initiator, .escalation)
        XCTAssertTrue(try store.recordOutcome(sessionId: next.id, ticketId: "T-5", RecordedOutcome(outcome: .resolved, by: sam.name, at: Date().addingTimeInterval(1)),
                                              audit: AuditDraft(at: Date(), actor: sam.name, action: "session.outcome", sessionId: next.id, detail: "resolved")))
        XCTAssertNotEqual(try store.session(id: try hub.startSession(ticketId: "T-5", record: false, agent: sam).session.id)?.initiator, .escalation,
                          "once resolved, a new session is no escalation")
    }
}
