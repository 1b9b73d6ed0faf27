import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// Issue 3: `cobrowse demo` with a headless-Chromium customer (or the scripted
/// one), in tmux, as a newcomer runs it; afterwards no browser is left running.
final class DemoCustomerEndToEndTests: XCTestCase {
    /// Processes whose command line names `path` (the demo's Chromium profile).
    func processes(using path: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name in
            guard Int32(name) != nil, let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let cmdline = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return cmdline.contains(path) ? "\(name): \(cmdline.prefix(160))" : nil
        }
    }

    func testTheDemoWithAHeadlessChromiumCustomerAndNoBrowserLeftAfterwards() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw FixtureError("headless Chromium is missing: run ./scripts/test, which installs chromium, chromium-driver and python3-selenium")
        }
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let data = f.dir + "/demo"
        let profile = data + "/chromium-profile"
        let console = try f.startConsole(["demo", "--data", data, "--customer", "chromium", "--customer-pause", "0.6", "--record"],
                                         width: 160, height: 48)
        try f.waitForScreen(console, timeout: 30, "the announcement") { $0.contains("Customer: headless Chromium walking the demo site") }
        XCTAssertFalse(processes(using: profile).isEmpty, "Chromium runs on the demo's profile")
        var seen = Set<String>()
        let screen = try f.waitForScreen(console, timeout: 90, "the demo pages walked by Chromium, the card field masked") { s in
            for page in ["Account settings", "API keys", "Billing", "Single sign-on"] where s.contains("\(page) · Northwind Cloud") { seen.insert(page) }
            XCTAssertFalse(containsCardNumber(s), s)
            return seen.count >= 3 && s.contains("MASKED") && s.contains("REC")
        }
        XCTAssertTrue(screen.contains("Northwind"), screen)

        // Ctrl-C, as a person leaves a demo: the console exits and takes the browser with it.
        f.sendKeys(console, "C-c")
        try f.waitUntil(timeout: 20, "every Chromium process of the demo to end") { self.processes(using: profile).isEmpty }
        let log = (try? String(contentsOfFile: data + "/engine.log", encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("chromium-customer: allowed the agent to view"), log)
        XCTAssertTrue(log.contains("chromium-customer: agreed to recording"), log)
        XCTAssertTrue(log.contains("chromium-customer: on Billing"), log)
        XCTAssertFalse(log.contains("4242 4242") || log.contains("42424242"), "no card number in the demo's log")
        XCTAssertFalse(f.capture(console).contains("chromium-customer"), "the browser's output never reaches the terminal")
        // Quitting mid-session ends the session with a reason and closes its recording complete.
        var list = ""
        try f.waitUntil(timeout: 20, "the demo's recording closed complete") {
            list = (try? f.run(["recordings", "list", "--data", data]).stdout) ?? ""
            return list.contains("complete")
        }
        XCTAssertTrue(list.contains("engine was stopped"), list)
    }

    func testClosingTheTerminalEndsTheDemoLikeAQuitAndLeavesNoBrowser() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw FixtureError("headless Chromium is missing: run ./scripts/test, which installs chromium, chromium-driver and python3-selenium")
        }
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let data = f.dir + "/hangup"
        let profile = data + "/chromium-profile"
        let console = try f.startConsole(["demo", "--data", data, "--customer", "chromium", "--customer-pause", "0.6", "--record"],
                                         width: 160, height: 48)
        try f.waitForScreen(console, timeout: 90, "the recorded session") { $0.contains("Northwind") && $0.contains("REC") }
        XCTAssertFalse(processes(using: profile).isEmpty)
        // The tmux server goes (a closed window, a dropped SSH connection): the demo gets SIGHUP.
        f.killConsole(console)
        try f.waitUntil(timeout: 30, "every Chromium process of the demo to end") { self.processes(using: profile).isEmpty }
        var list = ""
        try f.waitUntil(timeout: 30, "the demo's recording closed complete") {
            list = (try? f.run(["recordings", "list", "--data", data]).stdout) ?? ""
            return list.contains("complete")
        }
        XCTAssertTrue(list.contains("engine was stopped"), list)
    }

    func testTheScriptedCustomerOnRequestAndAsTheFallback() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let scripted = try f.startConsole(["demo", "--data", f.dir + "/scripted", "--customer", "scripted"], width: 160, height: 48)
        // The line says who plays the customer when the demo starts; it is news, so it does not stay.
        try f.waitForScreen(scripted, timeout: 30, "who plays the customer") { $0.contains("Customer: the scripted customer (--customer scripted)") }
        try f.waitForScreen(scripted, timeout: 30, "the scripted customer's page") { $0.contains("Northwind") }
        f.quitDemo(scripted)

        // auto without Chromium: the scripted customer, and one line saying why.
        let fallback = try f.startConsole(["demo", "--data", f.dir + "/fallback"], width: 160, height: 48,
                                          env: ["COBROWSE_CHROMIUM": "/nonexistent/chromium"])
        try f.waitForScreen(fallback, timeout: 30, "the fallback") {
            $0.contains("headless Chromium is not available: chromium not found at /nonexistent/chromium")
        }
        try f.waitForScreen(fallback, timeout: 30, "the fallback's page") { $0.contains("Northwind") }
        f.quitDemo(fallback)
        XCTAssertTrue(processes(using: f.dir + "/fallback/chromium-profile").isEmpty)

        // A browser that will not start (here: a chromedriver that exits at once) is said, not silent.
        let broken = try f.startConsole(["demo", "--data", f.dir + "/broken", "--customer", "chromium"], width: 160, height: 48,
                                        env: ["COBROWSE_CHROMEDRIVER": "/bin/false"])
        try f.waitForScreen(broken, timeout: 60, "the notice that the browser customer stopped") {
            $0.contains("The Chromium customer stopped (exit") && $0.contains("engine.log")
        }
        f.quitDemo(broken)
        try f.waitUntil(timeout: 20, "no browser left") { self.processes(using: f.dir + "/broken/chromium-profile").isEmpty }

        // Asked for explicitly, a missing Chromium is an error, not a silent fallback.
        let refused = try f.runTool("/usr/bin/env", ["COBROWSE_CHROMIUM=/nonexistent/chromium", EngineFixture.binary, "demo",
                                                     "--data", f.dir + "/refused", "--customer", "chromium"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--customer chromium: chromium not found"), refused.stderr)
    }

    /// What sells co-browsing, from the demo as a newcomer tries it: the customer (either kind)
    /// allows Guided and Controlled, allows an action after a moment and denies the second,
    /// answers the quality check, the extension and the screenshot, and stays on the page meanwhile.
    func demoCustomerAnswers(_ kind: String) throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let data = f.dir + "/answers-" + kind
        let console = try f.startConsole(["demo", "--data", data, "--customer", kind, "--customer-pause", "3"], width: 160, height: 48)
        try f.waitForScreen(console, timeout: 90, "the customer's page") { $0.contains("Northwind") && $0.contains("● customer connected") }

        f.sendKeys(console, "m")
        f.sendKeys(console, "2")
        try f.waitForScreen(console, timeout: 40, "Guided, allowed by the customer") { $0.contains(" Guided │") }
        // A mark keeps the customer on this page while the agent works.
        f.sendKeys(console, "a")
        f.sendKeys(console, "o")
        f.sendKeys(console, "Enter")
        for _ in 0..<6 { f.sendKeys(console, "Right") }
        f.sendKeys(console, "Enter")
        f.sendKeys(console, "Escape")
        let page = try f.waitForScreen(console, timeout: 20, "annotate mode left") { !$0.contains("Esc leave") }
        let title = page.split(separator: "\n").dropFirst(2).first.map { String($0.prefix(60)) } ?? ""

        f.sendKeys(console, "m")
        f.sendKeys(console, "3")
        try f.waitForScreen(console, timeout: 40, "Controlled, allowed by the customer") { $0.contains(" Controlled │") }
        f.sendKeys(console, "NPage")
        try f.waitForScreen(console, timeout: 40, "the first action allowed") { $0.contains("Done: scroll the page") }
        f.sendKeys(console, "NPage")
        try f.waitForScreen(console, timeout: 40, "the second action denied") { $0.contains("denied") && $0.contains("scroll the page") }

        f.sendKeys(console, "k")
        try f.waitForScreen(console, timeout: 40, "the quality check answered") { $0.contains("screen quality is okay") }
        f.sendKeys(console, "x")
        try f.waitForScreen(console, timeout: 40, "the extension allowed") { $0.contains("Session extended by 15 minutes") }
        f.sendKeys(console, "s")
        let last = try f.waitForScreen(console, timeout: 40, "the screenshot allowed") { $0.contains("Screenshot") && $0.contains("stored encrypt") }
        XCTAssertTrue(last.contains(title), "the customer stayed on the page the agent works on (\(title)):\n\(last)")
        XCTAssertFalse(containsCardNumber(last), last)
        // The customer's own account of it, in the demo's log.
        let said = kind == "chromium"
            ? ["answered a control mode: Allow", "allowed the agent's action", "denied the agent's action", "answered the quality check: Yes",
               "answered more time: Allow", "answered a screenshot: Allow"]
            : ["allowed Guided", "allowed Controlled", "allowed: ", "denied: ", "said the quality is fine", "allowed more time", "allowed a screenshot"]
        try f.waitUntil(timeout: 10, "the customer's answers in the log") {
            let log = (try? String(contentsOfFile: data + "/engine.log", encoding: .utf8)) ?? ""
            return said.allSatisfy { log.contains($0) }
        }
        f.quitDemo(console)
    }

    func testTheScriptedDemoCustomerAnswersWhatTheAgentAsks() throws {
        try demoCustomerAnswers("scripted")
    }

    func testTheChromiumDemoCustomerAnswersWhatTheAgentAsks() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw FixtureError("headless Chromium is missing: run ./scripts/test, which installs chromium, chromium-driver and python3-selenium")
        }
        try demoCustomerAnswers("chromium")
    }
}
