/// The demo page's markup as a tree of elements, built from `DemoMarkup`'s
/// tokens the forgiving way: an end tag closes the nearest open element of
/// its name (and what is open inside it), one with no such element is
/// ignored, and the input's end closes everything. Nesting stops deepening at
/// `maxDepth`: deeper elements' content joins the deepest one kept, so a
/// hostile page cannot make the layout (which walks the tree) recurse without
/// bound.
public struct DemoElement: Equatable, Sendable {
    public enum Child: Equatable, Sendable {
        case element(DemoElement)
        case text(String)
    }

    public var name: String
    public var attributes: [String: String]
    public var children: [Child] = []

    public static let maxDepth = 200

    public init(name: String, attributes: [String: String] = [:], children: [Child] = []) {
        self.name = name; self.attributes = attributes; self.children = children
    }

    public subscript(_ attribute: String) -> String? { attributes[attribute] }

    public var classes: [Substring] { (attributes["class"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) }
    public func hasClass(_ c: String) -> Bool { classes.contains { $0 == c } }

    /// The markup as a document: a root element holding what the page holds.
    public static func document(_ source: String) -> DemoElement {
        var stack = [DemoElement(name: "#document")]
        // How many elements of each name past the depth bound were not kept: their end tags close nothing.
        var unkept: [String: Int] = [:]
        func close() {
            let done = stack.removeLast()
            stack[stack.count - 1].children.append(.element(done))
        }
        for token in DemoMarkup.tokens(source) {
            switch token {
            case let .text(t):
                stack[stack.count - 1].children.append(.text(t))
            case let .start(tag):
                let element = DemoElement(name: tag.name, attributes: tag.attributes)
                if DemoMarkup.voidElements.contains(tag.name) || tag.selfClosing && !DemoMarkup.rawTextElements.contains(tag.name) {
                    stack[stack.count - 1].children.append(.element(element))
                } else if stack.count > maxDepth {
                    unkept[tag.name, default: 0] += 1
                } else {
                    stack.append(element)
                }
            case let .end(name):
                if let n = unkept[name], n > 0 {
                    unkept[name] = n - 1
                } else if let k = stack.lastIndex(where: { $0.name == name }), k > 0 {
                    while stack.count > k { close() }
                }
            }
        }
        while stack.count > 1 { close() }
        return stack[0]
    }

    /// The first element named `name` inside this one, in document order, searched without recursion.
    public func first(_ name: String) -> DemoElement? {
        var queue: [DemoElement] = []
        for case let .element(c) in children.reversed() { queue.append(c) }
        while let e = queue.popLast() {
            if e.name == name { return e }
            for case let .element(c) in e.children.reversed() { queue.append(c) }
        }
        return nil
    }

    /// Every element named `name` inside this one, in document order.
    public func all(_ name: String) -> [DemoElement] {
        var out: [DemoElement] = []
        var queue: [DemoElement] = []
        for case let .element(c) in children.reversed() { queue.append(c) }
        while let e = queue.popLast() {
            if e.name == name { out.append(e) }
            for case let .element(c) in e.children.reversed() { queue.append(c) }
        }
        return out
    }

    /// The element's text as a reader sees it: its text and its inline children's,
    /// white space collapsed; script and style say nothing.
    public var text: String {
        var parts: [String] = []
        var queue: [Child] = children.reversed()
        while let c = queue.popLast() {
            switch c {
            case let .text(t): parts.append(t)
            case let .element(e) where !DemoMarkup.rawTextElements.contains(e.name): queue.append(contentsOf: e.children.reversed())
            case .element: break
            }
        }
        return Self.collapsed(parts.joined())
    }

    /// Runs of white space as one space, none at the ends (CSS's normal white-space).
    static func collapsed(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\u{c}" }).joined(separator: " ")
    }
}
