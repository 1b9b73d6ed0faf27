import Engine
import Foundation
import XCTest

/// `cobrowse report` on the real binary: refusals say what is wrong, and the
/// reports run against an engine's data directory in every format.
final class ReportCommandTests: XCTestCase {
    func testReportsRunOnAnEnginesDataInEveryFormat() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let (session, _) = try f.invite()
        _ = try f.run(["sessions", "end", session, "--outcome", "resolved", "--socket", f.socket])
        for format in ["text", "json", "csv"] {
            let out = try f.run(["report", "dashboard", "--format", format, "--data", f.dir])
            XCTAssertFalse(out.stdout.isEmpty, format)
            if format == "json" {
                let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
                // The session ended before the customer consented: it never started, and the report says so.
                XCTAssertEqual((json["sessions"] as? [String: Any])?["total_sessions"] as? Int, 0)
            }
            if format == "text" {
                XCTAssertTrue(out.stdout.contains("Total sessions: 0 (1 more never started: no consent)"), out.stdout)
                for line in out.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
            }
        }
        // The audit report's hash goes to the trail: the printed report matches the row.
        let audit = try f.run(["report", "audit", "--data", f.dir])
        XCTAssertTrue(audit.stdout.contains("Audit chain: intact"), audit.stdout)
        let hash = Engine.Digest.sha256Hex(audit.stdout)
        XCTAssertTrue(audit.stderr.contains("report sha256 \(hash)"), audit.stderr)
        let trail = try f.run(["audit", "--data", f.dir]).stdout
        XCTAssertTrue(trail.contains("report.audit") && trail.contains("sha256=\(hash)"), trail)
        XCTAssertTrue(trail.contains("audit chain: intact"), trail)

        // Yesterday to tomorrow: the session is in it whatever the hour the test runs at.
        func day(_ offset: Double) -> String { String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset * 86_400)).prefix(10)) }
        let export = try f.run(["report", "export", "--from", day(-1), "--to", day(1), "--format", "jsonl", "--data", f.dir])
        XCTAssertEqual(export.stdout.split(separator: "\n").count, 1, "the one session: \(export.stdout)")
        XCTAssertTrue(export.stdout.contains("\"session_id\":\"\(session)\""), export.stdout)

        let roi = try f.run(["report", "roi", "--format", "json", "--data", f.dir, "--license-monthly", "500"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(roi.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((json["inputs"] as? [String: Any])?["license_monthly"] as? Int, 500)
        XCTAssertEqual(json["costs_monthly"] as? Int, 500, "no session ran: the license alone")
    }

    /// The calculator's inputs are declared once (ROIInputs.fields); every one is a flag of the command.
    func testEveryInputOfTheCalculatorIsAFlag() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let help = try f.run(["report", "roi", "--help"]).stdout
        for field in ROIInputs.fields { XCTAssertTrue(help.contains(field.flag + " <"), "\(field.flag) missing from: \(help)") }
        var given = ["report", "roi", "--format", "json", "--sessions", "1", "--avg-minutes", "1", "--resolved", "1", "--data", f.dir]
        for (i, field) in ROIInputs.fields.enumerated() { given += [field.flag, "\(i + 1)"] }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try f.run(given).stdout.utf8)) as? [String: Any])
        let inputs = try XCTUnwrap(json["inputs"] as? [String: Any])
        for (i, field) in ROIInputs.fields.enumerated() {
            XCTAssertEqual((inputs[field.key] as? NSNumber)?.doubleValue, Double(i + 1), "\(field.flag) reaches the calculator")
        }
    }

    func testRefusalsSayWhatIsWrong() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let cases: [([String], String)] = [
            (["report", "dashboard", "--month", "2026-13"], "--month takes YYYY-MM"),
            (["report", "dashboard", "--quarter", "2026Q5"], "--quarter takes YYYYQN"),
            (["report", "dashboard", "--from", "2026-11-01"], "--from and --to go together"),
            (["report", "dashboard", "--month", "2026-11", "--quarter", "2026Q4"], "give one of --month, --quarter or --from/--to"),
            (["report", "dashboard", "--format", "xml"], "--format is text, json or csv"),
            (["report", "roi", "--sessions", "10"], "--sessions, --avg-minutes and --resolved go together"),
            (["report", "roi", "--sessions", "10", "--avg-minutes", "5", "--resolved", "11"], "is more than --sessions"),
            (["report", "roi", "--hourly-cost", "1e300"], "--hourly-cost is a number from 0 to 1,000,000,000"),
            (["report", "roi", "--retention-uplift", "150"], "--retention-uplift is a percent"),
            (["report", "dashboard", "--data", f.dir + "/none"], "no engine data in"),
            (["report", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"], "--format is csv or jsonl"),
            (["report", "export", "--from", "2026-11-31", "--to", "2026-12-01"], "--from and --to take YYYY-MM-DD"),
        ]
        for (args, expected) in cases {
            let out = try f.run(args, expectFailure: true)
            XCTAssertNotEqual(out.status, 0, "\(args)")
            XCTAssertTrue(out.stderr.contains(expected), "\(args): \(out.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dir + "/none"), "a report creates no store")
    }
}

/// `cobrowse demo --history DAYS`: a newcomer's reports have something in them, played through the engine.
final class DemoHistoryEndToEndTests: XCTestCase {
    func testTheDemosHistoryFillsTheDashboard() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let data = f.dir + "/demo"
        let console = try f.startConsole(["demo", "--data", data, "--customer", "scripted", "--history", "14"], width: 160, height: 48)
        try f.waitForScreen(console, timeout: 60, "the demo's page") { $0.contains("Northwind") }
        f.quitDemo(console)
        try f.waitUntil(timeout: 30, "the demo to end") { !FileManager.default.fileExists(atPath: data + "/engine.sock") }
        func day(_ offset: Double) -> String { String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset * 86_400)).prefix(10)) }
        let report = try f.run(["report", "dashboard", "--from", day(-15), "--to", day(0), "--format", "json", "--data", data])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let total = try XCTUnwrap((json["sessions"] as? [String: Any])?["total_sessions"] as? Int)
        XCTAssertGreaterThan(total, 10, report.stdout)
        XCTAssertNotNil((json["resolution"] as? [String: Any])?["csat"] as? Double, "surveys were answered")
        let log = try String(contentsOfFile: data + "/engine.log", encoding: .utf8)
        XCTAssertTrue(log.contains("Demo history: ") && log.contains("played through the engine"), log)
    }
}
