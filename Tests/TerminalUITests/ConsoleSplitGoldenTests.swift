import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Golden screens for mirror mode and split view: the customer's page and the
/// page the agent shows side by side (160x45), stacked (80x24), and the
/// presenter link dialog (80x24). `UPDATE_GOLDEN=1` rewrites them; review the diff.
final class ConsoleSplitGoldenTests: XCTestCase {
    func view(_ theme: Theme = .dark) -> ConsoleView {
        ConsoleView(theme: theme, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Guided, with the customer's marks, a viewer's pointer and the agent's cursor on the
    /// customer's page, while the agent shows the help article, in split view.
    func split() -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        var s = Fixtures.summary()
        s.controlMode = .guided
        m.handle(.snapshot(SessionSnapshot(summary: s, scene: Fixtures.scene(), activity: Fixtures.activity(), notes: Fixtures.notes())))
        m.handle(.annotations(AnnotationSet(items: ConsoleControlGoldenTests.marks)))
        m.handle(.agentPointer(AgentPointer(at: ConsoleControlGoldenTests.anchor(330, 250), author: "Lee Chen")))
        m.handle(.presenting(PresentingState(active: true, by: "Maria S.")))
        m.handle(.presentedScene(Fixtures.shownPage()))
        m.agentCursor = Point(x: 700, y: 380)
        m.now = Fixtures.now
        _ = m.handle(key: .character("V"))
        return m
    }

    func testSplitView160x45SideBySide() throws {
        let m = split()
        let size = GridSize(columns: 160, rows: 45)
        let grid = view().frame(m, size: size, now: Fixtures.now)
        let text = grid.text
        for needle in ["Customer · Billing — Acme Cloud", "You show · Update the card on file — Acme Help", "Acme Help Centre",
                       "2. Press Edit next to the card.", "Open Billing", "Acme Cloud", "MASKED", "Split · Web · ▶ Showing │ ● REC", "Activity",
                       "Split view: Dana's page left, the page you show right · V next view", "V shown", "P stop"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        XCTAssertNil(text.range(of: #"\d{9,}"#, options: .regularExpression), "no card-number-like digit runs")

        // Each page drawn at its own size, and the customer's marks, pointers and cursor on the customer's pane only.
        let pages = PageLayout(view: WorkstationLayout(size: size, feedShown: false).view, mode: .split, terminalColumns: 160)
        let customer = try XCTUnwrap(pages.customer), shown = try XCTUnwrap(pages.shown)
        XCTAssertEqual(customer.width + 1 + shown.width, WorkstationLayout(size: size, feedShown: false).view.width)
        let layers = view().layers(m, size: size, now: Fixtures.now)
        let marks = try XCTUnwrap(layers.first { $0.kind == .annotations })
        func painted(_ x: Int, _ y: Int) -> Bool { if case .transparent = marks[x, y] { return false } else { return true } }
        var inCustomer = 0
        for y in 0..<size.rows {
            for x in 0..<size.columns where painted(x, y) {
                XCTAssertTrue(customer.holds(x, y) || shown.holds(x, y), "a mark outside the pages at \(x),\(y)")
                if customer.holds(x, y) { inCustomer += 1 }
            }
        }
        XCTAssertGreaterThan(inCustomer, 20, "the customer's marks are drawn")
        let shownMarks = (shown.y..<shown.maxY).flatMap { y in (shown.x..<shown.maxX).map { (x: $0, y: y) } }.filter { painted($0.x, $0.y) }
        XCTAssertEqual(shownMarks.count, 1, "only the shown page's own pointer: \(shownMarks)")
        let shownRows = grid.rows.map { String($0.dropFirst(shown.x).prefix(shown.width)) }.joined(separator: "\n")
        for mark in ["Check the name", "LC", "┏", "◎"] { XCTAssertFalse(shownRows.contains(mark), "\(mark) leaked into the shown pane") }
        try assertGolden(grid, "split-160x45")
    }

    func testSplitViewStacked80x24() throws {
        let m = split()
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        for needle in [" Customer · Billing — Acme Cloud", " You show · Update the card on file — Acme Help", "Acme Help Centre", "Split · Web · ▶ Showing",
                       "Split view: Dana's page above, the page you show below"] {
            XCTAssertTrue(text.contains(needle), needle)
        }
        let customerTitle = try XCTUnwrap(grid.rows.firstIndex { $0.hasPrefix(" Customer · ") })
        let shownTitle = try XCTUnwrap(grid.rows.firstIndex { $0.hasPrefix(" You show · ") })
        XCTAssertEqual(customerTitle, 3)
        XCTAssertGreaterThan(shownTitle, customerTitle + 5, "stacked: the shown page below the customer's")
        try assertGolden(grid, "split-stacked-80x24")
    }

    func testShownPageOnly80x24() {
        var m = split()
        _ = m.handle(key: .character("V"))
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        XCTAssertTrue(text.contains("Mirror · Web · ▶ Showing"), text)
        XCTAssertTrue(grid.rows[2].hasPrefix(" You show · Update the card on file — Acme Help"), grid.rows[2])
        XCTAssertTrue(text.contains("Acme Help Centre"))
        XCTAssertFalse(text.contains("Check the name") || text.contains("MASKED"), "the customer's page and marks are not drawn")
    }

    func testPresenterLinkDialog80x24() throws {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        m.handle(.snapshot(Fixtures.snapshot()))
        _ = m.handle(key: .character("P"))
        m.handle(.presenterLink(PresenterLink(link: Fixtures.presenterLink)))
        let grid = view().frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        let text = grid.text
        XCTAssertTrue(text.contains("Show Dana a page"))
        XCTAssertTrue(text.contains("Open this link in your own browser to show Dana a page:"))
        // The link whole, on a line of its own (so a terminal selection copies exactly it).
        let linkRow = try XCTUnwrap(grid.rows.first { $0.contains("/present/") })
        XCTAssertEqual(linkRow.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "│")).trimmingCharacters(in: .whitespaces),
                       Fixtures.presenterLink)
        XCTAssertTrue(text.contains("s  cancel it"))
        try assertGolden(grid, "presenter-link-80x24")
    }

    func testSplitScreensFitEverySize() {
        var waiting = split()
        waiting.handle(.presentedDelta(SceneDelta(baseVersion: 77, version: 78)))
        var shown = split(); _ = shown.handle(key: .character("V"))
        var stop = split(); _ = stop.handle(key: .character("P"))
        var link = split(); link.handle(.presenterLink(PresenterLink(link: Fixtures.presenterLink + String(repeating: "x", count: 120))))
        for (c, r) in [(60, 16), (80, 24), (119, 30), (120, 30), (160, 45), (333, 91)] {
            for m in [split(), waiting, shown, stop, link] {
                let grid = view().frame(m, size: GridSize(columns: c, rows: r), now: Fixtures.now)
                XCTAssertEqual(grid.rows.count, r)
                XCTAssertFalse(grid.cells.contains { $0.glyph == "\u{FFFF}" })
            }
        }
        // Monochrome: attributes only, both pages still drawn with their titles.
        let mono = view(.monochromeTheme).frame(split(), size: GridSize(columns: 160, rows: 45), now: Fixtures.now)
        XCTAssertEqual(Set(mono.cells.map(\.bg)), [.black])
        XCTAssertTrue(mono.text.contains(" Customer · ") && mono.text.contains(" You show · ") && mono.text.contains("Acme Help Centre"))
        let caughtUp = view().frame(waiting, size: GridSize(columns: 160, rows: 45), now: Fixtures.now).text
        XCTAssertTrue(caughtUp.contains("Catching up"), caughtUp)
        let confirm = view().frame(stop, size: GridSize(columns: 80, rows: 24), now: Fixtures.now).text
        XCTAssertTrue(confirm.contains("Stop showing your page?") && confirm.contains("y  stop showing"), confirm)
    }
}

private extension CellRect {
    func holds(_ x: Int, _ y: Int) -> Bool { x >= self.x && x < maxX && y >= self.y && y < maxY }
}
