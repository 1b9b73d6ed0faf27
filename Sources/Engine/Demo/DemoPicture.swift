import Foundation

/// Draws the demo's logo (logo.svg) as pixels for the scene's image node,
/// so the scripted customer shows the mark the browser shows. It reads what
/// that file uses: filled rectangles (with rounded corners) and stroked paths
/// of straight lines (M, L, H, V, Z, absolute and relative), in the order
/// they are painted; anything else in the picture is left out.
enum DemoPicture {
    /// The picture at its own size (at most `PixelBlock`'s bound), on `background`; nil when the markup is no picture.
    static func pixels(svg: String, background: RGB) -> PixelBlock? {
        guard let svg = DemoElement.document(svg).first("svg") else { return nil }
        let box = (svg["viewbox"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
        let width = Double(svg["width"] ?? "") ?? (box.count == 4 ? box[2] : 0)
        let height = Double(svg["height"] ?? "") ?? (box.count == 4 ? box[3] : 0)
        let side = Double(PixelBlock.maxPixels).squareRoot()
        guard width >= 1, height >= 1, width <= side, height <= side else { return nil }
        let (w, h) = (Int(width), Int(height))
        // Pixel centres in the picture's own units.
        let (sx, sy) = box.count == 4 && box[2] > 0 && box[3] > 0 ? (box[2] / width, box[3] / height) : (1, 1)
        let (ox, oy) = box.count == 4 ? (box[0], box[1]) : (0, 0)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0 ..< h { for x in 0 ..< w { put(background, x, y, w, &rgb) } }
        var shapes: [DemoElement] = []
        var queue: [DemoElement] = [svg]
        while let e = queue.popLast() {
            if e.name == "rect" || e.name == "path" { shapes.append(e) }
            for case let .element(c) in e.children.reversed() { queue.append(c) }
        }
        for shape in shapes {
            for y in 0 ..< h {
                for x in 0 ..< w {
                    let p = (ox + (Double(x) + 0.5) * sx, oy + (Double(y) + 0.5) * sy)
                    if let colour = paint(shape, at: p) { put(colour, x, y, w, &rgb) }
                }
            }
        }
        return PixelBlock(width: w, height: h, rgb: Data(rgb))
    }

    private static func put(_ c: RGB, _ x: Int, _ y: Int, _ w: Int, _ rgb: inout [UInt8]) {
        let i = (y * w + x) * 3
        rgb[i] = c.r; rgb[i + 1] = c.g; rgb[i + 2] = c.b
    }

    static func colour(_ value: String?) -> RGB? {
        guard let v = value, v.hasPrefix("#") else { return value == "white" ? .white : nil }
        return DemoStyle.hex(v.dropFirst())
    }

    /// The colour the shape paints at `p`, or nil where it paints nothing.
    static func paint(_ shape: DemoElement, at p: (Double, Double)) -> RGB? {
        func number(_ name: String) -> Double { Double(shape[name] ?? "") ?? 0 }
        if shape.name == "rect" {
            guard let fill = colour(shape["fill"] ?? "#000000") else { return nil }
            let (x, y, w, h) = (number("x"), number("y"), number("width"), number("height"))
            let r = min(number("rx"), w / 2, h / 2)
            guard p.0 >= x, p.0 <= x + w, p.1 >= y, p.1 <= y + h else { return nil }
            // Outside a rounded corner's circle is outside the rectangle.
            let cx = min(max(p.0, x + r), x + w - r), cy = min(max(p.1, y + r), y + h - r)
            return (p.0 - cx) * (p.0 - cx) + (p.1 - cy) * (p.1 - cy) <= r * r ? fill : nil
        }
        guard let stroke = colour(shape["stroke"]) else { return nil }
        let half = max(0.5, number("stroke-width") / 2)
        for (a, b) in segments(shape["d"] ?? "") where distance(p, a, b) <= half { return stroke }
        return nil
    }

    /// The straight segments of a path's `d`; it stops at the first command it does not read.
    static func segments(_ d: String) -> [((Double, Double), (Double, Double))] {
        var words: [String] = []
        var current = ""
        for ch in d {
            if ch.isLetter { if !current.isEmpty { words.append(current) }; words.append(String(ch)); current = "" }
            else if ch == " " || ch == "," { if !current.isEmpty { words.append(current) }; current = "" }
            else if ch == "-", !current.isEmpty { words.append(current); current = "-" }
            else { current.append(ch) }
        }
        if !current.isEmpty { words.append(current) }
        var out: [((Double, Double), (Double, Double))] = []
        var at = (0.0, 0.0), start = (0.0, 0.0)
        var command = "M"
        var k = 0
        func take() -> Double? {
            guard k < words.count, let n = Double(words[k]), n.isFinite else { return nil }
            k += 1
            return n
        }
        while k < words.count {
            if let c = words[k].first, c.isLetter { command = words[k]; k += 1 }
            let relative = command == command.lowercased()
            let base = relative ? at : (0, 0)
            var next = at
            switch command.uppercased() {
            case "M", "L":
                guard let x = take(), let y = take() else { return out }
                next = (base.0 + x, base.1 + y)
            case "H":
                guard let x = take() else { return out }
                next = (base.0 + x, at.1)
            case "V":
                guard let y = take() else { return out }
                next = (at.0, (relative ? at.1 : 0) + y)
            case "Z":
                out.append((at, start))
                at = start
                // A number after Z belongs to no command: the path ends there (and the loop cannot stall on it).
                if k < words.count, words[k].first?.isLetter != true { return out }
                continue
            default:
                return out
            }
            if command.uppercased() == "M" {
                start = next
                // Numbers after a moveto are linetos, as SVG says.
                command = relative ? "l" : "L"
            } else {
                out.append((at, next))
            }
            at = next
        }
        return out
    }

    static func distance(_ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1)
        let length = dx * dx + dy * dy
        let t = length == 0 ? 0 : min(1, max(0, ((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length))
        let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1)
        return (qx * qx + qy * qy).squareRoot()
    }
}
