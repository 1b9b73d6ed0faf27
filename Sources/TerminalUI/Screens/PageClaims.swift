/// Which cells of the drawn page each text run, field and image stands on,
/// so one may overflow into cells no other claims and never into another's.
struct PageClaims {
    let width: Int
    let height: Int
    private var claims: [Int]

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        claims = [Int](repeating: -1, count: max(0, width * height))
    }

    mutating func claim(_ r: CellRect, by owner: Int) {
        let x0 = max(0, r.x), y0 = max(0, r.y), x1 = min(width, r.maxX), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 { for x in x0..<x1 where claims[y * width + x] == -1 { claims[y * width + x] = owner } }
    }

    /// On the page, and claimed by nobody else.
    func free(_ x: Int, _ y: Int, for owner: Int) -> Bool {
        guard x >= 0, x < width, y >= 0, y < height else { return false }
        let c = claims[y * width + x]
        return c == -1 || c == owner
    }

    /// `r` grown right and down towards `minimum`, as far as the cells there are free.
    func grown(_ r: CellRect, by owner: Int, minimum: GridSize) -> CellRect {
        var out = r
        while out.width < minimum.columns, (out.y..<out.maxY).allSatisfy({ free(out.maxX, $0, for: owner) }) { out.width += 1 }
        while out.height < minimum.rows, (out.x..<out.maxX).allSatisfy({ free($0, out.maxY, for: owner) }) { out.height += 1 }
        return out
    }
}
