import Foundation
import XCTest
@testable import Engine

/// What a writer reported through its trouble handler, from whichever queue it was called on.
final class TroubleLog: @unchecked Sendable {
    private let lock = NSCondition()
    private var items: [RecordingTrouble] = []

    var handler: @Sendable (RecordingTrouble) -> Void { { [self] t in lock.lock(); items.append(t); lock.broadcast(); lock.unlock() } }
    var all: [RecordingTrouble] { lock.lock(); defer { lock.unlock() }; return items }

    @discardableResult
    func wait(timeout: TimeInterval = 10, for predicate: (RecordingTrouble) -> Bool) -> RecordingTrouble? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock(); defer { lock.unlock() }
        while true {
            if let t = items.first(where: predicate) { return t }
            if !lock.wait(until: deadline) { return items.first(where: predicate) }
        }
    }
}

extension RecordingTrouble {
    var isFlushFailed: Bool { if case .flushFailed = self { true } else { false } }
    var isDropped: Bool { if case .eventsDropped = self { true } else { false } }
    var resumedGap: RecordingGap? { if case let .resumed(_, gap) = self { gap } else { nil } }
}

/// A full disk under a recording, for real: a tmpfs filled to the last byte.
/// The writer says so at once, keeps the session's events in memory (up to its
/// bound, then drops the oldest and counts them), resumes when space returns,
/// and the recording reads back with its true ending and what was lost.
final class RecordingFullDiskTests: XCTestCase {
    var disks: [SmallDisk] = []
    var fixtures: [RecordingFixture] = []
    /// Deltas of incompressible text, so a second of them is bigger than the
    /// slack in the file's last page: the first write on the full disk is cut short.
    var version = 1

    override func tearDown() {
        // Unmounted first, so removing the fixture's directory removes the mount point too.
        disks.forEach { $0.unmount() }
        disks = []
        fixtures = []
    }

    /// A fixture kept until tearDown, with a small disk mounted as its recordings directory.
    func fullDiskFixture(_ policy: RecordingPolicy) throws -> (RecordingFixture, SmallDisk) {
        let f = try RecordingFixture(policy: policy)
        fixtures.append(f)
        let disk = try SmallDisk(at: EncryptedRecordingService.recordingsDirectory(f.dir), bytes: 512 * 1024)
        disks.append(disk)
        return (f, disk)
    }

    func typing() -> WireMessage {
        defer { version += 1 }
        let text = Digest.hex(SecureRandom.bytes(200))
        return .sceneDelta(SceneDelta(baseVersion: version, version: version + 1,
                                      upserts: [.text("typed\(version % 7)", Rect(x: 10, y: Double(20 * (version % 7)), width: 800, height: 18),
                                                      text, color: RGB(0, 0, 0))],
                                      pointer: Point(x: Double(version % 90) * 10, y: 300)))
    }

    /// Appends a typing delta every 50 ms from `from` to `to` (ms of session time), and an activity item each second.
    func session(_ writer: RecordingWriter, _ f: RecordingFixture, from: Int, to: Int) throws -> [WireMessage] {
        var sent = [WireMessage]()
        for ms in stride(from: from, to: to, by: 50) {
            let at = f.now.addingTimeInterval(Double(ms) / 1000)
            let m = typing()
            try writer.append(m, at: at)
            sent.append(m)
            if ms % 1000 == 0 {
                let a = WireMessage.activity(ActivityItem(at: at, kind: .info, actor: "customer", text: "second \(ms / 1000)"))
                try writer.append(a, at: at)
                sent.append(a)
            }
        }
        return sent
    }

