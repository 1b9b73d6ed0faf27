import Engine

/// Maps the customer's viewport (CSS px) onto a rectangle of cells. The page
/// is stretched to fill the area: text is drawn as text anyway, so using every
/// cell beats letterboxing.
public struct SceneProjection: Equatable, Sendable {
    public var viewport: Size
    public var area: CellRect

    public init(viewport: Size, area: CellRect) { self.viewport = viewport; self.area = area }

    // A viewport that is not a number (never from the engine, but a console trusts no one) counts as 1 px.
    var scaleX: Double { Double(area.width) / (viewport.width.isFinite ? max(1, viewport.width) : 1) }
    var scaleY: Double { Double(area.height) / (viewport.height.isFinite ? max(1, viewport.height) : 1) }

    /// How far off the area a cell coordinate may lie. Marks and boxes beyond it
    /// are clipped anyway; the bound keeps a line or a box from a far-away page
    /// coordinate to a few thousand cells, and any Double convertible to Int.
    var reach: Int { 4 * max(area.width, area.height) + 64 }

    /// `v` (in cells) as an Int within ±reach; not a number is 0.
    func cellIndex(_ v: Double) -> Int {
        guard v.isFinite else { return 0 }
        let r = Double(reach)
        return Int(min(max(v, -r), r))
    }

