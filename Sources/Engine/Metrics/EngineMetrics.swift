import CoreMetrics
import Foundation
import Prometheus

/// What the engine counts for the operator's Prometheus (`serve --metrics`).
///
/// One engine, one registry: the instruments are swift-metrics' own types made
/// by a `PrometheusMetricsFactory` over this registry, never through
/// `MetricsSystem.bootstrap`, so several engines in one process (the tests)
/// each count their own sessions. Every labelled series is made up front: the
/// places that record (the session lanes, the store writer, the transports'
/// event loops, the recording writers) only increment an atomic, and a scrape
/// shows every series, zeros included, from the first one on.
public final class EngineMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The gateway's WebSockets (customers, viewers, presenter and mirror tabs).
    public let customerTraffic: TrafficMeter
    /// The Unix socket's consoles.
    public let consoleTraffic: TrafficMeter
    let customerDrops: CoreMetrics.Counter
    let storeWrites: CoreMetrics.Timer
    let recordingBytes: CoreMetrics.Counter
    private let started: [SessionInitiator: CoreMetrics.Counter]
    private let ended: [EndKey: CoreMetrics.Counter]
    private let outcomes: [OutcomeKey: CoreMetrics.Counter]
    private let live: [LiveKey: CoreMetrics.Gauge]
    private let backlog: [OutboxEntry.State: CoreMetrics.Gauge]

    private struct EndKey: Hashable { var initiator: SessionInitiator; var reason: EndReason }
    private struct OutcomeKey: Hashable { var initiator: SessionInitiator; var outcome: SessionOutcome.Kind }
    private struct LiveKey: Hashable { var mode: ControlMode; var quality: ConnectionQuality }

    /// The outbox states that are still to reach the desk, the mail server or the SMS gateway.
    static let undeliveredStates: [OutboxEntry.State] = [.pending, .sending, .failed]

    /// Store writes are a few milliseconds on a healthy disk; the upper buckets
    /// are there for a disk that is filling up or a database another process locks.
    static let storeWriteBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.storeWriteDuration] = Self.storeWriteBuckets
        let f = factory
        customerTraffic = TrafficMeter(channel: "customer", factory: f)
        consoleTraffic = TrafficMeter(channel: "console", factory: f)
        customerDrops = CoreMetrics.Counter(label: Name.customerDrops, factory: f)
        storeWrites = CoreMetrics.Timer(label: Name.storeWriteDuration, factory: f)
        recordingBytes = CoreMetrics.Counter(label: Name.recordingBytes, factory: f)
        var started: [SessionInitiator: CoreMetrics.Counter] = [:]
        var ended: [EndKey: CoreMetrics.Counter] = [:]
        var outcomes: [OutcomeKey: CoreMetrics.Counter] = [:]
        for initiator in SessionInitiator.allCases {
            for outcome in SessionOutcome.Kind.allCases {
                outcomes[OutcomeKey(initiator: initiator, outcome: outcome)] = CoreMetrics.Counter(
                    label: Name.sessionOutcomes, dimensions: [("initiator", initiator.rawValue), ("outcome", outcome.rawValue)], factory: f)
            }
            started[initiator] = CoreMetrics.Counter(label: Name.sessionsStarted, dimensions: [("initiator", initiator.rawValue)], factory: f)
            for reason in EndReason.allCases {
                ended[EndKey(initiator: initiator, reason: reason)] = CoreMetrics.Counter(
                    label: Name.sessionsEnded, dimensions: [("initiator", initiator.rawValue), ("reason", reason.rawValue)], factory: f)
            }
        }
        var live: [LiveKey: CoreMetrics.Gauge] = [:]
        for mode in ControlMode.allCases {
            for quality in ConnectionQuality.allCases {
                live[LiveKey(mode: mode, quality: quality)] = CoreMetrics.Gauge(
                    label: Name.liveSessions, dimensions: [("mode", mode.rawValue), ("quality", Self.label(quality))], factory: f)
            }
        }
        var backlog: [OutboxEntry.State: CoreMetrics.Gauge] = [:]
        for state in Self.undeliveredStates {
            backlog[state] = CoreMetrics.Gauge(label: Name.outboxBacklog, dimensions: [("state", state.rawValue)], factory: f)
        }
        (self.started, self.ended, self.outcomes, self.live, self.backlog) = (started, ended, outcomes, live, backlog)
    }

    // MARK: - Recording (cheap: a dictionary look-up and an atomic add)

    /// A session was created for a ticket (its link minted), however it came about.
    func sessionStarted(_ initiator: SessionInitiator?) {
        started[initiator ?? .agent]?.increment()
    }

    /// A session ended, for this reason.
    func sessionEnded(_ initiator: SessionInitiator?, reason: EndReason) {
        ended[EndKey(initiator: initiator ?? .agent, reason: reason)]?.increment()
    }

    /// The agent said how a session went for its ticket (often after it ended, so it is a counter of its own).
    func outcomeRecorded(_ initiator: SessionInitiator?, _ outcome: SessionOutcome.Kind) {
        outcomes[OutcomeKey(initiator: initiator ?? .agent, outcome: outcome)]?.increment()
    }

    func customerDropped() { customerDrops.increment() }

    func storeWrite(tookNanoseconds nanoseconds: Int64) { storeWrites.recordNanoseconds(nanoseconds) }

    func recordingWritten(_ bytes: Int) { recordingBytes.increment(by: bytes) }

    // MARK: - Scraping

    /// What is computed when Prometheus asks rather than kept up to date: the
    /// sessions the hub holds and the outbox's rows, read at that moment.
    public struct Snapshot: Sendable {
        public var liveSessions: [SessionSummary]
        public var outboxBacklog: [OutboxEntry.State: Int]
        public init(liveSessions: [SessionSummary], outboxBacklog: [OutboxEntry.State: Int]) {
            self.liveSessions = liveSessions; self.outboxBacklog = outboxBacklog
        }
    }

    /// The text exposition (format 0.0.4) with the snapshot's gauges set.
    /// Callers serialise scrapes (the listener does): the gauges are set, then read.
    public func exposition(_ snapshot: Snapshot) -> String {
        var counts: [LiveKey: Int] = [:]
        for s in snapshot.liveSessions where s.status != .ended {
            counts[LiveKey(mode: s.controlMode, quality: s.quality), default: 0] += 1
        }
        for (key, gauge) in live { gauge.record(counts[key] ?? 0) }
        for (state, gauge) in backlog { gauge.record(snapshot.outboxBacklog[state] ?? 0) }
        return Self.withHelp(registry.emitToString(), Self.help)
    }

    /// The factory makes no HELP lines (swift-metrics has no place for one):
    /// they are put before each family's TYPE line here, so a dashboard's
    /// author reads what a series means where they see it.
    static func withHelp(_ text: String, _ help: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + help.count * 80)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                if let h = help[String(name)] { out += "# HELP \(name) \(h)\n" }
            }
            out += line
            out += "\n"
        }
        // split keeps the empty piece after the final newline; do not double it.
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// Prometheus label values are plain words; the console's "—" for an unmeasured link is not one.
    static func label(_ quality: ConnectionQuality) -> String {
        quality == .unknown ? "unknown" : quality.rawValue.lowercased()
    }

    /// The metric names, in Prometheus' conventions: the `cobrowse_` prefix, the unit in the name, `_total` on counters.
    public enum Name {
        public static let liveSessions = "cobrowse_live_sessions"
        public static let sessionsStarted = "cobrowse_sessions_started_total"
        public static let sessionsEnded = "cobrowse_sessions_ended_total"
        public static let sessionOutcomes = "cobrowse_session_outcomes_total"
        public static let customerDrops = "cobrowse_customer_drops_total"
        public static let messages = "cobrowse_messages_total"
        public static let bytes = "cobrowse_message_bytes_total"
        public static let storeWriteDuration = "cobrowse_store_write_duration_seconds"
        public static let recordingBytes = "cobrowse_recording_written_bytes_total"
        public static let outboxBacklog = "cobrowse_outbox_undelivered_rows"
    }

    static let help: [String: String] = [
        Name.liveSessions: "Sessions the engine holds that have not ended (link sent or active), by control mode and connection quality.",
        Name.sessionsStarted: "Sessions created for a ticket, by how they came about.",
        Name.sessionsEnded: "Sessions that ended, by how they came about and why they ended.",
        Name.sessionOutcomes: "Outcomes agents recorded for their sessions' tickets (resolved, follow-up, escalated), by how the session came about.",
        Name.customerDrops: "Times a customer's connection was gone long enough for the agent to be told.",
        Name.messages: "Protocol messages on the customer gateway's WebSockets and the console socket.",
        Name.bytes: "Bytes of protocol messages (payloads, before framing and TLS) on the gateway and the console socket.",
        Name.storeWriteDuration: "Time the store writer took to write one batch of feed, participant and refusal rows.",
        Name.recordingBytes: "Bytes written to encrypted recording files (headers and sealed chunks).",
        Name.outboxBacklog: "Outbox rows (help-desk calls, links by e-mail or SMS) not delivered yet, by state; failed rows wait for an operator.",
    ]
}

/// Messages and bytes one way or the other on one transport. The transports'
/// event loops call it for every frame, so it is four atomics and nothing else.
public final class TrafficMeter: Sendable {
    private let messagesIn: CoreMetrics.Counter
    private let messagesOut: CoreMetrics.Counter
    private let bytesIn: CoreMetrics.Counter
    private let bytesOut: CoreMetrics.Counter

    init(channel: String, factory: any MetricsFactory) {
        func counter(_ name: String, _ direction: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: name, dimensions: [("channel", channel), ("direction", direction)], factory: factory)
        }
        messagesIn = counter(EngineMetrics.Name.messages, "in")
        messagesOut = counter(EngineMetrics.Name.messages, "out")
        bytesIn = counter(EngineMetrics.Name.bytes, "in")
        bytesOut = counter(EngineMetrics.Name.bytes, "out")
    }

    /// One frame's payload came in from the peer.
    func received(_ bytes: Int) {
        messagesIn.increment()
        bytesIn.increment(by: bytes)
    }

    /// One frame's payload was handed to the peer's channel.
    func sent(_ bytes: Int) {
        messagesOut.increment()
        bytesOut.increment(by: bytes)
    }
}
