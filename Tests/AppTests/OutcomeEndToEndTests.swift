import Foundation
import XCTest

/// The agent ends a live session from the console in tmux and says how it
/// went; the ticket follows, the console shows what went back to it, and the
/// wrap-up holds no card number although the customer's page showed one.
final class OutcomeEndToEndTests: XCTestCase {
    func testTheAgentEndsWithAnEscalationAndSeesTheWrapUp() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let (session, link) = try f.invite()
        try f.spawnCustomer(link, extra: ["--dwell", "30"])
        let agent = try f.startConsole(["console", "--socket", f.socket, "--session", session], width: 120, height: 40)
        try f.waitForScreen(agent, timeout: 30, "the demo page") { $0.contains("Northwind") }

        f.sendKeys(agent, "e")
        try f.waitForScreen(agent, "the end question") { $0.contains("How did it go?") && $0.contains("f  follow-up needed") }
        f.sendKeys(agent, "e")
        try f.waitForScreen(agent, "who it goes to") { $0.contains("Escalated: to whom") }
        f.sendKeys(agent, "Billing L2")
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "why") { $0.contains("Escalated: why?") }
        f.sendKeys(agent, "the customer needs a refund")
        f.sendKeys(agent, "Enter")
        let shown = try f.waitForScreen(agent, timeout: 20, "the wrap-up") { $0.contains("Wrap-up of T-7") && $0.contains("Escalated to Billing L2") }
        XCTAssertTrue(shown.contains("Session ended") || shown.contains("ENDED"), shown)
        XCTAssertFalse(shown.contains("4242 4242") || shown.contains("4242424242"), shown)
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "the wrap-up closed") { !$0.contains("Wrap-up of") && $0.contains("ENDED") }

        XCTAssertTrue(try f.run(["tickets", "list", "--data", f.dir]).stdout.split(separator: "\n").contains { $0.contains("T-7") && $0.contains("open") })
        let text = try f.run(["sessions", "show", session, "--data", f.dir]).stdout
        XCTAssertTrue(text.contains("Outcome: Escalated to Billing L2: the customer needs a refund; recorded by Maria S."), text)
        XCTAssertFalse(text.contains("4242 4242") || text.contains("4242424242"), text)
        let audit = try f.run(["audit", "--data", f.dir]).stdout
        XCTAssertTrue(audit.contains("session.outcome"), audit)
        XCTAssertFalse(audit.contains("refund"), "the audit row names the kind, not the agent's words")
    }
}
