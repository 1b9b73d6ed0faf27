import Foundation
import Logging
import XCTest
@testable import Engine

/// The one-time link by SMS, against a gateway on 127.0.0.1 that speaks
/// Twilio's Messages contract (FakeDesk's `.twilio`): the engine's form POST
/// with basic auth, 201 with the message's sid, 400 with Twilio's 21211 for a
/// bad number, 401 (20003) for a bad token, 429 with Retry-After and 500
/// retried. The feed says what the gateway did; the link is only in the text.
final class LinkBySMSTests: CustomerChannelTestCase {
    private func gateway() throws -> FakeDesk {
        let g = FakeDesk(.twilio(accountSid: "AC0123456789abcdef", authToken: "twilio-auth-token-7"))
        try g.start()
        atEnd { g.shutdown() }
        return g
    }

    private func configuration(_ g: FakeDesk, token: String = "twilio-auth-token-7") throws -> SMSConfiguration {
        try SMSConfiguration(baseURL: g.url, credentials: "AC0123456789abcdef:\(token)", from: "+15555550100")
    }

    func testTheLinkGoesBySMSWithTheOpeningScriptAndTheFeedSaysTheGatewayTookIt() throws {
        let dir = try TransportTempDir()
        atEnd { dir.remove() }
        let g = try gateway()
        var config = EngineConfiguration(dataDirectory: dir.file("data"), listenPort: 0)
        config.tickInterval = 5
        config.sms = try configuration(g)
        let lines = LogLines()
        let (server, store, console) = try engineWithConsole(config, lines: lines)
        try store.addTicket(Ticket(id: "T-1", subject: "Export fails", customer: "Dana Whitfield"))
        try store.setCustomerContact(ticketId: "T-1", email: nil, phone: "+1 (555) 555-0123")
        try store.addTicket(Ticket(id: "T-2", subject: "No phone", customer: "Lee"))

        func send(_ m: WireMessage, id: Int? = nil) { server.hub.connection(console, received: WireCodec.encode(m, id: id)) }
        send(.startSession(StartSession(ticketId: "T-2", send: .sms)), id: 1)
        let noPhone = try console.wait("no phone") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertTrue(noPhone.message.contains("ticket T-2 has no mobile number for Lee"), noPhone.message)
        send(.startSession(StartSession(ticketId: "T-1", send: .email)), id: 2)
        let noMail = try console.wait("no mail server") { if case let .error(e) = $0, e.message.contains("mail server") { e } else { nil } }
        XCTAssertTrue(noMail.message.contains("no mail server (serve --smtp"), noMail.message)

        send(.startSession(StartSession(ticketId: "T-1", send: .sms)), id: 3)
        let started = try console.wait("session started") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        waitUntil(20) { g.applied.count == 1 }
        let text = try XCTUnwrap(g.applied.first)
        XCTAssertEqual(text.form["To"], "+15555550123", "the number as E.164")
        XCTAssertEqual(text.form["From"], "+15555550100")
        let body = try XCTUnwrap(text.form["Body"])
        XCTAssertTrue(body.hasPrefix("Hi Dana, I'd like to walk through this together."), body)
        XCTAssertTrue(body.contains(started.link), "the customer gets the link itself")

        let sid = started.session.id
        try waitUntil(10) { try store.activity(sessionId: sid).contains { $0.text.hasPrefix("SMS gateway accepted the link for +15555550123 (SM") } }
        let feed = try store.activity(sessionId: sid).map(\.text)
        XCTAssertTrue(feed.contains { $0.hasPrefix("One-time link queued for Dana Whitfield (+15555550123) by SMS") }, "\(feed)")
        XCTAssertTrue(feed.contains { $0.contains(", queued)") }, "\(feed)")
        let token = String(started.link.split(separator: "/").last!)
        XCTAssertFalse(lines.all.contains { $0.contains(token) || $0.contains("twilio-auth-token-7") }, "neither the link nor the token is in the log")
        XCTAssertFalse(try store.auditEntries(sessionId: nil).contains { $0.detail.contains(token) })
        XCTAssertFalse(feed.contains { $0.contains(token) })
    }

    private func queueText(_ store: SQLiteStore, key: String, to: String = "+15555550123", session: String? = nil) throws {
        _ = try store.enqueue([OutboxDraft(idempotencyKey: key, ticketId: "T-1", call: .sms(to: to, body: "Hi Dana: https://h/j/SECRETTOKEN2"),
                                       sessionId: session, recipient: to)], desk: nil, at: Date())
    }

    private func fixture() throws -> SQLiteStore { try ticketStore().1 }

