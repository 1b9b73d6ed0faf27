import Engine
import Foundation
import XCTest

/// A private-by-default tenant (`serve --policy`) whose page carries no
/// privacy attribute at all: the policy reaches the page's SDK inside
/// /cobrowse-rules.json, and the real console, in tmux, shows exactly the
/// text the policy reveals.
final class TenantPolicyBrowserTests: BrowserTestCase {
    override func setUpWithError() throws {
        fixture = try EngineFixture()
        let policy = fixture.dir + "/policy.json"
        try #"""
        {"privacy": {"mode": "private-by-default", "reveal": ["h1", ".open"], "block": [".vault"],
                     "patterns": [{"name": "member id", "pattern": "\\bMBR-\\d{8}\\b"}]}}
        """#.write(toFile: policy, atomically: true, encoding: .utf8)
        try fixture.startEngine(extra: ["--policy", policy])
    }

    func testTheConsoleShowsOnlyWhatThePolicyReveals() throws {
        let site = try tenantSite(page: """
            <h1>Account overview</h1>
            <p>Quarterly revenue 48200 dollars</p>
            <p class="open">Member MBR-12345678 on plan Team</p>
            <div class="vault">Vault contents here</div>
            <p class="open">Renews on the first</p>
            """)
        let invited = try fixture.run(["invite", "--ticket", "T-7", "--url", site.url, "--socket", fixture.socket])
        let session = String(try XCTUnwrap(invited.stdout.split(separator: "\n").first { $0.hasPrefix("session: ") }).dropFirst("session: ".count))
        let link = try XCTUnwrap(invited.stdout.split(separator: "\n").last.map(String.init))
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 160, height: 45)

        let sent = try consentAndCapture(link, into: site.dir, cases: 0, waitingFor: "Renews on the first")
        let all = sent.texts.joined(separator: " | ")
        XCTAssertFalse(all.contains("Quarterly") || all.contains("48200") || all.contains("Vault"), "the page sent only what the policy reveals: \(all)")
        XCTAssertFalse(sent.raw.contains("MBR-12345678"), "the tenant's pattern is masked on the page already")

        let screen = try fixture.waitForScreen(console, "the revealed text on the console") {
            $0.contains("Account overview") && $0.contains("Renews on the first")
        }
        XCTAssertTrue(screen.contains("on plan Team"), screen)
        for hidden in ["Quarterly", "48200", "Vault", "MBR-12345678", "12345678"] {
            XCTAssertFalse(screen.contains(hidden), "\(hidden) on the console:\n\(screen)")
        }
    }
}
