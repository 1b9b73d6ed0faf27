import Foundation
import Logging
import XCTest
@testable import Engine

/// The desk's side of sessions: replies, notes and statuses reach Zendesk and
/// Freshdesk in their documented shape, through a durable outbox that waits
/// out rate limits and outages and never sends one call twice.
final class HelpDeskOutboxTests: XCTestCase {
    var fixture: HelpDeskFixture!
    var desks: [FakeDesk] = []
    var senders: [OutboxSender] = []
    var transport: AsyncHTTPDeskTransport!
    let fastBackoff = OutboxBackoff(base: 0.05, maximum: 0.2, longestRetryAfter: 5, maxAttempts: 10)

    override func setUpWithError() throws {
        fixture = try HelpDeskFixture()
        transport = AsyncHTTPDeskTransport(timeout: 5)
    }

    override func tearDown() {
        senders.forEach { $0.stop() }
        desks.forEach { $0.shutdown() }
        transport.shutdown()
        transport = nil
        fixture.dir.remove()
    }

    func desk(_ contract: FakeDesk.Contract) throws -> FakeDesk {
        let d = FakeDesk(contract)
        try d.start()
        desks.append(d)
        return d
    }

    func configuration(_ d: FakeDesk) throws -> HelpDeskConfiguration {
        switch d.contract {
        case let .zendesk(email, token): try HelpDeskConfiguration(kind: .zendesk, baseURL: d.url, email: email, token: token)
        case let .freshdesk(key): try HelpDeskConfiguration(kind: .freshdesk, baseURL: d.url, token: key)
        case let .webhook(secret): try HelpDeskConfiguration(kind: .webhook, baseURL: d.url, webhookSecret: secret)
        case .twilio: throw HelpDeskError.configuration("an SMS gateway is not a help desk")
        }
    }

    @discardableResult
    func startSender(_ store: SQLiteStore, _ config: HelpDeskConfiguration) throws -> OutboxSender {
        let s = OutboxSender(store: store, desk: config.desk(), transport: transport, backoff: fastBackoff, pollInterval: 0.02)
        try s.start()
        senders.append(s)
        return s
    }

    func delivered(_ store: SQLiteStore, _ key: String) throws -> Bool { try store.outboxEntry(idempotencyKey: key)?.state == .delivered }

    // MARK: The documented shapes

    func testZendeskPublicReplyInternalNoteAndStatusArriveInTheDocumentedShape() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        try outbox.publicReply(ticket: "1001", body: "We looked at your billing page together.", key: "r1")
        try outbox.sessionEnded(ticket: "1001", sessionId: "S1", summary: "Co-browse 12 min: card form fixed.", status: .solved)
        try startSender(store, configuration(d))
        // The desk acts before the sender hears back: wait for both.
        try waitUntil { try store.undeliveredOutbox().isEmpty && d.applied.count == 3 }

