import Engine
import Foundation
import XCTest

/// Mirror mode and split view end to end: `cobrowse serve`, the scripted
/// customer over the real TLS WebSocket, the agent's console in tmux. P mints
/// the presenter link; a presenter tab (a client speaking the SDK's protocol
/// with that link's token) sends its page; the console draws it beside the
/// customer's, stacked on a narrow terminal, and P stops it again.
final class ConsoleSplitTests: XCTestCase {
    var fixture: EngineFixture!
    var presenter: CustomerClient?

    override func setUpWithError() throws {
        fixture = try EngineFixture()
        try fixture.startEngine()
    }

    override func tearDown() {
        presenter?.close()
        fixture?.shutdown()
    }

    /// The agent's help article as the presenter tab's SDK would send it; the
    /// e-mail address is for the engine to redact.
    static func article(version: Int) -> Scene {
        Scene(version: version, viewport: Size(width: 1280, height: 720), url: "https://help.acme.test/billing/update-card",
              title: "Update the card on file", nodes: [
                .box("root", Rect(x: 0, y: 0, width: 1280, height: 720), background: .white, z: 0),
                .text("n1t0", Rect(x: 24, y: 16, width: 400, height: 24), "Acme Help Centre", color: .black, z: 2),
                .text("n2t0", Rect(x: 60, y: 120, width: 900, height: 24), "1. Open Settings, then Billing.", color: .black, z: 2),
                .text("n3t0", Rect(x: 60, y: 200, width: 900, height: 24), "Questions: billing-help@acme.test", color: .black, z: 2),
              ])
    }

    func testTheAgentShowsAPageAndSeesItBesideTheCustomers() throws {
        let (session, link) = try fixture.invite()
        let agent = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session, "--no-mouse"], width: 160, height: 45)
        try fixture.spawnCustomer(link, extra: ["--once"])
        try fixture.waitForScreen(agent, timeout: 40, "the customer's page") { $0.contains("● customer connected") && $0.contains("Card on file") }

        // Nothing shown yet: V says how to start.
        fixture.sendKeys(agent, "V")
        try fixture.waitForScreen(agent, "the hint") { $0.contains("Nothing is being shown: press P to show the customer a page") }

        // P: the engine mints the presenter link, shown whole on a line of its own.
        fixture.sendKeys(agent, "P")
        let dialog = try fixture.waitForScreen(agent, "the presenter link") { $0.contains("/present/") }
        XCTAssertTrue(dialog.contains("Open this link in your own browser to show Dana a page:"), dialog)
        let pattern = #"https://\S+/present/([A-Za-z0-9_-]{43})"#
        guard let match = dialog.range(of: pattern, options: .regularExpression) else { return XCTFail("no link:\n\(dialog)") }
        let url = String(dialog[match])
        let token = String(url.split(separator: "/").last!)
        let alone = "│ " + NSRegularExpression.escapedPattern(for: url) + " *│"
        XCTAssertNotNil(dialog.range(of: alone, options: .regularExpression), "the link is alone on its line of the dialog:\n\(dialog)")

        // The presenter tab trades the link and sends its page.
        let tab = try CustomerClient.connect(host: "127.0.0.1", port: fixture.port, trustedCertificate: fixture.certificate,
                                             hello: Hello(client: "presenter-page", token: token))
        presenter = tab
        XCTAssertEqual(tab.welcome.role, .presenter)
        tab.send(.scene(Self.article(version: 1)))
        try fixture.waitForScreen(agent, "the showing announced") { $0.contains("▶ Showing") && !$0.contains("/present/") }

        // Split view: both pages side by side, each with its title; the e-mail address redacted by the engine.
        fixture.sendKeys(agent, "V")
        let split = try fixture.waitForScreen(agent, "split view") {
            $0.contains("You show · Update the card on file") && $0.contains("Customer · ") && $0.contains("Acme Help Centre")
        }
        XCTAssertTrue(split.contains("Split · Web · ▶ Showing"), split)
        XCTAssertTrue(split.contains("Northwind Cloud"), "the customer's page stays:\n\(split)")
        XCTAssertFalse(split.contains("@acme.test"), "redacted before it reached the console:\n\(split)")
        XCTAssertFalse(containsCardNumber(split))
        let row = { (screen: String, needle: String) in screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } }
        XCTAssertEqual(row(split, "Customer · "), row(split, "You show · "), "side by side at 160 columns")

        // A change on the shown page arrives as a delta.
        tab.send(.sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [
            .text("n4t0", Rect(x: 60, y: 280, width: 900, height: 24), "2. Press Edit next to the card.", color: .black, z: 2),
        ])))
        try fixture.waitForScreen(agent, "the delta applied") { $0.contains("2. Press Edit next to the card.") && $0.contains("1. Open Settings") }

        // Narrow terminal: the panes stack.
        fixture.resize(agent, width: 100, height: 32)
        let stacked = try fixture.waitForScreen(agent, "stacked panes") { screen in
            guard let c = row(screen, " Customer · "), let s = row(screen, " You show · ") else { return false }
            return s > c
        }
        XCTAssertTrue(stacked.contains("Split view: Dana's page above, the page you show below"), stacked)

        // The shown page only, then back round to the customer's view.
        fixture.sendKeys(agent, "V")
        try fixture.waitForScreen(agent, "the shown page only") { $0.contains("Mirror · Web") && !$0.contains(" Customer · ") }
        fixture.sendKeys(agent, "V")
        try fixture.waitForScreen(agent, "the customer view") { !$0.contains("You show ·") && !$0.contains("Mirror ·") && $0.contains("Northwind Cloud") }

        // P again stops, after a confirmation; the presenter tab is closed by the engine.
        fixture.sendKeys(agent, "P")
        try fixture.waitForScreen(agent, "the stop confirmation") { $0.contains("Stop showing your page?") }
        fixture.sendKeys(agent, "y")
        try fixture.waitForScreen(agent, "stopped") { $0.contains("You stopped showing your page") && !$0.contains("▶ Showing") }
        try fixture.waitUntil(timeout: 10, "the presenter tab closed") { tab.closedReason != nil }
        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir]).stdout
        XCTAssertTrue(audit.contains("presenting.started") && audit.contains("presenting.stopped"), audit)
    }
}
