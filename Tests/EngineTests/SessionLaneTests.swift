import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import XCTest
@testable import Engine

/// The engine as it runs (every session on its own lane, connections on
/// theirs, the feed written in the background), driven from many threads
/// with a real SQLite file behind a door the test controls.
final class SessionLaneTests: XCTestCase {
    var dir: String!
    var door: DoorStore!
    var hub: EngineHub!
    private var nextID = 1

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "lanes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        door = DoorStore(try SQLiteStore(path: dir + "/db.sqlite"))
        try door.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        for i in 1 ... 12 { try door.addTicket(Ticket(id: "T-\(i)", subject: "Ticket \(i)", customer: "Customer \(i)")) }
        hub = EngineHub(store: door, publicBaseURL: "https://127.0.0.1:8443", lanes: .dispatch)
    }

    override func tearDown() {
        door?.open()
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func connect(_ peer: PeerIdentity) -> WaitingConnection {
        defer { nextID += 1 }
        return hub.openWaitingConnection(nextID, peer)
    }

    private func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.deliver(m, id: id, from: c) }

    /// An attached agent and a customer who consented, on `ticket`.
    private func liveSession(_ ticket: String) throws -> (agent: WaitingConnection, customer: WaitingConnection, id: String) {
        let s = try LiveSession.open(on: hub, ticket: ticket, connect: connect)
        return (s.agent, s.customer, s.id)
    }

    private func page(_ title: String, version: Int = 1) -> Scene {
        Scene(version: version, viewport: Size(width: 800, height: 600), url: "https://shop.test/", title: title,
              nodes: [.text("t", Rect(x: 10, y: 10, width: 200, height: 20), title, color: .white)])
    }

    func testTheFrameRightAfterAHelloIsReadAsWhoTheHelloMadeTheConnection() throws {
        let agent = connect(.local(uid: 1001, pid: 1))
        send(agent, .hello(Hello(client: "test")))
        send(agent, .startSession(StartSession(ticketId: "T-1")), id: 1)
        let started = try agent.wait("session started") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        // Neither side waits for an answer before its next frame.
        send(agent, .attach(Attach(sessionId: started.session.id)))
        send(agent, .addNote(AddNote(text: "Customer on the billing page")), id: 2)
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: String(started.link.split(separator: "/").last!))))
        send(customer, .consent(Consent(allow: true, access: .viewOnly)))
        try agent.wait("the session active") { if case let .summary(s) = $0, s.status == .active { true } else { nil } }
        try agent.wait("the note") { if case let .note(n) = $0, n.text == "Customer on the billing page" { true } else { nil } }
        XCTAssertFalse(agent.messages.contains { if case .error = $0 { true } else { false } }, "\(agent.messages)")
        XCTAssertFalse(customer.messages.contains { if case .error = $0 { true } else { false } }, "\(customer.messages)")
    }

    func testAStalledStoreWriteInOneSessionDoesNotHoldUpAnother() throws {
        let a = try liveSession("T-1")
        let b = try liveSession("T-2")

        // A's customer stops sharing: its ending's audit rows meet a disk that stalls for A.
        door.hold(a.id)
        send(a.customer, .leave)
        let deadline = Date().addingTimeInterval(10)
        while door.waiting == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(door.waiting, 1, "A's ending waits for its audit rows")

        // Meanwhile B's customer, B's agent and a new console go on as if nothing happened.
        send(b.customer, .scene(page("B's checkout")))
        try b.agent.wait("B's scene", timeout: 5) { if case let .scene(s) = $0, s.title == "B's checkout" { true } else { nil } }
        let other = connect(.local(uid: 1001, pid: 2))
        send(other, .hello(Hello(client: "test")))
        send(other, .lobbyRequest, id: 7)
        try other.wait("the lobby", timeout: 5) { if case .lobby = $0 { true } else { nil } }
        XCTAssertEqual(door.waiting, 1, "all of that happened while A's write was still held")
        XCTAssertFalse(a.agent.messages.contains { if case .sessionEnded = $0 { true } else { false } }, "A's ending waits for its audit rows")

        // The disk comes back: A ends, with its rows written first.
        door.open()
        try a.agent.wait("A's ending") { if case .sessionEnded = $0 { true } else { nil } }
        XCTAssertTrue(try door.auditEntries(sessionId: a.id).contains { $0.action == "session.ended" })
        try door.verifyAuditChain()
    }

    func testSessionsDrivenFromManyThreadsAtOnceEachKeepTheirOrder() throws {
        let sessions = try (1 ... 8).map { try liveSession("T-\($0)") }
        let versions = 60
        DispatchQueue.concurrentPerform(iterations: sessions.count) { i in
            let s = sessions[i]
            send(s.customer, .scene(page("page \(i)", version: 1)))
            for v in 2 ... versions {
                let text = SceneNode.text("t", Rect(x: 10, y: 10, width: 200, height: 20), "step \(v)", color: .white)
                send(s.customer, .sceneDelta(SceneDelta(baseVersion: v - 1, version: v, upserts: [text])))
            }
        }
        for (i, s) in sessions.enumerated() {
            try s.agent.wait("the last delta of session \(i)", timeout: 20) { if case let .sceneDelta(d) = $0, d.version == versions { true } else { nil } }
            let seen = s.agent.messages.compactMap { m -> Int? in
                switch m {
                case let .scene(scene) where scene.title == "page \(i)": scene.version
                case let .sceneDelta(d): d.version
                default: nil
                }
            }
            XCTAssertEqual(seen, Array(1 ... versions), "session \(i) saw its customer's changes once each, in order")
            XCTAssertEqual(hub.machineScene(s.id)?.version, versions)
        }
    }

    func testFeedRowsTheStoreRefusesWaitInOrderAndAreWrittenWhenItTakesThemAgain() throws {
        let s = try liveSession("T-1")
        hub.tick()
        door.failFeed(true)
        // Two consoles come and go: four feed rows, none of which any action waits for.
        for pid in 10 ... 11 {
            let watcher = connect(.local(uid: 1001, pid: pid))
            send(watcher, .hello(Hello(client: "test")))
            send(watcher, .attach(Attach(sessionId: s.id)))
            try watcher.wait("snapshot") { if case .snapshot = $0 { true } else { nil } }
            send(watcher, .detach)
        }
        try s.agent.wait("the store trouble, said once") { m -> Bool? in
            if case let .error(e) = m, e.message.contains("could not store the session's feed") { true } else { nil }
        }
        let deadline = Date().addingTimeInterval(10)
        while hub.rowsWaitingForTheStore < 4, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        // At least those four: on a loaded machine a tick may add a row of its own (the customer's connection quality, say).
        XCTAssertGreaterThanOrEqual(hub.rowsWaitingForTheStore, 4)
        // A console that attaches now still sees them in the feed.
        let late = connect(.local(uid: 1001, pid: 20))
        send(late, .hello(Hello(client: "test")))
        send(late, .attach(Attach(sessionId: s.id)))
        let feed = try late.wait("snapshot") { if case let .snapshot(snap) = $0 { snap.activity.map(\.text) } else { nil } }
        XCTAssertEqual(feed.filter { $0.contains("Maria S. left") }.count, 2, "\(feed)")

        door.failFeed(false)
        hub.tick()
        // Written in the order the session's lane saw them, which is the order its consoles were told.
        func told() -> [String] { s.agent.messages.compactMap { m -> String? in if case let .activity(a) = m { a.text } else { nil } } }
        var texts: [String] = []
        let stored = Date().addingTimeInterval(10)
        repeat {
            Thread.sleep(forTimeInterval: 0.02)
            texts = try door.activity(sessionId: s.id).map(\.text)
        } while (hub.rowsWaitingForTheStore > 0 || texts.suffix(5) != told().suffix(5)) && Date() < stored
        XCTAssertEqual(texts.suffix(5), told().suffix(5), "stored: \(texts)\ntold: \(told())")
        XCTAssertEqual(texts.suffix(5).filter { $0 == "Maria S. left" }.count, 2)
        let errors = s.agent.messages.filter { if case let .error(e) = $0 { e.message.contains("could not store the session's feed") } else { false } }
        XCTAssertEqual(errors.count, 1, "said once per failing spell, not once per row")
    }
}

