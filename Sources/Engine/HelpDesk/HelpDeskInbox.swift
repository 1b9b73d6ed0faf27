import Foundation

/// Tickets coming in from the desk: `POST /helpdesk/{zendesk|freshdesk|webhook}`
/// on the customer gateway. A request is checked (signature, age) before its
/// body is read as anything; a refusal is audited and changes nothing.
/// `receive` writes the store: call it off the event loops.
public final class HelpDeskInbox: Sendable {
    /// A signed request older (or newer) than this is refused: a captured one cannot be replayed later.
    public static let maxAge: TimeInterval = 300
    public static let maxBodyBytes = 64 * 1024

    public let desk: HelpDeskKind
    private let secret: String
    private let store: HelpDeskStore & SessionStore
    private let clock: @Sendable () -> Date
    /// Where a refusal's audit row goes (the hub's budgeted refusal writer in the engine).
    private let auditRefusal: @Sendable (AuditDraft, _ address: String) -> Void

    public init(desk: HelpDeskKind, secret: String, store: HelpDeskStore & SessionStore, clock: @escaping @Sendable () -> Date = { Date() },
                auditRefusal: @escaping @Sendable (AuditDraft, String) -> Void) {
        self.desk = desk; self.secret = secret; self.store = store; self.clock = clock; self.auditRefusal = auditRefusal
    }

    /// `path` is the request's path, e.g. "/helpdesk/zendesk".
    public func receive(path: String, headers: [(String, String)], body: [UInt8], address: String) -> GatewayResponse {
        let now = clock()
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard route == "/helpdesk/\(desk.rawValue)" else {
            return Self.answer(404, "this engine takes help-desk events from \(desk.rawValue) only, at /helpdesk/\(desk.rawValue)")
        }
        guard body.count <= Self.maxBodyBytes else { return Self.answer(413, "request body too large (64 KiB at most)") }
        if let refusal = check(headers: headers, body: body, now: now) {
            auditRefusal(AuditDraft(at: now, actor: "helpdesk \(desk.rawValue)", action: "helpdesk.refused", sessionId: nil,
                                    detail: "\(refusal) from \(address)"), address)
            return Self.answer(401, "refused: \(refusal)")
        }
        let update: DeskTicketUpdate
        do { update = try InboundTicket.parse(body, desk: desk) } catch let e as InboundTicket.Problem {
            return Self.answer(400, e.message)
        } catch {
            return Self.answer(400, "the body is not JSON")
        }
        do {
            let created = try store.applyDeskTicket(update, desk: desk)
            try store.appendAudit(at: now, actor: "helpdesk \(desk.rawValue)", action: created ? "helpdesk.ticket-created" : "helpdesk.ticket-updated",
                                  sessionId: nil, detail: "ticket \(update.id)")
            return Self.answer(200, created ? "ticket \(update.id) created" : "ticket \(update.id) updated")
        } catch {
            // The desk retries a webhook that was not answered 2xx.
            return GatewayResponse(status: 503, contentType: "text/plain; charset=utf-8", body: Array("the store cannot take it now; try again\n".utf8),
                                   headers: [("Retry-After", "30")])
        }
    }

    /// nil when the request is signed by the shared secret and fresh; otherwise why not (no secret material in it).
    func check(headers: [(String, String)], body: [UInt8], now: Date) -> String? {
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1.trimmingCharacters(in: .whitespaces)
        }
        let sent: Date?
        switch desk {
        case .zendesk:
            guard let signature = header("X-Zendesk-Webhook-Signature"), let timestamp = header("X-Zendesk-Webhook-Signature-Timestamp") else {
                return "unsigned request"
            }
            guard ZendeskSignature.isValid(secret: secret, timestamp: timestamp, signature: signature, body: body) else { return "bad signature" }
            sent = ISO8601DateFormatter().date(from: timestamp) ?? Double(timestamp).map(Date.init(timeIntervalSince1970:))
        case .freshdesk, .webhook:
            guard let signature = header("X-Cobrowse-Signature"), let timestamp = header("X-Cobrowse-Timestamp") else { return "unsigned request" }
            guard WebhookSignature.isValid(secret: secret, timestamp: timestamp, signature: signature, body: body) else { return "bad signature" }
            sent = Double(timestamp).map(Date.init(timeIntervalSince1970:))
        }
        guard let sent else { return "unreadable timestamp" }
        let age = now.timeIntervalSince(sent)
        guard abs(age) <= Self.maxAge else { return "stale request (signed \(Int(age))s ago)" }
        return nil
    }

    static func answer(_ status: Int, _ text: String) -> GatewayResponse {
        GatewayResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
    }
}

