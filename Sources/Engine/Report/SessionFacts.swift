import Foundation

/// What the reports need to know of one session, read once from the store:
/// the session's row, its outcome and survey, and what its audit trail says
/// (the highest mode it reached, drops, quality answers, redactions). No
/// page content: a report never shows what a customer's page showed.
public struct SessionFacts: Equatable, Sendable {
    public var id: String
    public var ticketId: String
    public var category: String?
    public var agent: String
    public var initiator: SessionInitiator
    public var createdAt: Date
    /// When the customer consented; nil: the session never started.
    public var startedAt: Date?
    public var endedAt: Date?
    public var endReason: EndReason?
    public var highestMode: ControlMode
    public var outcome: SessionOutcome.Kind?
    public var stars: Int?
    public var recorded: Bool
    public var highlights: Int
    /// Times the customer's connection dropped after consent.
    public var drops: Int
    public var quality: ConnectionQuality
    /// "No" answers to the agent's mid-session "Is the quality okay?".
    public var qualityComplaints: Int
    public var qualityChecks: Int
    /// Secrets the engine hid (the SDK's own masking is not counted: it never reaches the engine).
    public var redactions: Int

    public var started: Bool { startedAt != nil }

    /// Minutes from consent to the end; nil for a session that never started or is still live.
    public var minutes: Double? {
        guard let s = startedAt, let e = endedAt, e >= s else { return nil }
        return e.timeIntervalSince(s) / 60
    }
}

extension SessionFacts {
    /// Every session created in `period`, oldest first.
    public static func read(_ period: ReportPeriod, from store: SessionStore, recordings: RecordingIndex?) throws -> [SessionFacts] {
        let sessions = try store.sessionsCreated(from: period.start, to: period.end)
        guard !sessions.isEmpty else { return [] }
        let recorded = try recordings?.recordings(includeDeleted: true) ?? []
        let recordingOf = Dictionary(recorded.map { ($0.sessionId, $0.id) }, uniquingKeysWith: { a, _ in a })
        var highlightsOf: [String: Int] = [:]
        if let recordings, !recorded.isEmpty {
            for h in try recordings.highlights(recordingId: nil) { highlightsOf[h.recordingId, default: 0] += 1 }
        }
        return try sessions.map { s in
            let trail = try store.auditEntries(sessionId: s.id)
            var highest = ControlMode.viewOnly, drops = 0, complaints = 0, checks = 0, redactions = 0
            for row in trail {
                switch row.action {
                case "mode.changed":
                    if let to = Self.value("to", in: row.detail).flatMap(ControlMode.init(rawValue:)), to > highest { highest = to }
                case "customer.disconnected":
                    if let started = s.startedAt, row.at >= started { drops += 1 }
                case "quality.answer":
                    checks += 1
                    if Self.value("ok", in: row.detail) == "false" { complaints += 1 }
                case "redaction": redactions += 1
                default: break
                }
            }
            if s.controlMode > highest { highest = s.controlMode }
            let recording = recordingOf[s.id]
            return SessionFacts(id: s.id, ticketId: s.ticket.id, category: s.ticket.category, agent: s.agentName,
                                initiator: s.initiator ?? .agent, createdAt: s.createdAt, startedAt: s.startedAt, endedAt: s.endedAt,
                                endReason: s.endReason, highestMode: highest, outcome: try store.outcome(sessionId: s.id)?.outcome.kind,
                                stars: try store.survey(sessionId: s.id)?.stars, recorded: recording != nil,
                                highlights: recording.map { highlightsOf[$0] ?? 0 } ?? 0, drops: drops, quality: s.quality,
                                qualityComplaints: complaints, qualityChecks: checks, redactions: redactions)
        }
    }

    /// `key=value` in an audit row's detail. The engine writes them
    /// space-separated, and a value may hold spaces (an agent's name): it
    /// runs to the next ` word=` or the end.
    static func value(_ key: String, in detail: String) -> String? {
        var from = detail.startIndex
        while let found = detail.range(of: key + "=", range: from ..< detail.endIndex) {
            guard found.lowerBound == detail.startIndex || detail[detail.index(before: found.lowerBound)] == " " else {
                from = found.upperBound
                continue
            }
            let rest = detail[found.upperBound...]
            let end = rest.range(of: #" [A-Za-z]+="#, options: .regularExpression)?.lowerBound ?? rest.endIndex
            return String(rest[..<end])
        }
        return nil
    }
}
