import Foundation
import XCTest

/// `cobrowse bench load` end to end, small: it starts its own engine, drives
/// three sessions over the real TLS WebSocket and Unix socket, and reports.
final class LoadBenchTests: XCTestCase {
    func testThreeSessionsReportLatencyWithoutErrorsAndLeaveNothingBehind() throws {
        let dir = NSTemporaryDirectory() + "cobrowse-loadtest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let status = try EngineFixture.spawnAndWait(EngineFixture.binary, ["bench", "load", "--sessions", "3", "--fps", "2", "--seconds", "4"],
                                                    stdout: dir + "/out", stderr: dir + "/err")
        let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        XCTAssertEqual(status, 0, "\(out)\n\(err)")

        let lines = out.split(separator: "\n").map(String.init)
        let last = try XCTUnwrap(lines.last, "no output:\n\(err)")
        XCTAssertTrue(last.hasPrefix("load "), last)
        var fields: [String: String] = [:]
        for pair in last.split(separator: " ").dropFirst() {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            XCTAssertEqual(kv.count, 2, "not key=value: \(pair) in \(last)")
            if kv.count == 2 { fields[kv[0]] = kv[1] }
        }
        XCTAssertEqual(fields["sessions"], "3", last)
        XCTAssertEqual(fields["consoles"], "1", last)
        XCTAssertEqual(fields["errors"], "0", "\(out)\n\(err)")
        let p50 = try XCTUnwrap(fields["p50_ms"].flatMap(Double.init), last)
        XCTAssertGreaterThan(p50, 0, last)
        XCTAssertLessThan(p50, 1000, last)
        for key in ["p99_ms", "max_ms", "cpu_pct_per_session", "rss_kb_per_session", "bytes_in_per_session", "bytes_out_per_session"] {
            XCTAssertNotNil(fields[key].flatMap(Double.init), "\(key) missing or not a number: \(last)")
        }
        XCTAssertGreaterThan(fields["bytes_out_per_session"].flatMap(Double.init) ?? 0, 0, last)

        // The engine it started is gone, and so is its data directory.
        let engineLine = try XCTUnwrap(lines.first { $0.hasPrefix("engine: ") }, out)
        let data = try XCTUnwrap(engineLine.components(separatedBy: ", data ").last)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data), "left behind: \(data)")
        if let pid = engineLine.range(of: #"pid (\d+)"#, options: .regularExpression).map({ engineLine[$0].dropFirst(4) }), let n = Int32(pid) {
            XCTAssertNotEqual(kill(n, 0), 0, "the engine \(n) is still running")
        }
    }
}
