import Foundation

/// Places a demo page's elements as demo.css lays them out, simplified to
/// what the demo's pages use: the header (logo, brand, user), the nav (the
/// page's own link highlighted, `class="on"`), and main's blocks one under the
/// other in a column, every line of text a fixed height. The result is the
/// scene a naive page SDK would send for that page: texts as the page says
/// them (leaks included, for the engine to redact), fields with their type,
/// autocomplete token, value and label, and the areas the page marks
/// `data-cobrowse-mask` as masks (the page's author asked for that).
struct DemoLayout {
    /// 15px text at line-height 1.5 (demo.css's body), rounded: every line of body text is this tall.
    static let line = 22.0
    /// About what a glyph of 15px system-ui takes, rounded up, so a run's rectangle holds its words.
    static let glyph = 9.0
    /// What one character needs in the console's coarsest view (1280 px over 80 columns): a run
    /// placed by its right edge is measured by this, so it stays whole on one line in every view.
    static let coarsestCell = 16.0
    /// One line of text in a field or button, with its padding and border (demo.css: 7px/8px padding).
    static let control = line + 16

    let style: DemoStyle
    let viewport: Size
    /// The id the nav's link to `href` gets ("nav-billing"), and the picture an image's `src` names.
    let linkName: (String) -> String
    let picture: (String) -> PixelBlock?
    private(set) var nodes: [SceneNode] = []
    /// The buttons' box ids in page order (the first is where a customer's pointer heads).
    private(set) var buttonIDs: [String] = []
    private var used: Set<String> = []
    private var lastNumber: [String: Int] = [:]
    private var labels: [String: String] = [:]

    init(style: DemoStyle, viewport: Size, linkName: @escaping (String) -> String, picture: @escaping (String) -> PixelBlock?) {
        self.style = style; self.viewport = viewport; self.linkName = linkName; self.picture = picture
    }

    /// The colours demo.css gives; where it gives none, what a browser would paint.
    struct Palette {
        let ink, page, header, headerInk, nav, navInk, navOn, muted, field, fieldBorder, button, buttonInk, table: RGB
        init(_ s: DemoStyle) {
            ink = s.colour("body", "color") ?? RGB(0, 0, 0)
            page = s.colour("body", "background") ?? .white
            header = s.colour("header", "background") ?? page
            headerInk = s.colour("header", "color") ?? ink
            nav = s.colour("nav", "background") ?? page
            navInk = s.colour("nav a", "color") ?? ink
            navOn = s.colour("nav a.on", "background") ?? nav
            muted = s.colour(".muted", "color") ?? ink
            field = s.colour("input", "background") ?? .white
            fieldBorder = s.colour("input", "border") ?? RGB(0x76, 0x76, 0x76)
            button = s.colour("button", "background") ?? RGB(0xef, 0xef, 0xef)
            buttonInk = s.colour("button", "color") ?? ink
            table = s.colour("table", "background") ?? page
        }
    }

    /// Where main's blocks go: the next free y, and the bottom margin still owed (margins collapse).
    struct Column {
        var x: Double, width: Double, y: Double
        var margin = 0.0
        mutating func advance(top: Double) { y += max(margin, top); margin = 0 }
    }

    mutating func page(_ document: DemoElement) -> [SceneNode] {
        let colours = Palette(style)
        nodes = []
        buttonIDs = []
        used = []
        lastNumber = [:]
        box(unique("page"), Rect(x: 0, y: 0, width: viewport.width, height: viewport.height), colours.page, z: 0)
        let headerHeight = style.pixels("header", "height") ?? Self.control
        if let header = document.first("header") { self.header(header, height: headerHeight, colours) }
        let navWidth = document.first("nav") == nil ? 0 : style.pixels("nav", "width") ?? 190
        if let nav = document.first("nav") { self.nav(nav, top: headerHeight, width: navWidth, colours) }
        if let main = document.first("main") {
            labels = [:]
            for l in main.all("label") { if let target = l["for"], labels[target] == nil { labels[target] = l.text } }
            let padding = style.lengths("main", "padding") ?? [20, 32]
            let (top, side) = (padding.first ?? 0, padding.count > 1 ? padding[1] : padding.first ?? 0)
            let room = min(viewport.width - navWidth, style.pixels("main", "max-width") ?? viewport.width)
            var column = Column(x: navWidth + side, width: max(Self.glyph * 8, room - 2 * side), y: headerHeight + top)
            flow(main, colours, &column)
        }
        return nodes
    }

