import Foundation

/// What the agent's console showed at one moment of a recording.
public struct ReplayState: Equatable, Sendable {
    public var summary: SessionSummary?
    public var scene: Scene?
    public var activity: [ActivityItem]
    public var notes: [NoteEntry]
    public init(summary: SessionSummary? = nil, scene: Scene? = nil, activity: [ActivityItem] = [], notes: [NoteEntry] = []) {
        self.summary = summary; self.scene = scene; self.activity = activity; self.notes = notes
    }

    /// Applies one recorded event, exactly as a console applies the live message.
    public mutating func apply(_ event: RecordedEvent) {
        switch event.message {
        case let .summary(s): summary = s
        case let .scene(s): scene = s
        case let .sceneDelta(d): if let s = scene, let next = try? s.applying(d) { scene = next }
        case let .activity(a): activity.append(a)
        case let .note(n): notes.append(n)
        case let .snapshot(s): summary = s.summary; scene = s.scene; activity = s.activity; notes = s.notes
        default: break
        }
    }
}

/// A point on the timeline worth jumping to.
public struct ReplayMarker: Equatable, Sendable {
    public enum Kind: String, Sendable { case mode, note, highlight, session }
    public var time: TimeInterval
    public var kind: Kind
    public var label: String
    public init(time: TimeInterval, kind: Kind, label: String) { self.time = time; self.kind = kind; self.label = label }
}

/// A decrypted recording as a pure function of time: `state(at:)` seeks from
/// the nearest keyframe, so any moment is a binary search plus the deltas
/// since the last full scene. Built from a `LazyRecording`, only those deltas
/// and that scene are ever decoded for a seek.
public struct ReplayTimeline: Sendable {
    /// Every event, decoded (for a lazily opened recording: decoded on first use, then kept).
    public var events: [RecordedEvent] { lazy?.scan().events ?? eager }
    public let startedAt: Date
    public let duration: TimeInterval
    public private(set) var markers: [ReplayMarker]
    private let eager: [RecordedEvent]
    private let lazy: LazyRecording?
    /// Every event's offset, in order (the same indices as `events`, or the lazy recording's entries).
    private let offsets: [UInt32]
    /// Indices of full scenes (real or synthetic).
    private let keyframes: [Int]
    private let summaries: [(offsetMs: UInt32, summary: SessionSummary)]
    private let activity: [(offsetMs: UInt32, item: ActivityItem)]
    private let notes: [(offsetMs: UInt32, note: NoteEntry)]

    public init(scan: RecordingScan, highlights: [Highlight] = []) {
        let end = scan.trailer.map { TimeInterval($0.endedAtMs - scan.header.createdAtMs) / 1000 }
        self.init(events: scan.events, startedAt: scan.header.createdAt, endOffset: end, highlights: highlights)
        addGapMarkers(scan.gaps)
    }

    public init(events: [RecordedEvent], startedAt: Date, endOffset: TimeInterval? = nil, highlights: [Highlight] = []) {
        self.init(items: events.lazy.map { ($0.offsetMs, Self.sniffed($0.message), $0.message as WireMessage?) },
                  eager: events, lazy: nil, startedAt: startedAt, endOffset: endOffset, highlights: highlights)
    }

    /// A timeline over a lazily opened recording: nothing but its small messages is decoded until a seek needs it.
    public init(recording: LazyRecording, highlights: [Highlight] = []) {
        let end = recording.trailer.map { TimeInterval($0.endedAtMs - recording.header.createdAtMs) / 1000 }
        self.init(items: recording.entries.lazy.map { ($0.offsetMs, $0.kind == .sceneRepeat ? .other : $0.type, $0.message) },
                  eager: [], lazy: recording, startedAt: recording.header.createdAt, endOffset: end, highlights: highlights)
        addGapMarkers(recording.gaps)
    }

    /// Where the recorder could not write (a full disk): the viewer should know the stretch after it may be missing events.
    private mutating func addGapMarkers(_ gaps: [RecordingGap]) {
        guard !gaps.isEmpty else { return }
        markers = (markers + gaps.map { ReplayMarker(time: Double($0.atMs) / 1000, kind: .session, label: "recording gap: \($0.summary)") })
            .sorted { $0.time < $1.time }
    }

    private static func sniffed(_ m: WireMessage) -> LazyRecording.Sniffed {
        switch m {
        case .scene: .scene
        case .sceneDelta: .sceneDelta
        default: .other
        }
    }

