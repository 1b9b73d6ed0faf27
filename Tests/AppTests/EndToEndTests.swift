import Foundation
import XCTest

/// The whole product from the outside: `cobrowse serve`, a scripted customer
/// over the real TLS WebSocket, and `cobrowse console` in tmux, read back
/// with capture-pane.
final class EndToEndTests: EngineTestCase {
    func testAgentSeesTheCustomersPagesButNeverTheCardNumber() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        try fixture.spawnCustomer(link)

        let account = try fixture.waitForScreen(console, "the account page") { $0.contains("Account settings") }
        XCTAssertTrue(account.contains("T-7"), "status bar names the ticket:\n\(account)")
        XCTAssertFalse(containsCardNumber(account))

        // The script walks account → API keys → billing; watch every frame on the way.
        var billing = ""
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            let screen = fixture.capture(console)
            XCTAssertFalse(containsCardNumber(screen), "a card number reached the console:\n\(screen)")
            XCTAssertFalse(screen.contains("sk_live_"), "an API key reached the console:\n\(screen)")
            if screen.contains("Card on file") { billing = screen; break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertFalse(billing.isEmpty, "the billing page never showed:\n\(fixture.capture(console))\n\(fixture.logs())")
        XCTAssertTrue(billing.contains("[card number]"), "engine redaction is visible:\n\(billing)")
        XCTAssertTrue(billing.contains("MASKED"), "the card field is drawn masked:\n\(billing)")

        let chrome = try fixture.waitForScreen(console, "quality and timer") { screen in
            screen.contains("Good") && screen.range(of: #"\d\d:\d\d"#, options: .regularExpression) != nil
        }
        XCTAssertTrue(chrome.contains("View Only"), "control mode shown:\n\(chrome)")
    }

    /// The terminal going away (a closed SSH session, a killed tmux) ends the console quietly, never with a crash.
    func testAConsoleWhoseTerminalHangsUpExitsWithoutACrash() throws {
        let report = fixture.dir + "/console-backtrace.txt"
        let console = try fixture.startConsole(["console", "--socket", fixture.socket], width: 100, height: 30,
                                               env: ["SWIFT_BACKTRACE": "enable=yes,output-to=\(report)"])
        try fixture.waitForScreen(console, "the lobby") { $0.contains("My open sessions") }
        fixture.killConsole(console)
        Thread.sleep(forTimeInterval: 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: report),
                       "the console crashed when its terminal went away:\n\((try? String(contentsOfFile: report, encoding: .utf8)) ?? "")")
    }

    func testLinkWorksOnceAndReuseGetsAClearPage() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        try fixture.spawnCustomer(link)
        try fixture.waitForScreen(console, "the customer's page") { $0.contains("Account settings") }

        let page = try fixture.runTool("/usr/bin/env", ["curl", "-s", "-o", "/dev/stderr", "-w", "%{http_code}",
                                                       "--cacert", fixture.certificate, link])
        XCTAssertEqual(page.stdout, "410")
        XCTAssertTrue(page.stderr.contains("already been used"), page.stderr)