    func testAFullDiskIsReportedTheEventsWaitInMemoryAndTheRecordingResumesWithItsLossStated() throws {
        // 24 KiB of pending events at most: ten seconds of typing on a full disk is more than that.
        let (f, disk) = try fullDiskFixture(RecordingPolicy(backgroundFlush: false, maxPendingBytes: 24 * 1024))
        let writer = try f.service.startRecording(session: f.summary(), at: f.now) as! RecordingWriter
        let troubles = TroubleLog()
        writer.onTrouble(troubles.handler)

        // Before: three seconds recorded and flushed.
        let scene = DemoSite.scene(.billing, version: 1)
        var before: [WireMessage] = [.summary(f.summary()), .scene(scene)]
        for m in before { try writer.append(m, at: f.now) }
        before += try session(writer, f, from: 50, to: 3_000)
        try writer.flush()
        XCTAssertTrue(troubles.all.isEmpty, "\(troubles.all)")
        let goodBytes = f.bytes(writer).count
        XCTAssertNotEqual(goodBytes % 4096, 0, "the file's last page has room: the first write on the full disk lands in part")

        // The disk fills up; ten seconds of the session go on.
        try disk.fill()
        let during = try session(writer, f, from: 3_000, to: 13_000)
        let failed = try XCTUnwrap(troubles.wait { $0.isFlushFailed }, "a failed flush is reported, not swallowed")
        guard case let .flushFailed(id, reason, error, _) = failed else { return XCTFail() }
        XCTAssertEqual(id, writer.recordingId)
        XCTAssertEqual(reason, "disk full")
        XCTAssertTrue(error.contains("No space left on device"), error)
        XCTAssertNotNil(troubles.wait { $0.isDropped }, "going past the bound drops the oldest events, and says so")
        XCTAssertThrowsError(try writer.flush(), "an explicit flush on the full disk fails and says why") {
            XCTAssertTrue("\($0)".contains("No space left on device"), "\($0)")
        }
        // The short write was cut back: the file ends on a whole chunk.
        let onDisk = f.bytes(writer)
        XCTAssertEqual(try f.chunkRanges(onDisk).last?.upperBound, onDisk.count, "no partial chunk is left at the end")
        XCTAssertEqual(onDisk.count, goodBytes, "the part that landed was cut back off")
        XCTAssertEqual(troubles.all.filter(\.isFlushFailed).count, 1, "one report for one outage: \(troubles.all)")

        // Space comes back: the next flush resumes the same file.
        disk.free()
        try writer.flush()
        let gap = try XCTUnwrap(troubles.wait { $0.resumedGap != nil }?.resumedGap)
        XCTAssertEqual(gap.reason, "disk full")
        XCTAssertGreaterThan(gap.droppedEvents, 0)
        XCTAssertGreaterThan(gap.lostMs, 0)
        let after = try session(writer, f, from: 13_000, to: 16_000)
        try writer.finish(at: f.now.addingTimeInterval(16), reason: "session ended")

        // Read back with the real reader: everything before the failure and after
        // the resume is there; only the oldest events held in memory were dropped, and counted.
        let scan = try f.scan(writer)
        XCTAssertNil(scan.failure)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.gaps, [gap])
        let messages = scan.events.filter { $0.kind == .message }.map(\.message)
        XCTAssertEqual(messages, before + Array(during.dropFirst(gap.droppedEvents)) + after)
        XCTAssertEqual(gap.atMs, 3_000, "writes stopped at the first event after the last good flush")
        let firstKept = try XCTUnwrap(scan.events.first { $0.kind == .message && $0.offsetMs >= 3_000 })
        XCTAssertEqual(gap.lostMs, Int64(firstKept.offsetMs) - 3_000, "the loss is the stretch from the first dropped event to the first kept one")
        XCTAssertEqual(scan.ending(), "complete: session ended; disk full: \(gap.lostMs) ms lost (\(gap.droppedEvents) events)")
        XCTAssertEqual(scan.trailer?.ending, "session ended")
        // The scene still rebuilds to what the consoles had: a keyframe bridges the dropped deltas.
        var consoles = SceneTracker()
        for m in before + during + after { consoles.apply(m) }
        let timeline = ReplayTimeline(scan: scan)
        XCTAssertEqual(timeline.state(at: timeline.duration).scene, consoles.scene)
        // Playing the events in order (keyframes included, as a seek does) gives the same picture as seeking.
        var played = ReplayState()
        for e in scan.events where e.offsetMs <= 14_000 { played.apply(e) }
        XCTAssertEqual(timeline.state(at: 14).scene, played.scene)
        XCTAssertTrue(timeline.markers.contains { $0.kind == .session && $0.label.contains("disk full") }, "\(timeline.markers)")

