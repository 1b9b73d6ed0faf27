import Engine
@testable import TerminalUI
import XCTest

/// The demo site's pages as the agent reads them, at the three sizes an agent
/// works at: words whole, labels and values readable, headings on one line.
final class DemoPageGoldenTests: XCTestCase {
    static let sizes = [GridSize(columns: 80, rows: 24), GridSize(columns: 120, rows: 40), GridSize(columns: 200, rows: 60)]

    func model(_ page: DemoSite.Page) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        let scene = Redactor().redact(scene: DemoSite.scene(page, version: 1)).value
        m.handle(.snapshot(SessionSnapshot(summary: Fixtures.summary(), scene: scene, activity: [], notes: [])))
        m.now = Fixtures.now
        return m
    }

    func testEveryDemoPageAtEverySize() throws {
        for page in DemoSite.Page.allCases {
            for size in Self.sizes {
                let grid = ConsoleView(theme: .dark).frame(model(page), size: size, now: Fixtures.now)
                XCTAssertFalse(containsCardNumberLike(grid.text), "\(page) \(size)")
                try assertGolden(grid, "demo-\(page.rawValue)-\(size.columns)x\(size.rows)")
            }
        }
    }

    /// Headings and names the demo pages carry, each whole on one line at 120 columns and up.
    func testHeadingsAndNamesAreWholeWords() {
        let expectations: [DemoSite.Page: [String]] = [
            .account: ["Account settings", "Your profile and workspace details."],
            .billing: ["Billing", "Update payment"],
            .sso: ["Single sign-on", "Connect your identity provider"],
            .apiKeys: ["API keys"],
            .integrations: ["Integrations", "Send test event"],
        ]
        for (page, words) in expectations {
            for size in Self.sizes.dropFirst() {
                let text = ConsoleView(theme: .dark).frame(model(page), size: size, now: Fixtures.now).text
                for w in words { XCTAssertTrue(text.contains(w), "\(page) at \(size): “\(w)” is not whole:\n\(text)") }
            }
        }
    }

    func containsCardNumberLike(_ text: String) -> Bool {
        text.range(of: #"\d{4}[ -]?\d{4}[ -]?\d{4}"#, options: .regularExpression) != nil
    }
}
