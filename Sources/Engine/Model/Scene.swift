import Foundation

/// Where the customer's view comes from: the page's DOM (page mode) or a
/// screen-capture stream sent as pixel tiles (screen mode).
public enum SceneSource: String, Codable, Sendable {
    case page
    case screen
}

/// What a scene node is. One flat node type keeps the wire format simple for
/// the browser SDK; `SceneNode.validate()` says which fields each kind needs.
public enum SceneNodeKind: String, Codable, Sendable {
    /// A painted rectangle: `background` (and optional `border`).
    case box
    /// A run of visible text inside `rect`: `text`, `foreground`.
    case text
    /// A form field: `label`, `fieldType`, `text` (its value, already masked by the SDK when sensitive).
    case field
    /// A small picture: `pixels`.
    case image
    /// A region the customer's side hid; drawn as an unmistakable redaction pattern.
    case mask
}

/// A small RGB picture, row-major, 3 bytes a pixel, base64 on the wire.
public struct PixelBlock: Codable, Hashable, Sendable {
    public static let maxPixels = 128 * 128

    public var width: Int
    public var height: Int
    public var rgb: Data

    public init(width: Int, height: Int, rgb: Data) {
        self.width = width; self.height = height; self.rgb = rgb
    }

    public func pixel(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return rgb.withUnsafeBytes { (b: UnsafeRawBufferPointer) in RGB(b[i], b[i + 1], b[i + 2]) }
    }
}

public struct SceneNode: Codable, Hashable, Sendable, Identifiable {
    /// Stable id of the element on the customer's page; annotations anchor to it
    /// and deltas replace or remove by it.
    public var id: String
    public var kind: SceneNodeKind
    public var rect: Rect
    /// Paint order: higher draws on top. Ties keep array order.
    public var z: Int
    public var background: RGB?
    public var foreground: RGB?
    public var border: RGB?
    public var text: String?
    public var label: String?
    public var fieldType: String?
    public var pixels: PixelBlock?
    /// True when the engine (not the SDK) redacted part of this node's text.
    public var redacted: Bool?

    public init(id: String, kind: SceneNodeKind, rect: Rect, z: Int = 0,
                background: RGB? = nil, foreground: RGB? = nil, border: RGB? = nil,
                text: String? = nil, label: String? = nil, fieldType: String? = nil,
                pixels: PixelBlock? = nil, redacted: Bool? = nil) {
        self.id = id; self.kind = kind; self.rect = rect; self.z = z
        self.background = background; self.foreground = foreground; self.border = border
        self.text = text; self.label = label; self.fieldType = fieldType
        self.pixels = pixels; self.redacted = redacted
    }

    public static func box(_ id: String, _ rect: Rect, background: RGB, border: RGB? = nil, z: Int = 0) -> SceneNode {
        SceneNode(id: id, kind: .box, rect: rect, z: z, background: background, border: border)
    }
    public static func text(_ id: String, _ rect: Rect, _ text: String, color: RGB, background: RGB? = nil, z: Int = 1) -> SceneNode {
        SceneNode(id: id, kind: .text, rect: rect, z: z, background: background, foreground: color, text: text)
    }
    public static func field(_ id: String, _ rect: Rect, label: String, value: String, type: String = "text", z: Int = 1) -> SceneNode {
        SceneNode(id: id, kind: .field, rect: rect, z: z, background: .white, foreground: RGB(30, 30, 30),
                  border: RGB(160, 160, 160), text: value, label: label, fieldType: type)
    }
    public static func mask(_ id: String, _ rect: Rect, reason: String, z: Int = 5) -> SceneNode {
        SceneNode(id: id, kind: .mask, rect: rect, z: z, label: reason)
    }
}

/// A resolution-independent picture of the customer's viewport (DESIGN §3).
public struct Scene: Codable, Equatable, Sendable {
    public var version: Int
    public var source: SceneSource
    public var viewport: Size
    public var scroll: Point
    public var url: String
    public var title: String
    public var nodes: [SceneNode]
    public var pointer: Point?

    public init(version: Int = 1, source: SceneSource = .page, viewport: Size, scroll: Point = .zero,
                url: String, title: String, nodes: [SceneNode], pointer: Point? = nil) {
        self.version = version; self.source = source; self.viewport = viewport; self.scroll = scroll
        self.url = url; self.title = title; self.nodes = nodes; self.pointer = pointer
    }

