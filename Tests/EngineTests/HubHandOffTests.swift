import Foundation
import NIOPosix
import XCTest
@testable import Engine

/// A hand-off end to end through the hub: the first agent's console and the
/// customer in-process, the specialist's console on the real Unix socket (the
/// engine names it by the test's own uid), another agent in-process.
final class HubHandOffTests: XCTestCase {
    var dir: TransportTempDir!
    var store: SQLiteStore!
    var hub: EngineHub!
    var group: MultiThreadedEventLoopGroup!
    var server: LocalChannelServer!
    /// In-process connections' ids, clear of the ones the socket server numbers from 1.
    private var nextID = 100_000
    var socket: String { dir.file("engine.sock") }
    let specialist = Agent(name: "Sofia Q.", uid: Int(getuid()), level: .specialist)

    override func setUpWithError() throws {
        dir = try TransportTempDir()
        store = try SQLiteStore(path: dir.file("db.sqlite"))
        try store.addAgent(Agent(name: "Ana L1", uid: 1001, level: .l1))
        try store.addAgent(Agent(name: "Omar L2", uid: 1002, level: .l2))
        try store.addAgent(Agent(name: "Bo L1", uid: 1003, level: .l1))
        try store.addAgent(specialist)
        try store.addTicket(Ticket(id: "T-1", subject: "API keys rejected", customer: "Dana W."))
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .dispatch)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        server = LocalChannelServer()
        try server.start(path: socket, sink: hub, group: group)
    }

    override func tearDownWithError() throws {
        server.stop()
        try group.syncShutdownGracefully()
        dir.remove()
    }

    private func connect(_ peer: PeerIdentity) -> WaitingConnection {
        defer { nextID += 1 }
        return hub.openWaitingConnection(nextID, peer)
    }
    private func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.deliver(m, id: id, from: c) }

    /// Waits on the socket client for a message `match` picks, keeping the rest.
    private func waitFor<T>(_ client: LocalChannelClient, _ what: String, timeout: TimeInterval = 10, _ match: (WireMessage) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let m = client.next(timeout: 0.2), let hit = match(m) { return hit }
        }
        throw HubTestError(description: "no \(what) within \(timeout) s")
    }

    func testAHandOffReachesTheSpecialistsLobbyTheCustomerAcknowledgesAndTheSessionChangesHands() throws {
        let live = try LiveSession.open(on: hub, ticket: "T-1", access: .controlled, connect: connect)
        let sofia = try LocalChannelClient.connect(path: socket, hello: Hello(client: "sofia"), timeout: 5)
        defer { sofia.close() }
        guard case let .lobby(before) = try sofia.request(.lobbyRequest, timeout: 5) else { return XCTFail("no lobby") }
        XCTAssertNil(before.handOffs)

        // Not L2 or a specialist: refused, with the reason, and nothing reaches anyone.
        send(live.agent, .handOff(HandOffRequest(to: "Bo L1", reason: "needs an expert", stay: true)), id: 5)
        let refused = try live.agent.wait("the refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(refused.code, .notAllowed)
        XCTAssertTrue(refused.message.contains("Bo L1 is L1"), refused.message)
        send(live.agent, .handOff(HandOffRequest(to: "Nobody", reason: "needs an expert", stay: true)), id: 6)
        try live.agent.wait("unknown agent") { if case let .error(e) = $0, e.code == .notFound, e.message.contains("Nobody") { true } else { nil } }

        send(live.agent, .handOff(HandOffRequest(to: "Sofia Q.", reason: "API keys need a specialist", stay: true)), id: 7)
        let offer = try waitFor(sofia, "the offer, pushed") { if case let .handOffOffer(o) = $0 { o } else { nil } }
        XCTAssertEqual([offer.from, offer.to, offer.reason, offer.ticket.id], ["Ana L1", "Sofia Q.", "API keys need a specialist", "T-1"])
        guard case let .lobby(lobby) = try sofia.request(.lobbyRequest, timeout: 5) else { return XCTFail("no lobby") }
        XCTAssertEqual(lobby.handOffs, [offer], "the lobby lists it too")

        // Anyone but the named target is refused.
        let omar = connect(.local(uid: 1002, pid: 2))
        send(omar, .hello(Hello(client: "omar")))
        send(omar, .handOffAnswer(HandOffAnswer(sessionId: live.id, accept: true)), id: 1)
        let wrong = try omar.wait("the refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(wrong.code, .notAllowed)
        XCTAssertEqual(wrong.message, "The hand-off of session \(live.id) is for Sofia Q.; Omar L2 cannot answer it.")

        guard case let .summary(taken) = try sofia.request(.handOffAnswer(HandOffAnswer(sessionId: live.id, accept: true)), timeout: 5) else {
            return XCTFail("no answer")
        }
        XCTAssertEqual(taken.agentName, "Sofia Q.")
        XCTAssertEqual(taken.controlMode, .viewOnly)
        let joining = try live.customer.wait("who is joining") { if case let .specialistJoining(j) = $0 { j } else { nil } }
        XCTAssertEqual(joining.text, "Sofia Q., a specialist, is joining to help: API keys need a specialist")
        try live.agent.wait("the first agent sees it") {
            if case let .activity(a) = $0, a.text.hasPrefix("Session handed off by Ana L1 to Sofia Q.: API keys need a specialist") { true } else { nil }
        }
        // A second accept, by the right agent: nothing left to accept.
        let twice = try sofia.request(.handOffAnswer(HandOffAnswer(sessionId: live.id, accept: true)), timeout: 5)
        guard case let .error(e) = twice else { return XCTFail("\(twice)") }
        XCTAssertEqual(e.code, .badState)

        // The specialist attaches; control waits for the customer's OK.
        guard case let .snapshot(snap) = try sofia.request(.attach(Attach(sessionId: live.id)), timeout: 5) else { return XCTFail("no snapshot") }
        XCTAssertEqual(snap.summary.handOff?.acknowledged, false)
        guard case let .error(gated) = try sofia.request(.requestMode(ModeRequest(mode: .guided)), timeout: 5) else { return XCTFail("not gated") }
        XCTAssertTrue(gated.message.contains("has not acknowledged"), gated.message)
        send(live.customer, .specialistAck)
        _ = try waitFor(sofia, "the acknowledgement") { if case let .summary(s) = $0, s.handOff?.acknowledged == true { true } else { nil } }
        sofia.send(.requestMode(ModeRequest(mode: .guided)))
        _ = try waitFor(sofia, "the request, waiting for the customer") { if case let .summary(s) = $0, s.pendingModeRequest == .guided { true } else { nil } }
        try live.customer.wait("asked again by the specialist") { if case let .modeRequest(r) = $0, r.mode == .guided { true } else { nil } }

        // The first agent stayed, and watches: writes are refused.
        send(live.agent, .addNote(AddNote(text: "still mine?")), id: 20)
        try live.agent.wait("read-only now") { if case let .error(e) = $0, e.code == .notAllowed, e.message.contains("read-only") { true } else { nil } }

        // Kept: the row, the audit trail, the wrap-up; the initiator as it was.
        XCTAssertEqual(try store.handOffs(sessionId: live.id).map(\.line), ["handed off by Ana L1 to Sofia Q.: API keys need a specialist"])
        XCTAssertEqual(try store.handedOffSessionIDs(), [live.id])
        let actions = try store.auditEntries(sessionId: live.id).map(\.action)
        for a in ["handoff.refused", "handoff.requested", "handoff.accepted", "handoff.acknowledged"] { XCTAssertTrue(actions.contains(a), "\(a) in \(actions)") }
        let stored = try XCTUnwrap(try store.session(id: live.id))
        XCTAssertEqual(stored.agentName, "Sofia Q.")
        XCTAssertEqual(stored.initiator, .agent, "the session keeps how it came about")
        let wrap = try XCTUnwrap(try WrapUp.read(sessionId: live.id, from: store, recordings: nil, redactor: Redactor(), now: Date()))
        XCTAssertTrue(wrap.text.contains("Agent: Sofia Q. (handed off by Ana L1 to Sofia Q.: API keys need a specialist)"), wrap.text)
        XCTAssertTrue(wrap.text.contains("escalated"), wrap.text)
    }

    func testTheFirstAgentWhoDoesNotStayLeavesTheRoom() throws {
        let live = try LiveSession.open(on: hub, ticket: "T-1", connect: connect)
        let sofia = try LocalChannelClient.connect(path: socket, hello: Hello(client: "sofia"), timeout: 5)
        defer { sofia.close() }
        send(live.agent, .handOff(HandOffRequest(to: "Sofia Q.", reason: "payments team", stay: false)), id: 2)
        _ = try waitFor(sofia, "the offer") { if case .handOffOffer = $0 { true } else { nil } }
        _ = try sofia.request(.handOffAnswer(HandOffAnswer(sessionId: live.id, accept: true)), timeout: 5)
        try live.agent.wait("why she is let go") {
            if case let .notice(n) = $0, n.text == "You handed session \(live.id) to Sofia Q.; it is theirs now" { true } else { nil }
        }
        guard case .snapshot = try sofia.request(.attach(Attach(sessionId: live.id)), timeout: 5) else { return XCTFail("no snapshot") }
        sofia.send(.addNote(AddNote(text: "taking it from here")))
        _ = try waitFor(sofia, "the note in the room") { if case let .note(n) = $0, n.text == "taking it from here" { true } else { nil } }
        XCTAssertFalse(live.agent.messages.contains { if case let .note(n) = $0 { n.text == "taking it from here" } else { false } },
                       "the first agent is out of the room")
        // Back from the lobby: not hers to drive, and an L1 does not watch.
        send(live.agent, .attach(Attach(sessionId: live.id)), id: 9)
        try live.agent.wait("the refusal") { if case let .error(e) = $0, e.code == .notAllowed, e.message.contains("belongs to Sofia Q.") { true } else { nil } }
    }

    func testAHandOffOfAnEndedSessionOrAHugeReasonIsRefusedClearly() throws {
        let live = try LiveSession.open(on: hub, ticket: "T-1", connect: connect)
        let huge = String(repeating: "why ", count: 1_000)
        send(live.agent, .handOff(HandOffRequest(to: "Sofia Q.", reason: huge, stay: false)), id: 3)
        let tooLong = try live.agent.wait("the refusal") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertEqual(tooLong.code, .invalid)
        XCTAssertTrue(tooLong.message.contains("reason longer than 500 bytes"), tooLong.message)

        send(live.agent, .endSession(EndSession(sessionId: live.id)), id: 4)
        try live.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }
        send(live.agent, .handOff(HandOffRequest(sessionId: live.id, to: "Sofia Q.", reason: "too late", stay: false)), id: 5)
        try live.agent.wait("an ended session") { if case let .error(e) = $0, e.code == .badState, e.message.contains("ended") { true } else { nil } }
        send(live.agent, .handOff(HandOffRequest(sessionId: "S-NOPE", to: "Sofia Q.", reason: "nobody", stay: false)), id: 6)
        try live.agent.wait("no such session") { if case let .error(e) = $0, e.code == .notFound { true } else { nil } }
        XCTAssertEqual(try store.handedOffSessionIDs(), [])
    }
}
