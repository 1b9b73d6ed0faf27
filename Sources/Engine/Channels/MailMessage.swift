import Foundation

/// One plain-text mail to a customer, written out as RFC 5322 with CRLF line
/// ends. Every header value is either checked (the addresses) or the engine's
/// own ASCII, so nothing a ticket says can add a header.
public struct MailMessage: Equatable, Sendable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    public var messageID: String
    public var date: Date

    public init(from: String, to: String, subject: String, body: String, messageID: String, date: Date) {
        self.from = from; self.to = to; self.subject = subject; self.body = body; self.messageID = messageID; self.date = date
    }

    /// The message-id for an outbox row: the same row sent twice is the same message to the receiving side.
    public static func messageID(idempotencyKey: String, from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        return "<\(Digest.sha256Hex(idempotencyKey).prefix(32))@\(domain)>"
    }

    /// The whole message, headers and body, CRLF throughout. `eightBit`: the
    /// server said 8BITMIME, so UTF-8 goes as it is; otherwise quoted-printable.
    public func rendered(eightBit: Bool) throws -> String {
        let from = try ContactRules.email(self.from), to = try ContactRules.email(self.to)
        let lines = MailText.lines(body)
        // A line over 998 bytes is not allowed in a message: long lines go quoted-printable, which wraps them.
        let asIs = eightBit && lines.allSatisfy { $0.utf8.count <= 900 }
        let encodedBody = asIs ? lines.joined(separator: "\r\n") : MailText.quotedPrintable(lines)
        let headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(MailText.headerText(subject))",
            "Date: \(MailText.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(asIs ? "8bit" : "quoted-printable")",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody + "\r\n"
    }
}

/// The text rules of a mail: line ends, encodings, dates.
enum MailText {
    /// The body's lines, whatever line ends it came with.
    static func lines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A header value: ASCII as it is (control characters dropped), anything else as an RFC 2047 encoded word.
    static func headerText(_ text: String) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control }))
        if clean.unicodeScalars.allSatisfy(\.isASCII) { return clean }
        return "=?utf-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    /// RFC 2045 quoted-printable, with soft breaks keeping each line within 76 characters.
    static func quotedPrintable(_ lines: [String]) -> String {
        lines.map { line -> String in
            var out = "", width = 0
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                let plain = (b >= 33 && b <= 126 && b != 61) || (b == 32 && !last)
                let piece = plain ? String(UnicodeScalar(b)) : String(format: "=%02X", b)
                if width + piece.count > 75 { out += "=\r\n"; width = 0 }
                out += piece
                width += piece.count
            }
            return out
        }.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }

    /// DATA's body: a line that starts with a dot gets a second one (RFC 5321 4.5.2), and the end mark follows.
    static func dotStuffed(_ message: String) -> String {
        let stuffed = message.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        var lines = stuffed
        if lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
