import Foundation
import XCTest
@testable import Engine

/// A connection that records what the hub sends, decoded.
final class RecordingConnection: PeerConnection, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    private(set) var received: [WireFrame] = []
    private(set) var closed = false

    init(_ id: Int, _ peer: PeerIdentity) { connectionID = id; self.peer = peer }

    func send(_ payload: [UInt8]) { received.append(try! WireCodec.decode(payload)) }
    func close() { closed = true }

    var messages: [WireMessage] { received.map(\.message) }
    var last: WireMessage? { received.last?.message }
    func clear() { received.removeAll() }
    var errors: [ErrorReply] { messages.compactMap { if case let .error(e) = $0 { return e } else { return nil } } }
}

struct HubTestError: Error, CustomStringConvertible { let description: String }

final class FakeClock: @unchecked Sendable {
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    func advance(_ s: TimeInterval) { now = now.addingTimeInterval(s) }
}

/// The hub with a real SQLite file and recorded connections: the engine's
/// rules end to end, without sockets or waits. Test classes build on it.
class HubTestCase: XCTestCase {
    var dir: String!
    var store: SQLiteStore!
    var clock: FakeClock!
    var hub: EngineHub!
    var nextID = 1

    override func setUpWithError() throws {
        try makeHub(in: NSTemporaryDirectory() + "hub-\(UUID().uuidString)")
    }

    /// The store (agents Maria S. and Sam Super, ticket T-1), the fake clock and the hub, in `directory`.
    func makeHub(in directory: String) throws {
        dir = directory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: dir + "/db.sqlite")
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.addAgent(Agent(name: "Sam Super", uid: 1002, level: .supervisor))
        try store.addTicket(Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."))
        clock = FakeClock()
        let c = clock!
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, clock: { c.now })
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func connect(_ peer: PeerIdentity) -> RecordingConnection {
        let c = RecordingConnection(nextID, peer)
        nextID += 1
        hub.connectionOpened(c)
        return c
    }

    func send(_ c: RecordingConnection, _ m: WireMessage, id: Int? = nil) {
        hub.connection(c, received: WireCodec.encode(m, id: id))
    }

    func console(uid: Int = 1001) -> RecordingConnection {
        let c = connect(.local(uid: uid, pid: 1))
        send(c, .hello(Hello(client: "test")))
        return c
    }

    func startSession(_ agent: RecordingConnection) throws -> SessionStarted {
        send(agent, .startSession(StartSession(ticketId: "T-1")), id: 1)
        guard case let .sessionStarted(s) = agent.last else { throw HubTestError(description: "no session: \(agent.messages)") }
        return s
    }

    func token(_ link: String) -> String { String(link.split(separator: "/").last!) }

    /// Agent attached, customer consented: returns (agent, customer, session id).
    func activeSession() throws -> (RecordingConnection, RecordingConnection, String) {
        let agent = console()
        let started = try startSession(agent)
        send(agent, .attach(Attach(sessionId: started.session.id)))
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: token(started.link))))
        send(customer, .consent(Consent(allow: true, access: .controlled)))
        return (agent, customer, started.session.id)
    }

}

final class HubTests: HubTestCase {
    func testUnknownUidIsRefusedClosedAndAudited() throws {
        let c = console(uid: 4242)
        XCTAssertEqual(c.errors.first?.code, .unknownAgent)
        XCTAssertTrue(c.errors.first!.message.contains("uid 4242 is not a registered agent"))
        XCTAssertTrue(c.closed)
        XCTAssertTrue(try store.auditEntries(sessionId: nil).contains { $0.action == "console.refused" })
    }

