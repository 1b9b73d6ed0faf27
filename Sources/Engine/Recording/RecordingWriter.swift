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
    /// While writes fail (a full disk), events wait in memory up to this many
    /// bytes (as encoded) and this many events; beyond that the oldest are
    /// dropped, counted, and the recording says what was lost.
    public var maxPendingBytes: Int
    public var maxPendingEvents: Int
    public init(retention: TimeInterval = 90 * 86_400, flushInterval: TimeInterval = 1, keyframeInterval: TimeInterval = 10,
                backgroundFlush: Bool = true, maxPendingBytes: Int = 8 << 20, maxPendingEvents: Int = 100_000) {
        self.retention = retention; self.flushInterval = flushInterval; self.keyframeInterval = keyframeInterval
        self.backgroundFlush = backgroundFlush
        self.maxPendingBytes = maxPendingBytes; self.maxPendingEvents = maxPendingEvents
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
    /// Every recording not yet finished for good. Held here (not only by the hub)
    /// so one whose finish waits for disk space is still retried, and so the
    /// engine can give each its ending when it stops.
    private let liveLock = NSLock()
    private var live: [String: RecordingWriter] = [:]
    /// Counts the bytes put on disk (`serve --metrics`); set before the first recording starts.
    public var metrics: EngineMetrics?

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
        file.metrics = metrics
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
        let writer = RecordingWriter(header: header, dataKey: dataKey, file: file, index: index, policy: policy)
        writer.onFinished = { [weak self] in self?.forget(id) }
        liveLock.lock(); live[id] = writer; liveLock.unlock()
        return writer
    }

    /// The recording is open and being written by this engine (its session is live).
    public func isBeingWritten(_ id: String) -> Bool {
        liveLock.lock(); defer { liveLock.unlock() }
        return live[id] != nil
    }

    private func forget(_ id: String) {
        liveLock.lock(); live[id] = nil; liveLock.unlock()
    }

    /// Finishes every recording still open with `reason` (the engine calls this
    /// when it stops: "engine stopped"). Returns those that could not be finished.
    @discardableResult
    public func finishAll(at: Date, reason: String) -> [(recordingId: String, error: Error)] {
        liveLock.lock(); let writers = Array(live.values); liveLock.unlock()
        var failed = [(recordingId: String, error: Error)]()
        for w in writers {
            do { try w.finish(at: at, reason: reason) } catch { failed.append((w.recordingId, error)) }
        }
        return failed
    }
}

/// A write to a recording file that failed, with the errno that says why.
public struct RecordingWriteError: Error, CustomStringConvertible {
    public let path: String
    public let code: Int32
    public let operation: String
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
    public var description: String { "cannot \(operation) recording file \(path): \(String(cString: strerror(code)))" }
}

/// A file opened O_APPEND|O_EXCL with mode 0600; each append is one write(2),
/// so a kill leaves whole chunks plus at most one cut-short tail. A failed
/// append is cut back off (ftruncate), so the file always ends on a whole
/// chunk and the next append follows the last good one.
final class AppendOnlyFile {
    let path: String
    private var fd: Int32
    /// The bytes known good: the header and every chunk appended in full.
    private(set) var size: Int64 = 0
    /// A failed write whose partial bytes could not be cut off yet.
    private var needsCut = false
    /// Told the size of each append that reached the disk in full.
    var metrics: EngineMetrics?

    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyError("cannot create recording file \(path): \(String(cString: strerror(errno)))") }
    }

    func append(_ bytes: [UInt8]) throws {
        if needsCut {
            guard cutBack() else { throw RecordingWriteError(path: path, code: errno, operation: "cut back") }
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = n < 0 ? errno : EIO
                // write(2) may have put part of the chunk down before failing (a disk
                // filling up mid-chunk): cut it off so no reader ever sees half a chunk
                // followed by the next one.
                if done > 0 { needsCut = !cutBack() }
                throw RecordingWriteError(path: path, code: code, operation: "write")
            }
            done += n
        }
        size += Int64(bytes.count)
        metrics?.recordingWritten(bytes.count)
    }

    private func cutBack() -> Bool { ftruncate(fd, off_t(size)) == 0 }

    func sync() { if fd >= 0 { fsync(fd) } }
    func close() { if fd >= 0 { Foundation.close(fd); fd = -1 } }
    deinit { close() }
}

