import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// `serve` + `invite --record` + the scripted customer, `kill -9` of the
/// engine mid-session, then the recording commands on what it left.
final class RecordingEndToEndTests: XCTestCase {
    /// `serve`, `invite --record` and the scripted customer, until a few compressed chunks are on disk.
    func recordedSessionUnderWay(_ f: EngineFixture, extra: [String] = []) throws -> (engine: Process, session: String) {
        let engine = try f.spawn(["serve", "--data", f.dir, "--listen", "127.0.0.1:\(f.port)"] + extra)
        try f.waitUntil(timeout: 30, "engine socket") { FileManager.default.fileExists(atPath: f.socket) }
        try f.waitUntil(timeout: 15, "gateway port") { EngineFixture.canConnect(port: f.port) }
        let invite = try f.run(["invite", "--ticket", "T-7", "--record", "--socket", f.socket])
        let session = String(try XCTUnwrap(invite.stdout.split(separator: "\n").first { $0.hasPrefix("session: ") }).dropFirst("session: ".count))
        let link = try XCTUnwrap(invite.stdout.split(separator: "\n").last.map(String.init))
        _ = try f.spawnCustomer(link, extra: ["--pace", "0.2", "--dwell", "1"])
        let recordings = f.dir + "/recordings"
        try f.waitUntil(timeout: 30, "recorded chunks") {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: recordings)) ?? []
            guard let file = files.first, let size = try? FileManager.default.attributesOfItem(atPath: recordings + "/" + file)[.size] as? Int else { return false }
            return size > 6_000
        }
        return (engine, session)
    }

    func testSIGTERMMidSessionEndsItAndLeavesACompleteRecordingThatReplaysToTheEnd() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        let (engine, session) = try recordedSessionUnderWay(f)
        kill(engine.processIdentifier, SIGTERM)
        engine.waitUntilExit()
        XCTAssertEqual(engine.terminationStatus, 0)
        XCTAssertTrue(f.logs().contains("ended 1 live session(s)"), f.logs())

        let list = try f.run(["recordings", "list", "--data", f.dir])
        let id = try XCTUnwrap(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let replay = try f.run(["replay", id, "--format", "json", "--data", f.dir, "--reason", "end-to-end test"])
        let end = String(try XCTUnwrap(replay.stdout.split(separator: "\n").last))
        XCTAssertTrue(end.contains("\"complete\":true"), end)
        XCTAssertTrue(end.contains("the engine was stopped"), end)
        XCTAssertTrue(replay.stdout.contains("engine-stopped"), "the consoles' session-ended is in the recording")
        let audit = try f.run(["audit", "--session", session, "--data", f.dir])
        XCTAssertTrue(audit.stdout.contains("reason=engine-stopped"), audit.stdout)
        XCTAssertTrue(audit.stdout.contains("audit chain: intact"), audit.stdout)
    }

    func testKilledEngineLeavesAReplayableIncompleteRecordingThatCanBeShredded() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        // A few chunks on disk, then the engine is killed without warning.
        let (engine, _) = try recordedSessionUnderWay(f, extra: ["--recording-retention", "7"])
        kill(engine.processIdentifier, SIGKILL)
        engine.waitUntilExit()

        let list = try f.run(["recordings", "list", "--data", f.dir])
        let id = try XCTUnwrap(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        // --recording-retention 7 reached the index: kept 7 days from its start.
        let show = try f.run(["recordings", "show", id, "--data", f.dir, "--reason", "end-to-end test"])
        func stamp(_ field: String) throws -> Date {
            let line = try XCTUnwrap(show.stdout.split(separator: "\n").first { $0.hasPrefix(field) }, show.stdout)
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return try XCTUnwrap(f.date(from: line.dropFirst(field.count).trimmingCharacters(in: .whitespaces)), String(line))
        }
        XCTAssertEqual(try stamp("keep until:").timeIntervalSince(try stamp("created:")), 7 * 86_400, accuracy: 1)
        let replay = try f.run(["replay", id, "--format", "json", "--data", f.dir, "--reason", "end-to-end test"])
        let lines = replay.stdout.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 3)
        XCTAssertTrue(lines.contains { $0.contains("\"type\":\"scene\"") })
        let end = String(try XCTUnwrap(lines.last))
        XCTAssertTrue(end.contains("\"complete\":false"), end)
        XCTAssertTrue(end.contains("incomplete: engine stopped at"), end)
        // (The generic card-number pattern would match millisecond timestamps in JSON; look for the demo's card itself.)
        for card in ["4242 4242 4242 4242", "4242424242424242", "4242-4242"] { XCTAssertFalse(replay.stdout.contains(card), "card number recorded") }

        let export = f.dir + "/copy.json"
        _ = try f.run(["recordings", "export", id, "--out", export, "--data", f.dir])
        let copy = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export))) as? [String: Any]
        XCTAssertNotNil(copy?["events"] as? [Any])
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: export)[.posixPermissions] as? Int, 0o600)

        // The calling agent is L2: deleting needs a manager.
        let refused = try f.run(["recordings", "delete", id, "--reason", "GDPR #1", "--data", f.dir], expectFailure: true)
        XCTAssertTrue(refused.stderr.contains("refused"), refused.stderr)
        let audit = try f.run(["audit", "--data", f.dir])
        XCTAssertTrue(audit.stdout.contains("recording.opened"), audit.stdout)
    }

    func testServeRefusesAnImpossibleRetention() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        for bad in ["0", "-3", "99999"] {
            let out = try f.run(["serve", "--data", f.dir, "--recording-retention", bad], expectFailure: true)
            XCTAssertTrue(out.stderr.contains("recording-retention"), out.stderr)
        }
    }

    func testBenchRecordingMeasuresSizeAndSeekAndEndsWithTheSummaryLine() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        let keep = f.dir + "/bench"
        let out = try f.run(["bench", "recording", "--minutes", "1", "--seek-minutes", "2", "--seeks", "3", "--keep", keep])
        let last = try XCTUnwrap(out.stdout.split(separator: "\n").last.map(String.init))
        let fields = Dictionary(uniqueKeysWithValues: last.split(separator: " ").dropFirst().compactMap { pair -> (String, Double)? in
            let kv = pair.split(separator: "=")
            return kv.count == 2 ? (String(kv[0]), Double(kv[1]) ?? -1) : nil
        })
        XCTAssertTrue(last.hasPrefix("recording "), last)
        let bytes = try XCTUnwrap(fields["bytes_per_min"], last)
        XCTAssertGreaterThan(bytes, 1_000)
        XCTAssertLessThan(bytes, 100_000, "aim: under 100 KB per minute of the demo session")
        XCTAssertGreaterThan(try XCTUnwrap(fields["seek_median_ms"], last), 0)
        XCTAssertTrue(out.stdout.contains("asciinema"), out.stdout)
        // The kept recording replays for the calling user (registered there as a trainer).
        let list = try f.run(["recordings", "list", "--data", keep])
        let id = try XCTUnwrap(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let replay = try f.run(["replay", id, "--format", "json", "--data", keep, "--reason", "bench test"])
        XCTAssertTrue(replay.stdout.split(separator: "\n").last?.contains("\"complete\":true") ?? false)
        XCTAssertGreaterThan(replay.stdout.components(separatedBy: "\"type\":\"scene\"").count - 1, 10, "every full scene, repeats included")
    }
}
