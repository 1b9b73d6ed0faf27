import Foundation
import XCTest
@testable import Engine

/// Access, audit, crypto-shredding, retention, and a recording made by the
/// real hub holding no personal data.
final class RecordingLibraryTests: XCTestCase {
    let owner = Agent(name: "Maria S.", uid: 1001, level: .l2)
    let stranger = Agent(name: "Lee L1", uid: 1003, level: .l1)
    let trainer = Agent(name: "Tara Trainer", uid: 1004, level: .trainer)
    let manager = Agent(name: "Max Manager", uid: 1005, level: .manager)

    func testOwnerAndTrainerMayOpenAndAreAuditedWithTheirReason() throws {
        let f = try RecordingFixture()
        let (writer, sent) = try f.record(seconds: 5)
        let lib = f.library()
        let opened = try lib.open(writer.recordingId, as: owner, actor: owner.name, reason: "review my session")
        XCTAssertEqual(opened.scan.events.filter { $0.kind == .message }.map(\.message), sent)
        _ = try lib.open(writer.recordingId, as: trainer, actor: trainer.name, reason: "training library")
        let audit = try f.store.auditEntries(sessionId: "S-1").filter { $0.action == "recording.opened" }
        XCTAssertEqual(audit.map(\.actor), [owner.name, trainer.name])
        XCTAssertTrue(audit[0].detail.contains("reason=review my session"))
        XCTAssertTrue(audit[0].detail.contains("granted=own session"))
        XCTAssertTrue(audit[1].detail.contains("granted=level trainer"))
    }

