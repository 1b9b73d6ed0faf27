import Foundation
import Logging

/// Recordings from the lobby: the engine's side of a console asking
/// "which recordings may I open?" and "open this one, because …". The console
/// never reads the data directory and never holds a key: the desk opens the
/// recording through the `RecordingLibrary` (access policy, audit with who and
/// why) and streams its decrypted events back as `recording-part` messages,
/// each under the protocol's message limit.
///
/// Threading: the hub calls `handle` under its lock. Listing reads one index
/// table, and opening checks access, writes the audit row and authenticates
/// every chunk (`openLazily`: a 45-minute recording opens in about 60 ms), so
/// both are fast enough to run there. Decoding every event and cutting the
/// parts is the slow half (it grows with the recording), so it runs on the
/// desk's own serial queue and writes straight to the connection (thread-safe),
/// never holding the hub's lock: other sessions do not wait for a replay.
public final class RecordingDesk: @unchecked Sendable {
    public let library: RecordingLibrary
    /// Longest reason kept in the audit trail.
    public static let maxReasonBytes = 500
    /// Every encoded `recording-part` frame is at most this many bytes.
    public let partLimit: Int
    private let queue = DispatchQueue(label: "cobrowse.recording-desk")
    private let logger: Logger

    /// Whether this engine is writing a recording right now (its session is live): such a
    /// recording has no final chunk yet, which the replay says as it is, not as a loss.
    private let beingWritten: @Sendable (String) -> Bool

    public init(library: RecordingLibrary, partLimit: Int = WireProtocol.maxMessageBytes,
                beingWritten: @escaping @Sendable (String) -> Bool = { _ in false },
                logger: Logger = Logger(label: "cobrowse.recording-desk")) {
        self.library = library
        self.partLimit = partLimit
        self.beingWritten = beingWritten
        self.logger = logger
    }

    /// Answers `recordings-request` and `open-recording` for a console's agent.
    /// `reply` and `fail` are the hub's (they queue I/O until its lock is released);
    /// the parts go out later, from the desk's queue, on `connection` itself.
    public func handle(_ message: WireMessage, agent: Agent, connection: PeerConnection, requestID: Int?,
                       reply: (WireMessage) -> Void, fail: (WireErrorCode, String) -> Void) {
        switch message {
        case .recordingsRequest:
            do { reply(.recordings(try list(for: agent))) } catch {
                fail(.internalError, "could not read the recordings index: \(error)")
            }
        case let .openRecording(request):
            let opened: OpenedRecording
            do { opened = try open(request, agent: agent) } catch let e as WireError {
                return fail(e.code, e.message)
            } catch {
                return fail(.internalError, "could not open recording \(request.recordingId): \(error)")
            }
            let live = beingWritten(request.recordingId)
            queue.async { [partLimit, logger] in
                let parts = Self.parts(of: opened, re: requestID, limit: partLimit, stillRecording: live)
                for part in parts { connection.send(WireCodec.encode(.recordingPart(part), re: requestID)) }
                logger.info("recording \(request.recordingId): sent \(parts.count) part(s) to \(agent.name)")
            }
        default:
            fail(.notAllowed, "\(message.type) is not a recordings message")
        }
    }

    // MARK: - Listing

    /// The recordings this agent may open (the library's access policy), newest first.
    /// Not audited: ids, dates and sizes are not content (as `cobrowse recordings list`).
    public func list(for agent: Agent) throws -> RecordingList {
        let rows = try library.store.recordings(includeDeleted: false).filter {
            if case .granted = library.policy.mayOpen(agent, $0) { return true }
            return false
        }
        return RecordingList(items: rows.map {
            RecordingListing(id: $0.id, sessionId: $0.sessionId, ticketId: $0.ticketId, agentName: $0.agentName,
                             createdAt: $0.createdAt, endedAt: $0.endedAt, complete: $0.complete, bytes: $0.bytes)
        })
    }

    // MARK: - Opening

    /// Access check and audit (granted or refused, with the reason) by the library, then
    /// every chunk authenticated. Errors are the protocol's: `invalid` (no reason),
    /// `not-found`, `not-allowed` (refused; the refusal is audited by the library).
    public func open(_ request: OpenRecording, agent: Agent) throws -> OpenedRecording {
        // The reason goes into the audit trail: redacted like any text a person types (a card number read out, say).
        let reason = Redactor().redact(text: request.reason.trimmingCharacters(in: .whitespacesAndNewlines)).value
        guard !reason.isEmpty else { throw WireError(.invalid, "a reason is required to open a recording (it is audited)") }
        guard reason.utf8.count <= Self.maxReasonBytes else {
            throw WireError(.invalid, "the reason is longer than \(Self.maxReasonBytes) bytes")
        }
        guard let record = try library.store.recording(id: request.recordingId) else {
            throw WireError(.notFound, "no recording \(request.recordingId)")
        }
        guard record.deletedAt == nil else { throw WireError(.notFound, "recording \(request.recordingId) was deleted") }
        do {
            return try library.open(request.recordingId, as: agent, actor: agent.name, reason: reason, purpose: "console replay")
        } catch let refused as AccessRefused {
            throw WireError(.notAllowed, refused.description)
        } catch let e as RecordingError {
            throw WireError(.badState, "recording \(request.recordingId) cannot be read: \(e)")
        }
    }

