import Engine
import Foundation

/// What the annotation layer shows on top of the page: the engine's set of
/// marks, live pointers, and the mark the agent is drawing right now.
public struct SceneOverlay: Equatable, Sendable {
    public struct Pointer: Equatable, Sendable {
        public var author: String
        public var at: AnnotationAnchor
        public init(author: String, at: AnnotationAnchor) { self.author = author; self.at = at }
    }

    /// A two-point mark being placed: from the first point to the cursor (viewport coordinates).
    public struct Draft: Equatable, Sendable {
        public var tool: AnnotationTool
        public var from: Point
        public var to: Point
        public init(tool: AnnotationTool, from: Point, to: Point) { self.tool = tool; self.from = from; self.to = to }
    }

    public var annotations: [Annotation]
    public var pointers: [Pointer]
    public var draft: Draft?

    public init(annotations: [Annotation] = [], pointers: [Pointer] = [], draft: Draft? = nil) {
        self.annotations = annotations; self.pointers = pointers; self.draft = draft
    }

    /// Two capitals for a name ("Maria S." → "MS"), through the safe-text path.
    public static func initials(_ name: String) -> String {
        let words = SafeText.clean(name).split(separator: " ").filter { !$0.isEmpty }
        let letters = words.prefix(2).compactMap { $0.first(where: { $0.isLetter || $0.isNumber }) }
        let text = String(letters).uppercased()
        return SafeText.glyphs(text).filter { $0.width == 1 }.prefix(2).map { String($0.character) }.joined()
    }
}

extension SceneView {
    /// Annotation ink: the theme's pointer colour, bold, on whatever page is below.
    private var ink: RGB { theme.monochrome ? theme.base.fg : theme.pointer.fg }

    /// Draws the overlay: spotlights dim the page first, then shapes, labels,
    /// pointers. Anchors resolve against the current scene, so marks follow
    /// their elements through scrolling; whatever falls outside the area is clipped.
    func drawOverlay(_ overlay: SceneOverlay, scene: Scene, page: CellGrid, projection: SceneProjection,
                     view: inout Layer, masks: inout Layer, annotations: inout Layer) {
        let area = projection.area
        func cell(_ a: AnnotationAnchor) -> (x: Int, y: Int) {
            let p = a.resolve(in: scene)
            return projection.rawCell(Point(x: p.x, y: p.y))
        }
        var canvas = MarkCanvas(area: area, page: page)
        for mark in overlay.annotations where mark.tool == .spotlight {
            guard let to = mark.to else { continue }
            spotlight(from: cell(mark.at), to: cell(to), area: area, view: &view, masks: &masks)
            canvas.corners(cell(mark.at), cell(to), pen: Pen(fg: ink, bg: .black, style: .bold))
        }
        let pen = Pen(fg: ink, bg: .black, style: .bold)
        for mark in overlay.annotations {
            let a = cell(mark.at)
            switch mark.tool {
            case .spotlight: break
            case .cursor: canvas.put("◎", a.x, a.y, pen)
            case .label: canvas.label(SafeText.clean(mark.text ?? ""), at: a, pen: labelPen)
            case .arrow, .circle, .rectangle:
                guard let to = mark.to else { continue }
                canvas.shape(mark.tool, from: a, to: cell(to), pen: pen)
            }
        }
        if let draft = overlay.draft {
            let from = projection.rawCell(draft.from), to = projection.rawCell(draft.to)
            let faint = Pen(fg: ink, bg: .black, style: .dim)
            if draft.tool == .spotlight { canvas.corners(from, to, pen: faint) } else { canvas.shape(draft.tool, from: from, to: to, pen: faint) }
            canvas.put("◆", from.x, from.y, pen)
        }
        for pointer in overlay.pointers.sorted(by: { $0.author < $1.author }) {
            let c = cell(pointer.at)
            let initials = SceneOverlay.initials(pointer.author)
            let tag = theme.monochrome ? theme.base.with([.reverse, .bold]) : Pen(fg: .white, bg: ink, style: .bold)
            if initials.isEmpty { canvas.put("●", c.x, c.y, tag, keepBackground: false) }
            for (i, ch) in initials.enumerated() { canvas.put(ch, c.x + i, c.y, tag, keepBackground: false) }
        }
        canvas.flush(into: &annotations)
    }

