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

    /// When the last thing recorded happened (for an incomplete recording: when the engine stopped).
    public var lastEventAt: Date {
        header.createdAt.addingTimeInterval(events.last?.offset ?? 0)
    }

    /// One line for the user about how the recording ends.
    public func ending(clock: (Date) -> String = RecordingScan.clockTime) -> String {
        if let failure { return "\(failure)" }
        if complete { return "complete" }
        return "recording ends without its final chunk (incomplete: engine stopped at \(clock(lastEventAt)))"
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
    public mutating func nextChunk() throws -> (index: Int, final: Bool, events: [RecordedEvent])? {
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
            let events: [RecordedEvent]
            do { events = try RecordingFormat.openChunk(frame, recordingId: header.recordingId, key: key, version: version, scene: &scene) } catch {
                finished = true
                throw error
            }
            offset = frame.end
            expected += 1
            sawFinal = frame.final
            return (Int(frame.index), frame.final, events)
        }
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
