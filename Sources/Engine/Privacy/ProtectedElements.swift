/// The parts of a customer's page an agent may never act on (click, type into,
/// scroll): masks, redacted nodes, password and payment fields. One rule, read
/// by the engine, which refuses such an action, and by the console, which does
/// not send it and says why; the fields are `cobrowse-rules.json`'s, which the
/// SDK masks at the source.
public enum ProtectedElements {
    /// `n12t0`, `n12t0.1` and `n12l` are parts of element `n12` (the SDK's stable ids).
    public static func elementId(of id: String) -> String? {
        guard id.first == "n" else { return nil }
        let digits = id.dropFirst().prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count + 1 < id.count else { return nil }
        return "n" + digits
    }

    public static func isProtected(_ node: SceneNode) -> Bool {
        if node.kind == .mask || node.redacted == true { return true }
        return PrivacyRules.standard.isProtectedField(type: node.fieldType, label: node.label)
    }

    /// The node, or the element a text run or label of it belongs to, is protected.
    public static func isProtected(_ node: SceneNode, in scene: Scene?) -> Bool {
        let element = elementId(of: node.id).flatMap { scene?.node(id: $0) }
        return [node, element].compactMap { $0 }.contains(where: isProtected)
    }

    /// The form field a node is, or is part of (its label or value drawn as text).
    public static func field(of node: SceneNode, in scene: Scene) -> SceneNode? {
        if node.kind == .field { return node }
        return elementId(of: node.id).flatMap { scene.node(id: $0) }.flatMap { $0.kind == .field ? $0 : nil }
    }
}
