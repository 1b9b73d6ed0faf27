import Engine
import Foundation
import XCTest
@testable import TerminalUI

final class BlitterTests: XCTestCase {
    func image(_ w: Int, _ h: Int, _ f: (Int, Int) -> (UInt8, UInt8, UInt8)) -> RGBImage {
        var img = RGBImage(width: w, height: h)
        for y in 0..<h { for x in 0..<w { img[x, y] = f(x, y) } }
        return img
    }

    func testHalfBlockPutsTopInForegroundAndBottomInBackground() {
        // 1 cell: top half red, bottom half blue.
        let img = image(4, 8) { _, y in y < 4 ? (255, 0, 0) : (0, 0, 255) }
        let cells = Blitter(symbols: .half).blit(img, columns: 1, rows: 1)
        XCTAssertEqual(cells, [BlitCell(glyph: 0x2580, fg: RGB(255, 0, 0), bg: RGB(0, 0, 255))])
    }

    func testUniformAreaBecomesASpaceWithThatBackground() {
        let img = image(16, 16) { _, _ in (10, 200, 30) }
        for symbols in BlitSymbols.allCases {
            let cells = Blitter(symbols: symbols).blit(img, columns: 2, rows: 2)
            XCTAssertEqual(cells.count, 4)
            for c in cells { XCTAssertEqual(c.glyph, 0x20); XCTAssertEqual(c.bg, RGB(10, 200, 30)) }
        }
    }

    func testBrailleLeftColumnOfDotsOnBlack() {
        // 2x4 pixels: left column white, right column black -> dots 1,2,3,7 (0x47) white on black.
        let img = image(2, 4) { x, _ in x == 0 ? (255, 255, 255) : (0, 0, 0) }
        let cells = Blitter(symbols: .braille).blit(img, columns: 1, rows: 1)
        XCTAssertEqual(cells.count, 1)
        // Equal halves: the darker group is the dots.
        XCTAssertEqual(cells[0].glyph, 0x2800 | 0x08 | 0x10 | 0x20 | 0x80)
        XCTAssertEqual(cells[0].fg, .black)
        XCTAssertEqual(cells[0].bg, .white)
        let score = BlitFidelity.score(cells, columns: 1, rows: 1, source: img)
        XCTAssertEqual(score.meanAbsoluteError, 0, accuracy: 1e-9)
    }

    func testBrailleSingleDarkDotIsTheMinority() {
        // One dark pixel (dot 8 position: x=1,y=3) on white.
        let img = image(2, 4) { x, y in (x == 1 && y == 3) ? (0, 0, 0) : (250, 250, 250) }
        let c = Blitter(symbols: .braille).blit(img, columns: 1, rows: 1)[0]
        XCTAssertEqual(c.glyph, 0x2880)
        XCTAssertEqual(c.fg, .black)
        XCTAssertEqual(c.bg, RGB(250, 250, 250))
    }

    func testBrailleBeatsHalfBlockOnFineDetail() {
        // Thin vertical strokes (like text): braille's 2x4 grid resolves them, half blocks cannot.
        let img = image(320, 180) { x, y in (x % 3 == 0 && y % 6 < 3) ? (20, 20, 20) : (245, 245, 245) }
        let braille = Blitter(symbols: .braille).blit(img, columns: 160, rows: 45)
        let half = Blitter(symbols: .half).blit(img, columns: 160, rows: 45)
        let b = BlitFidelity.score(braille, columns: 160, rows: 45, source: img)
        let h = BlitFidelity.score(half, columns: 160, rows: 45, source: img)
        XCTAssertLessThan(b.meanAbsoluteError, h.meanAbsoluteError)
        XCTAssertLessThan(b.meanAbsoluteError, 5)
    }

    func testUpscalingASmallPixelBlockFillsEveryCell() {
        let img = image(4, 2) { x, _ in x < 2 ? (255, 0, 0) : (0, 255, 0) }
        let cells = Blitter(symbols: .braille).blit(img, columns: 10, rows: 5)
        XCTAssertEqual(cells.count, 50)
        XCTAssertEqual(cells[0].bg, RGB(255, 0, 0))
        XCTAssertEqual(cells[9].bg, RGB(0, 255, 0))
    }

    func testBlitterReusesOutputAcrossSizes() {
        let img = image(64, 64) { x, y in (UInt8(x * 4), UInt8(y * 4), 128) }
        let b = Blitter(symbols: .braille)
        var cells: [BlitCell] = []
        b.blit(img, columns: 8, rows: 4, into: &cells)
        XCTAssertEqual(cells.count, 32)
        b.blit(img, columns: 16, rows: 8, into: &cells)
        XCTAssertEqual(cells.count, 128)
    }