    func testAnUninvolvedAgentIsRefusedAndTheAttemptAudited() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 2)
        XCTAssertThrowsError(try f.library().open(writer.recordingId, as: stranger, actor: stranger.name, reason: "curious")) {
            XCTAssertTrue("\($0)".contains("refused"), "\($0)")
        }
        XCTAssertThrowsError(try f.library().open(writer.recordingId, as: nil, actor: "uid 4242", reason: "x"))
        let refused = try f.store.auditEntries(sessionId: "S-1").filter { $0.action == "recording.refused" }
        XCTAssertEqual(refused.map(\.actor), [stranger.name, "uid 4242"])
        XCTAssertTrue(refused[0].detail.contains("reason=curious"))
        // Trainers can be taken out of the policy.
        let strict = f.library(policy: RecordingAccessPolicy(openLevels: [.manager]))
        XCTAssertThrowsError(try strict.open(writer.recordingId, as: trainer, actor: trainer.name, reason: "x"))
        try f.store.verifyAuditChain()
    }

    func testDeletionShredsTheKeyAndLeavesNothingDecryptable() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 3)
        let path = f.path(writer)
        // A second name for the same inode stands for blocks the file system may keep after unlink.
        let leftover = f.dir + "/leftover.cbrec"
        XCTAssertEqual(link(path, leftover), 0)
        let lib = f.library()
        XCTAssertThrowsError(try lib.delete(writer.recordingId, as: owner, actor: owner.name, reason: "GDPR request #77"))
        XCTAssertThrowsError(try lib.delete(writer.recordingId, as: manager, actor: manager.name, reason: " "))
        try lib.delete(writer.recordingId, as: manager, actor: manager.name, reason: "GDPR request #77")

        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let row = try XCTUnwrap(f.store.recording(id: writer.recordingId))
        XCTAssertNil(row.wrappedKey)
        XCTAssertNotNil(row.deletedAt)
        XCTAssertEqual(Array(Array(FileManager.default.contents(atPath: leftover)!)[RecordingFormat.wrappedKeyOffset ..< RecordingFormat.wrappedKeyOffset + KeyRing.wrappedKeyBytes]),
                       [UInt8](repeating: 0, count: KeyRing.wrappedKeyBytes))
        XCTAssertThrowsError(try RecordingReader(path: leftover, keyRing: f.keyRing)) { XCTAssertEqual($0 as? RecordingError, .keyDestroyed) }
        XCTAssertThrowsError(try lib.open(writer.recordingId, as: manager, actor: manager.name, reason: "x")) {
            XCTAssertEqual($0 as? RecordingError, .keyDestroyed)
        }
        XCTAssertTrue(try f.store.recordings(includeDeleted: false).isEmpty)
        let audit = try f.store.auditEntries(sessionId: "S-1").map(\.action)
        XCTAssertTrue(audit.contains("recording.delete-refused"))
        XCTAssertTrue(audit.contains("recording.deleted"))
    }

    func testSweeperRemovesOnlyExpiredRecordingsAndAuditsIt() throws {
        let f = try RecordingFixture(policy: RecordingPolicy(retention: 86_400, backgroundFlush: false))
        let (old, _) = try f.record(seconds: 2)
        f.now = f.now.addingTimeInterval(12 * 3600)
        let (young, _) = try f.record(seconds: 2)
        f.now = f.now.addingTimeInterval(13 * 3600)
        XCTAssertEqual(try f.library().sweepExpired(), [old.recordingId])
        XCTAssertEqual(try f.store.recordings(includeDeleted: false).map(\.id), [young.recordingId])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.path(old)))
        let expired = try f.store.auditEntries(sessionId: nil).filter { $0.action == "recording.expired" }
        XCTAssertEqual(expired.map(\.actor), ["retention"])
        XCTAssertEqual(try f.library().sweepExpired(), [])
    }

    func testHighlightsAreStoredAndBecomeMarkers() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 30)
        try f.store.addHighlight(Highlight(recordingId: writer.recordingId, at: 12.5, duration: 10, title: "Card field masked",
                                           tags: ["pci", "billing"], author: "Tara Trainer", createdAt: f.now))
        XCTAssertThrowsError(try f.store.addHighlight(Highlight(recordingId: "R-nope", at: 1, duration: 1, title: "x", tags: [],
                                                                author: "x", createdAt: f.now)))
        let opened = try f.library().open(writer.recordingId, as: owner, actor: owner.name, reason: "x")
        XCTAssertEqual(opened.highlights.map(\.tags), [["pci", "billing"]])
        XCTAssertTrue(opened.timeline.markers.contains(ReplayMarker(time: 12.5, kind: .highlight, label: "Card field masked")))
    }

    /// The hub records what consoles receive: after its redaction, so no card
    /// number, SSN or password ever reaches the file.
    func testARecordingMadeByTheHubHoldsNoCardNumberPasswordOrSSN() throws {
        let f = try RecordingFixture()
        try f.store.addAgent(owner)
        try f.store.addTicket(Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."))
        let clock = FakeClock()
        let hub = EngineHub(store: f.store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, clock: { clock.now })
        hub.recordingService = f.service
        var nextID = 1
        func connect(_ p: PeerIdentity) -> RecordingConnection {
            defer { nextID += 1 }
            let c = RecordingConnection(nextID, p)
            hub.connectionOpened(c)
            return c
        }
        func send(_ c: RecordingConnection, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }

        let agent = connect(.local(uid: 1001, pid: 1))
        send(agent, .hello(Hello(client: "test")))
        send(agent, .startSession(StartSession(ticketId: "T-1", record: true)), id: 1)
        guard case let .sessionStarted(started) = agent.last else { return XCTFail("no session") }
        send(agent, .attach(Attach(sessionId: started.session.id)))
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: String(started.link.split(separator: "/").last!))))
        send(customer, .consent(Consent(allow: true, access: .controlled, record: true)))

        var scene = DemoSite.scene(.billing, version: 1)
        scene.nodes.append(.text("ssn", Rect(x: 260, y: 600, width: 600, height: 20), "SSN on file: 123-45-6789", color: RGB(0, 0, 0)))
        scene.nodes.append(.field("pw", Rect(x: 260, y: 650, width: 300, height: 30), label: "Password", value: "hunter2-Sekret", type: "password"))
        clock.advance(1)
        send(customer, .scene(scene))
        clock.advance(1)
        send(customer, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [
            .text("leak", Rect(x: 260, y: 700, width: 600, height: 20), "Also 4242424242424242 and 078-05-1120", color: RGB(0, 0, 0)),
        ])))
        clock.advance(1)
        send(agent, .addNote(AddNote(text: "customer read out 4242 4242 4242 4242")))
        clock.advance(1)
        send(agent, .endSession(EndSession(sessionId: started.session.id)))

        let row = try XCTUnwrap(f.store.recordings(includeDeleted: false).first)
        XCTAssertEqual(row.sessionId, started.session.id)
        XCTAssertTrue(row.complete)
        let opened = try f.library().open(row.id, as: owner, actor: owner.name, reason: "privacy test")
        XCTAssertTrue(opened.scan.complete)
        let types = Set(opened.scan.events.map(\.message.type))
        XCTAssertTrue(types.isSuperset(of: ["summary", "scene", "scene-delta", "activity", "note"]), "\(types)")
        let decrypted = opened.scan.events.map { String(decoding: WireCodec.encode($0.message), as: UTF8.self) }.joined()
        for secret in ["4242 4242 4242 4242", "4242424242424242", "123-45-6789", "078-05-1120", "hunter2"] {
            XCTAssertFalse(decrypted.contains(secret), "a secret reached the recording")
        }
        XCTAssertTrue(decrypted.contains("Billing"), "the page itself is recorded")
    }
}
