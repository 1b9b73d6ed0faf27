import Foundation
import XCTest

/// A customer with no session presses "Get live help" on the demo site in
/// headless Chromium (`serve --live-help-origins self`); the agent's console
/// in tmux, sitting in the lobby, shows the request at once, marked ⚑.
final class LiveHelpBrowserTests: BrowserTestCase {
    override func setUpWithError() throws {
        fixture = try EngineFixture()
        try fixture.startEngine(extra: ["--live-help-origins", "self"])
    }

    func testGetLiveHelpFilesARequestTheLobbyShowsAtOnce() throws {
        let console = try fixture.startConsole(["console", "--socket", fixture.socket])
        _ = try fixture.waitForScreen(console, "the lobby") { $0.contains("My tickets") }
        let page = "https://127.0.0.1:\(fixture.port)/demo/"
        let browser = try startBrowser(BrowserProcess.script, ["livehelp", page, "--name", "Dana Whitfield", "--email", "dana@northwind.test",
                                                               "--topic", "SSO loops; my card 4111 1111 1111 1111 is on file"])
        let out = try browser.waitForExit(timeout: 90)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("TEXT") && out.contains("Ask an agent to look at this with you"), out)
        XCTAssertTrue(out.contains("STATUS Thanks, Dana. An agent will send you a secure link by e-mail shortly. (request LH-"), out)

        // Nobody pressed a key in the console: the engine sent the lobby afresh.
        let lobby = try fixture.waitForScreen(console, "the request in the lobby") { $0.contains("⚑ Live help: SSO loops") }
        XCTAssertTrue(lobby.contains("Dana Whitfield asked for live help on \(page)"), lobby)
        XCTAssertFalse(containsCardNumber(lobby), "the card number the customer typed is masked:\n\(lobby)")

        let tickets = try fixture.run(["tickets", "list", "--data", fixture.dir])
        XCTAssertTrue(tickets.stdout.contains("LH-"), tickets.stdout)
        XCTAssertFalse(containsCardNumber(tickets.stdout), tickets.stdout)
        let audit = try fixture.run(["audit", "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("live-help.requested"), audit.stdout)
    }
}
