/// A small, forgiving reader of HTML, enough for the demo site's own pages
/// (Web/Assets/demo), so the scripted customer draws the pages the browser
/// customer walks instead of a second copy of them. It reads tags with their
/// attributes, text, comments, the doctype, raw text (script, style) and
/// character references; it never fails: what it cannot read it keeps as
/// text or drops, and every step moves forward, so any input (truncated, deep,
/// binary) ends in time proportional to its length.
public enum DemoMarkup {
    public struct Tag: Equatable, Sendable {
        /// Lower-cased, as HTML names are case-insensitive.
        public var name: String
        /// Lower-cased names; the first of a repeated attribute wins, as in a browser.
        public var attributes: [String: String]
        public var selfClosing: Bool
    }

    public enum Token: Equatable, Sendable {
        case start(Tag)
        case end(String)
        case text(String)
    }

    /// Elements that never have content: no end tag is waited for.
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
    /// Elements whose content is text up to their end tag, not markup; the first two keep it raw, the others decode references.
    static let rawTextElements: Set<String> = ["script", "style"]
    static let escapableRawTextElements: Set<String> = ["title", "textarea"]

    public static func tokens(_ source: String) -> [Token] {
        var reader = Reader(Array(source.unicodeScalars))
        return reader.all()
    }

    /// Decodes character references (`&lt;`, `&#27;`, `&#x1F600;`); one it does not know stays as written.
    public static func decodeReferences(_ text: String) -> String {
        guard text.unicodeScalars.contains("&") else { return text }
        return decode(Array(text.unicodeScalars)[...])
    }

    /// The named references the demo's pages (and pages like them) use.
    static let namedReferences: [String: Unicode.Scalar] = [
        "lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": "\u{a0}", "middot": "·",
        "mdash": "—", "ndash": "–", "hellip": "…", "euro": "€", "copy": "©", "reg": "®", "times": "×", "rarr": "→", "larr": "←",
    ]

