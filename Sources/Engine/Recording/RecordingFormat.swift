import Foundation

// The on-disk recording format (docs/recording-format.md), as pure functions
// over bytes: no files, no clocks. The writer and reader do the I/O.
//
//   file   = magic(8) version(u16) wrappedKey(60) headerLength(u32) headerJSON chunk*
//   chunk  = sealedLength(u32) index(u32) flags(u8) nonce(12) ciphertext tag(16)
//   AAD    = "cobrowse-chunk-v2" recordingId 0x00 index(u32) flags(u8)     ("-v1" in version 1 files)
//   plain  = encoding(u8: 0 stored, 1 zlib) eventsLength(u32) payload  (version 2; version 1: the events as is)
//
// All integers are big-endian. flags bit 0 marks the final chunk.

/// What a recording file says about itself, in clear (it names nothing personal).
public struct RecordingHeader: Codable, Equatable, Sendable {
    public var recordingId: String
    public var sessionId: String
    public var createdAtMs: Int64
    public var keyId: String
    public init(recordingId: String, sessionId: String, createdAtMs: Int64, keyId: String) {
        self.recordingId = recordingId; self.sessionId = sessionId; self.createdAtMs = createdAtMs; self.keyId = keyId
    }
    public var createdAt: Date { Date(timeIntervalSince1970: Double(createdAtMs) / 1000) }
}

/// One thing the agent's console received, at its offset from the start of the recording.
public struct RecordedEvent: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        /// A message as the consoles received it.
        case message = 0
        /// A synthetic full scene written by the recorder so seeking need not replay from the start.
        case keyframe = 1
        /// The final chunk's trailer: end time and the keyframe index.
        case trailer = 2
        /// On disk only (version 2): a full scene the consoles received that equals
        /// the scene already reconstructed from the last full scene and the deltas
        /// since, stored without its frame. The reader gives it back as the
        /// `.message` `.scene` it was, so nothing is lost.
        case sceneRepeat = 3
        /// On disk only: where the writer could not write for a while (a full
        /// disk), what it dropped and why — a `notice` frame whose text is a
        /// `RecordingGap` in JSON, first in the chunk that resumed. Readers list
        /// it in `gaps`, not among the events.
        case gap = 4
    }
    public var kind: Kind
    public var offsetMs: UInt32
    public var message: WireMessage
    public init(kind: Kind = .message, offsetMs: UInt32, message: WireMessage) { self.kind = kind; self.offsetMs = offsetMs; self.message = message }
    public var offset: TimeInterval { Double(offsetMs) / 1000 }
}

/// The final chunk's trailer: when the session ended, why, and where its keyframes are.
public struct RecordingTrailer: Codable, Equatable, Sendable {
    public var endedAtMs: Int64
    /// (offset in ms, chunk index) of every full scene, real or synthetic.
    public var keyframes: [[Int64]]
    /// Why the recording ended ("session ended", "engine stopped"); absent in files
    /// written before it was recorded (and then not written, so older readers see the same JSON).
    public var ending: String?
    public init(endedAtMs: Int64, keyframes: [[Int64]], ending: String? = nil) {
        self.endedAtMs = endedAtMs; self.keyframes = keyframes; self.ending = ending
    }
}

/// A stretch the writer could not write (a full disk, say): it kept the events
/// in memory up to its bound and dropped the oldest beyond it. Offsets are ms
/// from the recording's start.
public struct RecordingGap: Codable, Equatable, Sendable {
    /// The first event that could not be written when writes began to fail.
    public var atMs: Int64
    /// From `atMs` to the newest event when writing worked again.
    public var outageMs: Int64
    /// The stretch of session time whose events were dropped (from the first
    /// dropped event to the first one kept); 0 when the bound held.
    public var lostMs: Int64
    public var droppedEvents: Int
    /// "disk full", or what the write failed with.
    public var reason: String

