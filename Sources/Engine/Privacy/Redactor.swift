import Foundation

/// One thing the redactor hid: what kind, on which node (nil for the page's
/// URL or title). Deliberately carries no trace of the secret itself.
public struct RedactionHit: Equatable, Hashable, Sendable {
    public var kind: RedactionKind
    public var nodeId: String?
    public init(kind: RedactionKind, nodeId: String?) { self.kind = kind; self.nodeId = nodeId }
}

/// A value after redaction, with what was hidden in it.
public struct Redacted<Value> {
    public var value: Value
    public var hits: [RedactionHit]
}
extension Redacted: Equatable where Value: Equatable {}
extension Redacted: Sendable where Value: Sendable {}

/// What the redactor made of each node of a session's current scene, so a
/// node sent again unchanged is not scanned again. A node is known by its id
/// and a hash of all it carries, not kept raw: the memo costs a few words a
/// node, and the redacted node shares its storage with the scene's. (Were two
/// different nodes ever to share a hash, the console would show the older
/// one's redacted form: a stale picture, never an unredacted one.) A cache of
/// a pure function, so a reference: copies of the machine share it instead of
/// copying it on every delta, and an entry too many is never wrong.
public final class RedactionMemo: @unchecked Sendable {
    struct Entry: Sendable {
        var fingerprint: Int
        var redacted: SceneNode
        var hits: [RedactionHit]
    }
    var nodes: [String: Entry] = [:]
    public init() {}

    func entry(for node: SceneNode, fingerprint: Int) -> Entry? {
        guard let e = nodes[node.id], e.fingerprint == fingerprint else { return nil }
        return e
    }
}

/// The engine's second line of privacy (DESIGN principle 4): the SDK already
/// masks what it knows about; this scans every text run, field value, label,
/// title and URL again and hides what slipped through, before anything
/// reaches a console, a recording or a log.
public struct Redactor: Sendable {
    /// Built-in detectors first, then the tenant's and industry profiles' rules.
    public let rules: [RedactionRule]

    /// Field types that are masked whole, whatever their value looks like.
    /// The `cc-*` family are the HTML autocomplete names for payment data.
    static let passwordFieldTypes: Set<String> = ["password", "current-password", "new-password"]
    static let paymentFieldTypes: Set<String> = ["card", "cvv", "cvc", "iban", "card-number", "credit-card"]

    public init(customRules: [RedactionRule] = []) {
        self.rules = RedactionRule.standard + customRules
    }

    // MARK: Text

    /// Redacts one string: each secret becomes its kind's mask text, e.g. "[card number]".
    public func redact(text: String) -> Redacted<String> {
        let found = scan(text)
        guard !found.isEmpty else { return Redacted(value: text, hits: []) }
        let out = NSMutableString(string: text)
        // Replace from the end so earlier ranges stay valid.
        for f in found.sorted(by: { $0.range.location > $1.range.location }) {
            out.replaceCharacters(in: f.range, with: f.kind.maskText)
        }
        return Redacted(value: String(out), hits: found.map { RedactionHit(kind: $0.kind, nodeId: nil) })
    }

    // MARK: Scenes

    public func redact(scene: Scene) -> Redacted<Scene> {
        var hits: [RedactionHit] = []
        var out = scene
        out.url = Self.fitting(redactField(scene.url, node: nil, into: &hits), SceneLimits.maxURLLength)
        out.title = Self.fitting(redactField(scene.title, node: nil, into: &hits), SceneLimits.maxTitleLength)
        out.nodes = scene.nodes.map { redact(node: $0, into: &hits) }
        let split = acrossRuns(Self.runs(out.nodes), into: &hits)
        if !split.isEmpty { out.nodes = out.nodes.map { n in split[n.id].map { Self.rewritten(n, $0) } ?? n } }
        return Redacted(value: out, hits: hits)
    }

    public func redact(delta: SceneDelta) -> Redacted<SceneDelta> {
        var hits: [RedactionHit] = []
        var out = delta
        if let u = delta.url { out.url = Self.fitting(redactField(u, node: nil, into: &hits), SceneLimits.maxURLLength) }
        if let t = delta.title { out.title = Self.fitting(redactField(t, node: nil, into: &hits), SceneLimits.maxTitleLength) }
        out.upserts = delta.upserts.map { redact(node: $0, into: &hits) }
        let split = acrossRuns(Self.runs(out.upserts), into: &hits)
        if !split.isEmpty { out.upserts = out.upserts.map { n in split[n.id].map { Self.rewritten(n, $0) } ?? n } }
        return Redacted(value: out, hits: hits)
    }