        let calls = d.applied
        XCTAssertEqual(calls.map(\.method), ["PUT", "PUT", "PUT"])
        XCTAssertEqual(Set(calls.map(\.path)), ["/api/v2/tickets/1001.json"])
        let reply = try XCTUnwrap((calls[0].json["ticket"] as? [String: Any])?["comment"] as? [String: Any])
        XCTAssertEqual(reply["body"] as? String, "We looked at your billing page together.")
        XCTAssertEqual(reply["public"] as? Bool, true)
        let note = try XCTUnwrap((calls[1].json["ticket"] as? [String: Any])?["comment"] as? [String: Any])
        XCTAssertEqual(note["body"] as? String, "Co-browse 12 min: card form fixed.")
        XCTAssertEqual(note["public"] as? Bool, false)
        XCTAssertEqual((calls[2].json["ticket"] as? [String: Any])?["status"] as? String, "solved")
        XCTAssertEqual(calls[0].header("Idempotency-Key"), "r1")
    }

    func testFreshdeskReplyNoteAndStatusArriveInTheDocumentedShape() throws {
        let d = try desk(.freshdesk(apiKey: "fd-key-1"))
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .freshdesk, store: store)
        try outbox.publicReply(ticket: "77", body: "Thanks for showing us.", key: "r1")
        try outbox.sessionEnded(ticket: "77", sessionId: "S2", summary: "Walked the SSO settings.", status: .pending)
        try outbox.setStatus(ticket: "77", .solved, key: "s-solved")
        try outbox.setStatus(ticket: "77", .open, key: "s-open")
        try startSender(store, configuration(d))
        try waitUntil { d.applied.count == 5 }

        let calls = d.applied
        XCTAssertEqual(calls.map { "\($0.method) \($0.path)" }, ["POST /api/v2/tickets/77/reply", "POST /api/v2/tickets/77/notes",
                                                                 "PUT /api/v2/tickets/77", "PUT /api/v2/tickets/77", "PUT /api/v2/tickets/77"])
        XCTAssertEqual(calls[0].json["body"] as? String, "Thanks for showing us.")
        XCTAssertEqual(calls[1].json["body"] as? String, "Walked the SSO settings.")
        XCTAssertEqual(calls[1].json["private"] as? Bool, true)
        XCTAssertEqual(calls[2...].map { $0.json["status"] as? Int }, [3, 4, 2])
    }

    // MARK: Rate limits and outages

    func testARateLimitIsWaitedOutThenTheCallIsDeliveredOnce() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        d.answerNext(.retryAfter(1))
        let store = try fixture.open()
        try HelpDeskOutbox(desk: .zendesk, store: store).internalNote(ticket: "5", body: "note", key: "n1")
        try startSender(store, configuration(d))
        try waitUntil { try delivered(store, "n1") }

        XCTAssertEqual(d.requests.count, 2)
        XCTAssertEqual(d.applied.count, 1)
        let waited = d.requests[1].at.timeIntervalSince(d.requests[0].at)
        XCTAssertGreaterThanOrEqual(waited, 0.95, "the desk's Retry-After was not honoured")
    }

    func testServerErrorsAreRetriedWithBackoffAndDeliveredOnce() throws {
        let d = try desk(.freshdesk(apiKey: "fd-key-1"))
        d.answerNext(.serverError, .serverError, .serverError)
        let store = try fixture.open()
        try HelpDeskOutbox(desk: .freshdesk, store: store).internalNote(ticket: "9", body: "note", key: "n1")
        try startSender(store, configuration(d))
        try waitUntil { try delivered(store, "n1") }

        XCTAssertEqual(d.requests.count, 4)
        XCTAssertEqual(d.applied.count, 1)
        let gaps = zip(d.requests.dropFirst(), d.requests).map { $0.at.timeIntervalSince($1.at) }
        // 0.05 s, then twice that, then the 0.2 s cap: each wait at least its backoff (lower bounds only: a busy machine only adds).
        for (gap, backoff) in zip(gaps, [0.05, 0.1, 0.2]) { XCTAssertGreaterThanOrEqual(gap, backoff - 0.005, "\(gaps)") }
        XCTAssertEqual(try store.outboxEntry(idempotencyKey: "n1")?.attempts, 4)
    }

    func testAnUnreachableDeskIsRetriedUntilItAnswers() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        let port = d.port
        d.stop() // connection refused
        let store = try fixture.open()
        try HelpDeskOutbox(desk: .zendesk, store: store).publicReply(ticket: "3", body: "hello", key: "r1")
        try startSender(store, configuration(d))
        try waitUntil { (try store.outboxEntry(idempotencyKey: "r1")?.attempts ?? 0) >= 2 }
        let waiting = try XCTUnwrap(store.outboxEntry(idempotencyKey: "r1"))
        XCTAssertNotEqual(waiting.state, .delivered)
        XCTAssertTrue(waiting.lastError?.hasPrefix("no answer from the desk") == true, waiting.lastError ?? "")
        try d.start(port: port)
        try waitUntil { try delivered(store, "r1") }
        XCTAssertEqual(d.applied.count, 1)
    }

    // MARK: Permanent failures

    func testANotFoundTicketIsAPermanentFailureTheListingShowsWithItsReason() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        d.forget(ticket: "404")
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        try outbox.publicReply(ticket: "404", body: "Your link: https://help.acme.test/join/AbCdEf0123456789xyzQRS", key: "r-gone")
        try outbox.internalNote(ticket: "405", body: "fine", key: "n-ok")
        try startSender(store, configuration(d))
        try waitUntil { try store.outboxEntry(idempotencyKey: "r-gone")?.state == .failed && delivered(store, "n-ok") }

        XCTAssertEqual(d.requests.filter { $0.path.contains("/404") }.count, 1, "a 404 is not retried")
        let entry = try XCTUnwrap(store.outboxEntry(idempotencyKey: "r-gone"))
        XCTAssertEqual(entry.lastError, "HTTP 404: RecordNotFound; Not found")
        let listing = OutboxListing.text(try store.undeliveredOutbox())
        XCTAssertTrue(listing.contains("failed"), listing)
        XCTAssertTrue(listing.contains("HTTP 404: RecordNotFound; Not found"), listing)
        XCTAssertFalse(listing.contains("AbCdEf0123456789xyzQRS"), "a one-time link shows in the listing:\n\(listing)")
        XCTAssertFalse(listing.contains("zd-token-1"))
        let json = OutboxListing.json(try store.undeliveredOutbox())
        XCTAssertTrue(json.contains("HTTP 404"), json)
        XCTAssertFalse(json.contains("AbCdEf0123456789xyzQRS"), json)
    }

    func testARefusedCredentialIsAPermanentFailureWithNoSecretInTheReason() throws {
        let d = try desk(.freshdesk(apiKey: "the-right-key"))
        let store = try fixture.open()
        try HelpDeskOutbox(desk: .freshdesk, store: store).internalNote(ticket: "8", body: "note", key: "n1")
        try startSender(store, try HelpDeskConfiguration(kind: .freshdesk, baseURL: d.url, token: "a-wrong-key"))
        try waitUntil { try store.outboxEntry(idempotencyKey: "n1")?.state == .failed }
        let reason = try XCTUnwrap(store.outboxEntry(idempotencyKey: "n1")?.lastError)
        XCTAssertTrue(reason.hasPrefix("HTTP 401: You have to be logged in"), reason)
        XCTAssertFalse(reason.contains("a-wrong-key"))
        XCTAssertEqual(d.requests.count, 1)
    }

    func testNoCredentialOrLinkReachesTheLogAndALocalTicketIdIsRefusedBeforeSending() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-secret-9"))
        d.forget(ticket: "404")
        d.answerNext(.retryAfter(0))
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        let token = "Qw3rTy7UiOp1AsDfGh2JkL"
        try outbox.publicReply(ticket: "404", body: "Open https://help.acme.test/join/\(token) to share your screen", key: "r1")
        try outbox.internalNote(ticket: "T-7", body: "a local ticket", key: "n1")
        let lines = LogLines()
        let sender = OutboxSender(store: store, desk: try configuration(d).desk(), transport: transport, backoff: fastBackoff, pollInterval: 0.02,
                                  logger: Logger(label: "test.helpdesk", factory: { _ in CapturingLogHandler(lines) }))
        try sender.start()
        senders.append(sender)
        try waitUntil { try store.undeliveredOutbox().filter { $0.state == .failed }.count == 2 }

        XCTAssertEqual(try store.outboxEntry(idempotencyKey: "n1")?.lastError, "not sendable: ticket T-7 is not a Zendesk ticket number")
        XCTAssertFalse(d.requests.contains { $0.path.contains("T-7") }, "a ticket id that is no desk number is never sent")
        let log = lines.all.joined(separator: "\n")
        XCTAssertTrue(log.contains("refused for good"), log)
        XCTAssertTrue(log.contains("rate-limiting"), log)
        let basic = Data("maria@acme.test/token:zd-token-secret-9".utf8).base64EncodedString()
        for secret in ["zd-token-secret-9", basic, token] { XCTAssertFalse(log.contains(secret), "\(secret) in the log:\n\(log)") }
    }

    // MARK: Durability and idempotency

    func testWhatWasPendingIsDeliveredOnceByTheNextEngine() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        let port = d.port
        d.stop()
        do {
            let store = try fixture.open()
            let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
            try outbox.sessionEnded(ticket: "21", sessionId: "S9", summary: "summary", status: .solved)
            try outbox.publicReply(ticket: "22", body: "reply", key: "r22")
            // A row the killed engine had handed to the desk without hearing back.
            let first = try XCTUnwrap(store.dueOutbox(now: Date(), limit: 10).first { $0.ticketId == "22" })
            try store.markSending(id: first.id, at: Date())
        }
        try d.start(port: port)
        let reopened = try fixture.open()
        try startSender(reopened, configuration(d))
        try waitUntil { try reopened.undeliveredOutbox().isEmpty }

        XCTAssertEqual(d.applied.count, 3)
        XCTAssertEqual(d.applied.filter { $0.path == "/api/v2/tickets/21.json" }.map { ($0.json["ticket"] as? [String: Any])?["status"] != nil },
                       [false, true], "the note goes before the status")
        XCTAssertEqual(try reopened.outboxEntry(idempotencyKey: "r22")?.attempts, 2)
        senders.forEach { $0.stop() }
        // A third engine has nothing left to send.
        let again = try fixture.open()
        let sender = try startSender(again, configuration(d))
        _ = sender
        XCTAssertEqual(try again.dueOutbox(now: Date(), limit: 10), [])
        XCTAssertEqual(d.applied.count, 3)
    }

    func testDeliveredRowsAreForgottenAfterNinetyDaysAndOnlyThen() throws {
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        try outbox.internalNote(ticket: "1", body: "old", key: "old")
        try outbox.internalNote(ticket: "2", body: "recent", key: "recent")
        try outbox.internalNote(ticket: "3", body: "waiting", key: "waiting")
        let now = Date()
        try store.markDelivered(id: XCTUnwrap(store.outboxEntry(idempotencyKey: "old")).id, at: now.addingTimeInterval(-91 * 86_400))
        try store.markDelivered(id: XCTUnwrap(store.outboxEntry(idempotencyKey: "recent")).id, at: now.addingTimeInterval(-89 * 86_400))
        XCTAssertEqual(try store.pruneDelivered(before: now.addingTimeInterval(-OutboxSender.keepDelivered)), 1)
        XCTAssertNil(try store.outboxEntry(idempotencyKey: "old"))
        XCTAssertNotNil(try store.outboxEntry(idempotencyKey: "recent"))
        XCTAssertEqual(try store.outboxEntry(idempotencyKey: "waiting")?.state, .pending)
    }

    func testTheSameIdempotencyKeyIsSentOnce() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        try outbox.internalNote(ticket: "4", body: "once", key: "k")
        try outbox.internalNote(ticket: "4", body: "once", key: "k")
        try outbox.sessionEnded(ticket: "4", sessionId: "S4", summary: "s", status: .solved)
        try outbox.sessionEnded(ticket: "4", sessionId: "S4", summary: "s", status: .solved)
        try startSender(store, configuration(d))
        try waitUntil { try store.undeliveredOutbox().isEmpty && d.applied.count >= 3 }
        try outbox.internalNote(ticket: "4", body: "once", key: "k")
        XCTAssertEqual(try store.dueOutbox(now: Date(), limit: 10), [])
        XCTAssertEqual(d.applied.count, 3)
    }

    func testStoppingSendsWhatIsDueFirst() throws {
        let d = try desk(.zendesk(email: "maria@acme.test", token: "zd-token-1"))
        let store = try fixture.open()
        // A slow poll: only the stop's drain can send these in time.
        let sender = OutboxSender(store: store, desk: try configuration(d).desk(), transport: transport, backoff: fastBackoff, pollInterval: 60)
        try sender.start()
        try HelpDeskOutbox(desk: .zendesk, store: store).sessionEnded(ticket: "12", sessionId: "S12", summary: "ended by the stop", status: .solved)
        sender.stop(drain: 5)
        XCTAssertEqual(d.applied.count, 2)
        XCTAssertEqual(try store.undeliveredOutbox(), [])
    }

    // MARK: Webhook desks

    func testWebhookEventsAreSignedSoTheReceiverCanCheckThem() throws {
        let d = try desk(.webhook(secret: "hook-secret"))
        let store = try fixture.open()
        let outbox = HelpDeskOutbox(desk: .webhook, store: store)
        try outbox.sessionStarted(ticket: "T-7", sessionId: "S7", agentName: "Maria S.")
        try outbox.linkSent(ticket: "T-7", sessionId: "S7")
        try outbox.sessionEnded(ticket: "T-7", sessionId: "S7", summary: "Fixed the card form.", status: .solved)
        try startSender(store, configuration(d))
        try waitUntil { d.applied.count == 3 }

        XCTAssertEqual(d.applied.map { $0.json["event"] as? String }, ["session.started", "link.sent", "session.ended"])
        XCTAssertEqual(d.applied[2].json["summary"] as? String, "Fixed the card form.")
        XCTAssertEqual(d.applied[2].json["id"] as? String, "session.ended:S7")
        for r in d.applied {
            let ts = try XCTUnwrap(r.header("X-Cobrowse-Timestamp"))
            XCTAssertTrue(WebhookSignature.isValid(secret: "hook-secret", timestamp: ts, signature: r.header("X-Cobrowse-Signature") ?? "", body: r.body))
            XCTAssertFalse(WebhookSignature.isValid(secret: "another", timestamp: ts, signature: r.header("X-Cobrowse-Signature") ?? "", body: r.body))
        }
        // The signature is the documented one, computed independently of the engine's helper.
        let r = d.applied[0]
        let expected = "sha256=" + HMACSHA256.mac(key: Array("hook-secret".utf8), message: Array("\(r.header("X-Cobrowse-Timestamp")!).".utf8) + r.body)
            .map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(r.header("X-Cobrowse-Signature"), expected)
    }

    func testHMACMatchesTheRFC4231Vector() {
        // RFC 4231 test case 2.
        let mac = HMACSHA256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(mac.map { String(format: "%02x", $0) }.joined(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    // MARK: Configuration

    func testPlainHTTPIsOnlyForThisMachineAndBadCombinationsAreRefused() {
        XCTAssertThrowsError(try HelpDeskConfiguration(kind: .zendesk, baseURL: "http://acme.zendesk.com", email: "a@b", token: "t"))
        XCTAssertNoThrow(try HelpDeskConfiguration(kind: .zendesk, baseURL: "https://acme.zendesk.com", email: "a@b", token: "t"))
        XCTAssertNoThrow(try HelpDeskConfiguration(kind: .freshdesk, baseURL: "http://127.0.0.1:9", token: "k"))
        XCTAssertThrowsError(try HelpDeskConfiguration(kind: .zendesk, baseURL: "https://acme.zendesk.com", token: "t"))
        XCTAssertThrowsError(try HelpDeskConfiguration(kind: .freshdesk, baseURL: "https://acme.freshdesk.com"))
        XCTAssertThrowsError(try HelpDeskConfiguration(kind: .webhook, baseURL: "https://hooks.acme.test/x"))
        XCTAssertThrowsError(try HelpDeskConfiguration.readSecret("/nonexistent/token", option: "--helpdesk-token-file"))
    }

    func testTheListingHidesTokensAndLinks() {
        XCTAssertEqual(OutboxText.mask("see https://h/j/abcDEF123 now"), "see https://h/j/… now")
        XCTAssertEqual(OutboxText.mask("token=sk_live_abc"), "token=[hidden]")
        XCTAssertEqual(OutboxText.mask("key 9f8e7d6c5b4a39281716abcdef"), "key [hidden]")
        XCTAssertEqual(OutboxText.mask("HTTP 404: RecordNotFound; Not found"), "HTTP 404: RecordNotFound; Not found")
        XCTAssertEqual(OutboxText.mask("http://127.0.0.1:42173/hooks/cobrowse"), "http://127.0.0.1:42173/hooks/cobrowse")
        XCTAssertEqual(OutboxText.mask("https://hooks.acme.test/in/Zx81bQ7pLm2Nc4Vr6Ts9Wk"), "https://hooks.acme.test/in/[hidden]")
    }
}
