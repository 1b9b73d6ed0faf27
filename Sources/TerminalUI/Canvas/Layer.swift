import Engine

/// The console's fixed paint order (DESIGN §5): the customer's view, then
/// masks over it, then the agent's annotations, then chrome on top.
public enum LayerKind: Int, Comparable, CaseIterable, Sendable {
    case view = 0
    case masks = 1
    case annotations = 2
    case chrome = 3
    public static func < (a: LayerKind, b: LayerKind) -> Bool { a.rawValue < b.rawValue }
}

/// What a layer does to one cell. Most paint replaces the cell; a highlight
/// (the agent's cursor) keeps the glyph underneath and only recolours it, so
/// the agent still reads the text they are pointing at.
public enum Paint: Equatable, Sendable {
    case transparent
    case cell(Cell)
    case highlight(Pen)
}

/// A sparse sheet of paint the size of the screen.
public struct Layer: Sendable {
    public let kind: LayerKind
    public let width: Int
    public let height: Int
    public private(set) var paints: [Paint]

    public init(_ kind: LayerKind, width: Int, height: Int) {
        self.kind = kind; self.width = width; self.height = height
        paints = Array(repeating: .transparent, count: max(0, width * height))
    }

    public subscript(x: Int, y: Int) -> Paint {
        get { paints[y * width + x] }
        set { if x >= 0, y >= 0, x < width, y < height { paints[y * width + x] = newValue } }
    }

    /// Copies every cell of a fully drawn grid (placed at x, y) into the layer.
    public mutating func paint(_ grid: CellGrid, at x: Int = 0, y: Int = 0) {
        for gy in 0..<grid.height { for gx in 0..<grid.width { self[x + gx, y + gy] = .cell(grid[gx, gy]) } }
    }

    /// Copies only the cells of `grid` inside `region` (grid coordinates).
    public mutating func paint(_ grid: CellGrid, region: CellRect) {
        let r = region.intersection(grid.bounds)
        guard !r.isEmpty else { return }
        for gy in r.y..<r.maxY { for gx in r.x..<r.maxX { self[gx, gy] = .cell(grid[gx, gy]) } }
    }
}