    func testMalformedAndOversizedInputGetErrorsAndTheConnectionStaysUsable() throws {
        let c = connect(.local(uid: 1001, pid: 1))
        hub.connection(c, received: Array("{not json".utf8))
        hub.connection(c, received: Array(#"{"v":9,"type":"hello","body":{}}"#.utf8))
        hub.connection(c, received: Array(#"{"v":1,"type":"teleport","body":{}}"#.utf8))
        hub.connection(c, received: [UInt8](repeating: 32, count: WireProtocol.maxMessageBytes + 1))
        // Before the hello nothing but a hello is read: any other type, or a frame larger than a hello, is "hello first".
        XCTAssertEqual(c.errors.map(\.code), [.malformed, .unsupportedVersion, .handshakeRequired, .handshakeRequired])
        XCTAssertFalse(c.closed)
        send(c, .lobbyRequest)
        XCTAssertEqual(c.errors.last?.code, .handshakeRequired)
        send(c, .hello(Hello(client: "test")))
        guard case let .welcome(w) = c.last else { return XCTFail("no welcome: \(c.messages)") }
        XCTAssertEqual(w.agent?.name, "Maria S.")
        // After it, the whole codec answers.
        hub.connection(c, received: Array(#"{"v":1,"type":"teleport","body":{}}"#.utf8))
        hub.connection(c, received: [UInt8](repeating: 32, count: WireProtocol.maxMessageBytes + 1))
        XCTAssertEqual(c.errors.suffix(2).map(\.code), [.unknownType, .tooLarge])
        XCTAssertFalse(c.closed)
    }

    func testNoTicketNoSession() {
        let agent = console()
        send(agent, .startSession(StartSession(ticketId: "T-404")), id: 3)
        XCTAssertEqual(agent.errors.last?.code, .notFound)
        XCTAssertEqual(agent.received.last?.re, 3)
    }

    func testLinkOpensConsentPageAndWorksExactlyOnce() throws {
        let agent = console()
        let started = try startSession(agent)
        XCTAssertTrue(started.link.hasPrefix("https://127.0.0.1:8443/join/"))
        let page = hub.httpRequest(method: "GET", path: "/join/\(token(started.link))", headers: [], remote: "127.0.0.1:50000")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(String(decoding: page.body, as: UTF8.self).contains("Agent Maria S. wants to view your screen"))

        let first = connect(.customer(remote: "a"))
        send(first, .hello(Hello(client: "sdk", token: token(started.link))))
        guard case let .welcome(w) = first.last else { return XCTFail("\(first.messages)") }
        XCTAssertEqual(w.sessionId, started.session.id)
        XCTAssertNotNil(w.resumeKey)

        let second = connect(.customer(remote: "b"))
        send(second, .hello(Hello(client: "sdk", token: token(started.link))))
        XCTAssertEqual(second.errors.first?.code, .linkUsed)
        XCTAssertTrue(second.closed)
        let reused = hub.httpRequest(method: "GET", path: "/join/\(token(started.link))", headers: [], remote: "127.0.0.1:50000")
        XCTAssertEqual(reused.status, 410)
        XCTAssertTrue(String(decoding: reused.body, as: UTF8.self).contains("already been used"))
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/join/nonsense", headers: [], remote: "127.0.0.1:50000").status, 404)
        // Only the hash is stored.
        XCTAssertNil(try store.link(tokenHash: token(started.link)))
        XCTAssertTrue(try store.auditEntries(sessionId: started.session.id).contains { $0.action == "link.refused" })
    }

    func testExpiredLinkGetsAClearRefusal() throws {
        let agent = console()
        let started = try startSession(agent)
        clock.advance(16 * 60)
        let page = hub.httpRequest(method: "GET", path: "/join/\(token(started.link))", headers: [], remote: "127.0.0.1:50000")
        XCTAssertEqual(page.status, 410)
        XCTAssertTrue(String(decoding: page.body, as: UTF8.self).contains("expired"))
        let c = connect(.customer(remote: "a"))
        send(c, .hello(Hello(client: "sdk", token: token(started.link))))
        XCTAssertEqual(c.errors.first?.code, .linkExpired)
    }

    func testCardNumbersNeverReachTheConsole() throws {
        let (agent, customer, _) = try activeSession()
        agent.clear()
        let scene = Scene(viewport: Size(width: 800, height: 600), url: "https://shop.example/pay?card=4242424242424242",
                          title: "Pay", nodes: [
                              .text("t", Rect(x: 0, y: 0, width: 400, height: 20), "Card 4242 4242 4242 4242 on file", color: .black),
                              .field("cc", Rect(x: 0, y: 40, width: 300, height: 30), label: "Card number", value: "4242424242424242", type: "cc-number"),
                          ])
        send(customer, .scene(scene))
        let forwarded = agent.messages.compactMap { if case let .scene(s) = $0 { return s } else { return nil } }
        XCTAssertEqual(forwarded.count, 1)
        let wire = String(decoding: WireCodec.encode(.scene(forwarded[0])), as: UTF8.self)
        XCTAssertFalse(wire.contains("4242"), wire)
        XCTAssertEqual(forwarded[0].nodes.first { $0.id == "cc" }?.kind, .mask)
    }

    func testSupervisorWritesAreRefusedByTheEngineAndAudited() throws {
        let (_, _, sid) = try activeSession()
        let sup = console(uid: 1002)
        send(sup, .attach(Attach(sessionId: sid, watch: true)))
        XCTAssertTrue(sup.messages.contains { if case .snapshot = $0 { return true } else { return false } }, "\(sup.messages)")
        send(sup, .addNote(AddNote(text: "sneaky")))
        send(sup, .requestMode(ModeRequest(mode: .guided)))
        send(sup, .endSession(EndSession()))
        XCTAssertEqual(sup.errors.map(\.code), [.notAllowed, .notAllowed, .notAllowed])
        XCTAssertEqual(try store.auditEntries(sessionId: sid).filter { $0.action == "write.refused" }.count, 3)
        XCTAssertTrue(try store.notes(sessionId: sid).isEmpty)
    }

    func testASupervisorsLobbyListsTheTeamsLiveSessionsAndAnAgentsDoesNot() throws {
        let (_, _, sid) = try activeSession()
        let sup = console(uid: 1002)
        send(sup, .lobbyRequest)
        guard case let .lobby(l)? = sup.messages.last(where: { if case .lobby = $0 { return true } else { return false } }) else {
            return XCTFail("no lobby: \(sup.messages)")
        }
        XCTAssertEqual(l.team?.map(\.id), [sid], "Maria's live session, for the supervisor to watch")
        XCTAssertEqual(l.team?.first?.agentName, "Maria S.")
        let maria = console()
        send(maria, .lobbyRequest)
        guard case let .lobby(own)? = maria.messages.last(where: { if case .lobby = $0 { return true } else { return false } }) else {
            return XCTFail("no lobby: \(maria.messages)")
        }
        XCTAssertNil(own.team, "an agent who may not watch is not shown the team")
        XCTAssertEqual(own.sessions.map(\.id), [sid])
    }

    func testAnotherAgentCannotAttachWithoutWatching() throws {
        try store.addAgent(Agent(name: "Other", uid: 1003, level: .l2))
        let (_, _, sid) = try activeSession()
        let other = console(uid: 1003)
        send(other, .attach(Attach(sessionId: sid)))
        XCTAssertEqual(other.errors.last?.code, .notAllowed)
        send(other, .attach(Attach(sessionId: sid, watch: true)))
        XCTAssertEqual(other.errors.last?.code, .notAllowed, "L2 agents cannot watch")
    }

    func testCustomerDisconnectNoticeAfterTenSecondsAndReconnect() throws {
        let (agent, customer, _) = try activeSession()
        guard case let .welcome(w) = customer.messages.first(where: { if case .welcome = $0 { return true } else { return false } }) else {
            return XCTFail("no welcome")
        }
        hub.connectionClosed(customer)
        clock.advance(5); hub.tick()
        XCTAssertFalse(activityTexts(agent).contains { $0.contains("Customer disconnected") })
        clock.advance(6); hub.tick()
        XCTAssertTrue(activityTexts(agent).contains { $0.contains("Customer disconnected") }, "\(activityTexts(agent))")

        let again = connect(.customer(remote: "a"))
        send(again, .hello(Hello(client: "sdk", resumeKey: w.resumeKey)))
        XCTAssertTrue(again.messages.contains { if case .welcome = $0 { return true } else { return false } }, "\(again.messages)")
        XCTAssertTrue(again.messages.contains(.requestScene), "a reconnect asks for a full scene")
        XCTAssertTrue(activityTexts(agent).contains { $0.lowercased().contains("reconnected") }, "\(activityTexts(agent))")
    }

    func testNotesAreStoredAndStreamed() throws {
        let (agent, _, sid) = try activeSession()
        agent.clear()
        send(agent, .addNote(AddNote(text: "Customer on Firefox 131")))
        XCTAssertTrue(agent.messages.contains { if case let .note(n) = $0 { return n.text == "Customer on Firefox 131" } else { return false } })
        XCTAssertEqual(try store.notes(sessionId: sid).map(\.text), ["Customer on Firefox 131"])
    }

    func testAgentEndsSessionCustomerIsToldAndClosed() throws {
        let (agent, customer, sid) = try activeSession()
        send(agent, .endSession(EndSession()))
        XCTAssertTrue(customer.messages.contains { if case .sessionEnded = $0 { return true } else { return false } })
        // Closed after the survey window (SessionPolicy.surveyWindow), unless the customer rates or leaves sooner.
        clock.advance(120)
        hub.tick()
        XCTAssertTrue(customer.closed)
        XCTAssertEqual(try store.session(id: sid)?.status, .ended)
        XCTAssertEqual(try store.session(id: sid)?.endReason, .agentEnded)
        try store.verifyAuditChain()
    }

    func testSurveyAfterTheEndIsStoredShownAndClosesTheCustomer() throws {
        let (agent, customer, sid) = try activeSession()
        send(agent, .endSession(EndSession()))
        XCTAssertFalse(customer.closed, "kept open for the survey")
        XCTAssertTrue(customer.messages.contains(.sessionEnded(SessionEnded(sessionId: sid, reason: .agentEnded, surveySeconds: 120))))
        XCTAssertTrue(agent.messages.contains(.sessionEnded(SessionEnded(sessionId: sid, reason: .agentEnded))), "consoles are told as before")
        send(customer, .extensionAnswer(ExtensionAnswer(accept: true)), id: 4)
        XCTAssertEqual(customer.errors.last?.code, .badState, "only the survey is taken now")
        send(customer, .survey(Survey(stars: 4, comment: "Fast! write me at dana@example.com")), id: 5)
        XCTAssertTrue(customer.closed)
        XCTAssertTrue(activityTexts(agent).contains("Customer rated the session 4/5: Fast! write me at [email]"), "\(activityTexts(agent))")
        XCTAssertEqual(try store.survey(sessionId: sid), SessionSurvey(at: clock.now, stars: 4, comment: "Fast! write me at [email]"))
        XCTAssertTrue(try store.activity(sessionId: sid).contains { $0.text.hasPrefix("Customer rated the session 4/5") })
        XCTAssertTrue(try store.auditEntries(sessionId: sid).contains { $0.action == "survey" && $0.detail == "stars=4 comment=yes" })
        try store.verifyAuditChain()
    }

    func testSurveyWindowClosesTheCustomerOnTheClock() throws {
        let (agent, customer, sid) = try activeSession()
        send(agent, .endSession(EndSession()))
        clock.advance(119)
        hub.tick()
        XCTAssertFalse(customer.closed)
        clock.advance(1)
        hub.tick()
        XCTAssertTrue(customer.closed)
        XCTAssertNil(try store.survey(sessionId: sid))
        send(agent, .detach)
        hub.connectionClosed(customer)
        hub.tick()
        let late = connect(.customer(remote: "127.0.0.1"))
        send(late, .survey(Survey(stars: 5)))
        XCTAssertEqual(late.errors.first?.code, .handshakeRequired)
    }

    func testPageEventsAndQualityCheckReachTheAgentsFeed() throws {
        let (agent, customer, sid) = try activeSession()
        send(customer, .pageEvent(PageEvent(kind: .error, text: "Uncaught Error: failed for dana@example.com (/app.js:3)")))
        XCTAssertTrue(activityTexts(agent).contains("Page error: Uncaught Error: failed for [email] (/app.js:3)"), "\(activityTexts(agent))")
        XCTAssertTrue(try store.auditEntries(sessionId: sid).contains { $0.action == "redaction" && $0.detail.contains("page-event") })

        let sup = console(uid: 1002)
        send(sup, .attach(Attach(sessionId: sid, watch: true)))
        send(sup, .qualityCheck, id: 9)
        XCTAssertEqual(sup.errors.last?.code, .notAllowed, "a watcher cannot ask the customer")
        customer.clear()
        send(agent, .qualityCheck)
        XCTAssertEqual(customer.messages, [.qualityCheck])
        send(customer, .qualityAnswer(QualityAnswer(ok: true)))
        XCTAssertTrue(activityTexts(agent).contains("Customer says the screen quality is okay"))
        send(agent, .qualityAnswer(QualityAnswer(ok: true)))
        XCTAssertEqual(agent.errors.last?.code, .notAllowed, "answers come from the customer only")
    }

    func activityTexts(_ c: RecordingConnection) -> [String] {
        c.messages.compactMap { if case let .activity(a) = $0 { return a.text } else { return nil } }
    }
}
