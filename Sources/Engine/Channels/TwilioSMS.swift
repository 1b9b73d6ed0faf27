import Foundation

/// How the engine reaches a Twilio-compatible SMS API (serve --sms-url URL --sms-token-file FILE --sms-from +E164).
public struct SMSConfiguration: Sendable {
    /// e.g. https://api.twilio.com (no trailing slash).
    public var baseURL: String
    public var accountSid: String
    public var authToken: String
    /// The number (or messaging sender) texts come from, E.164.
    public var from: String

    /// `credentials`: the token file's `ACCOUNT_SID:AUTH_TOKEN`.
    public init(baseURL: String, credentials: String, from: String) throws {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        do { try DeskURL.check(base, option: "--sms-url") } catch let e as HelpDeskError { throw ContactError(e.description) }
        let parts = credentials.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw ContactError("--sms-token-file must hold ACCOUNT_SID:AUTH_TOKEN on its first line")
        }
        // The account id goes into the request's path: letters and digits only, so it cannot reach another path.
        guard (2 ... 64).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ContactError("--sms-token-file: the account SID must be letters and digits (like AC…)")
        }
        do { self.from = try ContactRules.phone(from) } catch let e as ContactError { throw ContactError("--sms-from: \(e.message)") }
        self.baseURL = base; accountSid = parts[0]; authToken = parts[1]
    }
}

/// Twilio's Messages resource: a form POST, basic auth with the account SID
/// and auth token, 201 with the message's `sid` and `status`; a refusal is
/// JSON with Twilio's own `code` (21211: not a valid number; 20003: bad
/// credentials; 20429: too many requests). Pure: builds requests, reads answers.
public struct TwilioSMS: Sendable {
    let configuration: SMSConfiguration

    public init(configuration: SMSConfiguration) { self.configuration = configuration }

    public func request(to: String, body: String) throws -> DeskRequest {
        let c = configuration
        let to = try ContactRules.phone(to)
        let form = [("To", to), ("From", c.from), ("Body", body)].map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        return DeskRequest(method: "POST", url: "\(c.baseURL)/2010-04-01/Accounts/\(c.accountSid)/Messages.json",
                           headers: [("Authorization", DeskJSON.basicAuth(c.accountSid, c.authToken)),
                                     ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                           body: Array(form.utf8))
    }

    public func answer(_ response: DeskResponse, now: Date) -> CourierAnswer {
        // A body that is not JSON (a proxy's error page) is answered by its status alone.
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        if (200 ..< 300).contains(response.status) {
            let status = (object?["status"] as? String).map { String($0.prefix(20)) } ?? "accepted"
            return CourierAnswer(.delivered, receipt: "\(Self.shortSid(object?["sid"] as? String)), \(status)")
        }
        let code = (object?["code"] as? NSNumber).map { " (Twilio \($0.intValue))" } ?? ""
        let message = (object?["message"] as? String).map { ": " + OutboxText.mask(String($0.prefix(200))) } ?? ""
        let reason = "HTTP \(response.status)\(code)\(message)"
        switch response.status {
        case 429, 500...:
            return CourierAnswer(.retry(after: DeskOutcome.retryAfter(response.header("Retry-After"), now: now), reason: reason))
        default:
            return CourierAnswer(.failed(reason: reason))
        }
    }

    /// A message sid as the feed shows it: its kind and its last four (SM…3f2a), enough to find it in the gateway's log.
    static func shortSid(_ sid: String?) -> String {
        guard let sid, sid.count > 6, sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return "no message id" }
        return "\(sid.prefix(2))…\(sid.suffix(4))"
    }

    /// application/x-www-form-urlencoded: unreserved characters as they are, space as +, the rest percent-encoded.
    static func formEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                out.unicodeScalars.append(UnicodeScalar(b))
            case UInt8(ascii: " "): out += "+"
            default: out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}

/// Carries SMS rows to the gateway over the same HTTP transport as the help desk's.
public struct SMSCourier: Courier {
    let gateway: TwilioSMS
    let transport: DeskTransport

    public init(gateway: TwilioSMS, transport: DeskTransport) { self.gateway = gateway; self.transport = transport }

    public func carry(_ entry: OutboxEntry, now: Date) async -> CourierAnswer {
        guard case let .sms(to, body) = entry.call else { return CourierAnswer(.failed(reason: "not sendable: row \(entry.id) is not a text")) }
        let request: DeskRequest
        do { request = try gateway.request(to: to, body: body) } catch {
            return CourierAnswer(.failed(reason: "not sendable: \(error)"))
        }
        do { return gateway.answer(try await transport.send(request), now: Date()) } catch {
            return CourierAnswer(.retry(after: nil, reason: "no answer from the SMS gateway: \(OutboxText.mask(String(describing: error)))"))
        }
    }
}
