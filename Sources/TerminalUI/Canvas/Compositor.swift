import Engine

/// Flattens layers into one grid in z-order. Pure: the same layers always give
/// the same grid, so golden tests see exactly what the terminal will get.
public struct Compositor {
    public var background: Cell
    public init(background: Cell = .blank) { self.background = background }

    public func compose(_ layers: [Layer], width: Int, height: Int) -> CellGrid {
        var grid = CellGrid(width: width, height: height, fill: background)
        for layer in layers.sorted(by: { $0.kind < $1.kind }) {
            let w = min(width, layer.width), h = min(height, layer.height)
            for y in 0..<h {
                for x in 0..<w {
                    switch layer[x, y] {
                    case .transparent: continue
                    case let .cell(c): grid[x, y] = c
                    case let .highlight(pen):
                        var c = grid[x, y]
                        c.fg = pen.fg; c.bg = pen.bg; c.style = c.style.intersection(.wideTail).union(pen.style)
                        grid[x, y] = c
                    }
                }
            }
        }
        return grid
    }
}

/// One cell that differs from the previous frame.
public struct CellChange: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var cell: Cell
}

/// Damage tracking: only changed cells go to the terminal (DESIGN: the real
/// cost is bytes on the wire, an unchanged frame should cost almost nothing).
public enum GridDiff {
    /// Every cell of `new` that differs from `old`; all cells when there is no
    /// previous frame or its size differs (after a resize nothing can be trusted).
    public static func changes(from old: CellGrid?, to new: CellGrid) -> [CellChange] {
        var out: [CellChange] = []
        guard let old, old.width == new.width, old.height == new.height else {
            out.reserveCapacity(new.width * new.height)
            for y in 0..<new.height { for x in 0..<new.width { out.append(CellChange(x: x, y: y, cell: new[x, y])) } }
            return out
        }
        new.cells.withUnsafeBufferPointer { n in
            old.cells.withUnsafeBufferPointer { o in
                for i in 0..<n.count where n[i] != o[i] {
                    out.append(CellChange(x: i % new.width, y: i / new.width, cell: n[i]))
                }
            }
        }
        return out
    }
}
