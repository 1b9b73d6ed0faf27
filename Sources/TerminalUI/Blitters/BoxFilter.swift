/// Area-average resampling to the blitter's sample grid. Each target pixel
/// averages the source rectangle that maps onto it, so a downscale reads every
/// source byte exactly once and thin page details (1 px rules, text strokes)
/// survive as tints instead of aliasing away; an upscale degrades to nearest.
///
/// Two passes keep it fast: the source rows of one target row are summed into
/// a row of counters (a contiguous loop the compiler vectorises), then each
/// target pixel sums its columns of that row and divides by a precomputed
/// fixed-point reciprocal (integer division per pixel costs more than the rest).
struct BoxFilter {
    private var xStart: [Int] = []
    private var xEnd: [Int] = []
    private var cachedWidths = (0, 0)
    private var rowSums: [UInt32] = []
    private var rowSums16: [UInt16] = []
    /// Reciprocals (2^24 / n) per target column, keyed by rows per target row.
    private var reciprocals: [Int: [UInt64]] = [:]

    mutating func resample(_ src: UnsafeBufferPointer<UInt8>, width sw: Int, height sh: Int,
                           into dst: UnsafeMutableBufferPointer<UInt8>, width tw: Int, height th: Int) {
        precondition(dst.count >= tw * th * 3 && src.count >= sw * sh * 3)
        guard tw > 0, th > 0, sw > 0, sh > 0 else { return }
        if cachedWidths != (sw, tw) {
            xStart = (0..<tw).map { $0 * sw / tw }
            xEnd = (0..<tw).map { max($0 * sw / tw + 1, ($0 + 1) * sw / tw) }
            cachedWidths = (sw, tw)
            reciprocals = [:]
        }
        if rowSums.count < sw * 3 { rowSums = [UInt32](repeating: 0, count: sw * 3) }
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        let rowBytes = sw * 3
        for ty in 0..<th {
            let y0 = ty * sh / th
            let y1 = max(y0 + 1, (ty + 1) * sh / th)
            let rows = y1 - y0
            if reciprocals[rows] == nil {
                reciprocals[rows] = (0..<tw).map { tx in
                    let n = UInt64(rows * (xEnd[tx] - xStart[tx]))
                    return ((1 << 24) + n / 2) / n
                }
            }
            let recip = reciprocals[rows]!
            rowSums.withUnsafeMutableBufferPointer { acc in
                let a = acc.baseAddress!
                Self.sumRows(s + y0 * rowBytes, rows: rows, rowBytes: rowBytes, into: a, scratch: &rowSums16)
                xStart.withUnsafeBufferPointer { xs in
                    xEnd.withUnsafeBufferPointer { xe in
                        recip.withUnsafeBufferPointer { rc in
                            var o = d + ty * tw * 3
                            for tx in 0..<tw {
                                var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                                var q = xs[tx] * 3
                                let end = xe[tx] * 3
                                while q < end { r &+= a[q]; g &+= a[q + 1]; b &+= a[q + 2]; q += 3 }
                                let k = rc[tx]
                                o[0] = UInt8(truncatingIfNeeded: (UInt64(r) * k + (1 << 23)) >> 24)
                                o[1] = UInt8(truncatingIfNeeded: (UInt64(g) * k + (1 << 23)) >> 24)
                                o[2] = UInt8(truncatingIfNeeded: (UInt64(b) * k + (1 << 23)) >> 24)
                                o += 3
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sums `rows` consecutive source rows column by column. Up to 257 rows fit
    /// 16-bit counters, which the vectoriser packs twice as densely as 32-bit.
    private static func sumRows(_ first: UnsafePointer<UInt8>, rows: Int, rowBytes: Int, into a: UnsafeMutablePointer<UInt32>, scratch: inout [UInt16]) {
        if rows > 257 {
            var p = first
            for i in 0..<rowBytes { a[i] = UInt32(p[i]) }
            for _ in 1..<rows { p += rowBytes; for i in 0..<rowBytes { a[i] &+= UInt32(p[i]) } }
            return
        }
        if scratch.count < rowBytes { scratch = [UInt16](repeating: 0, count: rowBytes) }
        scratch.withUnsafeMutableBufferPointer { buf in
            let h = buf.baseAddress!
            var p = first
            for i in 0..<rowBytes { h[i] = UInt16(p[i]) }
            for _ in 1..<rows { p += rowBytes; for i in 0..<rowBytes { h[i] &+= UInt16(p[i]) } }
            for i in 0..<rowBytes { a[i] = UInt32(h[i]) }
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
