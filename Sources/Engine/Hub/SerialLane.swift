import Foundation
import NIOConcurrencyHelpers

/// A serial executor: work given to one lane runs one piece at a time, in the
/// order given; work on different lanes never waits for each other. Each
/// session has one, and so does each connection (for its hello and the
/// console's requests that belong to no session), so the engine has no lock
/// that every event passes through.
public protocol SerialLane: Sendable {
    /// Runs `work` after what the lane already holds; returns at once.
    func async(_ work: @escaping @Sendable () -> Void)
    /// Runs `work` after what the lane already holds and waits for it. Never
    /// from work on the same lane.
    func sync<T>(_ work: () -> T) -> T
}

/// How the hub makes its lanes.
public enum LaneKind: Sendable {
    /// One dispatch queue per lane: the engine's own. Work runs on the
    /// dispatch pool, never on an event loop, so a slow store write holds up
    /// only the session that made it.
    case dispatch
    /// Work runs on the thread that gives it, unless the lane is already
    /// running, in which case it runs right after. For tests that drive the
    /// hub by hand and look at what was sent as soon as the call returns.
    case inline

    func makeLane(_ label: String) -> SerialLane {
        switch self {
        case .dispatch: DispatchLane(label)
        case .inline: InlineLane()
        }
    }
}

struct DispatchLane: SerialLane {
    private let queue: DispatchQueue
    init(_ label: String) { queue = DispatchQueue(label: "cobrowse.lane.\(label)") }
    func async(_ work: @escaping @Sendable () -> Void) { queue.async(execute: work) }
    func sync<T>(_ work: () -> T) -> T { queue.sync(execute: work) }
}

/// A trampoline: the first caller runs the lane's work until none is left.
/// Work given while the lane runs (from the same thread, say a transport that
/// reports a close from inside `close()`) waits its turn instead of
/// re-entering, which is what keeps a lane serial.
final class InlineLane: SerialLane, @unchecked Sendable {
    private struct State {
        var queue: [@Sendable () -> Void] = []
        var running = false
    }
    private let state = NIOLockedValueBox(State())
    /// Held while work runs, so `sync` from another thread waits for it.
    private let running = NSLock()

    func async(_ work: @escaping @Sendable () -> Void) {
        let first = state.withLockedValue { s -> Bool in
            s.queue.append(work)
            if s.running { return false }
            s.running = true
            return true
        }
        guard first else { return }
        running.lock()
        drain()
        running.unlock()
    }

    func sync<T>(_ work: () -> T) -> T {
        running.lock()
        defer { running.unlock() }
        // Work given from inside `work` (a close reported from inside `close()`) runs after it.
        state.withLockedValue { $0.running = true }
        let result = work()
        drain()
        return result
    }

    /// Runs what is queued until nothing is; then the lane is idle again.
    private func drain() {
        while let next = state.withLockedValue({ s -> (@Sendable () -> Void)? in
            if s.queue.isEmpty { s.running = false; return nil }
            return s.queue.removeFirst()
        }) {
            next()
        }
    }
}
