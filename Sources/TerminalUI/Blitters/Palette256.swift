import Engine

/// The xterm 256-colour palette and nearest-colour lookup. Terminals without
/// direct colour get indices 16–255 only: the low 16 are theme-dependent
/// (DESIGN notes), so an RGB value could come out as anything there.
public enum Palette256 {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    public static func rgb(_ index: Int) -> RGB {
        switch index {
        case 0..<16: return system16[index]
        case 16..<232:
            let i = index - 16
            return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
        case 232..<256:
            let v = UInt8(8 + (index - 232) * 10)
            return RGB(v, v, v)
        default: return .black
        }
    }

    /// Nearest of the 240 non-system colours (6x6x6 cube or grey ramp).
    public static func nearest240(_ c: RGB) -> Int {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let (r, g, b) = (level(c.r), level(c.g), level(c.b))
        let cube = 16 + 36 * r + 6 * g + b
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyIndex = avg > 238 ? 23 : max(0, (avg - 3) / 10)
        let grey = 232 + min(23, greyIndex)
        return distance(rgb(cube), c) <= distance(rgb(grey), c) ? cube : grey
    }

    /// Nearest of the 16 (or 8) system colours, for basic terminals.
    public static func nearestSystem(_ c: RGB, count: Int) -> Int {
        var best = 0, bestD = Int.max
        for i in 0..<min(count, 16) {
            let d = distance(system16[i], c)
            if d < bestD { bestD = d; best = i }
        }
        return best
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    /// The VGA-ish defaults most terminals start from.
    static let system16: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]
}
