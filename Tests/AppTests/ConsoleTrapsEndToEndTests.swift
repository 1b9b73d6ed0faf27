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