    private func start(_ store: SQLiteStore, _ config: SMSConfiguration, hub: EngineHub? = nil) throws {
        let transport = AsyncHTTPDeskTransport(timeout: 5)
        atEnd { transport.shutdown() }
        try startSender(store, OutboxCouriers(sms: SMSCourier(gateway: TwilioSMS(configuration: config), transport: transport)), hub: hub)
    }

    func testABadNumberAndABadTokenFailForGoodWithTwiliosCodeAndTheFeedWarns() throws {
        let store = try fixture()
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        let session = try hub.startSession(ticketId: "T-1", record: false, agent: Agent(name: "Maria S.", uid: 1001, level: .l2))
        let g = try gateway()
        try queueText(store, key: "bad-number", to: "+15005550001", session: session.session.id)
        try start(store, try configuration(g), hub: hub)
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "bad-number")?.state == .failed }
        let row = try XCTUnwrap(store.outboxEntry(idempotencyKey: "bad-number"))
        XCTAssertEqual(row.attempts, 1)
        XCTAssertTrue(row.lastError?.hasPrefix("HTTP 400 (Twilio 21211): The 'To' number +15005550001 is not a valid phone number.") ?? false, row.lastError ?? "")
        // The row is marked failed first, then the feed is told.
        try waitUntil { try store.activity(sessionId: session.session.id).contains { $0.kind == .warning } }
        let feed = try store.activity(sessionId: session.session.id)
        XCTAssertTrue(feed.contains {
            $0.kind == .warning && $0.text.hasPrefix("The link to +15005550001 by SMS was not delivered: HTTP 400 (Twilio 21211)")
        }, "\(feed.map(\.text))")

        let other = try fixture()
        try queueText(other, key: "bad-token")
        try start(other, try configuration(g, token: "wrong-token"))
        try waitUntil(20) { try other.outboxEntry(idempotencyKey: "bad-token")?.state == .failed }
        XCTAssertEqual(try other.outboxEntry(idempotencyKey: "bad-token")?.attempts, 1, "a 401 is not tried again")
        XCTAssertTrue(try other.outboxEntry(idempotencyKey: "bad-token")?.lastError?.hasPrefix("HTTP 401 (Twilio 20003)") ?? false)
        XCTAssertEqual(g.applied.count, 0, "nothing was sent")
    }

    func testA429WaitsForRetryAfterAndA500IsTriedAgainAndEachTextGoesOnce() throws {
        let store = try fixture()
        let g = try gateway()
        g.answerNext(FakeDesk.Answer(status: 429, headers: [("Retry-After", "1")], body: #"{"code":20429,"message":"Too Many Requests","status":429}"#),
                     FakeDesk.Answer(status: 500, body: #"{"code":20500,"message":"Internal Server Error","status":500}"#))
        try queueText(store, key: "t1")
        let queuedAt = Date()
        try start(store, try configuration(g))
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "t1")?.state == .delivered }
        XCTAssertEqual(try store.outboxEntry(idempotencyKey: "t1")?.attempts, 3, "429, 500, then accepted")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(queuedAt), 1, "the gateway's Retry-After was honoured")
        XCTAssertEqual(g.applied.count, 1, "delivered once")
        XCTAssertEqual(g.requests.count, 3)
    }

    func testTheGatewaysAddressCredentialsAndSenderAreCheckedAtStart() throws {
        XCTAssertThrowsError(try SMSConfiguration(baseURL: "http://sms.example.com", credentials: "AC1:tok", from: "+15555550100")) {
            XCTAssertTrue("\($0)".contains("--sms-url must be https (plain http only to this machine)"), "\($0)")
        }
        XCTAssertThrowsError(try SMSConfiguration(baseURL: "https://api.twilio.com", credentials: "no-colon", from: "+15555550100")) {
            XCTAssertTrue("\($0)".contains("ACCOUNT_SID:AUTH_TOKEN"), "\($0)")
        }
        XCTAssertThrowsError(try SMSConfiguration(baseURL: "https://api.twilio.com", credentials: "AC1/../x:tok", from: "+15555550100"))
        XCTAssertThrowsError(try SMSConfiguration(baseURL: "https://api.twilio.com", credentials: "AC1:tok", from: "555-0100")) {
            XCTAssertTrue("\($0)".contains("--sms-from"), "\($0)")
        }
        let c = try SMSConfiguration(baseURL: "https://api.twilio.com/", credentials: "AC1:tok", from: "+15555550100")
        let r = try TwilioSMS(configuration: c).request(to: "+15555550123", body: "Hi & welcome = yes")
        XCTAssertEqual(r.url, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json")
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "To=%2B15555550123&From=%2B15555550100&Body=Hi+%26+welcome+%3D+yes")
        XCTAssertThrowsError(try TwilioSMS(configuration: c).request(to: "+1555\r\n", body: "x"), "a hostile number is never sent")
    }
}
