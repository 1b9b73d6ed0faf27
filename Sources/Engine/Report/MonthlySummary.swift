import Foundation

/// The monthly summary of the support templates: the period's figures
/// against the period before (↑/↓ %), the targets with ✓/✗, and
/// recommendations drawn from rules over the figures, each naming the figure
/// that triggered it.
public struct MonthlySummary {
    public var period: ReportPeriod
    public var sessions: [SessionFacts]
    public var before: [SessionFacts]
    public var agents: [Agent]
    public var inputs: ROIInputs
    public var now: Date

    public init(period: ReportPeriod, sessions: [SessionFacts], before: [SessionFacts], agents: [Agent], inputs: ROIInputs = .standard, now: Date) {
        self.period = period; self.sessions = sessions; self.before = before; self.agents = agents; self.inputs = inputs; self.now = now
    }

    /// The figures a summary compares, for one period.
    struct Figures {
        var created: Int
        var completed: Int
        var neverStarted: Int
        var denied: Int
        var customerEnded: Int
        var firstContact: Double?
        var followUps: Int
        var escalations: Int
        var csat: Double?
        var highlights: Int
        var averageMinutes: Double?
        var connection: Double?
        var complaints: Int
        var droppedBeforeStart: Int
        var recordingConsented: Int
        var redactions: Int
        var redactedSessions: Int

        /// The counts the dashboard takes are the dashboard's own; the rest are the summary's.
        init(_ sessions: [SessionFacts], period: ReportPeriod) {
            let board = Dashboard(period: period, sessions: sessions, agents: [])
            let t = board.tally, held = board.held
            created = sessions.count
            completed = held.filter { $0.endedAt != nil }.count
            neverStarted = t.neverStarted
            denied = sessions.filter { $0.endReason == .customerDenied }.count
            customerEnded = held.filter { $0.endReason == .customerEnded }.count
            let first = board.firstContact
            firstContact = first.tickets == 0 ? nil : 100 * Double(first.resolved) / Double(first.tickets)
            followUps = held.filter { $0.outcome == .followUp }.count
            escalations = held.filter { $0.outcome == .escalated }.count
            csat = t.csat
            highlights = held.reduce(0) { $0 + $1.highlights }
            averageMinutes = t.averageMinutes
            connection = Share.mean(held.compactMap { Dashboard.score($0.quality) })
            complaints = t.complaints
            droppedBeforeStart = t.neverStarted
            recordingConsented = t.recorded
            redactions = sessions.reduce(0) { $0 + $1.redactions }
            redactedSessions = sessions.filter { $0.redactions > 0 }.count
        }
    }

    public var report: Report {
        let now = Figures(sessions, period: period), was = Figures(before, period: period.previous)
        let prior = period.previous.label
        let days = max(1, period.elapsedDays(now: self.now))
        return Report(name: "monthly", title: "CO-BROWSE MONTHLY SUMMARY — \(period.label)", period: period, sections: [
            volume(now, was, prior, days), resolution(now, was, prior), training(now, was, prior), quality(now, was), cost, recommendations(now, days),
        ])
    }

    /// "↑ 18% from October 2026", "↓ 5% …", "no change …", or why there is no comparison.
    static func change(_ now: Double?, _ was: Double?, _ prior: String, points: Bool = false) -> String {
        guard let now, let was else { return "no figure for \(prior) to compare" }
        if points {
            let d = now - was
            return d == 0 ? "no change from \(prior)" : String(format: "%@ %.1f points from %@", d > 0 ? "↑" : "↓", abs(d), prior)
        }
        guard was != 0 else { return now == 0 ? "no change from \(prior)" : "none in \(prior)" }
        let pct = 100 * (now - was) / was
        return pct == 0 ? "no change from \(prior)" : String(format: "%@ %.0f%% from %@", pct > 0 ? "↑" : "↓", abs(pct), prior)
    }

