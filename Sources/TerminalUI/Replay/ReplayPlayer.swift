import Engine
import Foundation

/// The replay transport as a pure state machine: keys and elapsed wall time
/// in, a position on the recording out. The timeline turns the position into
/// what the console showed; the runner only feeds keys and the clock.
public struct ReplayPlayer: Equatable, Sendable {
    public static let speeds: [Double] = [0.5, 1, 2, 4, 8]
    /// Idle stretches longer than this are cut to `idleKept` when compression is on.
    public static let idleLimit: TimeInterval = 3
    public static let idleKept: TimeInterval = 1

    /// The playable stretch (the whole recording, or one highlight).
    public let window: ClosedRange<TimeInterval>
    public let markers: [TimeInterval]
    public private(set) var position: TimeInterval
    public private(set) var playing = true
    public private(set) var speedIndex = 1
    public private(set) var compressIdle = false
    public private(set) var showHelp = false
    public private(set) var quit = false

    public init(window: ClosedRange<TimeInterval>, markers: [TimeInterval]) {
        self.window = window
        self.markers = markers.filter { window.contains($0) }.sorted()
        position = window.lowerBound
    }

    public var speed: Double { Self.speeds[speedIndex] }
    public var atEnd: Bool { position >= window.upperBound }

    public mutating func handle(key: ConsoleKey) {
        if showHelp { showHelp = false; if key == .character("q") { return } }
        switch key {
        case .character(" "):
            if atEnd { position = window.lowerBound }
            playing.toggle()
        case .left: seek(to: position - 5)
        case .right: seek(to: position + 5)
        case .shiftLeft: seek(to: position - (window.upperBound - window.lowerBound) / 10)
        case .shiftRight: seek(to: position + (window.upperBound - window.lowerBound) / 10)
        case .pageUp: seek(to: position - 30)
        case .pageDown: seek(to: position + 30)
        case .home: seek(to: window.lowerBound)
        case .end: seek(to: window.upperBound)
        case let .character(c) where c.isASCII && c.isNumber:
            let tenth = Double(c.wholeNumberValue ?? 0) / 10
            seek(to: window.lowerBound + (window.upperBound - window.lowerBound) * tenth)
        case .character("["):
            // A marker just passed (within a second) counts as "current": go one further back.
            if let m = markers.last(where: { $0 < position - 1 }) { seek(to: m) } else { seek(to: window.lowerBound) }
        case .character("]"):
            if let m = markers.first(where: { $0 > position + 0.001 }) { seek(to: m) }
        case .character("+"), .character("="): speedIndex = min(Self.speeds.count - 1, speedIndex + 1)
        case .character("-"), .character("_"): speedIndex = max(0, speedIndex - 1)
        case .character("i"): compressIdle.toggle()
        case .character("?"): showHelp = true
        case .character("q"), .escape, .interrupt: quit = true
        default: break
        }
    }

    public mutating func seek(to t: TimeInterval) {
        position = min(window.upperBound, max(window.lowerBound, t))
    }

    /// Moves the position on by `seconds` of wall time at the current speed.
    /// `nextEvent` names the next recorded event after a time (for idle compression).
    public mutating func advance(by seconds: TimeInterval, nextEvent: (TimeInterval) -> TimeInterval?) {
        guard playing, !showHelp else { return }
        if compressIdle, let next = nextEvent(position), next - position > Self.idleLimit {
            position = next - Self.idleKept
        }
        seek(to: position + seconds * speed)
        if atEnd { playing = false }
    }
}
