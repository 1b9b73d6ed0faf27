import Foundation
import XCTest

/// Issue 4 end to end: `cobrowse serve`, the scripted customer over the real
/// TLS WebSocket, the agent's console and a supervisor's `--watch` console in
/// tmux. Marks are drawn only from what the engine relays back, so seeing
/// them on screen proves the round trip.
final class ConsoleControlTests: EngineTestCase {
    /// An xterm (X10) mouse report typed into the pane, as a terminal would send it: button
    /// 0 press, 3 release, 32 motion with the button held; x and y are 0-based cells.
    /// (tmux takes an argument ending in ";" as a command separator: keep x and y clear of 26.)
    /// A mouse report as xterm sends it: SGR (`ESC [ < b;x;y M`, `m` for a release; 1-based), which
    /// the console asks for, or the old X10 form (`ESC [ M` and three bytes, each plus 32).
    /// (tmux takes an argument ending in ";" as a command separator: keep X10's x and y clear of 26.)
    func mouseReport(sgr: Bool, button: Int, x: Int, y: Int, release: Bool = false) -> String {
        if sgr { return "\u{1b}[<\(button);\(x + 1);\(y + 1)" + (release ? "m" : "M") }
        XCTAssertTrue(x != 26 && y != 26, "a report ending in ';' would not reach the pane")
        let code = release ? 3 : button
        return "\u{1b}[M" + String(UnicodeScalar(UInt8(32 + code))) + String(UnicodeScalar(UInt8(33 + x))) + String(UnicodeScalar(UInt8(33 + y)))
    }

    /// A quick drag as a terminal sends it: press, motion with the button held and release in one
    /// write, so the console reads them in one go (ncurses alone kept only the release of such a run).
    func drag(_ server: String, sgr: Bool, from: (x: Int, y: Int), via: (x: Int, y: Int), to: (x: Int, y: Int)) throws {
        let reports = mouseReport(sgr: sgr, button: 0, x: from.x, y: from.y) + mouseReport(sgr: sgr, button: 32, x: via.x, y: via.y)
            + mouseReport(sgr: sgr, button: 0, x: to.x, y: to.y, release: true)
        try fixture.runTool("/usr/bin/env", ["tmux", "-L", server, "send-keys", "-t", "0", "-l", reports])
    }

    func testGuidedMarksComeBackFromTheEngineAndAWatcherIsRefused() throws {
        let (session, link) = try fixture.invite()
        // A generous ESCDELAY: on a busy machine a mouse report typed into the pane may arrive in pieces.
        let agent = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 160, height: 45,
                                             env: ["ESCDELAY": "1000"])
        try fixture.spawnCustomer(link, extra: ["--once"])
        // The customer walks the site once and stays on its last page; marks are for one page (they go
        // when the customer navigates), so drawing starts there.
        try fixture.waitForScreen(agent, timeout: 40, "the customer's last page") { $0.contains("Connect your identity provider") }

        // View Only: annotating is refused by the console itself, with the way out.
        fixture.sendKeys(agent, "a")
        try fixture.waitForScreen(agent, "the Guided hint") { $0.contains("Annotating needs Guided or above — m asks the customer") }

        // Guided (the scripted customer accepts), then a label and a rectangle.
        fixture.sendKeys(agent, "m")
        fixture.sendKeys(agent, "2")
        try fixture.waitForScreen(agent, "Guided mode") { $0.contains(" Guided │") }
        fixture.sendKeys(agent, "a")
        try fixture.waitForScreen(agent, "annotate mode") { $0.contains("✎") && $0.contains("Esc leave") }
        fixture.sendKeys(agent, "t")
        fixture.sendKeys(agent, "Enter")
        try fixture.waitForScreen(agent, "the label prompt") { $0.contains("Label text (the customer sees it)") }
        fixture.sendKeys(agent, "Look here")
        fixture.sendKeys(agent, "Enter")
        let labelled = try fixture.waitForScreen(agent, "the label relayed by the engine") { screen in
            screen.contains(" Look here ") && !screen.contains("Label text (the customer sees it)")
        }
        XCTAssertFalse(containsCardNumber(labelled))

