import Foundation
import XCTest
@testable import Engine

/// A month of sessions driven through the hub with a fake clock (known
/// initiators, durations, modes, outcomes, surveys, a drop and a quality
/// complaint); every dashboard figure is checked against what the test
/// computes by hand, and the reports' three forms parse back.
final class ReportTests: XCTestCase {
    var dir: String!
    var store: SQLiteStore!
    var hub: EngineHub!
    let clock = FakeClock()
    var next = 1

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: dir + "/db.sqlite")
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.addAgent(Agent(name: "James K.", uid: 1002, level: .l2))
        try store.addAgent(Agent(name: "Sam T.", uid: 1003, level: .l1))
        try store.addAgent(Agent(name: "Mona K.", uid: 1004, level: .manager))
        try store.addAgent(Agent(name: "Tess R.", uid: 1005, level: .trainer))
        // Account tickets are not among the suggestion rules' (the agent starts those); integration and billing are.
        let categories = ["T-1": "account", "T-2": "account", "T-3": "integration", "T-4": "billing", "T-5": "integration", "T-6": "billing"]
        for (id, category) in categories.sorted(by: { $0.key < $1.key }) {
            try store.addTicket(Ticket(id: id, subject: "Question from Dana", customer: "Dana Lee", category: category))
        }
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, clock: { [clock] in clock.now })
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func connect(_ peer: PeerIdentity) -> WaitingConnection {
        defer { next += 1 }
        let c = WaitingConnection(next, peer)
        hub.connectionOpened(c)
        return c
    }

    func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }

    /// One session on `ticket` from consent to `outcome` after `minutes`, with what happened in between.
    func session(_ ticket: String, agent: Int = 1001, on day: String, minutes: Double, mode: ControlMode = .viewOnly,
                 outcome: SessionOutcome, stars: Int? = nil, complains: Bool = false, drops: Bool = false) throws {
        clock.now = at(day)
        let s = try LiveSession.open(on: hub, ticket: ticket, agentUID: agent, access: .controlled, connect: connect)
        if mode != .viewOnly {
            send(s.agent, .requestMode(ModeRequest(mode: mode)))
            try s.customer.wait("the mode request") { if case .modeRequest = $0 { true } else { nil } }
            send(s.customer, .modeAnswer(ModeAnswer(mode: mode, accept: true)))
            try s.agent.wait("the mode") { if case let .summary(x) = $0, x.controlMode == mode { true } else { nil } }
        }
        if complains {
            send(s.agent, .qualityCheck)
            try s.customer.wait("the quality check") { if case .qualityCheck = $0 { true } else { nil } }
            send(s.customer, .qualityAnswer(QualityAnswer(ok: false)))
        }
        var customer = s.customer
        if drops {
            clock.advance(60)
            hub.connectionClosed(s.customer)
            clock.advance(11); hub.tick()
            try s.agent.wait("the drop") { if case let .activity(a) = $0, a.text == "Customer disconnected" { true } else { nil } }
            customer = connect(.customer(remote: "127.0.0.1"))
            send(customer, .hello(Hello(client: "sdk", token: String(s.link.split(separator: "/").last!))))
            clock.advance(-71)
        }
        clock.advance(minutes * 60)
        send(s.agent, .endSession(EndSession(sessionId: s.id, outcome: outcome)))
        try s.agent.wait("the end") { if case .sessionEnded = $0 { true } else { nil } }
        if let stars {
            send(customer, .survey(Survey(stars: stars)))
            try s.agent.wait("the survey") { if case let .activity(a) = $0, a.text.contains("rated") || a.text.contains("★") { true } else { nil } }
        }
    }

    /// The month the tests report on, with one session the month before and one that never started.
    func november() throws -> [SessionFacts] {
        try session("T-6", on: "2026-10-20T10:00:00Z", minutes: 3, outcome: .resolved, stars: 1)
        try session("T-1", on: "2026-11-02T09:00:00Z", minutes: 4, mode: .guided, outcome: .resolved, stars: 5)
        try session("T-2", on: "2026-11-04T09:00:00Z", minutes: 7, outcome: .resolved, stars: 4, complains: true)
        try session("T-3", agent: 1002, on: "2026-11-11T14:00:00Z", minutes: 12, mode: .controlled,
                    outcome: .followUp(plan: "Re-run the import", owner: "James K.", due: "2026-11-20"), drops: true)
        try session("T-4", on: "2026-11-25T16:00:00Z", minutes: 25, outcome: .escalated(to: "Billing L2", reason: "refund"))
        // Never started: the link went out, nobody consented.
        clock.now = at("2026-11-27T08:00:00Z")
        let lone = connect(.local(uid: 1002, pid: 9))
        send(lone, .hello(Hello(client: "test")))
        send(lone, .startSession(StartSession(ticketId: "T-5")), id: 1)
        try lone.wait("the link") { if case .sessionStarted = $0 { true } else { nil } }
        return try SessionFacts.read(try ReportPeriod.month("2026-11"), from: store, recordings: store)
    }

    func value(_ r: Report, _ key: String) -> Report.Value? { r.figure(key)?.value }

    func testTheDashboardOfAMonthIsWhatTheSessionsSay() throws {
        let facts = try november()
        XCTAssertEqual(facts.map(\.ticketId), ["T-1", "T-2", "T-3", "T-4", "T-5"], "October's session is not November's")
        let r = Dashboard(period: try .month("2026-11"), sessions: facts, agents: try store.allAgents()).report

        XCTAssertEqual(value(r, "total_sessions"), .count(4))
        XCTAssertEqual(r.figure("total_sessions")?.detail, "1 more never started: no consent")
        XCTAssertEqual(value(r, "initiated_agent"), .count(2))
        XCTAssertEqual(r.figure("initiated_agent")?.detail, "50.0%")
        XCTAssertEqual(value(r, "initiated_auto_suggestion"), .count(2))
        XCTAssertEqual(value(r, "initiated_customer_request"), .count(0))
        XCTAssertEqual(value(r, "average_duration_minutes"), .minutes((4 + 7 + 12 + 25) / 4.0))
        for key in ["sessions_under_5_minutes", "sessions_5_to_10_minutes", "sessions_10_to_20_minutes", "sessions_over_20_minutes"] {
            XCTAssertEqual(value(r, key), .count(1), key)
        }

        XCTAssertEqual(value(r, "resolved_in_session"), .count(2))
        XCTAssertEqual(value(r, "follow_up_needed"), .count(1))
        XCTAssertEqual(value(r, "escalated"), .count(1))
        XCTAssertEqual(value(r, "first_contact_resolution"), .percent(50))
        guard case .unavailable = value(r, "first_contact_resolution_chat_only") else { return XCTFail("no baseline without the desk's figures") }
        XCTAssertEqual(value(r, "csat"), .number(4.5, decimals: 1), "(5 + 4) / 2; October's 1 star is not November's")

        let modes = try XCTUnwrap(r.sections.first { $0.key == "modes" }?.tables.first).rows
        XCTAssertEqual(modes.map { $0[1] }, [.count(2), .count(1), .count(1), .count(0)], "view only, guided, controlled, full control")
        XCTAssertEqual(modes.map { $0[3] }.prefix(3), [.percent(50), .percent(100), .percent(0)])

        let cases = try XCTUnwrap(r.sections.first { $0.key == "use_cases" }?.tables.first).rows
        XCTAssertEqual(cases.map { $0[1] }, [.text("account"), .text("billing"), .text("integration")])
        XCTAssertEqual(cases[0][2], .count(2))
        XCTAssertEqual(cases[0][3], .minutes(5.5))
        XCTAssertEqual(cases[0][4], .percent(100))

        XCTAssertEqual(value(r, "drop_rate"), .percent(25))
        XCTAssertEqual(value(r, "quality_complaints"), .count(1))
        XCTAssertEqual(value(r, "recordings"), .count(0))

        XCTAssertEqual(value(r, "agents_capable"), .count(4), "the trainer does not co-browse")
        XCTAssertEqual(value(r, "agents_active"), .count(2))
        XCTAssertEqual(value(r, "top_agents"), .text("Maria S. (3), James K. (1)"))
        XCTAssertEqual(value(r, "sessions_per_active_agent"), .number(2, decimals: 1))
    }

    func testTheThreeFormsParseBackAndTheTextFits80Columns() throws {
        let r = Dashboard(period: try .month("2026-11"), sessions: try november(), agents: try store.allAgents()).report
        for line in r.text().split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        XCTAssertTrue(r.text().hasPrefix("CO-BROWSING OPERATIONS DASHBOARD — November 2026\n"))

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        XCTAssertEqual((json["period"] as? [String: Any])?["from"] as? String, "2026-11-01")
        XCTAssertEqual((json["period"] as? [String: Any])?["to"] as? String, "2026-11-30")
        XCTAssertEqual((json["sessions"] as? [String: Any])?["total_sessions"] as? Int, 4)
        let resolution = try XCTUnwrap(json["resolution"] as? [String: Any])
        XCTAssertTrue(resolution["first_contact_resolution_chat_only"] is NSNull)
        XCTAssertNotNil(resolution["first_contact_resolution_chat_only_why"] as? String)
        XCTAssertEqual(((json["modes"] as? [String: Any])?["modes"] as? [[String: Any]])?.first?["sessions"] as? Int, 2)

        // CSV: blocks of one header and rows, each row as wide as its header.
        for block in r.csv().components(separatedBy: "\n\n") where !block.isEmpty {
            let rows = block.split(separator: "\n").map { Self.csvFields(String($0)) }
            for row in rows { XCTAssertEqual(row.count, rows[0].count, "\(row)") }
        }
        XCTAssertTrue(r.csv().contains("sessions,total_sessions,Total sessions,4,1 more never started: no consent"))
    }

    func testAnEmptyPeriodSaysNAAndWhyAndInventsNothing() throws {
        let r = Dashboard(period: try .month("2030-01"), sessions: try SessionFacts.read(try .month("2030-01"), from: store, recordings: store),
                          agents: []).report
        XCTAssertEqual(value(r, "total_sessions"), .count(0))
        for key in ["average_duration_minutes", "csat", "first_contact_resolution", "drop_rate", "top_agents", "connection_quality"] {
            guard case let .unavailable(why)? = value(r, key) else { XCTFail("\(key) is \(String(describing: value(r, key)))"); continue }
            XCTAssertFalse(why.isEmpty)
        }
        XCTAssertTrue(r.text().contains("Average session duration: n/a (no session of the period has ended)"), r.text())
    }

    func testAPeriodWithOneSession() throws {
        try session("T-1", on: "2026-11-02T09:00:00Z", minutes: 9, outcome: .resolved, stars: 3)
        let r = Dashboard(period: try .month("2026-11"), sessions: try SessionFacts.read(try .month("2026-11"), from: store, recordings: store),
                          agents: try store.allAgents()).report
        XCTAssertEqual(value(r, "total_sessions"), .count(1))
        XCTAssertEqual(value(r, "average_duration_minutes"), .minutes(9))
        XCTAssertEqual(value(r, "sessions_5_to_10_minutes"), .count(1))
        XCTAssertEqual(value(r, "csat"), .number(3, decimals: 1))
        XCTAssertEqual(value(r, "first_contact_resolution"), .percent(100))
    }

    /// RFC 4180 fields, enough to read back what the report writes.
    static func csvFields(_ line: String) -> [String] {
        var out: [String] = [], field = "", quoted = false, chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else { field.append(c) }
            i += 1
        }
        out.append(field)
        return out
    }
}

