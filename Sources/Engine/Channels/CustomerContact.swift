import Foundation

/// Where a ticket's customer can be reached with a one-time link: an e-mail
/// address, a mobile number, either or both.
public struct CustomerContact: Equatable, Sendable {
    public var email: String?
    public var phone: String?
    public init(email: String? = nil, phone: String? = nil) { self.email = email; self.phone = phone }
}

/// Why an address or a number was refused: said so that whoever typed it can fix it.
public struct ContactError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The rules an address must pass before it is stored or written into a mail
/// header or an SMS request: a CR or LF in an address would let whoever typed
/// it add headers (or whole commands) to the conversation with the mail server.
public enum ContactRules {
    /// RFC 5321's limit on a forward path.
    public static let maxEmailLength = 254

    /// An e-mail address: one `@`, a local part and a domain, no white space or control characters, at most 254 bytes.
    public static func email(_ raw: String) throws -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw ContactError("the e-mail address is empty") }
        guard text.utf8.count <= maxEmailLength else {
            throw ContactError("the e-mail address is \(text.utf8.count) bytes long; at most \(maxEmailLength)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " || $0 == "\u{7F}" }) else {
            throw ContactError("the e-mail address holds a line break, a tab, a space or another control character")
        }
        guard !text.contains(where: { "<>\"(),;:\\[]".contains($0) }) else {
            throw ContactError("the e-mail address holds a character an address cannot have (<>\"(),;:\\[])")
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ContactError("the e-mail address must have exactly one @, like dana@example.com") }
        guard !parts[0].isEmpty, parts[0].utf8.count <= 64 else { throw ContactError("the e-mail address has no part before the @ (or one over 64 bytes)") }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            throw ContactError("the e-mail address's domain \(domain) is not a domain, like example.com")
        }
        return text
    }

    /// A mobile number in E.164: `+` and 8 to 15 digits (spaces, dots, dashes and brackets as people write them are dropped).
    public static func phone(_ raw: String) throws -> String {
        guard raw.utf8.count <= 32 else { throw ContactError("the phone number is \(raw.utf8.count) bytes long; an E.164 number has at most 16") }
        let kept = raw.filter { !" .-()".contains($0) }
        guard kept.hasPrefix("+") else { throw ContactError("the phone number must be in E.164 form, starting with + and the country code, like +15555550123") }
        let digits = kept.dropFirst()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), (8 ... 15).contains(digits.count), digits.first != "0" else {
            throw ContactError("the phone number must be + and 8 to 15 digits (E.164), like +15555550123")
        }
        return kept
    }
}

/// Where each ticket's customer is reached, and which channel each session's
/// first link went on (a renewed link goes the same way).
public protocol CustomerContactStore: AnyObject, Sendable {
    /// Sets the address and number added here for a ticket (nil leaves a value as it is).
    func setCustomerContact(ticketId: String, email: String?, phone: String?) throws
    /// The ticket's address and number: the ones added here first, else what the help desk sent; nil for no ticket.
    func customerContact(ticketId: String) throws -> CustomerContact?
    func setLinkChannel(sessionId: String, _ channel: LinkDelivery) throws
    /// The channel the session's first link went on; nil when none was stored (the agent handed it over).
    func linkChannel(sessionId: String) throws -> LinkDelivery?
}
