import Foundation
import XCTest
@testable import Engine

/// The demo's history is played through the engine: what the reports read
/// is what the engine wrote, the same on every run, and labelled as history.
final class DemoHistoryTests: XCTestCase {
    func store() throws -> (SQLiteStore, String) {
        let dir = NSTemporaryDirectory() + "history-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try SQLiteStore(path: dir + "/db.sqlite"), dir)
    }

    func testThirtyDaysOfHistoryFillTheReportsThroughTheEngine() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let today = ISO8601DateFormatter().date(from: "2026-12-01T12:00:00Z")!
        var player = DemoHistory(store: store)
        let played = try player.play(days: 30, before: today)
        XCTAssertGreaterThan(played.sessions, 40)

        let november = try ReportPeriod.month("2026-11")
        let facts = try SessionFacts.read(november, from: store, recordings: store)
        XCTAssertEqual(facts.count, played.sessions, "every session falls in the 30 days before 1 December")
        XCTAssertTrue(facts.contains { !$0.started }, "some links were never opened")
        let held = facts.filter(\.started)
        XCTAssertEqual(Set(held.compactMap(\.outcome)), [.resolved, .followUp, .escalated])
        XCTAssertEqual(Set(held.map(\.highestMode)), [.viewOnly, .guided, .controlled])
        XCTAssertTrue(held.contains { $0.drops > 0 } && held.contains { $0.qualityComplaints > 0 } && held.contains { $0.stars != nil })
        XCTAssertTrue(held.allSatisfy { ($0.minutes ?? 0) >= 2 })
        for s in try store.sessionsCreated(from: november.start, to: november.end) {
            XCTAssertTrue(s.ticket.subject.hasPrefix("Demo history: "), s.ticket.subject)
        }
        XCTAssertNoThrow(try store.verifyAuditChain(), "rows written by the engine, chained")

        let dashboard = Dashboard(period: november, sessions: facts, agents: try store.allAgents()).report
        guard case .number = dashboard.figure("csat")?.value, case .minutes = dashboard.figure("average_duration_minutes")?.value else {
            return XCTFail(dashboard.text())
        }

        // The same seed, the same history.
        let (again, dir2) = try self.store()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        var replay = DemoHistory(store: again)
        XCTAssertEqual(try replay.play(days: 30, before: today), played)
        XCTAssertEqual(try SessionFacts.read(november, from: again, recordings: again).map(\.minutes), facts.map(\.minutes))
    }

    func testAHistoryOfNoDaysOrAYearTooManyIsRefused() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var player = DemoHistory(store: store)
        XCTAssertThrowsError(try player.play(days: 0, before: Date()))
        XCTAssertThrowsError(try player.play(days: 367, before: Date()))
    }
}
