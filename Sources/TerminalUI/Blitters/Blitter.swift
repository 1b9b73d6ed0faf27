import Engine

/// Which glyph family turns pixels into cells.
public enum BlitSymbols: String, CaseIterable, Sendable {
    /// U+2800 braille: 2x4 dots a cell, two colours (fg dots on bg).
    case braille
    /// U+2580 upper half block: 1x2 a cell, top pixel fg, bottom pixel bg.
    case half

    /// Sample pixels per cell (columns, rows).
    public var cellPixels: (x: Int, y: Int) {
        switch self { case .braille: (2, 4); case .half: (1, 2) }
    }
}

/// A blitted cell: one glyph (a Unicode scalar) with two colours. Kept as
/// plain values so a frame of them is one flat allocation.
public struct BlitCell: Equatable, Sendable {
    public var glyph: UInt32
    public var fg: RGB
    public var bg: RGB
    public init(glyph: UInt32, fg: RGB, bg: RGB) { self.glyph = glyph; self.fg = fg; self.bg = bg }

    public var character: Character { Character(Unicode.Scalar(glyph) ?? " ") }
    public var cell: Cell { Cell(character, fg: fg, bg: bg) }

    static let space: UInt32 = 0x20
    static let upperHalf: UInt32 = 0x2580
    static let brailleBase: UInt32 = 0x2800
}

/// Turns an RGB picture into cells of a given size with a direct per-cell
/// two-colour solver (the notcurses/timg kind): box-filter the picture once to
/// the sample grid, then for each cell split its pixels into two colour groups
/// and pick the glyph whose mask is that split. No allocation per frame once
/// the scratch buffers have grown to the frame size.
public final class Blitter {
    public let symbols: BlitSymbols
    private var filter = BoxFilter()
    private var samples: [UInt8] = []

    public init(symbols: BlitSymbols) { self.symbols = symbols }

    public func blit(_ image: RGBImage, columns: Int, rows: Int) -> [BlitCell] {
        var cells: [BlitCell] = []
        blit(image, columns: columns, rows: rows, into: &cells)
        return cells
    }

    /// Fills `cells` (row-major, columns x rows), reusing its storage.
    public func blit(_ image: RGBImage, columns: Int, rows: Int, into cells: inout [BlitCell]) {
        let count = max(0, columns * rows)
        if cells.count != count { cells = [BlitCell](repeating: BlitCell(glyph: BlitCell.space, fg: .black, bg: .black), count: count) }
        guard count > 0, image.width > 0, image.height > 0 else { return }
        let (px, py) = symbols.cellPixels
        let sw = columns * px, sh = rows * py
        if samples.count < sw * sh * 3 { samples = [UInt8](repeating: 0, count: sw * sh * 3) }
        image.bytes.withUnsafeBufferPointer { src in
            samples.withUnsafeMutableBufferPointer { dst in
                filter.resample(src, width: image.width, height: image.height, into: dst, width: sw, height: sh)
            }
        }
        samples.withUnsafeBufferPointer { s in
            cells.withUnsafeMutableBufferPointer { out in
                switch symbols {
                case .half: Self.solveHalf(s, columns: columns, rows: rows, into: out)
                case .braille: Self.solveBraille(s, columns: columns, rows: rows, into: out)
                }
            }
        }
    }

    private static func solveHalf(_ s: UnsafeBufferPointer<UInt8>, columns: Int, rows: Int, into out: UnsafeMutableBufferPointer<BlitCell>) {
        let stride = columns * 3
        for cy in 0..<rows {
            let top = cy * 2 * stride, bottom = top + stride
            for cx in 0..<columns {
                let t = top + cx * 3, b = bottom + cx * 3
                let fg = RGB(s[t], s[t + 1], s[t + 2]), bg = RGB(s[b], s[b + 1], s[b + 2])
                out[cy * columns + cx] = BlitCell(glyph: fg == bg ? BlitCell.space : BlitCell.upperHalf, fg: fg, bg: bg)
            }
        }
    }

    /// 65536 / n for the 1...7 pixels a braille colour group can hold, rounded up so 255s stay 255.
    @inline(__always) private static func reciprocal8(_ n: Int) -> Int {
        switch n { case 1: 65536; case 2: 32768; case 3: 21846; case 4: 16384; case 5: 13108; case 6: 10923; default: 9363 }
    }

    /// Braille dot bit for sample (dx, dy) of a 2x4 cell (Unicode's dot numbering).
    @inline(__always) private static func dotBit(_ i: Int) -> UInt32 {
        // i = dy * 2 + dx
        switch i {
        case 0: 0x01; case 1: 0x08; case 2: 0x02; case 3: 0x10
        case 4: 0x04; case 5: 0x20; case 6: 0x40; default: 0x80
        }
    }

