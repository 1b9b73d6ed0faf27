import Foundation

/// `POST /live-help`: a customer pressed "Get live help" on a tenant's page.
/// The request becomes a ticket marked ⚑ in every agent's lobby; the e-mail
/// address it gives is where the link can go. Only pages of the tenant's
/// origins may file one, each address only a few a minute (the gateway's
/// throttle), and only so many may wait at once.
///
/// The page's script reads the answer, so every answer to an allowed origin
/// carries `Access-Control-Allow-Origin` for it. The script sends its JSON as
/// `text/plain`, which needs no preflight. `receive` writes the store: call it
/// off the event loops.
public final class LiveHelpDesk: Sendable {
    public static let path = "/live-help"
    /// Requests no agent has started a session on yet; past this many, new ones are turned away.
    public let maxWaiting: Int

    public let origins: LiveHelpOrigins
    private let store: CustomerRequestStore & SessionStore
    private let redactor: Redactor
    private let clock: @Sendable () -> Date
    private let auditRefusal: @Sendable (AuditDraft, _ address: String) -> Void

    public init(origins: LiveHelpOrigins, store: CustomerRequestStore & SessionStore, redactor: Redactor,
                maxWaiting: Int = 200, clock: @escaping @Sendable () -> Date = { Date() },
                auditRefusal: @escaping @Sendable (AuditDraft, String) -> Void) {
        self.origins = origins; self.store = store; self.redactor = redactor; self.maxWaiting = maxWaiting
        self.clock = clock; self.auditRefusal = auditRefusal
    }

    /// The answer for the page, and the ticket when a new one was filed (the lobbies are told).
    public func receive(headers: [(String, String)], body: [UInt8], address: String) -> (GatewayResponse, filed: Ticket?) {
        let now = clock()
        let origin = headers.first { $0.0.lowercased() == "origin" }?.1.trimmingCharacters(in: .whitespaces) ?? ""
        guard origins.allows(origin) else {
            auditRefusal(AuditDraft(at: now, actor: "address \(address)", action: "live-help.refused", sessionId: nil,
                                    detail: "origin \(origin.isEmpty ? "(none)" : String(origin.prefix(100))) is not one of --live-help-origins"), address)
            return (Self.answer(403, ["error": "live help is not switched on for this site"], origin: nil), nil)
        }
        let allowed = origin.lowercased()
        let request: LiveHelpRequest
        do { request = try LiveHelpRequest.parse(body, origin: allowed) } catch let r as LiveHelpRequest.Refusal {
            return (Self.answer(r.status, ["error": r.message], origin: allowed), nil)
        } catch {
            return (Self.answer(400, ["error": "the request could not be read"], origin: allowed), nil)
        }
        // What the customer typed reaches consoles and the desk: redacted like anything from a page.
        var clean = request
        clean.name = redactor.redact(text: request.name).value
        clean.topic = request.topic.map { redactor.redact(text: $0).value }
        clean.page = redactor.redact(text: request.page).value
        let path = String(clean.page.dropFirst(allowed.count))
        let subject = "Live help: " + (clean.topic ?? "asked on \(path)")
        let filing: LiveHelpFiling
        let ticketId = Self.newTicketID()
        do {
            filing = try store.fileLiveHelp(clean, ticketId: ticketId, subject: subject, at: now, maxWaiting: maxWaiting,
                                            audit: AuditDraft(at: now, actor: "customer", action: "live-help.requested", sessionId: nil,
                                                              detail: "ticket \(ticketId) from \(allowed)"))
        } catch {
            return (Self.answer(503, ["error": "your request could not be taken just now; please try again in a minute"], origin: allowed,
                                headers: [("Retry-After", "60")]), nil)
        }
        switch filing {
        case let .filed(ticket):
            return (Self.answer(201, ["ticket": ticket.id, "message": "Thanks, \(Self.firstName(clean.name)). An agent will send you a secure link by e-mail shortly."],
                                origin: allowed), ticket)
        case let .alreadyWaiting(ticket):
            return (Self.answer(200, ["ticket": ticket.id, "message": "You have already asked; an agent will send you a secure link by e-mail shortly."],
                                origin: allowed), nil)
        case .full:
            return (Self.answer(503, ["error": "all our agents are busy; please try again in a few minutes"], origin: allowed,
                                headers: [("Retry-After", "300")]), nil)
        }
    }

    /// A refusal for a page that asked too often (the gateway's throttle said no), readable by the page.
    public func tooManyRequests(headers: [(String, String)]) -> GatewayResponse {
        let origin = headers.first { $0.0.lowercased() == "origin" }?.1.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return Self.answer(429, ["error": "too many requests from here; please try again in a minute"], origin: origins.allows(origin) ? origin : nil,
                           headers: [("Retry-After", "60")])
    }

    static func answer(_ status: Int, _ fields: [String: String], origin: String?, headers: [(String, String)] = []) -> GatewayResponse {
        var h = headers
        if let origin { h += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")] }
        let body: [UInt8]
        do { body = Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) } catch { body = Array("{}".utf8) }
        return GatewayResponse(status: status, contentType: "application/json", body: body, headers: h)
    }

    static func firstName(_ name: String) -> String { name.split(separator: " ").first.map(String.init) ?? name }

    /// "LH-" and eight letters and digits that cannot be mistaken for each other.
    static func newTicketID() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "LH-" + String(SecureRandom.bytes(8).map { alphabet[Int($0) % alphabet.count] })
    }
}