    private var labelPen: Pen {
        theme.monochrome ? theme.base.with([.reverse, .bold]) : Pen(fg: theme.notice.fg, bg: theme.notice.bg, style: .bold)
    }

    /// Everything outside the box loses most of its light; the box keeps the page as it is.
    private func spotlight(from a: (x: Int, y: Int), to b: (x: Int, y: Int), area: CellRect, view: inout Layer, masks: inout Layer) {
        let x0 = min(a.x, b.x), x1 = max(a.x, b.x), y0 = min(a.y, b.y), y1 = max(a.y, b.y)
        let mono = theme.monochrome
        func dim(_ c: Cell) -> Cell {
            var d = c
            if mono { d.style.insert(.dim) } else { d.fg = Self.darken(c.fg); d.bg = Self.darken(c.bg) }
            return d
        }
        for y in 0..<area.height {
            for x in 0..<area.width where x < x0 || x > x1 || y < y0 || y > y1 {
                let sx = area.x + x, sy = area.y + y
                if case let .cell(c) = view[sx, sy] { view[sx, sy] = .cell(dim(c)) }
                if case let .cell(c) = masks[sx, sy] { masks[sx, sy] = .cell(dim(c)) }
            }
        }
    }

    static func darken(_ c: RGB) -> RGB { RGB(UInt8(Double(c.r) * 0.35), UInt8(Double(c.g) * 0.35), UInt8(Double(c.b) * 0.35)) }
}

/// Cells of marks in area coordinates, clipped to the area, each keeping the
/// page's background unless told otherwise.
private struct MarkCanvas {
    let area: CellRect
    let page: CellGrid
    var cells: [Int: Cell] = [:]

    init(area: CellRect, page: CellGrid) { self.area = area; self.page = page }

    mutating func put(_ ch: Character, _ x: Int, _ y: Int, _ pen: Pen, keepBackground: Bool = true) {
        guard x >= 0, y >= 0, x < area.width, y < area.height else { return }
        let bg = keepBackground ? page[x, y].bg : pen.bg
        cells[y * area.width + x] = Cell(ch, fg: pen.fg, bg: bg, style: pen.style)
    }

    func flush(into layer: inout Layer) {
        for (i, c) in cells { layer[area.x + i % area.width, area.y + i / area.width] = .cell(c) }
    }

    /// A glyph for a stroke going (dx, dy) cells; a cell is about twice as tall as wide.
    static func stroke(_ dx: Double, _ dy: Double) -> Character {
        let vx = abs(dx), vy = abs(dy * 2)
        if vy < 0.5 * vx { return "─" }
        if vy > 2 * vx { return "│" }
        return (dx > 0) == (dy > 0) ? "╲" : "╱"
    }

    static func head(_ dx: Double, _ dy: Double) -> Character {
        let angle = atan2(dy * 2, dx) // screen y grows downwards
        let octant = Int(((angle + .pi) / (.pi / 4)).rounded()) % 8
        // From the left (-π) round through up, right, down.
        return ["◀", "◤", "▲", "◥", "▶", "◢", "▼", "◣"][octant]
    }

    mutating func shape(_ tool: AnnotationTool, from a: (x: Int, y: Int), to b: (x: Int, y: Int), pen: Pen) {
        switch tool {
        case .arrow: arrow(a, b, pen)
        case .circle: ellipse(a, b, pen)
        case .rectangle, .spotlight: rectangle(a, b, pen)
        case .cursor, .label: put("◎", b.x, b.y, pen)
        }
    }