    /// Nodes in paint order (z ascending, then as sent).
    public var paintOrder: [SceneNode] {
        nodes.enumerated().sorted { a, b in
            a.element.z != b.element.z ? a.element.z < b.element.z : a.offset < b.offset
        }.map(\.element)
    }

    /// Applies a delta made against this scene's version. A delta against any
    /// other version is refused (the caller asks for a full scene instead), so a
    /// lost message can never leave a console with a silently wrong picture.
    public func applying(_ delta: SceneDelta) throws -> Scene {
        var next = self
        _ = try next.apply(delta, bytes: estimatedWireBytes)
        return next
    }

    /// What applying a delta made of the scene.
    struct Applied {
        /// The scene's size estimate after it (0 when none was kept).
        var bytes: Int
        /// False when the delta only moved the version: the customer did nothing.
        var changedPicture: Bool
    }

    /// Applies a delta in place, for a caller that keeps this scene's size
    /// estimate (the session machine; nil keeps none and checks no size): only
    /// what the delta touches is measured and compared, so a delta of three
    /// nodes costs three nodes, not the page, and the page's nodes are not
    /// copied. Bounds are checked before anything changes: a refused delta
    /// leaves the scene as it was.
    mutating func apply(_ delta: SceneDelta, bytes: Int?) throws -> Applied {
        guard delta.baseVersion == version else {
            throw SceneError.versionMismatch(expected: version, got: delta.baseVersion)
        }
        // Removals, and an id upserted twice, are rare enough to be done the plain way.
        guard delta.removed.isEmpty, Self.distinctIDs(delta.upserts) else { return try applyByCopy(delta, bytes: bytes) }
        var size = bytes ?? 0
        var changed = false
        // Where each upsert goes (-1: appended), decided before anything changes.
        var slots: [Int] = []
        slots.reserveCapacity(delta.upserts.count)
        var index: [String: Int]?
        if delta.upserts.count > 16 {
            var built: [String: Int] = [:]
            for (i, n) in nodes.enumerated() { built[n.id] = i }
            index = built
        }
        var appended = 0
        for n in delta.upserts {
            if let i = index.map({ $0[n.id] }) ?? nodes.firstIndex(where: { $0.id == n.id }) {
                if bytes != nil { size += n.estimatedWireBytes - nodes[i].estimatedWireBytes }
                if nodes[i] != n { changed = true }
                slots.append(i)
            } else {
                if bytes != nil { size += n.estimatedWireBytes + 1 }
                changed = true
                appended += 1
                slots.append(-1)
            }
        }
        if bytes != nil {
            if let u = delta.url { size += JSONSize.string(u) - JSONSize.string(url) }
            if let t = delta.title { size += JSONSize.string(t) - JSONSize.string(title) }
            try Self.checkSize(nodes: nodes.count + appended, bytes: size)
        }
        version = delta.version
        if let v = delta.viewport, v != viewport { viewport = v; changed = true }
        if let s = delta.scroll, s != scroll { scroll = s; changed = true }
        if let u = delta.url, u != url { url = u; changed = true }
        if let t = delta.title, t != title { title = t; changed = true }
        if let p = delta.pointer, p != pointer { pointer = p; changed = true }
        for (n, slot) in zip(delta.upserts, slots) {
            if slot >= 0 { nodes[slot] = n } else { nodes.append(n) }
        }
        return Applied(bytes: size, changedPicture: changed)
    }

    /// The delta that turns this scene into `next`, when one can say it and
    /// it is smaller than the page: the same nodes in the same order, some
    /// changed, some gone, new ones at the end. Nil when `next` must be sent
    /// whole (nodes moved, ids repeated, the pointer gone, another source).
    public func delta(to next: Scene) -> SceneDelta? {
        guard next.source == source, next.version > version, next.pointer != nil || pointer == nil else { return nil }
        var upserts: [SceneNode] = [], removed: [String] = []
        let budget = next.nodes.count / 2
        if nodes.count == next.nodes.count, zip(nodes, next.nodes).allSatisfy({ $0.id == $1.id }) {
            for (old, new) in zip(nodes, next.nodes) where old != new {
                upserts.append(new)
                if upserts.count > budget { return nil }
            }
        } else {
            let ids = Set(nodes.map(\.id)), nextIDs = Set(next.nodes.map(\.id))
            guard ids.count == nodes.count, nextIDs.count == next.nodes.count else { return nil }
            var k = 0
            for old in nodes {
                guard nextIDs.contains(old.id) else { removed.append(old.id); continue }
                guard k < next.nodes.count, next.nodes[k].id == old.id else { return nil }
                if next.nodes[k] != old { upserts.append(next.nodes[k]) }
                k += 1
            }
            for new in next.nodes[k...] {
                guard !ids.contains(new.id) else { return nil }
                upserts.append(new)
            }
            if upserts.count + removed.count > budget { return nil }
        }
        return SceneDelta(baseVersion: version, version: next.version, upserts: upserts, removed: removed,
                          viewport: next.viewport == viewport ? nil : next.viewport,
                          scroll: next.scroll == scroll ? nil : next.scroll,
                          url: next.url == url ? nil : next.url, title: next.title == title ? nil : next.title,
                          pointer: next.pointer == pointer ? nil : next.pointer)
    }

