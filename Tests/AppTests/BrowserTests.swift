import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// A real customer: headless Chromium (Selenium, Tests/Browser/customer.py)
/// opens the one-time link, consents and uses the demo site while the agent's
/// console runs in tmux. Needs Debian's chromium, chromium-driver and
/// python3-selenium (`./scripts/test` installs them).
final class BrowserTests: BrowserTestCase {
    func customer(_ args: [String]) throws -> BrowserProcess {
        try startBrowser(BrowserProcess.script, args)
    }

    func testConsentLandOnDemoAndTypedSecretsNeverReachTheConsole() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let card = "4111 1111 1111 1111", password = "Hunter2-Secret"
        let browser = try customer(["allow", link, "--type", "password=\(password)", "--visit", "/demo/billing",
                                    "--type", "cc-number=\(card)", "--type", "cvc=737", "--hold", "6"])
        func check(_ screen: String) {
            XCTAssertFalse(containsCardNumber(screen), "a card number reached the console:\n\(screen)")
            XCTAssertFalse(screen.contains(password), "the password reached the console:\n\(screen)")
            XCTAssertFalse(screen.contains("sk_live_"), screen)
        }
        // The feed's "→ Account settings" line may come before the page itself: wait for the page's body.
        let account = try fixture.waitForScreen(console, "the demo account page") { check($0); return $0.contains("Company name") && $0.contains("MASKED · password") }
        XCTAssertTrue(account.contains("MASKED · password"), "the password field is a masked box:\n\(account)")
        XCTAssertTrue(account.contains("Northwind Cloud"), account)
        XCTAssertFalse(account.contains("dana@northwind.example"), "e-mail text masked at the source:\n\(account)")

        _ = try browser.waitForLine(timeout: 60, "STEP typed cc-number")
        Thread.sleep(forTimeInterval: 1.5)
        let billing = try fixture.waitForScreen(console, "the billing page") { check($0); return $0.contains("Card on file") }
        XCTAssertTrue(billing.contains("MASKED · payment field"), "card fields drawn as masked boxes:\n\(billing)")
        XCTAssertTrue(billing.contains("Card number") && billing.contains("Security code"), "labels still shown:\n\(billing)")
        XCTAssertFalse(billing.contains("737"), billing)
        XCTAssertTrue(billing.contains("/demo/billing"), "URL shown:\n\(billing)")
        check(billing)

        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("TEXT Agent Maria S. wants to view your screen. Allow?"), out)
        XCTAssertTrue(out.contains("STEP landed https://127.0.0.1:\(fixture.port)/demo/"), out)
        let feed = try fixture.waitForScreen(console, "the consent in the feed") { $0.contains("Customer allowed view-only") }
        check(feed)
    }

    /// Informed consent: the customer's overlay outlines, on their own page, what the agent does not get.
    func testTheCustomerCanSeeWhatIsHiddenFromTheAgent() throws {
        let (_, link) = try fixture.invite()
        let browser = try customer(["allow", link, "--visit", "/demo/billing", "--see-hidden", "--hold", "1"])
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("HIDDEN ") }, out)
        let count = Int(line.split(separator: " ")[1]) ?? 0
        XCTAssertGreaterThanOrEqual(count, 2, "the card fields at least: \(line)")
        XCTAssertTrue(line.contains("hidden: payment field"), String(line))
        XCTAssertTrue(out.contains("The outlined areas are hidden from"), out)
    }

    func testDenyEndsTheSessionAndTellsTheAgentAtOnce() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["deny", link])
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("STEP denied You declined"), out)
        let denied = try fixture.waitForScreen(console, timeout: 10, "the denial") { $0.contains("customer denied") }
        XCTAssertTrue(denied.contains("Session ended"), denied)
        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("deny"), audit.stdout)
    }

    func testReusedLinkShowsTheAlreadyUsedPage() throws {
        let (_, link) = try fixture.invite()
        let first = try customer(["allow", link])
        let out = try first.waitForExit(timeout: 60)
        XCTAssertEqual(first.status, 0, out)
        let again = try customer(["open", link])
        let page = try again.waitForExit(timeout: 60)
        XCTAssertEqual(again.status, 0, page)
        XCTAssertTrue(page.contains("already been used"), page)
        XCTAssertFalse(page.contains("Allow"), "no consent buttons on a used link:\n\(page)")
    }

    func testMarkupControlCharactersAndEscapesArriveAsHarmlessText() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--visit", "/demo/integrations", "--hold", "6"])
        let screen = try fixture.waitForScreen(console, timeout: 60, "the integrations page") { $0.contains("Recent webhook deliveries") }
        XCTAssertTrue(screen.contains("<b>502 Bad Gateway</b>"), "markup shown as text:\n\(screen)")
        XCTAssertTrue(screen.contains("<script>alert(1)</script>"), screen)
        XCTAssertTrue(screen.contains("retrying in 60 s"), "the rest of the line survives:\n\(screen)")
        XCTAssertFalse(screen.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 }, "no raw escapes on screen")
        XCTAssertTrue(screen.contains("Northwind Cloud") && screen.contains("Integrations"), "the screen was not cleared:\n\(screen)")
        _ = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0)
    }

    func testAPageOnAnotherOriginJoinsTheSameSession() throws {
        // A tenant's own site: another origin (127.0.0.2, plain HTTP) that includes the engine's script.
        let site = fixture.dir + "/tenant"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let port = try EngineFixture.freePort()
        let engine = "https://127.0.0.1:\(fixture.port)"
        try """
        <!doctype html><html><head><meta charset="utf-8"><title>Partner portal</title></head>
        <body><h1>Partner portal</h1><p>Order 5521 ships on Friday.</p>
        <p><a href="\(engine)/demo/billing">Back to billing</a></p>
        <script src="\(engine)/cobrowse.js"></script></body></html>
        """.write(toFile: site + "/portal.html", atomically: true, encoding: .utf8)
        let server = try BrowserProcess.start(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.2", "--directory", site, "\(port)"],
                                              log: fixture.dir + "/tenant.out")
        browsers.append(server)
        let url = "http://127.0.0.2:\(port)/portal.html"

        let invited = try fixture.run(["invite", "--ticket", "T-7", "--url", url, "--socket", fixture.socket])
        let lines = invited.stdout.split(separator: "\n").map(String.init)
        let session = try XCTUnwrap(lines.first { $0.hasPrefix("session: ") }).dropFirst("session: ".count)
        let link = try XCTUnwrap(lines.last)
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", String(session)])
        let browser = try customer(["allow", link, "--visit", "click:Back to billing", "--hold", "4"])

        let portal = try fixture.waitForScreen(console, timeout: 60, "the other origin's page") { $0.contains("Order 5521 ships on Friday") }
        XCTAssertTrue(portal.contains("127.0.0.2:\(port)/portal.html"), "its URL is shown:\n\(portal)")
        try fixture.waitForScreen(console, timeout: 60, "the engine's page after it, same session") { $0.contains("Card on file") }
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("STEP landed \(url)"), "landed on --url without the key in the address:\n\(out)")

        let bad = try fixture.run(["invite", "--ticket", "T-7", "--url", "javascript:alert(1)", "--socket", fixture.socket], expectFailure: true)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--url must be"), bad.stderr)
    }
}

