import Foundation
import XCTest

/// A test with an engine of its own (`cobrowse serve` on a fresh data dir),
/// shut down with everything it started whatever the outcome.
class EngineTestCase: XCTestCase {
    var fixture: EngineFixture!

    override func setUpWithError() throws {
        fixture = try EngineFixture()
        try fixture.startEngine()
    }

    override func tearDown() {
        fixture?.shutdown()
    }
}

/// What every Chromium test adds: the browser scripts it starts
/// (Tests/Browser/*.py, Debian's python3-selenium), stopped first.
class BrowserTestCase: EngineTestCase {
    var browsers: [BrowserProcess] = []

    override func tearDown() {
        browsers.forEach { $0.stop() }
        super.tearDown()
    }

    /// `Tests/Browser/NAME.py`.
    static func browserScript(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/\(name).py").path
    }

    /// Starts a browser script; its output goes to a log in the fixture's directory.
    func startBrowser(_ script: String, _ args: [String]) throws -> BrowserProcess {
        let name = URL(fileURLWithPath: script).deletingPathExtension().lastPathComponent
        let b = try BrowserProcess.start(["/usr/bin/python3", script] + args, log: fixture.dir + "/\(name)-\(browsers.count).out")
        browsers.append(b)
        return b
    }
}
