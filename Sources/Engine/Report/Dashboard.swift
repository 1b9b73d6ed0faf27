import Foundation

/// The operations dashboard of the support templates, computed from the
/// sessions a period holds. Every figure is the store's; where the engine
/// cannot know one (the help desk's chat-only baseline, certifications), the
/// figure says "n/a" and why.
public struct Dashboard {
    public var period: ReportPeriod
    public var sessions: [SessionFacts]
    public var agents: [Agent]
    /// An input, not a measurement: tickets a session saves (default from the templates).
    public var ticketsPreventedPerSession: Double

    public init(period: ReportPeriod, sessions: [SessionFacts], agents: [Agent], ticketsPreventedPerSession: Double = ROIInputs.standard.ticketsPreventedPerSession) {
        self.period = period; self.sessions = sessions; self.agents = agents; self.ticketsPreventedPerSession = ticketsPreventedPerSession
    }

    /// The sessions the customer consented to: the ones that happened.
    var held: [SessionFacts] { sessions.filter(\.started) }

    public var report: Report {
        Report(name: "dashboard", title: "CO-BROWSING OPERATIONS DASHBOARD — \(period.label)", period: period,
               sections: [sessionMetrics, resolution, modeUsage, useCases, quality, adoption, trends])
    }

    // MARK: Sections

    var sessionMetrics: Report.Section {
        let t = tally
        var figures = [Report.Figure("total_sessions", "Total sessions", .count(t.held),
                                     "\(t.neverStarted) more never started: no consent")]
        for (who, k) in t.initiators {
            figures.append(Report.Figure("initiated_\(who.rawValue.replacingOccurrences(of: "-", with: "_"))", "Initiated by \(who.title)", .count(k), Share.counted(k, of: t.held)))
        }
        figures.append(Report.Figure("average_duration_minutes", "Average session duration",
                                     t.averageMinutes.map { .minutes($0) } ?? .unavailable("no session of the period has ended"),
                                     t.minutes.isEmpty ? nil : "over \(t.minutes.count) ended sessions"))
        for (bucket, k) in zip(Self.durationBuckets, t.buckets) {
            figures.append(Report.Figure("sessions_\(bucket.key)", "Sessions \(bucket.label)", .count(k), Share.counted(k, of: t.minutes.count)))
        }
        return Report.Section(key: "sessions", title: "Session metrics (\(period.label))", figures: figures)
    }

    static let durationBuckets: [(key: String, label: String, range: Range<Double>)] = [
        ("under_5_minutes", "under 5 minutes", 0 ..< 5),
        ("5_to_10_minutes", "5-10 minutes", 5 ..< 10),
        ("10_to_20_minutes", "10-20 minutes", 10 ..< 20),
        ("over_20_minutes", "over 20 minutes", 20 ..< .infinity),
    ]

    var resolution: Report.Section {
        let n = held.count, t = tally
        let resolved = t.resolved
        let followUp = held.filter { $0.outcome == .followUp }.count
        let escalated = held.filter { $0.outcome == .escalated }.count
        let told = held.filter { $0.outcome != nil }.count
        // First contact: the ticket's first session of the period resolved it.
        let (tickets, firstResolved) = firstContact
        let stars = t.stars
        return Report.Section(key: "resolution", title: "Resolution impact", figures: [
            Report.Figure("resolved_in_session", "Issues resolved during session", .count(resolved), Share.counted(resolved, of: n)),
            Report.Figure("follow_up_needed", "Follow-up needed", .count(followUp), Share.counted(followUp, of: n)),
            Report.Figure("escalated", "Escalated", .count(escalated), Share.counted(escalated, of: n)),
            Report.Figure("no_outcome", "No outcome given yet", .count(n - told), Share.counted(n - told, of: n)),
            Report.Figure("first_contact_resolution", "First-contact resolution (co-browse)",
                          tickets == 0 ? .unavailable("no sessions in the period") : .percent(100 * Double(firstResolved) / Double(tickets)),
                          "\(firstResolved) of \(tickets) tickets resolved by their first session"),
            Report.Figure("first_contact_resolution_chat_only", "First-contact resolution (chat-only)",
                          .unavailable("the help desk's chat-only figures do not reach the engine")),
            Report.Figure("csat", "Customer CSAT for co-browse sessions",
                          t.csat.map { .number($0, decimals: 1) } ?? .unavailable("no survey answered in the period"),
                          stars.isEmpty ? nil : "/5.0 from \(stars.count) survey\(stars.count == 1 ? "" : "s")"),
            Report.Figure("tickets_prevented_per_session", "Estimated tickets prevented per session", .number(ticketsPreventedPerSession, decimals: 1),
                          "an input: --tickets-prevented-per-session"),
        ])
    }

