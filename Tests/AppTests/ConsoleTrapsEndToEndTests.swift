import Foundation
import XCTest

/// The keys that would cost a customer, pressed as an agent would in tmux:
/// none of them acts without asking.
final class ConsoleTrapsEndToEndTests: XCTestCase {
    func testEnterOnATicketAsksBeforeALinkIsMinted() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let console = try f.startConsole(["console", "--socket", f.socket], width: 120, height: 40)
        try f.waitForScreen(console, "the lobby") { $0.contains("My tickets") && $0.contains("T-7") }
        f.sendKeys(console, "Enter")
        try f.waitForScreen(console, "the question") { $0.contains("Start a session?") && $0.contains("y  start it") }
        f.sendKeys(console, "Escape")
        try f.waitForScreen(console, "the lobby, nothing started") { !$0.contains("Start a session?") && $0.contains("My tickets") }
        let audit = try f.run(["audit", "--data", f.dir]).stdout
        XCTAssertFalse(audit.contains("session.created"), "no session, no link: \(audit)")

        // y starts it; the link is shown once, and c copies it through the terminal (OSC 52), which
        // tmux (set-clipboard on) keeps as its paste buffer: what an SSH session's terminal would get.
        _ = try f.runTool("/usr/bin/env", ["tmux", "-L", console, "set-option", "-g", "set-clipboard", "on"])
        f.sendKeys(console, "Enter")
        try f.waitForScreen(console, "the question again") { $0.contains("Start a session?") }
        f.sendKeys(console, "y")
        let shown = try f.waitForScreen(console, "the one-time link") { $0.contains("One-time link for T-7") && $0.contains("c  copy the link") }
        f.sendKeys(console, "c")
        try f.waitForScreen(console, "the copy confirmed") { $0.contains("Link copied to your terminal's clipboard") }
        var buffer = ""
        try f.waitUntil(timeout: 10, "tmux's buffer to hold the link") {
            buffer = (try? f.runTool("/usr/bin/env", ["tmux", "-L", console, "show-buffer"]).stdout) ?? ""
            return buffer.hasPrefix("https://") && buffer.contains("/join/")
        }
        let token = String(buffer.split(separator: "/").last ?? "")
        XCTAssertTrue(shown.replacingOccurrences(of: "\n", with: "").contains(token.prefix(12)), "the buffer is the link shown:\n\(buffer)\n\(shown)")
    }

    func testZTurnsTheMouseOffSoTheTerminalSelectsTextAndBackOn() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let demo = try f.startConsole(["demo", "--data", f.dir + "/mouse", "--customer", "scripted"], width: 160, height: 48)
        try f.waitForScreen(demo, timeout: 40, "the customer's page") { $0.contains("Northwind") }
        func mouseMode() -> String {
            ((try? f.runTool("/usr/bin/env", ["tmux", "-L", demo, "display-message", "-p", "-t", "0", "#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}"]).stdout) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try f.waitUntil(timeout: 10, "button-event tracking with SGR reports") { mouseMode() == "111" }
        f.sendKeys(demo, "z")
        try f.waitForScreen(demo, "mouse off") { $0.contains("Mouse off: the terminal selects text") }
        try f.waitUntil(timeout: 10, "mouse reporting off") { mouseMode() == "000" }
        f.sendKeys(demo, "z")
        try f.waitUntil(timeout: 10, "mouse reporting back on") { mouseMode() == "111" }
        f.quitDemo(demo)
    }

    func testEscNeverLeavesTheDemoSessionAndQuittingAsksThenLeavesACompleteRecording() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let data = f.dir + "/demo"
        let demo = try f.startConsole(["demo", "--data", data, "--customer", "scripted", "--record"], width: 160, height: 48)
        try f.waitForScreen(demo, timeout: 40, "the customer's page, recorded") { $0.contains("Northwind") && $0.contains("REC") }
        // Esc twice with nothing open (as after leaving annotate mode): still in the session.
        f.sendKeys(demo, "Escape")
        f.sendKeys(demo, "Escape")
        try f.waitForScreen(demo, "the hint instead of the lobby") { $0.contains("q leaves the session") }
        XCTAssertFalse(f.capture(demo).contains("My tickets"), "the agent stays in the session")
        // Q asks; n stays; Q then y quits, ending the session so its recording is complete.
        f.sendKeys(demo, "Q")
        try f.waitForScreen(demo, "the quit question") { $0.contains("Quit?") && $0.contains("stops its engine") }
        f.sendKeys(demo, "n")
        try f.waitForScreen(demo, "the session again") { !$0.contains("Quit?") && $0.contains("Northwind") }
        f.quitDemo(demo)
        var list = ""
        try f.waitUntil(timeout: 30, "the demo's recording closed complete") {
            list = (try? f.run(["recordings", "list", "--data", data]).stdout) ?? ""
            return list.contains("complete")
        }
        XCTAssertTrue(list.contains("engine was stopped"), list)
    }
}
