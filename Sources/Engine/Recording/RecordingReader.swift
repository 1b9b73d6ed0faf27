import Foundation

/// What reading a recording found: every event of every chunk that
/// authenticated, in order, and how the reading ended.
public struct RecordingScan: Sendable {
    public var header: RecordingHeader
    public var events: [RecordedEvent]
    public var trailer: RecordingTrailer?
    /// Chunks that opened.
    public var chunks: Int
    /// The final chunk was found: the session ended normally.
    public var complete: Bool { trailer != nil && failure == nil }
    /// Reading stopped at a damaged chunk; `events` holds what came before it.
    public var failure: RecordingError?
    /// Where the writer could not write for a while, and what that cost.
    public var gaps: [RecordingGap] = []

    /// When the last thing recorded happened (for an incomplete recording: when the engine stopped).
    public var lastEventAt: Date {
        header.createdAt.addingTimeInterval(events.last?.offset ?? 0)
    }

    /// One line for the user about how the recording ends: why, and what any gap cost.
    /// `stillRecording`: the engine is writing it now (its session is live), so no final chunk is news, not a loss.
    public func ending(stillRecording: Bool = false, clock: (Date) -> String = RecordingScan.clockTime) -> String {
        RecordingScan.ending(failure: failure, trailer: complete ? trailer : nil, gaps: gaps, lastEventAt: lastEventAt,
                             stillRecording: stillRecording, clock: clock)
    }

    static func ending(failure: RecordingError?, trailer: RecordingTrailer?, gaps: [RecordingGap], lastEventAt: Date,
                       stillRecording: Bool = false, clock: (Date) -> String) -> String {
        let losses = RecordingGap.summary(gaps)
        if let failure { return ["\(failure)", losses].compactMap { $0 }.joined(separator: "; ") }
        if let trailer {
            let why = [trailer.ending, losses].compactMap { $0 }.joined(separator: "; ")
            return why.isEmpty ? "complete" : "complete: \(why)"
        }
        if stillRecording {
            return ["still recording: the session is live (recorded up to \(clock(lastEventAt)) so far)", losses]
                .compactMap { $0 }.joined(separator: "; ")
        }
        return ["recording ends without its final chunk (incomplete: engine stopped at \(clock(lastEventAt)))", losses]
            .compactMap { $0 }.joined(separator: "; ")
    }

    public static func clockTime(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "HH:mm:ss"
        return f.string(from: d)
    }
}

/// Opens a recording's bytes chunk by chunk. Pure over the bytes it is given:
/// no partial or unauthenticated chunk ever reaches the caller, and nothing in
/// the file can make it crash.
public struct RecordingReader {
    public let header: RecordingHeader
    /// The file's format version (1 or 2).
    public let version: UInt16
    private let bytes: [UInt8]
    private var scene = SceneTracker()
    private let key: [UInt8]
    private var offset: Int
    private var expected: UInt32 = 0
    private var finished = false
    public private(set) var sawFinal = false

    /// `wrappedKey` is the index's copy; when nil the header's copy is used.
    public init(bytes: [UInt8], keyRing: KeyRing, wrappedKey: [UInt8]? = nil) throws {
        let parsed = try RecordingFormat.parseHeader(bytes)
        let wrapped = wrappedKey ?? parsed.wrappedKey
        guard wrapped.contains(where: { $0 != 0 }) else { throw RecordingError.keyDestroyed }
        key = try keyRing.unwrap(wrapped, boundTo: parsed.headerJSON)
        header = parsed.header
        version = parsed.version
        self.bytes = bytes
        offset = parsed.chunksStart
    }

    public init(path: String, keyRing: KeyRing, wrappedKey: [UInt8]? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyError("cannot read recording file \(path)")
        }
        try self.init(bytes: Array(data), keyRing: keyRing, wrappedKey: wrappedKey)
    }

    /// The next chunk's events; nil when the file ends (check `sawFinal`).
    /// The framing checks are `nextPlaintext`'s; this only decodes the batch.
    public mutating func nextChunk() throws -> (index: Int, final: Bool, events: [RecordedEvent])? {
        guard let chunk = try nextPlaintext() else { return nil }
        guard let events = RecordingFormat.decodeEvents(chunk.events, scene: &scene) else {
            finished = true
            throw RecordingError.undecodableChunk(chunk: chunk.index)
        }
        return (chunk.index, chunk.final, events)
    }

    /// Reads to the end or to the first damaged chunk.
    public mutating func scan() -> RecordingScan {
        var result = RecordingScan(header: header, events: [], trailer: nil, chunks: 0, failure: nil)
        do {
            while let chunk = try nextChunk() {
                result.chunks += 1
                for e in chunk.events {
                    if e.kind == .trailer {
                        if chunk.final, case let .notice(n) = e.message {
                            result.trailer = try? JSONDecoder().decode(RecordingTrailer.self, from: Data(n.text.utf8))
                        }
                    } else if e.kind == .gap {
                        if let gap = RecordingGap.from(e.message) { result.gaps.append(gap) }
                    } else {
                        result.events.append(e)
                    }
                }
            }
        } catch let e as RecordingError {
            result.failure = e
        } catch {
            result.failure = .notARecording
        }
        return result
    }
}

