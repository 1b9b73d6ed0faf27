import Foundation
import FuzzTargets
import XCTest

/// Every seed and every crash ever found, through the fuzz targets' entry
/// points: one test per target, so a failure names it. A crash input traps
/// (that is the bug it was saved for); the file being replayed is printed
/// first, so the log says which one. A hang cannot be replayed as one, so a
/// crash folder keeps a smaller input of the same cost (`slow-*`), and any
/// input taking more than `budget` fails.
final class FuzzCorpusTests: XCTestCase {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static let tested = ["wire-codec-socket", "wire-codec-websocket", "http-request", "scene", "scene-wire", "scene-render",
                         "recording-reader", "theme", "ticket-import"]

    /// Seconds one input may take in a debug build; the slowest seed takes about a tenth of that.
    static let budget: TimeInterval = 1

    func replay(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let target = try XCTUnwrap(FuzzTarget.named(name), "no fuzz target named \(name)", file: file, line: line)
        let seeds = try FuzzCorpus.files(at: Self.fuzz.appendingPathComponent("Corpus/\(name)"))
        XCTAssertFalse(seeds.isEmpty, "Tests/Fuzz/Corpus/\(name) has no seeds", file: file, line: line)
        let crashesDir = Self.fuzz.appendingPathComponent("Crashes/\(name)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: crashesDir.appendingPathComponent(".gitkeep").path),
                      "Tests/Fuzz/Crashes/\(name)/.gitkeep is missing", file: file, line: line)
        let crashes = try FuzzCorpus.files(at: crashesDir)
        for input in seeds + crashes {
            print("replaying \(name) \(input.lastPathComponent)")
            fflush(stdout)
            let bytes = Array(try Data(contentsOf: input))
            let started = Date()
            target.run(bytes)
            let seconds = Date().timeIntervalSince(started)
            XCTAssertLessThan(seconds, Self.budget, "\(name) \(input.lastPathComponent) took \(String(format: "%.1f", seconds)) s",
                              file: file, line: line)
        }
    }

    func testEveryTargetIsReplayed() {
        XCTAssertEqual(FuzzTarget.all.map(\.name), Self.tested)
    }

    func testWireCodecSocket() throws { try replay("wire-codec-socket") }
    func testWireCodecWebSocket() throws { try replay("wire-codec-websocket") }
    func testHTTPRequest() throws { try replay("http-request") }
    func testScene() throws { try replay("scene") }
    func testSceneWire() throws { try replay("scene-wire") }
    func testSceneRender() throws { try replay("scene-render") }
    func testRecordingReader() throws { try replay("recording-reader") }
    func testTheme() throws { try replay("theme") }
    func testTicketImport() throws { try replay("ticket-import") }

    /// The recording seeds must get past authentication, or the fuzzer only ever sees the header.
    func testRecordingSeedsOpenWithTheKnownKey() throws {
        let dir = Self.fuzz.appendingPathComponent("Corpus/recording-reader")
        for name in ["recording-complete.cbrec", "sealed-v2-chunks", "sealed-v1-events"] {
            let scan = try XCTUnwrap(RecordingReaderTarget.scan(Array(try Data(contentsOf: dir.appendingPathComponent(name)))), name)
            XCTAssertGreaterThan(scan.events.count, 2, name)
            XCTAssertNil(scan.failure, name)
        }
    }
}
