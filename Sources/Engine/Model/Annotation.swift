import Foundation

/// The agent's drawing tools (DESIGN principle 6). Every mark lives in the
/// customer's overlay only; none of them changes the page.
public enum AnnotationTool: String, Codable, CaseIterable, Sendable {
    /// A highlighted ring where the agent points; the live pointer uses `AgentPointer` instead.
    case cursor
    /// From `at` to `to`, the head at `to`.
    case arrow
    /// The ellipse inside the box spanned by `at` and `to`.
    case circle
    /// The box spanned by `at` and `to`.
    case rectangle
    /// `text` at `at`.
    case label
    /// Dims everything but the box spanned by `at` and `to`.
    case spotlight

    public var title: String {
        switch self {
        case .cursor: "Cursor"; case .arrow: "Arrow"; case .circle: "Circle"
        case .rectangle: "Rectangle"; case .label: "Label"; case .spotlight: "Spotlight"
        }
    }

    /// Tools whose shape needs a second point.
    public var spansTwoPoints: Bool { [.arrow, .circle, .rectangle, .spotlight].contains(self) }
}

/// Where a mark sits: on an element of the scene when there is one under it,
/// so it follows the element through scrolling and resizing, with page
/// coordinates (viewport position plus scroll, CSS pixels) as the fallback.
public struct AnnotationAnchor: Codable, Equatable, Sendable {
    /// The scene node the point is on (a node id is the SDK's stable id for an element).
    public var nodeId: String?
    /// Position inside that node's rectangle, as fractions 0…1 of its width and height.
    public var fx: Double?
    public var fy: Double?
    /// Page coordinates: used when there is no node, or the node is gone.
    public var pageX: Double
    public var pageY: Double

    public init(nodeId: String? = nil, fx: Double? = nil, fy: Double? = nil, pageX: Double, pageY: Double) {
        self.nodeId = nodeId; self.fx = fx; self.fy = fy; self.pageX = pageX; self.pageY = pageY
    }

    /// The anchor for a point in viewport coordinates of `scene`: on the topmost
    /// node under it (text and fields before the boxes they sit in), else on the page.
    public static func at(x: Double, y: Double, in scene: Scene?) -> AnnotationAnchor {
        let page = (x: x + (scene?.scroll.x ?? 0), y: y + (scene?.scroll.y ?? 0))
        guard let scene, let node = scene.topmostNode(atX: x, y: y, excluding: ["root"]) else {
            return AnnotationAnchor(pageX: page.x, pageY: page.y)
        }
        let r = node.rect
        let fx = r.width > 0 ? (x - r.x) / r.width : 0.5
        let fy = r.height > 0 ? (y - r.y) / r.height : 0.5
        return AnnotationAnchor(nodeId: node.id, fx: min(max(fx, 0), 1), fy: min(max(fy, 0), 1), pageX: page.x, pageY: page.y)
    }

    /// Where the anchor is now, in viewport coordinates of `scene`.
    public func resolve(in scene: Scene) -> (x: Double, y: Double) {
        if let id = nodeId, let node = scene.nodes.first(where: { $0.id == id }) {
            let r = node.rect
            return (r.x + (fx ?? 0.5) * r.width, r.y + (fy ?? 0.5) * r.height)
        }
        return (pageX - scene.scroll.x, pageY - scene.scroll.y)
    }

    func validate() throws {
        for v in [pageX, pageY] where !v.isFinite || abs(v) > 1_000_000 {
            throw SceneError.invalid("annotation: page coordinates out of range")
        }
        for v in [fx, fy].compactMap({ $0 }) where !(0...1).contains(v) {
            throw SceneError.invalid("annotation: fx and fy are fractions 0 to 1")
        }
        if let id = nodeId, id.isEmpty || id.utf8.count > 200 { throw SceneError.invalid("annotation: bad node id") }
    }
}

/// One mark the agent (or whoever holds control) drew.
public struct Annotation: Codable, Equatable, Sendable, Identifiable {
    public static let maxLabelBytes = 200
    public static let maxPerSession = 50

    public var id: String
    public var tool: AnnotationTool
    public var at: AnnotationAnchor
    /// Second point for arrows, circles, rectangles and spotlights.
    public var to: AnnotationAnchor?
    /// Label text (redacted by the engine like every other text).
    public var text: String?
    /// Who drew it; set by the engine, whatever the console sent.
    public var author: String?

    public init(id: String, tool: AnnotationTool, at: AnnotationAnchor, to: AnnotationAnchor? = nil, text: String? = nil, author: String? = nil) {
        self.id = id; self.tool = tool; self.at = at; self.to = to; self.text = text; self.author = author
    }

    func validate() throws {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw SceneError.invalid("annotation: id is 1 to 64 bytes") }
        try at.validate()
        try to?.validate()
        if tool.spansTwoPoints && to == nil { throw SceneError.invalid("annotation: a \(tool.rawValue) needs a second point (to)") }
        if tool == .label {
            guard let t = text, !t.isEmpty else { throw SceneError.invalid("annotation: a label needs text") }
        }
        if let t = text, t.utf8.count > Self.maxLabelBytes { throw SceneError.invalid("annotation: text longer than \(Self.maxLabelBytes) bytes") }
    }
}

extension Scene {
    /// The topmost node whose rectangle holds the point (viewport coordinates).
    public func topmostNode(atX x: Double, y: Double, excluding: Set<String> = []) -> SceneNode? {
        paintOrder.last { n in
            !excluding.contains(n.id)
                && x >= n.rect.x && x < n.rect.x + n.rect.width
                && y >= n.rect.y && y < n.rect.y + n.rect.height
        }
    }

    public func node(id: String) -> SceneNode? { nodes.first { $0.id == id } }
}
