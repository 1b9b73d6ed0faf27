import Foundation

/// The quarterly compliance audit of co-browse sessions: for every session of
/// the period, read from the hash-chained audit trail, whether it had ticket
/// context, who consented to what and when, recording consent, each mode
/// escalation and who acknowledged it, Full Control approvals and by which
/// manager, recording and screenshot openings (who, why), deletions, refused writes. What
/// breaks a rule is an exception and comes first; the chain is verified.
public struct ComplianceAudit {
    public var period: ReportPeriod
    public var sessions: [SessionSummary]
    /// Each session's audit rows, oldest first.
    public var trails: [String: [AuditEntry]]
    public var agents: [Agent]
    /// nil: the chain is intact; else what the verification found.
    public var chainProblem: String?

    public init(period: ReportPeriod, sessions: [SessionSummary], trails: [String: [AuditEntry]], agents: [Agent], chainProblem: String?) {
        self.period = period; self.sessions = sessions; self.trails = trails; self.agents = agents; self.chainProblem = chainProblem
    }

    /// Reads the period from the store and verifies the whole chain.
    public static func read(_ period: ReportPeriod, from store: SessionStore) throws -> ComplianceAudit {
        let sessions = try store.sessionsCreated(from: period.start, to: period.end)
        var trails: [String: [AuditEntry]] = [:]
        for s in sessions { trails[s.id] = try store.auditEntries(sessionId: s.id) }
        var problem: String?
        do { try store.verifyAuditChain() } catch { problem = "\(error)" }
        return ComplianceAudit(period: period, sessions: sessions, trails: trails, agents: try store.allAgents(), chainProblem: problem)
    }

    /// A rule a session broke, in words an auditor reads.
    public struct Exception: Equatable, Sendable {
        public var sessionId: String
        public var what: String
    }

    /// What one session's trail says.
    struct Findings {
        var consent = "none recorded"
        var recording = "not asked"
        var escalations: [String] = []
        var approvals: [String] = []
        var openings: [String] = []
        var deletions: [String] = []
        var screenshots = 0
        var refused = 0
        var flags: [String] = []
        var exceptions: [String] = []
    }

    func findings(_ s: SessionSummary) -> Findings {
        var f = Findings()
        let trail = trails[s.id] ?? []
        let managers = Set(agents.filter { $0.level == .manager }.map(\.name))
        var approvedFullControl = false
        var consentedRecording = false
        var declined = 0, denied = 0
        for row in trail {
            let detail = row.detail
            switch row.action {
            case "consent":
                if detail.hasPrefix("allow") {
                    let access = SessionFacts.value("access", in: detail) ?? "?"
                    consentedRecording = SessionFacts.value("record", in: detail) == "true"
                    f.consent = "\(row.actor) allowed \(access) at \(Self.time(row.at))"
                    f.recording = consentedRecording ? "consented at \(Self.time(row.at))" : "not asked"
                } else {
                    f.consent = "\(row.actor) declined at \(Self.time(row.at))"
                }
            case "mode.approved":
                if SessionFacts.value("to", in: detail) == ControlMode.fullControl.rawValue { approvedFullControl = true }
                f.approvals.append("\(row.actor) approved \(SessionFacts.value("to", in: detail) ?? "?") at \(Self.time(row.at))")
            case "mode.changed":
                let from = SessionFacts.value("from", in: detail) ?? "?", to = SessionFacts.value("to", in: detail) ?? "?"
                let by = SessionFacts.value("requestedBy", in: detail) ?? "?"
                guard let toMode = ControlMode(rawValue: to), let fromMode = ControlMode(rawValue: from), toMode > fromMode else { continue }
                f.escalations.append("\(from)→\(to) at \(Self.time(row.at)), asked by \(by), acknowledged by \(row.actor)")
                if toMode == .fullControl, !approvedFullControl, !managers.contains(by) {
                    f.exceptions.append("Full Control at \(Self.time(row.at)) without a manager's approval (asked by \(by))")
                }
            case "mode.declined": declined += 1
            case "action.denied": denied += 1
            case "recording.opened":
                let reason = Self.reason(in: detail)
                f.openings.append("\(row.actor) opened the recording at \(Self.time(row.at)): \(reason.isEmpty ? "no reason" : reason)")
                if reason.isEmpty { f.exceptions.append("recording opened by \(row.actor) at \(Self.time(row.at)) without a reason") }
            case "screenshot.opened":
                let reason = Self.reason(in: detail), shot = SessionFacts.value("id", in: detail) ?? "?"
                f.openings.append("\(row.actor) opened screenshot \(shot) at \(Self.time(row.at)): \(reason.isEmpty ? "no reason" : reason)")
                if reason.isEmpty { f.exceptions.append("screenshot \(shot) opened by \(row.actor) at \(Self.time(row.at)) without a reason") }
            case "recording.deleted", "recording.expired":
                f.deletions.append("\(row.action == "recording.expired" ? "expired" : "deleted by \(row.actor)") at \(Self.time(row.at))")
            case "screenshot.stored": f.screenshots += 1
            case let a where a.hasSuffix(".refused") || a == "write.refused": f.refused += 1
            default: break
            }
        }
        if s.startedAt != nil, !trail.contains(where: { $0.action == "consent" && $0.detail.hasPrefix("allow") }) {
            f.exceptions.append("the session started without a consent row")
        }
        if s.recording && s.startedAt != nil && !consentedRecording {
            f.exceptions.append("recorded without the customer's recording consent")
        }
        if s.ticket.id.isEmpty { f.exceptions.append("no ticket context") }
        if declined >= 2 { f.flags.append("the customer declined \(declined) mode requests") }
        if denied >= 2 { f.flags.append("the customer denied \(denied) actions") }
        if f.refused > 0 { f.flags.append("\(f.refused) refused write\(f.refused == 1 ? "" : "s")") }
        return f
    }

