import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Writes the rows no action waits for (feed items, participants, refusal
/// audit rows) on its own lane, batching what queued up meanwhile into one
/// transaction. A failed batch is kept, in order, and tried again on every
/// tick; the sessions it belongs to hear about it once, when it starts
/// failing, and the log when it is written at last. Nothing is dropped
/// unless `maxWaiting` rows already wait, and then the loss is logged.
///
/// Rows an action depends on (an audit row before the action, a note the
/// agent is told is saved, a link being spent) are written by the session's
/// own lane, synchronously, so a refusal can still be said.
public final class StoreWriter: @unchecked Sendable {
    public let store: SessionStore
    private let lane: SerialLane
    private let logger: Logger
    private let metrics: EngineMetrics?
    private let state = NIOLockedValueBox(State())
    /// Rows kept for a retry at most; beyond it the oldest go, counted in the log.
    public static let maxWaiting = 10_000

    /// Told which sessions' rows could not be written (once per failing spell) and why.
    public var onFailure: (@Sendable (_ sessions: Set<String>, _ error: Error) -> Void)?

    private struct State {
        var waiting: [FeedRow] = []
        var flushQueued = false
        var failing = false
        var lost = 0
    }

    init(store: SessionStore, lanes: LaneKind, logger: Logger, metrics: EngineMetrics? = nil) {
        self.store = store
        self.logger = logger
        self.metrics = metrics
        lane = lanes.makeLane("store-writer")
    }

    /// Queues a row; it is written with whatever else is waiting.
    public func enqueue(_ row: FeedRow) {
        let schedule = state.withLockedValue { s -> Bool in
            s.waiting.append(row)
            if s.waiting.count > Self.maxWaiting {
                s.waiting.removeFirst()
                s.lost += 1
            }
            // While the store fails, rows wait for the next retry instead of hammering it.
            guard !s.flushQueued, !s.failing else { return false }
            s.flushQueued = true
            return true
        }
        if schedule { lane.async { self.flush() } }
    }

    /// Tries the waiting rows again (the engine's tick calls this).
    public func retry() {
        let schedule = state.withLockedValue { s -> Bool in
            guard s.failing, !s.flushQueued, !s.waiting.isEmpty else { return false }
            s.flushQueued = true
            return true
        }
        if schedule { lane.async { self.flush() } }
    }

    /// Returns once every row queued before the call has been tried.
    public func waitUntilTried() {
        lane.sync { flush() }
    }

    /// Rows still waiting for the store.
    public var rowsWaiting: Int { state.withLockedValue { $0.waiting.count } }

    /// A session's feed items the store has not taken yet, so a console that
    /// attaches during a failing spell still sees them.
    public func activityWaiting(sessionId: String) -> [ActivityItem] {
        state.withLockedValue { s in
            s.waiting.compactMap { row in
                if case let .activity(sid, item) = row, sid == sessionId { return item }
                return nil
            }
        }
    }

    private func flush() {
        let (batch, lost, wasFailing) = state.withLockedValue { s -> ([FeedRow], Int, Bool) in
            s.flushQueued = false
            let taken = (s.waiting, s.lost, s.failing)
            s.waiting = []
            s.lost = 0
            return taken
        }
        if lost > 0 { logger.error("\(lost) feed row(s) were lost: \(Self.maxWaiting) rows already waited for the store") }
        guard !batch.isEmpty else { return }
        // A failed write is timed too: a store that takes seconds to refuse is what the histogram is for.
        let began = DispatchTime.now().uptimeNanoseconds
        defer { metrics?.storeWrite(tookNanoseconds: Int64(DispatchTime.now().uptimeNanoseconds - began)) }
        do {
            try store.appendFeed(batch)
            // Rows queued while this batch was being written, during a failing spell,
            // were not scheduled (they waited for a retry): they go now.
            let more = state.withLockedValue { s -> Bool in
                s.failing = false
                guard !s.waiting.isEmpty, !s.flushQueued else { return false }
                s.flushQueued = true
                return true
            }
            if more { lane.async { self.flush() } }
            if wasFailing { logger.notice("stored \(batch.count) row(s) that had waited for the store") }
        } catch {
            // Back in front of anything queued meanwhile, so the order holds.
            state.withLockedValue { s in
                s.waiting = batch + s.waiting
                s.failing = true
            }
            guard !wasFailing else { return }
            logger.error("could not store \(batch.count) feed row(s); will retry: \(error)")
            onFailure?(Set(batch.compactMap(\.sessionId)), error)
        }
    }
}
