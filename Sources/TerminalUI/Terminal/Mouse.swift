/// Terminal mouse reports, read by the console itself rather than by ncurses.
///
/// ncurses folds mouse reports that arrive in one read into a single
/// "gesture" and keeps only the last: a quick drag (press, motion and
/// release in one packet, as any terminal over SSH sends it) reached the
/// console as a lone release, and no rectangle was drawn. So ncurses is not
/// asked for mouse events at all; the console turns on xterm's button-event
/// tracking with SGR coordinates (`CSI ? 1002 h`, `CSI ? 1006 h`) and decodes
/// every report in order. Terminals without SGR send the old X10 form, which
/// ncurses still announces as `KEY_MOUSE` before handing over its three bytes.
public enum MouseReport: Equatable, Sendable {
    /// Turns reporting on: button presses, releases, and motion while a button is held, in SGR form.
    public static let enable = "\u{1b}[?1002h\u{1b}[?1006h"
    public static let disable = "\u{1b}[?1006l\u{1b}[?1002l"

    /// The longest SGR report body after `ESC [ <` ("b;x;y"); anything longer is not a report.
    static let longestBody = 16
    /// Coordinates beyond any real terminal are garbage, not a position.
    static let largestCoordinate = 10_000

    /// An SGR report body ("0;31;21") and its final character: `M` press or motion, `m` release.
    /// Returns nil for anything malformed; nothing a terminal (or a stray paste) sends can trap here.
    public static func sgr(body: String, final: Character) -> Decoded? {
        guard final == "M" || final == "m", body.count <= longestBody else { return nil }
        let fields = body.split(separator: ";", omittingEmptySubsequences: false)
        guard fields.count == 3, let code = Int(fields[0]), let column = Int(fields[1]), let row = Int(fields[2]),
              (0...255).contains(code), (1...largestCoordinate).contains(column), (1...largestCoordinate).contains(row)
        else { return nil }
        return Decoded(code: code, x: column - 1, y: row - 1, released: final == "m")
    }

    /// The three bytes after `ESC [ M` in the X10 form: button code, column and row, each plus 32 (1-based).
    public static func x10(_ bytes: [UInt32]) -> Decoded? {
        guard bytes.count == 3, bytes.allSatisfy({ $0 >= 32 && $0 <= 255 }), bytes[1] > 32, bytes[2] > 32 else { return nil }
        let code = Int(bytes[0]) - 32
        // Button bits 3 without motion or the wheel are X10's "a button came up" (it does not say which).
        let released = code & 3 == 3 && code & (32 | 64) == 0
        return Decoded(code: released ? code & ~3 : code, x: Int(bytes[1]) - 33, y: Int(bytes[2]) - 33, released: released)
    }

    /// One report: xterm's button code (low two bits the button, +32 motion, +64 the wheel;
    /// 4, 8 and 16 are Shift, Meta and Ctrl, which the console ignores) at a 0-based cell.
    public struct Decoded: Equatable, Sendable {
        public let code: Int
        public let x: Int
        public let y: Int
        public let released: Bool

        var button: Int { code & 3 }
        var motion: Bool { code & 32 != 0 }
        var wheel: Bool { code & 64 != 0 }
    }
}

/// Turns decoded reports into the console's mouse events, remembering whether
/// button 1 is down so motion means a drag and a release ends one.
public struct MouseDecoder: Equatable, Sendable {
    /// Button 1 is down (motion then means a drag).
    public private(set) var buttonDown = false

    public init() {}

    public mutating func decode(_ report: MouseReport.Decoded) -> ConsoleMouse? {
        let (x, y) = (report.x, report.y)
        if report.wheel {
            switch report.button {
            case 0: return .wheelUp(x: x, y: y)
            case 1: return .wheelDown(x: x, y: y)
            default: return nil
            }
        }
        // Motion with button bits 3 is a hover (no button held): not a drag.
        if report.motion { return buttonDown && report.button == 0 ? .drag(x: x, y: y) : nil }
        guard report.button == 0 else { return nil }
        if report.released {
            guard buttonDown else { return nil }
            buttonDown = false
            return .release(x: x, y: y)
        }
        // A press while already down means the release was lost (focus left the window): start again here.
        buttonDown = true
        return .press(x: x, y: y)
    }
}