        fixture.sendKeys(agent, "r")
        try fixture.waitForScreen(agent, "the rectangle tool after the label") { $0.contains("Rectangle:") && $0.contains("1st point") }
        for _ in 0..<2 { fixture.sendKeys(agent, "Down") }
        fixture.sendKeys(agent, "Enter")
        try fixture.waitForScreen(agent, "the rectangle's first point") { $0.contains("Rectangle:") && $0.contains("2nd point") }
        for _ in 0..<8 { fixture.sendKeys(agent, "Right") }
        for _ in 0..<3 { fixture.sendKeys(agent, "Down") }
        fixture.sendKeys(agent, "Enter")
        let boxed = try fixture.waitForScreen(agent, "the rectangle relayed by the engine") { $0.contains("┏") && $0.contains("┛") }
        XCTAssertTrue(boxed.contains("People ("), "participants panel:\n\(boxed)")
        XCTAssertTrue(boxed.contains("has control"), "who holds control:\n\(boxed)")
        XCTAssertTrue(boxed.contains("Web │"), "the source is labelled:\n\(boxed)")

        // Undo takes the rectangle back (the engine's set shrinks, the screen follows).
        fixture.sendKeys(agent, "u")
        try fixture.waitForScreen(agent, "the rectangle undone") { !$0.contains("┏") && $0.contains(" Look here ") }

        // The mouse: a drag from press to release draws the rectangle (xterm mouse reports typed into the pane).
        fixture.sendKeys(agent, "r")
        try fixture.waitForScreen(agent, "the rectangle tool") { $0.contains("Rectangle:") && $0.contains("1st point") }
        for sgr in [true, false] {
            try drag(agent, sgr: sgr, from: (30, 20), via: (40, 23), to: (50, 25))
            try fixture.waitForScreen(agent, "the rectangle dragged (\(sgr ? "SGR" : "X10") reports)") { $0.contains("┏") && $0.contains("┛") }
            fixture.sendKeys(agent, "u")
            try fixture.waitForScreen(agent, "the dragged rectangle undone") { !$0.contains("┏") }
        }
        fixture.sendKeys(agent, "Escape")
        // The next key waits for the Esc to count as Esc (not as Alt with that key).
        try fixture.waitForScreen(agent, "annotate mode left") { !$0.contains("Esc leave") }

        // Controlled: PgDn scrolls the page, allowed by the customer, performed by the SDK.
        fixture.sendKeys(agent, "m")
        fixture.sendKeys(agent, "3")
        try fixture.waitForScreen(agent, "Controlled mode") { $0.contains(" Controlled │") }
        fixture.sendKeys(agent, "NPage")
        try fixture.waitForScreen(agent, "the scroll performed") { $0.contains("Done: scroll the page") }

        // A screenshot: the customer allows, the engine seals it with the session; nothing on this side.
        fixture.sendKeys(agent, "s")
        try fixture.waitForScreen(agent, "the sealed screenshot") { $0.contains("Screenshot") && $0.contains("stored encrypt") }

        // A supervisor watching sees the marks and the people, but the engine refuses their marks.
        let watcher = try fixture.startConsole(["console", "--socket", fixture.socket, "--watch", session], width: 160, height: 45)
        let watching = try fixture.waitForScreen(watcher, "the watcher's view with the label") { $0.contains(" Look here ") && $0.contains("WATCHING") }
        for write in ["a annotate", "Enter click", "v invite", "e end"] {
            XCTAssertFalse(watching.contains(write), "a watcher is not offered \(write):\n\(watching)")
        }
        fixture.sendKeys(watcher, "a")
        fixture.sendKeys(watcher, "c")
        fixture.sendKeys(watcher, "Enter")
        try fixture.waitForScreen(watcher, "the engine's refusal") { $0.contains("not-allowed:") && $0.contains("watching read-only and cannot annotate") }
    }
}

