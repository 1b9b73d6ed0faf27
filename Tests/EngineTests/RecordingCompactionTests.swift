import Foundation
import XCTest
@testable import Engine

/// Format version 2: repeated full scenes stored as markers, chunks
/// compressed before encryption, version 1 files still read.
final class RecordingCompactionTests: XCTestCase {
    /// A session like the SDK's: a pointer delta every 0.4 s and the same
    /// scene re-sent in full every 5 s (equal to what the deltas built).
    static func recordWithResentScenes(_ f: RecordingFixture, seconds: Double, policy: RecordingPolicy? = nil) throws -> (RecordingWriter, [WireMessage]) {
        let start = f.now
        let writer = try f.service.startRecording(session: f.summary(), at: start) as! RecordingWriter
        var sent = [WireMessage]()
        func add(_ m: WireMessage, _ t: Double) throws { try writer.append(m, at: start.addingTimeInterval(t)); sent.append(m) }
        var scene = DemoSite.scene(.account, version: 1, pointer: Point(x: 640, y: 400))
        try add(.summary(f.summary()), 0)
        try add(.scene(scene), 0)
        var t = 0.4, lastFull = 0.0
        while t < seconds {
            let p = Point(x: scene.pointer!.x + (420 - scene.pointer!.x) * 0.35 + 0.123, y: scene.pointer!.y * 0.97 + 1.0 / 3)
            let d = SceneDelta(baseVersion: scene.version, version: scene.version + 1, pointer: p)
            scene = try scene.applying(d)
            try add(.sceneDelta(d), t)
            if t - lastFull >= 5 { try add(.scene(scene), t); lastFull = t }
            t += 0.4
        }
        try writer.finish(at: start.addingTimeInterval(seconds))
        return (writer, sent)
    }

    /// Opens every chunk's plaintext with the data key (what the reader does before decoding).
    func plaintexts(_ f: RecordingFixture, _ writer: RecordingWriter) throws -> [[UInt8]] {
        let bytes = f.bytes(writer)
        let parsed = try RecordingFormat.parseHeader(bytes)
        let key = try f.keyRing.unwrap(parsed.wrappedKey, boundTo: parsed.headerJSON)
        var out = [[UInt8]]()
        var offset = parsed.chunksStart
        while case let .frame(fr) = RecordingFormat.frame(in: bytes, at: offset) {
            out.append(try AESGCM.open(fr.sealed, key: key, nonce: fr.nonce,
                                       aad: RecordingFormat.chunkAAD(recordingId: writer.recordingId, index: fr.index, flags: fr.flags)))
            offset = fr.end
        }
        return out
    }

