import Foundation
import XCTest
@testable import Engine

/// Tickets the desk posts to the gateway: only signed, fresh requests change
/// anything; the rest are refused with 401 and audited.
final class HelpDeskInboxTests: XCTestCase {
    var fixture: HelpDeskFixture!
    var store: SQLiteStore!
    var hub: EngineHub!
    let secret = "shared-webhook-secret"

    override func setUpWithError() throws {
        fixture = try HelpDeskFixture()
        store = try fixture.open()
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
    }

    override func tearDown() { fixture.dir.remove() }

    func configure(_ desk: HelpDeskKind, clock: @escaping @Sendable () -> Date = { Date() }) {
        hub.helpDeskInbox = HelpDeskInbox(desk: desk, secret: secret, store: store, clock: clock,
                                          auditRefusal: { [weak hub] d, a in hub?.auditRefusal(d, address: a) })
    }

    /// Through the hub's POST entry, as the gateway hands it over.
    func post(_ path: String, _ body: String, headers: [(String, String)]) -> GatewayResponse {
        let answer = NIOBox()
        hub.httpPost(path: path, headers: headers, body: Array(body.utf8), remote: "203.0.113.9:5555") { answer.set($0) }
        waitUntil { answer.get() != nil }
        return answer.get() ?? GatewayResponse(status: 0, body: [])
    }

    func zendeskHeaders(_ body: String, at: Date = Date(), secret: String? = nil) -> [(String, String)] {
        let ts = ISO8601DateFormatter().string(from: at)
        return [("X-Zendesk-Webhook-Signature", ZendeskSignature.signature(secret: secret ?? self.secret, timestamp: ts, body: Array(body.utf8))),
                ("X-Zendesk-Webhook-Signature-Timestamp", ts), ("Content-Type", "application/json")]
    }

    func cobrowseHeaders(_ body: String, at: Date = Date(), secret: String? = nil) -> [(String, String)] {
        let ts = String(Int(at.timeIntervalSince1970))
        return [("X-Cobrowse-Timestamp", ts),
                ("X-Cobrowse-Signature", WebhookSignature.header(secret: secret ?? self.secret, timestamp: ts, body: Array(body.utf8)))]
    }

    func refusals() throws -> [AuditEntry] { try store.auditEntries(sessionId: nil).filter { $0.action == "helpdesk.refused" } }

    let zendeskTicket = #"{"ticket":{"id":4711,"subject":"Card update fails","status":"open","tags":"billing vip","via":{"channel":"email"},"type":"problem","requester":{"name":"Dana W.","email":"dana@example.com","phone":"+1 555 0100"}}}"#

    func testASignedZendeskTicketIsCreatedAndListed() throws {
        configure(.zendesk)
        let r = post("/helpdesk/zendesk", zendeskTicket, headers: zendeskHeaders(zendeskTicket))
        XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
        let ticket = try XCTUnwrap(store.allTickets().first { $0.id == "4711" })
        XCTAssertEqual(ticket, Ticket(id: "4711", subject: "Card update fails", customer: "Dana W.", category: "problem", status: "open"))
        let details = try XCTUnwrap(store.deskDetails(ticketId: "4711"))
        XCTAssertEqual(details, DeskTicketDetails(requesterEmail: "dana@example.com", requesterPhone: "+1 555 0100", channel: "email",
                                                  tags: ["billing", "vip"], desk: .zendesk))

        let update = #"{"ticket":{"id":"4711","subject":"Card update still fails","status":"pending"}}"#
        XCTAssertEqual(post("/helpdesk/zendesk", update, headers: zendeskHeaders(update)).status, 200)
        let updated = try XCTUnwrap(store.ticket(id: "4711"))
        XCTAssertEqual(updated.subject, "Card update still fails")
        XCTAssertEqual(updated.customer, "Dana W.", "a field the desk left out keeps its value")
        XCTAssertEqual(updated.status, "pending")
        XCTAssertEqual(try store.auditEntries(sessionId: nil).map(\.action).filter { $0.hasPrefix("helpdesk.") },
                       ["helpdesk.ticket-created", "helpdesk.ticket-updated"])
        XCTAssertNoThrow(try store.verifyAuditChain())
    }

    func testAZendeskEventSubscriptionTicketIsCreated() throws {
        configure(.zendesk)
        let body = #"{"type":"zen:event-type:ticket.created","detail":{"id":"9001","subject":"Cannot log in","status":"NEW","tags":["login"],"via":{"channel":"web_form"}}}"#
        XCTAssertEqual(post("/helpdesk/zendesk", body, headers: zendeskHeaders(body)).status, 200)
        XCTAssertEqual(try store.ticket(id: "9001")?.subject, "Cannot log in")
        XCTAssertEqual(try store.deskDetails(ticketId: "9001")?.channel, "web_form")
        XCTAssertEqual(try store.deskDetails(ticketId: "9001")?.tags, ["login"])
    }

