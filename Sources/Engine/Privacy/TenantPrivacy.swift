import Foundation

/// A tenant's own privacy rules: the `privacy` section of the policy file
/// (`serve --policy FILE`). They travel the way the built-in rules do: into
/// the engine's redactor, and inside `/cobrowse-rules.json` to every page's
/// SDK, so a selector the tenant masks is masked before it leaves the page and
/// a pattern it names is hidden by the engine too.
///
/// The file is an administrator's, read once at start: anything it says that
/// the engine cannot honour exactly (an unknown key, a mode it does not know,
/// a pattern the SDK would read differently) stops the engine with the reason,
/// rather than run with less privacy than the file asked for.
public struct TenantPrivacy: Equatable, Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Text is shown; the rules and the page's own attributes mask what is private.
        case standard
        /// All text is masked unless an element (or a `reveal` selector) reveals it.
        case privateByDefault = "private-by-default"
    }

    /// A text pattern of the tenant's, hidden as "[name]".
    public struct Pattern: Equatable, Sendable {
        public var name: String
        public var pattern: String
        public var caseInsensitive: Bool
    }

    public var mode: Mode = .standard
    /// CSS selectors: masked (a labelled box), not sent at all, or shown.
    public var mask: [String] = []
    public var block: [String] = []
    public var reveal: [String] = []
    public var patterns: [Pattern] = []

    public static let standard = TenantPrivacy()

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    static let maxSelectors = 200
    static let maxSelectorBytes = 500
    static let maxPatterns = 100
    static let maxPatternBytes = 1_000
    /// The kinds the built-in rules report under: a tenant rule may not pass for one of them.
    static let builtInKinds: Set<String> = ["card-number", "ssn", "email", "phone", "secret", "password", "payment"]

    public init() {}

    /// The `privacy` section of a policy file's JSON; a file without one is the standard.
    public init(policyJSON bytes: [UInt8]) throws {
        let top: Any
        do { top = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw Problem(description: "not JSON: \(error.localizedDescription)")
        }
        guard let policy = top as? [String: Any] else { throw Problem(description: "the policy must be a JSON object") }
        for key in policy.keys where key != "privacy" {
            throw Problem(description: "unknown section \"\(key)\" (the policy knows \"privacy\")")
        }
        guard let section = policy["privacy"] else { return }
        guard let privacy = section as? [String: Any] else { throw Problem(description: "privacy: must be an object") }
        let known: Set<String> = ["mode", "mask", "block", "reveal", "patterns"]
        for key in privacy.keys.sorted() where !known.contains(key) {
            throw Problem(description: "privacy: unknown key \"\(key)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        if let m = privacy["mode"] {
            guard let s = m as? String, let mode = Mode(rawValue: s) else {
                throw Problem(description: "privacy.mode: \(m) is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.mode = mode
        }
        mask = try Self.selectors(privacy["mask"], "privacy.mask")
        block = try Self.selectors(privacy["block"], "privacy.block")
        reveal = try Self.selectors(privacy["reveal"], "privacy.reveal")
        patterns = try Self.patterns(privacy["patterns"])
    }

    /// The tenant's patterns as the engine's redactor runs them, after the built-in ones.
    public func redactionRules() throws -> [RedactionRule] {
        try patterns.map { try RedactionRule.custom($0.name, $0.pattern, caseInsensitive: $0.caseInsensitive) }
    }

    /// `/cobrowse-rules.json` as this tenant's pages get it: the built-in file
    /// with the tenant's patterns after its own and a `tenant` object the SDK
    /// applies (the mode and the three selector lists).
    public func servedRules(standard: [UInt8]) throws -> [UInt8] {
        guard var file = try JSONSerialization.jsonObject(with: Data(standard)) as? [String: Any],
              var list = file["patterns"] as? [Any] else { throw Problem(description: "the built-in rules file has no patterns") }
        for p in patterns {
            list.append(["kind": p.name, "pattern": p.pattern, "caseInsensitive": p.caseInsensitive,
                         "why": "The tenant's own rule (policy file)."] as [String: Any])
        }
        file["patterns"] = list
        file["tenant"] = ["privacy": mode.rawValue, "mask": mask, "block": block, "reveal": reveal] as [String: Any]
        return Array(try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// What the policy does, for `cobrowse policy check`.
    public var explained: [String] {
        var out = ["privacy mode: \(mode.rawValue)" + (mode == .privateByDefault ? " (all page text masked unless revealed)" : "")]
        for (name, list) in [("mask", mask), ("block", block), ("reveal", reveal)] where !list.isEmpty {
            out.append("\(name): \(list.joined(separator: ", "))")
        }
        for p in patterns { out.append("pattern \"\(p.name)\": \(p.pattern)\(p.caseInsensitive ? " (any case)" : "") → [\(p.name)]") }
        return out
    }

    // MARK: Reading

    private static func selectors(_ value: Any?, _ at: String) throws -> [String] {
        guard let value else { return [] }
        guard let list = value as? [Any] else { throw Problem(description: "\(at): must be a list of CSS selectors") }
        guard list.count <= maxSelectors else { throw Problem(description: "\(at): more than \(maxSelectors) selectors") }
        return try list.enumerated().map { i, item in
            guard let s = item as? String else { throw Problem(description: "\(at)[\(i)]: must be a string") }
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw Problem(description: "\(at)[\(i)]: empty selector") }
            guard trimmed.utf8.count <= maxSelectorBytes else { throw Problem(description: "\(at)[\(i)]: longer than \(maxSelectorBytes) bytes") }
            // A comma would split one entry into several on the page's side; a control character is never CSS.
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw Problem(description: "\(at)[\(i)]: holds a control character")
            }
            return trimmed
        }
    }

    private static func patterns(_ value: Any?) throws -> [Pattern] {
        guard let value else { return [] }
        guard let list = value as? [Any] else { throw Problem(description: "privacy.patterns: must be a list") }
        guard list.count <= maxPatterns else { throw Problem(description: "privacy.patterns: more than \(maxPatterns)") }
        var names: Set<String> = []
        return try list.enumerated().map { i, item in
            let at = "privacy.patterns[\(i)]"
            guard let p = item as? [String: Any] else { throw Problem(description: "\(at): must be an object with name and pattern") }
            for key in p.keys.sorted() where !["name", "pattern", "caseInsensitive"].contains(key) {
                throw Problem(description: "\(at): unknown key \"\(key)\" (known: name, pattern, caseInsensitive)")
            }
            guard let name = p["name"] as? String, (1 ... 40).contains(name.count),
                  name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" }) else {
                throw Problem(description: "\(at).name: 1–40 letters, digits, spaces or dashes (it is what the agent sees: [name])")
            }
            guard !builtInKinds.contains(name.lowercased()) else { throw Problem(description: "\(at).name: \"\(name)\" is a built-in kind") }
            guard names.insert(name.lowercased()).inserted else { throw Problem(description: "\(at).name: \"\(name)\" is named twice") }
            guard let pattern = p["pattern"] as? String, !pattern.isEmpty else { throw Problem(description: "\(at).pattern: missing") }
            guard pattern.utf8.count <= maxPatternBytes else { throw Problem(description: "\(at).pattern: longer than \(maxPatternBytes) bytes") }
            let caseInsensitive: Bool
            switch p["caseInsensitive"] {
            case nil: caseInsensitive = false
            case let b as Bool: caseInsensitive = b
            default: throw Problem(description: "\(at).caseInsensitive: must be true or false")
            }
            try checkPortable(pattern, at)
            let rule: RedactionRule
            do { rule = try RedactionRule.custom(name, pattern, caseInsensitive: caseInsensitive) } catch {
                throw Problem(description: "\(at).pattern: not a regular expression (\(error.localizedDescription))")
            }
            // A pattern that matches nothing at all would mask every gap between characters.
            if rule.firstMatch(in: "") { throw Problem(description: "\(at).pattern: matches the empty text") }
            return Pattern(name: name, pattern: pattern, caseInsensitive: caseInsensitive)
        }
    }

    /// The engine reads patterns with ICU, the SDK with JavaScript. Where the
    /// two read the same text differently, the page and the engine would hide
    /// different things, so those constructs are refused by name.
    static func checkPortable(_ pattern: String, _ at: String) throws {
        let refused: [(String, String)] = [
            (#"\(\?[a-zA-Z-]+[:)]"#, "inline flags such as (?i): use \"caseInsensitive\": true"),
            (#"(?<!\\)(?:[*+?]|\{\d+(?:,\d*)?\})\+"#, "possessive quantifiers (JavaScript has none)"),
            (#"\\[AZzGQEhHRXNvVK]"#, "an escape JavaScript reads differently (\\A \\Z \\z \\G \\Q \\E \\h \\R \\X …)"),
            (#"\\[pP]\{"#, "Unicode properties (\\p{…}): the SDK reads patterns without the u flag"),
            (#"\[\[:"#, "POSIX classes ([[:digit:]])"),
            (#"\\x\{"#, "\\x{…} escapes"),
        ]
        for (shape, why) in refused where pattern.range(of: shape, options: .regularExpression) != nil {
            throw Problem(description: "\(at).pattern: \(why)")
        }
    }
}
