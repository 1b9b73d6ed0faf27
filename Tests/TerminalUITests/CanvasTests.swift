import Engine
import XCTest
@testable import TerminalUI

final class CanvasTests: XCTestCase {
    func testWriteClipsAndEndsWithEllipsis() {
        var g = CellGrid(width: 10, height: 1)
        let pen = Pen(fg: .white, bg: .black)
        g.write("customer connected", x: 0, y: 0, pen: pen)
        XCTAssertEqual(g.text, "customer …")
        var h = CellGrid(width: 10, height: 1)
        h.write("ok", x: 8, y: 0, pen: pen)
        h.write("off-grid", x: 3, y: 5, pen: pen) // no-op, no crash
        XCTAssertEqual(h.text, "        ok")
    }

    func testWideGlyphsTakeTwoCells() {
        var g = CellGrid(width: 6, height: 1)
        g.write("日本x", x: 0, y: 0, pen: Pen(fg: .white, bg: .black))
        XCTAssertEqual(g.text, "日本x ")
        XCTAssertTrue(g[1, 0].style.contains(.wideTail))
        XCTAssertEqual(g[4, 0].glyph, "x")
    }

    func testLayersComposeInZOrderWhateverTheArrayOrder() {
        var view = Layer(.view, width: 3, height: 1)
        var masks = Layer(.masks, width: 3, height: 1)
        var notes = Layer(.annotations, width: 3, height: 1)
        var chrome = Layer(.chrome, width: 3, height: 1)
        for x in 0..<3 { view[x, 0] = .cell(Cell("v")) }
        masks[1, 0] = .cell(Cell("╳"))
        masks[2, 0] = .cell(Cell("╳"))
        notes[1, 0] = .highlight(Pen(fg: .black, bg: RGB(255, 200, 0), style: .bold))
        chrome[2, 0] = .cell(Cell("!"))
        let grid = Compositor().compose([chrome, notes, masks, view], width: 3, height: 1)
        XCTAssertEqual(grid.text, "v╳!")
        XCTAssertEqual(grid[1, 0].bg, RGB(255, 200, 0)) // highlight recolours the mask glyph, keeps it
        XCTAssertEqual(grid[1, 0].glyph, "╳")
        XCTAssertTrue(grid[1, 0].style.contains(.bold))
    }

    func testDiffYieldsOnlyChangedCells() {
        var a = CellGrid(width: 4, height: 3)
        XCTAssertEqual(GridDiff.changes(from: nil, to: a).count, 12)
        XCTAssertEqual(GridDiff.changes(from: a, to: a), [])
        var b = a
        b[2, 1] = Cell("x")
        b[0, 2] = Cell(" ", bg: RGB(1, 2, 3))
        let changes = GridDiff.changes(from: a, to: b)
        XCTAssertEqual(changes, [CellChange(x: 2, y: 1, cell: Cell("x")), CellChange(x: 0, y: 2, cell: Cell(" ", bg: RGB(1, 2, 3)))])
        a = CellGrid(width: 5, height: 3)
        XCTAssertEqual(GridDiff.changes(from: a, to: b).count, 12, "a size change redraws everything")
    }

    func testCellRectIntersectionAndInset() {
        let r = CellRect(x: 2, y: 2, width: 10, height: 5)
        XCTAssertEqual(r.intersection(CellRect(x: 0, y: 0, width: 5, height: 4)), CellRect(x: 2, y: 2, width: 3, height: 2))
        XCTAssertTrue(r.intersection(CellRect(x: 50, y: 50, width: 1, height: 1)).isEmpty)
        XCTAssertEqual(r.inset(1), CellRect(x: 3, y: 3, width: 8, height: 3))
    }
}

final class ThemeTests: XCTestCase {
    func testTOMLSubset() throws {
        let v = try TOMLSubset.parse("""
        # comment
        name = "x"  # trailing
        monochrome = false
        [status]
        fg = "#112233"
        bold = true
        width = 3
        """)
        XCTAssertEqual(v["name"], .string("x"))
        XCTAssertEqual(v["status.fg"], .string("#112233"))
        XCTAssertEqual(v["status.bold"], .bool(true))
        XCTAssertEqual(v["status.width"], .int(3))
        XCTAssertThrowsError(try TOMLSubset.parse("[status\nfg = 1"))
        XCTAssertThrowsError(try TOMLSubset.parse("fg = [1, 2]"))
    }

    func testRepositoryThemesLoadAndDarkMatchesBuiltIn() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../themes").standardized.path
        let loader = ThemeLoader(environment: ["COBROWSE_THEMES": dir], currentDirectory: "/nonexistent", executablePath: nil)
        let dark = loader.load("dark")
        XCTAssertNil(dark.warning)
        XCTAssertTrue(dark.source.hasSuffix("themes/dark.toml"), dark.source)
        XCTAssertEqual(dark.theme, Theme.dark, "themes/dark.toml and the built-in default agree")
        let mono = loader.load("monochrome")
        XCTAssertTrue(mono.source.hasSuffix("monochrome.toml"), mono.source)
        XCTAssertEqual(mono.theme, Theme.monochromeTheme)
        let hc = loader.load("high-contrast")
        XCTAssertTrue(hc.source.hasSuffix("high-contrast.toml"), hc.source)
        XCTAssertEqual(hc.theme.base.bg, RGB(0, 0, 0))
        let light = loader.load("light")
        XCTAssertTrue(light.source.hasSuffix("light.toml"), light.source)
        XCTAssertEqual(light.theme.base.bg, RGB(244, 245, 247))
        // Every file in themes/ parses cleanly.
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasSuffix(".toml") {
            XCTAssertNoThrow(try Theme(toml: String(contentsOfFile: dir + "/" + file, encoding: .utf8), fallbackName: file), file)
        }
    }

    func testFallbacksWhenNoThemeFilesExist() {
        let loader = ThemeLoader(environment: [:], currentDirectory: "/nonexistent", executablePath: "/nonexistent/bin/cobrowse")
        XCTAssertEqual(loader.load(nil).theme, .dark)
        let missing = loader.load("solarized")
        XCTAssertEqual(missing.theme, .dark)
        XCTAssertNotNil(missing.warning)
        let noColor = ThemeLoader(environment: ["NO_COLOR": "1"], currentDirectory: "/nonexistent", executablePath: nil)
        XCTAssertTrue(noColor.load(nil).theme.monochrome)
        XCTAssertTrue(noColor.load("dark").theme.monochrome, "NO_COLOR wins over a colour theme")
    }
}
