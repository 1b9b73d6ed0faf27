import Foundation
import XCTest
@testable import Engine

/// A connection the desk's queue may write to from its own thread.
final class ThreadSafeConnection: PeerConnection, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    private let lock = NSCondition()
    private var frames: [WireFrame] = []
    private(set) var sizes: [Int] = []

    init(_ id: Int, _ peer: PeerIdentity) { connectionID = id; self.peer = peer }

    func send(_ payload: [UInt8]) {
        lock.lock()
        frames.append(try! WireCodec.decode(payload))
        sizes.append(payload.count)
        lock.broadcast()
        lock.unlock()
    }

    func close() {}

    var messages: [WireMessage] { lock.lock(); defer { lock.unlock() }; return frames.map(\.message) }
    var received: [WireFrame] { lock.lock(); defer { lock.unlock() }; return frames }
    var frameSizes: [Int] { lock.lock(); defer { lock.unlock() }; return sizes }
    func clear() { lock.lock(); frames.removeAll(); sizes.removeAll(); lock.unlock() }

    /// Waits until a message matching `predicate` has arrived.
    func wait(timeout: TimeInterval = 30, for predicate: (WireMessage) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock(); defer { lock.unlock() }
        while !frames.contains(where: { predicate($0.message) }) {
            if !lock.wait(until: deadline) { return frames.contains(where: { predicate($0.message) }) }
        }
        return true
    }
}

/// Recordings from the lobby (issue 5): the hub with a real SQLite file and real
/// encrypted recording files, consoles on the hub's connection seam.
final class RecordingDeskTests: XCTestCase {
    let owner = Agent(name: "Maria S.", uid: 1001, level: .l2)
    let other = Agent(name: "Omar L2", uid: 1002, level: .l2)
    let stranger = Agent(name: "Lee L1", uid: 1003, level: .l1)
    let trainer = Agent(name: "Tara Trainer", uid: 1004, level: .trainer)
    let manager = Agent(name: "Max Manager", uid: 1005, level: .manager)

    var f: RecordingFixture!
    var hub: EngineHub!
    var nextID = 1