    /// Two-means per cell: seed the split at the mid-luminance, then move every
    /// dot to the nearer of the two group means and recompute them once. The
    /// minority group becomes the dots, so text strokes on a page read as ink.
    private static func solveBraille(_ s: UnsafeBufferPointer<UInt8>, columns: Int, rows: Int, into out: UnsafeMutableBufferPointer<BlitCell>) {
        let stride = columns * 2 * 3
        var r = (0, 0, 0, 0, 0, 0, 0, 0), g = r, b = r, l = r
        withUnsafeMutableBytes(of: &r) { rb in
        withUnsafeMutableBytes(of: &g) { gb in
        withUnsafeMutableBytes(of: &b) { bb in
        withUnsafeMutableBytes(of: &l) { lb in
            let R = rb.bindMemory(to: Int.self), G = gb.bindMemory(to: Int.self)
            let B = bb.bindMemory(to: Int.self), L = lb.bindMemory(to: Int.self)
            for cy in 0..<rows {
                for cx in 0..<columns {
                    var lo = Int.max, hi = Int.min
                    for dy in 0..<4 {
                        let row = (cy * 4 + dy) * stride + cx * 6
                        for dx in 0..<2 {
                            let p = row + dx * 3, i = dy * 2 + dx
                            let rr = Int(s[p]), gg = Int(s[p + 1]), bbv = Int(s[p + 2])
                            R[i] = rr; G[i] = gg; B[i] = bbv
                            let lum = 2 * rr + 5 * gg + bbv
                            L[i] = lum
                            if lum < lo { lo = lum }
                            if lum > hi { hi = lum }
                        }
                    }
                    if hi - lo < 24 {
                        var sr = 0, sg = 0, sb = 0
                        for i in 0..<8 { sr += R[i]; sg += G[i]; sb += B[i] }
                        let c = RGB(UInt8((sr + 4) >> 3), UInt8((sg + 4) >> 3), UInt8((sb + 4) >> 3))
                        out[cy * columns + cx] = BlitCell(glyph: BlitCell.space, fg: c, bg: c)
                        continue
                    }
                    let mid = (lo + hi) >> 1
                    var mask = 0
                    for i in 0..<8 where L[i] > mid { mask |= 1 << i }
                    var ca = (0, 0, 0), cb = (0, 0, 0)
                    for pass in 0..<2 {
                        var ar = 0, ag = 0, ab = 0, an = 0, br = 0, bg = 0, bbs = 0, bn = 0
                        for i in 0..<8 {
                            if mask & (1 << i) != 0 { ar += R[i]; ag += G[i]; ab += B[i]; an += 1 }
                            else { br += R[i]; bg += G[i]; bbs += B[i]; bn += 1 }
                        }
                        if an == 0 || bn == 0 { break }
                        // Means by reciprocal: integer division per channel would cost more than the rest of the cell.
                        let ka = reciprocal8(an), kb = reciprocal8(bn)
                        ca = ((ar * ka + 0x8000) >> 16, (ag * ka + 0x8000) >> 16, (ab * ka + 0x8000) >> 16)
                        cb = ((br * kb + 0x8000) >> 16, (bg * kb + 0x8000) >> 16, (bbs * kb + 0x8000) >> 16)
                        if pass == 1 { break }
                        var next = 0
                        for i in 0..<8 {
                            let da = (R[i] - ca.0) * (R[i] - ca.0) + (G[i] - ca.1) * (G[i] - ca.1) + (B[i] - ca.2) * (B[i] - ca.2)
                            let db = (R[i] - cb.0) * (R[i] - cb.0) + (G[i] - cb.1) * (G[i] - cb.1) + (B[i] - cb.2) * (B[i] - cb.2)
                            if da < db { next |= 1 << i }
                        }
                        if next == mask || next == 0 || next == 0xff { break }
                        mask = next
                    }
                    // Dots are the minority group (ties: the darker one).
                    let bright = mask.nonzeroBitCount
                    let dotsAreBright = bright < 4
                    let dots = dotsAreBright ? mask : (~mask & 0xff)
                    let fg = dotsAreBright ? ca : cb, bg = dotsAreBright ? cb : ca
                    var glyph = BlitCell.brailleBase
                    for i in 0..<8 where dots & (1 << i) != 0 { glyph |= dotBit(i) }
                    out[cy * columns + cx] = BlitCell(glyph: glyph,
                                                      fg: RGB(UInt8(fg.0), UInt8(fg.1), UInt8(fg.2)),
                                                      bg: RGB(UInt8(bg.0), UInt8(bg.1), UInt8(bg.2)))
                }
            }
        }}}}
    }
}
