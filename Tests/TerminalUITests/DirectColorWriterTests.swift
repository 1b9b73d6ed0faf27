import Engine
@testable import TerminalUI
import XCTest

/// The console's own 24-bit colour output, as the bytes a terminal receives.
final class DirectColorWriterTests: XCTestCase {
    let navy = RGB(31, 58, 95), white = RGB(255, 255, 255)

    func testARunOfCellsIsOneMoveOneSGRAndItsGlyphs() {
        let changes = "Hi".enumerated().map { CellChange(x: 3 + $0.offset, y: 1, cell: Cell($0.element, fg: white, bg: navy, style: .bold)) }
        XCTAssertEqual(DirectColorWriter.frame(changes), "\u{1b}[2;4H\u{1b}[0;1;38;2;255;255;255;48;2;31;58;95mHi\u{1b}[0m")
    }

    func testAGapMovesTheCursorAndAColourChangeIsANewSGR() {
        let a = Cell("a", fg: white, bg: navy), b = Cell("b", fg: navy, bg: white, style: [.underline, .reverse])
        let out = DirectColorWriter.frame([CellChange(x: 0, y: 0, cell: a), CellChange(x: 5, y: 0, cell: a), CellChange(x: 6, y: 0, cell: b)])
        XCTAssertEqual(out, "\u{1b}[1;1H\u{1b}[0;38;2;255;255;255;48;2;31;58;95ma\u{1b}[1;6Ha\u{1b}[0;4;7;38;2;31;58;95;48;2;255;255;255mb\u{1b}[0m")
    }

    func testAWideGlyphTakesTwoColumnsAndItsTailIsNotWritten() {
        let wide = Cell("界", fg: white, bg: navy), tail = Cell(" ", fg: white, bg: navy, style: .wideTail), next = Cell("x", fg: white, bg: navy)
        let out = DirectColorWriter.frame([CellChange(x: 0, y: 2, cell: wide), CellChange(x: 1, y: 2, cell: tail), CellChange(x: 2, y: 2, cell: next)])
        XCTAssertEqual(out, "\u{1b}[3;1H\u{1b}[0;38;2;255;255;255;48;2;31;58;95m界x\u{1b}[0m", "no move after the wide glyph: the terminal is already there")
    }

    func testNothingChangedIsNothingWritten() {
        XCTAssertEqual(DirectColorWriter.frame([]), "")
    }
}