    /// The fieldType says the whole field is sensitive: it becomes a mask, whatever the SDK sent.
    public static func sensitiveFieldKind(_ fieldType: String?) -> RedactionKind? {
        guard let t = fieldType?.lowercased() else { return nil }
        if passwordFieldTypes.contains(t) { return .passwordField }
        if paymentFieldTypes.contains(t) || t.hasPrefix("cc-") { return .paymentField }
        return nil
    }

    /// As `redact(scene:)`, skipping the nodes `memo` saw unchanged in the
    /// session's last scene (a periodic full scene is mostly those); `memo`
    /// ends up holding this scene's nodes.
    public func redact(scene: Scene, memo: RedactionMemo) -> Redacted<Scene> {
        var hits: [RedactionHit] = []
        var out = scene
        out.url = Self.fitting(redactField(scene.url, node: nil, into: &hits), SceneLimits.maxURLLength)
        out.title = Self.fitting(redactField(scene.title, node: nil, into: &hits), SceneLimits.maxTitleLength)
        var next: [String: RedactionMemo.Entry] = [:]
        next.reserveCapacity(scene.nodes.count)
        var fresh: Set<String> = []
        out.nodes = scene.nodes.map { node in
            let print = node.hashValue
            let entry: RedactionMemo.Entry
            if let seen = memo.entry(for: node, fingerprint: print) { entry = seen } else {
                entry = redactedEntry(node, print)
                if node.kind == .text { fresh.insert(node.id) }
            }
            next[node.id] = entry
            hits += entry.hits
            return entry.redacted
        }
        memo.nodes = next
        if !fresh.isEmpty {
            let split = acrossRuns(Self.runs(out.nodes), only: fresh, into: &hits)
            if !split.isEmpty {
                out.nodes = out.nodes.map { n in
                    guard let text = split[n.id] else { return n }
                    let node = Self.rewritten(n, text)
                    // A later scene that repeats the run gets it hidden too, from the memo.
                    memo.nodes[n.id]?.redacted = node
                    return node
                }
            }
        }
        return Redacted(value: out, hits: hits)
    }

    /// As `redact(delta:)`, keeping `memo` in step with the scene the delta makes.
    public func redact(delta: SceneDelta, memo: RedactionMemo) -> Redacted<SceneDelta> {
        var hits: [RedactionHit] = []
        var out = delta
        if let u = delta.url { out.url = Self.fitting(redactField(u, node: nil, into: &hits), SceneLimits.maxURLLength) }
        if let t = delta.title { out.title = Self.fitting(redactField(t, node: nil, into: &hits), SceneLimits.maxTitleLength) }
        for id in delta.removed { memo.nodes[id] = nil }
        // Deltas the scene refused may have left nodes it never took; the next full scene starts afresh.
        if memo.nodes.count > 2 * SceneLimits.maxNodes { memo.nodes = [:] }
        out.upserts = delta.upserts.map { node in
            let print = node.hashValue
            let entry = memo.entry(for: node, fingerprint: print) ?? redactedEntry(node, print)
            memo.nodes[node.id] = entry
            hits += entry.hits
            return entry.redacted
        }
        let fresh = Set(delta.upserts.lazy.filter { $0.kind == .text }.map(\.id))
        if !fresh.isEmpty {
            // The line's other runs are the scene's, as the memo holds them redacted.
            let split = acrossRuns(Self.runs(memo.nodes.values.lazy.map(\.redacted)), only: fresh, into: &hits)
            for (id, text) in split {
                guard let held = memo.nodes[id] else { continue }
                let node = Self.rewritten(held.redacted, text)
                memo.nodes[id]?.redacted = node
                if let i = out.upserts.firstIndex(where: { $0.id == id }) { out.upserts[i] = node } else { out.upserts.append(node) }
            }
        }
        return Redacted(value: out, hits: hits)
    }

    private func redactedEntry(_ node: SceneNode, _ fingerprint: Int) -> RedactionMemo.Entry {
        var hits: [RedactionHit] = []
        let redacted = redact(node: node, into: &hits)
        return RedactionMemo.Entry(fingerprint: fingerprint, redacted: redacted, hits: hits)
    }