/// Something happened to a recording's writes that the agent should know, as
/// it happens. Delivered on the writer's own queue, never under its lock.
public enum RecordingTrouble: Equatable, Sendable {
    /// A chunk could not be written; the events wait in memory and every flush tick retries.
    case flushFailed(recordingId: String, reason: String, error: String, pendingEvents: Int)
    /// Still failing and past the memory bound: the oldest waiting events are being dropped.
    case eventsDropped(recordingId: String, droppedEvents: Int, lostMs: Int64)
    /// Writing works again, in the same file; the gap says what the outage cost.
    case resumed(recordingId: String, gap: RecordingGap)
    /// The final chunk is on disk but the index row could not be marked finished; retried every flush tick.
    case indexFailed(recordingId: String, error: String)

    public var recordingId: String {
        switch self {
        case let .flushFailed(id, _, _, _), let .eventsDropped(id, _, _), let .resumed(id, _), let .indexFailed(id, _): id
        }
    }

    /// One line for the agent's console.
    public var message: String {
        switch self {
        case let .flushFailed(_, reason, error, pending):
            "Recording cannot write (\(reason)): \(error); \(pending) event\(pending == 1 ? "" : "s") held in memory, retrying"
        case let .eventsDropped(_, dropped, lostMs):
            "Recording still cannot write: dropping the oldest events held in memory (\(dropped) so far, \(lostMs) ms)"
        case let .resumed(_, gap):
            "Recording resumed after \(gap.outageMs) ms (\(gap.reason)); "
                + (gap.droppedEvents == 0 ? "nothing lost" : "\(gap.lostMs) ms lost (\(gap.droppedEvents) events)")
        case let .indexFailed(_, error):
            "Recording written but not marked finished in the index: \(error); retrying"
        }
    }

    /// Anything but a resume that lost nothing.
    public var isWarning: Bool {
        if case let .resumed(_, gap) = self { return gap.droppedEvents > 0 }
        return true
    }
}

/// Records one session: batches events, seals a chunk at least once a
/// second (compressed, then encrypted), stores a re-sent full scene that
/// equals the reconstructed one as a marker, writes synthetic keyframes for
/// seeking, and a final chunk with the keyframe index and the ending on finish.
///
/// When a write fails (a full disk) nothing is thrown at the hub: the writer
/// reports it through `onTrouble`, keeps the events in memory within the
/// policy's bound (dropping the oldest beyond it, counted), and retries on
/// every flush tick; once a write succeeds it resumes in the same file (the
/// failed write was cut back off) with a gap event saying what was lost.
///
/// Thread-safe: the hub appends under its lock, the flush timer fires on its
/// own queue, and trouble is delivered on a third, after the writer's lock is
/// released, so a handler may take the hub's lock.
public final class RecordingWriter: SessionRecording, @unchecked Sendable {
    public let header: RecordingHeader
    private let dataKey: [UInt8]
    private let file: AppendOnlyFile
    private let index: RecordingIndex
    private let policy: RecordingPolicy
    private let lock = NSLock()
    private var pending: [RecordedEvent] = []
    private var chunkIndex: UInt32 = 0
    /// The full scene as of the last event written (or dropped), and as of the newest event.
    private var sceneAtChunkStart: Scene?
    private var scene: Scene?
    /// The last full scene appended (whether a re-sent one may be a marker) and the last written (synthetic keyframes).
    private var lastKeyframeMs: Int64 = -1
    private var lastWrittenKeyframeMs: Int64 = -1
    private var keyframes: [[Int64]] = []
    private var lastOffsetMs: UInt32 = 0
    private var outage: Outage?
    /// Events were dropped: the next chunk with events must start with the scene as the consoles had it.
    private var keyframeOwed = false
    private var gaps: [RecordingGap] = []
    /// No more events: finish was called.
    private var closed = false
    /// Finish was called and the final chunk is not on disk yet.
    private var finishing: (at: Date, reason: String?)?
    /// The final chunk is on disk; the index row is not marked yet.
    private var unindexed: (endedAt: Date, ending: String?)?
    private var indexTroubleReported = false
    private var timer: DispatchSourceTimer?
    private let notify = DispatchQueue(label: "cobrowse.recording.trouble")
    private var troubleHandler: (@Sendable (RecordingTrouble) -> Void)?
    /// Told once, when the recording is finished for good (the service's registry).
    var onFinished: (() -> Void)?

