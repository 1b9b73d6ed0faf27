import Foundation

/// Messages that arrived on a client connection, waiting for a thread outside
/// the event loops to take them. The event loop only pushes; blocking waits
/// happen on the caller's thread, on a condition variable.
final class MessageInbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [WireFrame] = []
    private var reason: String?
    private var payloadBytes = 0

    /// `bytes`: the frame's payload as it came off the wire, counted for load tests.
    func push(_ frame: WireFrame, bytes: Int = 0) {
        condition.lock()
        frames.append(frame)
        payloadBytes += bytes
        condition.broadcast()
        condition.unlock()
    }

    /// Marks the connection as ended; the first reason wins.
    func finish(_ why: String) {
        condition.lock()
        if reason == nil { reason = why }
        condition.broadcast()
        condition.unlock()
    }

    var closedReason: String? {
        condition.lock(); defer { condition.unlock() }
        return reason
    }

    /// Payload bytes of every frame pushed so far (decoded or not read yet).
    var bytesReceived: Int {
        condition.lock(); defer { condition.unlock() }
        return payloadBytes
    }

    func drain() -> [WireFrame] {
        condition.lock(); defer { condition.unlock() }
        let all = frames
        frames = []
        return all
    }

    /// Removes and returns the first frame matching `predicate`, waiting up to
    /// `timeout`; other frames stay queued. Nil on timeout or when the
    /// connection has ended with nothing matching left.
    func take(timeout: TimeInterval, where predicate: (WireFrame) -> Bool = { _ in true }) -> WireFrame? {
        let deadline = Date(timeIntervalSinceNow: max(timeout, 0))
        condition.lock(); defer { condition.unlock() }
        while true {
            if let i = frames.firstIndex(where: predicate) { return frames.remove(at: i) }
            if reason != nil { return nil }
            if !condition.wait(until: deadline) {
                if let i = frames.firstIndex(where: predicate) { return frames.remove(at: i) }
                return nil
            }
        }
    }
}