    var modeUsage: Report.Section {
        let n = held.count
        let rows: [[Report.Value]] = ControlMode.allCases.map { mode in
            let these = reaching(mode)
            let told = these.filter { $0.outcome != nil }
            let resolved = told.filter { $0.outcome == .resolved }.count
            return [.text(mode.title), .count(these.count), Share.percent(these.count, of: n),
                    told.isEmpty ? .unavailable("no outcome") : .percent(100 * Double(resolved) / Double(told.count))]
        }
        return Report.Section(key: "modes", title: "Mode usage (the highest mode each session reached)", tables: [
            Report.Table(key: "modes", columns: ["Mode", "Sessions", "% of total", "Resolution rate"], rows: rows, empty: "No sessions."),
        ])
    }

    var useCases: Report.Section {
        let byCategory = Dictionary(grouping: held) { $0.category?.isEmpty == false ? $0.category! : "(no category)" }
        let ranked = byCategory.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(10)
        let rows: [[Report.Value]] = ranked.enumerated().map { i, entry in
            let minutes = entry.value.compactMap(\.minutes)
            let told = entry.value.filter { $0.outcome != nil }
            let resolved = told.filter { $0.outcome == .resolved }.count
            return [.count(i + 1), .text(entry.key), .count(entry.value.count),
                    Share.mean(minutes).map { .minutes($0) } ?? .unavailable("none ended"),
                    told.isEmpty ? .unavailable("no outcome") : .percent(100 * Double(resolved) / Double(told.count))]
        }
        return Report.Section(key: "use_cases", title: "Top co-browse use cases (by ticket category)", tables: [
            Report.Table(key: "use_cases", columns: ["Rank", "Use case", "Sessions", "Avg duration", "Resolution rate"], rows: rows, empty: "No sessions."),
        ])
    }

    /// The quality each session last reported, as a score: Good 5, Fair 3, Poor 1 (unknown is left out).
    static func score(_ q: ConnectionQuality) -> Double? {
        switch q { case .good: 5; case .fair: 3; case .poor: 1; case .unknown: nil }
    }

    var quality: Report.Section {
        let n = held.count
        let scores = held.compactMap { Self.score($0.quality) }
        let t = tally
        let (dropped, recorded, complaints) = (t.dropped, t.recorded, t.complaints)
        let checks = held.reduce(0) { $0 + $1.qualityChecks }
        return Report.Section(key: "quality", title: "Session quality", figures: [
            Report.Figure("connection_quality", "Average connection quality",
                          Share.mean(scores).map { .number($0, decimals: 1) } ?? .unavailable("no session reported its connection"),
                          scores.isEmpty ? nil : "/5.0; each session's last quality: Good 5, Fair 3, Poor 1"),
            Report.Figure("drop_rate", "Connection drop rate", Share.percent(dropped, of: n), "\(dropped) sessions dropped at least once after consent"),
            Report.Figure("recordings", "Session recordings captured", .count(recorded), Share.counted(recorded, of: n)),
            Report.Figure("highlights", "Training highlights extracted", .count(held.reduce(0) { $0 + $1.highlights })),
            Report.Figure("quality_complaints", "Customer-reported quality issues", .count(complaints),
                          "sessions with a \"no\" to the quality check\(n > 0 ? ", " + Share.counted(complaints, of: n)! : ""); \(checks) checks asked"),
        ])
    }

    /// Who may co-browse today: the levels that can be given a session.
    static let coBrowsingLevels: Set<AgentLevel> = [.l1, .l2, .specialist, .manager]

    var adoption: Report.Section {
        let capable = agents.filter { Self.coBrowsingLevels.contains($0.level) }
        let perAgent = Dictionary(grouping: held, by: \.agent).mapValues(\.count)
        let top = perAgent.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
        return Report.Section(key: "adoption", title: "Agent adoption", figures: [
            Report.Figure("agents_capable", "Agents with co-browse capability", .count(capable.count),
                          agents.isEmpty ? nil : "of \(agents.count) registered (L1, L2, specialists, managers)"),
            Report.Figure("agents_active", "Agents using co-browse this period", .count(perAgent.count),
                          Share.counted(perAgent.count, of: capable.count).map { "\($0) of those with the capability" }),
            Report.Figure("top_agents", "Top co-browse agents",
                          top.isEmpty ? .unavailable("no sessions in the period") : .text(top.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))),
            Report.Figure("sessions_per_active_agent", "Average sessions per active agent",
                          perAgent.isEmpty ? .unavailable("no active agents") : .number(Double(held.count) / Double(perAgent.count), decimals: 1)),
            Report.Figure("certification_pending", "Co-browse certification pending",
                          .unavailable("the engine keeps no certifications yet")),
        ])
    }
}
