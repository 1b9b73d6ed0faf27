import Foundation
import XCTest
@testable import Engine

/// The recording file format end to end: real files, real OpenSSL.
final class RecordingFormatTests: XCTestCase {
    func testRoundTripGivesBackEveryMessageInOrderAndIsComplete() throws {
        let f = try RecordingFixture()
        let (writer, sent) = try f.record(seconds: 30)
        let scan = try f.scan(writer)
        XCTAssertNil(scan.failure)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.events.filter { $0.kind == .message }.map(\.message), sent)
        XCTAssertGreaterThanOrEqual(scan.chunks, 29, "a chunk at least every second of recorded time")
        XCTAssertEqual(scan.trailer?.endedAtMs, f.summary().createdAt.timeIntervalSince1970.millis + 30_000)
        XCTAssertEqual(try f.mode(f.path(writer)), 0o600)
        XCTAssertEqual(try f.mode(f.keys.path), 0o600)
        let row = try XCTUnwrap(f.store.recording(id: writer.recordingId))
        XCTAssertTrue(row.complete)
        XCTAssertEqual(row.wrappedKey, try RecordingFormat.parseHeader(f.bytes(writer)).wrappedKey)
        XCTAssertEqual(row.retainUntil, f.now.addingTimeInterval(90 * 86_400))
    }

    func testNothingOfThePageIsInTheFileInClear() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 5)
        let text = String(decoding: f.bytes(writer), as: UTF8.self)
        XCTAssertFalse(text.contains("Northwind"))
        XCTAssertFalse(text.contains("Account settings"))
    }

    func testWriterStoppedWithoutFinishReplaysUpToTheLastChunkAndIsIncomplete() throws {
        let f = try RecordingFixture()
        let (writer, sent) = try f.record(seconds: 12, finish: false)
        let scan = try f.scan(writer)
        XCTAssertNil(scan.failure)
        XCTAssertFalse(scan.complete)
        XCTAssertNil(try f.store.recording(id: writer.recordingId)?.endedAt)
        // Only the unflushed tail (under one second of recorded time) is lost.
        let got = scan.events.filter { $0.kind == .message }
        XCTAssertEqual(got.map(\.message), Array(sent.prefix(got.count)))
        // The last event appended was at 11.5 s; less than a second of events is pending.
        XCTAssertLessThan(11.5 - scan.events.last!.offset, 1.0 + 0.001)
        XCTAssertLessThan(got.count, sent.count)
        XCTAssertTrue(scan.ending(clock: { _ in "12:03:04" }).hasPrefix("recording ends without its final chunk (incomplete: engine stopped at 12:03:04)"))
    }

    func testBackgroundFlushWritesWithinASecondWithoutFurtherEvents() throws {
        let f = try RecordingFixture(policy: RecordingPolicy(flushInterval: 0.2, backgroundFlush: true))
        let writer = try f.service.startRecording(session: f.summary(), at: f.now) as! RecordingWriter
        try writer.append(.summary(f.summary()), at: f.now)
        Thread.sleep(forTimeInterval: 0.7)
        let scan = try f.scan(writer)
        XCTAssertEqual(scan.events.map(\.message), [.summary(f.summary())])
        XCTAssertFalse(scan.complete)
    }

    func testFileCutInsideTheFinalChunkIsIncompleteNotAnError() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 10)
        let full = f.bytes(writer)
        let ranges = try f.chunkRanges(full)
        try Data(full.dropLast(7)).write(to: URL(fileURLWithPath: f.path(writer)))
        let scan = try f.scan(writer)
        XCTAssertNil(scan.failure)
        XCTAssertFalse(scan.complete)
        XCTAssertEqual(scan.chunks, ranges.count - 1)
        XCTAssertTrue(scan.ending().contains("recording ends without its final chunk"))
    }

    func testFileCutAtAChunkBoundaryIsIncomplete() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 10)
        let full = f.bytes(writer)
        let ranges = try f.chunkRanges(full)
        try Data(full[..<ranges[4].upperBound]).write(to: URL(fileURLWithPath: f.path(writer)))
        let scan = try f.scan(writer)
        XCTAssertEqual(scan.chunks, 5)
        XCTAssertFalse(scan.complete)
        XCTAssertNil(scan.failure)
    }

    func testOneFlippedByteStopsAtThatChunkAndNamesIt() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 10)
        var bytes = f.bytes(writer)
        let ranges = try f.chunkRanges(bytes)
        var intact = try RecordingReader(bytes: bytes, keyRing: f.keyRing)
        let before = try intact.nextChunk()!.events.count + intact.nextChunk()!.events.count
        bytes[ranges[2].lowerBound + 40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: f.path(writer)))
        let scan = try f.scan(writer)
        XCTAssertEqual(scan.failure, .authenticationFailed(chunk: 2))
        XCTAssertEqual(scan.failure?.description, "chunk 2: authentication failed (tampered or corrupted)")
        XCTAssertFalse(scan.complete)
        XCTAssertEqual(scan.chunks, 2)
        XCTAssertEqual(scan.events.count, before, "nothing from the damaged chunk or after it")
    }

    func testAFlippedFlagOrIndexByteIsCaughtToo() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 5)
        var bytes = f.bytes(writer)
        let ranges = try f.chunkRanges(bytes)
        bytes[ranges[1].lowerBound + 8] ^= 0x01 // claim chunk 1 is final
        try Data(bytes).write(to: URL(fileURLWithPath: f.path(writer)))
        XCTAssertEqual(try f.scan(writer).failure, .authenticationFailed(chunk: 1))
    }

    func testTwoSwappedChunksAreReportedOutOfOrder() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 10)
        let bytes = f.bytes(writer)
        let r = try f.chunkRanges(bytes)
        let swapped = Array(bytes[..<r[3].lowerBound]) + Array(bytes[r[4]]) + Array(bytes[r[3]]) + Array(bytes[r[4].upperBound...])
        XCTAssertEqual(swapped.count, bytes.count)
        try Data(swapped).write(to: URL(fileURLWithPath: f.path(writer)))
        let scan = try f.scan(writer)
        XCTAssertEqual(scan.failure, .outOfOrder(chunk: 4, expected: 3))
        XCTAssertEqual(scan.failure?.description, "chunk 4 is out of order (expected chunk 3 here)")
        XCTAssertEqual(scan.chunks, 3)
    }

    func testAChunkFromAnotherRecordingDoesNotAuthenticate() throws {
        let f = try RecordingFixture()
        let (a, _) = try f.record(seconds: 4)
        let (b, _) = try f.record(seconds: 4)
        var bytesA = f.bytes(a)
        let bytesB = f.bytes(b)
        let ra = try f.chunkRanges(bytesA), rb = try f.chunkRanges(bytesB)
        bytesA = Array(bytesA[..<ra[1].lowerBound]) + Array(bytesB[rb[1]]) + Array(bytesA[ra[1].upperBound...])
        try Data(bytesA).write(to: URL(fileURLWithPath: f.path(a)))
        XCTAssertEqual(try f.scan(a).failure, .authenticationFailed(chunk: 1))
    }

    func testGarbageAndAWrongMasterKeyAreRefusedCleanly() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 2)
        XCTAssertThrowsError(try RecordingReader(bytes: Array("hello".utf8), keyRing: f.keyRing)) {
            XCTAssertEqual($0 as? RecordingError, .notARecording)
        }
        let other = try RecordingFixture()
        _ = try other.keys.masterKey()
        XCTAssertThrowsError(try RecordingReader(path: f.path(writer), keyRing: other.keyRing)) {
            XCTAssertTrue("\($0)".contains("does not open with this master key"), "\($0)")
        }
        // A random length field must not make the reader allocate or crash.
        var bytes = f.bytes(writer)
        let r = try f.chunkRanges(bytes)
        bytes[r[0].lowerBound] = 0xff
        var reader = try RecordingReader(bytes: bytes, keyRing: f.keyRing)
        XCTAssertEqual(reader.scan().failure, .implausibleLength(chunk: 0))
    }

    func testSeekLandsOnTheSameFrameAsPlayingFromTheStart() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 90)
        let scan = try f.scan(writer)
        XCTAssertTrue(scan.events.contains { $0.kind == .keyframe }, "synthetic keyframes written for seeking")
        let timeline = ReplayTimeline(scan: scan)
        XCTAssertEqual(timeline.duration, 90)
        for t in [0, 0.25, 3.7, 19.99, 20, 20.5, 44.2, 61, 89.5, 90] {
            let seeked = timeline.state(at: t)
            XCTAssertEqual(seeked, timeline.stateByPlaying(to: t), "at \(t) s")
            XCTAssertNotNil(seeked.scene)
        }
        XCTAssertEqual(timeline.state(at: 44.2).scene?.pointer, Point(x: Double(88 % 50) * 10, y: 300))
        XCTAssertEqual(timeline.markers.map(\.kind), [.note, .mode])
    }

    func testTrailerKeyframeIndexPointsAtChunksHoldingFullScenes() throws {
        let f = try RecordingFixture()
        let (writer, _) = try f.record(seconds: 40)
        var reader = try RecordingReader(path: f.path(writer), keyRing: f.keyRing)
        var chunks = [Int: [RecordedEvent]]()
        var trailer: RecordingTrailer?
        while let c = try reader.nextChunk() {
            chunks[c.index] = c.events
            if c.final, case let .notice(n)? = c.events.last?.message {
                trailer = try JSONDecoder().decode(RecordingTrailer.self, from: Data(n.text.utf8))
            }
        }
        let keyframes = try XCTUnwrap(trailer?.keyframes)
        XCTAssertGreaterThan(keyframes.count, 3)
        for k in keyframes {
            let events = try XCTUnwrap(chunks[Int(k[1])])
            XCTAssertTrue(events.contains { e in
                if case .scene = e.message, Int64(e.offsetMs) == k[0] { return true } else { return false }
            }, "keyframe \(k)")
        }
    }
}

extension TimeInterval {
    var millis: Int64 { Int64((self * 1000).rounded()) }
}
