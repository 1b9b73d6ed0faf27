import Foundation

/// A result delivered once from an event loop and awaited, with a deadline,
/// by a thread outside it. The first result wins.
final class OneShot<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, Error>?

    func fulfill(_ value: Result<Value, Error>) {
        condition.lock()
        if result == nil { result = value }
        condition.broadcast()
        condition.unlock()
    }

    /// Nil when `timeout` passes first.
    func wait(timeout: TimeInterval) -> Result<Value, Error>? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: deadline) { break }
        }
        return result
    }
}