    private init<S: Sequence>(items: S, eager: [RecordedEvent], lazy: LazyRecording?, startedAt: Date, endOffset: TimeInterval?,
                              highlights: [Highlight])
        where S.Element == (UInt32, LazyRecording.Sniffed, WireMessage?) {
        self.eager = eager
        self.lazy = lazy
        self.startedAt = startedAt
        var offsets = [UInt32](), keyframes = [Int](), summaries = [(UInt32, SessionSummary)](), markers = [ReplayMarker]()
        var activity = [(UInt32, ActivityItem)](), notes = [(UInt32, NoteEntry)]()
        for (i, (offsetMs, type, message)) in items.enumerated() {
            offsets.append(offsetMs)
            let offset = Double(offsetMs) / 1000
            if type == .scene { keyframes.append(i); continue }
            switch message {
            case let .summary(s)?: summaries.append((offsetMs, s))
            case let .activity(a)?:
                activity.append((offsetMs, a))
                switch a.kind {
                case .modeChanged: markers.append(ReplayMarker(time: offset, kind: .mode, label: a.text))
                case .joined, .disconnected, .reconnected, .ended: markers.append(ReplayMarker(time: offset, kind: .session, label: a.text))
                default: break
                }
            case let .note(n)?:
                notes.append((offsetMs, n))
                markers.append(ReplayMarker(time: offset, kind: .note, label: n.text))
            default: break
            }
        }
        duration = max(endOffset ?? 0, Double(offsets.last ?? 0) / 1000)
        for h in highlights { markers.append(ReplayMarker(time: h.at, kind: .highlight, label: h.title)) }
        self.offsets = offsets; self.keyframes = keyframes; self.summaries = summaries; self.activity = activity; self.notes = notes
        self.markers = markers.sorted { $0.time < $1.time }
    }

    /// The console's state after every event at or before `time` (seconds from the start).
    public func state(at time: TimeInterval) -> ReplayState {
        let limit = Self.ms(time)
        var state = ReplayState()
        state.summary = summaries.last(where: { $0.offsetMs <= limit })?.summary
        state.activity = activity.prefix(while: { $0.offsetMs <= limit }).map(\.item)
        state.notes = notes.prefix(while: { $0.offsetMs <= limit }).map(\.note)
        if let k = lastIndex(in: keyframes, atOrBefore: limit) {
            var i = k
            while i < offsets.count, offsets[i] <= limit {
                if let lazy {
                    // A repeated scene equals the scene reconstructed so far: nothing to apply.
                    let e = lazy.entries[i]
                    if e.kind != .sceneRepeat, e.type != .other, let m = lazy.decode(i) {
                        state.apply(RecordedEvent(kind: e.kind, offsetMs: e.offsetMs, message: m))
                    }
                } else {
                    switch eager[i].message {
                    case .scene, .sceneDelta: state.apply(eager[i])
                    default: break
                    }
                }
                i += 1
            }
        }
        return state
    }

    /// The same state by playing every event from the start: the reference `state(at:)` must equal.
    public func stateByPlaying(to time: TimeInterval) -> ReplayState {
        let limit = Self.ms(time)
        var state = ReplayState()
        for e in events where e.offsetMs <= limit && e.kind == .message { state.apply(e) }
        return state
    }

    /// Events strictly after `from` up to and including `to` (for streaming in step).
    public func events(after from: TimeInterval, through to: TimeInterval) -> ArraySlice<RecordedEvent> {
        let all = events
        let lo = Self.ms(from), hi = Self.ms(to)
        let start = Self.firstIndex(all.count) { all[$0].offsetMs > lo }
        let end = Self.firstIndex(all.count) { all[$0].offsetMs > hi }
        return all[start ..< max(start, end)]
    }

    /// When the next event after `time` happens (for compressing idle stretches).
    public func nextEventTime(after time: TimeInterval) -> TimeInterval? {
        let limit = Self.ms(time)
        let i = Self.firstIndex(offsets.count) { offsets[$0] > limit }
        return i < offsets.count ? Double(offsets[i]) / 1000 : nil
    }

    public mutating func addHighlightMarkers(_ highlights: [Highlight]) {
        markers = (markers + highlights.map { ReplayMarker(time: $0.at, kind: .highlight, label: $0.title) }).sorted { $0.time < $1.time }
    }

    static func ms(_ t: TimeInterval) -> UInt32 { UInt32(clamping: Int64((max(0, t) * 1000).rounded(.down))) }

    /// Binary search: the first index in 0..<count where `pred` holds (pred is monotonic over offsets).
    private static func firstIndex(_ count: Int, where pred: (Int) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pred(mid) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private func lastIndex(in list: [Int], atOrBefore limit: UInt32) -> Int? {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[list[mid]] <= limit { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : list[lo - 1]
    }
}
