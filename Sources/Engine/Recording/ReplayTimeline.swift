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
/// since the last full scene.
public struct ReplayTimeline: Sendable {
    public let events: [RecordedEvent]
    public let startedAt: Date
    public let duration: TimeInterval
    public private(set) var markers: [ReplayMarker]
    /// Indices into `events` of full scenes (real or synthetic).
    private let keyframes: [Int]
    private let summaries: [Int]
    private let activity: [(offsetMs: UInt32, item: ActivityItem)]
    private let notes: [(offsetMs: UInt32, note: NoteEntry)]

    public init(scan: RecordingScan, highlights: [Highlight] = []) {
        let end = scan.trailer.map { TimeInterval($0.endedAtMs - scan.header.createdAtMs) / 1000 }
        self.init(events: scan.events, startedAt: scan.header.createdAt, endOffset: end, highlights: highlights)
    }

    public init(events: [RecordedEvent], startedAt: Date, endOffset: TimeInterval? = nil, highlights: [Highlight] = []) {
        self.events = events
        self.startedAt = startedAt
        duration = max(endOffset ?? 0, events.last?.offset ?? 0)
        var keyframes = [Int](), summaries = [Int](), markers = [ReplayMarker]()
        var activity = [(UInt32, ActivityItem)](), notes = [(UInt32, NoteEntry)]()
        for (i, e) in events.enumerated() {
            switch e.message {
            case .scene: keyframes.append(i)
            case .summary: summaries.append(i)
            case let .activity(a):
                activity.append((e.offsetMs, a))
                switch a.kind {
                case .modeChanged: markers.append(ReplayMarker(time: e.offset, kind: .mode, label: a.text))
                case .joined, .disconnected, .reconnected, .ended: markers.append(ReplayMarker(time: e.offset, kind: .session, label: a.text))
                default: break
                }
            case let .note(n):
                notes.append((e.offsetMs, n))
                markers.append(ReplayMarker(time: e.offset, kind: .note, label: n.text))
            default: break
            }
        }
        for h in highlights { markers.append(ReplayMarker(time: h.at, kind: .highlight, label: h.title)) }
        self.keyframes = keyframes; self.summaries = summaries; self.activity = activity; self.notes = notes
        self.markers = markers.sorted { $0.time < $1.time }
    }

    /// The console's state after every event at or before `time` (seconds from the start).
    public func state(at time: TimeInterval) -> ReplayState {
        let limit = Self.ms(time)
        var state = ReplayState()
        if let s = lastIndex(in: summaries, atOrBefore: limit), case let .summary(summary) = events[s].message { state.summary = summary }
        state.activity = activity.prefix(while: { $0.offsetMs <= limit }).map(\.item)
        state.notes = notes.prefix(while: { $0.offsetMs <= limit }).map(\.note)
        if let k = lastIndex(in: keyframes, atOrBefore: limit) {
            var i = k
            while i < events.count, events[i].offsetMs <= limit {
                switch events[i].message {
                case .scene, .sceneDelta: state.apply(events[i])
                default: break
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
        let lo = Self.ms(from), hi = Self.ms(to)
        let start = firstIndex { $0.offsetMs > lo }
        let end = firstIndex { $0.offsetMs > hi }
        return events[start ..< max(start, end)]
    }

    /// When the next event after `time` happens (for compressing idle stretches).
    public func nextEventTime(after time: TimeInterval) -> TimeInterval? {
        let i = firstIndex { $0.offsetMs > Self.ms(time) }
        return i < events.count ? events[i].offset : nil
    }

    public mutating func addHighlightMarkers(_ highlights: [Highlight]) {
        markers = (markers + highlights.map { ReplayMarker(time: $0.at, kind: .highlight, label: $0.title) }).sorted { $0.time < $1.time }
    }

    static func ms(_ t: TimeInterval) -> UInt32 { UInt32(clamping: Int64((max(0, t) * 1000).rounded(.down))) }

    /// Binary search: the first event index where `pred` holds (pred is monotonic over offsets).
    private func firstIndex(where pred: (RecordedEvent) -> Bool) -> Int {
        var lo = 0, hi = events.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pred(events[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private func lastIndex(in list: [Int], atOrBefore limit: UInt32) -> Int? {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if events[list[mid]].offsetMs <= limit { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : list[lo - 1]
    }
}