/// A helper process in its own process group (python, and the chromium and
/// chromedriver it starts), output to a file, every wait bounded; `stop()`
/// ends the whole group it started.
final class BrowserProcess {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/customer.py").path
    }

    let pid: pid_t
    let log: String
    private(set) var status: Int32?

    private init(pid: pid_t, log: String) { self.pid = pid; self.log = log }

    static func start(_ argv: [String], log: String) throws -> BrowserProcess {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw FixtureError("headless Chromium is missing: run ./scripts/test, which installs chromium, chromium-driver and python3-selenium")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, args, environ)
        guard rc == 0 else { throw FixtureError("could not start \(argv[0]): errno \(rc)") }
        return BrowserProcess(pid: pid, log: log)
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    private func reap() -> Bool {
        if status != nil { return true }
        var st: Int32 = 0
        let r = waitpid(pid, &st, WNOHANG)
        guard r == pid else { return false }
        status = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
        return true
    }

    func waitForLine(timeout: TimeInterval, _ text: String) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = output
            if out.contains(text) { return out }
            if reap() { throw FixtureError("the browser script ended (\(status!)) before \"\(text)\":\n\(output)") }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw FixtureError("timed out waiting for \"\(text)\" from the browser script:\n\(output)")
    }

    @discardableResult
    func waitForExit(timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if reap() { killGroup(); return output }
            Thread.sleep(forTimeInterval: 0.2)
        }
        stop()
        throw FixtureError("the browser script did not finish in \(Int(timeout)) s:\n\(output)")
    }

    private func killGroup() { kill(-pid, SIGKILL) }

    func stop() {
        if !reap() {
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !reap() { Thread.sleep(forTimeInterval: 0.1) }
            if !reap() { kill(-pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0); status = 137 }
        }
        killGroup()
    }
}

extension BrowserTests {
    func testStopSharingInTheOverlayEndsTheSession() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--stop", "--hold", "2"])
        try fixture.waitForScreen(console, timeout: 60, "the customer's page") { $0.contains("Company name") }
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("STEP stopped sharing"), out)
        let ended = try fixture.waitForScreen(console, timeout: 10, "the end of the session") { $0.contains("Session ended") }
        XCTAssertTrue(ended.contains("ended by customer"), "the agent sees who ended it:\n\(ended)")
    }
}

