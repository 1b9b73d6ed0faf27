import TerminalUI
import XCTest

/// The console's own reading of terminal mouse reports: both forms, in order,
/// and nothing a terminal or a stray paste sends can trap.
final class MouseReportTests: XCTestCase {
    func decodeAll(_ reports: [MouseReport.Decoded?]) -> [ConsoleMouse] {
        var decoder = MouseDecoder()
        return reports.compactMap { $0.flatMap { decoder.decode($0) } }
    }

    func testAnSGRDragIsPressDragReleaseAtZeroBasedCells() {
        let events = decodeAll([
            MouseReport.sgr(body: "0;31;21", final: "M"),
            MouseReport.sgr(body: "32;41;24", final: "M"),
            MouseReport.sgr(body: "0;51;26", final: "m"),
        ])
        XCTAssertEqual(events, [.press(x: 30, y: 20), .drag(x: 40, y: 23), .release(x: 50, y: 25)])
    }

    func testAnX10DragDecodesTheSameWayAndItsReleaseNamesNoButton() {
        func bytes(_ code: Int, _ x: Int, _ y: Int) -> [UInt32] { [UInt32(32 + code), UInt32(33 + x), UInt32(33 + y)] }
        let events = decodeAll([MouseReport.x10(bytes(0, 30, 20)), MouseReport.x10(bytes(32, 40, 23)), MouseReport.x10(bytes(3, 50, 25))])
        XCTAssertEqual(events, [.press(x: 30, y: 20), .drag(x: 40, y: 23), .release(x: 50, y: 25)])
    }

    func testTheWheelScrollsAndOtherButtonsModifiersAndHoverAreNotAClick() {
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "64;10;5", final: "M"), MouseReport.sgr(body: "65;10;5", final: "M")]),
                       [.wheelUp(x: 9, y: 4), .wheelDown(x: 9, y: 4)])
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "2;10;5", final: "M"), MouseReport.sgr(body: "2;10;5", final: "m")]), [],
                       "the right button is not button 1")
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "35;10;5", final: "M")]), [], "motion with no button held is a hover")
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "4;10;5", final: "M"), MouseReport.sgr(body: "4;12;5", final: "m")]),
                       [.press(x: 9, y: 4), .release(x: 11, y: 4)], "Shift with button 1 is still button 1")
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "0;10;5", final: "m")]), [], "a release with no press is not a click")
    }

    func testMalformedAndHostileReportsAreDroppedNotTrapped() {
        for body in ["", ";;", "0;1", "0;1;2;3", "a;1;1", "0;0;1", "0;1;0", "-1;5;5", "0;99999999999999999999;5",
                     "0;10001;5", "256;5;5", "0;5;5;;;;;;;;;;;;;;;;;;;", "0;5;\u{0}"] {
            XCTAssertNil(MouseReport.sgr(body: body, final: "M"), "body \(body.debugDescription)")
        }
        XCTAssertNil(MouseReport.sgr(body: "0;5;5", final: "x"))
        for bytes: [UInt32] in [[], [32, 40], [32, 40, 40, 40], [31, 40, 40], [32, 32, 40], [32, 40, 0x1F600], [32, 300, 40]] {
            XCTAssertNil(MouseReport.x10(bytes), "bytes \(bytes)")
        }
    }

    func testAPressWhileDownStartsAgainThereBecauseTheReleaseWasLost() {
        XCTAssertEqual(decodeAll([MouseReport.sgr(body: "0;1;1", final: "M"), MouseReport.sgr(body: "0;9;9", final: "M"),
                                  MouseReport.sgr(body: "0;12;9", final: "m")]),
                       [.press(x: 0, y: 0), .press(x: 8, y: 8), .release(x: 11, y: 8)])
    }
}