    public init(atMs: Int64, outageMs: Int64, lostMs: Int64, droppedEvents: Int, reason: String) {
        self.atMs = atMs; self.outageMs = outageMs; self.lostMs = lostMs; self.droppedEvents = droppedEvents; self.reason = reason
    }

    /// "disk full: 1234 ms lost (56 events)", or "disk full for 3200 ms, nothing lost".
    public var summary: String {
        droppedEvents == 0 ? "\(reason) for \(outageMs) ms, nothing lost"
            : "\(reason): \(lostMs) ms lost (\(droppedEvents) event\(droppedEvents == 1 ? "" : "s"))"
    }

    /// The gaps of a recording in one phrase; nil when there were none.
    public static func summary(_ gaps: [RecordingGap]) -> String? {
        gaps.isEmpty ? nil : gaps.map(\.summary).joined(separator: "; ")
    }

    /// The gap event as stored: a notice frame whose text is this gap in JSON.
    func event() -> RecordedEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try! encoder.encode(self), as: UTF8.self) // a struct of numbers and a string always encodes
        return RecordedEvent(kind: .gap, offsetMs: UInt32(clamping: max(0, atMs)), message: .notice(Notice(text: json)))
    }

    /// The gap a stored gap event holds; nil when it does not decode.
    static func from(_ message: WireMessage?) -> RecordingGap? {
        guard case let .notice(n)? = message else { return nil }
        return try? JSONDecoder().decode(RecordingGap.self, from: Data(n.text.utf8))
    }
}

public enum RecordingFormat {
    public static let magic: [UInt8] = Array("CBREC\r\n".utf8) + [0x1a]
    /// What this build writes. Version 2 compresses chunks and stores repeated
    /// full scenes as markers; version 1 files are still read.
    public static let version: UInt16 = 2
    public static let readableVersions: ClosedRange<UInt16> = 1 ... 2
    /// Where the wrapped data key sits, so deletion can overwrite it in place.
    public static let wrappedKeyOffset = 10
    static let headerLengthOffset = wrappedKeyOffset + KeyRing.wrappedKeyBytes
    static let chunkPrefixBytes = 4 + 4 + 1 + AESGCM.nonceBytes
    /// No writer makes chunks this big; a larger length field is corruption.
    public static let maxSealedChunkBytes = 64 << 20
    static let maxHeaderBytes = 4_096
    static let finalFlag: UInt8 = 1
    /// A chunk's events never inflate to more than this; a larger length field is corruption.
    static let maxPlainChunkBytes = 256 << 20
    enum Encoding: UInt8 { case stored = 0, zlib = 1 }

    public static func encodeHeader(_ header: RecordingHeader, wrappedKey: [UInt8], version: UInt16 = version) -> [UInt8] {
        precondition(wrappedKey.count == KeyRing.wrappedKeyBytes)
        let json = headerJSON(header)
        var out = magic
        out.appendBE(version)
        out += wrappedKey
        out.appendBE(UInt32(json.count))
        out += json
        return out
    }