        // The index says how it ended, and the library (what `recordings show` prints) reads it the same way.
        let row = try XCTUnwrap(f.store.recording(id: writer.recordingId))
        XCTAssertTrue(row.complete)
        XCTAssertEqual(row.ending, "session ended; disk full: \(gap.lostMs) ms lost (\(gap.droppedEvents) events)")
        let opened = try f.library().open(writer.recordingId, as: Agent(name: "Maria S.", uid: 1001, level: .l2), actor: "Maria S.", reason: "test")
        XCTAssertEqual(opened.recording.ending(), scan.ending())
        XCTAssertEqual(opened.recording.gaps, [gap])
    }

    func testTheBackgroundFlushReportsTheFullDiskAndResumesWithNothingLostWithinTheBound() throws {
        let (f, disk) = try fullDiskFixture(RecordingPolicy(flushInterval: 0.1, backgroundFlush: true))
        // Whole milliseconds, as the codec carries dates.
        func wallClock() -> Date { Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000) }
        let start = wallClock()
        f.now = start
        let writer = try f.service.startRecording(session: f.summary(), at: start) as! RecordingWriter
        let troubles = TroubleLog()
        writer.onTrouble(troubles.handler)
        var sent: [WireMessage] = [.summary(f.summary()), .scene(DemoSite.scene(.account, version: 1))]
        for m in sent { try writer.append(m, at: Date()) }
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(try f.scan(writer).events.count, 2, "the timer flushed")

        try disk.fill()
        for _ in 0 ..< 20 {
            let m = typing()
            try writer.append(m, at: Date())
            sent.append(m)
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertNotNil(troubles.wait(timeout: 5) { $0.isFlushFailed }, "the timer's failed flush is reported")
        disk.free()
        let gap = try XCTUnwrap(troubles.wait(timeout: 5) { $0.resumedGap != nil }?.resumedGap, "the timer resumes by itself")
        XCTAssertEqual(gap.droppedEvents, 0)
        XCTAssertEqual(gap.lostMs, 0)
        let last = WireMessage.note(NoteEntry(at: wallClock(), author: "Maria S.", text: "all back"))
        try writer.append(last, at: Date())
        sent.append(last)
        try writer.finish(at: Date(), reason: "session ended")

        let scan = try f.scan(writer)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.events.filter { $0.kind == .message }.map(\.message), sent, "nothing was lost")
        XCTAssertEqual(scan.ending(), "complete: session ended; disk full for \(gap.outageMs) ms, nothing lost")
    }

    func testFinishingOnAFullDiskIsRetriedUntilTheEndingIsWritten() throws {
        let (f, disk) = try fullDiskFixture(RecordingPolicy(backgroundFlush: false))
        let writer = try f.service.startRecording(session: f.summary(), at: f.now) as! RecordingWriter
        let troubles = TroubleLog()
        writer.onTrouble(troubles.handler)
        try writer.append(.summary(f.summary()), at: f.now)
        try writer.flush()
        try disk.fill()
        let during = try session(writer, f, from: 1_000, to: 2_000)
        XCTAssertThrowsError(try writer.finish(at: f.now.addingTimeInterval(2), reason: "session ended"))
        XCTAssertNotNil(troubles.wait { $0.isFlushFailed })
        XCTAssertThrowsError(try writer.append(typing(), at: f.now.addingTimeInterval(3)), "a finishing recording takes no more events")
        XCTAssertNil(try f.store.recording(id: writer.recordingId)?.endedAt)

        disk.free()
        try writer.flush()
        XCTAssertNotNil(troubles.wait { $0.resumedGap != nil })
        let scan = try f.scan(writer)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.events.filter { $0.kind == .message }.map(\.message), [.summary(f.summary())] + during)
        XCTAssertTrue(scan.ending().hasPrefix("complete: session ended; disk full for "), scan.ending())
        XCTAssertEqual(try f.store.recording(id: writer.recordingId)?.complete, true)
        XCTAssertNoThrow(try writer.flush(), "a finished recording has nothing left to do")
    }

    func testEngineStoppedIsTheEndingOfARecordingTheServiceFinishesAtShutdown() throws {
        let f = try RecordingFixture()
        let writer = try f.service.startRecording(session: f.summary(), at: f.now) as! RecordingWriter
        try writer.append(.summary(f.summary()), at: f.now)
        let errors = f.service.finishAll(at: f.now.addingTimeInterval(5), reason: "engine stopped")
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        let scan = try f.scan(writer)
        XCTAssertEqual(scan.ending(), "complete: engine stopped")
        XCTAssertEqual(try f.store.recording(id: writer.recordingId)?.ending, "engine stopped")
        XCTAssertThrowsError(try writer.append(.summary(f.summary()), at: f.now.addingTimeInterval(6)))
    }
}