    func redact(node: SceneNode, into hits: inout [RedactionHit]) -> SceneNode {
        if node.kind == .field, let kind = Self.sensitiveFieldKind(node.fieldType) {
            hits.append(RedactionHit(kind: kind, nodeId: node.id))
            var mask = SceneNode.mask(node.id, node.rect, reason: kind.description, z: node.z)
            mask.redacted = true
            return mask
        }
        var out = node
        var changed = false
        if let t = node.text {
            let r: String
            // A long token in a field labelled "API key" is a secret even without a vendor prefix.
            if node.kind == .field, let label = node.label, Self.looksLikeKey(label: label, value: t) {
                hits.append(RedactionHit(kind: .secret, nodeId: node.id))
                r = RedactionKind.secret.maskText
            } else {
                r = redactField(t, node: node.id, into: &hits)
            }
            if r != t { out.text = Self.fitting(r, SceneLimits.maxTextLength); changed = true }
        }
        if let l = node.label {
            let r = redactField(l, node: node.id, into: &hits)
            if r != l { out.label = Self.fitting(r, SceneLimits.maxLabelLength); changed = true }
        }
        if changed { out.redacted = true }
        return out
    }

    /// A mask text can be longer than what it hides ("a@b.co" becomes
    /// "[email address]"), so a redacted text may outgrow the protocol's bound
    /// and be refused by every console: it is cut back, at a character, with "…".
    static func fitting(_ text: String, _ maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var out = ""
        var used = 3 // the "…"
        for c in text {
            let n = c.utf8.count
            guard used + n <= maxBytes else { break }
            out.append(c)
            used += n
        }
        return out + "…"
    }

    static func looksLikeKey(label: String, value: String) -> Bool {
        RedactionRule.keyishLabel.firstMatch(in: label) && RedactionRule.tokenShape.firstMatch(in: value)
            && value.contains(where: \.isNumber) && value.contains(where: \.isLetter)
    }

    private func redactField(_ text: String, node: String?, into hits: inout [RedactionHit]) -> String {
        let r = redact(text: text)
        for h in r.hits { hits.append(RedactionHit(kind: h.kind, nodeId: node)) }
        return r.value
    }

    // MARK: Scanning

    struct Found { var kind: RedactionKind; var range: NSRange }

    /// Every rule's matches, earlier rules winning overlaps. Text beyond
    /// ASCII is matched in its compatibility form, so full-width digits
    /// ("４１１１ …") are digits; the ranges are the original text's.
    func scan(_ original: String) -> [Found] {
        let utf16Count = original.utf16.count
        guard utf16Count > 0 else { return [] }
        var hasDigit = false, isASCII = true
        for b in original.utf8 {
            if b >= 48 && b <= 57 { hasDigit = true }
            if b >= 0x80 { isASCII = false }
        }
        let text = isASCII ? original : Self.folded(original)
        if !isASCII { hasDigit = hasDigit || text.utf8.contains { $0 >= 48 && $0 <= 57 } }
        let ns = text as NSString
        let whole = NSRange(location: 0, length: utf16Count)
        var taken: [Found] = []
        for rule in rules {
            if rule.needsDigit && !hasDigit { continue }
            if utf16Count < rule.minLength || !rule.mayMatch(text.utf8, isASCII: isASCII) { continue }
            for m in rule.regex.matches(in: text, options: [], range: whole) {
                var range = m.range(at: rule.secretGroup)
                if range.location == NSNotFound { range = m.range }
                if let accept = rule.accept, !accept(Substring(ns.substring(with: range))) { continue }
                if taken.contains(where: { NSIntersectionRange($0.range, range).length > 0 }) { continue }
                taken.append(Found(kind: rule.kind, range: range))
            }
        }
        return taken
    }
}

extension Redactor {
    /// Each character in its compatibility form (NFKC) when that form is as
    /// long in UTF-16, so every offset in the folded text is the original's:
    /// "４" is "4", "－" is "-", an ideographic space is a space.
    static func folded(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            guard !c.isASCII else { out.append(c); continue }
            let s = String(c), f = s.precomposedStringWithCompatibilityMapping
            out += f.utf16.count == s.utf16.count ? f : s
        }
        return out
    }
}

extension RedactionRule {
    func firstMatch(in text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}