    // MARK: Header and nav

    mutating func header(_ header: DemoElement, height: Double, _ colours: Palette) {
        box(unique("header"), Rect(x: 0, y: 0, width: viewport.width, height: height), colours.header, z: 1)
        let padding = style.lengths("header", "padding") ?? [0, 20]
        let side = padding.count > 1 ? padding[1] : padding.first ?? 0
        let gap = style.pixels("header", "gap") ?? 0
        var x = side
        for case let .element(e) in header.children {
            if e.name == "img" {
                // The picture's size as the markup says it, within the header (a hostile page may say anything).
                func size(_ a: String) -> Double { Double(e[a] ?? "").map { $0.isFinite ? min(max($0, 1), height) : 32 } ?? 32 }
                let w = size("width"), h = size("height")
                if let pixels = picture(e["src"] ?? "") {
                    nodes.append(SceneNode(id: unique(used.contains("logo") ? "img" : "logo"), kind: .image,
                                           rect: Rect(x: x, y: (height - h) / 2, width: w, height: h), z: 3, pixels: pixels))
                }
                x += w + gap
                continue
            }
            let text = e.text
            guard !text.isEmpty else { continue }
            let name = e.classes.first.map(String.init) ?? e.name
            // The user menu sits at the right edge (demo.css: margin-left: auto); the console draws a run
            // from its left edge, so one ending at the page's edge is given room for the coarsest view.
            let rightAligned = e.hasClass("user")
            // Larger type (demo.css: .brand 18px) takes wider glyphs.
            let scale = (style.pixels(".\(name)", "font-size") ?? 15) / 15
            let width = rightAligned ? Double(text.count) * Self.coarsestCell : (Self.width(of: text) * scale).rounded(.up)
            let left = rightAligned ? max(x, viewport.width - side - width) : x
            nodes.append(.text(unique(name), Rect(x: left, y: (height - Self.line) / 2, width: width, height: Self.line), text, color: colours.headerInk, z: 4))
            x = left + width + gap
        }
    }

    mutating func nav(_ nav: DemoElement, top: Double, width: Double, _ colours: Palette) {
        box(unique("nav"), Rect(x: 0, y: top, width: width, height: viewport.height - top), colours.nav, z: 1)
        var y = top + (style.lengths("nav", "padding")?.first ?? 0)
        for link in nav.all("a") {
            let height = Self.control
            if link.hasClass("on") { box(unique("nav-on"), Rect(x: 0, y: y, width: width, height: height), colours.navOn, z: 2) }
            nodes.append(.text(unique(linkName(link["href"] ?? "")), Rect(x: 20, y: y + 8, width: max(Self.glyph, width - 40), height: Self.line),
                               link.text, color: colours.navInk, z: 4))
            y += height
        }
    }

    // MARK: Main's blocks

    /// Containers whose children are blocks of their own.
    static let containers: Set<String> = ["div", "form", "section", "article", "main", "fieldset", "header", "footer", "aside", "body", "nav"]

    mutating func flow(_ element: DemoElement, _ colours: Palette, _ c: inout Column) {
        for child in element.children {
            switch child {
            case let .text(t):
                let s = DemoElement.collapsed(t)
                if !s.isEmpty { text(unique("text"), s, colours.ink, margins: (0, 0), &c) }
            case let .element(e):
                block(e, colours, &c)
            }
        }
    }