    // MARK: - Parts

    /// The recording's events in order, cut into parts whose encoded frames (with
    /// `re`) are each at most `limit` bytes. The first part carries `startedAt` and
    /// the highlights, the last `last: true`, `complete`, `ending` and `failure` (a
    /// damaged chunk: the events before it are all there). An event that cannot fit
    /// a part on its own (it would be over the limit even alone) is left out and
    /// the ending says how many were. Pure.
    public static func parts(of opened: OpenedRecording, re: Int? = nil, limit: Int = WireProtocol.maxMessageBytes,
                             stillRecording: Bool = false) -> [RecordingPart] {
        let scan = opened.scan
        let id = opened.record.id
        let marks = opened.highlights.map {
            RecordingPart.Mark(at: $0.at, duration: $0.duration, title: $0.title, tags: $0.tags, author: $0.author)
        }
        let events = scan.events.map {
            RecordingPart.Event(offsetMs: $0.offsetMs, keyframe: $0.kind == .keyframe,
                                frame: String(decoding: WireCodec.encode($0.message), as: UTF8.self))
        }
        func size(_ part: RecordingPart) -> Int { WireCodec.encode(.recordingPart(part), re: re).count }

        var parts = [RecordingPart]()
        var skipped = 0
        var current = RecordingPart(recordingId: id, index: 0, events: [], startedAt: scan.header.createdAt, highlights: marks, last: false)
        // Room the envelope leaves, with the last part's fields counted in (the ending line is short).
        var closing = RecordingPart(recordingId: id, index: 0, events: [], startedAt: scan.header.createdAt, highlights: marks,
                                    last: true, complete: scan.complete, ending: scan.ending(stillRecording: stillRecording), failure: scan.failure?.description)
        closing.ending = (closing.ending ?? "") + String(repeating: " ", count: 80)
        var used = size(closing)
        for event in events {
            let cost = estimatedBytes(event) + 1
            // Start a new part when this one is full (or is the first, holding only the highlights).
            if used + cost > limit, !current.events.isEmpty || !(current.highlights ?? []).isEmpty {
                parts.append(current)
                current = RecordingPart(recordingId: id, index: parts.count, events: [], last: false)
                closing.startedAt = nil; closing.highlights = nil; closing.index = parts.count
                used = size(closing)
            }
            if used + cost > limit {
                skipped += 1
                continue
            }
            current.events.append(event)
            used += cost
        }
        current.last = true
        current.complete = scan.complete && skipped == 0
        current.ending = scan.ending(stillRecording: stillRecording) + (skipped > 0 ? "; \(skipped) event(s) over the message limit left out" : "")
        current.failure = scan.failure?.description
        parts.append(current)
        // The estimate is an upper bound; measure anyway, and halve any part it got wrong.
        var checked = [RecordingPart]()
        for part in parts { checked += split(part, re: re, limit: limit) }
        for i in checked.indices { checked[i].index = i }
        return checked
    }

    /// An upper bound of the bytes one event adds to a part's JSON: the frame
    /// string escaped (quotes, backslashes, control characters) plus its fields.
    static func estimatedBytes(_ event: RecordingPart.Event) -> Int {
        var n = 0
        for b in event.frame.utf8 {
            switch b {
            case 0x22, 0x5c: n += 2
            case 0 ..< 0x20: n += 6
            default: n += 1
            }
        }
        // {"frame":"…","keyframe":false,"offsetMs":4294967295}
        return n + 52
    }

    private static func split(_ part: RecordingPart, re: Int?, limit: Int) -> [RecordingPart] {
        guard WireCodec.encode(.recordingPart(part), re: re).count > limit, part.events.count > 1 else { return [part] }
        let half = part.events.count / 2
        var first = part, second = part
        first.events = Array(part.events[..<half])
        first.last = false; first.complete = nil; first.ending = nil; first.failure = nil
        second.events = Array(part.events[half...])
        second.startedAt = nil; second.highlights = nil
        return split(first, re: re, limit: limit) + split(second, re: re, limit: limit)
    }
}
