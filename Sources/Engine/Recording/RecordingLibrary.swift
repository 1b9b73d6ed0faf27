import Foundation

/// Who may open a recording: the session's own agent, and agents of the
/// levels configured (managers and trainers by default). Pure.
public struct RecordingAccessPolicy: Sendable {
    public var openLevels: Set<AgentLevel>
    /// Who may destroy a recording (GDPR requests, mistakes): its agent does not; these levels do.
    public var deleteLevels: Set<AgentLevel>
    public init(openLevels: Set<AgentLevel> = [.manager, .trainer], deleteLevels: Set<AgentLevel> = [.manager]) {
        self.openLevels = openLevels; self.deleteLevels = deleteLevels
    }

    public enum Decision: Equatable, Sendable {
        case granted(because: String)
        case refused(String)
    }

    public func mayOpen(_ agent: Agent?, _ recording: RecordingRecord) -> Decision {
        guard let agent else { return .refused("the calling user is not a registered agent") }
        if agent.name == recording.agentName { return .granted(because: "own session") }
        if openLevels.contains(agent.level) { return .granted(because: "level \(agent.level.rawValue)") }
        return .refused("\(agent.name) (\(agent.level.rawValue)) is neither the session's agent nor one of \(Self.names(openLevels))")
    }

    public func mayDelete(_ agent: Agent?) -> Decision {
        guard let agent else { return .refused("the calling user is not a registered agent") }
        if deleteLevels.contains(agent.level) { return .granted(because: "level \(agent.level.rawValue)") }
        return .refused("only \(Self.names(deleteLevels)) may delete recordings")
    }

    static func names(_ levels: Set<AgentLevel>) -> String { levels.map(\.rawValue).sorted().joined(separator: ", ") }
}

public struct AccessRefused: Error, CustomStringConvertible {
    public let description: String
}

/// A recording opened for someone: its index row, its authenticated chunks and how reading ended.
/// Opening authenticates every chunk but decodes only the small messages; `timeline`
/// seeks decoding just the last full scene and the deltas since, `scan` decodes everything.
public struct OpenedRecording: Sendable {
    public var record: RecordingRecord
    public var recording: LazyRecording
    public var highlights: [Highlight]
    /// Every event decoded (done once, on first use).
    public var scan: RecordingScan { recording.scan() }
    public var timeline: ReplayTimeline { ReplayTimeline(recording: recording, highlights: highlights) }
    /// Whether the final chunk was found and nothing failed authentication — without decoding every event.
    public var complete: Bool { recording.complete }
}

/// The recordings as the commands see them: access checked and audited on
/// every opening, deletion by crypto-shredding, export, and retention.
public final class RecordingLibrary {
    public typealias Store = SessionStore & RecordingIndex
    public let dataDirectory: String
    public let store: Store
    public let keyRing: KeyRing
    public let policy: RecordingAccessPolicy
    private let clock: () -> Date

    public init(dataDirectory: String, store: Store, keySource: KeySource, policy: RecordingAccessPolicy = .init(),
                clock: @escaping () -> Date = Date.init) {
        self.dataDirectory = dataDirectory; self.store = store; keyRing = KeyRing(source: keySource)
        self.policy = policy; self.clock = clock
    }

    public func path(of record: RecordingRecord) -> String {
        (dataDirectory as NSString).appendingPathComponent(record.path)
    }

    /// The row, or a clear error for a missing or deleted one (no access check: ids and dates are not content).
    public func record(_ id: String) throws -> RecordingRecord {
        guard let r = try store.recording(id: id) else { throw StoreError.notFound("recording \(id)") }
        return r
    }