/// The ROI calculator: every formula by hand, on the templates' inputs and on edges.
final class ROICalculatorTests: XCTestCase {
    let month = try! ReportPeriod.month("2026-09")

    func testEveryFormulaOnTheTemplatesInputs() {
        let c = ROICalculator(inputs: .standard, measure: ROIMeasure(sessions: 342, averageMinutes: 8.4, resolved: 287, source: "given"))
        XCTAssertEqual(c.agentHours, 342 * 8.4 / 60, accuracy: 1e-9)
        XCTAssertEqual(c.laborMonthly, 47.88 * 35, accuracy: 1e-9)
        XCTAssertEqual(c.costsMonthly, 350 + 1_675.8, accuracy: 1e-9)
        XCTAssertEqual(c.ticketsPreventedValue, 342 * 1.7 * 14.5, accuracy: 1e-9)
        XCTAssertEqual(c.minutesSavedPerResolved, 24 - 8.4, accuracy: 1e-9)
        XCTAssertEqual(c.hoursSaved, 287 * 15.6 / 60, accuracy: 1e-9)
        XCTAssertEqual(c.timeSavedValue, 74.62 * 35, accuracy: 1e-9)
        XCTAssertEqual(c.retentionValue, 23 * 4_200 * 0.021, accuracy: 1e-9, "2,028.60: the template's 2,016 does not follow from its own inputs")
        XCTAssertEqual(c.kbValueMonthly, 2_160, accuracy: 1e-9)
        XCTAssertEqual(c.benefitsMonthly, 8_430.3 + 2_611.7 + 2_028.6 + 2_160, accuracy: 1e-9)
        XCTAssertEqual(c.netMonthly, 15_230.6 - 2_025.8, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(c.roiMultiple), 13_204.8 / 2_025.8, accuracy: 1e-9)
        XCTAssertEqual(c.annualNet, 12 * 13_204.8 - 2_800, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(c.annualMultiple), (12 * 13_204.8 - 2_800) / (12 * 2_025.8 + 2_800), accuracy: 1e-9)

        let r = c.report(period: month)
        XCTAssertEqual(r.figure("labor_monthly")?.detail, "47.9 h × $35.00/h")
        XCTAssertEqual(r.figure("retention_value")?.value.text, "$2,028.60")
        let json = try! XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        for key in ["costs_monthly", "benefits_monthly", "net_monthly", "roi_multiple", "annual_net"] { XCTAssertNotNil(json[key] as? Double ?? (json[key] as? Int).map(Double.init), key) }
        XCTAssertEqual(json["costs_monthly"] as? Double, 2_025.8)
        XCTAssertEqual((json["inputs"] as? [String: Any])?["ticket_cost"] as? Double, 14.5)
        for line in r.text().split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    func testSessionsLongerThanChatSaveNoTimeAndAFreeProgramHasNoMultiple() {
        var inputs = ROIInputs()
        inputs.licenseMonthly = 0
        inputs.hourlyCost = 0
        let c = ROICalculator(inputs: inputs, measure: ROIMeasure(sessions: 10, averageMinutes: 30, resolved: 5, source: "given"))
        XCTAssertEqual(c.minutesSavedPerResolved, 0)
        XCTAssertEqual(c.hoursSaved, 0)
        XCTAssertEqual(c.costsMonthly, 0)
        XCTAssertNil(c.roiMultiple)
        guard case .unavailable = c.report(period: month).figure("roi_multiple")?.value else { return XCTFail("n/a, not infinity") }
        XCTAssertTrue(c.report(period: month).json().contains("\"roi_multiple\" : null"))
    }

    func testAMeasuredPeriodIsScaledToAMonth() throws {
        let start = try ReportPeriod.days(from: "2026-11-01", to: "2026-11-10")
        func fact(_ i: Int, _ minutes: Double, resolved: Bool) -> SessionFacts {
            let s = start.start.addingTimeInterval(Double(i) * 3_600)
            return SessionFacts(id: "S-\(i)", ticketId: "T-\(i)", category: nil, agent: "Maria S.", initiator: .agent, createdAt: s, startedAt: s,
                                endedAt: s.addingTimeInterval(minutes * 60), endReason: .agentEnded, highestMode: .viewOnly,
                                outcome: resolved ? .resolved : .followUp, stars: nil, recorded: false, highlights: 0, drops: 0,
                                quality: .good, qualityComplaints: 0, qualityChecks: 0, redactions: 0)
        }
        let m = ROIMeasure.measured([fact(1, 6, resolved: true), fact(2, 10, resolved: false)], period: start, now: start.end.addingTimeInterval(86_400))
        XCTAssertEqual(m.sessions, 2 * 30.4375 / 10, accuracy: 1e-9)
        XCTAssertEqual(m.averageMinutes, 8, accuracy: 1e-9)
        XCTAssertEqual(m.resolved, 30.4375 / 10, accuracy: 1e-9)
        XCTAssertTrue(m.source.contains("scaled to a month"), m.source)
    }

    func testPeriodsReadAndRefuse() throws {
        XCTAssertEqual(try ReportPeriod.month("2026-11").label, "November 2026")
        XCTAssertEqual(try ReportPeriod.month("2026-11").previous.label, "October 2026")
        XCTAssertEqual(try ReportPeriod.month("2026-01").previous.label, "December 2025")
        XCTAssertEqual(try ReportPeriod.quarter("2026Q1").previous.label, "2025 Q4")
        XCTAssertEqual(try ReportPeriod.quarter("2026q4").days, 92)
        XCTAssertEqual(try ReportPeriod.days(from: "2026-11-03", to: "2026-11-16").previous.label, "2026-10-20 – 2026-11-02")
        for bad in ["2026-13", "26-11", "2026-1", "x", "99999-01"] { XCTAssertThrowsError(try ReportPeriod.month(bad), bad) }
        for bad in ["2026Q5", "2026Q0", "Q4", "2026-Q4"] { XCTAssertThrowsError(try ReportPeriod.quarter(bad), bad) }
        XCTAssertThrowsError(try ReportPeriod.days(from: "2026-02-30", to: "2026-03-01"))
        XCTAssertThrowsError(try ReportPeriod.days(from: "2026-03-02", to: "2026-03-01"))
        XCTAssertThrowsError(try ReportPeriod.days(from: "1970-01-01", to: "2999-01-01"), "ten years at most")
    }
}

/// The monthly summary on the same month: the change against October, the
/// targets, and recommendations that each name their figure.
extension ReportTests {
    func testTheMonthlySummaryAgainstTheMonthBeforeWithTargetsAndRecommendations() throws {
        let t = self
        let november = try t.november()
        let october = try SessionFacts.read(try .month("2026-10"), from: t.store, recordings: t.store)
        XCTAssertEqual(october.count, 1)
        let r = MonthlySummary(period: try .month("2026-11"), sessions: november, before: october, agents: try t.store.allAgents(),
                               now: t.at("2026-12-01T00:00:00Z")).report
        XCTAssertEqual(r.figure("sessions_completed")?.value, .count(4))
        XCTAssertEqual(r.figure("sessions_completed")?.detail, "↑ 300% from October 2026", "4 against 1")
        XCTAssertEqual(r.figure("sessions_never_started")?.value, .count(1))
        XCTAssertEqual(r.figure("average_daily_sessions")?.value, .number(4.0 / 30, decimals: 1))
        // 2026-11-02 and 2026-11-04 are a Monday and a Wednesday; the 11th a Wednesday; the 25th a Wednesday.
        XCTAssertEqual(r.figure("peak_weekday")?.value, .text("Wednesday (3 sessions)"))
        XCTAssertEqual(r.figure("first_contact_resolution")?.detail, "↓ 50.0 points from October 2026", "50% against 100%")
        XCTAssertEqual(r.figure("csat")?.detail, "/5.0; ↑ 3.5 points from October 2026", "4.5 against 1")
        XCTAssertEqual(r.figure("average_duration")?.detail, "✗ target: under 10 min", "12 min")
        XCTAssertEqual(r.figure("quality_complaints")?.value, .percent(25))
        XCTAssertEqual(r.figure("never_started")?.value, .percent(20))
        let advice = try XCTUnwrap(r.sections.first { $0.key == "recommendations" }).figures.map { $0.value.text }
        XCTAssertTrue(advice.contains { $0.hasPrefix("Sessions average 12.0 min (average session duration") }, "\(advice)")
        XCTAssertTrue(advice.contains { $0.hasPrefix("Investigate links that never became a session: 20.0%") }, "\(advice)")
        XCTAssertTrue(advice.contains { $0.contains("Bring more agents to co-browse: 2 of 4") }, "\(advice)")
        for line in r.text().split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    func testAMonthlySummaryWithNothingBeforeItSaysSo() throws {
        let empty = MonthlySummary(period: try .month("2030-01"), sessions: [], before: [], agents: [], now: Date()).report
        XCTAssertEqual(empty.figure("sessions_completed")?.detail, "no change from December 2029")
        XCTAssertEqual(empty.sections.last?.figures.map { $0.value.text }, ["Every figure met its target: no change recommended."])
        guard case .unavailable = empty.figure("peak_weekday")?.value else { return XCTFail("no peak without sessions") }
    }
}

/// The compliance audit over the same month, with rows a tampered database
/// would hold written through the store: Full Control without an approval, a
/// recording opened without a reason, and then a broken chain.
extension ReportTests {
    func testTheComplianceAuditListsExceptionsFirstAndFindsABrokenChain() throws {
        _ = try november()
        let sessions = try store.sessionsCreated(from: at("2026-11-01T00:00:00Z"), to: at("2026-12-01T00:00:00Z"))
        let byTicket = Dictionary(uniqueKeysWithValues: sessions.map { ($0.ticket.id, $0.id) })
        let (t1, t3, t4) = (byTicket["T-1"]!, byTicket["T-3"]!, byTicket["T-4"]!)
        // Full Control with nobody's approval on T-3; with Mona's on T-4.
        try store.appendAudit(at: at("2026-11-11T14:05:00Z"), actor: "Dana Lee", action: "mode.changed", sessionId: t3,
                              detail: "from=controlled to=full-control requestedBy=James K.")
        try store.appendAudit(at: at("2026-11-25T16:02:00Z"), actor: "Mona K.", action: "mode.approved", sessionId: t4, detail: "to=full-control requestedBy=Maria S.")
        try store.appendAudit(at: at("2026-11-25T16:03:00Z"), actor: "Dana Lee", action: "mode.changed", sessionId: t4,
                              detail: "from=view-only to=full-control requestedBy=Maria S.")
        // T-1's recording opened twice: once with a reason, once without.
        try store.appendAudit(at: at("2026-11-28T10:00:00Z"), actor: "Tess R.", action: "recording.opened", sessionId: t1,
                              detail: "recording=R-1 purpose=training reason=onboarding class for new agents granted=trainer")
        try store.appendAudit(at: at("2026-11-29T10:00:00Z"), actor: "Tess R.", action: "recording.opened", sessionId: t1,
                              detail: "recording=R-1 purpose=training reason=(no reason given) granted=trainer")

        // A screenshot of T-4 opened with a reason, and one opened with an empty one.
        try store.appendAudit(at: at("2026-11-26T09:00:00Z"), actor: "Mona K.", action: "screenshot.opened", sessionId: t4, detail: "id=SH-1 reason=refund dispute evidence")
        try store.appendAudit(at: at("2026-11-26T09:05:00Z"), actor: "Mona K.", action: "screenshot.opened", sessionId: t4, detail: "id=SH-2 reason=")

        let audit = try ComplianceAudit.read(try .month("2026-11"), from: store)
        XCTAssertNil(audit.chainProblem)
        XCTAssertEqual(audit.exceptions, [
            .init(sessionId: t1, what: "recording opened by Tess R. at 2026-11-29 10:00Z without a reason"),
            .init(sessionId: t3, what: "Full Control at 2026-11-11 14:05Z without a manager's approval (asked by James K.)"),
            .init(sessionId: t4, what: "screenshot SH-2 opened by Mona K. at 2026-11-26 09:05Z without a reason"),
        ])
        let text = audit.report.text()
        XCTAssertLessThan(try XCTUnwrap(text.range(of: "EXCEPTIONS:")).lowerBound, try XCTUnwrap(text.range(of: "SESSIONS:")).lowerBound)
        // Each session's line, as the text wraps it and JSON keeps it whole.
        func line(_ id: String) -> String { audit.report.figure("session_\(id)")?.value.text ?? "" }
        XCTAssertTrue(line(t4).contains("approvals: Mona K. approved full-control at 2026-11-25 16:02Z"), line(t4))
        XCTAssertTrue(line(t4).contains("Mona K. opened screenshot SH-1 at 2026-11-26 09:00Z: refund dispute evidence"), line(t4))
        XCTAssertTrue(line(t1).contains("Tess R. opened the recording at 2026-11-28 10:00Z: onboarding class for new agents"), line(t1))
        XCTAssertTrue(line(t1).contains("consent: Dana Lee allowed controlled at 2026-11-02 09:00Z"), line(t1))
        XCTAssertTrue(line(t1).contains("escalations: view-only→guided at 2026-11-02 09:00Z, asked by Maria S., acknowledged by Dana Lee"), line(t1))
        XCTAssertTrue(text.contains("Tess R. opened the recording"), "the text has it, wrapped")
        for line in text.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }

