import Foundation
import XCTest
@testable import Engine

/// The console's dashboard over the hub, on the month `ReportTests` drives
/// through it: a manager gets the team's figures (the very numbers of
/// `cobrowse report dashboard`), an L2 agent only their own sessions, and a
/// month that is not one is refused as `invalid`.
extension ReportTests {
    func console(_ uid: Int) -> WaitingConnection {
        let c = connect(.local(uid: uid, pid: 7))
        send(c, .hello(Hello(client: "test")))
        return c
    }

    func dashboard(as uid: Int, month: String? = "2026-11") throws -> OperationsDashboard {
        let c = console(uid)
        send(c, .dashboardRequest(DashboardRequest(month: month)), id: 40)
        return try c.wait("the dashboard") { if case let .dashboard(d) = $0 { d } else { nil } }
    }

    func testAManagerGetsTheTeamsFiguresAndAnL2AgentOnlyTheirOwn() throws {
        let facts = try november()
        let team = try dashboard(as: 1004)
        XCTAssertEqual(team.month, "2026-11")
        XCTAssertEqual(team.label, "November 2026")
        XCTAssertNil(team.agentOnly, "a manager sees the team")
        let report = Dashboard(period: try .month("2026-11"), sessions: facts, agents: try store.allAgents())
        XCTAssertEqual(team.figures, report.figures, "the same computation as the report")
        XCTAssertEqual(report.report.figure("total_sessions")?.value, .count(team.figures.sessions))

        let f = team.figures
        XCTAssertEqual(f.sessions, 4)
        XCTAssertEqual(f.neverStarted, 1)
        XCTAssertEqual(f.durations.map(\.sessions), [1, 1, 1, 1])
        XCTAssertEqual(f.resolvedPercent, 50)
        XCTAssertEqual(f.csat, 4.5)
        XCTAssertEqual(f.surveys, 2)
        XCTAssertEqual(f.dropRatePercent, 25)
        XCTAssertEqual(f.complaints, 1)
        XCTAssertEqual(f.modes.map(\.sessions), [2, 1, 1, 0], "view only, guided, controlled, full control")
        XCTAssertEqual(f.sessionsPerDay.count, 30)
        XCTAssertEqual(f.sessionsPerDay.enumerated().filter { $0.element > 0 }.map { $0.offset + 1 }, [2, 4, 11, 25])
        XCTAssertEqual(f.csatByWeek.map(\.firstDay), ["2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22", "2026-11-29"])
        XCTAssertEqual(f.csatByWeek.map(\.csat), [4.5, nil, nil, nil, nil])
        XCTAssertEqual(f.csatByWeek.last?.days, 2)
        // James K.'s link for T-5 is still out: the team's live line counts it.
        XCTAssertEqual(team.live.waitingForConsent, 1)
        XCTAssertEqual(team.live.active, 0)

        let own = try dashboard(as: 1001)
        XCTAssertEqual(own.agentOnly, "Maria S.", "an L2 agent sees their own sessions only")
        XCTAssertEqual(own.figures.sessions, 3, "T-1, T-2 and T-4; James K.'s T-3 is not hers")
        XCTAssertEqual(own.figures.neverStarted, 0)
        XCTAssertEqual(own.figures.durations.map(\.sessions), [1, 1, 0, 1])
        XCTAssertEqual(own.figures.dropRatePercent, 0)
        XCTAssertEqual(own.figures.modes.map(\.sessions), [2, 1, 0, 0])
        XCTAssertEqual(try XCTUnwrap(own.figures.resolvedPercent), 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(own.live.waitingForConsent, 0, "James K.'s waiting link is not hers")
        XCTAssertEqual(own.figures, Dashboard(period: try .month("2026-11"), sessions: facts.filter { $0.agent == "Maria S." }, agents: []).figures)
    }

    func testTheTeamLevelsAreDeclaredWithTheMessage() {
        let team = AgentLevel.allCases.filter { MessageKind.dashboardRequest.answersWithTheTeam(for: $0) }
        XCTAssertEqual(Set(team), [.manager, .supervisor])
        XCTAssertNil(MessageKind.lobbyRequest.teamLevels, "only a request that has both answers declares them")
    }

    func testWithoutAMonthTheDashboardIsTheClocksMonthAndAnEmptyOneIsZeroes() throws {
        clock.now = at("2030-01-15T12:00:00Z")
        let d = try dashboard(as: 1004, month: nil)
        XCTAssertEqual(d.month, "2030-01")
        XCTAssertEqual(d.figures.sessions, 0)
        XCTAssertEqual(d.figures.sessionsPerDay, Array(repeating: 0, count: 31))
        XCTAssertNil(d.figures.csat)
        XCTAssertNil(d.figures.resolvedPercent)
        XCTAssertEqual(d.figures.modes.map(\.sessions), [0, 0, 0, 0])
    }

    func testABadMonthIsRefusedAsInvalid() throws {
        for bad in ["2026-13", "November", "2026-1", ""] {
            let c = console(1004)
            send(c, .dashboardRequest(DashboardRequest(month: bad)), id: 41)
            let e = try c.wait("the refusal of \(bad)") { if case let .error(e) = $0 { e } else { nil } }
            XCTAssertEqual(e.code, .invalid, bad)
            XCTAssertTrue(e.message.contains("YYYY-MM"), e.message)
            XCTAssertFalse(c.messages.contains { if case .dashboard = $0 { true } else { false } }, bad)
        }
    }
}
