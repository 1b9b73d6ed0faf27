import Engine
import Foundation
import XCTest

/// Mirror mode end to end, with two headless Chromium browsers
/// (Tests/Browser/mirror.py): the customer consents through the real link and
/// stays on the demo's account page; the agent (this test over the engine's Unix
/// socket, like a console) asks for a presenter link, the agent's own browser
/// opens it and shows the demo's API keys page. The console gets that page beside
/// the customer's (`presented-scene`), the customer's overlay offers it, the
/// customer opens it in a new tab (the mirror viewer page), keys masked; the stop
/// reaches every side and the agent's tab does not reconnect.
final class BrowserMirrorTests: BrowserTestCase {
    static var script: String { browserScript("mirror") }

    func browser(_ args: [String]) throws -> BrowserProcess {
        try startBrowser(Self.script, args)
    }

    /// Runs `body`; a failure carries what the browser scripts printed so far.
    func withOutput<T>(of bs: [BrowserProcess], _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw FixtureError("\(error)\n" + bs.map { "--- \($0.log):\n\($0.output)" }.joined(separator: "\n"))
        }
    }

    /// The customer on the account page, the agent's console attached; returns the presenter link.
    func customerAndPresenterLink(_ mode: String = "customer") throws -> (AgentLink, BrowserProcess, String, String) {
        let (session, link) = try fixture.invite()
        let agent = try AgentLink(socket: fixture.socket, session: session)
        let customer = try browser([mode, link])
        try withOutput(of: [customer]) {
            try agent.waitForScene("the customer's account page") { $0.field("Company name") != nil }
        }
        let reply = try agent.client.request(.startPresenting, timeout: 10)
        guard case let .presenterLink(p) = reply else { throw FixtureError("start-presenting answered \(reply)") }
        XCTAssertTrue(p.link.hasPrefix("https://127.0.0.1:\(fixture.port)/present/"), p.link)
        return (agent, customer, session, p.link)
    }

    func testTheAgentShowsAPageTheCustomerWatchesItInTheMirrorTabUntilTheConsoleStops() throws {
        let (agent, customer, session, presenterLink) = try customerAndPresenterLink()
        let shower = try browser(["agent", presenterLink, "/demo/api-keys"])
        let both = [customer, shower]

        // The console: the agent's page beside the customer's, redacted like it.
        var presented: Scene?
        try withOutput(of: both) {
            try agent.wait("presenting, active", timeout: 60) { if case let .presenting(s) = $0 { return s.active && s.by == "Maria S." }; return false }
            try agent.wait("the agent's page as presented-scene", timeout: 60) { m in
                switch m {
                case let .presentedScene(s): presented = s
                case let .presentedDelta(d): presented = presented.flatMap { try? $0.applying(d) }
                default: return false
                }
                return presented?.nodes.contains { $0.text?.contains("Keys give full access to your workspace") == true } ?? false
            }
        }
        let shown = try XCTUnwrap(presented)
        XCTAssertTrue(shown.url.hasSuffix("/demo/api-keys"), shown.url)
        let texts = shown.nodes.compactMap(\.text).joined(separator: " | ")
        XCTAssertFalse(texts.contains("sk_live_") || texts.contains("sk_test_"), "the keys are masked:\n\(texts)")
        XCTAssertFalse(texts.contains("Company name"), "the agent's page, not the customer's:\n\(texts)")
        // The customer may already be on their next page (they move on to check the offer survives it).
        let main = try XCTUnwrap(agent.scene?.url, "the console keeps the customer's scene")
        XCTAssertFalse(main.hasSuffix("/demo/api-keys"), "the customer's own page stays the console's main scene: \(main)")

        // Both browsers got where they should; then the console stops.
        _ = try withOutput(of: both) { try shower.waitForLine(timeout: 60, "STEP showing") }
        _ = try withOutput(of: both) { try customer.waitForLine(timeout: 60, "STEP mirror shown") }
        agent.send(.stopPresenting)
        try withOutput(of: both) {
            try agent.wait("presenting, stopped") { if case let .presenting(s) = $0 { return !s.active }; return false }
        }

        let agentOut = try shower.waitForExit(timeout: 60)
        XCTAssertEqual(shower.status, 0, agentOut)
        XCTAssertTrue(agentOut.contains("TEXT Show Dana Whitfield a page"), agentOut)
        XCTAssertTrue(agentOut.contains("STEP landed https://127.0.0.1:\(fixture.port)/demo/api-keys"), agentOut)
        XCTAssertTrue(agentOut.contains("OVERLAY You are showing this page to the customer") && agentOut.contains("| Stop showing"), agentOut)
        XCTAssertTrue(agentOut.contains("REUSED Link not valid | This link has already been used."), "a reused presenter link says so:\n\(agentOut)")
        XCTAssertTrue(agentOut.contains("STOPPED You stopped showing this page. | Close"), agentOut)
        XCTAssertTrue(agentOut.contains("SOCKETS 1 1"), "one connection on the shown page, none after the stop:\n\(agentOut)")
        XCTAssertTrue(agentOut.contains("STEP done"), agentOut)

        let out = try customer.waitForExit(timeout: 60)
        XCTAssertEqual(customer.status, 0, out)
        XCTAssertTrue(out.contains("OFFER Maria S. wants to show you a page"), out)
        XCTAssertTrue(out.contains("STEP offer kept on https://127.0.0.1:\(fixture.port)/demo/integrations"), out)
        XCTAssertTrue(out.contains("STEP opened Maria S.\u{2019}s page is open in a new tab."), out)
        XCTAssertTrue(out.contains("HEADING Maria S. is showing you a page"), out)
        XCTAssertFalse(out.contains("invited you to watch"), out)
        let screen = out.split(separator: "\n").first { $0.hasPrefix("SCREEN ") } ?? ""
        XCTAssertTrue(screen.contains("API keys") && screen.contains("Keys give full access to your workspace") && screen.contains("Production"),
                      "the agent's page is drawn in the mirror:\n\(out)")
        XCTAssertFalse(screen.contains("Account settings") || screen.contains("Company name"), "not the customer's own page:\n\(screen)")
        XCTAssertFalse(screen.contains("sk_live_") || screen.contains("sk_test_"), "the keys are masked in the mirror:\n\(screen)")
        XCTAssertTrue(screen.contains("\u{2022}\u{2022}\u{2022}\u{2022}"), "masked as bullets:\n\(screen)")
        XCTAssertTrue(out.contains("PAGE API keys") && out.contains("/demo/api-keys"), out)
        XCTAssertTrue(out.contains("MIRROR-STOPPED Maria S. stopped showing the page."), out)
        XCTAssertTrue(out.contains("DRAWN-AFTER 0 session-hidden"), "nothing drawn after the stop:\n\(out)")
        XCTAssertTrue(out.contains("NOTICE Maria S. stopped showing the page."), out)
        XCTAssertTrue(out.contains("STEP done"), out)

        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        for action in ["presenter.link", "presenter.link-used", "presenting.started", "mirror.joined", "presenting.stopped"] {
            XCTAssertTrue(audit.stdout.contains(action), "\(action) audited:\n\(audit.stdout)")
        }
        XCTAssertFalse(audit.stdout.contains("sk_live_"), audit.stdout)
    }

    /// "Stop showing" in the agent's own tab: the engine stops presenting for everyone and the tab stays stopped.
    func testStopShowingInTheAgentsTabEndsMirrorMode() throws {
        let (agent, customer, session, presenterLink) = try customerAndPresenterLink()
        let go = fixture.dir + "/stop-now"
        let shower = try browser(["agent", presenterLink, "/demo/api-keys", "--stop-here", go])
        let both = [customer, shower]
        try withOutput(of: both) {
            try agent.wait("presenting, active", timeout: 60) { if case let .presenting(s) = $0 { return s.active }; return false }
            _ = try customer.waitForLine(timeout: 60, "STEP mirror shown")
            _ = try shower.waitForLine(timeout: 60, "STEP showing")
            XCTAssertTrue(FileManager.default.createFile(atPath: go, contents: Data()))
            try agent.wait("presenting, stopped from the agent's tab", timeout: 60) { if case let .presenting(s) = $0 { return !s.active }; return false }
        }
        let agentOut = try shower.waitForExit(timeout: 60)
        XCTAssertEqual(shower.status, 0, agentOut)
        XCTAssertTrue(agentOut.contains("STEP pressed Stop showing"), agentOut)
        XCTAssertTrue(agentOut.contains("STOPPED You stopped showing this page. | Close"), agentOut)
        XCTAssertTrue(agentOut.contains("SOCKETS 1 1"), "no reconnect after the stop:\n\(agentOut)")
        let out = try customer.waitForExit(timeout: 60)
        XCTAssertEqual(customer.status, 0, out)
        XCTAssertTrue(out.contains("MIRROR-STOPPED Maria S. stopped showing the page."), out)
        XCTAssertTrue(out.contains("NOTICE Maria S. stopped showing the page."), out)
        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("presenting.stopped"), audit.stdout)
    }

    /// The mirror wording: names escaped, no invitation text, still only the connect module and /viewer.js.
    func testTheMirrorPageSpeaksToTheCustomer() {
        let page = ViewerPage.page(viewerName: "Dana <b>W</b>", agentName: "Maria \"S.\"", ticket: Ticket(id: "T-7", subject: "Keys", customer: "Dana"), mirror: true)
        XCTAssertTrue(page.contains("<h1>Maria &quot;S.&quot; is showing you a page</h1>"), page)
        XCTAssertTrue(page.contains("data-mirror=\"1\""), page)
        XCTAssertTrue(page.contains("Dana &lt;b&gt;W&lt;/b&gt;, this is the page"), page)
        XCTAssertFalse(page.contains("invited you to watch") || page.contains("<b>W"), page)
        XCTAssertEqual(page.components(separatedBy: "<script").dropFirst().map { String($0.prefix(while: { $0 != ">" })) },
                       [" src=\"/cobrowse-connect.js\"", " src=\"/viewer.js\""], page)
        let viewer = ViewerPage.page(viewerName: "Dana", agentName: "Maria S.", ticket: Ticket(id: "T-7", subject: "Keys", customer: "Dana"))
        XCTAssertTrue(viewer.contains("data-mirror=\"\"") && !viewer.contains("data-mirror=\"1\""), "a viewer's page is no mirror:\n\(viewer)")
        XCTAssertTrue(viewer.contains("invited you to watch"), viewer)
    }
}
