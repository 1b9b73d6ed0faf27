import Engine
import Foundation

/// One customer's page: a SaaS list view of M nodes (boxes, text runs with
/// dates and amounts, form fields, one small image, a support e-mail the
/// engine masks), different text in every session. Deltas change a few nodes
/// as typing, hovering and an autosave line would.
///
/// Frames are built from each node's JSON, kept and redone only when the
/// node changes: encoding a 200-node page with the codec for every send
/// would cost the load generator more CPU than the engine it measures.
/// `selfCheck()` proves the bytes decode to the same messages.
struct LoadScene {
    private(set) var nodes: [SceneNode] = []
    private var fragments: [[UInt8]] = []
    private(set) var version = 0
    let url: String
    let title: String
    private var rng: SplitMix
    private var fields: [Int] = []
    private var boxes: [Int] = []
    private var stamp = 0
    private var typed = ""
    private var pointer = Point(x: 640, y: 400)

    static let viewport = Size(width: 1280, height: 800)
    private static let words = ["Invoice", "Order", "Shipment", "Refund", "Seat", "Plan", "Workspace", "Report", "Export",
                                "Webhook", "Project", "Member", "Role", "Usage", "Quota", "Region", "Backup", "Alert"]
    private static let names = ["Dana Whitfield", "Ravi Menon", "Lena Vogel", "Tomás Ruiz", "Aiko Tanaka", "Sam Okafor",
                                "Mira Novak", "Jonas Berg", "Priya Shah", "Eli Cohen"]
    private static let labels = ["Full name", "Company", "City", "Team", "Department", "Country", "Project name", "Reference"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let idle = RGB(0xf4, 0xf6, 0xfa), hovered = RGB(0xdd, 0xe5, 0xfb)

    init(session: Int, nodes count: Int) {
        // Each session's page differs, and is the same on every run.
        rng = SplitMix(seed: (UInt64(session) &* 7919) &+ 0x9E37_79B9_7F4A_7C15)
        let company = "Northwind " + LetterNumber.encode(UInt64(session)).capitalized
        url = "https://app.northwind.example/orders?page=\(session % 7 + 1)"
        title = "Orders · \(company)"
        let ink = RGB(0x1d, 0x23, 0x30), muted = RGB(0x5a, 0x62, 0x70)
        nodes.append(.box("page", Rect(x: 0, y: 0, width: 1280, height: 800), background: .white, z: 0))
        nodes.append(.box("nav", Rect(x: 0, y: 0, width: 1280, height: 56), background: RGB(0x15, 0x1b, 0x2b), z: 1))
        nodes.append(SceneNode(id: "logo", kind: .image, rect: Rect(x: 20, y: 12, width: 32, height: 32), z: 3,
                               pixels: Self.logo(hue: UInt8(truncatingIfNeeded: session &* 37))))
        nodes.append(.text("brand", Rect(x: 64, y: 18, width: 300, height: 20), company, color: .white, z: 4))
        nodes.append(.text("help", Rect(x: 20, y: 770, width: 600, height: 16),
                           "Questions? Write to support@northwind.example", color: muted, z: 4))
        stamp = nodes.count
        nodes.append(.text(LoadStamp.nodeID, Rect(x: 900, y: 770, width: 360, height: 16),
                           LoadStamp.text(seq: 0, sentAt: 0), color: muted, z: 4))
        var i = 0
        while nodes.count < count {
            let rect = Rect(x: 240 + Double(i % 5) * 205, y: 70 + Double(i / 5) * 18, width: 195, height: 16)
            let id = "n\(i)"
            switch i % 6 {
            case 0:
                boxes.append(nodes.count)
                nodes.append(.box(id, rect, background: Self.idle, border: RGB(0xdd, 0xe1, 0xe8), z: 2))
            case 3:
                nodes.append(.text(id, rect, pick(Self.labels), color: muted, z: 4))
            case 4:
                fields.append(nodes.count)
                let label = pick(Self.labels)
                nodes.append(.field(id, rect, label: label, value: pick(Self.names), z: 3))
            default:
                nodes.append(.text(id, rect, line(company), color: ink, z: 4))
            }
            i += 1
        }
        if nodes.count > count { nodes.removeLast(nodes.count - count) }
        fields.removeAll { $0 >= nodes.count }
        boxes.removeAll { $0 >= nodes.count }
        fragments = nodes.map(LoadJSON.node)
    }

    private mutating func pick(_ list: [String]) -> String { list[Int(rng.next() % UInt64(list.count))] }

    private mutating func line(_ company: String) -> String {
        let word = pick(Self.words), name = pick(Self.names)
        let day = rng.next() % 28 + 1, month = pick(Self.months)
        let amount = Double(rng.next() % 90_000) / 100
        return "\(word) for \(name) (\(company)) · \(rng.next() % 40 + 1) items · €\(String(format: "%.2f", amount)) · \(day) \(month)"
    }

    /// The page as a value, for checking the frames against the codec.
    var scene: Scene {
        Scene(version: version, viewport: Self.viewport, url: url, title: title, nodes: nodes, pointer: pointer)
    }

    /// The whole page as the SDK sends it on join, on request and every 5 s.
    mutating func fullFrame(stampedAt now: UInt64) -> [UInt8] {
        version += 1
        set(stamp) { $0.text = LoadStamp.text(seq: 0, sentAt: now) }
        var j = LoadJSON(capacity: fragments.reduce(512) { $0 + $1.count + 1 })
        j.raw("{\"v\":1,\"type\":\"scene\",\"body\":{\"version\":"); j.int(version)
        j.raw(",\"source\":\"page\",\"viewport\":{\"width\":1280,\"height\":800},\"scroll\":{\"x\":0,\"y\":0},\"url\":"); j.string(url)
        j.raw(",\"title\":"); j.string(title)
        j.raw(",\"pointer\":"); j.point(pointer)
        j.raw(",\"nodes\":[")
        for (i, f) in fragments.enumerated() {
            if i > 0 { j.raw(",") }
            j.bytes += f
        }
        j.raw("]}}")
        return j.bytes
    }

    /// A few changed nodes: the autosave line with the stamp, a keystroke in
    /// a field, a hovered row, and the pointer. Returns the frame and the
    /// delta it encodes.
    mutating func deltaFrame(seq: Int, stampedAt now: UInt64) -> (frame: [UInt8], delta: SceneDelta) {
        set(stamp) { $0.text = LoadStamp.text(seq: seq, sentAt: now) }
        var changed = [stamp]
        if !fields.isEmpty {
            let f = fields[Int(rng.next() % UInt64(fields.count))]
            typed = typed.count >= 20 ? "" : typed + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(seq % 26)))
            let value = "Northwind " + typed
            set(f) { $0.text = value }
            changed.append(f)
        }
        if !boxes.isEmpty {
            let b = boxes[Int(rng.next() % UInt64(boxes.count))]
            set(b) { $0.background = $0.background == Self.idle ? Self.hovered : Self.idle }
            if !changed.contains(b) { changed.append(b) }
        }
        pointer = Point(x: Double(rng.next() % 1280), y: Double(rng.next() % 800))
        let base = version
        version += 1
        var j = LoadJSON(capacity: changed.reduce(256) { $0 + fragments[$1].count + 1 })
        j.raw("{\"v\":1,\"type\":\"scene-delta\",\"body\":{\"baseVersion\":"); j.int(base)
        j.raw(",\"version\":"); j.int(version)
        j.raw(",\"upserts\":[")
        for (k, i) in changed.enumerated() {
            if k > 0 { j.raw(",") }
            j.bytes += fragments[i]
        }
        j.raw("],\"removed\":[],\"pointer\":"); j.point(pointer)
        j.raw("}}")
        return (j.bytes, SceneDelta(baseVersion: base, version: version, upserts: changed.map { nodes[$0] }, pointer: pointer))
    }

    private mutating func set(_ i: Int, _ change: (inout SceneNode) -> Void) {
        change(&nodes[i])
        fragments[i] = LoadJSON.node(nodes[i])
    }

    /// The frames decode, with the engine's own codec, to exactly the
    /// messages they stand for; a run stops before it measures anything else.
    static func selfCheck(nodes count: Int) throws {
        var s = LoadScene(session: 0, nodes: count)
        let full = s.fullFrame(stampedAt: 123_456_789)
        guard try WireCodec.decode(full).message == .scene(s.scene) else { throw Failure("bench load: its scene frames do not decode to its scenes") }
        let (frame, delta) = s.deltaFrame(seq: 1, stampedAt: 987_654_321)
        guard try WireCodec.decode(frame).message == .sceneDelta(delta) else { throw Failure("bench load: its delta frames do not decode to its deltas") }
        guard LoadStamp.parse(delta.upserts[0].text ?? "")?.sentAt == 987_654_000 else { throw Failure("bench load: its stamps do not read back") }
    }

    private static func logo(hue: UInt8) -> PixelBlock {
        let n = 16
        var rgb = Data(capacity: n * n * 3)
        for y in 0 ..< n {
            for x in 0 ..< n {
                let inside = (x - 8) * (x - 8) + (y - 8) * (y - 8) < 49
                rgb.append(contentsOf: inside ? [hue, UInt8(91 + x * 4), 234] : [0x15, 0x1b, 0x2b])
            }
        }
        return PixelBlock(width: n, height: n, rgb: rgb)
    }
}

