import Foundation
import Logging
import XCTest
@testable import Engine

/// The one-time link by e-mail, against Debian's aiosmtpd on 127.0.0.1: over
/// STARTTLS with a CA made for the test, as a proper RFC 5322 message with the
/// opening script; a 451 is tried again and delivered once, a 550 fails with
/// the reason in the feed, a server killed mid-DATA loses nothing, and a
/// hostile server's endless reply line is a clear error. The link is never in
/// the log, the audit trail or the feed.
final class LinkByEmailTests: CustomerChannelTestCase {
    private func mailServer(_ dir: TransportTempDir, _ options: [String] = [], port: Int = 0) throws -> LocalMailServer {
        let server = try LocalMailServer(directory: dir.file("mail-\(UUID().uuidString.prefix(6))"), port: port)
        try server.start(options)
        atEnd { server.stop() }
        return server
    }

    func testTheLinkGoesByEmailOverStartTLSWithTheOpeningScriptAndTheFeedSaysTheMailServerTookIt() throws {
        let dir = try TransportTempDir()
        atEnd { dir.remove() }
        let cert = try TestCertificate(in: dir)
        let mail = try mailServer(dir, ["--tlscert", cert.certificate, "--tlskey", cert.key])
        var config = EngineConfiguration(dataDirectory: dir.file("data"), listenPort: 0)
        config.tickInterval = 5
        config.mail = try SMTPConfiguration(host: "localhost", port: mail.port, from: "support@acme.test", trustedCAFile: cert.certificate)
        let lines = LogLines()
        let (server, store, console) = try engineWithConsole(config, lines: lines)
        try store.addTicket(Ticket(id: "T-1", subject: "Export fails", customer: "Dana Whitfield"))
        try store.setCustomerContact(ticketId: "T-1", email: "dana@example.com", phone: nil)
        try store.addTicket(Ticket(id: "T-2", subject: "No address", customer: "Lee"))
        try store.addTicket(Ticket(id: "T-3", subject: "Card typed into the name", customer: "4111 1111 1111 1111 Sam"))
        try store.setCustomerContact(ticketId: "T-3", email: "sam@example.com", phone: "+15555550123")

        func send(_ m: WireMessage, id: Int? = nil) { server.hub.connection(console, received: WireCodec.encode(m, id: id)) }

        // Refused before any session is made, saying what is missing.
        send(.startSession(StartSession(ticketId: "T-2", send: .email)), id: 1)
        let noAddress = try console.wait("no address") { if case let .error(e) = $0 { e } else { nil } }
        XCTAssertTrue(noAddress.message.contains("ticket T-2 has no e-mail address for Lee"), noAddress.message)
        send(.startSession(StartSession(ticketId: "T-1", send: .sms)), id: 2)
        let noGateway = try console.wait("no gateway") { if case let .error(e) = $0, e.message.contains("SMS") { e } else { nil } }
        XCTAssertTrue(noGateway.message.contains("no SMS gateway (serve --sms-url"), noGateway.message)
        XCTAssertTrue(try store.allSessions().isEmpty, "no session for a link that cannot go")

        send(.startSession(StartSession(ticketId: "T-1", send: .email)), id: 3)
        let started = try console.wait("session started") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        waitUntil(20) { mail.received.count == 1 }
        let m = try XCTUnwrap(mail.received.first)
        XCTAssertTrue(m.tls, "the mail went over STARTTLS")
        XCTAssertEqual(m.mailFrom, "support@acme.test")
        XCTAssertEqual(m.rcptTos, ["dana@example.com"])
        XCTAssertEqual(m.headers["From"], "support@acme.test")
        XCTAssertEqual(m.headers["To"], "dana@example.com")
        XCTAssertEqual(m.headers["Subject"], "Your co-browse link from Maria S.")
        XCTAssertEqual(m.headers["MIME-Version"], "1.0")
        XCTAssertEqual(m.headers["Content-Type"]?.replacingOccurrences(of: "\"", with: ""), "text/plain; charset=utf-8")
        XCTAssertNotNil(m.headers["Date"].flatMap { $0.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) }, "\(m.headers)")
        XCTAssertNotNil(m.headers["Message-ID"].flatMap { $0.range(of: #"^<[0-9a-f]{32}@acme\.test>$"#, options: .regularExpression) }, "\(m.headers)")
        XCTAssertTrue(m.body.hasPrefix("Hi Dana, I'd like to walk through this together."), m.body)
        XCTAssertTrue(m.body.contains(started.link), "the customer gets the link itself")
        XCTAssertTrue(m.body.contains("— Maria S."), m.body)

        let sid = started.session.id
        try waitUntil(10) { try store.activity(sessionId: sid).contains { $0.text.hasPrefix("Mail server accepted the link for dana@example.com (250") } }
        let feed = try store.activity(sessionId: sid).map(\.text)
        XCTAssertTrue(feed.contains { $0.hasPrefix("One-time link queued for Dana Whitfield (dana@example.com) by e-mail") }, "\(feed)")
        XCTAssertEqual(try store.outboxEntry(idempotencyKey: "link:\(sid):first")?.state, .delivered)
        XCTAssertEqual(try store.linkChannel(sessionId: sid), .email)

        // A card number typed into the customer's name never reaches the mail (nor the feed) in clear.
        send(.startSession(StartSession(ticketId: "T-3", send: .email)), id: 4)
        let third = try console.wait("the third session") { if case let .sessionStarted(s) = $0, s.session.ticket.id == "T-3" { s } else { nil } }
        waitUntil(20) { mail.received.count == 2 }
        let sam = try XCTUnwrap(mail.received.last)
        XCTAssertFalse(sam.body.contains("4111") || sam.body.contains("1111 1111"), sam.body)
        XCTAssertFalse(try store.activity(sessionId: third.session.id).contains { $0.text.contains("4111") })

        // The link is in the mail and nowhere else.
        for link in [started.link, third.link] {
            let token = String(link.split(separator: "/").last!)
            XCTAssertFalse(lines.all.contains { $0.contains(token) }, "the link is not in the log")
            XCTAssertFalse(try store.auditEntries(sessionId: nil).contains { $0.detail.contains(token) }, "the link is not in the audit trail")
            XCTAssertFalse(try store.activity(sessionId: sid).contains { $0.text.contains(token) }, "the link is not in the feed")
            XCTAssertFalse(try store.activity(sessionId: third.session.id).contains { $0.text.contains(token) }, "the link is not in the feed")
        }
        XCTAssertFalse(OutboxListing.text(try store.undeliveredOutbox()).contains(String(started.link.split(separator: "/").last!)))
    }

    func testACustomerGoneThirtySecondsGetsANewLinkByEmailTheWayTheFirstWent() throws {
        let dir = try TransportTempDir()
        atEnd { dir.remove() }
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.addTicket(Ticket(id: "T-1", subject: "Export", customer: "Dana Lee"))
        try store.setCustomerContact(ticketId: "T-1", email: "dana@example.com", phone: nil)
        let clock = FakeClock()
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, clock: { clock.now })
        hub.customerChannels = CustomerChannels(outbox: store, contacts: store, canEmail: true, canText: false, clock: { clock.now })
        var next = 1
        func connect(_ peer: PeerIdentity) -> WaitingConnection { defer { next += 1 }; let c = WaitingConnection(next, peer); hub.connectionOpened(c); return c }
        let live = try LiveSession.open(on: hub, ticket: "T-1", send: .email, connect: connect)

        hub.connectionClosed(live.customer)
        clock.advance(11); hub.tick()
        clock.advance(20); hub.tick()
        let renewed = try live.agent.wait("the new link") { if case let .linkRenewed(r) = $0 { r } else { nil } }
        XCTAssertEqual(renewed.sentVia, "e-mail", "the console hears it went by e-mail, not that it is the agent's to hand over")
        let said = try live.agent.wait("the feed says so") { if case let .activity(a) = $0, a.text.hasPrefix("New link sent to") { a.text } else { nil } }
        XCTAssertTrue(said.hasPrefix("New link sent to Dana Lee by e-mail (dana@example.com)"), said)
        let rows = try store.undeliveredOutbox()
        let renewal = try XCTUnwrap(rows.first { $0.idempotencyKey.hasPrefix("link:\(live.id):renewed:") })
        guard case let .email(to, subject, body) = renewal.call else { return XCTFail("\(renewal.call)") }
        XCTAssertEqual(to, "dana@example.com")
        XCTAssertEqual(subject, "Your new co-browse link")
        XCTAssertTrue(body.hasPrefix("Hi Dana, your connection dropped; here is a new link"), body)
        XCTAssertTrue(body.contains(renewed.link))

        // Both mails reach the server, in order, and the feed hears each was taken.
        let mail = try mailServer(dir)
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: mail.port, from: "support@acme.test"))
        try startSender(store, OutboxCouriers(email: MailCourier(mailer: mailer)), hub: hub, clock: { clock.now })
        waitUntil(20) { mail.received.count == 2 }
        XCTAssertTrue(mail.received[0].body.contains(live.link))
        XCTAssertTrue(mail.received[1].body.contains(renewed.link))
        waitUntil(10) {
            live.agent.messages.filter { if case let .activity(a) = $0 { a.text.hasPrefix("Mail server accepted the link for dana@example.com (250") } else { false } }.count == 2
        }
        let token = String(renewed.link.split(separator: "/").last!)
        XCTAssertFalse(try store.activity(sessionId: live.id).contains { $0.text.contains(token) })
        XCTAssertFalse(try store.auditEntries(sessionId: live.id).contains { $0.detail.contains(token) })
    }

    private func mailSender(_ store: SQLiteStore, _ mailer: SMTPMailer, hub: EngineHub? = nil) throws {
        try startSender(store, OutboxCouriers(email: MailCourier(mailer: mailer)), hub: hub)
    }

    private func queueMail(_ store: SQLiteStore, key: String, session: String? = nil) throws {
        _ = try store.enqueue([OutboxDraft(idempotencyKey: key, ticketId: "T-1",
                                       call: .email(to: "dana@example.com", subject: "Your co-browse link", body: ".a line with a dot\nand https://h/j/SECRETTOKEN1"),
                                       sessionId: session, recipient: "dana@example.com")], desk: nil, at: Date())
    }

    func testAServerThatSays451IsTriedAgainAndTheMailArrivesOnce() throws {
        let (dir, store) = try ticketStore()
        let mail = try mailServer(dir, ["--answer", "451"])
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: mail.port, from: "support@acme.test"))
        try queueMail(store, key: "m1")
        _ = try mailSender(store, mailer)
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "m1")?.state == .delivered }
        let row = try XCTUnwrap(store.outboxEntry(idempotencyKey: "m1"))
        XCTAssertEqual(row.attempts, 2, "one 451, then accepted")
        XCTAssertEqual(mail.received.count, 1, "delivered once")
        XCTAssertEqual(mail.received.first?.body.hasPrefix(".a line with a dot"), true, "dot-stuffing is undone by the server: \(mail.received.first?.body ?? "")")
        XCTAssertFalse(mail.received.first?.tls ?? true, "plain SMTP is accepted to this machine")
    }

    func testA550FailsTheRowForGoodAndTheFeedWarnsWithTheReason() throws {
        let (dir, store) = try ticketStore()
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        let session = try hub.startSession(ticketId: "T-1", record: false, agent: Agent(name: "Maria S.", uid: 1001, level: .l2))
        let mail = try mailServer(dir, ["--answer", "550"])
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: mail.port, from: "support@acme.test"))
        try queueMail(store, key: "m2", session: session.session.id)
        _ = try mailSender(store, mailer, hub: hub)
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "m2")?.state == .failed }
        let row = try XCTUnwrap(store.outboxEntry(idempotencyKey: "m2"))
        XCTAssertEqual(row.attempts, 1, "a 5xx is not tried again")
        XCTAssertTrue(row.lastError?.contains("550 5.7.1 refused by the test server") ?? false, row.lastError ?? "")
        XCTAssertTrue(mail.received.isEmpty)
        // The row is marked failed first, then the feed is told.
        try waitUntil { try store.activity(sessionId: session.session.id).contains { $0.kind == .warning && $0.text.contains("was not delivered") } }
        let warning = try XCTUnwrap(store.activity(sessionId: session.session.id).first { $0.kind == .warning && $0.text.contains("was not delivered") })
        XCTAssertTrue(warning.text.hasPrefix("The link to dana@example.com by e-mail was not delivered: the mail server refused the message: 550"), warning.text)
        XCTAssertFalse(warning.text.contains("SECRETTOKEN1"))
        XCTAssertTrue(OutboxListing.text(try store.undeliveredOutbox()).contains("550 5.7.1"), "the outbox command lists why")
    }

    func testAServerKilledMidwayLosesNothingAndTheMailGoesOnceItIsBack() throws {
        let (dir, store) = try ticketStore()
        let hanging = try mailServer(dir, ["--hang-on-data"])
        let port = hanging.port
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: port, from: "support@acme.test", replyTimeout: 30))
        try queueMail(store, key: "m3")
        _ = try mailSender(store, mailer)
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "m3")?.state == .sending }
        Thread.sleep(forTimeInterval: 0.3) // the message is in; the server sits on its answer
        hanging.kill()
        try waitUntil(10) { try store.outboxEntry(idempotencyKey: "m3")?.lastError?.contains("closed the connection") ?? false }
        XCTAssertNotEqual(try store.outboxEntry(idempotencyKey: "m3")?.state, .delivered)
        let back = try LocalMailServer(directory: hanging.directory, port: port)
        try back.start()
        atEnd { back.stop() }
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "m3")?.state == .delivered }
        XCTAssertEqual(back.received.count, 1)
    }

    func testAMailLeftSendingByAStoppedEngineGoesAtTheNextStartWithTheSameMessageID() throws {
        let (dir, store) = try ticketStore()
        try queueMail(store, key: "m5")
        let row = try XCTUnwrap(store.outboxEntry(idempotencyKey: "m5"))
        // The engine stopped between handing the mail over and hearing the answer.
        try store.markSending(id: row.id, at: Date())
        let reopened = try SQLiteStore(path: dir.file("db.sqlite"))
        let mail = try mailServer(dir)
        try mailSender(reopened, try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: mail.port, from: "support@acme.test")))
        try waitUntil(20) { try reopened.outboxEntry(idempotencyKey: "m5")?.state == .delivered }
        XCTAssertEqual(try reopened.outboxEntry(idempotencyKey: "m5")?.attempts, 2)
        XCTAssertEqual(mail.received.count, 1)
        XCTAssertEqual(mail.received.first?.headers["Message-ID"], MailMessage.messageID(idempotencyKey: "m5", from: "support@acme.test"),
                       "sent again, it is the same message to the receiving side")
    }

    func testAHostileServerWithAnEndlessReplyLineIsAClearErrorAndCrashesNothing() throws {
        let (dir, store) = try ticketStore()
        let hostile = try mailServer(dir, ["--hostile"])
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "127.0.0.1", port: hostile.port, from: "support@acme.test"))
        let started = Date()
        do {
            _ = try runAsync { try await mailer.send(MailMessage(from: "support@acme.test", to: "dana@example.com", subject: "s", body: "b",
                                                                 messageID: "<x@acme.test>", date: Date())) }
            XCTFail("a hostile server cannot take a mail")
        } catch let e as SMTPError {
            XCTAssertEqual(e, .hostile("a reply line longer than \(SMTPReplyReader.maxLineBytes) bytes"))
            XCTAssertTrue(e.description.contains("broke the protocol"), e.description)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "refused as soon as the line is too long, not at a timeout")
        try queueMail(store, key: "m4")
        _ = try mailSender(store, mailer)
        try waitUntil(20) { try store.outboxEntry(idempotencyKey: "m4")?.lastError?.contains("longer than 2048 bytes") ?? false }
        XCTAssertNotEqual(try store.outboxEntry(idempotencyKey: "m4")?.state, .delivered)
    }

    func testAServerWhoseCertificateIsNotTrustedGetsNoMail() throws {
        let (dir, _) = try ticketStore()
        let cert = try TestCertificate(in: dir)
        let mail = try mailServer(dir, ["--tlscert", cert.certificate, "--tlskey", cert.key])
        // The system's roots only: the test's CA is not among them.
        let mailer = try SMTPMailer(configuration: SMTPConfiguration(host: "localhost", port: mail.port, from: "support@acme.test"))
        XCTAssertThrowsError(try runAsync {
            try await mailer.send(MailMessage(from: "support@acme.test", to: "dana@example.com", subject: "s", body: "https://h/j/SECRETTOKEN3",
                                              messageID: "<y@acme.test>", date: Date()))
        }) { error in
            guard case let .tls(why)? = error as? SMTPError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("CERTIFICATE_VERIFY_FAILED") || why.contains("certificate"), why)
        }
        XCTAssertTrue(mail.received.isEmpty, "nothing was sent to a server the engine could not verify")
    }

    func testOffThisMachineAServerWithoutStartTLSGetsNoMailAndTheMessageIsWellFormed() throws {
        // Plain SMTP only to loopback: the rule, and the reason a refusal gives.
        XCTAssertTrue(try SMTPConfiguration(host: "127.0.0.1", port: 25, from: "a@acme.test").isLoopback)
        XCTAssertFalse(try SMTPConfiguration(host: "mail.acme.test", port: 587, from: "a@acme.test").isLoopback)
        XCTAssertTrue(SMTPError.noStartTLS("mail.acme.test").isPermanent)
        XCTAssertThrowsError(try SMTPConfiguration(host: "mail.acme.test", port: 587, from: "a@acme.test\r\nBcc: x@evil.test"))

        let message = MailMessage(from: "support@acme.test", to: "dana@example.com", subject: "Héllo\r\nBcc: evil@x.test", body: "Hi Dana,\n.\nbye",
                                  messageID: "<id@acme.test>", date: Date(timeIntervalSince1970: 0))
        let text = try message.rendered(eightBit: false)
        XCTAssertTrue(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), text)
        XCTAssertFalse(text.contains("\r\nBcc:"), "a line break in the subject adds no header")
        XCTAssertTrue(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"), text)
        XCTAssertEqual(MailText.dotStuffed(text).hasSuffix("\r\n..\r\nbye\r\n.\r\n"), true, MailText.dotStuffed(text))
        let hostileTo = MailMessage(from: "support@acme.test", to: "dana@example.com>\r\nRCPT TO:<evil@x.test", subject: "s", body: "b",
                                    messageID: "<id@acme.test>", date: Date())
        XCTAssertThrowsError(try hostileTo.rendered(eightBit: true))
    }
}

/// Runs an async call to the end from a test's thread.
func runAsync<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = NIOLockedResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task { do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }; done.signal() }
    done.wait()
    return try box.get()
}

final class NIOLockedResult<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.lock(); result = r; lock.unlock() }
    func get() throws -> T { lock.lock(); defer { lock.unlock() }; return try result!.get() }
}
