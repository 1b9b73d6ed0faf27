import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// The replay transport and screen, without a terminal.
final class ReplayTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// 60 s: summary and billing page at 0, pointer moves to 10 s, a note at 12 s,
    /// a mode change at 30 s, idle until the last move at 58 s.
    func timeline() -> ReplayTimeline {
        let summary = SessionSummary(id: "S-1", ticket: Ticket(id: "T-42", subject: "Billing page broken", customer: "Dana W."),
                                     agentName: "Maria S.", status: .active, recording: true, createdAt: start, startedAt: start,
                                     deadline: start.addingTimeInterval(45 * 60))
        var events: [RecordedEvent] = [
            RecordedEvent(offsetMs: 0, message: .summary(summary)),
            // Recorded as the hub broadcasts it: after the engine's redaction.
            RecordedEvent(offsetMs: 0, message: .scene(Redactor().redact(scene: DemoSite.scene(.billing, version: 1)).value)),
        ]
        for i in 1 ... 10 {
            events.append(RecordedEvent(offsetMs: UInt32(i * 1000), message: .sceneDelta(SceneDelta(baseVersion: i, version: i + 1, pointer: Point(x: Double(i) * 50, y: 200)))))
        }
        events.append(RecordedEvent(offsetMs: 12_000, message: .note(NoteEntry(at: start.addingTimeInterval(12), author: "Maria S.", text: "asked about the invoice"))))
        events.append(RecordedEvent(offsetMs: 30_000, message: .activity(ActivityItem(at: start.addingTimeInterval(30), kind: .modeChanged, actor: "customer", text: "Control mode is now Guided"))))
        events.append(RecordedEvent(offsetMs: 58_000, message: .sceneDelta(SceneDelta(baseVersion: 11, version: 12, pointer: Point(x: 5, y: 5)))))
        return ReplayTimeline(events: events, startedAt: start, endOffset: 60,
                              highlights: [Highlight(recordingId: "R-1", at: 40, duration: 10, title: "Guided mode", tags: [], author: "T", createdAt: start)])
    }

    func testKeysMoveThePositionWithinTheWindow() {
        let t = timeline()
        var p = ReplayPlayer(window: 0 ... t.duration, markers: t.markers.map(\.time))
        XCTAssertTrue(p.playing)
        p.handle(key: .character(" "))
        XCTAssertFalse(p.playing)
        p.handle(key: .right); XCTAssertEqual(p.position, 5)
        p.handle(key: .pageDown); XCTAssertEqual(p.position, 35)
        p.handle(key: .left); XCTAssertEqual(p.position, 30)
        p.handle(key: .pageUp); XCTAssertEqual(p.position, 0)
        p.handle(key: .left); XCTAssertEqual(p.position, 0, "clamped at the start")
        p.handle(key: .character("5")); XCTAssertEqual(p.position, 30)
        p.handle(key: .character("9")); XCTAssertEqual(p.position, 54)
        p.handle(key: .end); XCTAssertEqual(p.position, 60)
        p.handle(key: .character("0")); XCTAssertEqual(p.position, 0)
        p.handle(key: .character("]")); XCTAssertEqual(p.position, 12, "note")
        p.handle(key: .character("]")); XCTAssertEqual(p.position, 30, "mode change")
        p.handle(key: .character("]")); XCTAssertEqual(p.position, 40, "highlight")
        p.handle(key: .character("[")); XCTAssertEqual(p.position, 30)
        p.handle(key: .character("?")); XCTAssertTrue(p.showHelp)
        p.handle(key: .character("x")); XCTAssertFalse(p.showHelp)
        p.handle(key: .character("q")); XCTAssertTrue(p.quit)
    }

    func testShiftArrowsMoveTenPercentOfTheWindowAndClamp() {
        let t = timeline()
        var p = ReplayPlayer(window: 0 ... t.duration, markers: [])
        p.handle(key: .shiftRight); XCTAssertEqual(p.position, 6, accuracy: 1e-9)
        p.handle(key: .shiftRight); XCTAssertEqual(p.position, 12, accuracy: 1e-9)
        p.handle(key: .shiftLeft); XCTAssertEqual(p.position, 6, accuracy: 1e-9)
        p.handle(key: .shiftLeft); p.handle(key: .shiftLeft); XCTAssertEqual(p.position, 0, "clamped at the start")
        p.handle(key: .character("9"))
        p.handle(key: .shiftRight); XCTAssertEqual(p.position, 60, "clamped at the end")
        XCTAssertTrue(p.playing, "seeking does not pause")
        // Within a highlight the step is 10 % of the highlight, and stays inside it.
        var h = ReplayPlayer(window: 40 ... 50, markers: [])
        h.handle(key: .shiftRight); XCTAssertEqual(h.position, 41, accuracy: 1e-9)
        h.handle(key: .shiftLeft); h.handle(key: .shiftLeft); XCTAssertEqual(h.position, 40)
    }

    func testSpeedAndIdleCompressionAndStopAtTheEnd() {
        let t = timeline()
        var p = ReplayPlayer(window: 0 ... t.duration, markers: [])
        for _ in 0 ..< 6 { p.handle(key: .character("+")) }
        XCTAssertEqual(p.speed, 8)
        for _ in 0 ..< 6 { p.handle(key: .character("-")) }
        XCTAssertEqual(p.speed, 0.5)
        p.handle(key: .character("+"))
        p.advance(by: 2, nextEvent: t.nextEventTime(after:))
        XCTAssertEqual(p.position, 2)
        p.seek(to: 31)
        p.handle(key: .character("i"))
        p.advance(by: 0.5, nextEvent: t.nextEventTime(after:))
        XCTAssertEqual(p.position, 57.5, accuracy: 0.001, "the 27 idle seconds shrink to one")
        p.advance(by: 10, nextEvent: t.nextEventTime(after:))
        XCTAssertEqual(p.position, 60)
        XCTAssertFalse(p.playing)
        p.handle(key: .character(" "))
        XCTAssertEqual(p.position, 0, "space at the end plays again from the start")
    }

    func testAHighlightWindowBoundsPlayback() {
        var p = ReplayPlayer(window: 40 ... 50, markers: [12, 30, 40])
        XCTAssertEqual(p.position, 40)
        XCTAssertEqual(p.markers, [40])
        p.handle(key: .pageDown)
        XCTAssertEqual(p.position, 50)
        p.handle(key: .character("5"))
        XCTAssertEqual(p.position, 45)
    }

    func testTheScreenShowsTheSessionAsItWasAtThatMomentAtAnySize() {
        let t = timeline()
        let view = ReplayView(theme: .dark, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
        var p = ReplayPlayer(window: 0 ... t.duration, markers: t.markers.map(\.time))
        p.handle(key: .character(" "))
        p.seek(to: 20)
        for size in [GridSize(columns: 80, rows: 24), GridSize(columns: 200, rows: 60)] {
            let rows = view.frame(timeline: t, player: p, title: "R-1", ending: nil, size: size).rows
            XCTAssertEqual(rows.count, size.rows)
            let text = rows.joined(separator: "\n")
            XCTAssertTrue(rows[0].contains("T-42"), "status bar")
            XCTAssertTrue(rows[2].contains("REPLAY") && rows[2].contains("Billing"), "url bar")
            XCTAssertTrue(rows[size.rows - 2].contains("00:20") && rows[size.rows - 2].contains("01:00"), "timeline")
            XCTAssertTrue(rows[size.rows - 2].contains("★") && rows[size.rows - 2].contains("N"), "markers")
            XCTAssertTrue(rows[size.rows - 1].contains("❚❚"), "paused")
            XCTAssertFalse(text.contains("4242 4242"), "the card number stays masked in a replay")
            if size.columns >= 120 { XCTAssertTrue(text.contains("asked about the invoice"), "the note, in step") }
        }
        // Before the note, it is not there yet.
        p.seek(to: 5)
        let early = view.frame(timeline: t, player: p, title: "R-1", ending: nil, size: GridSize(columns: 200, rows: 60)).text
        XCTAssertFalse(early.contains("asked about the invoice"))
        let incomplete = view.frame(timeline: t, player: p, title: "R-1", ending: "recording ends without its final chunk",
                                    size: GridSize(columns: 200, rows: 60)).rows
        XCTAssertTrue(incomplete[59].contains("without its final chunk"))
        let tiny = view.frame(timeline: t, player: p, title: "R-1", ending: nil, size: GridSize(columns: 20, rows: 5)).text
        XCTAssertTrue(tiny.contains("too small"))
    }
}
