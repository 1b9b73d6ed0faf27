import Foundation
import XCTest

/// The SDK's layout in headless Chromium, without the engine (Tests/Browser/sdk_page.py
/// and the pages in Tests/Browser/sdk): the tree's own files behind a fake WebSocket;
/// what the page put on that socket is held to the page's layout and its privacy.
final class SDKBrowserTests: XCTestCase {
    static let runner = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/sdk_page.py").path

    func testScenesClicksFramesAndTheTenantsPolicyInChromium() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-page-\(UUID().uuidString.prefix(8)).out").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let browser = try BrowserProcess.start(["/usr/bin/python3", Self.runner], log: log)
        defer { browser.stop() }
        let out = try browser.waitForExit(timeout: 180)
        XCTAssertEqual(browser.status, 0, out)
        let passed = out.split(separator: "\n").filter { $0.hasPrefix("OK ") }.count
        XCTAssertGreaterThanOrEqual(passed, 24, "every check ran:\n\(out)")
        XCTAssertTrue(out.contains("DONE 0 failed"), out)
    }
}
