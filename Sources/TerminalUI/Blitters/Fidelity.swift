import Engine

/// How close a frame of cells is to the picture it came from.
///
/// Method (the same for our cells and for chafa's parsed output): the source is
/// box-filtered once to COLS*2 x ROWS*4 pixels (the braille dot grid); every
/// cell is turned back into 2x4 pixels by its glyph's coverage mask (braille
/// dots, half/quarter blocks, space = background) painted with its fg/bg; the
/// score is the mean absolute error per channel (0–255, lower is better) over
/// all pixels, with PSNR (dB, higher is better) alongside.
public struct BlitScore: Equatable, Sendable {
    public var meanAbsoluteError: Double
    public var psnr: Double
}

public enum BlitFidelity {
    public static let samplesPerCell = (x: 2, y: 4)

    public static func reference(_ image: RGBImage, columns: Int, rows: Int) -> RGBImage {
        BoxFilter.resample(image, width: columns * samplesPerCell.x, height: rows * samplesPerCell.y)
    }

    public static func score(_ cells: [BlitCell], columns: Int, rows: Int, source: RGBImage) -> BlitScore {
        score(cells, columns: columns, rows: rows, reference: reference(source, columns: columns, rows: rows))
    }

    public static func score(_ cells: [BlitCell], columns: Int, rows: Int, reference ref: RGBImage) -> BlitScore {
        precondition(cells.count == columns * rows && ref.width == columns * 2 && ref.height == rows * 4)
        var absSum = 0.0, sqSum = 0.0
        for cy in 0..<rows {
            for cx in 0..<columns {
                let c = cells[cy * columns + cx]
                let cover = coverage(c.glyph)
                for dy in 0..<4 {
                    for dx in 0..<2 {
                        let w = cover[dy * 2 + dx]
                        let (sr, sg, sb) = ref[cx * 2 + dx, cy * 4 + dy]
                        for (a, f, b) in [(sr, c.fg.r, c.bg.r), (sg, c.fg.g, c.bg.g), (sb, c.fg.b, c.bg.b)] {
                            let v = w * Double(f) + (1 - w) * Double(b)
                            let e = abs(v - Double(a))
                            absSum += e; sqSum += e * e
                        }
                    }
                }
            }
        }
        let n = Double(columns * rows * 8 * 3)
        let mse = sqSum / max(n, 1)
        return BlitScore(meanAbsoluteError: absSum / max(n, 1), psnr: mse == 0 ? 99 : 10 * log10(255 * 255 / mse))
    }

    /// Foreground coverage of each of a glyph's 2x4 samples (index dy*2+dx).
    public static func coverage(_ glyph: UInt32) -> [Double] {
        func fromBits(_ bits: [Bool]) -> [Double] { bits.map { $0 ? 1 : 0 } }
        switch glyph {
        case 0x2800...0x28ff:
            let b = glyph - 0x2800
            let order: [UInt32] = [0x01, 0x08, 0x02, 0x10, 0x04, 0x20, 0x40, 0x80]
            return order.map { b & $0 != 0 ? 1 : 0 }
        case 0x20, 0xa0, 0x3000: return Array(repeating: 0, count: 8)
        case 0x2588: return Array(repeating: 1, count: 8)
        case 0x2580: return fromBits([true, true, true, true, false, false, false, false])
        case 0x2584: return fromBits([false, false, false, false, true, true, true, true])
        case 0x258c: return fromBits([true, false, true, false, true, false, true, false])
        case 0x2590: return fromBits([false, true, false, true, false, true, false, true])
        case 0x2596...0x259f:
            // quadrants: upper-left, upper-right, lower-left, lower-right
            let table: [UInt32: (Bool, Bool, Bool, Bool)] = [
                0x2596: (false, false, true, false), 0x2597: (false, false, false, true), 0x2598: (true, false, false, false),
                0x2599: (true, false, true, true), 0x259a: (true, false, false, true), 0x259b: (true, true, true, false),
                0x259c: (true, true, false, true), 0x259d: (false, true, false, false), 0x259e: (false, true, true, false),
                0x259f: (false, true, true, true),
            ]
            let q = table[glyph]!
            return fromBits([q.0, q.1, q.0, q.1, q.2, q.3, q.2, q.3])
        case 0x2591: return Array(repeating: 0.25, count: 8)
        case 0x2592: return Array(repeating: 0.5, count: 8)
        case 0x2593: return Array(repeating: 0.75, count: 8)
        default:
            // Any other glyph (letters, lines): assume it inks about half the cell.
            return Array(repeating: 0.5, count: 8)
        }
    }
}

import Foundation
