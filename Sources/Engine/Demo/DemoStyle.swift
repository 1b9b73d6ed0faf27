import Foundation

/// The few things the scripted customer takes from the demo's stylesheet
/// (demo.css): colours and a handful of pixel sizes, looked up by the rule's
/// selector as written ("nav a.on", ".muted"). No cascade, no specificity:
/// the layout asks for the selectors the demo's markup uses, and a later
/// rule for the same selector wins, as it would in a browser.
public struct DemoStyle: Sendable {
    private var rules: [String: [String: String]] = [:]

    public init(css: String) {
        var text = Substring(css)
        // Comments say nothing about the page.
        while let open = text.range(of: "/*") {
            let close = text[open.upperBound...].range(of: "*/")?.upperBound ?? text.endIndex
            text = text[..<open.lowerBound] + text[close...]
        }
        for block in text.split(separator: "}") {
            guard let brace = block.firstIndex(of: "{") else { continue }
            let selectors = block[..<brace].split(separator: ",").map(Self.normalised)
            var declarations: [String: String] = [:]
            for declaration in block[block.index(after: brace)...].split(separator: ";") {
                guard let colon = declaration.firstIndex(of: ":") else { continue }
                let property = declaration[..<colon].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                declarations[property] = declaration[declaration.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            for s in selectors where !s.isEmpty { rules[s, default: [:]].merge(declarations) { $1 } }
        }
    }

    static func normalised(_ selector: Substring) -> String {
        selector.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ").lowercased()
    }

    public func value(_ selector: String, _ property: String) -> String? { rules[selector]?[property] }

    /// A colour: the property's value, or the first `#rgb`/`#rrggbb` in it
    /// (so `border: 1px solid #dde1ea` gives the border's colour).
    public func colour(_ selector: String, _ property: String) -> RGB? {
        guard let v = value(selector, property) else { return nil }
        if v.lowercased() == "white" { return .white }
        for word in v.split(separator: " ") where word.hasPrefix("#") {
            if let c = Self.hex(word.dropFirst()) { return c }
        }
        return nil
    }

    static func hex(_ digits: Substring) -> RGB? {
        guard digits.count == 3 || digits.count == 6, let n = UInt32(digits, radix: 16) else { return nil }
        if digits.count == 3 {
            func twice(_ d: UInt32) -> UInt8 { UInt8(d * 17) }
            return RGB(twice(n >> 8 & 0xf), twice(n >> 4 & 0xf), twice(n & 0xf))
        }
        return RGB(UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff))
    }

    /// A length in px (`56px`, `0`); nil for anything else (`auto`, `calc(…)`, `1em`).
    public func pixels(_ selector: String, _ property: String) -> Double? {
        guard let v = value(selector, property) else { return nil }
        if v == "0" { return 0 }
        guard v.hasSuffix("px"), let n = Double(v.dropLast(2)), n.isFinite else { return nil }
        return n
    }

    /// A shorthand of lengths (`padding: 20px 32px`), each in px; nil when any is not.
    public func lengths(_ selector: String, _ property: String) -> [Double]? {
        guard let v = value(selector, property) else { return nil }
        var out: [Double] = []
        for word in v.split(separator: " ") {
            if word == "0" { out.append(0); continue }
            guard word.hasSuffix("px"), let n = Double(word.dropLast(2)), n.isFinite else { return nil }
            out.append(n)
        }
        return out.isEmpty ? nil : out
    }
}