    override func setUpWithError() throws {
        f = try RecordingFixture()
        for a in [owner, other, stranger, trainer, manager] { try f.store.addAgent(a) }
        hub = EngineHub(store: f.store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        hub.recordingService = f.service
        hub.recordingDesk = RecordingDesk(library: f.library())
    }

    override func tearDown() { hub = nil; f = nil }

    func console(_ agent: Agent) -> ThreadSafeConnection {
        let c = ThreadSafeConnection(nextID, .local(uid: agent.uid, pid: 1))
        nextID += 1
        hub.connectionOpened(c)
        send(c, .hello(Hello(client: "test")))
        XCTAssertTrue(c.wait { if case .welcome = $0 { true } else { false } })
        c.clear()
        return c
    }

    func send(_ c: ThreadSafeConnection, _ m: WireMessage, id: Int? = nil) {
        hub.connection(c, received: WireCodec.encode(m, id: id))
    }

    func listing(_ c: ThreadSafeConnection) -> [RecordingListing] {
        send(c, .recordingsRequest, id: 5)
        guard case let .recordings(list)? = c.messages.last else { XCTFail("no recordings reply: \(c.messages)"); return [] }
        c.clear()
        return list.items
    }

    /// Opens and waits for the last part (or an error); returns every part in order.
    func open(_ c: ThreadSafeConnection, _ id: String, reason: String) -> (parts: [RecordingPart], errors: [ErrorReply]) {
        send(c, .openRecording(OpenRecording(recordingId: id, reason: reason)), id: 9)
        _ = c.wait { m in
            if case let .recordingPart(p) = m { return p.last }
            if case .error = m { return true }
            return false
        }
        let parts = c.messages.compactMap { m -> RecordingPart? in if case let .recordingPart(p) = m { p } else { nil } }
        let errors = c.messages.compactMap { m -> ErrorReply? in if case let .error(e) = m { e } else { nil } }
        XCTAssertTrue(c.received.allSatisfy { $0.re == 9 }, "every part answers the request")
        return (parts, errors)
    }

    /// What the console does: decode every part's frames back into events.
    func reassemble(_ parts: [RecordingPart]) throws -> [RecordedEvent] {
        try parts.flatMap(\.events).map {
            RecordedEvent(kind: $0.keyframe ? .keyframe : .message, offsetMs: $0.offsetMs, message: try WireCodec.decode(Array($0.frame.utf8)).message)
        }
    }

    /// A second recording, of another agent's session.
    func recordOthersSession() throws -> String {
        var s = f.summary(agent: other.name)
        s.id = "S-2"
        let w = try f.service.startRecording(session: s, at: f.now) as! RecordingWriter
        try w.append(.summary(s), at: f.now)
        try w.append(.scene(DemoSite.scene(.apiKeys, version: 1)), at: f.now.addingTimeInterval(1))
        try w.finish(at: f.now.addingTimeInterval(2))
        return w.recordingId
    }

    func testTheShelfListsOnlyWhatTheAgentMayOpen() throws {
        let (mine, _) = try f.record(seconds: 3)
        let theirs = try recordOthersSession()
        XCTAssertEqual(Set(listing(console(owner)).map(\.id)), [mine.recordingId])
        XCTAssertEqual(Set(listing(console(other)).map(\.id)), [theirs])
        XCTAssertEqual(listing(console(stranger)), [])
        let all = listing(console(trainer))
        XCTAssertEqual(Set(all.map(\.id)), [mine.recordingId, theirs])
        XCTAssertEqual(Set(listing(console(manager)).map(\.id)), [mine.recordingId, theirs])
        let row = try XCTUnwrap(all.first { $0.id == mine.recordingId })
        XCTAssertEqual(row.ticketId, "T-1")
        XCTAssertEqual(row.agentName, owner.name)
        XCTAssertTrue(row.complete)
        XCTAssertGreaterThan(row.bytes, 0)
        XCTAssertEqual(row.endedAt.map { $0.timeIntervalSince(row.createdAt) } ?? -1, 3, accuracy: 0.01)
        // Listing reads no content: nothing is audited.
        XCTAssertEqual(try f.store.auditEntries(sessionId: nil).filter { $0.action.hasPrefix("recording.") }.count, 0)
    }

    func testOpeningIsAuditedWithTheReasonAndThePartsAreExactlyTheRecordedEvents() throws {
        let (writer, sent) = try f.record(seconds: 60)
        try f.store.addHighlight(Highlight(recordingId: writer.recordingId, at: 12.5, duration: 10, title: "Card field masked",
                                           tags: ["pci"], author: trainer.name, createdAt: f.now))
        let c = console(trainer)
        let (parts, errors) = open(c, writer.recordingId, reason: "training: billing calls")
        XCTAssertEqual(errors, [])
        let first = try XCTUnwrap(parts.first), last = try XCTUnwrap(parts.last)
        XCTAssertEqual(parts.map(\.index), Array(0 ..< parts.count))
        XCTAssertEqual(first.startedAt, f.now)
        XCTAssertEqual(first.highlights?.map(\.title), ["Card field masked"])
        XCTAssertTrue(last.last)
        XCTAssertEqual(last.complete, true)
        XCTAssertEqual(last.ending, "complete")
        XCTAssertNil(last.failure)

        let expected = try f.scan(writer).events
        XCTAssertEqual(try reassemble(parts), expected)
        XCTAssertEqual(try reassemble(parts).filter { $0.kind == .message }.map(\.message), sent)
        XCTAssertTrue(expected.contains { $0.kind == .keyframe }, "the recorder's keyframes travel too")

        let audit = try f.store.auditEntries(sessionId: "S-1").filter { $0.action == "recording.opened" }
        XCTAssertEqual(audit.map(\.actor), [trainer.name])
        XCTAssertTrue(audit[0].detail.contains("reason=training: billing calls"), audit[0].detail)
        XCTAssertTrue(audit[0].detail.contains("purpose=console replay"), audit[0].detail)
        XCTAssertTrue(audit[0].detail.contains("granted=level trainer"), audit[0].detail)
        try f.store.verifyAuditChain()
    }

    func testAnUninvolvedL1AgentIsRefusedAndTheAttemptAudited() throws {
        let (writer, _) = try f.record(seconds: 3)
        let (parts, errors) = open(console(stranger), writer.recordingId, reason: "curious")
        XCTAssertEqual(parts, [])
        XCTAssertEqual(errors.map(\.code), [.notAllowed])
        XCTAssertTrue(errors[0].message.contains("refused"), errors[0].message)
        let refused = try f.store.auditEntries(sessionId: "S-1").filter { $0.action == "recording.refused" }
        XCTAssertEqual(refused.map(\.actor), [stranger.name])
        XCTAssertTrue(refused[0].detail.contains("reason=curious"), refused[0].detail)
        XCTAssertEqual(try f.store.auditEntries(sessionId: "S-1").filter { $0.action == "recording.opened" }, [])
    }

    func testAReasonIsRequiredAndUnknownIdsAreNotFound() throws {
        let (writer, _) = try f.record(seconds: 3)
        let c = console(owner)
        XCTAssertEqual(open(c, writer.recordingId, reason: "   ").errors.map(\.code), [.invalid])
        c.clear()
        XCTAssertEqual(open(c, "R-nope", reason: "x").errors.map(\.code), [.notFound])
        XCTAssertEqual(try f.store.auditEntries(sessionId: "S-1").filter { $0.action.hasPrefix("recording.") }, [])
        // A reason is audited, but never a card number typed into it.
        c.clear()
        let card = Array(repeating: "4242", count: 4).joined(separator: " ")
        XCTAssertEqual(open(c, writer.recordingId, reason: "customer read out \(card)").errors, [])
        let opened = try XCTUnwrap(f.store.auditEntries(sessionId: "S-1").first { $0.action == "recording.opened" })
        XCTAssertTrue(opened.detail.contains("reason=customer read out"), opened.detail)
        XCTAssertFalse(opened.detail.contains("4242"), opened.detail)
    }

    func testALargeRecordingIsSplitIntoPartsEachUnderTheLimit() throws {
        let limit = 48 * 1024
        hub.recordingDesk = RecordingDesk(library: f.library(), partLimit: limit)
        let (writer, _) = try f.record(seconds: 240)
        let c = console(owner)
        let (parts, errors) = open(c, writer.recordingId, reason: "check the split")
        XCTAssertEqual(errors, [])
        XCTAssertGreaterThan(parts.count, 3)
        let sizes = c.frameSizes
        XCTAssertEqual(sizes.count, parts.count)
        XCTAssertTrue(sizes.allSatisfy { $0 <= limit }, "\(sizes)")
        XCTAssertGreaterThan(sizes.dropLast().min() ?? 0, limit / 2, "parts are filled, not one event each")
        XCTAssertEqual(parts.filter(\.last).count, 1)
        XCTAssertEqual(parts.filter { $0.startedAt != nil }.map(\.index), [0])
        XCTAssertEqual(try reassemble(parts), try f.scan(writer).events)
    }

    func testAnEventTooLargeForAnyPartIsLeftOutAndTheEndingSaysSo() throws {
        let (writer, _) = try f.record(seconds: 30)
        let opened = try f.library().open(writer.recordingId, as: owner, actor: owner.name, reason: "x")
        // Full scenes of the demo site are a few KiB; pointer deltas a few hundred bytes.
        let limit = 2048
        let parts = RecordingDesk.parts(of: opened, re: 1, limit: limit)
        XCTAssertTrue(parts.allSatisfy { WireCodec.encode(.recordingPart($0), re: 1).count <= limit })
        let sent = try reassemble(parts)
        let all = opened.scan.events
        let left = all.count - sent.count
        XCTAssertGreaterThan(left, 0)
        XCTAssertTrue(sent.allSatisfy { e in all.contains(e) })
        XCTAssertTrue(sent.contains { if case .sceneDelta = $0.message { true } else { false } }, "the small events all travel")
        let last = try XCTUnwrap(parts.last)
        XCTAssertEqual(last.complete, false)
        XCTAssertTrue(last.ending?.contains("\(left) event(s) over the message limit left out") ?? false, last.ending ?? "")
    }

    func testARecordingStillBeingWrittenSaysSoRatherThanIncomplete() throws {
        let (writer, _) = try f.record(seconds: 20, finish: false)
        XCTAssertTrue(f.service.isBeingWritten(writer.recordingId))
        let opened = try RecordingDesk(library: f.library()).open(OpenRecording(recordingId: writer.recordingId, reason: "training"), agent: owner)
        let live = try XCTUnwrap(RecordingDesk.parts(of: opened, stillRecording: true).last)
        XCTAssertTrue(live.ending?.hasPrefix("still recording: the session is live") ?? false, live.ending ?? "")
        XCTAssertFalse(live.ending?.contains("engine stopped") ?? true)
        let dead = try XCTUnwrap(RecordingDesk.parts(of: opened, stillRecording: false).last)
        XCTAssertTrue(dead.ending?.contains("incomplete: engine stopped") ?? false, dead.ending ?? "")
        try writer.finish(at: f.now.addingTimeInterval(21), reason: "session ended")
        XCTAssertFalse(f.service.isBeingWritten(writer.recordingId), "finished: no longer being written")
    }

    func testALongRecordingAtTheRealLimit() throws {
        // 40 minutes of the scripted session: over the 1 MiB limit in all.
        let (writer, _) = try f.record(seconds: 2400)
        let opening = Date()
        let opened = try RecordingDesk(library: f.library()).open(OpenRecording(recordingId: writer.recordingId, reason: "measure"), agent: owner)
        let underLock = Date().timeIntervalSince(opening)
        let started = Date()
        let parts = RecordingDesk.parts(of: opened, re: 9)
        let elapsed = Date().timeIntervalSince(started)
        let sizes = parts.map { WireCodec.encode(.recordingPart($0), re: 9).count }
        XCTAssertGreaterThan(parts.count, 1)
        XCTAssertTrue(sizes.allSatisfy { $0 <= WireProtocol.maxMessageBytes }, "\(sizes)")
        XCTAssertEqual(try reassemble(parts), opened.scan.events)
        print("recording-desk: opened (access, audit, authenticate; under the hub's lock) in \(Int(underLock * 1000)) ms; "
              + "\(opened.scan.events.count) events, \(parts.count) parts (largest \(sizes.max() ?? 0) bytes) cut in \(Int(elapsed * 1000)) ms on the desk's queue")
    }

    func testACorruptedChunkGivesTheEventsBeforeItAndALastPartWithTheFailure() throws {
        let (writer, _) = try f.record(seconds: 60)
        var bytes = f.bytes(writer)
        let chunks = try f.chunkRanges(bytes)
        XCTAssertGreaterThan(chunks.count, 3)
        let damaged = chunks[chunks.count / 2]
        bytes[damaged.lowerBound + damaged.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: f.path(writer)))
        let intact = try f.scan(writer)
        XCTAssertNotNil(intact.failure)

        let (parts, errors) = open(console(manager), writer.recordingId, reason: "customer complaint #12")
        XCTAssertEqual(errors, [])
        let last = try XCTUnwrap(parts.last)
        XCTAssertTrue(last.last)
        XCTAssertEqual(last.complete, false)
        XCTAssertEqual(last.failure, intact.failure?.description)
        XCTAssertTrue(last.failure?.contains("chunk \(chunks.count / 2)") ?? false, last.failure ?? "")
        XCTAssertEqual(try reassemble(parts), intact.events, "replay up to the damaged chunk")
        XCTAssertFalse(intact.events.isEmpty)
    }

    func testAnEngineWithoutRecordingsSaysSo() throws {
        hub.recordingDesk = nil
        let c = console(owner)
        send(c, .recordingsRequest, id: 3)
        guard case let .error(e)? = c.messages.last else { return XCTFail("\(c.messages)") }
        XCTAssertEqual(e.code, .notFound)
    }
}