        try store.db.write { try $0.execute(sql: "UPDATE audit SET detail = 'nothing happened' WHERE seq = 3") }
        let broken = try ComplianceAudit.read(try .month("2026-11"), from: store)
        XCTAssertEqual(broken.exceptions.first?.what.hasPrefix("the audit chain is broken"), true, "\(broken.exceptions)")
        XCTAssertTrue(broken.report.text().contains("Audit chain: BROKEN"), broken.report.text())
    }
}

/// The export for analytics platforms: a row a session, both forms parse back, and nothing of the customer.
extension ReportTests {
    func testTheExportIsARowASessionInBothFormsWithoutTheCustomer() throws {
        let facts = try november()
        let csv = SessionExport.render(facts, as: .csv).split(separator: "\n").map { Self.csvFields(String($0)) }
        XCTAssertEqual(csv.count, 1 + facts.count)
        let header = csv[0]
        XCTAssertEqual(header.first, "session_id")
        for row in csv { XCTAssertEqual(row.count, header.count, "\(row)") }
        let t3 = try XCTUnwrap(csv.first { $0[header.firstIndex(of: "ticket_id")!] == "T-3" })
        XCTAssertEqual(t3[header.firstIndex(of: "minutes")!], "12")
        XCTAssertEqual(t3[header.firstIndex(of: "highest_mode")!], "controlled")
        XCTAssertEqual(t3[header.firstIndex(of: "outcome")!], "follow-up")
        XCTAssertEqual(t3[header.firstIndex(of: "drops")!], "1")
        let t5 = try XCTUnwrap(csv.first { $0[header.firstIndex(of: "ticket_id")!] == "T-5" })
        XCTAssertEqual(t5[header.firstIndex(of: "started_at")!], "", "never started: empty, not invented")

        let lines = SessionExport.render(facts, as: .jsonl).split(separator: "\n")
        XCTAssertEqual(lines.count, facts.count)
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), Set(header))
        }
        let whole = SessionExport.render(facts, as: .csv) + SessionExport.render(facts, as: .jsonl)
        XCTAssertFalse(whole.contains("Dana") || whole.contains("Question from"), "no customer and no ticket text in an export")
    }
}
