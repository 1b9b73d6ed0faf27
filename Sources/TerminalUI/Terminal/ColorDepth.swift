import Engine

/// How many colours the terminal can show, decided once at start.
public enum ColorDepth: Equatable, Sendable, CustomStringConvertible {
    /// 24-bit RGB as colour numbers (terminals with the RGB capability, TERM=*-direct).
    case direct
    /// The xterm 256 palette; we use only the 240 non-system colours.
    case palette256
    /// 16 or 8 system colours.
    case basic(Int)
    /// No colour: attributes only (NO_COLOR, colourless terminals).
    case monochrome

    public var description: String {
        switch self {
        case .direct: "direct colour"
        case .palette256: "256 colours"
        case let .basic(n): "\(n) colours"
        case .monochrome: "monochrome"
        }
    }

    /// The decision, from facts the terminal layer gathers (pure, so it is tested).
    public static func detect(environment: [String: String], hasColors: Bool, colors: Int, hasRGB: Bool) -> ColorDepth {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .monochrome }
        guard hasColors, colors >= 8 else { return .monochrome }
        if terminfoIsDirect(environment: environment, colors: colors, hasRGB: hasRGB) { return .direct }
        // The terminal's own word (xterm, iTerm2, kitty, VTE, Windows Terminal, tmux set it),
        // which terminfo rarely carries: TERM is still xterm-256color almost everywhere.
        if colors >= 256 && saysDirectColor(environment) { return .direct }
        if colors >= 256 { return .palette256 }
        return .basic(colors >= 16 ? 16 : 8)
    }

    /// ncurses itself can address 24-bit colours (the terminfo entry has them).
    public static func terminfoIsDirect(environment: [String: String], colors: Int, hasRGB: Bool) -> Bool {
        colors >= 0x1000000 && (hasRGB || (environment["TERM"] ?? "").hasSuffix("-direct"))
    }

    /// `COLORTERM=truecolor` (or `24bit`).
    static func saysDirectColor(_ environment: [String: String]) -> Bool {
        ["truecolor", "24bit"].contains((environment["COLORTERM"] ?? "").lowercased())
    }

    /// The colour number for an RGB value at this depth (-1: terminal default).
    public func colorNumber(_ c: RGB) -> Int32 {
        switch self {
        case .direct:
            let v = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)
            // Under xterm-direct, 0–7 are palette indices, not RGB: nudge near-black up.
            return v < 8 ? 8 : v
        case .palette256: return Int32(Palette256.nearest240(c))
        case let .basic(n): return Int32(Palette256.nearestSystem(c, count: n))
        case .monochrome: return -1
        }
    }
}
