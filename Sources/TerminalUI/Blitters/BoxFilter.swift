/// Area-average resampling to the blitter's sample grid. Each target pixel
/// averages the source rectangle that maps onto it, so a downscale reads every
/// source byte exactly once and thin page details (1 px rules, text strokes)
/// survive as tints instead of aliasing away; an upscale degrades to nearest.
///
/// Two passes keep it fast: the source rows of one target row are summed into
/// a row of counters (a contiguous loop the compiler vectorises; 16-bit
/// counters while they cannot overflow), then each target pixel sums its
/// columns of that row and scales by a precomputed fixed-point reciprocal
/// (integer division per pixel costs more than everything else).
struct BoxFilter {
    private var xStart: [Int] = []
    private var xEnd: [Int] = []
    private var cachedWidths = (0, 0)
    private var sums16: [UInt16] = []
    private var sums32: [UInt32] = []
    /// Reciprocals (2^24 / n) per target column, keyed by rows per target row.
    private var reciprocals: [Int: [UInt64]] = [:]

    mutating func resample(_ src: UnsafeBufferPointer<UInt8>, width sw: Int, height sh: Int,
                           into dst: UnsafeMutableBufferPointer<UInt8>, width tw: Int, height th: Int) {
        precondition(dst.count >= tw * th * 3 && src.count >= sw * sh * 3)
        guard tw > 0, th > 0, sw > 0, sh > 0, let s = src.baseAddress, let d = dst.baseAddress else { return }
        if cachedWidths != (sw, tw) {
            xStart = (0..<tw).map { $0 * sw / tw * 3 }
            xEnd = (0..<tw).map { max($0 * sw / tw + 1, ($0 + 1) * sw / tw) * 3 }
            cachedWidths = (sw, tw)
            reciprocals = [:]
        }
        let rowBytes = sw * 3
        if sums16.count < rowBytes { sums16 = [UInt16](repeating: 0, count: rowBytes) }
        if sums32.count < rowBytes { sums32 = [UInt32](repeating: 0, count: rowBytes) }
        for ty in 0..<th {
            let y0 = ty * sh / th
            let y1 = max(y0 + 1, (ty + 1) * sh / th)
            let rows = y1 - y0
            if reciprocals[rows] == nil {
                reciprocals[rows] = (0..<tw).map { tx in
                    let n = UInt64(rows * (xEnd[tx] - xStart[tx]) / 3)
                    return ((1 << 24) + n / 2) / n
                }
            }
            let first = s + y0 * rowBytes
            let out = d + ty * tw * 3
            reciprocals[rows]!.withUnsafeBufferPointer { rc in
                xStart.withUnsafeBufferPointer { xs in
                    xEnd.withUnsafeBufferPointer { xe in
                        if rows <= 257 {
                            sums16.withUnsafeMutableBufferPointer { a in
                                Self.sumRows(first, rows: rows, rowBytes: rowBytes, into: a.baseAddress!)
                                Self.averageColumns(a.baseAddress!, xs, xe, rc, into: out)
                            }
                        } else {
                            sums32.withUnsafeMutableBufferPointer { a in
                                Self.sumRows(first, rows: rows, rowBytes: rowBytes, into: a.baseAddress!)
                                Self.averageColumns(a.baseAddress!, xs, xe, rc, into: out)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func sumRows<T: FixedWidthInteger & UnsignedInteger>(_ first: UnsafePointer<UInt8>, rows: Int, rowBytes: Int, into a: UnsafeMutablePointer<T>) {
        var p = first
        for i in 0..<rowBytes { a[i] = T(truncatingIfNeeded: p[i]) }
        for _ in 1..<rows {
            p += rowBytes
            for i in 0..<rowBytes { a[i] &+= T(truncatingIfNeeded: p[i]) }
        }
    }

    @inline(__always)
    private static func averageColumns<T: FixedWidthInteger & UnsignedInteger>(
        _ a: UnsafeMutablePointer<T>, _ xs: UnsafeBufferPointer<Int>, _ xe: UnsafeBufferPointer<Int>,
        _ rc: UnsafeBufferPointer<UInt64>, into out: UnsafeMutablePointer<UInt8>
    ) {
        var o = out
        for tx in 0..<xs.count {
            var r: UInt64 = 0, g: UInt64 = 0, b: UInt64 = 0
            var q = xs[tx]
            let end = xe[tx]
            while q < end {
                r &+= UInt64(truncatingIfNeeded: a[q]); g &+= UInt64(truncatingIfNeeded: a[q &+ 1]); b &+= UInt64(truncatingIfNeeded: a[q &+ 2])
                q &+= 3
            }
            let k = rc[tx]
            o[0] = UInt8(truncatingIfNeeded: (r &* k &+ (1 << 23)) &>> 24)
            o[1] = UInt8(truncatingIfNeeded: (g &* k &+ (1 << 23)) &>> 24)
            o[2] = UInt8(truncatingIfNeeded: (b &* k &+ (1 << 23)) &>> 24)
            o += 3
        }
    }

    /// Convenience for callers outside the hot path (fidelity reference, tests).
    static func resample(_ image: RGBImage, width tw: Int, height th: Int) -> RGBImage {
        var filter = BoxFilter()
        var out = [UInt8](repeating: 0, count: tw * th * 3)
        image.bytes.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in filter.resample(s, width: image.width, height: image.height, into: d, width: tw, height: th) }
        }
        return RGBImage(width: tw, height: th, bytes: out)
    }
}