    private static func distinctIDs(_ nodes: [SceneNode]) -> Bool {
        guard nodes.count > 1 else { return true }
        if nodes.count <= 16 {
            for i in nodes.indices { for j in nodes.indices where j > i && nodes[i].id == nodes[j].id { return false } }
            return true
        }
        return Set(nodes.map(\.id)).count == nodes.count
    }

    /// Removals first, then upserts in order (an id removed and upserted moves to the end).
    private mutating func applyByCopy(_ delta: SceneDelta, bytes: Int?) throws -> Applied {
        var next = self
        var size = bytes ?? 0
        next.version = delta.version
        if let v = delta.viewport { next.viewport = v }
        if let s = delta.scroll { next.scroll = s }
        if let u = delta.url { size += JSONSize.string(u) - JSONSize.string(next.url); next.url = u }
        if let t = delta.title { size += JSONSize.string(t) - JSONSize.string(next.title); next.title = t }
        if let p = delta.pointer { next.pointer = p }
        if !delta.removed.isEmpty {
            let gone = Set(delta.removed)
            next.nodes.removeAll { node in
                guard gone.contains(node.id) else { return false }
                size -= node.estimatedWireBytes + 1
                return true
            }
        }
        if !delta.upserts.isEmpty {
            // A few upserts find their nodes by looking; many are worth an index.
            var index: [String: Int]?
            if delta.upserts.count > 16 {
                var built: [String: Int] = [:]
                for (i, n) in next.nodes.enumerated() { built[n.id] = i }
                index = built
            }
            for n in delta.upserts {
                let at = index.map { $0[n.id] } ?? next.nodes.firstIndex { $0.id == n.id }
                if let i = at {
                    size += n.estimatedWireBytes - next.nodes[i].estimatedWireBytes
                    next.nodes[i] = n
                } else {
                    size += n.estimatedWireBytes + 1
                    index?[n.id] = next.nodes.count
                    next.nodes.append(n)
                }
            }
        }
        if bytes != nil { try Self.checkSize(nodes: next.nodes.count, bytes: size) }
        var unmoved = next
        unmoved.version = version
        let changed = unmoved != self
        self = next
        return Applied(bytes: size, changedPicture: changed)
    }
}

/// Changes between two scene versions.
public struct SceneDelta: Codable, Equatable, Sendable {
    public var baseVersion: Int
    public var version: Int
    public var upserts: [SceneNode]
    public var removed: [String]
    public var viewport: Size?
    public var scroll: Point?
    public var url: String?
    public var title: String?
    public var pointer: Point?

    public init(baseVersion: Int, version: Int, upserts: [SceneNode] = [], removed: [String] = [],
                viewport: Size? = nil, scroll: Point? = nil, url: String? = nil, title: String? = nil, pointer: Point? = nil) {
        self.baseVersion = baseVersion; self.version = version; self.upserts = upserts; self.removed = removed
        self.viewport = viewport; self.scroll = scroll; self.url = url; self.title = title; self.pointer = pointer
    }
}

public enum SceneError: Error, Equatable, CustomStringConvertible {
    case versionMismatch(expected: Int, got: Int)
    case invalid(String)
    /// Applying a delta would grow the scene past its bounds: the sender is asked for a full scene.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .versionMismatch(e, g): return "scene delta is against version \(g), current is \(e)"
        case let .invalid(why): return "invalid scene: \(why)"
        case let .tooLarge(why): return "scene too large: \(why)"
        }
    }
}

// MARK: - Validation (the protocol's bounds on what a customer may send)

