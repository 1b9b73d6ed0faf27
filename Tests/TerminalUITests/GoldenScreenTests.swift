import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Whole screens compared as text with files in Golden/. After an intended
/// change, rewrite them with `UPDATE_GOLDEN=1 swift test --filter GoldenScreenTests`
/// and review the diff.
final class GoldenScreenTests: XCTestCase {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func view(_ theme: Theme = .dark) -> ConsoleView {
        ConsoleView(theme: theme, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
    }

    func workstation(dialog key: ConsoleKey? = nil) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        m.handle(.snapshot(Fixtures.snapshot()))
        if let key { _ = m.handle(key: key) }
        return m
    }

    func lobby() -> ConsoleModel {
        var m = ConsoleModel()
        m.handle(.lobby(Fixtures.lobby()))
        _ = m.handle(key: .down)
        return m
    }


    func testWorkstation80x24() throws {
        let grid = view().frame(workstation(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertEqual(grid.size, GridSize(columns: 80, rows: 24))
        let text = grid.text
        for needle in ["TCK-1042", "Dana Whitfield", "View Only", "Good 42 ms", "12:03 elapsed", "32:57 left", "● REC", "● customer connected", "MASKED", "Acme Cloud"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        try assertGolden(grid, "workstation-80x24")
    }

    func testWorkstation200x60WithSideFeed() throws {
        let grid = view().frame(workstation(), size: GridSize(columns: 200, rows: 60), now: Fixtures.now)
        let text = grid.text
        XCTAssertTrue(text.contains("Activity"))
        XCTAssertTrue(text.contains("Card number field masked"))
        XCTAssertTrue(text.contains("Notes"))
        XCTAssertTrue(text.contains("Your plan renews on the 1st of every month. Update the card used for invoices below."))
        try assertGolden(grid, "workstation-200x60")
    }

    func testWorkstation80x24WithEndConfirmation() throws {
        let grid = view().frame(workstation(dialog: .character("e")), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("End session?"))
        try assertGolden(grid, "workstation-80x24-confirm-end")
    }

    func testTheQuestionsBeforeKeysThatCostACustomer() throws {
        let size = GridSize(columns: 80, rows: 24)
        let leave = view().frame(workstation(dialog: .character("q")), size: size, now: Fixtures.now)
        XCTAssertTrue(leave.text.contains("Leave the session?"))
        try assertGolden(leave, "workstation-80x24-confirm-leave")
        let quit = view().frame(workstation(dialog: .character("Q")), size: size, now: Fixtures.now)
        XCTAssertTrue(quit.text.contains("e  end and quit"))
        try assertGolden(quit, "workstation-80x24-confirm-quit")
        var start = lobby()
        _ = start.handle(key: .down)
        _ = start.handle(key: .enter)
        let asked = view().frame(start, size: size, now: Fixtures.now)
        XCTAssertTrue(asked.text.contains("Start a session?"), asked.text)
        try assertGolden(asked, "lobby-80x24-confirm-start")
    }

    func testAnEndedSessionOffersNoActionsAndCutHintsSaySoWhenCut() {
        var m = workstation()
        m.handle(.participants(ParticipantList(items: [Participant(name: "Maria S.", kind: .agent, controller: true)])))
        m.handle(.sessionEnded(SessionEnded(sessionId: "S-7f3a9c", reason: .agentEnded)))
        XCTAssertFalse(m.participants.contains { $0.controller }, "nobody holds control of an ended session")
        let ended = view().frame(m, size: GridSize(columns: 120, rows: 30), now: Fixtures.now).rows.last ?? ""
        XCTAssertTrue(ended.contains("SESSION ENDED"), ended)
        for action in ["m mode", "n note", "a annotate", "e end"] { XCTAssertFalse(ended.contains(action), "\(action) after the end: \(ended)") }
        let cut = view().frame(workstation(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now).rows.last ?? ""
        XCTAssertTrue(cut.contains("…? more"), cut)
        let wide = view().frame(workstation(), size: GridSize(columns: 200, rows: 60), now: Fixtures.now).rows.last ?? ""
        XCTAssertFalse(wide.contains("more"), wide)
    }

    func testWorkstationHelpOverlayListsTheKeys() throws {
        let grid = view().frame(workstation(dialog: .character("?")), size: GridSize(columns: 100, rows: 30), now: Fixtures.now)
        for (key, _) in DialogView.helpEntries(.session) { XCTAssertTrue(grid.text.contains(key), key) }
        try assertGolden(grid, "workstation-100x30-help")
    }

    func testLobby80x24() throws {
        let grid = view().frame(lobby(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("agent Maria S. (L2)"))
        XCTAssertTrue(grid.text.contains("My open sessions (1)"))
        XCTAssertTrue(grid.text.contains("TCK-1051"))
        XCTAssertFalse(grid.text.contains("S-0000ende"), "ended sessions are not listed")
        try assertGolden(grid, "lobby-80x24")
    }

    func testTooSmall20x5() throws {
        let grid = view().frame(workstation(), size: GridSize(columns: 20, rows: 5), now: Fixtures.now)
        XCTAssertEqual(grid.size, GridSize(columns: 20, rows: 5))
        let joined = grid.rows.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        XCTAssertTrue(joined.contains("Terminal too small — need at least 60x16, have 20x5"), joined)
        try assertGolden(grid, "too-small-20x5")
        // Also at 59x16 (one column short) and with a lobby.
        XCTAssertTrue(view().frame(lobby(), size: GridSize(columns: 59, rows: 16), now: Fixtures.now).text.contains("have 59x16"))
        XCTAssertFalse(view().frame(lobby(), size: GridSize(columns: 60, rows: 16), now: Fixtures.now).text.contains("too small"))
    }

    func testMonochromeWorkstationUsesNoColourButKeepsMeaning() {
        let grid = view(.monochromeTheme).frame(workstation(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertEqual(Set(grid.cells.map(\.bg)), [.black])
        XCTAssertTrue(grid.text.contains("MASKED"))
        XCTAssertTrue(grid[1, 0].style.contains(.reverse), "status bar in reverse video")
    }

    func testEveryScreenFitsEverySize() {
        let models = [lobby(), workstation(), workstation(dialog: .character("?")), workstation(dialog: .character("m")), workstation(dialog: .character("n"))]
        for (c, r) in [(20, 5), (60, 16), (80, 24), (120, 40), (200, 60), (333, 91)] {
            for m in models {
                let grid = view().frame(m, size: GridSize(columns: c, rows: r), now: Fixtures.now)
                XCTAssertEqual(grid.rows.count, r)
                XCTAssertFalse(grid.cells.contains { $0.glyph == "\u{FFFF}" })
            }
        }
    }
}

extension XCTestCase {
    /// Compares a screen with Golden/NAME.txt (`UPDATE_GOLDEN=1` rewrites; review the diff).
    func assertGolden(_ grid: CellGrid, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = GoldenScreenTests.goldenDirectory.appendingPathComponent("\(name).txt")
        let actual = grid.text + "\n"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: GoldenScreenTests.goldenDirectory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != actual {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false), e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }
            XCTFail("\(name) differs from Golden/\(name).txt at row \(first?.offset ?? min(a.count, e.count)):\n got: \(first?.element.0 ?? "")\nwant: \(first?.element.1 ?? "")\n(UPDATE_GOLDEN=1 rewrites)", file: file, line: line)
        }
    }
}