    func testRepeatedScenesAreStoredAsMarkersAndComeBackInFull() throws {
        let f = try RecordingFixture()
        let (writer, sent) = try Self.recordWithResentScenes(f, seconds: 60)
        let scan = try f.scan(writer)
        XCTAssertNil(scan.failure)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.events.filter { $0.kind == .message }.map(\.message), sent, "every message, repeated scenes included, in order")
        XCTAssertFalse(scan.events.contains { $0.kind == .sceneRepeat }, "markers never reach the caller")
        // On disk: the scenes re-sent within the keyframe interval are markers.
        var repeats = 0, fullScenes = 0, synthetic = 0
        for plain in try plaintexts(f, writer) {
            guard case let .success(events) = RecordingFormat.unpackPlaintext(plain) else { return XCTFail("chunk does not unpack") }
            var i = 0
            while i < events.count {
                let kind = events[i], length = Int(events.readBE32(i + 5))
                if kind == RecordedEvent.Kind.sceneRepeat.rawValue { repeats += 1; XCTAssertEqual(length, 0) }
                if kind != RecordedEvent.Kind.sceneRepeat.rawValue,
                   case .scene? = try? WireCodec.decode(events[(i + 9) ..< (i + 9 + length)]).message {
                    if kind == RecordedEvent.Kind.keyframe.rawValue { synthetic += 1 } else { fullScenes += 1 }
                }
                i += 9 + length
            }
        }
        let resent = sent.filter { if case .scene = $0 { return true } else { return false } }.count
        XCTAssertGreaterThanOrEqual(repeats, 5)
        XCTAssertEqual(repeats + fullScenes, resent, "each scene received is stored in full or as a marker")
        XCTAssertLessThanOrEqual(fullScenes + synthetic, 8, "a full scene about every 10 s (the keyframe interval), not every 5 s")
        // Seeking still lands where playing does.
        let timeline = ReplayTimeline(scan: scan)
        for t in [0, 4.9, 5.2, 17, 33.3, 59.9] { XCTAssertEqual(timeline.state(at: t), timeline.stateByPlaying(to: t), "at \(t)") }
    }

    func testChunksAreCompressedBeforeEncryptionAndMuchSmaller() throws {
        let f = try RecordingFixture()
        let (writer, _) = try Self.recordWithResentScenes(f, seconds: 60)
        let chunks = try plaintexts(f, writer)
        XCTAssertTrue(chunks.contains { $0.first == RecordingFormat.Encoding.zlib.rawValue })
        var stored = 0, raw = 0
        for plain in chunks {
            guard case let .success(events) = RecordingFormat.unpackPlaintext(plain) else { return XCTFail("chunk does not unpack") }
            stored += plain.count; raw += events.count
        }
        XCTAssertLessThan(Double(stored), Double(raw) * 0.6, "compression pays: \(stored) of \(raw) bytes")
        XCTAssertLessThan(f.bytes(writer).count, 100_000, "one minute of demo-like session under 100 KB")
    }

    func testZlibRoundTripAndRefusesAWrongLengthOrGarbage() throws {
        let input = Array(String(repeating: "{\"type\":\"scene-delta\",\"pointer\":{\"x\":1.5}}", count: 40).utf8)
        let z = try XCTUnwrap(SystemZlib.compress(input))
        XCTAssertLessThan(z.count, input.count / 4)
        XCTAssertEqual(SystemZlib.decompress(z, length: input.count), input)
        XCTAssertNil(SystemZlib.decompress(z, length: input.count - 1))
        XCTAssertNil(SystemZlib.decompress(z, length: input.count + 1))
        XCTAssertNil(SystemZlib.decompress([0x78, 0x9c, 1, 2, 3, 4], length: 10))
    }

    func testAnAuthenticatedButBrokenCompressedChunkNamesTheChunk() throws {
        let f = try RecordingFixture()
        let (writer, _) = try Self.recordWithResentScenes(f, seconds: 3)
        var bytes = f.bytes(writer)
        let parsed = try RecordingFormat.parseHeader(bytes)
        let key = try f.keyRing.unwrap(parsed.wrappedKey, boundTo: parsed.headerJSON)
        // Replace chunk 0 with a properly sealed chunk whose zlib stream is garbage.
        guard case let .frame(first) = RecordingFormat.frame(in: bytes, at: parsed.chunksStart) else { return XCTFail("no chunk") }
        var plain: [UInt8] = [RecordingFormat.Encoding.zlib.rawValue]
        plain.appendBE(UInt32(500))
        plain += [0x78, 0x9c, 0xde, 0xad, 0xbe, 0xef]
        let nonce = SecureRandom.bytes(AESGCM.nonceBytes)
        let sealed = AESGCM.seal(plain, key: key, nonce: nonce, aad: RecordingFormat.chunkAAD(recordingId: writer.recordingId, index: 0, flags: 0))
        var chunk = [UInt8]()
        chunk.appendBE(UInt32(sealed.count)); chunk.appendBE(UInt32(0)); chunk.append(0); chunk += nonce; chunk += sealed
        bytes.replaceSubrange(parsed.chunksStart ..< first.end, with: chunk)
        var reader = try RecordingReader(bytes: bytes, keyRing: f.keyRing)
        let scan = reader.scan()
        XCTAssertEqual(scan.failure, .undecodableChunk(chunk: 0))
        XCTAssertTrue(scan.events.isEmpty)
    }

    func testVersionOneFilesAreStillReadAndAVersionChangeIsCaught() throws {
        let f = try RecordingFixture()
        let header = RecordingHeader(recordingId: "R-old", sessionId: "S-1", createdAtMs: 1_800_000_000_000, keyId: f.keys.keyID)
        let ring = f.keyRing
        let dataKey = ring.newDataKey()
        let wrapped = try ring.wrap(dataKey, boundTo: RecordingFormat.headerJSON(header))
        let scene = DemoSite.scene(.billing, version: 1)
        let events0 = [RecordedEvent(offsetMs: 0, message: .summary(f.summary())), RecordedEvent(offsetMs: 0, message: .scene(scene))]
        let trailer = String(decoding: try JSONEncoder().encode(RecordingTrailer(endedAtMs: 1_800_000_002_000, keyframes: [[0, 0]])), as: UTF8.self)
        let events1 = [RecordedEvent(offsetMs: 1000, message: .sceneDelta(SceneDelta(baseVersion: 1, version: 2, pointer: Point(x: 3, y: 4)))),
                       RecordedEvent(kind: .trailer, offsetMs: 2000, message: .notice(Notice(text: trailer)))]
        var v1 = RecordingFormat.encodeHeader(header, wrappedKey: wrapped, version: 1)
        v1 += RecordingFormat.sealChunk(events0, index: 0, final: false, recordingId: "R-old", key: dataKey, version: 1)
        v1 += RecordingFormat.sealChunk(events1, index: 1, final: true, recordingId: "R-old", key: dataKey, version: 1)
        XCTAssertEqual(v1.readBE16(8), 1)

        var reader = try RecordingReader(bytes: v1, keyRing: ring)
        XCTAssertEqual(reader.version, 1)
        let scan = reader.scan()
        XCTAssertNil(scan.failure)
        XCTAssertTrue(scan.complete)
        XCTAssertEqual(scan.events.map(\.message), events0.map(\.message) + [events1[0].message])

        // The version is bound into every chunk's AAD: relabelling a file fails authentication.
        var relabelled = v1
        relabelled[9] = 2
        var r2 = try RecordingReader(bytes: relabelled, keyRing: ring)
        XCTAssertEqual(r2.scan().failure, .authenticationFailed(chunk: 0))
        var future = v1
        future[9] = 9
        XCTAssertThrowsError(try RecordingReader(bytes: future, keyRing: ring)) { XCTAssertEqual($0 as? RecordingError, .unsupportedVersion(9)) }
    }

    func testAMarkerWithNoSceneBeforeItIsRefused() {
        var bytes = [RecordedEvent.Kind.sceneRepeat.rawValue]
        bytes.appendBE(UInt32(10)); bytes.appendBE(UInt32(0))
        XCTAssertNil(RecordingFormat.decodeEvents(bytes))
        var tracker = SceneTracker(scene: DemoSite.scene(.sso, version: 4))
        XCTAssertEqual(RecordingFormat.decodeEvents(bytes, scene: &tracker)?.map(\.message), [.scene(DemoSite.scene(.sso, version: 4))])
    }
}