    /// Writes are failing: since when, why, and what waits or was dropped.
    private struct Outage {
        var reason: String
        var atMs: UInt32
        /// Encoded size of each pending event (the same indices as `pending`).
        var sizes: [Int]
        var pendingBytes: Int
        var lastAttemptMs: UInt32
        var droppedEvents = 0
        var firstDroppedMs: UInt32?
        var lastDroppedMs: UInt32 = 0
        var reportedDrops = false
    }

    init(header: RecordingHeader, dataKey: [UInt8], file: AppendOnlyFile, index: RecordingIndex, policy: RecordingPolicy) {
        self.header = header; self.dataKey = dataKey; self.file = file; self.index = index; self.policy = policy
        if policy.backgroundFlush {
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "cobrowse.recording.flush"))
            t.schedule(deadline: .now() + policy.flushInterval, repeating: policy.flushInterval)
            t.setEventHandler { [weak self] in self?.tick() }
            t.resume()
            timer = t
        }
    }

    deinit { timer?.cancel() }

    public var recordingId: String { header.recordingId }

    public func onTrouble(_ handler: @escaping @Sendable (RecordingTrouble) -> Void) {
        lock.lock(); troubleHandler = handler; lock.unlock()
    }

    public func append(_ message: WireMessage, at: Date) throws {
        try withLock { out in
            guard !closed else { throw KeyError("recording \(recordingId) is closed") }
            let offset = offsetMs(at)
            let interval = policy.flushInterval * 1000
            if let o = outage {
                // With no timer (a test's fake clock, a tool) appends are what retries.
                if !policy.backgroundFlush, Double(offset) - Double(o.lastAttemptMs) >= interval { writeNoting(&out) }
            } else if let first = pending.first, Double(offset) - Double(first.offsetMs) >= interval {
                // Seal what is pending once it spans the flush interval, so a crash loses less than that.
                writeNoting(&out)
            }
            lastOffsetMs = max(lastOffsetMs, offset)
            let event: RecordedEvent
            switch message {
            case let .scene(s) where s == scene && Int64(offset) - lastKeyframeMs < Int64(policy.keyframeInterval * 1000):
                // The customer re-sent the scene the consoles already have (the SDK does so
                // every few seconds): store a marker; the reader gives the scene back in full.
                event = RecordedEvent(kind: .sceneRepeat, offsetMs: offset, message: message)
            case let .scene(s):
                scene = s
                lastKeyframeMs = Int64(offset)
                event = RecordedEvent(offsetMs: offset, message: message)
            case let .sceneDelta(d):
                // The hub only forwards deltas that applied; a failure here leaves the last good scene.
                if let s = scene, let next = try? s.applying(d) { scene = next }
                event = RecordedEvent(offsetMs: offset, message: message)
            default:
                event = RecordedEvent(offsetMs: offset, message: message)
            }
            pending.append(event)
            if outage != nil {
                let size = Self.size(event)
                outage!.sizes.append(size)
                outage!.pendingBytes += size
                dropOverBound(&out)
            }
        }
    }

    /// Seals whatever is pending into a chunk (the timer does this every flush
    /// interval). While writes fail it retries; it throws the write's error
    /// (after reporting it through `onTrouble` the first time), and the events stay pending.
    /// On a finishing recording it carries the finish on.
    public func flush() throws {
        try withLock { out in
            if closed {
                if let error = advanceFinish(&out) { throw error }
                return
            }
            guard !pending.isEmpty || outage != nil else { return }
            if let error = writeNoting(&out) { throw error }
        }
    }

    /// The timer's flush: every failure is already reported through `onTrouble`
    /// (or, for a finish, thrown to its caller and reported), and the next tick retries.
    private func tick() {
        withLock { out in
            if closed {
                advanceFinish(&out)
            } else if !pending.isEmpty || outage != nil {
                writeNoting(&out)
            }
        }
    }

    /// Writes the remaining events and the final chunk (with `reason` as the
    /// ending, e.g. "session ended"), fsyncs, and marks the index row. When
    /// the disk refuses, it throws, takes no more events, and every flush (the
    /// timer's or an explicit one) tries again until the ending is written.
    public func finish(at: Date, reason: String?) throws {
        try withLock { out in
            if !closed {
                closed = true
                finishing = (at, reason)
            }
            if let error = advanceFinish(&out) { throw error }
        }
    }

    // MARK: - Under the lock

    /// What to do once the lock is released.
    private struct Outbox {
        var troubles: [RecordingTrouble] = []
        var finished = false
    }

    @discardableResult
    private func withLock<T>(_ body: (inout Outbox) throws -> T) rethrows -> T {
        var out = Outbox()
        lock.lock()
        let handler = troubleHandler
        defer {
            lock.unlock()
            // Never called under the writer's lock, and never on the caller's thread: the hub
            // appends holding its own lock, and its handler takes that lock.
            if let handler, !out.troubles.isEmpty {
                let troubles = out.troubles
                notify.async { troubles.forEach(handler) }
            }
            if out.finished { onFinished?() }
        }
        return try body(&out)
    }

    /// Carries a finish as far as it goes: the final chunk, then the index row. Nil when done.
    @discardableResult
    private func advanceFinish(_ out: inout Outbox) -> Error? {
        if let f = finishing {
            if let error = writeNoting(&out) { return error }
            finishing = nil
            file.sync()
            file.close()
            let ending = [f.reason, RecordingGap.summary(gaps)].compactMap { $0 }.joined(separator: "; ")
            unindexed = (f.at, ending.isEmpty ? nil : ending)
        }
        guard let u = unindexed else { return nil }
        do {
            try index.markRecordingFinished(id: recordingId, endedAt: u.endedAt, bytes: file.size, ending: u.ending)
        } catch {
            if !indexTroubleReported {
                indexTroubleReported = true
                out.troubles.append(.indexFailed(recordingId: recordingId, error: "\(error)"))
            }
            return error
        }
        unindexed = nil
        timer?.cancel()
        timer = nil
        out.finished = true
        return nil
    }

    /// Writes what is pending; a failure starts (or continues) an outage, keeps
    /// the events, and is reported the first time. Returns the failure.
    @discardableResult
    private func writeNoting(_ out: inout Outbox) -> Error? {
        do {
            try writePending(&out)
            return nil
        } catch {
            let newest = pending.last?.offsetMs ?? lastOffsetMs
            if outage == nil {
                let sizes = pending.map(Self.size)
                let reason = Self.reason(error)
                outage = Outage(reason: reason, atMs: pending.first?.offsetMs ?? newest, sizes: sizes,
                                pendingBytes: sizes.reduce(0, +), lastAttemptMs: newest)
                out.troubles.append(.flushFailed(recordingId: recordingId, reason: reason, error: "\(error)", pendingEvents: pending.count))
                dropOverBound(&out)
            } else {
                outage!.lastAttemptMs = newest
            }
            return error
        }
    }

    /// Seals and appends the pending events (in an outage: in pieces of a flush
    /// interval and at most `pieceBytes`, so a retry on a still-full disk seals
    /// little and a resume writes ordinary chunks), the final chunk when finishing.
    private func writePending(_ out: inout Outbox) throws {
        var sizes = outage?.sizes
        let final = finishing != nil
        while true {
            let n = sizes.map(pieceLength) ?? pending.count
            let last = n == pending.count
            let piece = pending[0 ..< n]
            var body = Array(piece)
            if let first = piece.first, let start = sceneAtChunkStart, !Self.isFullScene(first) {
                let due = !piece.contains(where: Self.isFullScene)
                    && Int64(first.offsetMs) - lastWrittenKeyframeMs >= Int64(policy.keyframeInterval * 1000)
                // After dropped events the reader's scene would be wrong: restate it as the consoles had it.
                if due || keyframeOwed {
                    body.insert(RecordedEvent(kind: .keyframe, offsetMs: first.offsetMs, message: .scene(start)), at: 0)
                }
            }
            let newKeyframes = body.filter { $0.kind == .keyframe || Self.isFullScene($0) }.map { [Int64($0.offsetMs), Int64(chunkIndex)] }
            let resumedGap = outage.map(gap)
            if let resumedGap { body.insert(resumedGap.event(), at: 0) }
            let isFinal = final && last
            if isFinal, let f = finishing {
                let end = offsetMs(f.at)
                let trailer = RecordingTrailer(endedAtMs: header.createdAtMs + Int64(end), keyframes: keyframes + newKeyframes, ending: f.reason)
                let json = String(decoding: try JSONEncoder().encode(trailer), as: UTF8.self)
                body.append(RecordedEvent(kind: .trailer, offsetMs: end, message: .notice(Notice(text: json))))
            }
            if body.isEmpty { return }
            let chunk = RecordingFormat.sealChunk(body, index: chunkIndex, final: isFinal, recordingId: recordingId, key: dataKey)
            try file.append(chunk)
            chunkIndex += 1
            keyframes += newKeyframes
            if let k = newKeyframes.last { lastWrittenKeyframeMs = k[0] }
            if last { sceneAtChunkStart = scene } else { Self.advance(&sceneAtChunkStart, through: piece) }
            if !piece.isEmpty { keyframeOwed = false }
            pending.removeFirst(n)
            sizes?.removeFirst(n)
            if let resumedGap {
                outage = nil
                gaps.append(resumedGap)
                out.troubles.append(.resumed(recordingId: recordingId, gap: resumedGap))
            }
            if last { return }
        }
    }

    /// The largest piece that catches up in ordinary chunks.
    private static let pieceBytes = 1 << 20

    private func pieceLength(_ sizes: [Int]) -> Int {
        guard let first = pending.first else { return 0 }
        var n = 0, bytes = 0
        while n < pending.count {
            if n > 0, Double(pending[n].offsetMs) - Double(first.offsetMs) >= policy.flushInterval * 1000 || bytes + sizes[n] > Self.pieceBytes {
                break
            }
            bytes += sizes[n]
            n += 1
        }
        return n
    }

    /// Past the memory bound while writes fail: drops the oldest pending events,
    /// down to three quarters of the bound at once (so a full buffer is not
    /// shifted for every new event), keeping the scene they would have built.
    private func dropOverBound(_ out: inout Outbox) {
        guard var o = outage, o.pendingBytes > policy.maxPendingBytes || pending.count > policy.maxPendingEvents else { return }
        let bytesGoal = policy.maxPendingBytes / 4 * 3, eventsGoal = policy.maxPendingEvents / 4 * 3
        var n = 0, bytes = o.pendingBytes
        while n < pending.count, bytes > bytesGoal || pending.count - n > eventsGoal {
            bytes -= o.sizes[n]
            n += 1
        }
        guard n > 0 else { return }
        let dropped = pending[0 ..< n]
        Self.advance(&sceneAtChunkStart, through: dropped)
        if o.firstDroppedMs == nil { o.firstDroppedMs = dropped.first!.offsetMs }
        o.lastDroppedMs = dropped.last!.offsetMs
        o.droppedEvents += n
        keyframeOwed = true
        o.pendingBytes = bytes
        o.sizes.removeFirst(n)
        pending.removeFirst(n)
        if !o.reportedDrops {
            o.reportedDrops = true
            out.troubles.append(.eventsDropped(recordingId: recordingId, droppedEvents: o.droppedEvents, lostMs: lostMs(o)))
        }
        outage = o
    }

    /// From the first dropped event to the first one kept (or the last dropped, when none is kept).
    private func lostMs(_ o: Outage) -> Int64 {
        guard let first = o.firstDroppedMs else { return 0 }
        return Int64(pending.first?.offsetMs ?? o.lastDroppedMs) - Int64(first)
    }

    private func gap(_ o: Outage) -> RecordingGap {
        let newest = pending.last?.offsetMs ?? lastOffsetMs
        return RecordingGap(atMs: Int64(o.atMs), outageMs: max(0, Int64(newest) - Int64(o.atMs)), lostMs: lostMs(o),
                            droppedEvents: o.droppedEvents, reason: o.reason)
    }

    private static func isFullScene(_ e: RecordedEvent) -> Bool {
        if e.kind == .message, case .scene = e.message { return true }
        return false
    }

    /// The scene after these events, as the consoles (and the reader) rebuild it.
    private static func advance(_ scene: inout Scene?, through events: ArraySlice<RecordedEvent>) {
        var tracker = SceneTracker(scene: scene)
        for e in events where e.kind != .sceneRepeat { tracker.apply(e.message) }
        scene = tracker.scene
    }

    /// An event's size in a chunk before compression (what the memory bound counts).
    private static func size(_ e: RecordedEvent) -> Int {
        RecordingFormat.eventHeaderBytes + (e.kind == .sceneRepeat ? 0 : WireCodec.encode(e.message).count)
    }

    /// A short why for the agent and the ending: "disk full", or what the write failed with.
    static func reason(_ error: Error) -> String {
        guard let e = error as? RecordingWriteError else { return "write failed" }
        return e.isDiskFull ? "disk full" : "write failed: \(String(cString: strerror(e.code)))"
    }

    private func offsetMs(_ at: Date) -> UInt32 {
        let ms = AuditChain.milliseconds(at) - header.createdAtMs
        return UInt32(clamping: max(0, ms))
    }
}