/// Every bound on a scene, in one place (docs/protocol.md, "Bounds"). A number
/// from a peer is range-checked before any arithmetic is done with it.
public enum SceneLimits {
    /// Nodes in one scene, also after any number of deltas.
    public static let maxNodes = 20_000
    /// A scene as the engine sends it on (its JSON, estimated from above) must
    /// fit in one frame of its own (a console's snapshot sends it apart when
    /// the two together would not fit).
    public static let maxSceneBytes = WireProtocol.maxMessageBytes - 4 * 1024
    public static let maxTextLength = 10_000
    public static let maxLabelLength = 1_000
    public static let maxFieldTypeLength = 64
    public static let maxIDLength = 128
    public static let maxURLLength = 2_048
    public static let maxTitleLength = 512
    public static let maxCoordinate = 1_000_000.0
    /// Paint order is a peer's number too; a page needs far fewer levels.
    public static let maxZ = 1_000_000
    /// An image's side, checked before width × height is computed.
    public static let maxImageSide = 128
}

extension Point {
    /// Finite and within the coordinate bound: a console may turn it into cells.
    public var isWithinSceneBounds: Bool {
        x.isFinite && y.isFinite && abs(x) < SceneLimits.maxCoordinate && abs(y) < SceneLimits.maxCoordinate
    }
}

extension Size {
    public var isValidViewport: Bool {
        width.isFinite && height.isFinite && width > 0 && height > 0
            && width < SceneLimits.maxCoordinate && height < SceneLimits.maxCoordinate
    }
}

extension Rect {
    public var isWithinSceneBounds: Bool {
        isFinite && abs(x) < SceneLimits.maxCoordinate && abs(y) < SceneLimits.maxCoordinate
            && width < SceneLimits.maxCoordinate && height < SceneLimits.maxCoordinate
    }
}

extension SceneNode {
    public func validate() throws {
        guard !id.isEmpty, id.utf8.count <= SceneLimits.maxIDLength else { throw SceneError.invalid("node id must be 1...\(SceneLimits.maxIDLength) bytes") }
        guard rect.isWithinSceneBounds else { throw SceneError.invalid("node \(id) has an impossible rectangle") }
        guard (-SceneLimits.maxZ ... SceneLimits.maxZ).contains(z) else { throw SceneError.invalid("node \(id) z must be within ±\(SceneLimits.maxZ)") }
        if let t = text, t.utf8.count > SceneLimits.maxTextLength { throw SceneError.invalid("node \(id) text is longer than \(SceneLimits.maxTextLength) bytes") }
        if let l = label, l.utf8.count > SceneLimits.maxLabelLength { throw SceneError.invalid("node \(id) label is longer than \(SceneLimits.maxLabelLength) bytes") }
        if let f = fieldType, f.utf8.count > SceneLimits.maxFieldTypeLength { throw SceneError.invalid("node \(id) fieldType is longer than \(SceneLimits.maxFieldTypeLength) bytes") }
        switch kind {
        case .box: break
        case .text: guard text != nil else { throw SceneError.invalid("text node \(id) has no text") }
        case .field: break
        case .mask: break
        case .image:
            guard let p = pixels else { throw SceneError.invalid("image node \(id) has no pixels") }
            // The sides are bounded first, so width × height cannot overflow.
            let side = 1...SceneLimits.maxImageSide
            guard side.contains(p.width), side.contains(p.height), p.width * p.height <= PixelBlock.maxPixels else {
                throw SceneError.invalid("image node \(id) must be 1...\(SceneLimits.maxImageSide) pixels a side")
            }
            guard p.rgb.count == p.width * p.height * 3 else { throw SceneError.invalid("image node \(id) pixel data is \(p.rgb.count) bytes, expected \(p.width * p.height * 3)") }
        }
    }

    /// An upper bound on this node's JSON as the engine encodes it, without encoding it.
    var estimatedWireBytes: Int {
        // {"id":…,"kind":"…","rect":{"height":…,"width":…,"x":…,"y":…},"z":…}
        var n = 70 + JSONSize.string(id) + JSONSize.number(rect.x) + JSONSize.number(rect.y)
            + JSONSize.number(rect.width) + JSONSize.number(rect.height) + JSONSize.number(Double(z))
        n += (background == nil ? 0 : 26) + (foreground == nil ? 0 : 26) + (border == nil ? 0 : 22) + (redacted == nil ? 0 : 18)
        if let t = text { n += 10 + JSONSize.string(t) }
        if let l = label { n += 10 + JSONSize.string(l) }
        if let f = fieldType { n += 14 + JSONSize.string(f) }
        if let p = pixels { n += 64 + (p.rgb.count + 2) / 3 * 4 }
        return n
    }
}