    /// The exact bytes the data key's wrapping is bound to.
    public static func headerJSON(_ header: RecordingHeader) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try! encoder.encode(header))
    }

    public struct ParsedHeader: Equatable, Sendable {
        public var header: RecordingHeader
        public var headerJSON: [UInt8]
        public var wrappedKey: [UInt8]
        public var version: UInt16
        /// Offset of the first chunk.
        public var chunksStart: Int
    }

    public static func parseHeader(_ bytes: [UInt8]) throws -> ParsedHeader {
        guard bytes.count >= headerLengthOffset + 4, Array(bytes[0 ..< magic.count]) == magic else {
            throw RecordingError.notARecording
        }
        let version = bytes.readBE16(magic.count)
        guard readableVersions.contains(version) else { throw RecordingError.unsupportedVersion(Int(version)) }
        let wrapped = Array(bytes[wrappedKeyOffset ..< wrappedKeyOffset + KeyRing.wrappedKeyBytes])
        let length = Int(bytes.readBE32(headerLengthOffset))
        let start = headerLengthOffset + 4
        guard length <= maxHeaderBytes, bytes.count >= start + length else { throw RecordingError.notARecording }
        let json = Array(bytes[start ..< start + length])
        guard let header = try? JSONDecoder().decode(RecordingHeader.self, from: Data(json)) else { throw RecordingError.notARecording }
        return ParsedHeader(header: header, headerJSON: json, wrappedKey: wrapped, version: version, chunksStart: start + length)
    }

    // MARK: Chunks

    public static func sealChunk(_ events: [RecordedEvent], index: UInt32, final: Bool, recordingId: String, key: [UInt8],
                                 nonce: [UInt8] = SecureRandom.bytes(AESGCM.nonceBytes), version: UInt16 = version,
                                 compress: Bool = true) -> [UInt8] {
        let flags: UInt8 = final ? finalFlag : 0
        let plain = version == 1 ? encodeEvents(events) : packPlaintext(encodeEvents(events), compress: compress)
        let sealed = AESGCM.seal(plain, key: key, nonce: nonce, aad: chunkAAD(recordingId: recordingId, index: index, flags: flags, version: version))
        var out = [UInt8]()
        out.reserveCapacity(chunkPrefixBytes + sealed.count)
        out.appendBE(UInt32(sealed.count))
        out.appendBE(index)
        out.append(flags)
        out += nonce
        out += sealed
        return out
    }

    /// A chunk as framed on disk, not yet opened.
    public struct ChunkFrame: Equatable, Sendable {
        public var index: UInt32
        public var final: Bool
        var flags: UInt8
        var nonce: [UInt8]
        var sealed: [UInt8]
        /// Offset just past this chunk.
        public var end: Int
    }

    public enum FrameResult: Equatable, Sendable {
        case frame(ChunkFrame)
        /// No bytes left: the file ends cleanly between chunks.
        case end
        /// The file ends inside a chunk (the writer was stopped mid-write).
        case cutShort
        /// The length field cannot be right.
        case implausibleLength(Int)
    }

    public static func frame(in bytes: [UInt8], at offset: Int) -> FrameResult {
        if offset >= bytes.count { return .end }
        guard bytes.count - offset >= chunkPrefixBytes else { return .cutShort }
        let length = Int(bytes.readBE32(offset))
        guard length >= AESGCM.tagBytes, length <= maxSealedChunkBytes else { return .implausibleLength(length) }
        let start = offset + chunkPrefixBytes
        guard bytes.count - start >= length else { return .cutShort }
        let flags = bytes[offset + 8]
        return .frame(ChunkFrame(index: bytes.readBE32(offset + 4), final: flags & finalFlag != 0, flags: flags,
                                 nonce: Array(bytes[offset + 9 ..< start]), sealed: Array(bytes[start ..< start + length]),
                                 end: start + length))
    }

    /// Authenticates, decrypts and decodes one chunk. The caller has already
    /// checked its index; `scene` carries the reconstructed scene from chunk to
    /// chunk so repeated scenes can be given back in full.
    public static func openChunk(_ frame: ChunkFrame, recordingId: String, key: [UInt8], version: UInt16 = version,
                                 scene: inout SceneTracker) throws -> [RecordedEvent] {
        let encoded = try openChunkBytes(frame, recordingId: recordingId, key: key, version: version)
        guard let events = decodeEvents(encoded, scene: &scene) else { throw RecordingError.undecodableChunk(chunk: Int(frame.index)) }
        return events
    }

    /// Authenticates, decrypts and decompresses one chunk: its event batch, not yet decoded.
    public static func openChunkBytes(_ frame: ChunkFrame, recordingId: String, key: [UInt8], version: UInt16 = version) throws -> [UInt8] {
        let plain: [UInt8]
        do {
            plain = try AESGCM.open(frame.sealed, key: key, nonce: frame.nonce,
                                    aad: chunkAAD(recordingId: recordingId, index: frame.index, flags: frame.flags, version: version))
        } catch {
            throw RecordingError.authenticationFailed(chunk: Int(frame.index))
        }
        let encoded: [UInt8]
        if version == 1 {
            encoded = plain
        } else {
            switch unpackPlaintext(plain) {
            case let .success(bytes): encoded = bytes
            case .failure(.malformed): throw RecordingError.undecodableChunk(chunk: Int(frame.index))
            }
        }
        return encoded
    }

    /// Convenience for a single chunk read on its own (no repeated scene can be resolved across chunks).
    public static func openChunk(_ frame: ChunkFrame, recordingId: String, key: [UInt8], version: UInt16 = version) throws -> [RecordedEvent] {
        var scene = SceneTracker()
        return try openChunk(frame, recordingId: recordingId, key: key, version: version, scene: &scene)
    }

    static func chunkAAD(recordingId: String, index: UInt32, flags: UInt8, version: UInt16 = version) -> [UInt8] {
        // The version is bound in too: a version 2 chunk never opens as version 1 or back.
        var aad = Array((version == 1 ? "cobrowse-chunk-v1" : "cobrowse-chunk-v2").utf8) + Array(recordingId.utf8) + [0]
        aad.appendBE(index)
        aad.append(flags)
        return aad
    }

    // MARK: Version 2 plaintext: encoding(u8) eventsLength(u32) payload

    /// Compresses the events with zlib when it helps; stores them otherwise.
    static func packPlaintext(_ events: [UInt8], compress: Bool) -> [UInt8] {
        var out = [UInt8]()
        if compress, let z = SystemZlib.compress(events), z.count < events.count {
            out.reserveCapacity(5 + z.count)
            out.append(Encoding.zlib.rawValue)
            out.appendBE(UInt32(events.count))
            out += z
        } else {
            out.reserveCapacity(5 + events.count)
            out.append(Encoding.stored.rawValue)
            out.appendBE(UInt32(events.count))
            out += events
        }
        return out
    }

    enum UnpackFailure: Error { case malformed }

    static func unpackPlaintext(_ plain: [UInt8]) -> Result<[UInt8], UnpackFailure> {
        guard plain.count >= 5, let encoding = Encoding(rawValue: plain[0]) else { return .failure(.malformed) }
        let length = Int(plain.readBE32(1))
        guard length <= maxPlainChunkBytes else { return .failure(.malformed) }
        let payload = Array(plain[5...])
        switch encoding {
        case .stored:
            return payload.count == length ? .success(payload) : .failure(.malformed)
        case .zlib:
            guard let out = SystemZlib.decompress(payload, length: length) else { return .failure(.malformed) }
            return .success(out)
        }
    }

    // MARK: Event batches: kind(u8) offsetMs(u32) length(u32) codec-JSON (empty for sceneRepeat)

    public static func encodeEvents(_ events: [RecordedEvent]) -> [UInt8] {
        var out = [UInt8]()
        for e in events {
            if e.kind == .sceneRepeat {
                out.append(e.kind.rawValue)
                out.appendBE(e.offsetMs)
                out.appendBE(UInt32(0))
                continue
            }
            let body = WireCodec.encode(e.message)
            out.append(e.kind.rawValue)
            out.appendBE(e.offsetMs)
            out.appendBE(UInt32(body.count))
            out += body
        }
        return out
    }

    /// Every event in a chunk starts with kind (1 byte), offset in ms and body length (4 bytes each, big-endian).
    static let eventHeaderBytes = 9

    /// The header of the event at `i`; nil when it is cut short or of no known kind.
    static func eventHeader(_ bytes: [UInt8], at i: Int) -> (kind: RecordedEvent.Kind, offsetMs: UInt32, length: Int)? {
        guard bytes.count - i >= eventHeaderBytes, let kind = RecordedEvent.Kind(rawValue: bytes[i]) else { return nil }
        return (kind, bytes.readBE32(i + 1), Int(bytes.readBE32(i + 5)))
    }

    /// nil when the batch is malformed; only ever called on authenticated bytes.
    /// Repeated scenes come back as the `.scene` messages they were.
    public static func decodeEvents(_ bytes: [UInt8], scene: inout SceneTracker) -> [RecordedEvent]? {
        var events = [RecordedEvent]()
        var i = 0
        while i < bytes.count {
            guard let (kind, offset, length) = eventHeader(bytes, at: i) else { return nil }
            i += eventHeaderBytes
            if kind == .sceneRepeat {
                guard length == 0, let current = scene.scene else { return nil }
                events.append(RecordedEvent(kind: .message, offsetMs: offset, message: .scene(current)))
                continue
            }
            guard bytes.count - i >= length, let frame = try? WireCodec.decode(bytes[i ..< i + length]) else { return nil }
            scene.apply(frame.message)
            events.append(RecordedEvent(kind: kind, offsetMs: offset, message: frame.message))
            i += length
        }
        return events
    }

    public static func decodeEvents(_ bytes: [UInt8]) -> [RecordedEvent]? {
        var scene = SceneTracker()
        return decodeEvents(bytes, scene: &scene)
    }
}

