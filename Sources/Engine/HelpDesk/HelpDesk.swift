import Foundation

/// Which help desk a deployment keeps its tickets in.
public enum HelpDeskKind: String, Codable, CaseIterable, Sendable {
    case zendesk
    case freshdesk
    /// Any other desk: signed JSON events to one URL.
    case webhook

    /// As the feed names it.
    public var title: String {
        switch self {
        case .zendesk: "Zendesk"
        case .freshdesk: "Freshdesk"
        case .webhook: "the help desk"
        }
    }
}

/// Where a session leaves the ticket, in the desk's own terms.
public enum TicketDeskStatus: String, Codable, CaseIterable, Sendable {
    case open
    case pending
    case solved
}

/// An event told to a desk that only takes webhooks.
public enum DeskEvent: String, Codable, CaseIterable, Sendable {
    case sessionStarted = "session.started"
    case linkSent = "link.sent"
    case sessionEnded = "session.ended"
}

/// One thing the engine asks a desk to do to one ticket: what an outbox row holds.
/// It never holds a credential: those are added when the call is sent.
public enum DeskCall: Equatable, Sendable {
    /// A reply the customer sees.
    case publicReply(body: String)
    /// A note only the support team sees.
    case internalNote(body: String)
    case setStatus(TicketDeskStatus)
    /// For a webhook desk; `text` is the session summary of `session.ended`.
    case event(DeskEvent, sessionId: String, text: String?)
    /// A mail to the customer, through the engine's mail server rather than a desk.
    case email(to: String, subject: String, body: String)
    /// A text message to the customer's mobile, through the engine's SMS gateway.
    case sms(to: String, body: String)

    /// Which courier carries the call: the help desk, the mail server or the SMS gateway.
    public var channel: OutboxChannel {
        switch self {
        case .publicReply, .internalNote, .setStatus, .event: .helpDesk
        case .email: .email
        case .sms: .sms
        }
    }
}

/// The couriers an outbox row may go by.
public enum OutboxChannel: String, Sendable, CaseIterable {
    case helpDesk = "helpdesk"
    case email
    case sms
}

/// An HTTP request to a desk, built by an adapter; `headers` may hold the credential, so it is never logged or stored.
public struct DeskRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

/// What the desk answered.
public struct DeskResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status; self.headers = headers; self.body = body
    }
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public enum HelpDeskError: Error, Equatable, CustomStringConvertible {
    /// The call cannot be made to this desk at all (sending it again would not help).
    case unsendable(String)
    case configuration(String)

    public var description: String {
        switch self {
        case let .unsendable(s), let .configuration(s): s
        }
    }
}

/// The seam: a desk adapter turns a call into the vendor's documented request.
/// Pure (no I/O): the outbox sender sends what it builds, so each vendor's
/// contract is one small type that can be read against the vendor's docs.
public protocol HelpDesk: Sendable {
    var kind: HelpDeskKind { get }
    /// `ticket` is the desk's ticket id; `idempotencyKey` is the outbox row's.
    func request(ticket: String, call: DeskCall, idempotencyKey: String, now: Date) throws -> DeskRequest
}

extension HelpDesk {
    public func publicReply(ticket: String, body: String, key: String, now: Date = Date()) throws -> DeskRequest {
        try request(ticket: ticket, call: .publicReply(body: body), idempotencyKey: key, now: now)
    }
    public func internalNote(ticket: String, body: String, key: String, now: Date = Date()) throws -> DeskRequest {
        try request(ticket: ticket, call: .internalNote(body: body), idempotencyKey: key, now: now)
    }
    public func setStatus(ticket: String, _ status: TicketDeskStatus, key: String, now: Date = Date()) throws -> DeskRequest {
        try request(ticket: ticket, call: .setStatus(status), idempotencyKey: key, now: now)
    }
}

/// Sends a built request and hands back the answer; throws when no answer came
/// (refused, reset, timed out). Real one: `AsyncHTTPDeskTransport`.
public protocol DeskTransport: Sendable {
    func send(_ request: DeskRequest) async throws -> DeskResponse
}