    func testPPMRoundTripAndErrors() throws {
        let img = image(3, 2) { x, y in (UInt8(x * 50), UInt8(y * 70), 9) }
        XCTAssertEqual(try PPM.decode(PPM.encode(img)), img)
        let commented = Data("P6\n# made by a test\n3 2\n255\n".utf8) + Data(img.bytes)
        XCTAssertEqual(try PPM.decode(commented), img)
        XCTAssertThrowsError(try PPM.decode(Data("P3\n1 1\n255\n0 0 0".utf8))) { XCTAssertEqual($0 as? PPMError, .notP6) }
        XCTAssertThrowsError(try PPM.decode(Data("P6\n2 2\n255\n".utf8) + Data([1, 2, 3]))) {
            XCTAssertEqual($0 as? PPMError, .truncated(expected: 12, got: 3))
        }
    }

    func testANSIParserReadsChafaStyleTruecolourBraille() {
        let text = "\u{1b}[?25l\u{1b}[0m\u{1b}[38;2;255;0;0;48;2;0;0;255m⣿\u{1b}[7m▀\u{1b}[0m \n\u{1b}[38;5;196m⠁\u{1b}[0m\n"
        let rows = ANSICells.parse(text)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0][0], BlitCell(glyph: 0x28ff, fg: RGB(255, 0, 0), bg: RGB(0, 0, 255)))
        XCTAssertEqual(rows[0][1], BlitCell(glyph: 0x2580, fg: RGB(0, 0, 255), bg: RGB(255, 0, 0)))
        XCTAssertEqual(rows[0][2], BlitCell(glyph: 0x20, fg: ANSICells.defaultForeground, bg: ANSICells.defaultBackground))
        XCTAssertEqual(rows[1][0].fg, RGB(255, 0, 0))
        // Scoring our own output through print → parse gives the same score.
        let img = image(32, 16) { x, y in (UInt8(x * 8), UInt8(y * 16), UInt8((x + y) * 4)) }
        let cells = Blitter(symbols: .braille).blit(img, columns: 16, rows: 4)
        var printed = ""
        for y in 0..<4 {
            for x in 0..<16 {
                let c = cells[y * 16 + x]
                printed += "\u{1b}[38;2;\(c.fg.r);\(c.fg.g);\(c.fg.b)m\u{1b}[48;2;\(c.bg.r);\(c.bg.g);\(c.bg.b)m\(c.character)"
            }
            printed += "\u{1b}[0m\n"
        }
        XCTAssertEqual(ANSICells.frame(printed, columns: 16, rows: 4), cells)
    }

    func testPalette240NeverUsesSystemColours() {
        for c in [RGB(0, 0, 0), RGB(255, 255, 255), RGB(255, 0, 0), RGB(18, 20, 24), RGB(128, 128, 128)] {
            XCTAssertGreaterThanOrEqual(Palette256.nearest240(c), 16)
        }
        XCTAssertEqual(Palette256.nearest240(RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette256.rgb(196), RGB(255, 0, 0))
    }

    func testColourDepthDetection() {
        XCTAssertEqual(ColorDepth.detect(environment: ["NO_COLOR": "1", "TERM": "xterm-direct"], hasColors: true, colors: 0x1000000, hasRGB: true), .monochrome)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-direct"], hasColors: true, colors: 0x1000000, hasRGB: true), .direct)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color"], hasColors: true, colors: 256, hasRGB: false), .palette256)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm"], hasColors: true, colors: 8, hasRGB: false), .basic(8))
        // The terminal's own word: COLORTERM, under the 256-colour terminfo nearly every terminal keeps.
        for said in ["truecolor", "24bit", "TrueColor"] {
            XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color", "COLORTERM": said], hasColors: true, colors: 256, hasRGB: false), .direct)
        }
        XCTAssertFalse(ColorDepth.terminfoIsDirect(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], colors: 256, hasRGB: false),
                       "so the console writes those colours itself")
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color", "COLORTERM": "yes"], hasColors: true, colors: 256, hasRGB: false), .palette256)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm", "COLORTERM": "truecolor"], hasColors: true, colors: 8, hasRGB: false), .basic(8),
                       "an 8-colour terminfo is believed over the variable")
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"], hasColors: true, colors: 256, hasRGB: false), .monochrome)
        XCTAssertEqual(ColorDepth.detect(environment: ["TERM": "vt100"], hasColors: false, colors: 0, hasRGB: false), .monochrome)
        // Under direct colour, 0-7 are palette indices: near-black is nudged off them.
        XCTAssertEqual(ColorDepth.direct.colorNumber(.black), 8)
        XCTAssertEqual(ColorDepth.direct.colorNumber(RGB(1, 2, 3)), 0x010203)
        XCTAssertGreaterThanOrEqual(ColorDepth.palette256.colorNumber(.black), 16)
    }
}