extension RecordingReader {
    /// Reads every chunk's framing and authenticates it (AES-GCM tag, index,
    /// final flag, order) exactly as `scan()` does, but decodes only the small
    /// messages (summaries, activity, notes, the trailer). Full scenes and
    /// deltas — nearly all the bytes — stay as authenticated plaintext and are
    /// decoded when a seek needs them.
    public mutating func openLazily() -> LazyRecording {
        var plaintexts = [[UInt8]](), entries = [LazyRecording.Entry](), trailer: RecordingTrailer?, failure: RecordingError?
        var gaps = [RecordingGap]()
        var chunks = 0, sawFullScene = false
        do {
            while let chunk = try nextPlaintext() {
                let index = plaintexts.count
                guard let parsed = LazyRecording.frame(chunk.events, chunk: index, sawFullScene: &sawFullScene) else {
                    throw RecordingError.undecodableChunk(chunk: chunk.index)
                }
                chunks += 1
                plaintexts.append(chunk.events)
                for e in parsed {
                    if e.kind == .trailer {
                        if chunk.final, case let .notice(n)? = e.message {
                            trailer = try? JSONDecoder().decode(RecordingTrailer.self, from: Data(n.text.utf8))
                        }
                    } else if e.kind == .gap {
                        if let gap = RecordingGap.from(e.message) { gaps.append(gap) }
                    } else {
                        entries.append(e)
                    }
                }
            }
        } catch let e as RecordingError {
            failure = e
        } catch {
            failure = .notARecording
        }
        return LazyRecording(header: header, version: version, plaintexts: plaintexts, entries: entries,
                             trailer: trailer, failure: failure, chunks: chunks, gaps: gaps)
    }

    /// The next chunk's authenticated, decompressed event bytes (not decoded); nil when the file ends.
    mutating func nextPlaintext() throws -> (index: Int, final: Bool, events: [UInt8])? {
        guard !finished else { return nil }
        switch RecordingFormat.frame(in: bytes, at: offset) {
        case .end, .cutShort:
            // A chunk cut short is the writer killed mid-write: everything before it stands.
            finished = true
            return nil
        case .implausibleLength:
            finished = true
            throw RecordingError.implausibleLength(chunk: Int(expected))
        case let .frame(frame):
            if sawFinal { finished = true; throw RecordingError.dataAfterFinalChunk(chunk: Int(frame.index)) }
            guard frame.index == expected else {
                finished = true
                throw RecordingError.outOfOrder(chunk: Int(frame.index), expected: Int(expected))
            }
            let events: [UInt8]
            do { events = try RecordingFormat.openChunkBytes(frame, recordingId: header.recordingId, key: key, version: version) } catch {
                finished = true
                throw error
            }
            offset = frame.end
            expected += 1
            sawFinal = frame.final
            return (Int(frame.index), frame.final, events)
        }
    }
}

/// A recording whose every chunk has authenticated, with its events framed
/// but full scenes and deltas not yet decoded. Immutable after opening apart
/// from a cache of the fully decoded scan.
public final class LazyRecording: @unchecked Sendable {
    public let header: RecordingHeader
    public let version: UInt16
    public let trailer: RecordingTrailer?
    /// Reading stopped at a damaged chunk (authentication, order, framing).
    public let failure: RecordingError?
    /// Chunks that opened.
    public let chunks: Int
    /// Where the writer could not write for a while, and what that cost.
    public let gaps: [RecordingGap]
    public var complete: Bool { trailer != nil && failure == nil }

    /// When the last thing recorded happened (for an incomplete recording: when the engine stopped).
    public var lastEventAt: Date { header.createdAt.addingTimeInterval(Double(entries.last?.offsetMs ?? 0) / 1000) }

    /// How the recording ends, as `RecordingScan.ending` says it, without decoding every event.
    /// (An authenticated scene or delta that does not decode — a broken recorder — only shows in `scan()`;
    /// a seek skips it, as a console skips a delta that does not apply.)
    public func ending(clock: (Date) -> String = RecordingScan.clockTime) -> String {
        RecordingScan.ending(failure: failure, trailer: complete ? trailer : nil, gaps: gaps, lastEventAt: lastEventAt, clock: clock)
    }