/// How to reach the desk and what to sign with; read from files at startup.
public struct HelpDeskConfiguration: Sendable {
    public var kind: HelpDeskKind
    /// e.g. https://acme.zendesk.com, https://acme.freshdesk.com, or the webhook's full URL.
    public var baseURL: String
    /// Zendesk: the agent e-mail the API token belongs to.
    public var email: String?
    /// Zendesk API token, Freshdesk API key, or (optional) a webhook bearer token.
    public var token: String?
    /// Signs outbound webhook events and checks inbound requests.
    public var webhookSecret: String?

    public init(kind: HelpDeskKind, baseURL: String, email: String? = nil, token: String? = nil, webhookSecret: String? = nil) throws {
        self.kind = kind; self.email = email; self.token = token; self.webhookSecret = webhookSecret
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        try DeskURL.check(self.baseURL)
        switch kind {
        case .zendesk:
            guard let e = email, !e.isEmpty else { throw HelpDeskError.configuration("zendesk needs --helpdesk-email (the agent the API token belongs to)") }
            guard let t = token, !t.isEmpty else { throw HelpDeskError.configuration("zendesk needs --helpdesk-token-file (an API token)") }
        case .freshdesk:
            guard let t = token, !t.isEmpty else { throw HelpDeskError.configuration("freshdesk needs --helpdesk-token-file (an API key)") }
            if email != nil { throw HelpDeskError.configuration("freshdesk authenticates with the API key alone: drop --helpdesk-email") }
        case .webhook:
            guard let s = webhookSecret, !s.isEmpty else { throw HelpDeskError.configuration("webhook needs --helpdesk-webhook-secret-file (it signs every event)") }
            if email != nil { throw HelpDeskError.configuration("a webhook desk takes no --helpdesk-email") }
        }
    }

    /// The adapter for this desk.
    public func desk() -> HelpDesk {
        switch kind {
        case .zendesk: ZendeskDesk(baseURL: baseURL, email: email ?? "", token: token ?? "")
        case .freshdesk: FreshdeskDesk(baseURL: baseURL, apiKey: token ?? "")
        case .webhook: WebhookDesk(url: baseURL, secret: webhookSecret ?? "", bearerToken: token)
        }
    }

    /// Why a secret file is readable by more than its owner, or nil: on a shared
    /// support host that is every agent reading the desk's key.
    public static func looseSecretWarning(_ path: String) -> String? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 else { return nil }
        return "\(path) is readable by others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it"
    }

    /// Reads a secret from a file: the first line, without surrounding white space.
    public static func readSecret(_ path: String, option: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HelpDeskError.configuration("\(option): cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let secret = text.trimmingCharacters(in: .whitespaces)
        guard !secret.isEmpty else { throw HelpDeskError.configuration("\(option): \(path) is empty") }
        return secret
    }
}

/// The one rule for desk addresses: https, or plain http to this machine only (tests, a local relay).
enum DeskURL {
    static func check(_ url: String, option: String = "--helpdesk-url") throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(), let host = u.host, !host.isEmpty else {
            throw HelpDeskError.configuration("\(option) \(url) is not an absolute URL")
        }
        if scheme == "https" { return }
        guard scheme == "http" else { throw HelpDeskError.configuration("\(option) must be https") }
        guard LoopbackHost.contains(host) else { throw HelpDeskError.configuration("\(option) must be https (plain http only to this machine)") }
    }
}

/// JSON bodies with sorted keys: the same call is the same bytes, and a signature covers exactly them.
enum DeskJSON {
    static func encode(_ object: [String: Any]) -> [UInt8] {
        // Only strings, numbers, booleans and nested objects go in; serialization cannot fail on them.
        (try? Array(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))) ?? Array("{}".utf8)
    }

    static func basicAuth(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Desk ticket ids in a path: digits only, so a ticket id cannot reach another path.
    static func numericTicket(_ ticket: String, desk: String) throws -> String {
        guard !ticket.isEmpty, ticket.count <= 20, ticket.allSatisfy(\.isASCII), ticket.allSatisfy(\.isNumber) else {
            throw HelpDeskError.unsendable("ticket \(ticket) is not a \(desk) ticket number")
        }
        return ticket
    }
}
