import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// Issue 5 end to end: `serve` + `invite --record` + the scripted customer; the
/// agent ends the session in a tmux console; then a trainer's console (same
/// uid, re-registered as a trainer) opens the recording from the lobby — key,
/// shelf, reason — and replays it in place, with nothing read from the data
/// directory by the console. The opening is in the audit trail with the reason.
final class LobbyReplayEndToEndTests: XCTestCase {
    func testATrainerReplaysARecordingFromTheLobbyAndTheOpeningIsAudited() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let invite = try f.run(["invite", "--ticket", "T-7", "--record", "--socket", f.socket])
        let lines = invite.stdout.split(separator: "\n").map(String.init)
        let session = try XCTUnwrap(lines.first { $0.hasPrefix("session: ") }.map { String($0.dropFirst("session: ".count)) }, invite.stdout)
        let link = try XCTUnwrap(lines.last, invite.stdout)
        try f.spawnCustomer(link)

        // The session's agent watches for a while, then ends the session (the recording completes).
        let agent = try f.startConsole(["console", "--socket", f.socket, "--session", session], width: 160, height: 48)
        try f.waitForScreen(agent, "the demo page") { $0.contains("Northwind") && $0.contains("REC") }
        let recordings = f.dir + "/recordings"
        try f.waitUntil(timeout: 40, "a few recorded chunks") {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: recordings)) ?? []
            guard let file = files.first, let size = try? FileManager.default.attributesOfItem(atPath: recordings + "/" + file)[.size] as? Int else { return false }
            return size > 8_000
        }
        f.sendKeys(agent, "e")
        try f.waitForScreen(agent, "the end confirmation") { $0.contains("End session?") }
        f.sendKeys(agent, "y")
        try f.waitForScreen(agent, "the session's end") { $0.contains("Session ended") }
        f.killConsole(agent)
        try f.waitUntil(timeout: 15, "the finished recording") {
            (try? f.run(["recordings", "list", "--data", f.dir]).stdout.contains("complete")) ?? false
        }

        // The same uid becomes a trainer with another name: not the session's agent any more.
        let sql = "UPDATE agent SET name = 'Tara Trainer', level = 'trainer' WHERE uid = \(getuid());"
        let updated = try f.runTool("/usr/bin/env", ["sqlite3", f.dir + "/cobrowse.sqlite", sql])
        XCTAssertEqual(updated.status, 0, updated.stderr)

        let trainer = try f.startConsole(["console", "--socket", f.socket], width: 160, height: 48)
        try f.waitForScreen(trainer, "the trainer's lobby") { $0.contains("Tara Trainer (trainer)") && $0.contains("R recordings") }
        f.sendKeys(trainer, "R")
        let shelf = try f.waitForScreen(trainer, "the recording shelf") { $0.contains("Recordings you may open (1)") && $0.contains("T-7") }
        XCTAssertTrue(shelf.contains("Maria S."), shelf)
        XCTAssertTrue(shelf.contains("complete"), shelf)
        let id = try XCTUnwrap(shelf.range(of: #"R-[0-9a-f]{16}"#, options: .regularExpression).map { String(shelf[$0]) }, shelf)

        f.sendKeys(trainer, "Enter")
        try f.waitForScreen(trainer, "the reason prompt") { $0.contains("Why do you open \(id)?") }
        f.sendKeys(trainer, "Enter")
        try f.waitForScreen(trainer, "the reason refusal") { $0.contains("A reason is required") }
        f.sendKeys(trainer, "training review")
        f.sendKeys(trainer, "Enter")
        let replay = try f.waitForScreen(trainer, timeout: 30, "the replay of the demo page") {
            $0.contains("REPLAY") && $0.contains("Northwind") && $0.contains("space play/pause")
        }
        XCTAssertTrue(replay.contains("T-7"), replay)
        XCTAssertFalse(replay.contains("⚠"), "a complete recording shows no warning:\n\(replay)")
        // Jump through the recording: the billing page's card field stays masked.
        var sawMask = false
        for key in ["2", "4", "6", "8"] where !sawMask {
            f.sendKeys(trainer, key)
            Thread.sleep(forTimeInterval: 0.8)
            let screen = f.capture(trainer)
            XCTAssertFalse(containsCardNumber(screen), screen)
            sawMask = screen.contains("MASKED")
        }
        f.sendKeys(trainer, "q")
        try f.waitForScreen(trainer, "the lobby again") { $0.contains("My tickets") && !$0.contains("REPLAY") }

        let audit = try f.run(["audit", "--data", f.dir]).stdout
        let opened = try XCTUnwrap(audit.split(separator: "\n").first { $0.contains("recording.opened") }.map(String.init), audit)
        XCTAssertTrue(opened.contains("Tara Trainer"), opened)
        XCTAssertTrue(opened.contains("reason=training review"), opened)
        XCTAssertTrue(opened.contains("granted=level trainer"), opened)
        XCTAssertTrue(sawMask, "the billing page was replayed with its card field masked")
    }
}