    mutating func block(_ e: DemoElement, _ colours: Palette, _ c: inout Column) {
        if e["data-cobrowse-mask"] != nil { return masked(e, colours, &c) }
        let tone = e.hasClass("muted") || e.hasClass("lead") ? colours.muted : colours.ink
        switch e.name {
        case "script", "style", "template", "head", "title", "noscript":
            return
        case "h1": text(unique(e["id"] ?? "h1"), e.text, colours.ink, margins: (0, 4), lineHeight: 36, &c)
        case "h2": text(unique(e["id"] ?? "h2"), e.text, colours.ink, margins: (20, 12), lineHeight: 34, &c)
        case "h3", "h4", "h5", "h6": text(unique(e["id"] ?? e.name), e.text, colours.ink, margins: (18, 8), lineHeight: 28, &c)
        case "p" where !e.all("button").isEmpty:
            buttons(e.all("button"), colours, &c)
            c.margin = 15
        case "p": text(unique(e["id"] ?? "p"), e.text, tone, margins: (e.hasClass("lead") ? 0 : 15, 15), &c)
        case "label":
            text(unique(e["for"].map { "\($0)-label" } ?? "label"), e.text, colours.ink, margins: (12, 4), &c)
        case "input", "select", "textarea": field(e, colours, &c)
        case "button": buttons([e], colours, &c)
        case "ul", "ol":
            c.advance(top: 15)
            for li in e.all("li") { text(unique(li["id"] ?? "li"), li.text, colours.ink, margins: (4, 4), indent: 40, &c) }
            c.margin = max(c.margin, 15)
        case "table": table(e, colours, &c)
        case "br": c.advance(top: 0); c.y += Self.line
        case let name where Self.containers.contains(name): flow(e, colours, &c)
        default:
            let s = e.text
            if !s.isEmpty { text(unique(e["id"] ?? e.name), s, tone, margins: (0, 0), &c) }
        }
    }

    mutating func text(_ id: String, _ s: String, _ colour: RGB, margins: (top: Double, bottom: Double), lineHeight: Double = line,
                       indent: Double = 0, _ c: inout Column) {
        guard !s.isEmpty else { return }
        c.advance(top: margins.top)
        // A block is as wide as the column (CSS's display: block); its lines, as many as its words need.
        let room = max(Self.glyph, c.width - indent)
        let lines = max(1, (Self.width(of: s) / room).rounded(.up))
        nodes.append(.text(id, Rect(x: c.x + indent, y: c.y, width: room, height: lines * lineHeight), s, color: colour, z: 4))
        c.y += lines * lineHeight
        c.margin = margins.bottom
    }

    mutating func field(_ e: DemoElement, _ colours: Palette, _ c: inout Column) {
        let type = e.name == "input" ? (e["type"] ?? "text").lowercased() : e.name
        if type == "hidden" { return }
        if ["button", "submit", "reset"].contains(type) { return buttons([e], colours, &c) }
        let id = unique(e["id"] ?? e["name"] ?? e.name)
        let label = e["id"].flatMap { labels[$0] } ?? e["aria-label"] ?? e["name"] ?? ""
        let value: String
        switch type {
        case "select":
            let options = e.all("option")
            value = (options.first { $0["selected"] != nil } ?? options.first)?.text ?? ""
        case "textarea": value = e.text
        case "checkbox", "radio": value = e["checked"] != nil ? "[x]" : "[ ]"
        default: value = e["value"] ?? ""
        }
        // The field's kind as the privacy rules read it: a password by its type, a card by its autocomplete token.
        let autocomplete = (e["autocomplete"] ?? "").lowercased()
        let rules = PrivacyRules.standard
        let fieldType = rules.isProtectedField(type: type, label: nil) || !rules.isProtectedField(type: autocomplete, label: nil) ? type : autocomplete
        let rows = Double(e["rows"] ?? "").map { min(max($0, 1), 20) } ?? 1
        let height = type == "textarea" ? rows * Self.line + 16 : Self.control
        c.advance(top: 0)
        var node = SceneNode.field(id, Rect(x: c.x, y: c.y, width: min(c.width, style.pixels("input", "max-width") ?? 420), height: height),
                                   label: label, value: value, type: fieldType, z: 4)
        node.background = colours.field
        node.foreground = colours.ink
        node.border = colours.fieldBorder
        nodes.append(node)
        c.y += height
    }

