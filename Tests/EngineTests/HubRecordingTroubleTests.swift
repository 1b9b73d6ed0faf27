import Foundation
import XCTest
@testable import Engine

/// Recordings whose appends fail once told to (a disk gone read-only, say).
final class FailingRecordingService: RecordingService {
    final class Recording: SessionRecording {
        var failing = false
        var appended: [WireMessage] = []
        var finishedWith: [String?] = []

        func append(_ message: WireMessage, at: Date) throws {
            if failing { throw KeyError("cannot write recording file R-1.cbrec: Read-only file system") }
            appended.append(message)
        }

        func finish(at: Date, reason: String?) throws { finishedWith.append(reason) }
    }

    var started: [Recording] = []

    func startRecording(session: SessionSummary, at: Date) throws -> SessionRecording {
        let r = Recording()
        started.append(r)
        return r
    }
}

/// What the hub does when a recording cannot take an event: the agent's
/// console is warned (activity and error), the session goes on.
final class HubRecordingTroubleTests: HubTestCase {
    func activityItems(_ c: RecordingConnection) -> [ActivityItem] {
        c.messages.compactMap { if case let .activity(a) = $0 { return a } else { return nil } }
    }

    func testARecordingAppendFailureReachesTheConsoleAsAWarningAndTheSessionGoesOn() throws {
        let service = FailingRecordingService()
        hub.recordingService = service
        let agent = console()
        send(agent, .startSession(StartSession(ticketId: "T-1", record: true)), id: 1)
        guard case let .sessionStarted(started) = agent.last else { return XCTFail("no session: \(agent.messages)") }
        let sid = started.session.id
        send(agent, .attach(Attach(sessionId: sid)))
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: token(started.link))))
        send(customer, .consent(Consent(allow: true, access: .controlled, record: true)))
        send(customer, .scene(DemoSite.scene(.billing, version: 1)))
        let recording = try XCTUnwrap(service.started.first, "the session is recorded")
        XCTAssertTrue(recording.appended.contains { if case .scene = $0 { true } else { false } })

        recording.failing = true
        agent.clear()
        clock.advance(1)
        send(customer, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, pointer: Point(x: 10, y: 10))))
        let warnings = activityItems(agent).filter { $0.kind == .warning }
        XCTAssertEqual(warnings.count, 1, "\(agent.messages)")
        XCTAssertTrue(warnings.first?.text.contains("Read-only file system") ?? false, warnings.first?.text ?? "")
        XCTAssertTrue(agent.errors.contains { $0.code == .internalError && $0.message.contains("Read-only file system") }, "\(agent.errors)")
        XCTAssertTrue(agent.messages.contains { if case .sceneDelta = $0 { true } else { false } }, "the delta still reached the console")
        XCTAssertTrue(try store.activity(sessionId: sid).contains { $0.kind == .warning && $0.text.contains("Read-only file system") },
                      "the warning is in the session's activity")
        XCTAssertEqual(recording.finishedWith.count, 1, "the hub gives the recording its ending")
        XCTAssertTrue(recording.finishedWith.first??.contains("Read-only file system") ?? false)

        // The session goes on, and the agent is not told again for every message.
        agent.clear()
        clock.advance(1)
        send(customer, .sceneDelta(SceneDelta(baseVersion: 2, version: 3, pointer: Point(x: 20, y: 10))))
        XCTAssertTrue(agent.messages.contains { if case .sceneDelta = $0 { true } else { false } })
        XCTAssertEqual(agent.errors, [])
        XCTAssertEqual(hub.machineScene(sid)?.version, 3)
    }
}

/// The hub on a full disk: the agent's console hears about it from the
/// writer's own queue (no deadlock with the hub's lock), the session goes on,
/// and the resume is announced.
final class HubRecordingFullDiskTests: XCTestCase {
    let owner = Agent(name: "Maria S.", uid: 1001, level: .l2)
    var disk: SmallDisk?
    var fixture: RecordingFixture?