/// The scene as the consoles have it after every full scene and delta so far —
/// the writer and the reader keep the same one, so a repeated full scene can
/// be stored as a marker. A delta that does not apply leaves the last good
/// scene, as in a console.
public struct SceneTracker: Equatable, Sendable {
    public private(set) var scene: Scene?
    public init(scene: Scene? = nil) { self.scene = scene }

    public mutating func apply(_ message: WireMessage) {
        switch message {
        case let .scene(s): scene = s
        case let .sceneDelta(d): if let s = scene, let next = try? s.applying(d) { scene = next }
        default: break
        }
    }
}

/// Why a recording cannot be read (further). Each names the chunk it concerns.
public enum RecordingError: Error, Equatable, CustomStringConvertible {
    case notARecording
    case unsupportedVersion(Int)
    case keyDestroyed
    case authenticationFailed(chunk: Int)
    case outOfOrder(chunk: Int, expected: Int)
    case undecodableChunk(chunk: Int)
    case implausibleLength(chunk: Int)
    case dataAfterFinalChunk(chunk: Int)

    public var description: String {
        switch self {
        case .notARecording: "not a cobrowse recording (bad magic or header)"
        case let .unsupportedVersion(v):
            "recording format version \(v) is not supported (this build reads \(RecordingFormat.readableVersions.lowerBound)-\(RecordingFormat.readableVersions.upperBound))"
        case .keyDestroyed: "the recording's key has been destroyed: it was deleted and cannot be decrypted"
        case let .authenticationFailed(c): "chunk \(c): authentication failed (tampered or corrupted)"
        case let .outOfOrder(c, e): "chunk \(c) is out of order (expected chunk \(e) here)"
        case let .undecodableChunk(c): "chunk \(c): authenticated but its events do not decode (written by a broken recorder)"
        case let .implausibleLength(c): "chunk \(c): its length field is corrupted"
        case let .dataAfterFinalChunk(c): "chunk \(c): data after the final chunk"
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendBE(_ v: UInt16) { append(UInt8(v >> 8)); append(UInt8(v & 0xff)) }
    mutating func appendBE(_ v: UInt32) {
        append(UInt8(v >> 24)); append(UInt8((v >> 16) & 0xff)); append(UInt8((v >> 8) & 0xff)); append(UInt8(v & 0xff))
    }
    func readBE16(_ i: Int) -> UInt16 { UInt16(self[i]) << 8 | UInt16(self[i + 1]) }
    func readBE32(_ i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
}
