import Foundation
import Logging
import NIOConcurrencyHelpers

/// Sends the outbox, one row at a time in row order (so a ticket's rows arrive
/// in the order they were written), each by its courier (the desk, the mail
/// server, the SMS gateway), on a task of its own: never on an event loop.
///
/// Crash safety: a row is marked `sending` before the call and `delivered` (or
/// retry, or failed) in the one write that follows the answer. Nothing is lost:
/// a row only leaves the outbox once the desk said yes. What remains is the
/// window between the desk acting and that write: an engine killed there finds
/// the row `sending` at its next start and sends it again, with the same
/// idempotency key (Zendesk's `Idempotency-Key` header, the webhook event's
/// `id`), so a desk that honours the key acts once; Freshdesk has no such key
/// and may see that one call twice.
public final class OutboxSender: Sendable {
    private let store: HelpDeskStore
    private let couriers: OutboxCouriers
    private let backoff: OutboxBackoff
    private let pollInterval: TimeInterval
    private let clock: @Sendable () -> Date
    private let logger: Logger
    /// Told how each row that names a session ended (accepted, or failed for good), for that session's feed.
    private let onSettled: (@Sendable (OutboxEntry, OutboxSettlement) -> Void)?
    private let state = NIOLockedValueBox(RunState())
    /// A reason may quote the far side, which may name the customer's address or number: the log gets it redacted.
    private let redactor = Redactor()
    /// How long a delivered row is kept (its idempotency key dedupes that long).
    static let keepDelivered: TimeInterval = 90 * 86_400

    private struct RunState {
        var task: Task<Void, Never>?
        /// Set by `stop`: rows due until then are still sent, none after.
        var stopAt: Date?
    }