    /// Checks access, audits the attempt (granted or refused, with the reason given), then decrypts.
    public func open(_ id: String, as agent: Agent?, actor: String, reason: String, purpose: String = "open") throws -> OpenedRecording {
        let r = try record(id)
        let why = reason.isEmpty ? "(no reason given)" : reason
        switch policy.mayOpen(agent, r) {
        case let .refused(message):
            try store.appendAudit(at: clock(), actor: actor, action: "recording.refused", sessionId: r.sessionId,
                                  detail: "recording=\(id) purpose=\(purpose) reason=\(why) refused=\(message)")
            throw AccessRefused(description: "access to recording \(id) refused: \(message)")
        case let .granted(because):
            guard r.deletedAt == nil, let key = r.wrappedKey else { throw RecordingError.keyDestroyed }
            try store.appendAudit(at: clock(), actor: actor, action: "recording.opened", sessionId: r.sessionId,
                                  detail: "recording=\(id) purpose=\(purpose) reason=\(why) granted=\(because)")
            var reader = try RecordingReader(path: path(of: r), keyRing: keyRing, wrappedKey: key)
            return OpenedRecording(record: r, recording: reader.openLazily(), highlights: try store.highlights(recordingId: id))
        }
    }

    /// Crypto-shredding: the index's wrapped key goes first (that alone makes the
    /// file undecryptable), then the header's copy is overwritten, then the file goes.
    public func delete(_ id: String, as agent: Agent?, actor: String, reason: String) throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw AccessRefused(description: "a reason is required to delete a recording") }
        let r = try record(id)
        if case let .refused(message) = policy.mayDelete(agent) {
            try store.appendAudit(at: clock(), actor: actor, action: "recording.delete-refused", sessionId: r.sessionId,
                                  detail: "recording=\(id) reason=\(reason) refused=\(message)")
            throw AccessRefused(description: "deleting recording \(id) refused: \(message)")
        }
        try shred(r, actor: actor, reason: reason, action: "recording.deleted")
    }

    /// Removes every recording past its retention deadline; returns their ids.
    @discardableResult
    public func sweepExpired() throws -> [String] {
        let now = clock()
        var removed = [String]()
        for r in try store.expiredRecordings(now: now) {
            try shred(r, actor: "retention", reason: "retention deadline \(ISO8601DateFormatter().string(from: r.retainUntil)) passed",
                      action: "recording.expired")
            removed.append(r.id)
        }
        return removed
    }

    private func shred(_ r: RecordingRecord, actor: String, reason: String, action: String) throws {
        try store.destroyRecordingKey(id: r.id, at: clock(), reason: reason)
        let file = path(of: r)
        let fd = Foundation.open(file, O_WRONLY)
        if fd >= 0 {
            let zeros = [UInt8](repeating: 0, count: KeyRing.wrappedKeyBytes)
            _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(RecordingFormat.wrappedKeyOffset)) }
            fsync(fd)
            close(fd)
        }
        unlink(file)
        try store.appendAudit(at: clock(), actor: actor, action: action, sessionId: r.sessionId,
                              detail: "recording=\(r.id) reason=\(reason) key destroyed, file removed")
    }
}

/// The JSON forms of a recording: one event per line for scripts (`replay
/// --format json`) and one document for the customer's copy (`export`).
public enum RecordingJSON {
    /// `{"t":SECONDS,"frame":<protocol frame>}` — the frame is the wire codec's own JSON.
    public static func line(_ event: RecordedEvent) -> String {
        "{\"t\":\(seconds(event.offsetMs)),\"frame\":" + String(decoding: WireCodec.encode(event.message), as: UTF8.self) + "}"
    }

    /// The closing line: how the recording ends.
    public static func endLine(_ scan: RecordingScan) -> String {
        var fields: [String: Any] = ["end": true, "complete": scan.complete, "chunks": scan.chunks, "events": scan.events.count,
                                     "ending": scan.ending()]
        if let failure = scan.failure { fields["error"] = failure.description }
        return jsonObject(fields)
    }

    public static func export(_ opened: OpenedRecording) -> String {
        let r = opened.record
        let meta = jsonObject(["recording": r.id, "session": r.sessionId, "ticket": r.ticketId, "agent": r.agentName,
                               "createdAt": ISO8601DateFormatter().string(from: r.createdAt), "complete": opened.scan.complete,
                               "ending": opened.scan.ending()])
        let events = opened.scan.events.filter { $0.kind == .message }.map(line).joined(separator: ",\n  ")
        return "{\"meta\":\(meta),\n \"events\":[\n  \(events)\n]}\n"
    }

    static func seconds(_ ms: UInt32) -> String { String(format: "%.3f", Double(ms) / 1000) }

    static func jsonObject(_ fields: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