extension Scene {
    public func validate() throws {
        guard viewport.isValidViewport else { throw SceneError.invalid("viewport must be positive and under \(Int(SceneLimits.maxCoordinate)) px") }
        guard scroll.isWithinSceneBounds else { throw SceneError.invalid("scroll must be finite and within ±\(Int(SceneLimits.maxCoordinate)) px") }
        if let p = pointer, !p.isWithinSceneBounds { throw SceneError.invalid("pointer must be finite and within ±\(Int(SceneLimits.maxCoordinate)) px") }
        guard nodes.count <= SceneLimits.maxNodes else { throw SceneError.invalid("more than \(SceneLimits.maxNodes) nodes") }
        guard url.utf8.count <= SceneLimits.maxURLLength else { throw SceneError.invalid("url longer than \(SceneLimits.maxURLLength) bytes") }
        guard title.utf8.count <= SceneLimits.maxTitleLength else { throw SceneError.invalid("title longer than \(SceneLimits.maxTitleLength) bytes") }
        for n in nodes { try n.validate() }
        try checkSize()
    }

    /// The bounds that deltas could break: node count and encoded size.
    func checkSize() throws { try Self.checkSize(nodes: nodes.count, bytes: estimatedWireBytes) }

    static func checkSize(nodes: Int, bytes: Int) throws {
        guard nodes <= SceneLimits.maxNodes else {
            throw SceneError.tooLarge("the scene would hold \(nodes) nodes; at most \(SceneLimits.maxNodes)")
        }
        guard bytes <= SceneLimits.maxSceneBytes else {
            throw SceneError.tooLarge("the scene would be about \(bytes) bytes; at most \(SceneLimits.maxSceneBytes)")
        }
    }

    var estimatedWireBytes: Int {
        nodes.reduce(300 + JSONSize.string(url) + JSONSize.string(title)) { $0 + 1 + $1.estimatedWireBytes }
    }
}

extension SceneDelta {
    public func validate() throws {
        guard version > baseVersion else { throw SceneError.invalid("delta version must grow") }
        guard upserts.count <= SceneLimits.maxNodes, removed.count <= SceneLimits.maxNodes else { throw SceneError.invalid("delta too large") }
        if let v = viewport, !v.isValidViewport { throw SceneError.invalid("viewport must be positive and under \(Int(SceneLimits.maxCoordinate)) px") }
        if let s = scroll, !s.isWithinSceneBounds { throw SceneError.invalid("scroll must be finite and within ±\(Int(SceneLimits.maxCoordinate)) px") }
        if let p = pointer, !p.isWithinSceneBounds { throw SceneError.invalid("pointer must be finite and within ±\(Int(SceneLimits.maxCoordinate)) px") }
        if let u = url, u.utf8.count > SceneLimits.maxURLLength { throw SceneError.invalid("url longer than \(SceneLimits.maxURLLength) bytes") }
        if let t = title, t.utf8.count > SceneLimits.maxTitleLength { throw SceneError.invalid("title longer than \(SceneLimits.maxTitleLength) bytes") }
        for r in removed where r.utf8.count > SceneLimits.maxIDLength { throw SceneError.invalid("removed node id longer than \(SceneLimits.maxIDLength) bytes") }
        for n in upserts { try n.validate() }
    }
}

/// Sizes of JSON text, from above, without encoding it.
enum JSONSize {
    /// A string with its quotes; a control character may become six bytes.
    static func string(_ s: String) -> Int {
        var n = 2
        for b in s.utf8 {
            switch b {
            case 0x22, 0x5c: n += 2
            case 0 ..< 0x20: n += 6
            default: n += 1
            }
        }
        return n
    }

    /// A number as JSONEncoder writes it: whole numbers as digits, others in at most 24 characters.
    static func number(_ v: Double) -> Int {
        guard v.isFinite, v == v.rounded(), abs(v) < 1e15 else { return 24 }
        var digits = v < 0 ? 2 : 1
        var m = abs(v)
        while m >= 10 { m /= 10; digits += 1 }
        return digits
    }
}
