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
public struct PixelBlock: Codable, Equatable, Sendable {
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

public struct SceneNode: Codable, Equatable, Sendable, Identifiable {
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
        guard delta.baseVersion == version else {
            throw SceneError.versionMismatch(expected: version, got: delta.baseVersion)
        }
        var next = self
        next.version = delta.version
        if let v = delta.viewport { next.viewport = v }
        if let s = delta.scroll { next.scroll = s }
        if let u = delta.url { next.url = u }
        if let t = delta.title { next.title = t }
        if let p = delta.pointer { next.pointer = p }
        if !delta.removed.isEmpty {
            let gone = Set(delta.removed)
            next.nodes.removeAll { gone.contains($0.id) }
        }
        if !delta.upserts.isEmpty {
            var index: [String: Int] = [:]
            for (i, n) in next.nodes.enumerated() { index[n.id] = i }
            for n in delta.upserts {
                if let i = index[n.id] { next.nodes[i] = n } else { index[n.id] = next.nodes.count; next.nodes.append(n) }
            }
        }
        return next
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

    public var description: String {
        switch self {
        case let .versionMismatch(e, g): return "scene delta is against version \(g), current is \(e)"
        case let .invalid(why): return "invalid scene: \(why)"
        }
    }
}

// MARK: - Validation (the protocol's bounds on what a customer may send)

public enum SceneLimits {
    public static let maxNodes = 20_000
    public static let maxTextLength = 10_000
    public static let maxIDLength = 128
    public static let maxURLLength = 2_048
    public static let maxCoordinate = 1_000_000.0
}

extension SceneNode {
    public func validate() throws {
        guard !id.isEmpty, id.utf8.count <= SceneLimits.maxIDLength else { throw SceneError.invalid("node id must be 1...\(SceneLimits.maxIDLength) bytes") }
        guard rect.isFinite, abs(rect.x) < SceneLimits.maxCoordinate, abs(rect.y) < SceneLimits.maxCoordinate,
              rect.width < SceneLimits.maxCoordinate, rect.height < SceneLimits.maxCoordinate
        else { throw SceneError.invalid("node \(id) has an impossible rectangle") }
        if let t = text, t.utf8.count > SceneLimits.maxTextLength { throw SceneError.invalid("node \(id) text is longer than \(SceneLimits.maxTextLength) bytes") }
        switch kind {
        case .box: break
        case .text: guard text != nil else { throw SceneError.invalid("text node \(id) has no text") }
        case .field: break
        case .mask: break
        case .image:
            guard let p = pixels else { throw SceneError.invalid("image node \(id) has no pixels") }
            guard p.width > 0, p.height > 0, p.width * p.height <= PixelBlock.maxPixels else {
                throw SceneError.invalid("image node \(id) must be 1...\(PixelBlock.maxPixels) pixels")
            }
            guard p.rgb.count == p.width * p.height * 3 else { throw SceneError.invalid("image node \(id) pixel data is \(p.rgb.count) bytes, expected \(p.width * p.height * 3)") }
        }
    }
}

extension Scene {
    public func validate() throws {
        guard viewport.width > 0, viewport.height > 0, viewport.width < SceneLimits.maxCoordinate, viewport.height < SceneLimits.maxCoordinate
        else { throw SceneError.invalid("viewport must be positive") }
        guard nodes.count <= SceneLimits.maxNodes else { throw SceneError.invalid("more than \(SceneLimits.maxNodes) nodes") }
        guard url.utf8.count <= SceneLimits.maxURLLength else { throw SceneError.invalid("url too long") }
        for n in nodes { try n.validate() }
    }
}

extension SceneDelta {
    public func validate() throws {
        guard version > baseVersion else { throw SceneError.invalid("delta version must grow") }
        guard upserts.count <= SceneLimits.maxNodes, removed.count <= SceneLimits.maxNodes else { throw SceneError.invalid("delta too large") }
        if let u = url, u.utf8.count > SceneLimits.maxURLLength { throw SceneError.invalid("url too long") }
        for n in upserts { try n.validate() }
    }
}