/// A customer over the real TLS WebSocket whose session's lane is stalled.
final class CustomerBackPressureTests: XCTestCase {
    func testACustomerWhoseSessionIsStalledIsNoLongerReadAndNothingItSentIsLost() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let door = DoorStore(try SQLiteStore(path: dir.file("db.sqlite")))
        defer { door.open() }
        let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)
        try door.addAgent(maria)
        try door.addTicket(Ticket(id: "T-1", subject: "Upload fails", customer: "Dana W."))
        let hub = EngineHub(store: door, publicBaseURL: "https://127.0.0.1", lanes: .dispatch)
        let identity = try TLSIdentity.loadOrCreate(directory: dir.path)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let gateway = CustomerGateway()
        let port = try gateway.start(host: "127.0.0.1", port: 0, certificate: identity.certificatePath, key: identity.keyPath, sink: hub, group: group)
        defer { gateway.stop() }

        let started = try hub.startSession(ticketId: "T-1", record: false, agent: maria)
        let agent = WaitingConnection(1, .local(uid: 1001, pid: 1))
        hub.connectionOpened(agent)
        hub.connection(agent, received: WireCodec.encode(.hello(Hello(client: "test"))))
        hub.connection(agent, received: WireCodec.encode(.attach(Attach(sessionId: started.session.id))))
        let customer = try CustomerClient.connect(host: "127.0.0.1", port: port, path: "/ws", trustedCertificate: identity.certificatePath,
                                                  hello: Hello(client: "sdk", token: String(started.link.split(separator: "/").last!)), timeout: 10)
        defer { customer.close() }
        customer.send(.consent(Consent(allow: true, access: .viewOnly)))
        try agent.wait("the session active") { if case let .summary(s) = $0, s.status == .active { true } else { nil } }

        // A scene with an e-mail address: its redaction's audit row meets a disk that stalls for this session.
        door.hold(started.session.id)
        customer.send(.scene(Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://shop.test/", title: "Profile",
                                   nodes: [.text("e", Rect(x: 0, y: 0, width: 200, height: 20), "dana@example.com", color: .white)])))
        let held = Date().addingTimeInterval(10)
        while door.waiting == 0, Date() < held { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(door.waiting, 1)

        // About 25 MB more while the lane is stuck: the engine stops reading instead of holding it all.
        let picture = PixelBlock(width: 128, height: 128, rgb: Data((0 ..< 128 * 128 * 3).map { UInt8($0 % 251) }))
        let last = 31
        for v in 2 ... last {
            // New pictures with new ids: a new page each time, so each goes to the consoles whole.
            let nodes = (0 ..< 14).map { SceneNode(id: "i\(v)-\($0)", kind: .image, rect: Rect(x: 0, y: Double($0 * 40), width: 40, height: 40), pixels: picture) }
            customer.send(.scene(Scene(version: v, viewport: Size(width: 800, height: 600), url: "https://shop.test/", title: "Photos \(v)", nodes: nodes)))
        }
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertLessThanOrEqual(hub.largestBacklog, EngineHub.pauseReadingAt + WireProtocol.maxMessageBytes,
                                 "what waits for the lane is bounded: the rest waits in the customer's socket")

        // The disk comes back: every scene is handled, in order, none lost.
        door.open()
        let refusals = customer.poll().compactMap { m -> String? in if case let .error(e) = m { e.message } else { nil } }
        XCTAssertEqual(refusals, [], "nothing the customer sent was refused")
        try agent.wait("the last scene", timeout: 60) { if case let .scene(s) = $0, s.version == last { true } else { nil } }
        let versions = agent.messages.compactMap { if case let .scene(s) = $0 { s.version } else { nil } }
        XCTAssertEqual(versions, Array(1 ... last))
    }
}

final class InlineLaneTests: XCTestCase {
    func testWorkGivenFromInsideTheLaneRunsAfterItInsteadOfReEntering() {
        let lane = LaneKind.inline.makeLane("test")
        let order = NIOLockedValueBox([String]())
        lane.async {
            order.withLockedValue { $0.append("first begins") }
            lane.async { order.withLockedValue { $0.append("nested") } }
            order.withLockedValue { $0.append("first ends") }
        }
        let answer = lane.sync { () -> Int in
            lane.async { order.withLockedValue { $0.append("given inside sync") } }
            order.withLockedValue { $0.append("sync") }
            return 42
        }
        XCTAssertEqual(answer, 42)
        XCTAssertEqual(order.withLockedValue { $0 }, ["first begins", "first ends", "nested", "sync", "given inside sync"])
    }
}
