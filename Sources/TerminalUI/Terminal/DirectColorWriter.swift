import Engine

/// Writes a frame's changed cells as 24-bit colour escape sequences, for a
/// terminal that says it takes direct colour (`COLORTERM=truecolor`) under a
/// terminfo entry that cannot say so (`TERM=xterm-256color`, the usual case):
/// ncurses numbers colours by the terminfo and would round every colour to the
/// 256 palette, the dark theme's navy status bar to grey. Pure: changes in,
/// bytes out, so it is tested as text.
public enum DirectColorWriter {
    /// The bytes for one frame: cursor moves only where a change does not follow
    /// the last one, an SGR only where the colours or attributes change, and the
    /// attributes reset at the end so the terminal's own state is left clean.
    public static func frame(_ changes: [CellChange]) -> String {
        var out = ""
        out.reserveCapacity(changes.count * 4)
        var cursor: (x: Int, y: Int)?
        var pen: (fg: RGB, bg: RGB, style: CellStyle)?
        for change in changes {
            let cell = change.cell
            // The right half of a wide glyph: the terminal draws it with the left half.
            if cell.style.contains(.wideTail) { continue }
            if cursor.map({ $0.x != change.x || $0.y != change.y }) ?? true {
                out += "\u{1b}[\(change.y + 1);\(change.x + 1)H"
            }
            let style = cell.style.subtracting(.wideTail)
            if pen.map({ $0.fg != cell.fg || $0.bg != cell.bg || $0.style != style }) ?? true {
                out += sgr(fg: cell.fg, bg: cell.bg, style: style)
                pen = (cell.fg, cell.bg, style)
            }
            out.append(cell.glyph)
            cursor = (change.x + max(1, SafeText.displayWidth(String(cell.glyph))), change.y)
        }
        if pen != nil { out += "\u{1b}[0m" }
        return out
    }

    /// Reset, then the attributes and both colours in one sequence.
    static func sgr(fg: RGB, bg: RGB, style: CellStyle) -> String {
        var codes = ["0"]
        if style.contains(.bold) { codes.append("1") }
        if style.contains(.dim) { codes.append("2") }
        if style.contains(.italic) { codes.append("3") }
        if style.contains(.underline) { codes.append("4") }
        if style.contains(.reverse) { codes.append("7") }
        codes.append("38;2;\(fg.r);\(fg.g);\(fg.b)")
        codes.append("48;2;\(bg.r);\(bg.g);\(bg.b)")
        return "\u{1b}[" + codes.joined(separator: ";") + "m"
    }
}
