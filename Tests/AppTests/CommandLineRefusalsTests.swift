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
}
