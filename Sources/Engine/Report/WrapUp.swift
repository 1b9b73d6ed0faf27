import Foundation

/// The note a session leaves on its ticket, written by the engine: who, when,
/// how long, which control modes and for how long, what was done (counts,
/// never what was typed), the notes, who took part, the connection, the
/// recording, the survey and the outcome. It is read off the audit trail, so
/// it says what the engine can prove, and every free text in it goes through
/// the redactor again: a card number the page or a note showed never reaches
/// the help desk.
public struct WrapUp: Codable, Equatable, Sendable {
    public struct ModeTime: Codable, Equatable, Sendable {
        public var mode: ControlMode
        public var seconds: Int
    }

    public struct Actions: Codable, Equatable, Sendable {
        public var annotations = 0
        public var clicks = 0
        public var typing = 0
        public var scrolls = 0
        public var screenshots = 0
    }

    public var sessionId: String
    public var ticketId: String
    public var subject: String
    public var customer: String
    public var agent: String
    /// How it came about. A hand-off keeps it (see `HandOffRecord`): `handOffs` says the session was escalated.
    public var initiator: SessionInitiator
    /// "handed off by A to B: reason", oldest first; empty when one agent had it throughout.
    public var handOffs: [String]
    public var startedAt: Date?
    public var endedAt: Date?
    public var durationSeconds: Int?
    public var ending: String?
    public var modes: [ModeTime]
    public var actions: Actions
    public var notes: [NoteEntry]
    public var participants: [String]
    public var quality: ConnectionQuality
    public var rttMs: Int?
    public var lossPercent: Int?
    public var drops: Int
    public var dropsBeforeConsent: Int
    public var recordingId: String?
    public var survey: String?
    public var outcome: SessionOutcome?
    public var outcomeBy: String?
    /// Where the engine sent it ("Zendesk ticket 2201"), nil when it stays with the engine (no help desk, or a local ticket).
    public var sentTo: String?

    /// Everything the store knows of one session, as the wrap-up reads it.
    public struct Sources {
        public var summary: SessionSummary
        public var audits: [AuditEntry]
        public var notes: [NoteEntry]
        public var participants: [(name: String, role: ParticipantRole)]
        public var survey: SessionSurvey?
        public var outcome: RecordedOutcome?
        public var recordingId: String?
        public var handOffs: [HandOffRecord]
        public init(summary: SessionSummary, audits: [AuditEntry], notes: [NoteEntry], participants: [(name: String, role: ParticipantRole)],
                    survey: SessionSurvey?, outcome: RecordedOutcome?, recordingId: String?, handOffs: [HandOffRecord] = []) {
            self.summary = summary; self.audits = audits; self.notes = notes; self.participants = participants
            self.survey = survey; self.outcome = outcome; self.recordingId = recordingId; self.handOffs = handOffs
        }
    }

    public init(_ s: Sources, redactor: Redactor, now: Date) {
        let summary = s.summary
        func clean(_ text: String) -> String { redactor.redact(text: text).value }
        sessionId = summary.id
        ticketId = summary.ticket.id
        subject = clean(summary.ticket.subject)
        customer = clean(summary.ticket.customer)
        agent = summary.agentName
        initiator = summary.initiator ?? .agent
        handOffs = s.handOffs.map { clean($0.line) }
        startedAt = summary.startedAt
        endedAt = summary.endedAt
        durationSeconds = summary.startedAt.map { Int(((summary.endedAt ?? now).timeIntervalSince($0)).rounded()) }
        ending = summary.endReason?.title
        let trail = s.audits.sorted { $0.seq < $1.seq }
        modes = Self.modeTimes(trail, start: summary.startedAt, end: summary.endedAt ?? now)
        actions = Self.actions(trail)
        notes = s.notes.map { NoteEntry(at: $0.at, author: $0.author, text: clean($0.text)) }
        // Each person once, in the order they first joined: a customer's page reconnects on every navigation.
        var seen = Set<String>()
        participants = s.participants.map { "\($0.name) (\($0.role.rawValue))" }.filter { seen.insert($0).inserted }
        quality = summary.quality
        rttMs = summary.rttMs
        lossPercent = summary.lossPercent
        let disconnects = trail.filter { $0.action == "customer.disconnected" }
        drops = disconnects.count
        dropsBeforeConsent = disconnects.filter { d in summary.startedAt.map { d.at < $0 } ?? true }.count
        recordingId = s.recordingId
        survey = s.survey.map { "\($0.stars)/5" + ($0.comment.map { ": \(clean($0))" } ?? "") }
        outcome = s.outcome.map { o in
            switch o.outcome {
            case .resolved: .resolved
            case let .followUp(plan, owner, due): .followUp(plan: clean(plan), owner: clean(owner), due: due)
            case let .escalated(to, reason): .escalated(to: clean(to), reason: clean(reason))
            }
        }
        outcomeBy = s.outcome?.by
    }