    func testAMisSignedZendeskRequestIsRefusedAuditedAndChangesNothing() throws {
        configure(.zendesk)
        let r = post("/helpdesk/zendesk", zendeskTicket, headers: zendeskHeaders(zendeskTicket, secret: "not-the-secret"))
        XCTAssertEqual(r.status, 401)
        XCTAssertEqual(post("/helpdesk/zendesk", zendeskTicket, headers: [("Content-Type", "application/json")]).status, 401)
        XCTAssertNil(try store.ticket(id: "4711"))
        try waitUntil { try refusals().count == 2 }
        let audit = try refusals()
        XCTAssertEqual(audit.map(\.actor), ["helpdesk zendesk", "helpdesk zendesk"])
        XCTAssertTrue(audit[0].detail.hasPrefix("bad signature"), audit[0].detail)
        XCTAssertTrue(audit[1].detail.hasPrefix("unsigned request"), audit[1].detail)
        XCTAssertFalse(audit.contains { $0.detail.contains(secret) || $0.detail.contains("Dana") })
    }

    func testAStaleSignedRequestIsRefused() throws {
        configure(.zendesk)
        let old = Date().addingTimeInterval(-6 * 60)
        XCTAssertEqual(post("/helpdesk/zendesk", zendeskTicket, headers: zendeskHeaders(zendeskTicket, at: old)).status, 401)
        configure(.webhook)
        let body = #"{"event":"ticket.created","ticket":{"id":"T-1","subject":"s"}}"#
        XCTAssertEqual(post("/helpdesk/webhook", body, headers: cobrowseHeaders(body, at: old)).status, 401)
        XCTAssertEqual(try store.allTickets(), [])
        try waitUntil { try refusals().count == 2 }
        XCTAssertTrue(try refusals().allSatisfy { $0.detail.hasPrefix("stale request") })
    }

    func testASignedWebhookTicketIsCreatedAndAMisSignedOneRefused() throws {
        configure(.webhook)
        let body = #"{"event":"ticket.created","ticket":{"id":"T-88","subject":"SSO loop","requester":{"name":"Sam K.","email":"sam@example.com"},"category":"login","tags":["sso"],"channel":"chat"}}"#
        XCTAssertEqual(post("/helpdesk/webhook", body, headers: cobrowseHeaders(body)).status, 200)
        XCTAssertEqual(try store.ticket(id: "T-88"), Ticket(id: "T-88", subject: "SSO loop", customer: "Sam K.", category: "login"))
        XCTAssertEqual(try store.deskDetails(ticketId: "T-88")?.channel, "chat")

        let forged = body.replacingOccurrences(of: "SSO loop", with: "Forged")
        XCTAssertEqual(post("/helpdesk/webhook", forged, headers: cobrowseHeaders(body)).status, 401)
        XCTAssertEqual(try store.ticket(id: "T-88")?.subject, "SSO loop")
        try waitUntil { try refusals().count == 1 }
    }

    func testAFreshdeskAutomationTicketIsCreated() throws {
        configure(.freshdesk)
        let body = ##"{"freshdesk_webhook":{"ticket_id":"#321","ticket_subject":"Invoice missing","ticket_requester_name":"Lee P.","ticket_requester_email":"lee@example.com","ticket_requester_phone":"+44 20 0000","ticket_tags":"billing,invoice","ticket_source":"Phone","ticket_status":"Open","ticket_type":"Question"}}"##
        XCTAssertEqual(post("/helpdesk/freshdesk", body, headers: cobrowseHeaders(body)).status, 200)
        XCTAssertEqual(try store.ticket(id: "321")?.customer, "Lee P.")
        XCTAssertEqual(try store.deskDetails(ticketId: "321"), DeskTicketDetails(requesterEmail: "lee@example.com", requesterPhone: "+44 20 0000",
                                                                                channel: "Phone", tags: ["billing", "invoice"], desk: .freshdesk))
    }

    func testMalformedJSONIsA400WithAClearMessage() throws {
        configure(.webhook)
        let body = #"{"event":"ticket.created","ticket":"#
        let r = post("/helpdesk/webhook", body, headers: cobrowseHeaders(body))
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(String(decoding: r.body, as: UTF8.self).contains("malformed JSON"))
        let noId = #"{"event":"ticket.created","ticket":{"subject":"x"}}"#
        XCTAssertEqual(post("/helpdesk/webhook", noId, headers: cobrowseHeaders(noId)).status, 400)
        XCTAssertEqual(try store.allTickets(), [])
    }

    func testWithoutAnInboxOrForAnotherDeskNothingIsTaken() throws {
        XCTAssertEqual(post("/helpdesk/zendesk", zendeskTicket, headers: zendeskHeaders(zendeskTicket)).status, 404)
        configure(.webhook)
        XCTAssertEqual(post("/helpdesk/zendesk", zendeskTicket, headers: zendeskHeaders(zendeskTicket)).status, 404)
        XCTAssertEqual(post("/join/abc", "{}", headers: []).status, 405)
        XCTAssertEqual(try store.allTickets(), [])
    }
}

/// One answer handed over from another thread.
final class NIOBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: GatewayResponse?
    func set(_ v: GatewayResponse) { lock.lock(); value = v; lock.unlock() }
    func get() -> GatewayResponse? { lock.lock(); defer { lock.unlock() }; return value }
}