    override func tearDown() {
        // Unmounted first, so removing the fixture's directory removes the mount point too.
        disk?.unmount()
        disk = nil
        fixture = nil
    }

    func testAFullDiskReachesTheConsoleAsAWarningTheSessionGoesOnAndTheResumeIsAnnounced() throws {
        let f = try RecordingFixture(policy: RecordingPolicy(flushInterval: 0.1, backgroundFlush: true))
        fixture = f
        try f.store.addAgent(owner)
        try f.store.addTicket(Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."))
        disk = try SmallDisk(at: EncryptedRecordingService.recordingsDirectory(f.dir), bytes: 512 * 1024)
        let hub = EngineHub(store: f.store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        hub.recordingService = f.service
        var nextID = 1
        func connect(_ p: PeerIdentity) -> ThreadSafeConnection {
            defer { nextID += 1 }
            let c = ThreadSafeConnection(nextID, p)
            hub.connectionOpened(c)
            return c
        }
        func send(_ c: ThreadSafeConnection, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }

        let agent = connect(.local(uid: 1001, pid: 1))
        send(agent, .hello(Hello(client: "test")))
        send(agent, .startSession(StartSession(ticketId: "T-1", record: true)), id: 1)
        guard case let .sessionStarted(started)? = agent.messages.last else { return XCTFail("no session: \(agent.messages)") }
        send(agent, .attach(Attach(sessionId: started.session.id)))
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: String(started.link.split(separator: "/").last!))))
        send(customer, .consent(Consent(allow: true, access: .controlled, record: true)))
        send(customer, .scene(DemoSite.scene(.billing, version: 1)))
        Thread.sleep(forTimeInterval: 0.3)

        try disk!.fill()
        // Typing of incompressible text: more than the slack left in the file's last page.
        for v in 1 ... 10 {
            send(customer, .sceneDelta(SceneDelta(baseVersion: v, version: v + 1,
                                                  upserts: [.text("typed", Rect(x: 260, y: 600, width: 800, height: 18), Digest.hex(SecureRandom.bytes(400)), color: RGB(0, 0, 0))])))
            Thread.sleep(forTimeInterval: 0.03)
        }
        func warning(_ m: WireMessage) -> Bool {
            if case let .activity(a) = m { return a.kind == .warning && a.text.contains("disk full") }
            return false
        }
        XCTAssertTrue(agent.wait(timeout: 10, for: warning), "the console is warned: \(agent.messages)")
        XCTAssertTrue(agent.messages.contains {
            if case let .error(e) = $0 { return e.code == .internalError && e.message.contains("disk full") }
            return false
        }, "and told as an error too")
        // The session goes on: the console still gets the customer's page.
        agent.clear()
        send(customer, .sceneDelta(SceneDelta(baseVersion: 11, version: 12, pointer: Point(x: 5, y: 5))))
        XCTAssertTrue(agent.wait(timeout: 5) { if case .sceneDelta = $0 { true } else { false } })

        disk!.free()
        XCTAssertTrue(agent.wait(timeout: 10) {
            if case let .activity(a) = $0 { return a.text.contains("Recording resumed") }
            return false
        }, "the resume is announced: \(agent.messages)")
        send(agent, .endSession(EndSession(sessionId: started.session.id)))

        let row = try XCTUnwrap(f.store.recordings(includeDeleted: false).first)
        XCTAssertTrue(row.complete)
        XCTAssertEqual(row.ending?.hasPrefix("session ended: ended by agent; disk full for "), true, row.ending ?? "nil")
        let opened = try f.library().open(row.id, as: owner, actor: owner.name, reason: "test")
        XCTAssertTrue(opened.scan.events.contains { warning($0.message) }, "the warning the console got is in the recording too")
        XCTAssertEqual(opened.scan.events.filter { if case .sceneDelta = $0.message { true } else { false } }.count, 11, "nothing lost")
    }
}