    enum Sniffed: Equatable { case scene, sceneDelta, other }
    struct Entry {
        /// As on disk: `.sceneRepeat` stays a marker here.
        var kind: RecordedEvent.Kind
        var offsetMs: UInt32
        var chunk: Int
        var start: Int
        var length: Int
        var type: Sniffed
        /// Decoded at open for everything but full scenes, deltas and repeats.
        var message: WireMessage?
    }

    let plaintexts: [[UInt8]]
    let entries: [Entry]
    private let lock = NSLock()
    private var fullScan: RecordingScan?

    init(header: RecordingHeader, version: UInt16, plaintexts: [[UInt8]], entries: [Entry], trailer: RecordingTrailer?,
         failure: RecordingError?, chunks: Int, gaps: [RecordingGap] = []) {
        self.header = header; self.version = version; self.plaintexts = plaintexts; self.entries = entries
        self.trailer = trailer; self.failure = failure; self.chunks = chunks; self.gaps = gaps
    }

    /// Every event decoded, exactly as `RecordingReader.scan()` gives it (computed once, on first use).
    public func scan() -> RecordingScan {
        lock.lock(); defer { lock.unlock() }
        if let fullScan { return fullScan }
        var result = RecordingScan(header: header, events: [], trailer: nil, chunks: 0, failure: nil)
        var scene = SceneTracker()
        var failed = false
        // Gaps are found only in chunks that decode, as the eager reader finds them.
        var gaps = [RecordingGap]()
        for (i, plain) in plaintexts.enumerated() {
            guard let events = RecordingFormat.decodeEvents(plain, scene: &scene) else {
                // Authenticated, framed, but a scene or delta does not decode: a broken recorder.
                result.failure = .undecodableChunk(chunk: i)
                failed = true
                break
            }
            result.chunks += 1
            result.events += events.filter { $0.kind != .trailer && $0.kind != .gap }
            gaps += events.filter { $0.kind == .gap }.compactMap { RecordingGap.from($0.message) }
        }
        result.gaps = gaps
        if !failed {
            result.trailer = trailer
            result.failure = failure
        }
        fullScan = result
        return result
    }

    /// The event at `i` decoded (a `.sceneRepeat` cannot be: the caller resolves it).
    func decode(_ i: Int) -> WireMessage? {
        let e = entries[i]
        if let m = e.message { return m }
        guard e.kind != .sceneRepeat else { return nil }
        return try? WireCodec.decode(plaintexts[e.chunk][e.start ..< e.start + e.length]).message
    }

    private static let sceneSuffix = Array("\"type\":\"scene\",\"v\":1}".utf8)
    private static let deltaSuffix = Array("\"type\":\"scene-delta\",\"v\":1}".utf8)

    /// What kind of message a codec frame holds, from its last bytes (the codec sorts
    /// keys, so `type` and `v` close every frame); `.other` when unsure, which decodes it.
    static func sniff(_ bytes: ArraySlice<UInt8>) -> Sniffed {
        if bytes.count > deltaSuffix.count, bytes.suffix(deltaSuffix.count).elementsEqual(deltaSuffix) { return .sceneDelta }
        if bytes.count > sceneSuffix.count, bytes.suffix(sceneSuffix.count).elementsEqual(sceneSuffix) { return .scene }
        return .other
    }

    /// Frames one chunk's events; nil when the batch is malformed (as `RecordingFormat.decodeEvents`).
    static func frame(_ bytes: [UInt8], chunk: Int, sawFullScene: inout Bool) -> [Entry]? {
        var entries = [Entry]()
        var i = 0
        while i < bytes.count {
            guard let (kind, offset, length) = RecordingFormat.eventHeader(bytes, at: i) else { return nil }
            i += RecordingFormat.eventHeaderBytes
            if kind == .sceneRepeat {
                guard length == 0, sawFullScene else { return nil }
                entries.append(Entry(kind: kind, offsetMs: offset, chunk: chunk, start: i, length: 0, type: .scene, message: nil))
                continue
            }
            guard bytes.count - i >= length else { return nil }
            let body = bytes[i ..< i + length]
            var type = sniff(body)
            var message: WireMessage?
            if type == .other {
                guard let frame = try? WireCodec.decode(body) else { return nil }
                message = frame.message
                switch frame.message {
                case .scene: type = .scene
                case .sceneDelta: type = .sceneDelta
                default: break
                }
            }
            if type == .scene { sawFullScene = true }
            entries.append(Entry(kind: kind, offsetMs: offset, chunk: chunk, start: i, length: length, type: type, message: message))
            i += length
        }
        return entries
    }
}
