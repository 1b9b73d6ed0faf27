import Foundation

/// Settings for new recordings.
public struct RecordingPolicy: Sendable {
    /// How long a recording is kept before the sweeper removes it.
    public var retention: TimeInterval
    /// Pending events are sealed into a chunk at least this often (crash loss bound).
    public var flushInterval: TimeInterval
    /// A synthetic keyframe is written when the last full scene is older than this.
    public var keyframeInterval: TimeInterval
    /// Flush on the wall clock too (the hub's clock may be a test's fake); nil only in tests.
    public var backgroundFlush: Bool
    public init(retention: TimeInterval = 90 * 86_400, flushInterval: TimeInterval = 1, keyframeInterval: TimeInterval = 10,
                backgroundFlush: Bool = true) {
        self.retention = retention; self.flushInterval = flushInterval; self.keyframeInterval = keyframeInterval
        self.backgroundFlush = backgroundFlush
    }
    public static let defaultRetentionDays = 90
}

/// The hub's recording service: one encrypted file per recording in
/// DIR/recordings (0600), a row in the index with the wrapped data key.
public final class EncryptedRecordingService: RecordingService {
    public let dataDirectory: String
    public let index: RecordingIndex
    public let keyRing: KeyRing
    public let policy: RecordingPolicy

    public init(dataDirectory: String, index: RecordingIndex, keySource: KeySource, policy: RecordingPolicy = .init()) {
        self.dataDirectory = dataDirectory; self.index = index; keyRing = KeyRing(source: keySource); self.policy = policy
    }

    private var sweeper: DispatchSourceTimer?

    /// Runs the retention sweeper now and then every `interval` (daily by
    /// default) for as long as the service lives. Returns what the first sweep removed.
    @discardableResult
    public func startRetentionSweeper(store: RecordingLibrary.Store, interval: TimeInterval = 86_400,
                                      onError: @escaping @Sendable (Error) -> Void = { _ in }) throws -> [String] {
        let library = RecordingLibrary(dataDirectory: dataDirectory, store: store, keySource: keyRing.source)
        let removed = try library.sweepExpired()
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "cobrowse.recording.retention"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { do { try library.sweepExpired() } catch { onError(error) } }
        timer.resume()
        sweeper?.cancel()
        sweeper = timer
        return removed
    }

    deinit { sweeper?.cancel() }

    public static func recordingsDirectory(_ dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("recordings")
    }

    public func startRecording(session: SessionSummary, at: Date) throws -> SessionRecording {
        let id = "R-" + Digest.hex(SecureRandom.bytes(8))
        let relative = "recordings/\(id).cbrec"
        let header = RecordingHeader(recordingId: id, sessionId: session.id, createdAtMs: AuditChain.milliseconds(at),
                                     keyId: keyRing.source.keyID)
        let dataKey = keyRing.newDataKey()
        let wrapped = try keyRing.wrap(dataKey, boundTo: RecordingFormat.headerJSON(header))
        try FileManager.default.createDirectory(atPath: Self.recordingsDirectory(dataDirectory), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = (dataDirectory as NSString).appendingPathComponent(relative)
        let file = try AppendOnlyFile(creating: path)
        try file.append(RecordingFormat.encodeHeader(header, wrappedKey: wrapped))
        do {
            try index.insertRecording(RecordingRecord(id: id, sessionId: session.id, ticketId: session.ticket.id,
                                                      agentName: session.agentName, path: relative, wrappedKey: wrapped,
                                                      createdAt: header.createdAt, retainUntil: at.addingTimeInterval(policy.retention)))
        } catch {
            file.close()
            unlink(path)
            throw error
        }
        return RecordingWriter(header: header, dataKey: dataKey, file: file, index: index, policy: policy)
    }
}

/// A file opened O_APPEND|O_EXCL with mode 0600; each append is one write(2),
/// so a kill leaves whole chunks plus at most one cut-short tail.
final class AppendOnlyFile {
    let path: String
    private var fd: Int32
    private(set) var size: Int64 = 0

    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyError("cannot create recording file \(path): \(String(cString: strerror(errno)))") }
    }

    func append(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KeyError("cannot write recording file \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        size += Int64(bytes.count)
    }

    func sync() { if fd >= 0 { fsync(fd) } }
    func close() { if fd >= 0 { Foundation.close(fd); fd = -1 } }
    deinit { close() }
}

