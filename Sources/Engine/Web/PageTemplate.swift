/// An HTML page of Web/Assets/pages with slots: `{{name}}` takes text, which
/// is escaped, so a name or a subject from outside can only ever be text;
/// `{{{name}}}` takes another rendered template, the only markup that goes in.
struct PageTemplate {
    /// Markup made by a template: the only kind a `{{{slot}}}` takes.
    struct Markup { let html: String }

    private let source: String
    private let name: String

    init(_ name: String) {
        self.name = name
        source = String(decoding: WebAssets.required("pages/\(name).html"), as: UTF8.self)
    }

    /// Every slot must be given: a page that would show "{{…}}" to a customer is a broken build, caught by the tests.
    func render(_ text: [String: String] = [:], markup: [String: Markup] = [:]) -> Markup {
        var out = ""
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let raw = rest[open.upperBound...].hasPrefix("{")
            let start = raw ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest[start...].range(of: raw ? "}}}" : "}}") else { preconditionFailure("pages/\(name).html: an unclosed slot") }
            let slot = String(rest[start..<close.lowerBound])
            if raw {
                guard let value = markup[slot] else { preconditionFailure("pages/\(name).html: no markup for {{{\(slot)}}}") }
                out += value.html
            } else {
                guard let value = text[slot] else { preconditionFailure("pages/\(name).html: no text for {{\(slot)}}") }
                out += CustomerPages.escape(value)
            }
            rest = rest[close.upperBound...]
        }
        return Markup(html: out + rest)
    }
}