    func volume(_ n: Figures, _ w: Figures, _ prior: String, _ days: Int) -> Report.Section {
        let held = sessions.filter(\.started)
        var perWeekday: [Int: Int] = [:]
        for s in held { perWeekday[ReportPeriod.calendar.component(.weekday, from: s.startedAt!), default: 0] += 1 }
        let peak = perWeekday.max { ($0.value, -$0.key) < ($1.value, -$1.key) }
        let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        return Report.Section(key: "volume", title: "Session volume", figures: [
            Report.Figure("sessions_completed", "Sessions completed", .count(n.completed), Self.change(Double(n.completed), Double(w.completed), prior)),
            Report.Figure("sessions_never_started", "Sessions attempted (never started)", .count(n.neverStarted),
                          Share.counted(n.neverStarted, of: n.created).map { "\($0) of \(n.created) links" }),
            Report.Figure("sessions_denied", "Sessions declined by the customer", .count(n.denied), Share.counted(n.denied, of: n.created)),
            Report.Figure("sessions_ended_by_customer", "Sessions ended by the customer", .count(n.customerEnded), Share.counted(n.customerEnded, of: held.count)),
            Report.Figure("average_daily_sessions", "Average daily sessions", .number(Double(held.count) / Double(days), decimals: 1),
                          "\(held.count) sessions over \(days) day\(days == 1 ? "" : "s")"),
            Report.Figure("peak_weekday", "Peak day",
                          peak.map { .text("\(weekdays[$0.key - 1]) (\($0.value) session\($0.value == 1 ? "" : "s"))") } ?? .unavailable("no sessions in the period")),
        ])
    }

    func resolution(_ n: Figures, _ w: Figures, _ prior: String) -> Report.Section {
        let held = sessions.filter(\.started).count
        return Report.Section(key: "resolution", title: "Resolution metrics", figures: [
            Report.Figure("first_contact_resolution", "First-contact resolution",
                          n.firstContact.map { .percent($0) } ?? .unavailable("no sessions in the period"),
                          n.firstContact == nil ? nil : Self.change(n.firstContact, w.firstContact, prior, points: true)),
            Report.Figure("follow_ups", "Post-session follow-ups", .count(n.followUps),
                          [Share.counted(n.followUps, of: held), Self.change(Double(n.followUps), Double(w.followUps), prior)].compactMap { $0 }.joined(separator: "; ")),
            Report.Figure("tickets_prevented_per_session", "Tickets prevented per session", .number(inputs.ticketsPreventedPerSession, decimals: 1), "an input"),
            Report.Figure("escalations", "Escalations", .count(n.escalations), Share.counted(n.escalations, of: held)),
            Report.Figure("csat", "Customer CSAT", n.csat.map { .number($0, decimals: 1) } ?? .unavailable("no survey answered in the period"),
                          n.csat == nil ? nil : "/5.0; " + Self.change(n.csat, w.csat, prior, points: true)),
        ])
    }

    func training(_ n: Figures, _ w: Figures, _ prior: String) -> Report.Section {
        Report.Section(key: "training", title: "Training impact", figures: [
            Report.Figure("highlights", "Training highlights captured", .count(n.highlights), Self.change(Double(n.highlights), Double(w.highlights), prior)),
            Report.Figure("kb_articles", "New KB articles from sessions", .unavailable("the engine does not see the knowledge base")),
            Report.Figure("certifications", "Agent certification completions", .unavailable("the engine keeps no certifications yet")),
        ])
    }

    /// The templates' targets: each a figure, a test and the words for it.
    struct Target {
        var key: String
        var label: String
        var value: Report.Value
        var met: Bool?
        var goal: String
    }

    func targets(_ n: Figures) -> [Target] {
        let held = sessions.filter(\.started).count
        let complaintShare = held > 0 ? 100 * Double(n.complaints) / Double(held) : nil
        let notStartedShare = n.created > 0 ? 100 * Double(n.neverStarted) / Double(n.created) : nil
        return [
            Target(key: "average_duration", label: "Average session duration", value: n.averageMinutes.map { .minutes($0) } ?? .unavailable("no session ended"),
                   met: n.averageMinutes.map { $0 < 10 }, goal: "target: under 10 min"),
            Target(key: "connection_quality", label: "Connection quality score", value: n.connection.map { .number($0, decimals: 1) } ?? .unavailable("no quality reported"),
                   met: n.connection.map { $0 >= 4.0 }, goal: "target: 4.0/5 or more"),
            Target(key: "quality_complaints", label: "Customer quality complaints", value: complaintShare.map { .percent($0) } ?? .unavailable("no sessions"),
                   met: complaintShare.map { $0 < 2 }, goal: "\(n.complaints) session\(n.complaints == 1 ? "" : "s"); target: under 2%"),
            Target(key: "never_started", label: "Links that never became a session", value: notStartedShare.map { .percent($0) } ?? .unavailable("no links"),
                   met: notStartedShare.map { $0 < 5 }, goal: "target: under 5%"),
            // The engine never relays what it detects: every detection is a masking, so the rate is 100% whenever anything was found.
            Target(key: "pii_masked", label: "PII detected and masked by the engine", value: n.redactions > 0 ? .percent(100) : .unavailable("nothing to mask this period"),
                   met: n.redactions > 0 ? true : nil, goal: "\(n.redactions) secrets in \(n.redactedSessions) sessions; target: 100%"),
        ]
    }

