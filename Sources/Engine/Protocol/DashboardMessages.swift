import Foundation

/// The console's operations dashboard (`D` in the lobby): one month's figures
/// from the store, computed by the same `Dashboard` as `cobrowse report
/// dashboard`, and the sessions live right now. Managers and supervisors get
/// the team's; everyone else their own sessions only (`MessageKind.teamLevels`).

/// `dashboard-request`: the month to show, `YYYY-MM`; absent, the current one.
public struct DashboardRequest: Codable, Equatable, Sendable {
    public var month: String?
    public init(month: String? = nil) { self.month = month }

    /// The month asked for, or the one `now` falls in.
    public func period(now: Date) throws -> ReportPeriod {
        guard let month else { return .month(containing: now) }
        do { return try ReportPeriod.month(month) } catch {
            throw SceneError.invalid("dashboard-request: month takes YYYY-MM (e.g. 2026-11), not \(month.prefix(20))")
        }
    }

    /// A month that is not one is refused when the frame is read, as `invalid`.
    func validate() throws { if month != nil { _ = try period(now: Date()) } }
}

/// `dashboard`: the answer.
public struct OperationsDashboard: Codable, Equatable, Sendable {
    /// "2026-11".
    public var month: String
    /// "November 2026".
    public var label: String
    /// nil: the team's figures; otherwise the one agent whose sessions they are.
    public var agentOnly: String?
    public var live: LiveNow
    public var figures: PeriodFigures

    public init(month: String, label: String, agentOnly: String?, live: LiveNow, figures: PeriodFigures) {
        self.month = month; self.label = label; self.agentOnly = agentOnly; self.live = live; self.figures = figures
    }
}

/// The sessions not ended at the moment of the answer.
public struct LiveNow: Codable, Equatable, Sendable {
    /// Consented sessions by their current control mode (every mode, in order).
    public var modes: [ModeCount]
    /// Links out whose customer has not consented yet.
    public var waitingForConsent: Int
    public init(modes: [ModeCount], waitingForConsent: Int) { self.modes = modes; self.waitingForConsent = waitingForConsent }

    public var active: Int { modes.reduce(0) { $0 + $1.sessions } }
}

public struct ModeCount: Codable, Equatable, Sendable {
    public var mode: ControlMode
    public var sessions: Int
    public init(mode: ControlMode, sessions: Int) { self.mode = mode; self.sessions = sessions }
}

public struct InitiatorCount: Codable, Equatable, Sendable {
    public var initiator: SessionInitiator
    public var sessions: Int
    public init(initiator: SessionInitiator, sessions: Int) { self.initiator = initiator; self.sessions = sessions }
}

public struct DurationCount: Codable, Equatable, Sendable {
    /// "under 5 minutes", as the report says it.
    public var label: String
    public var sessions: Int
    public init(label: String, sessions: Int) { self.label = label; self.sessions = sessions }
}

/// Seven days of the period (the last span may be shorter) and their survey answers.
public struct WeekOfCSAT: Codable, Equatable, Sendable {
    /// "2026-11-01".
    public var firstDay: String
    public var days: Int
    public var surveys: Int
    /// nil: no survey answered in these days.
    public var csat: Double?
    public init(firstDay: String, days: Int, surveys: Int, csat: Double?) {
        self.firstDay = firstDay; self.days = days; self.surveys = surveys; self.csat = csat
    }
}

/// A period's figures, compact: what the dashboard screen draws. Percentages
/// are 0…100; nil where the period holds nothing to measure.
public struct PeriodFigures: Codable, Equatable, Sendable {
    /// Sessions the customer consented to.
    public var sessions: Int
    public var neverStarted: Int
    public var initiators: [InitiatorCount]
    public var averageMinutes: Double?
    public var durations: [DurationCount]
    public var resolvedPercent: Double?
    public var csat: Double?
    public var surveys: Int
    public var dropRatePercent: Double?
    /// Sessions with a "no" to the quality check.
    public var complaints: Int
    public var recordings: Int
    /// One count a day of the period, the 1st first.
    public var sessionsPerDay: [Int]
    /// The highest mode each session reached, every mode in order.
    public var modes: [ModeCount]
    public var csatByWeek: [WeekOfCSAT]

    public init(sessions: Int, neverStarted: Int, initiators: [InitiatorCount], averageMinutes: Double?, durations: [DurationCount],
                resolvedPercent: Double?, csat: Double?, surveys: Int, dropRatePercent: Double?, complaints: Int, recordings: Int,
                sessionsPerDay: [Int], modes: [ModeCount], csatByWeek: [WeekOfCSAT]) {
        self.sessions = sessions; self.neverStarted = neverStarted; self.initiators = initiators; self.averageMinutes = averageMinutes
        self.durations = durations; self.resolvedPercent = resolvedPercent; self.csat = csat; self.surveys = surveys
        self.dropRatePercent = dropRatePercent; self.complaints = complaints; self.recordings = recordings
        self.sessionsPerDay = sessionsPerDay; self.modes = modes; self.csatByWeek = csatByWeek
    }
}
