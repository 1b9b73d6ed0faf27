import Engine
import Foundation
import XCTest
@testable import TerminalUI

final class SceneViewTests: XCTestCase {
    func render(_ scene: Scene, _ cols: Int, _ rows: Int, theme: Theme = .dark, cursor: Point? = nil) -> CellGrid {
        let view = SceneView(theme: theme)
        var v = Layer(.view, width: cols, height: rows), m = Layer(.masks, width: cols, height: rows), a = Layer(.annotations, width: cols, height: rows)
        view.render(scene, area: CellRect(x: 0, y: 0, width: cols, height: rows), view: &v, masks: &m, annotations: &a, agentCursor: cursor)
        return Compositor().compose([a, m, v], width: cols, height: rows)
    }

    func testPageTextIsReadableAtEverySize() {
        for (c, r) in [(78, 18), (150, 53), (300, 80)] {
            var scene = Fixtures.scene()
            scene.pointer = nil
            let text = render(scene, c, r).text
            XCTAssertTrue(text.contains("Acme Cloud"), "\(c)x\(r)")
            XCTAssertTrue(text.contains("Billing"), "\(c)x\(r)")
            XCTAssertTrue(text.contains("[Name on card: Dana"), "\(c)x\(r)")
            XCTAssertTrue(text.contains("Save"), "\(c)x\(r)")
        }
    }

    func testMaskIsDrawnAsRedactionPatternWithLabel() {
        let grid = render(Fixtures.scene(), 150, 53)
        let rows = grid.rows
        XCTAssertTrue(rows.contains { $0.contains("MASKED · card number") })
        XCTAssertTrue(rows.contains { $0.contains("╳░╳░╳░") })
        // The mask covers what is under it even when a text node sits beneath.
        var scene = Fixtures.scene()
        scene.nodes.append(.text("leak", Rect(x: 560, y: 430, width: 420, height: 38), "SHOULD-NOT-SHOW", color: .black, z: 1))
        XCTAssertFalse(render(scene, 150, 53).text.contains("SHOULD-NOT-SHOW"))
        XCTAssertFalse(render(scene, 78, 18).text.contains("SHOULD"))
    }

    func testControlCharactersAndEscapeSequencesAreNeutralised() {
        let grid = render(Fixtures.scene(), 150, 53)
        XCTAssertTrue(grid.text.contains("Totally normal ␛[2J␛]0;pwned␇ text"))
        for cell in grid.cells {
            for s in cell.glyph.unicodeScalars {
                XCTAssertFalse(s.value < 0x20 || (0x7f...0x9f).contains(s.value), "control U+\(String(s.value, radix: 16)) reached the grid")
            }
        }
        XCTAssertEqual(SafeText.clean("a\u{202e}b\u{9b}c\td"), "ab�c d")
        XCTAssertEqual(SafeText.displayWidth("日本"), 4)
    }

    func testPasswordFieldValueIsNeverShown() {
        let scene = Scene(viewport: Size(width: 800, height: 600), url: "u", title: "t",
                          nodes: [.field("pw", Rect(x: 0, y: 0, width: 400, height: 40), label: "Password", value: "hunter2-fake", type: "password")])
        let text = render(scene, 80, 24).text
        XCTAssertTrue(text.contains("[Password: ••••••"))
        XCTAssertFalse(text.contains("hunter2"))
    }

    func testImageNodeIsBlittedWithItsColours() {
        let grid = render(Fixtures.scene(), 150, 53)
        let projection = SceneProjection(viewport: Size(width: 1280, height: 720), area: CellRect(x: 0, y: 0, width: 150, height: 53))
        let r = projection.cells(Rect(x: 260, y: 200, width: 980, height: 120))
        let left = grid[r.x + 1, r.y + 1], right = grid[r.maxX - 2, r.y + 1]
        XCTAssertGreaterThan(Int(left.bg.b), 200)    // indigo end of the banner
        XCTAssertGreaterThan(Int(right.bg.r), 200)   // pink end
        XCTAssertNotEqual(left.bg, right.bg)
    }

    func testLongTextWrapsInsideTallRectsAndEndsWithEllipsis() {
        let scene = Scene(viewport: Size(width: 100, height: 100), url: "u", title: "t",
                          nodes: [.text("p", Rect(x: 0, y: 0, width: 50, height: 20), "alpha beta gamma delta epsilon zeta", color: .black)])
        let rows = render(scene, 10, 10).rows.map { $0.trimmingCharacters(in: .whitespaces) }
        // Too long for its 5x2-cell box: it spills right into free cells, then wraps by
        // words onto the free rows below, so all of it is read.
        XCTAssertEqual(Array(rows.prefix(6)), ["alpha beta", "gamma", "delta", "epsilon", "zeta", ""])
        // With something below it, it keeps its two rows and ends in "…".
        let crowded = Scene(viewport: Size(width: 100, height: 100), url: "u", title: "t", nodes: [
            .text("p", Rect(x: 0, y: 0, width: 50, height: 20), "alpha beta gamma delta epsilon zeta", color: .black),
            .text("q", Rect(x: 0, y: 20, width: 100, height: 10), "below", color: .black),
        ])
        let cut = render(crowded, 10, 10).rows.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(Array(cut.prefix(3)), ["alpha beta", "gamma…", "below"])
    }

