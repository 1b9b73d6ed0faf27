import Foundation
import XCTest

/// What the command line refuses before it starts anything, and says why.
final class CommandLineRefusalsTests: XCTestCase {
    func testAnUnknownThemeIsRefusedWithTheListOfThemes() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        for command in [["demo"], ["console", "--socket", f.socket]] {
            let out = try f.run(command + ["--theme", "neon"], expectFailure: true)
            XCTAssertNotEqual(out.status, 0)
            XCTAssertTrue(out.stderr.contains("no theme 'neon'; the themes are: dark, high-contrast, light, monochrome"), out.stderr)
        }
    }

    func testANegativePauseGetsItsRangeNotMissingValue() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let out = try f.run(["demo", "--customer-pause", "-3"], expectFailure: true)
        XCTAssertTrue(out.stderr.contains("--customer-pause must be 0.1 to 60 seconds"), out.stderr)
        XCTAssertFalse(out.stderr.contains("Missing value"), out.stderr)
    }

    func testReadingCommandsDoNotCreateAStore() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let empty = f.dir + "/nothing-here"
        for command in [["audit"], ["agents", "list"], ["tickets", "list"], ["recordings", "list"], ["screenshots", "list", "--session", "S-1"]] {
            let out = try f.run(command + ["--data", empty], expectFailure: true)
            XCTAssertNotEqual(out.status, 0, "\(command)")
            XCTAssertTrue(out.stderr.contains("no engine data in \(empty)"), "\(command): \(out.stderr)")
            XCTAssertFalse(out.stdout.contains("intact"), out.stdout)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty), "nothing was created")
    }

    func testSessionsListShowsTheTeamsLiveSessionsAsTextAndJSON() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let (session, _) = try f.invite()
        let table = try f.run(["sessions", "list", "--live", "--data", f.dir]).stdout
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix(session) }, table)
        for column in ["Maria S.", "T-7", "link-minted", "View Only"] { XCTAssertTrue(row.contains(column), "\(column): \(row)") }
        XCTAssertTrue(table.hasPrefix("SESSION"), table)
        let json = try f.run(["sessions", "list", "--live", "--format", "json", "--data", f.dir]).stdout
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], json)
        XCTAssertEqual(rows.first?["id"] as? String, session)
        XCTAssertEqual(rows.first?["agent"] as? String, "Maria S.")
        XCTAssertNotNil(rows.first?["elapsedSeconds"] as? Int)
        XCTAssertEqual(try f.run(["sessions", "list", "--live", "--agent", "Nobody", "--data", f.dir]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines), "no live sessions for Nobody")
        let refused = try f.run(["sessions", "list", "--format", "xml", "--data", f.dir], expectFailure: true)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("xml"), refused.stderr)
        let empty = try f.run(["sessions", "list", "--data", f.dir + "/none"], expectFailure: true)
        XCTAssertTrue(empty.stderr.contains("no engine data"), empty.stderr)
    }
}
