import Foundation
import XCTest

/// The console in tmux, told by COLORTERM that the terminal takes direct colour:
/// the theme's colours reach the terminal as they are, not rounded to 256.
final class ConsoleColourEndToEndTests: XCTestCase {
    func cells(_ f: EngineFixture, _ server: String) -> String {
        (try? f.runTool("/usr/bin/env", ["tmux", "-L", server, "capture-pane", "-p", "-e", "-t", "0"]).stdout) ?? ""
    }

    // SwiftPM runs tests with NO_COLOR=1, which tmux hands on to the console: these consoles clear it.
    func testCOLORTERMTruecolorShowsTheThemesNavyStatusBarAndWithoutItThe256Palette() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        // The dark theme's status bar is navy (31, 58, 95).
        let navy = "48;2;31;58;95"
        let direct = try f.startConsole(["demo", "--data", f.dir + "/direct", "--customer", "scripted"], width: 120, height: 30,
                                        env: ["COLORTERM": "truecolor", "NO_COLOR": ""])
        try f.waitForScreen(direct, timeout: 40, "the demo's page") { $0.contains("Northwind") }
        var shown = ""
        do {
            try f.waitUntil(timeout: 10, "the navy status bar in 24-bit colour") {
                shown = self.cells(f, direct)
                return shown.contains(navy)
            }
        } catch {
            throw FixtureError("\(error); the first cells were: \(shown.prefix(400).debugDescription)")
        }
        XCTAssertTrue(shown.contains("38;2;"), "text colours are direct too")
        // A resize redraws the whole screen in direct colour (ncurses's blank repaint does not win).
        f.resize(direct, width: 100, height: 28)
        try f.waitUntil(timeout: 10, "the frame redrawn after the resize") {
            let c = self.cells(f, direct)
            return c.contains(navy) && c.contains("Northwind")
        }
        f.quitDemo(direct)

        let palette = try f.startConsole(["demo", "--data", f.dir + "/palette", "--customer", "scripted"], width: 120, height: 30,
                                         env: ["COLORTERM": "", "NO_COLOR": ""])
        try f.waitForScreen(palette, timeout: 40, "the demo's page") { $0.contains("Northwind") }
        let rounded = cells(f, palette)
        XCTAssertFalse(rounded.contains("48;2;"), "no 24-bit colour without the terminal's word for it")
        XCTAssertTrue(rounded.contains("48;5;"), "the 256 palette")
        f.quitDemo(palette)
    }
}
