import Foundation

/// The codec's short way for the frames that come many times a second — a
/// scene and a scene delta, in both directions. Through `Codable` these cost
/// the engine most of its time per session; read and written here directly
/// they cost a fraction. The messages are the same: the reader returns nil
/// (and the frame goes through `JSONDecoder`, with its error messages) for
/// anything outside the plain subset it knows, and the writer's bytes are
/// `JSONEncoder`'s. Bodies are validated by the same `validate()` either way.
enum SceneWire {
    /// The frame decoded, or nil when `JSONDecoder` should decide.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> WireFrame? {
        var r = JSONByteReader(bytes)
        var v: Int?, type: String?, id: Int?, re: Int?
        var message: WireMessage?
        // Where the body is when it comes before the type (JSONEncoder sorts "body" first): read once the type is known.
        var body: (start: Int, end: Int)?
        var seen = Seen()
        do {
            try r.object { (r, key) throws(JSONByteReader.Unsure) in
                switch key {
                case "v": try seen.first(0); v = try r.int()
                case "type":
                    try seen.first(1)
                    let t = try r.string()
                    // Any other type is JSONDecoder's: no need to read further.
                    guard Self.reads(t) else { throw Unsure() }
                    type = t
                case "id": try seen.first(2); id = r.null() ? nil : try r.int()
                case "re": try seen.first(3); re = r.null() ? nil : try r.int()
                case "body":
                    try seen.first(4)
                    if let type {
                        message = try Self.body(type, &r)
                    } else {
                        let start = r.index
                        try r.skipValue()
                        body = (start, r.index)
                    }
                default: try r.skipValue()
                }
            }
            try r.expectEnd()
            if message == nil, let type, let body {
                var b = JSONByteReader(UnsafeRawBufferPointer(rebasing: bytes[body.start ..< body.end]))
                message = try Self.body(type, &b)
            }
        } catch { return nil }
        guard v == WireProtocol.version, let message else { return nil }
        return WireFrame(message, id: id, re: re)
    }

    private static func reads(_ type: String) -> Bool {
        type == MessageKind.scene.rawValue || type == MessageKind.sceneDelta.rawValue
    }

    private static func body(_ type: String, _ r: inout JSONByteReader) throws(Unsure) -> WireMessage {
        type == MessageKind.scene.rawValue ? .scene(try scene(&r)) : .sceneDelta(try delta(&r))
    }

    /// The frame's bytes, or nil for a message this does not write.
    static func encode(_ frame: WireFrame) -> [UInt8]? {
        var w: JSONByteWriter
        switch frame.message {
        case let .scene(s):
            w = JSONByteWriter(capacity: s.estimatedWireBytes + 64)
            w.raw("{\"body\":")
            write(s, &w)
        case let .sceneDelta(d):
            w = JSONByteWriter(capacity: d.upserts.reduce(256) { $0 + $1.estimatedWireBytes })
            w.raw("{\"body\":")
            write(d, &w)
        default: return nil
        }
        if let id = frame.id { w.raw(",\"id\":"); w.int(id) }
        if let re = frame.re { w.raw(",\"re\":"); w.int(re) }
        w.raw(",\"type\":")
        w.string(frame.message.kind.rawValue)
        w.raw(",\"v\":")
        w.int(WireProtocol.version)
        w.raw("}")
        return w.bytes
    }

    // MARK: - Reading

    typealias Unsure = JSONByteReader.Unsure

    /// Which keys of one object were read: a key given twice is JSONDecoder's to judge.
    struct Seen {
        private var bits: UInt32 = 0
        mutating func first(_ k: Int) throws(Unsure) {
            guard bits & (1 << k) == 0 else { throw Unsure() }
            bits |= 1 << k
        }
        func has(_ k: Int) -> Bool { bits & (1 << k) != 0 }
    }

    static func scene(_ r: inout JSONByteReader) throws(Unsure) -> Scene {
        var version: Int?, source: SceneSource?, viewport: Size?, scroll: Point?
        var url: String?, title: String?, nodes: [SceneNode]?, pointer: Point?
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "version": try seen.first(0); version = try r.int()
            case "source": try seen.first(1); source = SceneSource(rawValue: try r.string())
                if source == nil { throw Unsure() }
            case "viewport": try seen.first(2); viewport = try size(&r)
            case "scroll": try seen.first(3); scroll = try point(&r)
            case "url": try seen.first(4); url = try r.string()
            case "title": try seen.first(5); title = try r.string()
            case "nodes": try seen.first(6); nodes = try nodeList(&r)
            case "pointer": try seen.first(7); pointer = r.null() ? nil : try point(&r)
            default: try r.skipValue()
            }
        }
        guard let version, let source, let viewport, let scroll, let url, let title, let nodes else { throw Unsure() }
        let s = Scene(version: version, source: source, viewport: viewport, scroll: scroll, url: url, title: title, nodes: nodes, pointer: pointer)
        // A picture out of bounds gets JSONDecoder's answer and the codec's error, as any other.
        do { try s.validate() } catch { throw Unsure() }
        return s
    }

    static func delta(_ r: inout JSONByteReader) throws(Unsure) -> SceneDelta {
        var base: Int?, version: Int?, upserts: [SceneNode]?, removed: [String]?
        var d = SceneDelta(baseVersion: 0, version: 0)
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "baseVersion": try seen.first(0); base = try r.int()
            case "version": try seen.first(1); version = try r.int()
            case "upserts": try seen.first(2); upserts = try nodeList(&r)
            case "removed":
                try seen.first(3)
                var ids: [String] = []
                try r.array { (r) throws(Unsure) in ids.append(try r.string()) }
                removed = ids
            case "viewport": try seen.first(4); d.viewport = r.null() ? nil : try size(&r)
            case "scroll": try seen.first(5); d.scroll = r.null() ? nil : try point(&r)
            case "url": try seen.first(6); d.url = r.null() ? nil : try r.string()
            case "title": try seen.first(7); d.title = r.null() ? nil : try r.string()
            case "pointer": try seen.first(8); d.pointer = r.null() ? nil : try point(&r)
            default: try r.skipValue()
            }
        }
        guard let base, let version, let upserts, let removed else { throw Unsure() }
        d.baseVersion = base; d.version = version; d.upserts = upserts; d.removed = removed
        do { try d.validate() } catch { throw Unsure() }
        return d
    }

    private static func nodeList(_ r: inout JSONByteReader) throws(Unsure) -> [SceneNode] {
        var nodes: [SceneNode] = []
        try r.array { (r) throws(Unsure) in
            guard nodes.count < SceneLimits.maxNodes else { throw Unsure() }
            nodes.append(try node(&r))
        }
        return nodes
    }

    private static func node(_ r: inout JSONByteReader) throws(Unsure) -> SceneNode {
        var id: String?, kind: SceneNodeKind?, rect: Rect?, z: Int?
        var n = SceneNode(id: "", kind: .box, rect: Rect(x: 0, y: 0, width: 0, height: 0))
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "id": try seen.first(0); id = try r.string()
            case "kind": try seen.first(1); kind = SceneNodeKind(rawValue: try r.string())
                if kind == nil { throw Unsure() }
            case "rect": try seen.first(2); rect = try self.rect(&r)
            case "z": try seen.first(3); z = try r.int()
            case "background": try seen.first(4); n.background = r.null() ? nil : try colour(&r)
            case "foreground": try seen.first(5); n.foreground = r.null() ? nil : try colour(&r)
            case "border": try seen.first(6); n.border = r.null() ? nil : try colour(&r)
            case "text": try seen.first(7); n.text = r.null() ? nil : try r.string()
            case "label": try seen.first(8); n.label = r.null() ? nil : try r.string()
            case "fieldType": try seen.first(9); n.fieldType = r.null() ? nil : try r.string()
            case "pixels": try seen.first(10); n.pixels = r.null() ? nil : try pixels(&r)
            case "redacted": try seen.first(11); n.redacted = r.null() ? nil : try r.bool()
            default: try r.skipValue()
            }
        }
        guard let id, let kind, let rect, let z else { throw Unsure() }
        n.id = id; n.kind = kind; n.rect = rect; n.z = z
        return n
    }

    private static func rect(_ r: inout JSONByteReader) throws(Unsure) -> Rect {
        var x: Double?, y: Double?, w: Double?, h: Double?
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "x": try seen.first(0); x = try r.double()
            case "y": try seen.first(1); y = try r.double()
            case "width": try seen.first(2); w = try r.double()
            case "height": try seen.first(3); h = try r.double()
            default: try r.skipValue()
            }
        }
        guard let x, let y, let w, let h else { throw Unsure() }
        return Rect(x: x, y: y, width: w, height: h)
    }

    private static func point(_ r: inout JSONByteReader) throws(Unsure) -> Point {
        var x: Double?, y: Double?
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "x": try seen.first(0); x = try r.double()
            case "y": try seen.first(1); y = try r.double()
            default: try r.skipValue()
            }
        }
        guard let x, let y else { throw Unsure() }
        return Point(x: x, y: y)
    }

    private static func size(_ r: inout JSONByteReader) throws(Unsure) -> Size {
        var w: Double?, h: Double?
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "width": try seen.first(0); w = try r.double()
            case "height": try seen.first(1); h = try r.double()
            default: try r.skipValue()
            }
        }
        guard let w, let h else { throw Unsure() }
        return Size(width: w, height: h)
    }

    /// "#rrggbb" only; whatever else `RGB(hex:)` might take is JSONDecoder's to judge.
    private static func colour(_ r: inout JSONByteReader) throws(Unsure) -> RGB {
        let s = try r.string()
        var v: [UInt8] = []
        var digits = s.utf8.makeIterator()
        guard s.utf8.count == 7, digits.next() == UInt8(ascii: "#") else { throw Unsure() }
        while let c = digits.next() {
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): v.append(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): v.append(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): v.append(c - UInt8(ascii: "A") + 10)
            default: throw Unsure()
            }
        }
        return RGB(v[0] << 4 | v[1], v[2] << 4 | v[3], v[4] << 4 | v[5])
    }

    private static func pixels(_ r: inout JSONByteReader) throws(Unsure) -> PixelBlock {
        var w: Int?, h: Int?, rgb: Data?
        var seen = Seen()
        try r.object { (r, key) throws(Unsure) in
            switch key {
            case "width": try seen.first(0); w = try r.int()
            case "height": try seen.first(1); h = try r.int()
            case "rgb":
                try seen.first(2)
                guard let d = Data(base64Encoded: try r.string()) else { throw Unsure() }
                rgb = d
            default: try r.skipValue()
            }
        }
        guard let w, let h, let rgb else { throw Unsure() }
        return PixelBlock(width: w, height: h, rgb: rgb)
    }

    // MARK: - Writing (keys in JSONEncoder's sorted order, absent optionals left out)

    static func write(_ s: Scene, _ w: inout JSONByteWriter) {
        w.raw("{\"nodes\":[")
        for (i, n) in s.nodes.enumerated() {
            if i > 0 { w.raw(",") }
            write(n, &w)
        }
        w.raw("]")
        if let p = s.pointer { w.raw(",\"pointer\":"); write(p, &w) }
        w.raw(",\"scroll\":"); write(s.scroll, &w)
        w.raw(",\"source\":"); w.string(s.source.rawValue)
        w.raw(",\"title\":"); w.string(s.title)
        w.raw(",\"url\":"); w.string(s.url)
        w.raw(",\"version\":"); w.int(s.version)
        w.raw(",\"viewport\":"); write(s.viewport, &w)
        w.raw("}")
    }

    static func write(_ d: SceneDelta, _ w: inout JSONByteWriter) {
        w.raw("{\"baseVersion\":"); w.int(d.baseVersion)
        if let p = d.pointer { w.raw(",\"pointer\":"); write(p, &w) }
        w.raw(",\"removed\":[")
        for (i, id) in d.removed.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(id)
        }
        w.raw("]")
        if let s = d.scroll { w.raw(",\"scroll\":"); write(s, &w) }
        if let t = d.title { w.raw(",\"title\":"); w.string(t) }
        w.raw(",\"upserts\":[")
        for (i, n) in d.upserts.enumerated() {
            if i > 0 { w.raw(",") }
            write(n, &w)
        }
        w.raw("]")
        if let u = d.url { w.raw(",\"url\":"); w.string(u) }
        w.raw(",\"version\":"); w.int(d.version)
        if let v = d.viewport { w.raw(",\"viewport\":"); write(v, &w) }
        w.raw("}")
    }

    static func write(_ n: SceneNode, _ w: inout JSONByteWriter) {
        w.raw("{")
        var comma = false
        func key(_ k: StaticString, _ w: inout JSONByteWriter) {
            if comma { w.raw(",") }
            comma = true
            w.raw("\""); w.raw(k); w.raw("\":")
        }
        if let c = n.background { key("background", &w); w.string(c.hex) }
        if let c = n.border { key("border", &w); w.string(c.hex) }
        if let f = n.fieldType { key("fieldType", &w); w.string(f) }
        if let c = n.foreground { key("foreground", &w); w.string(c.hex) }
        key("id", &w); w.string(n.id)
        key("kind", &w); w.string(n.kind.rawValue)
        if let l = n.label { key("label", &w); w.string(l) }
        if let p = n.pixels {
            key("pixels", &w)
            w.raw("{\"height\":"); w.int(p.height)
            w.raw(",\"rgb\":"); w.string(p.rgb.base64EncodedString())
            w.raw(",\"width\":"); w.int(p.width)
            w.raw("}")
        }
        key("rect", &w)
        w.raw("{\"height\":"); w.double(n.rect.height)
        w.raw(",\"width\":"); w.double(n.rect.width)
        w.raw(",\"x\":"); w.double(n.rect.x)
        w.raw(",\"y\":"); w.double(n.rect.y)
        w.raw("}")
        if let r = n.redacted { key("redacted", &w); w.bool(r) }
        if let t = n.text { key("text", &w); w.string(t) }
        key("z", &w); w.int(n.z)
        w.raw("}")
    }

    static func write(_ p: Point, _ w: inout JSONByteWriter) {
        w.raw("{\"x\":"); w.double(p.x)
        w.raw(",\"y\":"); w.double(p.y)
        w.raw("}")
    }

    static func write(_ s: Size, _ w: inout JSONByteWriter) {
        w.raw("{\"height\":"); w.double(s.height)
        w.raw(",\"width\":"); w.double(s.width)
        w.raw("}")
    }
}
