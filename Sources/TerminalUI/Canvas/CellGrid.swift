import Engine

/// A rectangle of cells, row-major. The whole console is drawn into one of
/// these before anything touches the terminal, so every screen is testable as text.
public struct CellGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var size: GridSize { GridSize(columns: width, rows: height) }
    public var bounds: CellRect { CellRect(x: 0, y: 0, width: width, height: height) }

    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes a cell if it is inside the grid; drawing off the edge is a no-op
    /// so widgets never need to clip by hand.
    public mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard contains(x: x, y: y) else { return }
        cells[y * width + x] = cell
    }

    public mutating func fill(_ rect: CellRect, with cell: Cell) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY { for x in r.x..<r.maxX { cells[y * width + x] = cell } }
    }

    /// Writes sanitised text on one row starting at (x, y), never past `maxX`
    /// (exclusive). Text that does not fit ends in "…". Returns the column after
    /// the last cell written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, pen: Pen, maxX: Int? = nil) -> Int {
        let limit = min(maxX ?? width, width)
        guard y >= 0, y < height, x < limit else { return x }
        let glyphs = SafeText.glyphs(text)
        let total = glyphs.reduce(0) { $0 + $1.width }
        var col = x
        let room = limit - x
        let truncate = total > room
        var used = 0
        for g in glyphs {
            if truncate && used + g.width > room - 1 { break }
            if col + g.width > limit { break }
            if col >= 0 { set(col, y, pen.cell(g.character)) }
            if g.width == 2 { set(col + 1, y, Cell(" ", fg: pen.fg, bg: pen.bg, style: pen.style.union(.wideTail))) }
            col += g.width; used += g.width
        }
        if truncate && col < limit && room > 0 { set(col, y, pen.cell("…")); col += 1 }
        return col
    }

    /// Rows as plain strings (glyphs only, wide-glyph tails skipped), for
    /// golden tests and `capture-pane`-style assertions.
    public var text: String { rows.joined(separator: "\n") }

    public var rows: [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width {
                let c = cells[y * width + x]
                if c.style.contains(.wideTail) { continue }
                line.append(c.glyph)
            }
            return line
        }
    }

    /// Copies `other` into this grid with its top-left at (x, y).
    public mutating func blit(_ other: CellGrid, x: Int, y: Int) {
        for oy in 0..<other.height { for ox in 0..<other.width { set(x + ox, y + oy, other[ox, oy]) } }
    }
}