    /// Cells covered by a page rectangle (area coordinates, at least one cell, unclipped).
    public func cells(_ r: Rect) -> CellRect {
        let x0 = cellIndex((r.x * scaleX).rounded()), y0 = cellIndex((r.y * scaleY).rounded())
        let x1 = max(x0 + 1, cellIndex((r.maxX * scaleX).rounded())), y1 = max(y0 + 1, cellIndex((r.maxY * scaleY).rounded()))
        return CellRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The cell holding a page point, not clamped to the area (marks may lie
    /// outside it and are clipped when drawn), only to `reach`.
    public func rawCell(_ p: Point) -> (x: Int, y: Int) {
        (cellIndex((p.x * scaleX).rounded(.down)), cellIndex((p.y * scaleY).rounded(.down)))
    }

    public func cell(_ p: Point) -> (x: Int, y: Int) {
        (min(area.width - 1, max(0, cellIndex(p.x * scaleX))), min(area.height - 1, max(0, cellIndex(p.y * scaleY))))
    }

    /// The page point at the centre of a cell (for moving the agent's cursor cell by cell).
    public func point(x: Int, y: Int) -> Point {
        Point(x: (Double(x) + 0.5) / max(scaleX, 1e-9), y: (Double(y) + 0.5) / max(scaleY, 1e-9))
    }
}

/// Draws a `Scene` into cells: boxes as backgrounds, text runs as real text at
/// their rectangles (wrapped, never scaled), fields as bracketed boxes, images
/// through the blitter, masks as a redaction hatch with a label. Owns the
/// blitters' scratch buffers, so keep one per console.
public final class SceneView {
    public var theme: Theme
    public var symbols: BlitSymbols
    private var blitters: [BlitSymbols: Blitter] = [:]

    /// What a browser paints where the page paints nothing.
    static let pageBackground = RGB(255, 255, 255)
    static let pageText = RGB(20, 20, 20)

    public init(theme: Theme, symbols: BlitSymbols = .braille) { self.theme = theme; self.symbols = symbols }

    /// The page content (boxes, text, fields, images) as a grid the size of the area.
    public func drawPage(_ scene: Scene, size: GridSize) -> CellGrid {
        let mono = theme.monochrome
        let paper = mono ? theme.base.bg : Self.pageBackground
        var grid = CellGrid(width: size.columns, height: size.rows, fill: Cell(" ", fg: mono ? theme.base.fg : Self.pageText, bg: paper))
        var textOwner = [Int](repeating: -1, count: size.columns * size.rows)
        let projection = SceneProjection(viewport: scene.viewport, area: CellRect(x: 0, y: 0, width: size.columns, height: size.rows))
        let order = Self.drawingOrder(scene, projection)
        // Where each text run, field and image sits on the page: a run may spill into cells no other one claims.
        var layout = PageClaims(width: size.columns, height: size.rows)
        for (index, node) in order.enumerated() where [.text, .field, .image].contains(node.kind) {
            layout.claim(projection.cells(node.rect), by: index)
        }
        // A field whose label the page writes beside it (a <label> drawn as text) shows its value alone.
        let pageWords = Set(order.filter { $0.kind == .text }.compactMap { $0.text.map(Self.normalised) })
        for (index, node) in order.enumerated() {
            let r = projection.cells(node.rect)
            switch node.kind {
            case .box: drawBox(node, r, &grid)
            case .text: drawText(node, r, owner: index, layout: layout, &grid, &textOwner)
            case .field:
                let labelled = node.label.map { pageWords.contains(Self.normalised($0)) } ?? false
                drawField(node, r, owner: index, labelledOnPage: labelled, layout: layout, &grid, &textOwner)
            case .image: drawImage(node, layout.grown(r, by: index, minimum: Self.smallestImage), &grid)
            case .mask: break // drawn on the mask layer, above everything
            }
        }
        return grid
    }

    /// How many cells a run moves right to make room for the overflow of the run before it.
    static let shiftLimit = 4

    /// The page in drawing order: by z, then as the page lists its nodes, except that text runs
    /// side by side (the same z, listed together) are drawn left to right, top to bottom, so a
    /// run's overflow is met by the run to its right moving over, not by the run being cut.
    static func drawingOrder(_ scene: Scene, _ projection: SceneProjection) -> [SceneNode] {
        var order = scene.paintOrder
        var i = 0
        while i < order.count {
            guard order[i].kind == .text else { i += 1; continue }
            var j = i
            while j + 1 < order.count, order[j + 1].kind == .text, order[j + 1].z == order[i].z { j += 1 }
            if j > i {
                let cells = order[i...j].map { (node: $0, at: projection.cells($0.rect)) }
                let sorted = cells.enumerated().sorted { a, b in
                    (a.element.at.y, a.element.at.x, a.offset) < (b.element.at.y, b.element.at.x, b.offset)
                }.map(\.element.node)
                order.replaceSubrange(i...j, with: sorted)
            }
            i = j + 1
        }
        return order
    }

    /// The least an image is drawn at, where the page leaves room: two cells of braille are no picture.
    static let smallestImage = GridSize(columns: 6, rows: 2)

    static func normalised(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Renders the scene into the view, mask and annotation layers at `area`.
    public func render(_ scene: Scene, area: CellRect, view: inout Layer, masks: inout Layer, annotations: inout Layer, agentCursor: Point?,
                       overlay: SceneOverlay = SceneOverlay()) {
        guard !area.isEmpty else { return }
        let page = drawPage(scene, size: GridSize(columns: area.width, rows: area.height))
        view.paint(page, at: area.x, y: area.y)
        let projection = SceneProjection(viewport: scene.viewport, area: area)
        for node in scene.paintOrder where node.kind == .mask {
            let r = projection.cells(node.rect)
            drawMask(node, CellRect(x: r.x + area.x, y: r.y + area.y, width: r.width, height: r.height).intersection(area), &masks)
        }
        if let p = scene.pointer {
            let c = projection.cell(p)
            let under = page[c.x, c.y]
            // Over text the pointer recolours the letter instead of hiding it.
            annotations[area.x + c.x, area.y + c.y] = under.glyph == " "
                ? .cell(Cell("↖", fg: theme.pointer.fg, bg: under.bg, style: theme.pointer.style))
                : .highlight(theme.monochrome ? theme.pointer.with(.reverse) : Pen(fg: theme.pointer.bg, bg: theme.pointer.fg, style: theme.pointer.style))
        }
        drawOverlay(overlay, scene: scene, page: page, projection: projection, view: &view, masks: &masks, annotations: &annotations)
        if let p = agentCursor {
            let c = projection.cell(p)
            let x = area.x + c.x, y = area.y + c.y
            // On a mark the cursor takes the mark's glyph, so the mark is never hidden under it.
            if case let .cell(mark) = annotations[x, y] {
                annotations[x, y] = .cell(Cell(mark.glyph, fg: theme.cursor.fg, bg: theme.cursor.bg, style: theme.cursor.style.union(mark.style.intersection(.wideTail))))
            } else {
                annotations[x, y] = .highlight(theme.cursor)
            }
        }
    }

    // MARK: - nodes

    private func drawBox(_ node: SceneNode, _ r: CellRect, _ grid: inout CellGrid) {
        guard !theme.monochrome, let bg = node.background else {
            if theme.monochrome, node.border != nil { drawFrame(r, pen: Pen(fg: theme.base.fg, bg: theme.base.bg), &grid) }
            return
        }
        grid.fill(r, with: Cell(" ", fg: Self.readable(on: bg), bg: bg))
        if let border = node.border { drawFrame(r, pen: Pen(fg: border, bg: bg), &grid) }
    }

    private func drawFrame(_ r: CellRect, pen: Pen, _ grid: inout CellGrid) {
        guard r.width >= 3, r.height >= 3 else { return }
        for x in r.x + 1..<r.maxX - 1 { grid.set(x, r.y, pen.cell("─")); grid.set(x, r.maxY - 1, pen.cell("─")) }
        for y in r.y + 1..<r.maxY - 1 { grid.set(r.x, y, pen.cell("│")); grid.set(r.maxX - 1, y, pen.cell("│")) }
        grid.set(r.x, r.y, pen.cell("┌")); grid.set(r.maxX - 1, r.y, pen.cell("┐"))
        grid.set(r.x, r.maxY - 1, pen.cell("└")); grid.set(r.maxX - 1, r.maxY - 1, pen.cell("┘"))
    }

    /// Text keeps its size. A run that does not fit its rectangle on one line first
    /// uses the free cells to its right (cells no other run, field or image claims:
    /// CSS overflow), so headings and names stay on one line and whole; what is
    /// still left wraps by words and ends in "…".
    private func drawText(_ node: SceneNode, _ r: CellRect, owner: Int, layout: PageClaims, _ grid: inout CellGrid, _ textOwner: inout [Int]) {
        guard let raw = node.text, r.y < grid.height, r.x < grid.width else { return }
        let glyphs = SafeText.glyphs(raw)
        let needed = glyphs.reduce(0) { $0 + $1.width }
        guard needed > 0 else { return }
        var startX = max(0, r.x)
        // A run to the left (a name beside its status) may have overflowed into this run's first
        // cells: start just after it, on the same row, rather than leave the row.
        if r.y >= 0, r.y < grid.height, startX < grid.width, textOwner[r.y * grid.width + startX] != -1 {
            var x = startX
            while x < min(grid.width, startX + Self.shiftLimit), textOwner[r.y * grid.width + x] != -1 { x += 1 }
            if x < min(grid.width, startX + Self.shiftLimit) { startX = x }
        }
        var width = max(1, min(r.maxX, grid.width) - startX)
        guard startX < grid.width else { return }
        let top = Self.freeRow(near: r.y, x: startX, width: min(needed, width), grid.width, grid.height, textOwner)
        // How far right the run could reach on its row: past cells another run claims (`polite: false`,
        // as a browser overflows) or only into cells nobody claims.
        func reach(polite: Bool) -> Int {
            guard top >= 0, top < grid.height else { return width }
            var x = startX + width
            while x < grid.width, x - startX < needed, textOwner[top * grid.width + x] == -1, !polite || layout.free(x, top, for: owner) { x += 1 }
            return x - startX
        }
        var rows = max(1, r.height)
        let longestWord = raw.split(separator: " ").map { SafeText.displayWidth(String($0)) }.max() ?? 0
        if needed > width * rows || needed > width && rows == 1 || longestWord > width {
            let overflowing = reach(polite: false)
            if overflowing >= needed {
                // A heading, a name, a label: whole on one line, as the browser shows it.
                width = overflowing
            } else {
                // Prose: the free cells right, then the free rows below, words whole.
                width = reach(polite: true)
                if longestWord <= width {
                    while Self.wrap(glyphs, width: width, maxLines: .max).count > rows, top + rows < grid.height,
                          (startX..<startX + width).allSatisfy({ layout.free($0, top + rows, for: owner) && textOwner[(top + rows) * grid.width + $0] == -1 }) {
                        rows += 1
                    }
                }
                if longestWord > width || Self.wrap(glyphs, width: width, maxLines: .max).count > rows { width = max(width, overflowing) }
                // A word that still does not fit is cut once, with "…", never broken over rows ("Billi" / "ng").
                if longestWord > width { rows = 1 }
            }
        }
        let lines = Self.wrap(glyphs, width: width, maxLines: rows)
        // The run keeps the colour it starts on (a button's), also where it overflows its box,
        // so a label is never half on the button and half on the page.
        let runBackground = top >= 0 && top < grid.height ? grid[startX, top].bg : nil
        for (i, line) in lines.enumerated() {
            let y = top + i
            guard y >= 0, y < grid.height else { continue }
            var x = startX
            for g in line {
                guard x + g.width <= startX + width, x < grid.width else { break }
                // Text already placed keeps its cells: a later run stops there rather than leave fragments in it.
                if textOwner[y * grid.width + x] != -1 || (g.width == 2 && x + 1 < grid.width && textOwner[y * grid.width + x + 1] != -1) { break }
                let under = runBackground ?? grid[x, y].bg
                let bg = theme.monochrome ? theme.base.bg : (node.background ?? under)
                let fg = theme.monochrome ? theme.base.fg : Self.ensureContrast(node.foreground ?? Self.pageText, on: bg)
                grid.set(x, y, Cell(g.character, fg: fg, bg: bg))
                textOwner[y * grid.width + x] = owner
                if g.width == 2, x + 1 < grid.width {
                    grid.set(x + 1, y, Cell(" ", fg: fg, bg: bg, style: .wideTail)); textOwner[y * grid.width + x + 1] = owner
                }
                x += g.width
            }
        }
    }

    /// A form field as `[Label: value   ]`, or `[value]` when the page writes the
    /// label beside it; when that does not fit the field's cells, the free cells to
    /// its right are used, then the value alone is shown. Password-type values are
    /// never shown, whatever the SDK sent.
    private func drawField(_ node: SceneNode, _ r: CellRect, owner: Int, labelledOnPage: Bool, layout: PageClaims,
                           _ grid: inout CellGrid, _ textOwner: inout [Int]) {
        let mid = r.y + (r.height - 1) / 2
        guard mid >= 0, mid < grid.height else { return }
        let isSecret = ["password", "cc-number", "card"].contains((node.fieldType ?? "").lowercased())
        let label = SafeText.clean(node.label ?? "")
        let value = isSecret ? "••••••" : SafeText.clean(node.text ?? "")
        let full = value.isEmpty ? (labelledOnPage ? "" : label) : (label.isEmpty || labelledOnPage ? value : "\(label): \(value)")
        let x0 = max(0, r.x)
        // Room: the field's cells, then free cells to its right, up to the whole text.
        var room = min(grid.width, x0 + r.width) - x0
        while x0 + room < grid.width, room < SafeText.displayWidth(full) + 2, layout.free(x0 + room, mid, for: owner) { room += 1 }
        let body = SafeText.displayWidth(full) + 2 <= room || value.isEmpty ? full : value
        let minWidth = min(grid.width - x0, max(room, min(SafeText.displayWidth(body) + 2, 24)))
        let x1 = min(grid.width, x0 + minWidth)
        guard x1 - x0 >= 2 else { return }
        // A label squeezed onto the field's row at low resolution pushes the field down a row rather than overlapping it.
        let y = Self.freeRow(near: mid, x: x0, width: x1 - x0, grid.width, grid.height, textOwner, preferDown: true)
        let bg = theme.monochrome ? theme.base.bg : (node.background ?? .white)
        let fg = theme.monochrome ? theme.base.fg : Self.ensureContrast(node.foreground ?? Self.pageText, on: bg)
        let frame = theme.monochrome ? theme.base.fg : Self.ensureContrast(node.border ?? RGB(120, 120, 120), on: bg)
        let style: CellStyle = value.isEmpty ? .dim : []
        grid.fill(CellRect(x: x0, y: y, width: x1 - x0, height: 1), with: Cell(" ", fg: fg, bg: bg))
        grid.set(x0, y, Cell("[", fg: frame, bg: bg))
        grid.set(x1 - 1, y, Cell("]", fg: frame, bg: bg))
        grid.write(SafeText.fitted(body, width: x1 - x0 - 2), x: x0 + 1, y: y, pen: Pen(fg: fg, bg: bg, style: style), maxX: x1 - 1)
        for x in x0..<x1 { textOwner[y * grid.width + x] = owner }
    }

    private func drawImage(_ node: SceneNode, _ r: CellRect, _ grid: inout CellGrid) {
        guard let block = node.pixels, block.width > 0, block.height > 0, block.rgb.count == block.width * block.height * 3 else { return }
        let visible = r.intersection(CellRect(x: 0, y: 0, width: grid.width, height: grid.height))
        guard !visible.isEmpty else { return }
        let image = RGBImage(width: block.width, height: block.height, bytes: [UInt8](block.rgb))
        // A picture stretched far past the screen is not worth blitting cell by cell: its average colour says enough.
        guard r.width * r.height <= 4 * grid.width * grid.height else {
            let c = Self.average(block)
            grid.fill(visible, with: Cell(" ", fg: c, bg: theme.monochrome ? theme.base.bg : c))
            return
        }
        let blitter = blitters[symbols] ?? Blitter(symbols: symbols)
        blitters[symbols] = blitter
        let cells = blitter.blit(image, columns: r.width, rows: r.height)
        for cy in 0..<r.height {
            for cx in 0..<r.width {
                var c = cells[cy * r.width + cx].cell
                if theme.monochrome { c.fg = theme.base.fg; c.bg = theme.base.bg }
                grid.set(r.x + cx, r.y + cy, c)
            }
        }
    }

    /// A hatch no page could be mistaken for, with "MASKED" (and the reason
    /// when it fits) on the middle row. Nothing of the node's content is drawn.
    private func drawMask(_ node: SceneNode, _ r: CellRect, _ layer: inout Layer) {
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX {
                layer[x, y] = .cell(theme.mask.cell((x + y) % 2 == 0 ? "╳" : "░"))
            }
        }
        let reason = SafeText.clean(node.label ?? "")
        var label = reason.isEmpty ? " MASKED " : " MASKED · \(reason) "
        if SafeText.displayWidth(label) > r.width { label = r.width >= 8 ? " MASKED " : String("MASKED".prefix(r.width)) }
        let glyphs = SafeText.glyphs(label)
        let w = glyphs.reduce(0) { $0 + $1.width }
        var x = r.x + max(0, (r.width - w) / 2)
        let y = r.y + (r.height - 1) / 2
        for g in glyphs where x < r.maxX {
            layer[x, y] = .cell(theme.maskLabel.cell(g.character))
            x += g.width
        }
    }

    static func average(_ block: PixelBlock) -> RGB {
        var sum = (0, 0, 0)
        let bytes = [UInt8](block.rgb)
        var i = 0
        while i + 2 < bytes.count { sum.0 += Int(bytes[i]); sum.1 += Int(bytes[i + 1]); sum.2 += Int(bytes[i + 2]); i += 3 }
        let n = max(1, bytes.count / 3)
        return RGB(UInt8(sum.0 / n), UInt8(sum.1 / n), UInt8(sum.2 / n))
    }

    // MARK: - text helpers


    /// The row nearest `y` (y, then one below/above) whose cells x..<x+width
    /// no earlier text or field owns; `y` itself when none is free.
    static func freeRow(near y: Int, x: Int, width: Int, _ gw: Int, _ gh: Int, _ owner: [Int], preferDown: Bool = false) -> Int {
        func free(_ row: Int) -> Bool {
            guard row >= 0, row < gh else { return false }
            for cx in max(0, x)..<min(gw, x + max(1, width)) where owner[row * gw + cx] != -1 { return false }
            return true
        }
        let candidates = preferDown ? [y, y + 1, y - 1] : [y, y - 1, y + 1]
        return candidates.first(where: free) ?? y
    }

    /// Greedy word wrap; words longer than a line are broken; the last
    /// allowed line ends in "…" when text is left over.
    static func wrap(_ glyphs: [SafeText.Glyph], width: Int, maxLines: Int) -> [[SafeText.Glyph]] {
        guard width > 0, maxLines > 0 else { return [] }
        var words: [[SafeText.Glyph]] = [[]]
        for g in glyphs {
            if g.character == " " { if !(words.last!.isEmpty) { words.append([]) } } else { words[words.count - 1].append(g) }
        }
        words.removeAll { $0.isEmpty }
        var lines: [[SafeText.Glyph]] = []
        var line: [SafeText.Glyph] = []
        var used = 0
        let space = SafeText.Glyph(character: " ", width: 1)
        for var word in words {
            var ww = word.reduce(0) { $0 + $1.width }
            if used > 0 && used + 1 + ww <= width { line.append(space); line += word; used += 1 + ww; continue }
            if used > 0 { lines.append(line); line = []; used = 0 }
            while ww > width {
                var chunk: [SafeText.Glyph] = [], cw = 0
                while let g = word.first, cw + g.width <= width { chunk.append(g); cw += g.width; word.removeFirst() }
                if chunk.isEmpty { word.removeFirst(); ww = word.reduce(0) { $0 + $1.width }; continue }
                lines.append(chunk)
                ww -= cw
            }
            line = word; used = ww
        }
        if !line.isEmpty { lines.append(line) }
        if lines.count > maxLines {
            var last = lines[maxLines - 1]
            var w = last.reduce(0) { $0 + $1.width }
            while w + 1 > width, let g = last.popLast() { w -= g.width }
            last.append(SafeText.Glyph(character: "…", width: 1))
            lines = Array(lines.prefix(maxLines - 1)) + [last]
        }
        return lines
    }

    static func readable(on bg: RGB) -> RGB { bg.luminance > 0.4 ? RGB(20, 20, 20) : RGB(240, 240, 240) }

    /// Page text the same colour as its background (white-on-white after a
    /// lost background box) would vanish; keep at least a 3:1 contrast ratio.
    static func ensureContrast(_ fg: RGB, on bg: RGB) -> RGB {
        let a = fg.luminance, b = bg.luminance
        let ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        return ratio >= 3 ? fg : readable(on: bg)
    }
}