extension BrowserTests {
    /// The activity feed (the right-hand column, between its frame lines) as one
    /// line of text: the console word-wraps feed items, a test reads them whole.
    func feedText(_ screen: String) -> String {
        screen.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: "│", omittingEmptySubsequences: false)
            return parts.count >= 3 ? parts[parts.count - 2].trimmingCharacters(in: .whitespaces) : nil
        }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The agent ends the session in the console; the customer's overlay offers the
    /// 1–5 star survey over the still-open connection; the rating lands in the feed.
    func testSurveyAtTheEndReachesTheAgentsFeed() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--survey", "4", "--comment", "Quick fix, thanks! Mail me: dana@northwind.example"])
        try fixture.waitForScreen(console, timeout: 60, "the customer's page") { $0.contains("Company name") }
        fixture.sendKeys(console, "e")
        try fixture.waitForScreen(console, timeout: 10, "the end confirmation") { $0.contains("End session?") }
        fixture.sendKeys(console, "y")
        let out = try browser.waitForExit(timeout: 90)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("STEP survey shown") && out.contains("How was your support session?"), out)
        XCTAssertTrue(out.contains("STEP rated 4"), out)
        let feed = try fixture.waitForScreen(console, timeout: 15, "the rating in the feed") { self.feedText($0).contains("Customer rated the session 4/5: Quick fix, thanks!") }
        XCTAssertFalse(feed.contains("dana@northwind.example") || feedText(feed).contains("dana@northwind.example"), "the comment is masked:\n\(feed)")
        XCTAssertTrue(feed.contains("Session ended"), feed)
        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("stars=4 comment=yes"), audit.stdout)
    }

    /// "Debugging error messages": a demo page's button fails a request and throws;
    /// both reach the agent's feed, masked.
    func testAJavaScriptErrorOnTheDemoPageReachesTheFeed() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--visit", "/demo/integrations", "--click", "send-test", "--hold", "4"])
        let screen = try fixture.waitForScreen(console, timeout: 60, "the page error in the feed") {
            self.feedText($0).contains("Page error: Uncaught Error: Webhook test failed for")
        }
        XCTAssertFalse(screen.contains("ops@northwind.example") || feedText(screen).contains("ops@northwind"), "masked at the source:\n\(screen)")
        let network = try fixture.waitForScreen(console, timeout: 15, "the failed request in the feed") {
            self.feedText($0).contains("Request failed: GET /demo/api/webhooks/test → 404")
        }
        XCTAssertFalse(network.contains("whsec_"), "no query string:\n\(network)")
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
    }
}

extension BrowserTests {
    /// The agent presses `k`; the overlay asks "Is the screen quality okay for you?";
    /// the customer's No reaches the agent's feed.
    func testMidSessionQualityCheckAnswerReachesTheFeed() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--quality", "no", "--hold", "3"])
        try fixture.waitForScreen(console, timeout: 60, "the customer's page") { $0.contains("Company name") }
        fixture.sendKeys(console, "k")
        let asked = try fixture.waitForScreen(console, timeout: 15, "the question in the feed") {
            self.feedText($0).contains("asked the customer whether the screen quality is okay")
        }
        XCTAssertTrue(asked.contains("k quality"), "the key is in the key bar:\n\(asked)")
        let answered = try fixture.waitForScreen(console, timeout: 30, "the answer in the feed") {
            self.feedText($0).contains("Customer says the screen quality is NOT okay")
        }
        XCTAssertFalse(feedText(answered).contains("did not answer"), answered)
        let out = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, out)
        XCTAssertTrue(out.contains("STEP answered quality no"), out)
    }
}

extension BrowserTests {
    /// Screen mode's pipeline from a canvas stream: its own consent, pixel tiles
    /// the console draws through its blitter, and the track ending returns to page mode.
    func testScreenModeFromACanvasStreamThenBackToThePage() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session])
        let browser = try customer(["allow", link, "--screen", "12", "--hold", "6"])
        try fixture.waitForScreen(console, timeout: 60, "the customer's page") { $0.contains("Company name") }
        let out = try browser.waitForLine(timeout: 60, "STEP screen mode")
        XCTAssertTrue(out.contains("The agent will see everything on the screen or window you choose, including other apps and notifications"), out)
        func blitGlyphs(_ screen: String) -> Int {
            screen.unicodeScalars.filter { (0x2580...0x259F).contains($0.value) || (0x2800...0x28FF).contains($0.value) || (0x1FB00...0x1FB3B).contains($0.value) }.count
        }
        // The top bars (session, status, title and URL) and the view area left of the activity feed.
        func header(_ screen: String) -> String { screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(3).joined(separator: "\n") }
        func view(_ screen: String) -> String {
            screen.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3)
                .map { $0.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "│" || $0 == "┌" }).first.map(String.init) ?? "" }
                .joined(separator: "\n")
        }
        let shared = try fixture.waitForScreen(console, timeout: 20, "the shared screen") {
            header($0).contains("Screen mode") && !view($0).contains("Account settings") && blitGlyphs(view($0)) >= 20
        }
        XCTAssertFalse(view(shared).contains("Northwind Cloud"), "the page is no longer drawn:\n\(shared)")
        _ = try browser.waitForLine(timeout: 40, "STEP page mode again")
        let page = try fixture.waitForScreen(console, timeout: 20, "the page again") { view($0).contains("Account settings") && !header($0).contains("Screen mode") }
        XCTAssertTrue(view(page).contains("Northwind Cloud"), page)
        let done = try browser.waitForExit(timeout: 60)
        XCTAssertEqual(browser.status, 0, done)
    }
}
