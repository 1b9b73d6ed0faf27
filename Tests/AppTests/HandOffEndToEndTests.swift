import Foundation
import XCTest

/// The agent hands a live session off from the real console in tmux: `H`,
/// pick the specialist the engine lists, say why, stay. The specialist's
/// side needs a second uid on the socket, so it is the hub tests'
/// (HubHandOffTests); here the CLI's refusals are checked against the same engine.
final class HandOffEndToEndTests: XCTestCase {
    func testTheAgentHandsOffFromTheConsoleAndTheCLISaysWhatItRefuses() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.run(["agents", "add", "Sofia Q.", "--uid", "4242", "--level", "specialist", "--data", f.dir])
        try f.run(["agents", "add", "Bo L1", "--uid", "4243", "--level", "L1", "--data", f.dir])
        try f.startEngine()
        let (session, link) = try f.invite()
        try f.spawnCustomer(link, extra: ["--dwell", "30"])
        let agent = try f.startConsole(["console", "--socket", f.socket, "--session", session], width: 80, height: 24)
        try f.waitForScreen(agent, timeout: 30, "the demo page") { $0.contains("Northwind") }

        f.sendKeys(agent, "H")
        try f.waitForScreen(agent, "who may take it") { $0.contains("Hand off to a specialist") && $0.contains("Sofia Q. (specialist)") && !$0.contains("Bo L1") }
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "why") { $0.contains("Hand off to Sofia Q.: why?") }
        f.sendKeys(agent, "API keys rejected: needs the integrations team")
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "stay or leave") { $0.contains("y  stay as a watcher") }
        f.sendKeys(agent, "y")
        try f.waitForScreen(agent, timeout: 15, "the offer in the feed") { $0.contains("Offered the session to Sofia Q.") || $0.contains("asked Sofia Q. to take over") }

        // The same engine, scripted: one hand-off at a time, names it knows, a reason it can carry.
        let again = try f.run(["sessions", "hand-off", session, "--to", "Sofia Q.", "--reason", "again", "--socket", f.socket], expectFailure: true)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already waiting"), again.stderr + again.stdout)
        let nobody = try f.run(["sessions", "hand-off", session, "--to", "Nobody", "--reason", "why", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(nobody.stderr.contains("There is no agent named Nobody."), nobody.stderr + nobody.stdout)
        let huge = try f.run(["sessions", "hand-off", session, "--to", "Sofia Q.", "--reason", String(repeating: "x", count: 600), "--socket", f.socket],
                             expectFailure: true)
        XCTAssertTrue(huge.stderr.contains("longer than 500 bytes"), huge.stderr + huge.stdout)

        let audit = try f.run(["audit", "--data", f.dir]).stdout
        XCTAssertTrue(audit.contains("handoff.requested"), audit)
        XCTAssertFalse(audit.contains("integrations team"), "the audit row names who and how, not the agent's words")
        // Still Maria's until Sofia takes it; the console carries on.
        f.sendKeys(agent, "?")
        try f.waitForScreen(agent, "the help lists it") { $0.contains("H") && $0.contains("hand off to a specialist") }
    }
}
