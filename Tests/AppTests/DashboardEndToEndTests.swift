import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// The dashboard from a real console in tmux against `cobrowse serve`: a
/// manager presses `D` in the lobby and reads the month's dashboard and what
/// is live now; ← asks for the month before; q goes back to the lobby.
final class DashboardEndToEndTests: XCTestCase {
    func testAManagerPressesDAndSeesTheDashboard() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        try f.run(["agents", "add", "Mona K.", "--uid", "\(getuid())", "--level", "manager", "--data", f.dir])
        try f.startEngine()
        // A link out and not yet consented to: the live line counts it.
        _ = try f.invite()

        let console = try f.startConsole(["console", "--socket", f.socket], width: 80, height: 24)
        try f.waitForScreen(console, "the manager's lobby") { $0.contains("Mona K. (manager)") && $0.contains("D dash") }
        f.sendKeys(console, "D")
        let month = Self.monthName(Date())
        let screen = try f.waitForScreen(console, "the dashboard") {
            $0.contains("Operations dashboard — \(month)") && $0.contains("Live now:")
        }
        XCTAssertTrue(screen.contains("— team"), screen)
        XCTAssertTrue(screen.contains("1 waiting for consent"), screen)
        XCTAssertTrue(screen.contains("Sessions per day"), screen)

        f.sendKeys(console, "Left")
        let before = Self.monthName(Calendar.utc.date(byAdding: .month, value: -1, to: Date())!)
        try f.waitForScreen(console, "the month before") { $0.contains("Operations dashboard — \(before)") && $0.contains("No sessions in \(before)") }

        f.sendKeys(console, "q")
        try f.waitForScreen(console, "the lobby again") { $0.contains("My open sessions") }
    }

    /// "December 2026", as the engine names the month `date` falls in (UTC).
    static func monthName(_ date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month], from: date)
        return "\(Calendar.utc.monthSymbols[c.month! - 1]) \(c.year!)"
    }
}

private extension Calendar {
    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        c.locale = Locale(identifier: "en_US_POSIX")
        return c
    }()
}
