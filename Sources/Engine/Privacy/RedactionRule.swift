import Foundation

/// What the engine found and hid. The kind is all that is ever reported:
/// hits, audit rows and activity items name the kind, never the secret.
public enum RedactionKind: Hashable, Sendable, CustomStringConvertible {
    case cardNumber
    case ssn
    case email
    case phone
    case secret
    /// A password field, masked whole.
    case passwordField
    /// A payment field (card number, CVC, expiry, IBAN …), masked whole.
    case paymentField
    /// A tenant's or an industry profile's own rule, by its name.
    case custom(String)

    /// Human words for the feed: "Engine masked a card number on …".
    public var description: String {
        switch self {
        case .cardNumber: "card number"
        case .ssn: "SSN"
        case .email: "email address"
        case .phone: "phone number"
        case .secret: "secret key"
        case .passwordField: "password field"
        case .paymentField: "payment field"
        case let .custom(name): name
        }
    }

    /// What replaces the secret in the text: the kind, no digits of it.
    public var maskText: String {
        switch self {
        case .cardNumber: "[card number]"
        case .ssn: "[SSN]"
        case .email: "[email]"
        case .phone: "[phone]"
        case .secret: "[secret]"
        case .passwordField: "[password]"
        case .paymentField: "[payment]"
        case let .custom(name): "[\(name)]"
        }
    }
}

/// One pattern the redactor looks for. Built-in detectors and industry
/// profiles are both lists of these, so a tenant rule is no special case.
/// NSRegularExpression is immutable once built, so sharing it is safe.
public struct RedactionRule: @unchecked Sendable {
    public let kind: RedactionKind
    let regex: NSRegularExpression
    /// When the pattern has a capture group 1, only that group is replaced
    /// ("api_key: XXXX" keeps "api_key: " so the agent still sees what it was).
    let secretGroup: Int
    /// Extra check on the matched text (Luhn for card numbers).
    let accept: (@Sendable (Substring) -> Bool)?
    /// Cheap pre-filter: the rule can only match text that holds a digit.
    let needsDigit: Bool
    /// Cheap pre-filter: only text at least this long is scanned.
    let minLength: Int
    /// Cheap pre-filter: the rule can only match text that holds one of these
    /// (ASCII, lower case, compared without case); empty: any text.
    let needsOneOf: [[UInt8]]
    let caseInsensitive: Bool

    public init(kind: RedactionKind, pattern: String, caseInsensitive: Bool = false,
                needsDigit: Bool = false, minLength: Int = 1, needsOneOf: [String] = [],
                accept: (@Sendable (Substring) -> Bool)? = nil) throws {
        self.kind = kind
        self.regex = try NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        self.secretGroup = regex.numberOfCaptureGroups >= 1 ? 1 : 0
        self.needsDigit = needsDigit
        self.minLength = minLength
        self.needsOneOf = needsOneOf.map { Array($0.lowercased().utf8) }
        self.caseInsensitive = caseInsensitive
        self.accept = accept
    }

    /// False only when the rule cannot match `text`, by its pre-filters. A
    /// rule matched without case also matches letters that fold to ASCII
    /// (the Kelvin sign is a "k"), so text beyond ASCII is always scanned.
    func mayMatch(_ text: String.UTF8View, isASCII: Bool) -> Bool {
        guard !needsOneOf.isEmpty, isASCII || !caseInsensitive else { return true }
        return needsOneOf.contains { Self.contains(text, $0) }
    }

    private static func contains(_ text: String.UTF8View, _ word: [UInt8]) -> Bool {
        guard let first = word.first, text.count >= word.count else { return false }
        var i = text.startIndex
        let last = text.index(text.endIndex, offsetBy: -(word.count - 1))
        while i < last {
            if lower(text[i]) == first {
                var j = text.index(after: i), k = 1
                while k < word.count, lower(text[j]) == word[k] { j = text.index(after: j); k += 1 }
                if k == word.count { return true }
            }
            i = text.index(after: i)
        }
        return false
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// A custom rule: `RedactionRule.custom("member id", #"\bMBR-\d{8}\b"#)`.
    public static func custom(_ name: String, _ pattern: String, caseInsensitive: Bool = false) throws -> RedactionRule {
        try RedactionRule(kind: .custom(name), pattern: pattern, caseInsensitive: caseInsensitive)
    }

    // Built-in patterns are constants checked by the tests, so `try!` is a programming error only.
    static func builtIn(_ kind: RedactionKind, _ pattern: String, caseInsensitive: Bool = false,
                        needsDigit: Bool = false, minLength: Int = 1, needsOneOf: [String] = [],
                        accept: (@Sendable (Substring) -> Bool)? = nil) -> RedactionRule {
        try! RedactionRule(kind: kind, pattern: pattern, caseInsensitive: caseInsensitive,
                           needsDigit: needsDigit, minLength: minLength, needsOneOf: needsOneOf, accept: accept)
    }
}

extension RedactionRule {
    /// The detectors every scene goes through, in priority order: where two
    /// overlap (a card number also looks like a phone number), the earlier wins.
    /// They are `cobrowse-rules.json`'s, the file the SDK masks with too.
    public static var standard: [RedactionRule] { PrivacyRules.standard.patterns }

    /// Field labels that make a long token in the field's value a secret.
    static var keyishLabel: RedactionRule { PrivacyRules.standard.keyishLabel }
    /// A token: no spaces, long, mixing letters and digits (hex or base64-ish).
    static var tokenShape: RedactionRule { PrivacyRules.standard.tokenShape }
}

/// Industry profiles: extra rules a tenant switches on (DESIGN: HIPAA/PCI
/// redaction, industry rules). Each is just a list of rules.
public enum RedactionProfile {
    /// Health care: medical record numbers and US Medicare beneficiary ids.
    public static let healthcare: [RedactionRule] = [
        RedactionRule.builtIn(.custom("medical record number"), #"\bMRN[:#\s]*\d{6,10}\b"#, caseInsensitive: true, needsDigit: true),
        RedactionRule.builtIn(.custom("Medicare id"), #"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b"#, needsDigit: true),
    ]
    /// Banking: IBANs in running text.
    public static let banking: [RedactionRule] = [
        RedactionRule.builtIn(.custom("IBAN"), #"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"#, needsDigit: true, minLength: 15),
    ]
}

/// The Luhn checksum every payment card number carries.
enum Luhn {
    static func isValid(_ text: Substring) -> Bool {
        var sum = 0, count = 0, double = false
        for ch in text.utf8.reversed() {
            guard ch >= 48 && ch <= 57 else { continue } // skip spaces and dashes
            var d = Int(ch - 48)
            if double { d *= 2; if d > 9 { d -= 9 } }
            sum += d; count += 1; double.toggle()
        }
        return (13...19).contains(count) && sum % 10 == 0
    }
}
