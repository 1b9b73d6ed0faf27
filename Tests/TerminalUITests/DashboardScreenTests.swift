import Engine
import Foundation
@testable import TerminalUI
import XCTest

/// The operations dashboard screen (`D` in the lobby) with fixed figures: a
/// November whose weekdays are busy and weekends quiet, CSAT dipping in the
/// third week; an empty month; the sizes it must read at; and the keys that
/// move it from month to month.
final class DashboardScreenTests: XCTestCase {
    static let manager = Agent(name: "Mona K.", uid: 1004, level: .manager)

    /// November 2026 began on a Sunday: weekends are the 1st, 7th and 8th, 14th and 15th, …
    static func november(agentOnly: String? = nil) -> OperationsDashboard {
        let perDay = (1 ... 30).map { day -> Int in
            let weekday = (day - 1) % 7 // 0: Sunday
            return weekday == 0 || weekday == 6 ? (day % 2) : 3 + (day * 7) % 5
        }
        let total = perDay.reduce(0, +)
        let figures = PeriodFigures(
            sessions: total, neverStarted: 6,
            initiators: [InitiatorCount(initiator: .agent, sessions: 41), InitiatorCount(initiator: .customerRequest, sessions: 22),
                         InitiatorCount(initiator: .autoSuggestion, sessions: 28), InitiatorCount(initiator: .onboarding, sessions: total - 95),
                         InitiatorCount(initiator: .escalation, sessions: 4)],
            averageMinutes: 9.4,
            durations: [DurationCount(label: "under 5 minutes", sessions: 31), DurationCount(label: "5-10 minutes", sessions: 44),
                        DurationCount(label: "10-20 minutes", sessions: 23), DurationCount(label: "over 20 minutes", sessions: 7)],
            resolvedPercent: 72.4, csat: 4.3, surveys: 61, dropRatePercent: 5.7, complaints: 3, recordings: 18,
            sessionsPerDay: perDay,
            modes: [ModeCount(mode: .viewOnly, sessions: 52), ModeCount(mode: .guided, sessions: 38),
                    ModeCount(mode: .controlled, sessions: total - 95), ModeCount(mode: .fullControl, sessions: 5)],
            csatByWeek: [WeekOfCSAT(firstDay: "2026-11-01", days: 7, surveys: 14, csat: 4.6), WeekOfCSAT(firstDay: "2026-11-08", days: 7, surveys: 15, csat: 4.4),
                         WeekOfCSAT(firstDay: "2026-11-15", days: 7, surveys: 12, csat: 3.7), WeekOfCSAT(firstDay: "2026-11-22", days: 7, surveys: 16, csat: 4.5),
                         WeekOfCSAT(firstDay: "2026-11-29", days: 2, surveys: 4, csat: 4.8)])
        return OperationsDashboard(month: "2026-11", label: "November 2026", agentOnly: agentOnly,
                                   live: LiveNow(modes: [ModeCount(mode: .viewOnly, sessions: 2), ModeCount(mode: .guided, sessions: 1),
                                                         ModeCount(mode: .controlled, sessions: 1), ModeCount(mode: .fullControl, sessions: 0)],
                                                 waitingForConsent: 1),
                                   figures: figures)
    }

    static func empty() -> OperationsDashboard {
        let none = PeriodFigures(sessions: 0, neverStarted: 0, initiators: SessionInitiator.allCases.map { InitiatorCount(initiator: $0, sessions: 0) },
                                 averageMinutes: nil,
                                 durations: ["under 5 minutes", "5-10 minutes", "10-20 minutes", "over 20 minutes"].map { DurationCount(label: $0, sessions: 0) },
                                 resolvedPercent: nil, csat: nil, surveys: 0, dropRatePercent: nil, complaints: 0, recordings: 0,
                                 sessionsPerDay: Array(repeating: 0, count: 31), modes: ControlMode.allCases.map { ModeCount(mode: $0, sessions: 0) },
                                 csatByWeek: ["2027-01-01", "2027-01-08", "2027-01-15", "2027-01-22", "2027-01-29"].map {
                                     WeekOfCSAT(firstDay: $0, days: $0.hasSuffix("29") ? 3 : 7, surveys: 0, csat: nil)
                                 })
        return OperationsDashboard(month: "2027-01", label: "January 2027", agentOnly: "Maria S.",
                                   live: LiveNow(modes: ControlMode.allCases.map { ModeCount(mode: $0, sessions: 0) }, waitingForConsent: 0), figures: none)
    }

    /// A console in the lobby that pressed D and got `answer`.
    func model(_ answer: OperationsDashboard?, agent: Agent = manager) -> ConsoleModel {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.agent = agent
        m.handle(.lobby(lobby))
        m.now = Fixtures.now
        XCTAssertEqual(m.handle(key: .character("D")), [.send(.dashboardRequest(DashboardRequest(month: nil)))])
        if let answer { m.handle(.dashboard(answer)) }
        return m
    }