/// Records one session: batches events, seals a chunk at least once a
/// second (compressed, then encrypted), stores a re-sent full scene that
/// equals the reconstructed one as a marker, writes synthetic keyframes for
/// seeking, and a final chunk with the keyframe index on finish. Thread-safe (the hub appends under its lock, the
/// flush timer fires on its own queue).
public final class RecordingWriter: SessionRecording, @unchecked Sendable {
    public let header: RecordingHeader
    private let dataKey: [UInt8]
    private let file: AppendOnlyFile
    private let index: RecordingIndex
    private let policy: RecordingPolicy
    private let lock = NSLock()
    private var pending: [RecordedEvent] = []
    private var chunkIndex: UInt32 = 0
    /// The full scene as of the last flushed event, and as of the newest event.
    private var sceneAtChunkStart: Scene?
    private var scene: Scene?
    private var lastKeyframeMs: Int64 = -1
    private var keyframes: [[Int64]] = []
    private var pendingHasScene = false
    private var closed = false
    private var timer: DispatchSourceTimer?

    init(header: RecordingHeader, dataKey: [UInt8], file: AppendOnlyFile, index: RecordingIndex, policy: RecordingPolicy) {
        self.header = header; self.dataKey = dataKey; self.file = file; self.index = index; self.policy = policy
        if policy.backgroundFlush {
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "cobrowse.recording.flush"))
            t.schedule(deadline: .now() + policy.flushInterval, repeating: policy.flushInterval)
            t.setEventHandler { [weak self] in try? self?.flush() }
            t.resume()
            timer = t
        }
    }

    deinit { timer?.cancel() }

    public var recordingId: String { header.recordingId }

    public func append(_ message: WireMessage, at: Date) throws {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { throw KeyError("recording \(recordingId) is closed") }
        let offset = offsetMs(at)
        // Seal what is pending once it spans the flush interval, so a crash loses less than that.
        if let first = pending.first, Double(offset) - Double(first.offsetMs) >= policy.flushInterval * 1000 {
            try flushLocked(final: false, at: at)
        }
        switch message {
        case let .scene(s) where s == scene && Int64(offset) - lastKeyframeMs < Int64(policy.keyframeInterval * 1000):
            // The customer re-sent the scene the consoles already have (the SDK does so
            // every few seconds): store a marker; the reader gives the scene back in full.
            pending.append(RecordedEvent(kind: .sceneRepeat, offsetMs: offset, message: message))
            return
        case let .scene(s):
            scene = s
            pendingHasScene = true
            keyframes.append([Int64(offset), Int64(chunkIndex)])
            lastKeyframeMs = Int64(offset)
        case let .sceneDelta(d):
            // The hub only forwards deltas that applied; a failure here leaves the last good scene.
            if let s = scene, let next = try? s.applying(d) { scene = next }
        default: break
        }
        pending.append(RecordedEvent(offsetMs: offset, message: message))
    }

    /// Seals whatever is pending into a chunk (the timer calls this every second).
    public func flush() throws {
        lock.lock(); defer { lock.unlock() }
        guard !closed, !pending.isEmpty else { return }
        try flushLocked(final: false, at: nil)
    }

    public func finish(at: Date) throws {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return }
        timer?.cancel()
        try flushLocked(final: true, at: at)
        file.sync()
        file.close()
        closed = true
        try index.markRecordingFinished(id: recordingId, endedAt: at, bytes: file.size)
    }

    private func flushLocked(final: Bool, at: Date?) throws {
        var events = pending
        if let start = sceneAtChunkStart, !pendingHasScene, let first = events.first,
           Int64(first.offsetMs) - lastKeyframeMs >= Int64(policy.keyframeInterval * 1000) {
            events.insert(RecordedEvent(kind: .keyframe, offsetMs: first.offsetMs, message: .scene(start)), at: 0)
            keyframes.append([Int64(first.offsetMs), Int64(chunkIndex)])
            lastKeyframeMs = Int64(first.offsetMs)
        }
        if final {
            let end = at.map(offsetMs) ?? (events.last?.offsetMs ?? 0)
            let trailer = RecordingTrailer(endedAtMs: header.createdAtMs + Int64(end), keyframes: keyframes)
            let json = String(decoding: try JSONEncoder().encode(trailer), as: UTF8.self)
            events.append(RecordedEvent(kind: .trailer, offsetMs: end, message: .notice(Notice(text: json))))
        }
        let chunk = RecordingFormat.sealChunk(events, index: chunkIndex, final: final, recordingId: recordingId, key: dataKey)
        do { try file.append(chunk) } catch {
            closed = true
            timer?.cancel()
            throw error
        }
        chunkIndex += 1
        pending.removeAll(keepingCapacity: true)
        pendingHasScene = false
        sceneAtChunkStart = scene
    }

    private func offsetMs(_ at: Date) -> UInt32 {
        let ms = AuditChain.milliseconds(at) - header.createdAtMs
        return UInt32(clamping: max(0, ms))
    }
}