    func quality(_ n: Figures, _ w: Figures) -> Report.Section {
        var figures = targets(n).map { t in
            Report.Figure(t.key, t.label, t.value, (t.met.map { $0 ? "✓ " : "✗ " } ?? "") + t.goal)
        }
        let held = sessions.filter(\.started).count
        figures.append(Report.Figure("recordings", "Sessions recorded (consent given)", .count(n.recordingConsented), Share.counted(n.recordingConsented, of: held)))
        return Report.Section(key: "quality", title: "Quality metrics", figures: figures)
    }

    var cost: Report.Section {
        let c = ROICalculator(inputs: inputs, measure: ROIMeasure.measured(sessions, period: period, now: now))
        return Report.Section(key: "cost", title: "Cost analysis", figures: [
            Report.Figure("costs_monthly", "Monthly program cost", .money(c.costsMonthly), "`cobrowse report roi` shows every formula"),
            Report.Figure("benefits_monthly", "Estimated monthly value", .money(c.benefitsMonthly)),
            Report.Figure("roi_multiple", "Monthly ROI (net ÷ costs)", c.roiMultiple.map { .number($0, decimals: 1) } ?? .unavailable("the program costs nothing")),
        ])
    }

    /// Each rule looks at one figure; what it says names the figure and its value.
    func recommendations(_ n: Figures, _ days: Int) -> Report.Section {
        var out: [String] = []
        let held = sessions.filter(\.started)
        let capable = agents.filter { Dashboard.coBrowsingLevels.contains($0.level) }
        let active = Set(held.map(\.agent))
        if !capable.isEmpty, Double(active.count) / Double(capable.count) < 0.6 {
            out.append("Bring more agents to co-browse: \(active.count) of \(capable.count) who may used it (agents active).")
        }
        let byCategory = Dictionary(grouping: held.filter { $0.category != nil && $0.outcome != nil }) { $0.category! }
        if let best = byCategory.filter({ $0.value.count >= 3 }).max(by: { Self.resolvedShare($0.value) < Self.resolvedShare($1.value) }),
           Self.resolvedShare(best.value) >= 0.85 {
            out.append(String(format: "Offer co-browse early on %@ tickets: %.0f%% resolved in session over %d sessions (use cases).",
                              best.key, 100 * Self.resolvedShare(best.value), best.value.count))
        }
        for t in targets(n) where t.met == false {
            switch t.key {
            case "average_duration": out.append("Sessions average \(t.value.text) (average session duration, target under 10 min): look at the longest use cases.")
            case "connection_quality": out.append("Connection quality is \(t.value.text)/5 (target 4.0): check the network paths customers come from.")
            case "quality_complaints": out.append("Quality complaints are \(t.value.text) of sessions (target under 2%): review the sessions that asked.")
            case "never_started": out.append("Investigate links that never became a session: \(t.value.text) (target under 5%).")
            default: break
            }
        }
        if let csat = n.csat, csat < 4.0 { out.append(String(format: "CSAT is %.1f/5 (customer CSAT): read the survey comments of the low ratings.", csat)) }
        if out.isEmpty { out.append("Every figure met its target: no change recommended.") }
        return Report.Section(key: "recommendations", title: "Recommendations", figures: out.enumerated().map { i, text in
            Report.Figure("recommendation_\(i + 1)", "\(i + 1)", .text(text))
        })
    }

    static func resolvedShare(_ s: [SessionFacts]) -> Double {
        s.isEmpty ? 0 : Double(s.filter { $0.outcome == .resolved }.count) / Double(s.count)
    }
}
