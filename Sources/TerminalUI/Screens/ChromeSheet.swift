import Engine

/// A grid for chrome that starts fully transparent: widgets draw on it with
/// the ordinary CellGrid API and only what they touched becomes layer paint.
struct ChromeSheet {
    /// A noncharacter no widget ever writes marks "nothing drawn here".
    static let untouched = Cell("\u{FFFF}")
    var grid: CellGrid

    init(size: GridSize) { grid = CellGrid(width: size.columns, height: size.rows, fill: Self.untouched) }

    func layer(_ kind: LayerKind = .chrome) -> Layer {
        var layer = Layer(kind, width: grid.width, height: grid.height)
        for y in 0..<grid.height { for x in 0..<grid.width where grid[x, y] != Self.untouched { layer[x, y] = .cell(grid[x, y]) } }
        return layer
    }
}
