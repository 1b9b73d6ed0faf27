import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Golden screens for issue 4: an annotated page (arrow, circle, rectangle,
/// label, spotlight, a viewer's pointer), the manager's approval dialog, the
/// action-waiting status and the participants panel.
/// `UPDATE_GOLDEN=1` rewrites them; review the diff.
final class ConsoleControlGoldenTests: XCTestCase {
    func view(_ theme: Theme = .dark) -> ConsoleView {
        ConsoleView(theme: theme, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
    }

    static func anchor(_ x: Double, _ y: Double) -> AnnotationAnchor { AnnotationAnchor.at(x: x, y: y, in: Fixtures.scene()) }

    static let marks: [Annotation] = [
        Annotation(id: "m1", tool: .arrow, at: anchor(300, 560), to: anchor(555, 380), author: "Maria S."),
        Annotation(id: "m2", tool: .circle, at: anchor(530, 588), to: anchor(712, 652), author: "Maria S."),
        Annotation(id: "m3", tool: .rectangle, at: anchor(548, 492), to: anchor(780, 546), author: "Maria S."),
        Annotation(id: "m4", tool: .label, at: anchor(930, 372), text: "Check the name", author: "Maria S."),
        Annotation(id: "m5", tool: .spotlight, at: anchor(250, 340), to: anchor(1010, 670), author: "Maria S."),
        Annotation(id: "m6", tool: .cursor, at: anchor(160, 600), author: "Maria S."),
    ]

    static let people = [Participant(name: "Maria S.", kind: .agent, controller: true), Participant(name: "Sam Okoro", kind: .watcher),
                         Participant(name: "Lee Chen", kind: .viewer)]

    func annotated(_ mode: ControlMode = .guided) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        var s = Fixtures.summary()
        s.controlMode = mode
        m.handle(.snapshot(SessionSnapshot(summary: s, scene: Fixtures.scene(), activity: Fixtures.activity(), notes: Fixtures.notes())))
        m.handle(.annotations(AnnotationSet(items: Self.marks)))
        m.handle(.agentPointer(AgentPointer(at: Self.anchor(330, 250), author: "Lee Chen")))
        m.handle(.participants(ParticipantList(items: Self.people)))
        m.now = Fixtures.now
        return m
    }

    func testAnnotatedPage80x24() throws {
        let grid = view().frame(annotated(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        for needle in ["Check the name", "LC", "┏", "┛", "◎", "Guided", "3 here · control: Maria S."] { XCTAssertTrue(text.contains(needle), needle) }
        XCTAssertTrue(text.contains("◥") || text.contains("▲") || text.contains("▶"), "an arrow head")
        XCTAssertFalse(containsDigitRun(text))
        try assertGolden(grid, "annotated-80x24")
    }

    func testAnnotatedPageWithPeoplePanel160x45() throws {
        let grid = view().frame(annotated(), size: GridSize(columns: 160, rows: 45), now: Fixtures.now)
        let text = grid.text
        for needle in ["People (3)", "◆ Maria S. — agent · has control", "· Sam Okoro — watching, read-only", "· Lee Chen — viewer in a browser",
                       "Check the name", "LC", "Activity"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        XCTAssertFalse(containsDigitRun(text))
        try assertGolden(grid, "annotated-160x45")
    }

    func testSpotlightDimsOnlyOutsideItsBox() {
        var m = annotated()
        let size = GridSize(columns: 80, rows: 24)
        let lit = view().frame(m, size: size, now: Fixtures.now)
        m.handle(.annotations(AnnotationSet(items: Self.marks.filter { $0.tool != .spotlight })))
        let plain = view().frame(m, size: size, now: Fixtures.now)
        // The page starts at row 3 and a cell is 16 x 40 px: the spotlight spans columns 15…63, rows 11…19.
        XCTAssertNotEqual(lit[2, 4].bg, plain[2, 4].bg, "the brand bar outside the spotlight is dimmed")
        XCTAssertEqual(lit[2, 4].glyph, plain[2, 4].glyph, "dimmed, not hidden")
        XCTAssertEqual(lit[40, 16].bg, plain[40, 16].bg, "inside the spotlight the page is untouched")
        XCTAssertEqual(lit[2, 0], plain[2, 0], "chrome is never dimmed")
    }

    func testMarksFollowTheirElementWhenThePageScrolls() {
        var m = annotated()
        let size = GridSize(columns: 80, rows: 24)
        func labelRow(_ grid: CellGrid) -> Int? { grid.rows.firstIndex { $0.contains("Check the name") } }
        let before = labelRow(view().frame(m, size: size, now: Fixtures.now))
        // The customer scrolls 200 px: the SDK moves every node up.
        var scrolled = Fixtures.scene(version: 4)
        scrolled.scroll = Point(x: 0, y: 200)
        scrolled.nodes = scrolled.nodes.map { n in var n = n; if n.id != "page" { n.rect.y -= 200 }; return n }
        m.handle(.scene(scrolled))
        let after = labelRow(view().frame(m, size: size, now: Fixtures.now))
        XCTAssertEqual(before.map { $0 - 5 }, after, "200 px is five rows at 40 px a row")
    }

    func testApprovalDialog80x24() throws {
        var m = ConsoleModel()
        m.handle(.lobby(Lobby(agent: Agent(name: "Priya N.", uid: 1002, level: .manager), tickets: Fixtures.lobby().tickets, sessions: [])))
        m.handle(.approvalRequest(ApprovalRequest(sessionId: "S-7f3a9c", ticket: Fixtures.ticket, agentName: "Maria S.", mode: .fullControl,
                                                  reason: "Customer has a broken keyboard and cannot type the billing address herself",
                                                  requestedAt: Fixtures.now)))
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        for needle in ["Full Control approval", "Maria S. asks for Full Control on TCK-1042", "Dana Whitfield", "Card update fails at checkout",
                       "broken keyboard", "y  approve", "n  deny", "Waiting for your approval (1)"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        try assertGolden(grid, "approval-dialog-80x24")
    }

    func testActionWaitingStatus80x24() throws {
        var m = annotated(.controlled)
        m.handle(.actionUpdate(ActionUpdate(id: "c-a1", state: .waiting, text: "Waiting for the customer: click Save")))
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now.addingTimeInterval(3))
        XCTAssertEqual(grid.rows[22].trimmingCharacters(in: .whitespaces), "Waiting for the customer: click Save… 12 s")
        XCTAssertTrue(grid.rows[23].contains("⏎ click"), grid.rows[23])
        try assertGolden(grid, "action-waiting-80x24")
    }

    func testAnnotateModeKeyBarAndDraft() throws {
        var m = annotated()
        _ = m.handle(key: .character("a"))
        _ = m.handle(key: .character("o"))
        _ = m.handle(key: .enter)
        for _ in 0..<6 { _ = m.handle(key: .right) }
        for _ in 0..<3 { _ = m.handle(key: .down) }
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertEqual(grid.rows[23].trimmingCharacters(in: .whitespaces), "✎ Circle: Enter 2nd point │ tools c w o r t s │ u undo C clear Esc leave")
        XCTAssertTrue(grid.text.contains("◆"), "the first point is marked while the circle is drawn")
        let wide = view().frame(m, size: GridSize(columns: 200, rows: 50), now: Fixtures.now)
        XCTAssertTrue(wide.rows[49].contains("✎ ANNOTATE  Circle: move with ←↑↓→ (Shift ×8) or the mouse, Enter sets the 2nd point"), wide.rows[49])
        try assertGolden(grid, "annotate-draft-80x24")
    }

    func testTheAgentsCursorNeverHidesAMark() {
        var m = annotated()
        let size = GridSize(columns: 80, rows: 24)
        let plain = view().frame(m, size: size, now: Fixtures.now)
        guard let row = plain.rows.firstIndex(where: { $0.contains("┗") }), let col = plain.rows[row].firstIndex(of: "┗") else {
            return XCTFail("the rectangle's corner")
        }
        let x = plain.rows[row].distance(from: plain.rows[row].startIndex, to: col)
        // Put the cursor on that cell.
        let area = WorkstationLayout(size: size, feedShown: false).view
        m.agentCursor = SceneProjection(viewport: Fixtures.scene().viewport, area: area).point(x: x - area.x, y: row - area.y)
        let grid = view().frame(m, size: size, now: Fixtures.now)
        XCTAssertEqual(grid[x, row].glyph, "┗", "the mark's glyph stays")
        XCTAssertEqual(grid[x, row].bg, Theme.dark.cursor.bg, "in the cursor's colours")
    }

    func testMonochromeMarksUseAttributesOnly() {
        let grid = view(.monochromeTheme).frame(annotated(), size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertEqual(Set(grid.cells.map(\.bg)), [.black])
        XCTAssertTrue(grid.text.contains("Check the name"))
    }

    func testEveryIssue4ScreenFitsEverySize() {
        var approval = ConsoleModel()
        approval.handle(.approvalRequest(ApprovalRequest(sessionId: "S-1", ticket: Fixtures.ticket, agentName: "Maria S.", mode: .fullControl,
                                                         reason: String(repeating: "long reason ", count: 40), requestedAt: Fixtures.now)))
        var hand = annotated(); _ = hand.handle(key: .character("h"))
        var prompt = annotated(); _ = prompt.handle(key: .character("v"))
        var drawing = annotated(); _ = drawing.handle(key: .character("a"))
        let help = { () -> ConsoleModel in var m = self.annotated(); _ = m.handle(key: .character("?")); return m }()
        for (c, r) in [(60, 16), (80, 24), (120, 40), (200, 60)] {
            for m in [annotated(), approval, hand, prompt, drawing, help] {
                let grid = view().frame(m, size: GridSize(columns: c, rows: r), now: Fixtures.now)
                XCTAssertEqual(grid.rows.count, r)
                XCTAssertFalse(grid.cells.contains { $0.glyph == "\u{FFFF}" })
            }
        }
        // The help fits at 80x24 in two columns, quit included.
        let small = view().frame(help, size: GridSize(columns: 80, rows: 24), now: Fixtures.now).text
        for key in ["Q ", "quit the console", "annotate", "hand over control"] { XCTAssertTrue(small.contains(key), key) }
    }

    /// No long digit runs (card-number-like) ever in a golden screen.
    func containsDigitRun(_ text: String) -> Bool {
        text.range(of: #"\d{9,}"#, options: .regularExpression) != nil
    }
}
