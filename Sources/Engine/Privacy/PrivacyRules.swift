import Foundation

/// What is private, declared once in `cobrowse-rules.json` (Web/Assets): the
/// SDK loads the same file from `/cobrowse-rules.json` and masks with it
/// before anything leaves the page, the engine's redactor hides what it finds
/// again, and the engine and the console refuse control actions on the fields
/// it names. One file, so the three can never hold two opinions.
public struct PrivacyRules: @unchecked Sendable {
    /// The text detectors, in priority order (where two overlap, the earlier wins).
    public let patterns: [RedactionRule]
    /// A field whose label says key, secret, token…: a long token in its value is a secret.
    let keyishLabel: RedactionRule
    let tokenShape: RedactionRule
    let protectedInputTypes: Set<String>
    let protectedAutocomplete: NSRegularExpression
    let protectedWords: NSRegularExpression

    /// The rules this build carries. A file that does not read is a broken build, caught by every test.
    public static let standard: PrivacyRules = {
        do { return try PrivacyRules(json: WebAssets.required("cobrowse-rules.json")) } catch {
            preconditionFailure("cobrowse-rules.json: \(error)")
        }
    }()

    struct File: Decodable {
        struct Pattern: Decodable {
            var kind: String
            var pattern: String
            var check: String?
            var caseInsensitive: Bool?
            var needsDigit: Bool?
            var minLength: Int?
            var needsOneOf: [String]?
        }
        struct FieldSecret: Decodable { var label: String; var value: String }
        struct Fields: Decodable { var inputTypes: [String]; var autocomplete: String; var words: String }
        var patterns: [Pattern]
        var fieldSecret: FieldSecret
        var protectedFields: Fields
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(json: [UInt8]) throws {
        let file = try JSONDecoder().decode(File.self, from: Data(json))
        patterns = try file.patterns.map { p in
            let kind: RedactionKind
            switch p.kind {
            case "card-number": kind = .cardNumber
            case "ssn": kind = .ssn
            case "email": kind = .email
            case "phone": kind = .phone
            case "secret": kind = .secret
            default: kind = .custom(p.kind)
            }
            let accept: (@Sendable (Substring) -> Bool)?
            switch p.check {
            case nil: accept = nil
            case "luhn": accept = { Luhn.isValid($0) }
            case let other?: throw Problem(description: "\(p.kind): unknown check \(other) (luhn is the one there is)")
            }
            return try RedactionRule(kind: kind, pattern: p.pattern, caseInsensitive: p.caseInsensitive ?? false, needsDigit: p.needsDigit ?? false,
                                     minLength: p.minLength ?? 1, needsOneOf: p.needsOneOf ?? [], accept: accept)
        }
        keyishLabel = try RedactionRule(kind: .secret, pattern: file.fieldSecret.label, caseInsensitive: true)
        tokenShape = try RedactionRule(kind: .secret, pattern: file.fieldSecret.value, minLength: 20)
        protectedInputTypes = Set(file.protectedFields.inputTypes.map { $0.lowercased() })
        protectedAutocomplete = try NSRegularExpression(pattern: file.protectedFields.autocomplete, options: [.caseInsensitive])
        protectedWords = try NSRegularExpression(pattern: file.protectedFields.words, options: [.caseInsensitive])
    }

    /// A password or payment field, by its type (or autocomplete token) and its label.
    public func isProtectedField(type: String?, label: String?) -> Bool {
        let type = (type ?? "").lowercased()
        if protectedInputTypes.contains(type) || Self.matches(protectedAutocomplete, type) { return true }
        return Self.matches(protectedWords, type) || Self.matches(protectedWords, label ?? "")
    }

    private static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        !text.isEmpty && regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
