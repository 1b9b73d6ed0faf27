/// Page text comes from a stranger's browser: it must reach the terminal as
/// inert glyphs. Control characters (C0, C1, DEL) are shown as visible
/// control pictures — ESC becomes "␛" so an escape sequence prints as harmless
/// text — and bidi overrides and other invisible format characters are dropped
/// so the text cannot reorder or hide what the agent sees.
public enum SafeText {
    public struct Glyph: Equatable {
        public var character: Character
        /// Columns the glyph takes: 1, or 2 for East Asian wide and emoji.
        public var width: Int
    }

    public static func glyphs(_ text: String) -> [Glyph] {
        var out: [Glyph] = []
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            if ch.isASCII, let a = ch.asciiValue, a >= 0x20, a < 0x7f {
                out.append(Glyph(character: ch, width: 1)); continue
            }
            if ch == "\r\n" || ch == "\n" || ch == "\t" || ch == "\r" { out.append(Glyph(character: " ", width: 1)); continue }
            let scalars = ch.unicodeScalars
            guard let first = scalars.first else { continue }
            if let picture = controlPicture(first) { out.append(Glyph(character: picture, width: 1)); continue }
            if isInvisibleFormat(first) { continue }
            // A grapheme with a control or format character glued to it keeps only its safe scalars.
            var clean = String.UnicodeScalarView()
            for s in scalars where controlPicture(s) == nil && !isInvisibleFormat(s) { clean.append(s) }
            guard !clean.isEmpty else { continue }
            let safe = Character(String(clean))
            out.append(Glyph(character: safe, width: width(of: first)))
        }
        return out
    }

    /// Plain sanitised string (same rules, widths dropped).
    public static func clean(_ text: String) -> String {
        String(glyphs(text).map(\.character))
    }

    public static func displayWidth(_ text: String) -> Int { glyphs(text).reduce(0) { $0 + $1.width } }

    /// `text` cut to `width` cells, ending in "…" when something was left out.
    public static func fitted(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        guard displayWidth(text) > width else { return text }
        var out = "", used = 0
        for g in glyphs(text) {
            if used + g.width > width - 1 { break }
            out.append(g.character); used += g.width
        }
        return out + "…"
    }

    static func controlPicture(_ s: Unicode.Scalar) -> Character? {
        switch s.value {
        case 0x1b: return "␛"
        case 0x00...0x1f: return Character(Unicode.Scalar(0x2400 + s.value)!)
        case 0x7f: return "␡"
        case 0x80...0x9f: return "�"
        default: return nil
        }
    }

    static func isInvisibleFormat(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200b...0x200f, 0x202a...0x202e, 0x2060...0x2064, 0x2066...0x206f, 0xfeff, 0xfff9...0xfffb: return true
        case 0xe000...0xf8ff, 0xf0000...0x10ffff: return true // private use: font-dependent, may be anything
        default: return false
        }
    }

    /// East Asian Wide/Fullwidth and emoji presentation ranges (a compact
    /// subset of UAX #11 that covers what web pages use).
    static func width(of s: Unicode.Scalar) -> Int {
        switch s.value {
        case 0x1100...0x115f, 0x2e80...0x303e, 0x3041...0x33ff, 0x3400...0x4dbf, 0x4e00...0x9fff,
             0xa000...0xa4cf, 0xac00...0xd7a3, 0xf900...0xfaff, 0xfe30...0xfe4f, 0xff00...0xff60,
             0xffe0...0xffe6, 0x1f300...0x1f64f, 0x1f900...0x1f9ff, 0x20000...0x3fffd:
            return 2
        default:
            return 1
        }
    }
}