    public var exceptions: [Exception] {
        var out: [Exception] = []
        if let chainProblem { out.append(Exception(sessionId: "-", what: "the audit chain is broken: \(chainProblem)")) }
        for s in sessions { out += findings(s).exceptions.map { Exception(sessionId: s.id, what: $0) } }
        return out
    }

    public var report: Report {
        let all = sessions.map { ($0, findings($0)) }
        let exceptions = self.exceptions
        var detail: [Report.Figure] = []
        for (s, f) in all {
            var parts = ["ticket \(s.ticket.id)", "agent \(s.agentName)", "consent: \(f.consent)", "recording: \(f.recording)"]
            if !f.escalations.isEmpty { parts.append("escalations: " + f.escalations.joined(separator: "; ")) }
            if !f.approvals.isEmpty { parts.append("approvals: " + f.approvals.joined(separator: "; ")) }
            if !f.openings.isEmpty { parts.append("openings: " + f.openings.joined(separator: "; ")) }
            if !f.deletions.isEmpty { parts.append("recording " + f.deletions.joined(separator: "; ")) }
            if f.screenshots > 0 { parts.append("\(f.screenshots) screenshot\(f.screenshots == 1 ? "" : "s")") }
            if !f.flags.isEmpty { parts.append("red flags: " + f.flags.joined(separator: "; ")) }
            detail.append(Report.Figure("session_\(s.id)", s.id, .text(parts.joined(separator: ". "))))
        }
        let flagged = all.filter { !$0.1.flags.isEmpty }.count
        return Report(name: "audit", title: "CO-BROWSE COMPLIANCE AUDIT — \(period.label)", period: period, sections: [
            Report.Section(key: "summary", title: "Summary", figures: [
                Report.Figure("sessions", "Sessions in the period", .count(sessions.count)),
                Report.Figure("exceptions", "Exceptions", .count(exceptions.count), exceptions.isEmpty ? "none" : "listed below, first"),
                Report.Figure("red_flags", "Sessions with red flags", .count(flagged)),
                Report.Figure("chain", "Audit chain", .text(chainProblem == nil ? "intact" : "BROKEN"), chainProblem),
            ]),
            Report.Section(key: "exceptions", title: "Exceptions", tables: [
                Report.Table(key: "exceptions", columns: ["Session", "Exception"], rows: exceptions.map { [.text($0.sessionId), .text($0.what)] },
                             empty: "None: every session kept the rules."),
            ]),
            Report.Section(key: "sessions", title: "Sessions", figures: detail.isEmpty
                ? [Report.Figure("none", "Sessions", .unavailable("no sessions in the period"))] : detail),
        ])
    }

    static func time(_ d: Date) -> String {
        let c = ReportPeriod.calendar.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        return String(format: "%04d-%02d-%02d %02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// The free-text reason of a recording's opening; the engine's words for none count as none.
    static func reason(in detail: String) -> String {
        let reason = SessionFacts.value("reason", in: detail)?.trimmingCharacters(in: .whitespaces) ?? ""
        return reason == "(no reason given)" ? "" : reason
    }
}