    mutating func arrow(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), _ pen: Pen) {
        let dx = Double(b.x - a.x), dy = Double(b.y - a.y)
        guard dx != 0 || dy != 0 else { put("●", a.x, a.y, pen); return }
        let body = Self.stroke(dx, dy)
        let line = Self.line(a, b)
        for c in line.dropLast() { put(body, c.x, c.y, pen) }
        put(Self.head(dx, dy), b.x, b.y, pen)
    }

    /// Bresenham, both ends included.
    static func line(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int)) -> [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        var x = a.x, y = a.y
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var err = dx + dy
        while true {
            out.append((x, y))
            if x == b.x && y == b.y { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
        return out
    }

    mutating func rectangle(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), _ pen: Pen) {
        let x0 = min(a.x, b.x), x1 = max(a.x, b.x), y0 = min(a.y, b.y), y1 = max(a.y, b.y)
        if x0 == x1 || y0 == y1 {
            for c in Self.line((x0, y0), (x1, y1)) { put(x0 == x1 ? "┃" : "━", c.x, c.y, pen) }
            return
        }
        for x in x0 + 1..<x1 { put("━", x, y0, pen); put("━", x, y1, pen) }
        for y in y0 + 1..<y1 { put("┃", x0, y, pen); put("┃", x1, y, pen) }
        put("┏", x0, y0, pen); put("┓", x1, y0, pen); put("┗", x0, y1, pen); put("┛", x1, y1, pen)
    }

    mutating func corners(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), pen: Pen) {
        let x0 = min(a.x, b.x), x1 = max(a.x, b.x), y0 = min(a.y, b.y), y1 = max(a.y, b.y)
        put("┌", x0, y0, pen); put("┐", x1, y0, pen); put("└", x0, y1, pen); put("┘", x1, y1, pen)
    }

    /// The ellipse inside the box: a rounded oval when it is only a few rows
    /// tall, else traced with strokes along its tangent (each cell takes the
    /// stroke of the curve point nearest its centre).
    mutating func ellipse(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), _ pen: Pen) {
        let x0 = min(a.x, b.x), x1 = max(a.x, b.x), y0 = min(a.y, b.y), y1 = max(a.y, b.y)
        guard x1 - x0 >= 2, y1 > y0 else { put("◯", (x0 + x1) / 2, (y0 + y1) / 2, pen); return }
        if y1 - y0 < 4 {
            for x in x0 + 1..<x1 { put("─", x, y0, pen); put("─", x, y1, pen) }
            for y in y0 + 1..<y1 { put("(", x0, y, pen); put(")", x1, y, pen) }
            put("╭", x0, y0, pen); put("╮", x1, y0, pen); put("╰", x0, y1, pen); put("╯", x1, y1, pen)
            return
        }
        let rx = Double(x1 - x0) / 2, ry = Double(y1 - y0) / 2
        let cx = Double(x0) + rx, cy = Double(y0) + ry
        let steps = Int(16 * (rx + ry)) + 32
        var best: [Int: (distance: Double, glyph: Character, x: Int, y: Int)] = [:]
        for i in 0..<steps {
            let t = 2 * Double.pi * Double(i) / Double(steps)
            let px = cx + rx * cos(t), py = cy + ry * sin(t)
            let x = Int(px.rounded()), y = Int(py.rounded())
            let d = (px - Double(x)) * (px - Double(x)) + (py - Double(y)) * (py - Double(y))
            let key = y * 100_000 + x
            if let b = best[key], b.distance <= d { continue }
            best[key] = (d, Self.stroke(-rx * sin(t), ry * cos(t)), x, y)
        }
        for b in best.values { put(b.glyph, b.x, b.y, pen) }
    }

    /// " text " as a tag starting at the point, clipped at the area's edge.
    mutating func label(_ text: String, at a: (x: Int, y: Int), pen: Pen) {
        var x = a.x
        put(" ", x, a.y, pen, keepBackground: false); x += 1
        for g in SafeText.glyphs(text) {
            guard x + g.width <= area.width else { break }
            put(g.character, x, a.y, pen, keepBackground: false)
            if g.width == 2 { put(" ", x + 1, a.y, Pen(fg: pen.fg, bg: pen.bg, style: pen.style.union(.wideTail)), keepBackground: false) }
            x += g.width
        }
        put(" ", x, a.y, pen, keepBackground: false)
    }
}
