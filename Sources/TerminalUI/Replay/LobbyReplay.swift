import Engine
import Foundation

/// Recordings from the lobby as a pure state machine: the shelf of
/// recordings this agent may open, the one-line reason prompt, gathering the
/// engine's `recording-part`s, and the replay itself (the same `ReplayPlayer`
/// and `ReplayView` as `cobrowse replay`). The console never reads the data
/// directory: everything arrives over the engine's socket and stays in memory.
///
/// The runner offers it each key first (it takes only what is its own) and
/// each engine message (it takes recordings, parts, and the errors answering
/// them), and draws it instead of the lobby while it is open.
public struct LobbyReplay: Sendable {
    /// The lobby key that opens the shelf.
    public static let key: ConsoleKey = .character("R")
    public static let maxReasonLength = 200

    public enum Phase: Equatable, Sendable {
        case closed
        /// `recordings-request` sent, waiting for `recordings`.
        case loading
        case shelf
        /// Asking why (required, audited by the engine).
        case reason
        /// `open-recording` sent, gathering parts.
        case opening
        case playing
    }

    /// A recording rebuilt from its parts, being played.
    public struct Playback: Sendable {
        public var listing: RecordingListing
        public var timeline: ReplayTimeline
        public var player: ReplayPlayer
        /// nil for a complete recording; otherwise how it ends (a damaged chunk, a crash).
        public var ending: String?
        public var title: String { "\(listing.id) · ticket \(listing.ticketId) · \(listing.agentName)" }
    }

    public private(set) var phase: Phase = .closed
    public private(set) var items: [RecordingListing] = []
    public private(set) var selection = 0
    public private(set) var reason = ""
    /// Shown on the shelf: a refusal, a damaged recording, a missing reason.
    public private(set) var message: StatusMessage?
    public private(set) var opening: RecordingListing?
    public private(set) var received = 0
    public private(set) var playback: Playback?
    private var parts: [RecordingPart] = []
    private var lastTick: Date?

    public init() {}

    public var isOpen: Bool { phase != .closed }
    public var selected: RecordingListing? { items.indices.contains(selection) ? items[selection] : nil }

    // MARK: - keys

    /// Opens the shelf (the lobby's `R`, or `:recordings`): asks the engine for the list.
    public mutating func open() -> [ConsoleCommand] {
        guard phase == .closed else { return [] }
        phase = .loading
        message = nil
        return [.send(.recordingsRequest)]
    }

    /// The commands for a key, or nil when the key is not the shelf's (the console handles it).
    public mutating func handle(key: ConsoleKey) -> [ConsoleCommand]? {
        if key == .interrupt { return nil }
        switch phase {
        case .closed:
            return nil
        case .loading, .opening:
            if key == .escape || key == .character("q") { close(); return [] }
        case .shelf:
            switch key {
            case .up, .character("k"): selection = max(0, selection - 1)
            case .down, .character("j"): selection = min(max(0, items.count - 1), selection + 1)
            case .home: selection = 0
            case .end: selection = max(0, items.count - 1)
            case .character("g"), Self.key:
                phase = .loading
                return [.send(.recordingsRequest)]
            case .enter:
                guard selected != nil else { return [] }
                phase = .reason
                reason = ""
                message = nil
            case .escape, .character("q"): close()
            default: break
            }
        case .reason:
            switch key {
            case .escape: phase = .shelf
            case .backspace: reason = String(reason.dropLast())
            case .tab: if reason.count < Self.maxReasonLength { reason += " " }
            case let .character(c):
                if reason.count < Self.maxReasonLength, !(c.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) { reason.append(c) }
            case .enter:
                let why = reason.trimmingCharacters(in: .whitespaces)
                guard let listing = selected else { phase = .shelf; return [] }
                guard !why.isEmpty else {
                    message = StatusMessage(.error, "A reason is required: every opening is audited with it")
                    return []
                }
                phase = .opening
                opening = listing
                parts = []
                received = 0
                message = StatusMessage(.info, "Opening \(listing.id)…")
                return [.send(.openRecording(OpenRecording(recordingId: listing.id, reason: why)))]
            default: break
            }
        case .playing:
            guard var p = playback else { close(); return [] }
            p.player.handle(key: key)
            if p.player.quit { close(); return [] }
            playback = p
        }
        return []
    }

    /// Back to the lobby; a replay's decrypted events are dropped.
    private mutating func close() {
        phase = .closed
        playback = nil
        parts = []
        opening = nil
        reason = ""
        lastTick = nil
    }

    // MARK: - engine messages

    /// Takes the messages that are the shelf's; false leaves the message to the console.
    public mutating func take(_ message: WireMessage) -> Bool {
        switch message {
        case let .recordings(list):
            guard phase == .loading || phase == .shelf else { return true }
            items = list.items
            selection = min(selection, max(0, items.count - 1))
            phase = .shelf
            return true
        case let .recordingPart(part):
            guard phase == .opening, part.recordingId == opening?.id else { return true }
            parts.append(part)
            received += part.events.count
            if part.last { assemble() }
            return true
        case let .error(e) where phase == .loading || phase == .opening:
            let what = phase == .loading ? "Could not list recordings" : "Could not open \(opening?.id ?? "the recording")"
            phase = .shelf
            opening = nil
            parts = []
            self.message = StatusMessage(.error, "\(what): \(e.code.rawValue): \(e.message)")
            return true
        default:
            return false
        }
    }

    /// The parts in order → the recorded events → a timeline, and the player on it.
    private mutating func assemble() {
        defer { parts = [] }
        guard let listing = opening else { return }
        let ordered = parts.sorted { $0.index < $1.index }
        guard ordered.map(\.index) == Array(0 ..< ordered.count), let startedAt = ordered.first?.startedAt, let last = ordered.last else {
            phase = .shelf
            message = StatusMessage(.error, "Recording \(listing.id) arrived incomplete (parts missing); nothing is shown")
            return
        }
        var events = [RecordedEvent]()
        events.reserveCapacity(received)
        for part in ordered {
            for e in part.events {
                guard let frame = try? WireCodec.decode(Array(e.frame.utf8)) else {
                    phase = .shelf
                    message = StatusMessage(.error, "Recording \(listing.id): an event did not decode; nothing is shown")
                    return
                }
                events.append(RecordedEvent(kind: e.keyframe ? .keyframe : .message, offsetMs: e.offsetMs, message: frame.message))
            }
        }
        let highlights = (ordered[0].highlights ?? []).map {
            Highlight(recordingId: listing.id, at: $0.at, duration: $0.duration, title: $0.title, tags: $0.tags, author: $0.author, createdAt: startedAt)
        }
        let end = listing.endedAt.map { max(0, $0.timeIntervalSince(startedAt)) }
        let timeline = ReplayTimeline(events: events, startedAt: startedAt, endOffset: end, highlights: highlights)
        let ending: String? = last.complete == true ? nil : (last.failure.map { "damaged: \($0) — replay stops there" } ?? last.ending ?? "incomplete")
        let player = ReplayPlayer(window: 0 ... max(0, timeline.duration), markers: timeline.markers.map(\.time))
        playback = Playback(listing: listing, timeline: timeline, player: player, ending: ending)
        phase = .playing
        message = nil
        lastTick = nil
    }

    // MARK: - time

    /// Moves a playing replay on by the wall time since the last tick.
    public mutating func tick(now: Date) {
        guard phase == .playing, var p = playback else { lastTick = nil; return }
        if let lastTick { p.player.advance(by: max(0, now.timeIntervalSince(lastTick)), nextEvent: p.timeline.nextEventTime(after:)) }
        lastTick = now
        playback = p
    }
}