    static func decode(_ s: ArraySlice<Unicode.Scalar>) -> String {
        var out = String.UnicodeScalarView()
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            guard c == "&", let (scalar, next) = reference(in: s, at: i) else {
                out.append(c)
                i += 1
                continue
            }
            out.append(scalar)
            i = next
        }
        return String(out)
    }

    /// The reference starting at `at` (an "&") and the index after it, or nil when it is not one.
    private static func reference(in s: ArraySlice<Unicode.Scalar>, at: Int) -> (Unicode.Scalar, Int)? {
        var i = at + 1
        guard i < s.endIndex else { return nil }
        if s[i] == "#" {
            i += 1
            var hex = false
            if i < s.endIndex, s[i] == "x" || s[i] == "X" { hex = true; i += 1 }
            var value: UInt32 = 0, digits = 0
            while i < s.endIndex, let d = hex ? hexDigit(s[i]) : decimalDigit(s[i]) {
                // Past 0x10FFFF a number is no character; stop growing it so it cannot overflow.
                if value <= 0x10FFFF { value = value * (hex ? 16 : 10) + d }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if i < s.endIndex, s[i] == ";" { i += 1 }
            // As a browser does: NUL, surrogates and numbers past Unicode become the replacement character.
            let scalar = value == 0 ? nil : Unicode.Scalar(value)
            return (scalar ?? "\u{fffd}", i)
        }
        var name = ""
        // No reference name this reader knows is longer than 8; a longer run is text.
        while i < s.endIndex, name.unicodeScalars.count < 8, Reader.isLetter(s[i]) || decimalDigit(s[i]) != nil {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        guard i < s.endIndex, s[i] == ";", let scalar = namedReferences[name] else { return nil }
        return (scalar, i + 1)
    }

    private static func decimalDigit(_ c: Unicode.Scalar) -> UInt32? {
        ("0" ... "9").contains(c) ? c.value - 48 : nil
    }

    private static func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0" ... "9": c.value - 48
        case "a" ... "f": c.value - 87
        case "A" ... "F": c.value - 55
        default: nil
        }
    }

    /// One pass over the scalars. Every branch of `next()` consumes at least one.
    struct Reader {
        let s: [Unicode.Scalar]
        var i = 0
        /// Set by a start tag of script, style, title or textarea: what follows is its text, up to its end tag.
        var pendingRawText: String?
        init(_ s: [Unicode.Scalar]) { self.s = s }

        mutating func all() -> [Token] {
            var out: [Token] = []
            while i < s.count {
                let before = i
                if let element = pendingRawText {
                    pendingRawText = nil
                    if let t = rawText(of: element) { out.append(t) }
                    continue
                }
                if let t = next() { out.append(t) }
                // The promise that keeps hostile input from looping: every step moves forward.
                if i <= before { i = before + 1 }
            }
            return out
        }

        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }

        static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{c}" }
        static func isLetter(_ c: Unicode.Scalar) -> Bool { ("a" ... "z").contains(c) || ("A" ... "Z").contains(c) }

        mutating func next() -> Token? {
            guard s[i] == "<", let c = at(i + 1) else { return text() }
            if c == "!" || c == "?" {
                skipDeclaration()
                return nil
            }
            if c == "/" {
                return endTag()
            }
            guard Self.isLetter(c) else { return text() }
            return startTag()
        }

        /// Text up to the next "<" that may open markup.
        mutating func text() -> Token? {
            let start = i
            i += 1
            while i < s.count, s[i] != "<" { i += 1 }
            return .text(DemoMarkup.decode(s[start ..< i]))
        }

        /// A comment runs to "-->", a doctype or processing instruction to ">"; unterminated, to the end.
        mutating func skipDeclaration() {
            if at(i + 2) == "-", at(i + 3) == "-" {
                i += 4
                while i < s.count, !(s[i] == ">" && i >= 2 && s[i - 1] == "-" && s[i - 2] == "-") { i += 1 }
            } else {
                while i < s.count, s[i] != ">" { i += 1 }
            }
            i += 1
        }

        mutating func name() -> String {
            var n = String.UnicodeScalarView()
            while i < s.count, !Self.isSpace(s[i]), s[i] != "/", s[i] != ">", s[i] != "=" || n.isEmpty {
                n.append(s[i])
                i += 1
            }
            return String(n).lowercased()
        }

        mutating func endTag() -> Token? {
            i += 2
            let n = name()
            while i < s.count, s[i] != ">" { i += 1 }
            // An end tag the input cuts off is dropped, as a browser drops it.
            guard i < s.count else { return nil }
            i += 1
            return n.isEmpty ? nil : .end(n)
        }

        mutating func startTag() -> Token? {
            i += 1
            var tag = Tag(name: name(), attributes: [:], selfClosing: false)
            while i < s.count {
                let c = s[i]
                if Self.isSpace(c) { i += 1; continue }
                if c == ">" { break }
                if c == "/" {
                    tag.selfClosing = at(i + 1) == ">"
                    i += 1
                    continue
                }
                let key = name()
                var value = ""
                while i < s.count, Self.isSpace(s[i]) { i += 1 }
                if i < s.count, s[i] == "=" {
                    i += 1
                    while i < s.count, Self.isSpace(s[i]) { i += 1 }
                    value = attributeValue()
                }
                if !key.isEmpty, tag.attributes[key] == nil { tag.attributes[key] = value }
            }
            // A tag the input cuts off before its ">" is not a tag at all.
            guard i < s.count else { return nil }
            i += 1
            if rawTextElements.contains(tag.name) || escapableRawTextElements.contains(tag.name), !tag.selfClosing {
                pendingRawText = tag.name
            }
            return .start(tag)
        }

        mutating func attributeValue() -> String {
            guard i < s.count else { return "" }
            let quote = s[i]
            if quote == "\"" || quote == "'" {
                let start = i + 1
                i = start
                while i < s.count, s[i] != quote { i += 1 }
                let value = DemoMarkup.decode(s[start ..< i])
                if i < s.count { i += 1 }
                return value
            }
            let start = i
            while i < s.count, !Self.isSpace(s[i]), s[i] != ">" { i += 1 }
            return DemoMarkup.decode(s[start ..< i])
        }

        /// The text of a raw-text element, up to its end tag (or the end of the input).
        mutating func rawText(of element: String) -> Token? {
            let start = i
            let close = Array(("</" + element).unicodeScalars)
            while i < s.count {
                if s[i] == "<", i + close.count <= s.count,
                   zip(s[i ..< i + close.count], close).allSatisfy({ String($0).lowercased() == String($1) }) { break }
                i += 1
            }
            guard i > start else { return nil }
            let body = s[start ..< i]
            return .text(rawTextElements.contains(element) ? String(String.UnicodeScalarView(body)) : DemoMarkup.decode(body))
        }
    }
}
