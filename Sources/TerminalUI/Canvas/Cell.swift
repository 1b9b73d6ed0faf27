import Engine

/// Text attributes a cell may carry. Kept separate from colour so a
/// monochrome terminal can still show emphasis, selection and redaction.
public struct CellStyle: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = CellStyle(rawValue: 1 << 0)
    public static let dim = CellStyle(rawValue: 1 << 1)
    public static let underline = CellStyle(rawValue: 1 << 2)
    public static let reverse = CellStyle(rawValue: 1 << 3)
    public static let italic = CellStyle(rawValue: 1 << 4)
    /// The right half of a double-width glyph: the terminal draws nothing here.
    public static let wideTail = CellStyle(rawValue: 1 << 5)
}

/// One terminal cell: a single grapheme with its colours and attributes.
public struct Cell: Equatable, Hashable, Sendable {
    public var glyph: Character
    public var fg: RGB
    public var bg: RGB
    public var style: CellStyle

    public init(_ glyph: Character = " ", fg: RGB = RGB(220, 220, 220), bg: RGB = RGB(0, 0, 0), style: CellStyle = []) {
        self.glyph = glyph; self.fg = fg; self.bg = bg; self.style = style
    }

    public static let blank = Cell()
}

/// A colour pair with attributes: how widgets and themes describe "draw like this".
public struct Pen: Equatable, Hashable, Sendable {
    public var fg: RGB
    public var bg: RGB
    public var style: CellStyle
    public init(fg: RGB, bg: RGB, style: CellStyle = []) { self.fg = fg; self.bg = bg; self.style = style }

    public func cell(_ glyph: Character) -> Cell { Cell(glyph, fg: fg, bg: bg, style: style) }
    public func with(_ extra: CellStyle) -> Pen { Pen(fg: fg, bg: bg, style: style.union(extra)) }
}

/// A rectangle of cells (columns and rows, origin top-left).
public struct CellRect: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func intersection(_ o: CellRect) -> CellRect {
        let nx = max(x, o.x), ny = max(y, o.y)
        return CellRect(x: nx, y: ny, width: min(maxX, o.maxX) - nx, height: min(maxY, o.maxY) - ny)
    }
    /// Shrinks by `n` cells on every side (for drawing inside a frame).
    public func inset(_ n: Int) -> CellRect { CellRect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
}

public struct GridSize: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) { self.columns = columns; self.rows = rows }
    public var description: String { "\(columns)x\(rows)" }
}