/// Full Control with a manager's approval, across two real uids: the agent
/// (this process's uid) asks with a reason, a manager's console (run as
/// another uid through `setpriv`, like PrivilegeMatrixTests) approves from the
/// lobby, and the customer accepts. Needs root, as CI and `./scripts/test` run.
final class ConsoleControlManagerTests: XCTestCase {
    static let team: UInt32 = 4243
    static let manager = (name: "Lee Boss", uid: 2013)
    var fixture: EngineFixture!
    var teamSocket = ""
    var servers: [String] = []

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "this test runs a console as another uid with setpriv and must run as root")
        fixture = try EngineFixture()
        try fixture.run(["agents", "add", Self.manager.name, "--uid", "\(Self.manager.uid)", "--level", "manager", "--data", fixture.dir])
        teamSocket = "/tmp/cbt-team-\(UUID().uuidString.prefix(8)).sock"
        try fixture.startEngine(extra: ["--socket", teamSocket, "--socket-group", "\(Self.team)"])
    }

    override func tearDown() {
        for s in servers { fixture?.killConsole(s) }
        fixture?.shutdown()
        unlink(teamSocket)
    }

    /// `cobrowse console ARGS` in a detached tmux pane, run as `uid`.
    func startConsole(as uid: Int, _ args: [String], width: Int = 120, height: Int = 40) throws -> String {
        let server = "cbm-\(getpid())-\(servers.count)-\(UUID().uuidString.prefix(4))"
        servers.append(server)
        let argv = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(Self.team)", "--clear-groups", EngineFixture.binary] + args
        let command = argv.map(EngineFixture.quote).joined(separator: " ") + "; sleep 30"
        try fixture.runTool("/usr/bin/env", ["tmux", "-L", server, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
                                             "-e", "TERM=tmux-256color", "sh", "-c", command])
        return server
    }

    func testManagerApprovesFullControlFromTheLobby() throws {
        let (session, link) = try fixture.invite()
        let agent = try fixture.startConsole(["console", "--socket", teamSocket, "--session", session], width: 160, height: 45)
        try fixture.spawnCustomer(link, extra: ["--once"])
        try fixture.waitForScreen(agent, timeout: 40, "the customer's page") { $0.contains("Northwind") && $0.contains("● customer connected") }

        let manager = try startConsole(as: Self.manager.uid, ["console", "--socket", teamSocket])
        try fixture.waitForScreen(manager, "the manager's lobby") { $0.contains("agent Lee Boss (manager)") }

        // The agent asks for Full Control: a reason first.
        fixture.sendKeys(agent, "m")
        fixture.sendKeys(agent, "4")
        try fixture.waitForScreen(agent, "the reason prompt") { $0.contains("Why do you need Full Control?") }
        fixture.sendKeys(agent, "Customer cannot use the mouse")
        fixture.sendKeys(agent, "Enter")
        try fixture.waitForScreen(agent, "the manager wait") { $0.contains("Waiting for a manager's approval") }

        // The manager's console pops the request up wherever it is.
        let dialog = try fixture.waitForScreen(manager, "the approval dialog") { $0.contains("Full Control approval") }
        XCTAssertTrue(dialog.contains("Maria S. asks for Full Control on T-7"), dialog)
        XCTAssertTrue(dialog.contains("Customer cannot use the mouse"), dialog)
        XCTAssertTrue(dialog.contains("Dana Whitfield"), dialog)
        fixture.sendKeys(manager, "y")
        try fixture.waitForScreen(manager, "the answer noted") { $0.contains("Approved Full Control for Maria S. on T-7") }

        // Then the customer accepts (the scripted customer does).
        try fixture.waitForScreen(agent, "Full Control") { $0.contains(" Full Control │") && !$0.contains("Waiting for a manager's approval") }
        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir]).stdout
        XCTAssertTrue(audit.contains("Lee Boss"), "the approval is audited with the manager:\n\(audit)")
    }
}