    /// Time in each mode, from consent to the end, in the order first used.
    static func modeTimes(_ trail: [AuditEntry], start: Date?, end: Date) -> [ModeTime] {
        guard let start else { return [] }
        var current = ControlMode.viewOnly, since = start
        var seconds: [ControlMode: TimeInterval] = [:], order: [ControlMode] = [.viewOnly]
        for row in trail where row.action == "mode.changed" && row.at >= start {
            guard let to = Self.field("to", in: row.detail).flatMap(ControlMode.init(rawValue:)) else { continue }
            seconds[current, default: 0] += row.at.timeIntervalSince(since)
            current = to
            since = row.at
            if !order.contains(to) { order.append(to) }
        }
        seconds[current, default: 0] += max(0, end.timeIntervalSince(since))
        return order.map { ModeTime(mode: $0, seconds: Int((seconds[$0] ?? 0).rounded())) }
    }

    /// What was done on the page, counted from the audit rows (which never hold typed text).
    static func actions(_ trail: [AuditEntry]) -> Actions {
        var a = Actions()
        var kinds: [String: String] = [:]
        for row in trail {
            switch row.action {
            case "annotation.added": a.annotations += 1
            case "screenshot.allowed": a.screenshots += 1
            case "action.requested", "action.allowed":
                if let id = field("id", in: row.detail), let kind = field("kind", in: row.detail) { kinds[id] = kind }
            case "action.performed":
                switch field("id", in: row.detail).flatMap({ kinds[$0] }) {
                case "click": a.clicks += 1
                case "type": a.typing += 1
                case "scroll": a.scrolls += 1
                default: break
                }
            default: break
            }
        }
        return a
    }

    /// `key=value` out of an audit row's detail.
    static func field(_ key: String, in detail: String) -> String? {
        for part in detail.split(separator: " ") where part.hasPrefix(key + "=") { return String(part.dropFirst(key.count + 1)) }
        return nil
    }

    // MARK: - As text (the help desk's internal note, `cobrowse sessions show`)

    public var text: String {
        var lines = ["Co-browse session \(sessionId) on ticket \(ticketId): \(subject)",
                     "Customer: \(customer) · Agent: \(agent)" + (handOffs.isEmpty ? "" : " (\(handOffs.joined(separator: "; ")))")
                        + " · Started by: \(initiator.title)" + (handOffs.isEmpty ? "" : "; escalated")]
        if let startedAt {
            let end = endedAt.map { " to \(Self.clock($0))" } ?? " (still live)"
            lines.append("When: \(Self.day(startedAt)) \(Self.clock(startedAt))\(end) UTC, \(Self.minutes(durationSeconds ?? 0))" + (ending.map { "; \($0)" } ?? ""))
        } else {
            lines.append("The customer never joined" + (ending.map { "; \($0)" } ?? ""))
        }
        if !modes.isEmpty { lines.append("Modes: " + modes.map { "\($0.mode.title) \(Self.minutes($0.seconds))" }.joined(separator: ", ")) }
        lines.append("Actions: \(Self.count(actions.annotations, "annotation")), \(Self.count(actions.clicks, "click")), "
            + "\(Self.count(actions.typing, "typing action")), \(Self.count(actions.scrolls, "scroll")), \(Self.count(actions.screenshots, "screenshot"))")
        var connection = "Connection: \(quality.rawValue)"
        if let rttMs { connection += ", round trip \(rttMs) ms" }
        if let lossPercent { connection += ", \(lossPercent) % lost" }
        connection += "; \(Self.count(drops, "drop"))" + (dropsBeforeConsent > 0 ? " (\(dropsBeforeConsent) before consent)" : "")
        lines.append(connection)
        if !participants.isEmpty { lines.append("Participants: " + participants.joined(separator: ", ")) }
        if notes.isEmpty { lines.append("Notes: none") } else {
            lines.append("Notes:")
            lines += notes.map { "  \(Self.clock($0.at)) \($0.author): \($0.text)" }
        }
        lines.append(recordingId.map { "Recording: \($0), kept by the engine; an authorised console opens it (Recordings)" } ?? "Recording: none")
        if let survey { lines.append("Survey: \(survey)") }
        lines.append("Outcome: " + (outcome.map { $0.line + (outcomeBy.map { "; recorded by \($0)" } ?? "") } ?? "not given yet"))
        return lines.joined(separator: "\n")
    }

    static func minutes(_ seconds: Int) -> String { seconds < 60 ? "\(seconds) s" : "\(Int((Double(seconds) / 60).rounded())) min" }
    static func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }

    private static let utc: Calendar = { var c = Calendar(identifier: .gregorian); c.timeZone = TimeZone(identifier: "UTC")!; return c }()
    static func clock(_ d: Date) -> String {
        let c = utc.dateComponents([.hour, .minute], from: d)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }
    static func day(_ d: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: d)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