    public init(store: HelpDeskStore, couriers: OutboxCouriers, backoff: OutboxBackoff = .init(),
                pollInterval: TimeInterval = 0.5, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "cobrowse.outbox"),
                onSettled: (@Sendable (OutboxEntry, OutboxSettlement) -> Void)? = nil) {
        self.store = store; self.couriers = couriers; self.backoff = backoff
        self.pollInterval = pollInterval; self.clock = clock; self.logger = logger; self.onSettled = onSettled
    }

    /// A sender for the help desk alone.
    public convenience init(store: HelpDeskStore, desk: HelpDesk, transport: DeskTransport, backoff: OutboxBackoff = .init(),
                            pollInterval: TimeInterval = 0.5, clock: @escaping @Sendable () -> Date = { Date() },
                            logger: Logger = Logger(label: "cobrowse.helpdesk")) {
        self.init(store: store, couriers: OutboxCouriers(helpDesk: DeskCourier(desk: desk, transport: transport)), backoff: backoff,
                  pollInterval: pollInterval, clock: clock, logger: logger)
    }

    /// Puts back rows an earlier engine left mid-call, then sends until `stop`.
    public func start() throws {
        let now = clock()
        let requeued = try store.requeueInterrupted(at: now)
        // Long enough that a repeat of the same event is still caught; short enough that the outbox does not grow for ever.
        let pruned = try store.pruneDelivered(before: now.addingTimeInterval(-Self.keepDelivered))
        if pruned > 0 { logger.info("outbox: forgot \(pruned) call(s) delivered more than 90 days ago") }
        if requeued > 0 { logger.notice("outbox: \(requeued) call(s) were being sent when the engine stopped; sending them again") }
        state.withLockedValue { s in
            guard s.task == nil else { return }
            s.task = Task.detached { [self] in await self.run() }
        }
    }

    /// Sends what is due for up to `drain` seconds (the notes of sessions the
    /// stop just ended), lets a call in flight finish, then stops. What is not
    /// sent stays in the outbox for the next start.
    public func stop(drain: TimeInterval = 3) {
        let task = state.withLockedValue { s -> Task<Void, Never>? in
            s.stopAt = s.stopAt ?? Date().addingTimeInterval(drain)
            return s.task
        }
        guard let task else { return }
        let done = DispatchSemaphore(value: 0)
        Task.detached { await task.value; done.signal() }
        // A call in flight when the drain ends gets a few seconds more, then is cut (the row is sent again next start).
        if done.wait(timeout: .now() + drain + 5) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 2)
        }
    }

    private var stopAt: Date? { state.withLockedValue { $0.stopAt } }
    private var pastStop: Bool { stopAt.map { Date() >= $0 } ?? false }

    private func run() async {
        while !Task.isCancelled, !pastStop {
            // Only a pass that began after the stop may end the drain: one before it could miss rows written just before the stop.
            let draining = stopAt != nil
            let sent = await sendDue()
            if sent == 0 {
                if draining { return }
                await nap()
            }
        }
    }

    /// Waits a poll interval, in short steps so a stop is heard at once.
    private func nap() async {
        let until = Date().addingTimeInterval(pollInterval)
        while Date() < until, stopAt == nil, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(min(0.05, pollInterval) * 1_000_000_000))
        }
    }

    /// Sends every row that is due now; returns how many were tried.
    @discardableResult
    public func sendDue(limit: Int = 32) async -> Int {
        let due: [OutboxEntry]
        do { due = try store.dueOutbox(now: clock(), limit: limit) } catch {
            logger.error("outbox: could not be read: \(error)")
            return 0
        }
        var tried = 0
        // One row per ticket comes back; the next of a ticket comes on the next round, after this one is settled.
        for entry in due {
            if pastStop || Task.isCancelled { break }
            await deliver(entry)
            tried += 1
        }
        return tried
    }

    private func deliver(_ entry: OutboxEntry) async {
        let label = "row \(entry.id) (ticket \(entry.ticketId), \(Self.kind(entry.call)))"
        let channel = entry.call.channel
        guard let courier = couriers.courier(for: channel) else {
            // Kept, not failed: the engine may be started again with what it needs.
            // Looked at again at the longest backoff: nothing changes until the engine is started with what it needs.
            settle(entry, CourierAnswer(.retry(after: backoff.maximum, reason: OutboxCouriers.missing(channel))), label: label, counts: false)
            return
        }
        do { try store.markSending(id: entry.id, at: clock()) } catch {
            // Not marked, not sent: the row is tried again next round.
            logger.error("\(channel.rawValue): \(label) could not be marked as being sent: \(error)")
            return
        }
        settle(entry, await courier.carry(entry, now: clock()), label: label)
    }

    /// `counts`: whether the answer followed an attempt (a row no courier could take was not tried).
    private func settle(_ entry: OutboxEntry, _ answer: CourierAnswer, label: String, counts: Bool = true) {
        let now = clock()
        let channel = entry.call.channel.rawValue
        do {
            switch answer.outcome {
            case .delivered:
                try store.markDelivered(id: entry.id, at: now)
                logger.info("\(channel): \(label) delivered")
                tell(entry, .accepted(receipt: answer.receipt))
            case let .retry(after, reason):
                let attempts = entry.attempts + (counts ? 1 : 0)
                if attempts >= backoff.maxAttempts {
                    let why = "gave up after \(attempts) attempts; last: \(reason)"
                    try store.markFailed(id: entry.id, at: now, reason: why)
                    logger.error("\(channel): \(label) given up after \(attempts) attempts: \(LogText.safe(reason, redactor))")
                    tell(entry, .failed(reason: why))
                } else {
                    let wait = backoff.delay(attempts: max(1, attempts), retryAfter: after)
                    try store.markRetry(id: entry.id, at: now, next: now.addingTimeInterval(wait), reason: reason)
                    logger.warning("\(channel): \(label) not delivered (\(LogText.safe(reason, redactor))); next try in \(String(format: "%.1f", wait))s")
                }
            case let .failed(reason):
                try store.markFailed(id: entry.id, at: now, reason: reason)
                logger.error("\(channel): \(label) refused for good: \(LogText.safe(reason, redactor))")
                tell(entry, .failed(reason: reason))
            }
        } catch {
            // The row stays `sending` and is tried again: at worst a second send, never a lost one.
            logger.error("\(channel): \(label) could not be settled in the outbox: \(error)")
        }
    }

    /// Only rows that name a session have a feed to tell.
    private func tell(_ entry: OutboxEntry, _ settlement: OutboxSettlement) {
        guard entry.sessionId != nil else { return }
        onSettled?(entry, settlement)
    }

    static func kind(_ call: DeskCall) -> String {
        switch call {
        case .publicReply: "public reply"
        case .internalNote: "internal note"
        case let .setStatus(s): "status \(s.rawValue)"
        case let .event(e, _, _): e.rawValue
        case .email: "e-mail"
        case .sms: "SMS"
        }
    }
}