    func view(_ theme: Theme = .dark) -> ConsoleView { ConsoleView(theme: theme, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!)) }

    func testNovemberAt80x24() throws {
        let grid = view().frame(model(Self.november()), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        for needle in ["Operations dashboard — November 2026 — team", "Live now: 4 in session", "Sessions per day", "▁", "█",
                       "Duration (ended sessions)", "Highest mode reached", "CSAT by week", "Resolved 72.4%", "CSAT 4.3/5", "Esc/q lobby"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        try assertGolden(grid, "dashboard-november-80x24")
    }

    func testNovemberAt160x45UsesTheRoom() throws {
        let grid = view().frame(model(Self.november()), size: GridSize(columns: 160, rows: 45), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("Initiated by"), "the extra room shows who started the sessions as bars")
        XCTAssertTrue(grid.text.contains("waiting for consent"))
        let narrow = view().frame(model(Self.november()), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let longest = { (g: CellGrid) in g.rows.compactMap { $0.components(separatedBy: "█").count - 1 }.max() ?? 0 }
        XCTAssertGreaterThan(longest(grid), longest(narrow), "the bars are longer where there is room")
        try assertGolden(grid, "dashboard-november-160x45")
    }

    func testAnEmptyMonthSaysSoAndDrawsZeroedCharts() throws {
        let grid = view().frame(model(Self.empty(), agent: Agent(name: "Maria S.", uid: 1001, level: .l2)), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        XCTAssertTrue(text.contains("No sessions in January 2027"), text)
        XCTAssertTrue(text.contains("your sessions"), "an agent's own figures say whose they are")
        XCTAssertTrue(text.contains("Live now (yours): 0"))
        XCTAssertTrue(text.contains(String(repeating: "▁ ", count: 31)), "every day drawn at zero")
        XCTAssertFalse(text.contains("█"))
        try assertGolden(grid, "dashboard-empty-80x24")
    }

    func testNoFigureLineIsWiderThanTheTerminal() {
        for d in [Self.november(), Self.november(agentOnly: "Maria S."), Self.empty()] {
            for width in [60, 80, 120, 160, 200] {
                for initiators in [true, false] {
                    let lines = DashboardScreen.figureLines(d, width: width - 2, initiators: initiators)
                    XCTAssertFalse(lines.isEmpty)
                    for line in lines {
                        XCTAssertLessThanOrEqual(SafeText.displayWidth(line), width - 2, "\(width): \(line)")
                        XCTAssertFalse(line.contains("…"), "a figure is never cut: \(line)")
                    }
                }
                XCTAssertLessThanOrEqual(SafeText.displayWidth(DashboardScreen.liveLine(d, width: width - 2)), width - 2)
            }
        }
        // And on screen: every figure line is there whole.
        let d = Self.november()
        let grid = view().frame(model(d), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        for line in DashboardScreen.figureLines(d, width: 78, initiators: true) { XCTAssertTrue(grid.text.contains(line), line) }
    }

    func testSmallTerminalsGetTheUsualScreenAndNothingBreaks() {
        let m = model(Self.november())
        XCTAssertTrue(view().frame(m, size: GridSize(columns: 59, rows: 16), now: Fixtures.now).text.contains("Terminal too small — need at least 60x16"))
        for (c, r) in [(20, 5), (60, 16), (61, 17), (79, 23), (80, 24), (120, 40), (333, 91)] {
            for shown in [m, model(Self.empty()), model(nil)] {
                let grid = view().frame(shown, size: GridSize(columns: c, rows: r), now: Fixtures.now)
                XCTAssertEqual(grid.size, GridSize(columns: c, rows: r))
            }
        }
    }

    func testMonochromeStillReads() {
        let grid = view(.monochromeTheme).frame(model(Self.november()), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertEqual(Set(grid.cells.map(\.bg)), [.black])
        XCTAssertTrue(grid.text.contains("█"), "bars are characters")
        XCTAssertTrue(grid.text.contains("▁"))
    }

    func testArrowsAskForTheMonthBeforeAndAfterAndEscGoesBack() {
        var m = model(Self.november())
        XCTAssertEqual(m.keyContext, .dashboard)
        XCTAssertEqual(m.handle(key: .left), [.send(.dashboardRequest(DashboardRequest(month: "2026-10")))])
        XCTAssertTrue(m.dashboard.loading)
        XCTAssertTrue(view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now).text.contains("asking for 2026-10"))
        var october = Self.november()
        october.month = "2026-10"; october.label = "October 2026"
        m.handle(.dashboard(october))
        XCTAssertFalse(m.dashboard.loading)
        XCTAssertEqual(m.handle(key: .right), [.send(.dashboardRequest(DashboardRequest(month: "2026-11")))])
        var december = m
        december.handle(.dashboard(Self.november()))
        XCTAssertEqual(december.handle(key: .right), [.send(.dashboardRequest(DashboardRequest(month: "2026-12")))])
        XCTAssertEqual(ConsoleModel.month("2026-12", movedBy: 1), "2027-01")
        XCTAssertEqual(ConsoleModel.month("2026-01", movedBy: -1), "2025-12")

        // The engine's refusal ends the wait and is said on the message line.
        m.handle(.error(ErrorReply(code: .invalid, message: "dashboard-request: month takes YYYY-MM")))
        XCTAssertFalse(m.dashboard.loading)
        XCTAssertEqual(m.message?.kind, .error)

        for back: ConsoleKey in [.escape, .character("q")] {
            var leaving = m
            XCTAssertEqual(leaving.handle(key: back), [.send(.lobbyRequest)])
            XCTAssertEqual(leaving.screen, .lobby)
            XCTAssertNil(leaving.dashboard.shown)
        }
        // An answer that comes after the agent left is not drawn anywhere.
        var left = m
        _ = left.handle(key: .escape)
        left.handle(.dashboard(Self.november()))
        XCTAssertNil(left.dashboard.shown)
    }
}
