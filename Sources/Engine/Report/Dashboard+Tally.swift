import Foundation

/// The counts behind the dashboard, taken once: the report's sections and the
/// console's dashboard screen (`PeriodFigures`) both read them, so the screen
/// and `cobrowse report dashboard` cannot disagree on a number.
extension Dashboard {
    struct Tally {
        var held = 0
        var neverStarted = 0
        var initiators: [(SessionInitiator, Int)] = []
        /// Minutes of each ended session.
        var minutes: [Double] = []
        /// One count per `Dashboard.durationBuckets`, in order.
        var buckets: [Int] = []
        var resolved = 0
        var stars: [Int] = []
        var dropped = 0
        var complaints = 0
        var recorded = 0
        /// One count per `ControlMode.allCases`, in order: the highest mode each session reached.
        var modes: [(ControlMode, Int)] = []

        var averageMinutes: Double? { Share.mean(minutes) }
        var csat: Double? { Share.mean(stars.map(Double.init)) }
    }

    var tally: Tally {
        var t = Tally()
        t.held = held.count
        t.neverStarted = sessions.count - held.count
        t.initiators = SessionInitiator.allCases.map { who in (who, held.filter { $0.initiator == who }.count) }
        t.minutes = held.compactMap(\.minutes)
        t.buckets = Self.durationBuckets.map { bucket in t.minutes.filter { bucket.range.contains($0) }.count }
        t.resolved = held.filter { $0.outcome == .resolved }.count
        t.stars = held.compactMap(\.stars)
        t.dropped = held.filter { $0.drops > 0 }.count
        t.complaints = held.filter { $0.qualityComplaints > 0 }.count
        t.recorded = held.filter(\.recorded).count
        t.modes = ControlMode.allCases.map { ($0, reaching($0).count) }
        return t
    }

    /// First contact: the tickets of the period, and how many their first session of the period resolved.
    var firstContact: (tickets: Int, resolved: Int) {
        var first: [String: SessionFacts] = [:]
        for s in held where first[s.ticketId] == nil { first[s.ticketId] = s }
        return (first.count, first.values.filter { $0.outcome == .resolved }.count)
    }

    /// The sessions whose highest mode was `mode`.
    func reaching(_ mode: ControlMode) -> [SessionFacts] { held.filter { $0.highestMode == mode } }

    // MARK: Trends

    /// Sessions held on each day of the period, by the day they were created (the day that puts them in the period).
    var sessionsPerDay: [Int] {
        var days = [Int](repeating: 0, count: max(0, period.days))
        for s in held {
            let day = ReportPeriod.calendar.dateComponents([.day], from: period.start, to: s.createdAt).day ?? -1
            if days.indices.contains(day) { days[day] += 1 }
        }
        return days
    }

    /// The period in spans of seven days from its first (the last one may be shorter), with each span's survey answers.
    var csatByWeek: [WeekOfCSAT] {
        let perDay = max(0, period.days)
        return stride(from: 0, to: perDay, by: 7).map { first in
            let start = ReportPeriod.calendar.date(byAdding: .day, value: first, to: period.start)!
            let end = ReportPeriod.calendar.date(byAdding: .day, value: min(7, perDay - first), to: start)!
            let stars = held.filter { $0.createdAt >= start && $0.createdAt < end }.compactMap(\.stars)
            return WeekOfCSAT(firstDay: ReportPeriod.dayText(start), days: min(7, perDay - first), surveys: stars.count,
                              csat: Share.mean(stars.map(Double.init)))
        }
    }

    var trends: Report.Section {
        let days = sessionsPerDay.enumerated().map { i, n -> [Report.Value] in
            [.text(ReportPeriod.dayText(ReportPeriod.calendar.date(byAdding: .day, value: i, to: period.start)!)), .count(n)]
        }
        let weeks = csatByWeek.map { w -> [Report.Value] in
            [.text(w.firstDay), .count(w.surveys), w.csat.map { .number($0, decimals: 1) } ?? .unavailable("no survey answered that week")]
        }
        return Report.Section(key: "trends", title: "Trends", tables: [
            Report.Table(key: "sessions_per_day", columns: ["Day", "Sessions"], rows: days, empty: "No days."),
            Report.Table(key: "csat_by_week", columns: ["Week from", "Surveys", "CSAT"], rows: weeks, empty: "No weeks."),
        ])
    }

    // MARK: The console's figures

    /// The period's figures as the console's dashboard screen draws them.
    public var figures: PeriodFigures {
        let t = tally
        return PeriodFigures(
            sessions: t.held, neverStarted: t.neverStarted,
            initiators: t.initiators.map { InitiatorCount(initiator: $0.0, sessions: $0.1) },
            averageMinutes: t.averageMinutes,
            durations: zip(Self.durationBuckets, t.buckets).map { DurationCount(label: $0.0.label, sessions: $0.1) },
            resolvedPercent: Share.fraction(t.resolved, of: t.held),
            csat: t.csat, surveys: t.stars.count,
            dropRatePercent: Share.fraction(t.dropped, of: t.held),
            complaints: t.complaints, recordings: t.recorded,
            sessionsPerDay: sessionsPerDay,
            modes: t.modes.map { ModeCount(mode: $0.0, sessions: $0.1) },
            csatByWeek: csatByWeek)
    }
}