        let second = try fixture.run(["customer", link, "--cacert", fixture.certificate], expectFailure: true)
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue((second.stderr + second.stdout).contains("already been used"), second.stderr + second.stdout)

        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("link.refused"), "reuse is audited:\n\(audit.stdout)")
        XCTAssertTrue(audit.stdout.contains("audit chain: intact"), audit.stdout)
    }

    func testKilledCustomerIsReportedAndAKilledConsoleReattaches() throws {
        let (session, link) = try fixture.invite()
        let first = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let customer = try fixture.spawnCustomer(link)
        try fixture.waitForScreen(first, "the customer's page") { $0.contains("Account settings") }

        // A killed console: the session goes on and a new console re-attaches with the full view.
        fixture.killConsole(first)
        let second = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        try fixture.waitForScreen(second, "the page after re-attaching") { $0.contains("Northwind Cloud") }

        // A killed customer: the agent is told after the 10-second heartbeat window.
        kill(customer.processIdentifier, SIGKILL)
        let started = Date()
        try fixture.waitForScreen(second, timeout: 25, "the disconnect notice") { $0.contains("Customer disconnected") }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 9, "the notice waits for the 10-second window")
    }

    func testTinyTerminalSaysSoAndResizeRecovers() throws {
        let (session, link) = try fixture.invite()
        try fixture.spawnCustomer(link)
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 20, height: 5)
        let small = try fixture.waitForScreen(console, "the too-small message") { $0.lowercased().contains("too small") }
        XCTAssertFalse(containsCardNumber(small))
        fixture.resize(console, width: 80, height: 24)
        try fixture.waitForScreen(console, "the page at 80x24") { $0.contains("Northwind") }
    }

    func testConsoleAt80x24ShowsChromeAndHelp() throws {
        let (session, link) = try fixture.invite()
        try fixture.spawnCustomer(link)
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 80, height: 24)
        try fixture.waitForScreen(console, "the page at 80x24") { $0.contains("Northwind") && $0.contains("T-7") }
        fixture.sendKeys(console, "?")
        try fixture.waitForScreen(console, "the help overlay") { $0.contains("help") || $0.contains("Help") }
    }
}

/// Faults that need no customer.
final class EngineFaultTests: XCTestCase {
    func testUnknownUidIsRefusedWithAClearMessage() throws {
        let fixture = try EngineFixture(agents: false)
        defer { fixture.shutdown() }
        try fixture.startEngine()
        let out = try fixture.run(["invite", "--ticket", "T-7", "--socket", fixture.socket], expectFailure: true)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("uid \(getuid()) is not a registered agent"), out.stderr)
    }

    func testInviteWithoutEngineSaysSo() throws {
        let fixture = try EngineFixture()
        defer { fixture.shutdown() }
        let out = try fixture.run(["invite", "--ticket", "T-7", "--socket", fixture.socket], expectFailure: true)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.lowercased().contains("no engine"), out.stderr)
    }

    func testUnknownTicketGetsNoSession() throws {
        let fixture = try EngineFixture()
        defer { fixture.shutdown() }
        try fixture.startEngine()
        let out = try fixture.run(["invite", "--ticket", "NOPE-1", "--socket", fixture.socket], expectFailure: true)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("no ticket NOPE-1"), out.stderr)
    }

    func testBadArgumentsGiveOneLineErrorAndNonZeroExit() throws {
        let fixture = try EngineFixture()
        defer { fixture.shutdown() }
        let bad = try fixture.run(["agents", "add", "X", "--uid", "5", "--level", "L9", "--data", fixture.dir], expectFailure: true)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown level L9"), bad.stderr)
        let listen = try fixture.run(["serve", "--data", fixture.dir, "--listen", "nowhere"], expectFailure: true)
        XCTAssertNotEqual(listen.status, 0)
        let cap = try fixture.run(["serve", "--data", fixture.dir, "--mode-cap", "L2=full-control"], expectFailure: true)
        XCTAssertNotEqual(cap.status, 0)
        XCTAssertTrue(cap.stderr.contains("manager's approval"), cap.stderr)
        let group = try fixture.run(["serve", "--data", fixture.dir, "--socket-group", "no-such-group-here"], expectFailure: true)
        XCTAssertTrue(group.stderr.contains("no group no-such-group-here"), group.stderr)
        for cmd in [["--help"], ["serve", "--help"], ["invite", "--help"], ["console", "--help"], ["demo", "--help"],
                    ["agents", "add", "--help"], ["tickets", "import", "--help"], ["bench", "blit", "--help"],
                    ["wire", "--help"], ["screenshots", "show", "--help"]] {
            let help = try fixture.run(cmd)
            XCTAssertTrue(help.stdout.contains("USAGE"), "\(cmd) has help")
        }
    }
}
