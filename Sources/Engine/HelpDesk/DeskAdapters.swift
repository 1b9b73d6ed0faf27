import Foundation

/// Zendesk Support API v2: one `PUT /api/v2/tickets/{id}.json` carries a
/// comment (public reply or internal note) or a status; basic auth is
/// `{email}/token:{api token}`.
public struct ZendeskDesk: HelpDesk {
    public let kind = HelpDeskKind.zendesk
    let baseURL: String
    let email: String
    let token: String

    public init(baseURL: String, email: String, token: String) {
        self.baseURL = baseURL; self.email = email; self.token = token
    }

    public func request(ticket: String, call: DeskCall, idempotencyKey: String, now: Date) throws -> DeskRequest {
        let id = try DeskJSON.numericTicket(ticket, desk: "Zendesk")
        let fields: [String: Any]
        switch call {
        case let .publicReply(body): fields = ["comment": ["body": body, "public": true]]
        case let .internalNote(body): fields = ["comment": ["body": body, "public": false]]
        case let .setStatus(status): fields = ["status": status.rawValue]
        case .event: throw HelpDeskError.unsendable("Zendesk takes replies, notes and statuses, not webhook events")
        case .email, .sms: throw HelpDeskError.unsendable("a mail or a text to the customer goes by its own courier, not Zendesk")
        }
        return DeskRequest(method: "PUT", url: "\(baseURL)/api/v2/tickets/\(id).json",
                           headers: [("Authorization", DeskJSON.basicAuth("\(email)/token", token)),
                                     ("Content-Type", "application/json"), ("Accept", "application/json"),
                                     // Zendesk honours it where it can; a re-sent row then changes nothing twice.
                                     ("Idempotency-Key", idempotencyKey)],
                           body: DeskJSON.encode(["ticket": fields]))
    }
}

/// Freshdesk API v2: replies and private notes are their own resources, the
/// status a number (2 open, 3 pending, 4 resolved); basic auth is `{api key}:X`.
public struct FreshdeskDesk: HelpDesk {
    public let kind = HelpDeskKind.freshdesk
    let baseURL: String
    let apiKey: String

    public init(baseURL: String, apiKey: String) { self.baseURL = baseURL; self.apiKey = apiKey }

    static func statusCode(_ s: TicketDeskStatus) -> Int {
        switch s { case .open: 2; case .pending: 3; case .solved: 4 }
    }

    public func request(ticket: String, call: DeskCall, idempotencyKey: String, now: Date) throws -> DeskRequest {
        let id = try DeskJSON.numericTicket(ticket, desk: "Freshdesk")
        let (method, path, body): (String, String, [String: Any])
        switch call {
        case let .publicReply(text): (method, path, body) = ("POST", "/api/v2/tickets/\(id)/reply", ["body": text])
        case let .internalNote(text): (method, path, body) = ("POST", "/api/v2/tickets/\(id)/notes", ["body": text, "private": true])
        case let .setStatus(status): (method, path, body) = ("PUT", "/api/v2/tickets/\(id)", ["status": Self.statusCode(status)])
        case .event: throw HelpDeskError.unsendable("Freshdesk takes replies, notes and statuses, not webhook events")
        case .email, .sms: throw HelpDeskError.unsendable("a mail or a text to the customer goes by its own courier, not Freshdesk")
        }
        return DeskRequest(method: method, url: baseURL + path,
                           headers: [("Authorization", DeskJSON.basicAuth(apiKey, "X")),
                                     ("Content-Type", "application/json"), ("Accept", "application/json")],
                           body: DeskJSON.encode(body))
    }
}

/// Any other desk: every call is a signed JSON event POSTed to one URL. The
/// event's `id` is the outbox row's idempotency key, so a receiver that keeps
/// the ids it saw drops the rare re-send.
public struct WebhookDesk: HelpDesk {
    public let kind = HelpDeskKind.webhook
    let url: String
    let secret: String
    let bearerToken: String?

    public init(url: String, secret: String, bearerToken: String? = nil) {
        self.url = url; self.secret = secret; self.bearerToken = bearerToken
    }

    public func request(ticket: String, call: DeskCall, idempotencyKey: String, now: Date) throws -> DeskRequest {
        var event: [String: Any] = ["id": idempotencyKey, "ticket": ticket,
                                    "at": ISO8601DateFormatter().string(from: now)]
        switch call {
        case let .event(name, sessionId, text):
            event["event"] = name.rawValue
            event["session"] = sessionId
            if name == .sessionEnded { event["summary"] = text ?? "" } else if let text { event["text"] = text }
        case let .publicReply(body): event["event"] = "ticket.reply"; event["body"] = body; event["public"] = true
        case let .internalNote(body): event["event"] = "ticket.note"; event["body"] = body; event["public"] = false
        case let .setStatus(status): event["event"] = "ticket.status"; event["status"] = status.rawValue
        case .email, .sms: throw HelpDeskError.unsendable("a mail or a text to the customer goes by its own courier, not the desk's webhook")
        }
        let body = DeskJSON.encode(event)
        let timestamp = String(Int(now.timeIntervalSince1970))
        var headers = [("Content-Type", "application/json"),
                       ("X-Cobrowse-Timestamp", timestamp),
                       ("X-Cobrowse-Signature", WebhookSignature.header(secret: secret, timestamp: timestamp, body: body))]
        if let bearerToken { headers.append(("Authorization", "Bearer \(bearerToken)")) }
        return DeskRequest(method: "POST", url: url, headers: headers, body: body)
    }
}
