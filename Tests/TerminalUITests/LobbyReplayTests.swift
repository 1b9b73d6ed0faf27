import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Recordings from the lobby (issue 5), console side: the shelf, the reason,
/// gathering parts into a timeline, the replay and back — no terminal.
final class LobbyReplayTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    var listing: RecordingListing {
        RecordingListing(id: "R-0123456789abcdef", sessionId: "S-1", ticketId: "T-42", agentName: "Maria S.", createdAt: start,
                         endedAt: start.addingTimeInterval(60), complete: true, bytes: 48_000)
    }

    /// What the recorder kept: summary, redacted billing page, pointer moves, a keyframe, a note.
    func events() -> [RecordedEvent] {
        let summary = SessionSummary(id: "S-1", ticket: Ticket(id: "T-42", subject: "Billing page broken", customer: "Dana W."),
                                     agentName: "Maria S.", status: .active, recording: true, createdAt: start, startedAt: start,
                                     deadline: start.addingTimeInterval(45 * 60))
        let page = Redactor().redact(scene: DemoSite.scene(.billing, version: 1)).value
        var events: [RecordedEvent] = [RecordedEvent(offsetMs: 0, message: .summary(summary)), RecordedEvent(offsetMs: 0, message: .scene(page))]
        for i in 1 ... 20 {
            events.append(RecordedEvent(offsetMs: UInt32(i * 1000), message: .sceneDelta(SceneDelta(baseVersion: i, version: i + 1, pointer: Point(x: Double(i) * 20, y: 300)))))
        }
        // The recorder's synthetic keyframe: the scene as reconstructed at that moment.
        var key = page
        key.version = 21
        key.pointer = Point(x: 400, y: 300)
        events.append(RecordedEvent(kind: .keyframe, offsetMs: 20_000, message: .scene(key)))
        events.append(RecordedEvent(offsetMs: 25_000, message: .note(NoteEntry(at: start.addingTimeInterval(25), author: "Maria S.", text: "asked about the invoice"))))
        return events
    }

    /// The events as the engine sends them: in `size` parts.
    func parts(_ events: [RecordedEvent], size: Int, last: (inout RecordingPart) -> Void = { $0.complete = true; $0.ending = "complete" }) -> [RecordingPart] {
        let wire = events.map { RecordingPart.Event(offsetMs: $0.offsetMs, keyframe: $0.kind == .keyframe, frame: String(decoding: WireCodec.encode($0.message), as: UTF8.self)) }
        var parts = stride(from: 0, to: wire.count, by: size).enumerated().map { i, lo in
            RecordingPart(recordingId: listing.id, index: i, events: Array(wire[lo ..< min(wire.count, lo + size)]), last: false)
        }
        parts[0].startedAt = start
        parts[0].highlights = [RecordingPart.Mark(at: 40, duration: 10, title: "Invoice question", tags: ["billing"], author: "Tara")]
        parts[parts.count - 1].last = true
        last(&parts[parts.count - 1])
        return parts
    }

    func keys(_ r: inout LobbyReplay, _ keys: [ConsoleKey]) -> [ConsoleCommand] {
        keys.flatMap { r.handle(key: $0) ?? [] }
    }

    /// R, the list, Enter, a reason, Enter: returns the state waiting for parts.
    func opened() -> LobbyReplay {
        var r = LobbyReplay()
        XCTAssertEqual(r.open(), [.send(.recordingsRequest)])
        XCTAssertTrue(r.take(.recordings(RecordingList(items: [listing]))))
        XCTAssertEqual(r.phase, .shelf)
        XCTAssertEqual(keys(&r, [.enter]), [])
        XCTAssertEqual(r.phase, .reason)
        let typed = keys(&r, "training: billing".map(ConsoleKey.character) + [.enter])
        XCTAssertEqual(typed, [.send(.openRecording(OpenRecording(recordingId: listing.id, reason: "training: billing")))])
        XCTAssertEqual(r.phase, .opening)
        return r
    }

    func testTheLobbyKeyOpensTheShelfOnlyInAnIdleLobby() {
        // The lobby's key table sends R to the shelf; in a session (or a dialog) R is not the shelf's.
        var m = ConsoleModel()
        m.handle(.lobby(Lobby(agent: Agent(name: "M", uid: 1, level: .l2), tickets: [], sessions: [])))
        XCTAssertEqual(m.handle(key: .character("R")), [.openRecordings])
        _ = m.handle(key: .character("?"))
        XCTAssertEqual(m.handle(key: .character("R")), [], "with a dialog open the key is the dialog's")
        var r = LobbyReplay()
        XCTAssertNil(r.handle(key: .character("R")), "a closed shelf takes no keys")
        XCTAssertNil(r.handle(key: .character("r")), "r still starts a recorded session")
        XCTAssertFalse(r.take(.lobby(Lobby(agent: Agent(name: "M", uid: 1, level: .l2), tickets: [], sessions: []))))
        XCTAssertEqual(r.open(), [.send(.recordingsRequest)])
        XCTAssertEqual(r.open(), [], "opening twice asks once")
        XCTAssertEqual(r.phase, .loading)
        XCTAssertNil(r.handle(key: .interrupt), "Ctrl-C still quits the console")
    }

    func testAReasonIsRequiredBeforeAnythingIsSent() {
        var r = LobbyReplay()
        _ = r.open()
        _ = r.take(.recordings(RecordingList(items: [listing])))
        XCTAssertEqual(keys(&r, [.enter, .character(" "), .enter]), [])
        XCTAssertEqual(r.phase, .reason)
        XCTAssertEqual(r.message?.kind, .error)
        XCTAssertTrue(r.message?.text.contains("reason is required") ?? false)
        XCTAssertEqual(keys(&r, [.escape, .escape]), [])
        XCTAssertFalse(r.isOpen, "Esc goes back to the shelf, then to the lobby")
    }

    func testPartsBecomeTheRecordedTimelineAndQuitReturnsToTheLobby() throws {
        var r = opened()
        let recorded = events()
        for part in parts(recorded, size: 7) { XCTAssertTrue(r.take(.recordingPart(part))) }
        XCTAssertEqual(r.phase, .playing)
        let p = try XCTUnwrap(r.playback)
        XCTAssertEqual(p.timeline.events, recorded)
        XCTAssertEqual(p.timeline.startedAt, start)
        XCTAssertEqual(p.timeline.duration, 60)
        XCTAssertNil(p.ending)
        XCTAssertTrue(p.timeline.markers.contains(ReplayMarker(time: 40, kind: .highlight, label: "Invoice question")))
        XCTAssertEqual(p.timeline.state(at: 30), p.timeline.stateByPlaying(to: 30))

        // The player runs on wall time and seeks on keys.
        r.tick(now: start)
        r.tick(now: start.addingTimeInterval(2))
        XCTAssertEqual(r.playback?.player.position ?? 0, 2, accuracy: 0.001)
        _ = keys(&r, [.character("5")])
        XCTAssertEqual(r.playback?.player.position ?? 0, 30, accuracy: 0.001)

        let frame = RecordingShelfView(theme: .dark).frame(r, agent: nil, size: GridSize(columns: 120, rows: 36)).text
        for text in ["REPLAY", "Billing", "Card number", "MASKED", "asked about the"] { XCTAssertTrue(frame.contains(text), "\(text) missing:\n" + Self.printable(frame)) }
        XCTAssertFalse(containsDigits16(frame), "no card number on screen")

        XCTAssertEqual(keys(&r, [.character("q")]), [])
        XCTAssertFalse(r.isOpen)
        XCTAssertNil(r.playback, "the decrypted events are dropped on leaving")
    }

    func testAPartsStreamWithAFailureReplaysWhatCameAndSaysSo() throws {
        var r = opened()
        let recorded = Array(events().prefix(10))
        let failure = "chunk 3: authentication failed (tampered or corrupted)"
        for part in parts(recorded, size: 4, last: { $0.complete = false; $0.failure = failure; $0.ending = failure }) {
            _ = r.take(.recordingPart(part))
        }
        let p = try XCTUnwrap(r.playback)
        XCTAssertEqual(p.timeline.events, recorded)
        XCTAssertTrue(p.ending?.contains(failure) ?? false, p.ending ?? "")
        let frame = RecordingShelfView(theme: .dark).frame(r, agent: nil, size: GridSize(columns: 160, rows: 40)).text
        XCTAssertTrue(frame.contains("authentication failed"), frame)
    }

    func testARefusalIsShownOnTheShelf() {
        var r = opened()
        XCTAssertTrue(r.take(.error(ErrorReply(code: .notAllowed, message: "access to recording R-1 refused: Lee (L1) is neither …"))))
        XCTAssertEqual(r.phase, .shelf)
        XCTAssertEqual(r.message?.kind, .error)
        let frame = RecordingShelfView(theme: .dark).frame(r, agent: nil, size: GridSize(columns: 120, rows: 30)).text
        XCTAssertTrue(frame.contains("not-allowed"), frame)
        XCTAssertTrue(frame.contains("refused"), frame)
        XCTAssertFalse(r.take(.error(ErrorReply(code: .badState, message: "other"))), "errors not answering the shelf are the console's")
    }

    func testTheShelfListsTheRecordings() {
        var r = LobbyReplay()
        _ = r.open()
        var second = listing
        second.id = "R-fedcba9876543210"; second.ticketId = "T-77"; second.complete = false; second.endedAt = nil
        _ = r.take(.recordings(RecordingList(items: [listing, second])))
        _ = keys(&r, [.down])
        XCTAssertEqual(r.selected?.id, second.id)
        let view = RecordingShelfView(theme: .dark, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
        let frame = view.frame(r, agent: Agent(name: "Tara Trainer", uid: 1, level: .trainer), size: GridSize(columns: 120, rows: 30)).text
        for text in [listing.id, "T-42", "Maria S.", "2027-01-15 08:00", "01:00", "complete", "47 KiB", second.id, "T-77", "open/cut", "Tara Trainer"] {
            XCTAssertTrue(frame.contains(text), "\(text) missing:\n\(frame)")
        }
        XCTAssertTrue(frame.contains("▶ R-fedcba9876543210"), frame)
        // 80x24: the id, ticket, agent, date and length still fit whole.
        let small = view.frame(r, agent: nil, size: GridSize(columns: 80, rows: 24)).text
        for text in [listing.id, "T-42", "Maria S.", "2027-01-15 08:00", "01:00"] { XCTAssertTrue(small.contains(text), "\(text) missing:\n\(small)") }
        XCTAssertTrue(small.split(separator: "\n").allSatisfy { SafeText.displayWidth(String($0)) <= 80 })
    }

    static func printable(_ s: String) -> String { String(s.unicodeScalars.map { $0.value < 0x20 && $0 != "\n" || $0.value == 0xFFFF ? "?" : Character($0) }) }

    private func containsDigits16(_ s: String) -> Bool { s.range(of: #"\d{16}"#, options: .regularExpression) != nil }
}