    /// Buttons side by side on one line, each a box with its label (demo.css: 12px above, 8px 16px padding).
    mutating func buttons(_ all: [DemoElement], _ colours: Palette, _ c: inout Column) {
        c.advance(top: style.pixels("button", "margin-top") ?? 0)
        var x = c.x
        for b in all {
            let title = b.name == "input" ? b["value"] ?? "" : b.text
            let id = unique(b["id"] ?? "button")
            let width = Self.width(of: title) + 32
            box(id, Rect(x: x, y: c.y, width: width, height: Self.control), colours.button, z: 3)
            buttonIDs.append(id)
            nodes.append(.text(unique("\(id)-label"), Rect(x: x + 16, y: c.y + 8, width: width - 32, height: Self.line), title, color: colours.buttonInk, z: 4))
            x += width + 8
        }
        c.y += Self.control
    }

    /// Rows of cells, each column as wide as its widest cell; a table wider than main is squeezed to fit.
    mutating func table(_ e: DemoElement, _ colours: Palette, _ c: inout Column) {
        let rows = e.all("tr").map { tr in tr.children.compactMap { child -> String? in
            if case let .element(cell) = child, cell.name == "td" || cell.name == "th" { return cell.text }
            return nil
        } }.filter { !$0.isEmpty }
        guard !rows.isEmpty else { return }
        let padding = 10.0, rowHeight = Self.line + 13
        var widths = [Double](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], Self.width(of: cell) + 2 * padding) } }
        // As wide as its cells, or as main when the stylesheet says `width: 100%`; squeezed to fit main either way.
        var total = widths.reduce(0, +)
        if total > c.width || style.value("table", "width") == "100%" { widths = widths.map { $0 * c.width / total }; total = c.width }
        c.advance(top: 0)
        let id = unique(e["id"] ?? "table")
        // The cells' 1px borders are not drawn: a console draws a border as a frame of whole cells, over the text.
        box(id, Rect(x: c.x, y: c.y, width: total, height: Double(rows.count) * rowHeight), colours.table, z: 2)
        for (r, row) in rows.enumerated() {
            var x = c.x
            for (k, cell) in row.enumerated() {
                nodes.append(.text(unique("\(id)-r\(r + 1)c\(k + 1)"), Rect(x: x + padding, y: c.y + Double(r) * rowHeight + 6,
                                                                            width: max(Self.glyph, widths[k] - 2 * padding), height: Self.line),
                                   cell, color: colours.ink, z: 4))
                x += widths[k]
            }
        }
        c.y += Double(rows.count) * rowHeight
    }

    /// An area the page marks private: laid out to know its size, then sent as a mask and nothing of its content.
    mutating func masked(_ e: DemoElement, _ colours: Palette, _ c: inout Column) {
        c.advance(top: 16)
        let top = c.y, kept = nodes.count
        var inner = Column(x: c.x + 10, width: c.width - 20, y: c.y + 10)
        var content = e
        content.attributes["data-cobrowse-mask"] = nil
        block(content, colours, &inner)
        nodes.removeSubrange(kept...)
        let bottom = inner.y + 10
        nodes.append(.mask(unique(e["id"] ?? "private"), Rect(x: c.x, y: top, width: min(c.width, style.pixels("input", "max-width") ?? c.width),
                                                              height: max(Self.line, bottom - top)), reason: "marked private"))
        c.y = bottom
    }

    // MARK: Helpers

    static func width(of s: String) -> Double { (Double(s.count) * glyph).rounded(.up) }

    /// A painted rectangle; `id` is one `unique` gave.
    mutating func box(_ id: String, _ r: Rect, _ bg: RGB, border: RGB? = nil, z: Int) {
        nodes.append(.box(id, r, background: bg, border: border, z: z))
    }

    /// Ids are the page's own where it has them; a second node wanting one gets a number.
    mutating func unique(_ id: String) -> String {
        let base = String(id.prefix(48))
        var candidate = base.isEmpty ? "node" : base
        // Counting on from the last number given keeps a page of a thousand paragraphs linear.
        var n = lastNumber[candidate] ?? 1
        while used.contains(candidate) { n += 1; candidate = "\(base)-\(n)" }
        if n > 1 { lastNumber[base] = n }
        used.insert(candidate)
        return candidate
    }
}
