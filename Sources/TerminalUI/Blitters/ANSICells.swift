import Engine

/// Reads a frame another program printed (chafa, timg, …) back into cells:
/// one cell per printed character, colours from SGR 38/48 (truecolour and 256),
/// 0/39/49 resets and 7 (reverse). Other escape sequences are skipped. Used to
/// score foreign output with exactly our fidelity metric.
public enum ANSICells {
    public static let defaultForeground = RGB(255, 255, 255)
    public static let defaultBackground = RGB(0, 0, 0)

    public static func parse(_ text: String) -> [[BlitCell]] {
        var rows: [[BlitCell]] = [[]]
        var fg = defaultForeground, bg = defaultBackground, reverse = false
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\u{1b}" {
                i += 1
                guard i < s.count else { break }
                if s[i] == "[" {
                    i += 1
                    var params = ""
                    while i < s.count, !(0x40...0x7e).contains(s[i].value) { params.unicodeScalars.append(s[i]); i += 1 }
                    guard i < s.count else { break }
                    if s[i] == "m" { applySGR(params, fg: &fg, bg: &bg, reverse: &reverse) }
                    i += 1
                } else if s[i] == "]" {
                    // OSC: skip to BEL or ST
                    while i < s.count, s[i] != "\u{07}", s[i] != "\u{1b}" { i += 1 }
                    i += 1
                } else { i += 1 }
                continue
            }
            if c == "\n" { rows.append([]); i += 1; continue }
            if c.value < 0x20 || c.value == 0x7f { i += 1; continue }
            rows[rows.count - 1].append(BlitCell(glyph: c.value, fg: reverse ? bg : fg, bg: reverse ? fg : bg))
            i += 1
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        return rows
    }

    /// Parses and pads/crops to exactly columns x rows (missing cells are
    /// default-background spaces) so frames of any origin score alike.
    public static func frame(_ text: String, columns: Int, rows: Int) -> [BlitCell] {
        let parsed = parse(text)
        var out: [BlitCell] = []
        out.reserveCapacity(columns * rows)
        for y in 0..<rows {
            let row = y < parsed.count ? parsed[y] : []
            for x in 0..<columns {
                out.append(x < row.count ? row[x] : BlitCell(glyph: 0x20, fg: defaultForeground, bg: defaultBackground))
            }
        }
        return out
    }

    static func applySGR(_ params: String, fg: inout RGB, bg: inout RGB, reverse: inout Bool) {
        let p = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        if p.isEmpty || params.isEmpty { fg = defaultForeground; bg = defaultBackground; reverse = false; return }
        var i = 0
        while i < p.count {
            switch p[i] {
            case 0: fg = defaultForeground; bg = defaultBackground; reverse = false
            case 7: reverse = true
            case 27: reverse = false
            case 39: fg = defaultForeground
            case 49: bg = defaultBackground
            case 30...37: fg = Palette256.rgb(p[i] - 30)
            case 40...47: bg = Palette256.rgb(p[i] - 40)
            case 90...97: fg = Palette256.rgb(p[i] - 90 + 8)
            case 100...107: bg = Palette256.rgb(p[i] - 100 + 8)
            case 38, 48:
                let isFg = p[i] == 38
                var colour: RGB?
                if i + 4 < p.count, p[i + 1] == 2 {
                    colour = RGB(UInt8(clamping: p[i + 2]), UInt8(clamping: p[i + 3]), UInt8(clamping: p[i + 4])); i += 4
                } else if i + 2 < p.count, p[i + 1] == 5 {
                    colour = Palette256.rgb(p[i + 2]); i += 2
                }
                if let colour { if isFg { fg = colour } else { bg = colour } }
            default: break
            }
            i += 1
        }
    }
}
