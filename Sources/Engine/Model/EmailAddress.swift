import Foundation

/// An address a link may be sent to. Deliberately narrower than RFC 5321:
/// one `@`, a dotted domain, printable ASCII without spaces, quotes or
/// brackets, so it can never break out of a mail header or a console line.
public enum EmailAddress {
    public static let maxLength = 254

    /// The address trimmed and with its domain in lower case; nil when it is not one.
    public static func normalized(_ text: String) -> String? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty, s.utf8.count <= maxLength else { return nil }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              (1 ... 64).contains(local.utf8.count), domain.contains("."),
              !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return nil }
        let forbidden = Set("\"(),:;<>[\\] ")
        guard s.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }), !s.contains(where: forbidden.contains),
              domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else { return nil }
        return "\(local)@\(domain.lowercased())"
    }
}
