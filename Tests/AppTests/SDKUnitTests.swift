import Foundation
import XCTest

/// The SDK's parts that need no product and no layout (masking, field decisions,
/// block > mask > reveal, private by default, the tenant's policy, scene deltas,
/// the connect module's reconnecting), tested in node against the very files the
/// gateway serves: `node --test Tests/SDK/` with Debian's node-jsdom.
final class SDKUnitTests: XCTestCase {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("SDK")

    func testTheSDKsNodeTestsPass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdk-node-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let status = try EngineFixture.spawnAndWait("/usr/bin/env", ["node", "--test", "--test-reporter=tap", Self.tests.path],
                                                    stdout: dir + "/out", stderr: dir + "/err")
        let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        XCTAssertEqual(status, 0, "node --test Tests/SDK/ failed (nodejs and node-jsdom come with ./scripts/test):\n\(out)\n\(err)")
        // The run really ran the suites: a folder node finds no tests in passes too.
        let passed = out.split(separator: "\n").first { $0.hasPrefix("# pass ") }.flatMap { Int($0.dropFirst("# pass ".count)) } ?? 0
        XCTAssertGreaterThanOrEqual(passed, 16, out)
        XCTAssertFalse(out.contains("\nnot ok "), out)
    }
}