/// Reads a ticket out of what each desk sends.
///
/// - Zendesk: a trigger/automation webhook whose JSON body is the API's ticket
///   shape, `{"ticket":{"id","subject","status","tags","via":{"channel"},
///   "requester":{"name","email","phone"},"type"}}` (the trigger's {{ticket.…}} fields fill it in),
///   or an event-subscription webhook `{"type":"zen:event-type:ticket.created","detail":{…}}`.
/// - Freshdesk: an automation webhook, `{"freshdesk_webhook":{"ticket_id","ticket_subject",
///   "ticket_requester_name","ticket_requester_email","ticket_requester_phone",
///   "ticket_tags","ticket_source","ticket_status","ticket_type"}}`, or the generic shape.
/// - Webhook: `{"event":"ticket.created"|"ticket.updated"|"session.requested","ticket":{"id","subject",
///   "requester":{"name","email","phone"},"category","tags","channel","status"}}`; `session.requested`
///   (the customer asked for a co-browse) tags the ticket `cobrowse_requested`.
enum InboundTicket {
    struct Problem: Error { let message: String }

    static func parse(_ body: [UInt8], desk: HelpDeskKind) throws -> DeskTicketUpdate {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw Problem(message: "malformed JSON: the body must be one JSON object")
        }
        guard let root = json as? [String: Any] else { throw Problem(message: "malformed JSON: the body must be one JSON object") }
        switch desk {
        case .freshdesk:
            if let hook = root["freshdesk_webhook"] as? [String: Any] { return try freshdesk(hook) }
            return try generic(root)
        case .zendesk:
            if let detail = root["detail"] as? [String: Any], (root["type"] as? String)?.hasPrefix("zen:event-type:ticket") == true {
                return try ticket(detail)
            }
            return try generic(root)
        case .webhook:
            let event = root["event"] as? String
            if let event, !["ticket.created", "ticket.updated", "session.requested"].contains(event) {
                throw Problem(message: "unknown event \(event.prefix(40)): expected ticket.created, ticket.updated or session.requested")
            }
            var update = try generic(root)
            // The customer asked for a co-browse (a chat tool's button, say): the ticket is marked as the desk's tag would.
            if event == "session.requested", !update.tags.contains(HelpDeskOutbox.requestTag) { update.tags.append(HelpDeskOutbox.requestTag) }
            return update
        }
    }

    private static func generic(_ root: [String: Any]) throws -> DeskTicketUpdate {
        guard let t = root["ticket"] as? [String: Any] else { throw Problem(message: "no \"ticket\" object in the body") }
        return try ticket(t)
    }

    private static func ticket(_ t: [String: Any]) throws -> DeskTicketUpdate {
        let requester = t["requester"] as? [String: Any] ?? [:]
        let via = t["via"] as? [String: Any]
        return DeskTicketUpdate(id: try id(t["id"]), subject: text(t["subject"]),
                                requesterName: text(requester["name"]), requesterEmail: text(requester["email"]),
                                requesterPhone: text(requester["phone"]),
                                category: text(t["category"]) ?? text(t["type"]),
                                tags: tags(t["tags"]), channel: text(via?["channel"]) ?? text(t["channel"]), status: text(t["status"]))
    }

    private static func freshdesk(_ h: [String: Any]) throws -> DeskTicketUpdate {
        DeskTicketUpdate(id: try id(h["ticket_id"]), subject: text(h["ticket_subject"]), requesterName: text(h["ticket_requester_name"]),
                         requesterEmail: text(h["ticket_requester_email"]), requesterPhone: text(h["ticket_requester_phone"]),
                         category: text(h["ticket_type"]), tags: tags(h["ticket_tags"]), channel: text(h["ticket_source"]),
                         status: text(h["ticket_status"]))
    }

    private static func id(_ value: Any?) throws -> String {
        let raw: String
        switch value {
        case let n as NSNumber: raw = n.stringValue
        case let s as String: raw = s.hasPrefix("#") ? String(s.dropFirst()) : s
        default: throw Problem(message: "the ticket has no id")
        }
        let id = raw.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw Problem(message: "the ticket id must be 1-64 letters, digits, '-', '_' or '.'")
        }
        return id
    }

    /// Text fields are one line, bounded: they end up on an agent's console.
    private static func text(_ value: Any?) -> String? {
        let s: String?
        switch value {
        case let v as String: s = v
        case let n as NSNumber: s = n.stringValue
        default: s = nil
        }
        guard let s else { return nil }
        let line = s.split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return line.isEmpty ? nil : String(line.prefix(500))
    }

    /// An array, or the text a {{ticket.tags}} field gives: space- or comma-separated.
    private static func tags(_ value: Any?) -> [String] {
        let list: [String]
        switch value {
        case let a as [Any]: list = a.compactMap { text($0) }
        case let s as String: list = s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        default: list = []
        }
        return Array(list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(50))
    }
}