/// JSON as the codec's decoder reads it (keys in any order, absent optionals
/// left out), for the few shapes a load customer sends.
struct LoadJSON {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    mutating func number(_ v: Double) {
        if v == v.rounded(), abs(v) < 1e15 { int(Int(v)) } else { bytes.append(contentsOf: "\(v)".utf8) }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0 ..< 0x20: bytes.append(contentsOf: String(format: "\\u%04x", Int(b)).utf8)
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func point(_ p: Point) {
        raw("{\"x\":"); number(p.x); raw(",\"y\":"); number(p.y); raw("}")
    }

    static func node(_ n: SceneNode) -> [UInt8] {
        var j = LoadJSON(capacity: 256 + (n.pixels?.rgb.count ?? 0) * 2)
        j.raw("{\"id\":"); j.string(n.id)
        j.raw(",\"kind\":"); j.string(n.kind.rawValue)
        j.raw(",\"rect\":{\"x\":"); j.number(n.rect.x); j.raw(",\"y\":"); j.number(n.rect.y)
        j.raw(",\"width\":"); j.number(n.rect.width); j.raw(",\"height\":"); j.number(n.rect.height)
        j.raw("},\"z\":"); j.int(n.z)
        if let c = n.background { j.raw(",\"background\":"); j.string(c.hex) }
        if let c = n.foreground { j.raw(",\"foreground\":"); j.string(c.hex) }
        if let c = n.border { j.raw(",\"border\":"); j.string(c.hex) }
        if let t = n.text { j.raw(",\"text\":"); j.string(t) }
        if let l = n.label { j.raw(",\"label\":"); j.string(l) }
        if let f = n.fieldType { j.raw(",\"fieldType\":"); j.string(f) }
        if let p = n.pixels {
            j.raw(",\"pixels\":{\"width\":"); j.int(p.width); j.raw(",\"height\":"); j.int(p.height)
            j.raw(",\"rgb\":"); j.string(p.rgb.base64EncodedString()); j.raw("}")
        }
        if let r = n.redacted { j.raw(r ? ",\"redacted\":true" : ",\"redacted\":false") }
        j.raw("}")
        return j.bytes
    }
}