    func testAWordIsNeverBrokenOverRows() {
        // A sidebar entry narrower than its word, in a box two rows tall: whole on one row where the cells are free.
        let roomy = Scene(viewport: Size(width: 400, height: 100), url: "u", title: "t", nodes: [
            .text("nav", Rect(x: 0, y: 0, width: 60, height: 20), "Billing", color: .black),
        ])
        XCTAssertEqual(render(roomy, 40, 10).rows.prefix(2).map { $0.trimmingCharacters(in: .whitespaces) }, ["Billing", ""])
        // Hemmed in by text already drawn on its right: cut once with "…", not "Bil" / "lin" / "g".
        let crowded = Scene(viewport: Size(width: 400, height: 100), url: "u", title: "t", nodes: [
            .text("status", Rect(x: 30, y: 0, width: 370, height: 20), "· connected", color: .black, z: 1),
            .text("name", Rect(x: 0, y: 0, width: 30, height: 20), "Billing", color: .black, z: 2),
        ])
        let rows = render(crowded, 40, 10).rows.prefix(2).map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(rows[0].hasPrefix("Bi…") || rows[0].hasPrefix("B…"), "\(rows)")
        XCTAssertEqual(rows[1], "", "nothing of the word on the next row")
    }

    func testANameBesideItsStatusStaysWholeAndTheStatusMovesOver() {
        // The page lists the status first; at this size the name is wider in cells than its box.
        let scene = Scene(viewport: Size(width: 400, height: 100), url: "u", title: "t", nodes: [
            .text("status", Rect(x: 30, y: 0, width: 200, height: 10), "· not connected", color: .black),
            .text("name", Rect(x: 0, y: 0, width: 30, height: 10), "Jira", color: .black),
        ])
        let row = render(scene, 40, 10).rows[0].trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(row, "Jira· not connected")
    }

    func testAButtonLabelWiderThanItsButtonStaysOnTheButtonsColour() {
        let blue = RGB(37, 99, 235)
        let scene = Scene(viewport: Size(width: 400, height: 100), url: "u", title: "t", nodes: [
            .box("btn", Rect(x: 0, y: 0, width: 40, height: 10), background: blue, z: 1),
            .text("lbl", Rect(x: 0, y: 0, width: 40, height: 10), "Update payment", color: .white, z: 2),
        ])
        let grid = render(scene, 40, 10)
        XCTAssertEqual(grid.rows[0].trimmingCharacters(in: .whitespaces), "Update payment", "the label whole on one line")
        for x in 0..<14 { XCTAssertEqual(grid[x, 0].bg, blue, "cell \(x) of the label is on the button") }
    }

    func testLabelAndFieldSqueezedOntoOneRowDoNotGarbleEachOther() {
        // At 24 rows a label 20 px above its field lands on the field's row.
        let scene = Scene(viewport: Size(width: 1280, height: 720), url: "u", title: "t", nodes: [
            .text("lbl", Rect(x: 300, y: 300, width: 120, height: 18), "Work e-mail", color: .black),
            .field("mail", Rect(x: 300, y: 318, width: 400, height: 36), label: "Work e-mail", value: "[email]"),
        ])
        let rows = render(scene, 80, 18).rows.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(rows.contains("Work e-mail"), rows.joined(separator: "\n"))
        // The page writes the label beside the field, so the field shows its value alone.
        XCTAssertTrue(rows.contains { $0.hasPrefix("[[email]") && $0.hasSuffix("]") }, rows.joined(separator: "\n"))
    }

    func testTextWithNoFreeRowLeavesNoFragments() {
        // Three runs on the same cell row: the first wins, the others find the rows
        // around it or are dropped whole — never letters mixed into another run.
        let scene = Scene(viewport: Size(width: 800, height: 240), url: "u", title: "t", nodes: [
            .text("a", Rect(x: 0, y: 40, width: 100, height: 10), "Work e-mail", color: .black),
            .text("b", Rect(x: 0, y: 40, width: 120, height: 10), "Company name", color: .black),
            .text("c", Rect(x: 0, y: 40, width: 120, height: 10), "Time zone", color: .black),
            .text("d", Rect(x: 0, y: 40, width: 120, height: 10), "Dropped", color: .black),
        ])
        let rows = render(scene, 40, 6).rows.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(rows[1], "Work e-mail")
        XCTAssertEqual(rows[0], "Company name")
        XCTAssertEqual(rows[2], "Time zone")
        XCTAssertFalse(rows.joined().contains("Dropped"))
        XCTAssertFalse(rows.joined().contains("Drop"))
    }

    func testPointerAndAgentCursorAreAnnotations() {
        var scene = Fixtures.scene()
        scene.pointer = Point(x: 26, y: 132) // on the "B" of the sidebar's "Billing"
        let grid = render(scene, 160, 45, cursor: Point(x: 24, y: 84))
        let projection = SceneProjection(viewport: scene.viewport, area: CellRect(x: 0, y: 0, width: 160, height: 45))
        let p = projection.cell(scene.pointer!)
        XCTAssertEqual(grid[p.x, p.y].bg, Theme.dark.pointer.fg, "over text the pointer recolours the letter")
        XCTAssertEqual(grid[p.x, p.y].glyph, "B")
        var blank = scene
        blank.pointer = Point(x: 1200, y: 700)
        let q = projection.cell(blank.pointer!)
        XCTAssertEqual(render(blank, 160, 45)[q.x, q.y].glyph, "↖")
        let c = projection.cell(Point(x: 24, y: 84))
        XCTAssertEqual(grid[c.x, c.y].glyph, "A")             // the text under the cursor stays readable
        XCTAssertEqual(grid[c.x, c.y].bg, Theme.dark.cursor.bg) // but is highlighted
    }

    func testMonochromeKeepsTextAndMaskWithoutPageColours() {
        let grid = render(Fixtures.scene(), 150, 53, theme: .monochromeTheme)
        XCTAssertTrue(grid.text.contains("Acme Cloud"))
        XCTAssertTrue(grid.text.contains("MASKED"))
        let bgs = Set(grid.cells.map(\.bg))
        XCTAssertEqual(bgs, [.black])
    }
}
