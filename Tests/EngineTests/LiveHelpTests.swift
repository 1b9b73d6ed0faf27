import Foundation
import XCTest
@testable import Engine

/// "Get live help" on a tenant's page: a request from a listed origin becomes
/// a ticket marked ⚑ in the lobby, with the page it came from; anything else
/// is refused with a reason the page can show, and changes nothing.
final class LiveHelpTests: XCTestCase {
    var fixture: HelpDeskFixture!
    var store: SQLiteStore!
    var hub: EngineHub!
    let site = "https://app.northwind.test"
    let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)

    override func setUpWithError() throws {
        fixture = try HelpDeskFixture()
        store = try fixture.open()
        try store.addAgent(maria)
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        switchOn()
    }

    override func tearDown() { fixture.dir.remove() }

    func switchOn(maxWaiting: Int = 200) {
        hub.liveHelp = LiveHelpDesk(origins: LiveHelpOrigins(origins: [site]), store: store, redactor: Redactor(), maxWaiting: maxWaiting,
                                    auditRefusal: { [weak hub] d, a in hub?.auditRefusal(d, address: a) })
    }

    func post(_ body: String, origin: String? = nil, from remote: String = "203.0.113.9:5555") -> GatewayResponse {
        let answer = NIOBox()
        let headers = (origin ?? site).isEmpty ? [] : [("Origin", origin ?? site), ("Content-Type", "text/plain;charset=UTF-8")]
        hub.httpPost(path: "/live-help", headers: headers, body: Array(body.utf8), remote: remote) { answer.set($0) }
        waitUntil { answer.get() != nil }
        return answer.get() ?? GatewayResponse(status: 0, body: [])
    }

    func json(_ r: GatewayResponse) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: String] ?? [:]
    }

    func header(_ r: GatewayResponse, _ name: String) -> String? { r.headers.first { $0.0 == name }?.1 }

    func request(name: String = "Dana Whitfield", email: String = "dana@northwind.test", topic: String? = "SSO login loops back to the start",
                 page: String? = nil) -> String {
        var fields: [String: String] = ["name": name, "email": email, "page": page ?? site + "/settings/sso?token=abc#frag"]
        if let topic { fields["topic"] = topic }
        return String(decoding: try! JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }

    func testARequestFromTheTenantsPageBecomesATicketTheLobbyMarks() throws {
        let answer = post(request())
        XCTAssertEqual(answer.status, 201, String(decoding: answer.body, as: UTF8.self))
        XCTAssertEqual(header(answer, "Access-Control-Allow-Origin"), site, "the page's script may read the answer")
        let said = json(answer)
        let id = try XCTUnwrap(said["ticket"])
        XCTAssertTrue(id.hasPrefix("LH-"), id)
        XCTAssertTrue(said["message"]?.contains("Thanks, Dana.") == true, "\(said)")

        let ticket = try XCTUnwrap(try store.ticket(id: id))
        XCTAssertEqual(ticket.customer, "Dana Whitfield")
        XCTAssertEqual(ticket.subject, "Live help: SSO login loops back to the start")
        XCTAssertEqual(try store.customerContact(ticketId: id)?.email, "dana@northwind.test", "where the link can go")

        let lobby = try hub.lobby(for: maria)
        let asked = try XCTUnwrap(lobby.requested?[id])
        XCTAssertEqual(asked.via, .page)
        XCTAssertEqual(asked.page, site + "/settings/sso", "origin and path only: the query and fragment may hold tokens")
        XCTAssertNotNil(asked.requestedAt)

        let audit = try store.auditEntries(sessionId: nil).filter { $0.action == "live-help.requested" }
        XCTAssertEqual(audit.map(\.detail), ["ticket \(id) from \(site)"])
        XCTAssertFalse(audit[0].detail.contains("dana@"), "no e-mail address in the trail")
        try store.verifyAuditChain()

        // A session on it is kept as begun at the customer's request.
        let started = try hub.startSession(ticketId: id, record: false, agent: maria)
        XCTAssertEqual(try store.session(id: started.session.id)?.initiator, .customerRequest)
    }

    func testAskingAgainFromTheSameAddressFindsTheWaitingTicket() throws {
        let first = json(post(request()))
        let again = post(request(topic: "still broken"))
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(json(again)["ticket"], first["ticket"])
        XCTAssertTrue(json(again)["message"]?.contains("already asked") == true, "\(json(again))")
        XCTAssertEqual(try store.allTickets().filter { $0.id.hasPrefix("LH-") }.count, 1)
    }

    func testAnotherSitesPageIsRefusedAndAudited() throws {
        for (i, origin) in ["https://evil.test", "https://app.northwind.test.evil.test", "null", ""].enumerated() {
            let answer = post(request(page: "https://evil.test/x"), origin: origin, from: "198.51.100.\(i):1")
            XCTAssertEqual(answer.status, 403, origin)
            XCTAssertNil(header(answer, "Access-Control-Allow-Origin"), "a stranger's page cannot read the answer")
        }
        XCTAssertTrue(try store.allTickets().isEmpty)
        let refused = try store.auditEntries(sessionId: nil).filter { $0.action == "live-help.refused" }
        XCTAssertEqual(refused.count, 4)
        XCTAssertTrue(refused[0].detail.contains("https://evil.test"), refused[0].detail)
    }

    func testHostileBodiesGetAReasonAndChangeNothing() throws {
        let cases: [(String, Int, String)] = [
            ("not json", 400, "not JSON"),
            ("[1,2]", 400, "one JSON object"),
            (#"{"name":7,"email":"a@b.test","page":"https://app.northwind.test/"}"#, 400, "name must be text"),
            (request(name: "   "), 400, "your name"),
            (request(name: String(repeating: "A", count: 81)), 400, "longer than 80"),
            (request(email: "dana"), 400, "e-mail address"),
            (request(email: "dana@northwind.test\r\nBcc: all@corp.test"), 400, "e-mail address"),
            (request(email: "a@b@c.test"), 400, "e-mail address"),
            (request(topic: String(repeating: "x", count: 301)), 400, "longer than 300"),
            (request(page: "https://evil.test/settings"), 400, "page must be"),
            (request(page: "javascript:alert(1)"), 400, "page must be"),
            (request(page: site + "/" + String(repeating: "p", count: 400)), 400, "page must be"),
            (String(repeating: " ", count: LiveHelpRequest.maxBodyBytes + 1), 413, "too large"),
        ]
        for (i, (body, status, reason)) in cases.enumerated() {
            // Each from an address of its own: an address gets only a few tries a minute, bad ones included.
            let answer = post(body, from: "198.51.100.\(i):1")
            XCTAssertEqual(answer.status, status, "\(body.prefix(80))")
            XCTAssertTrue(json(answer)["error"]?.contains(reason) == true, "\(body.prefix(80)): \(json(answer))")
            XCTAssertEqual(header(answer, "Access-Control-Allow-Origin"), site, "the page can show why")
        }
        XCTAssertTrue(try store.allTickets().isEmpty)
    }

    func testWhatTheCustomerTypedIsRedactedAndKeptToOneLine() throws {
        let answer = post(request(name: "Dana\nWhitfield\u{7}", topic: "card 4111 1111 1111 1111 declined, ssn 123-45-6789"))
        XCTAssertEqual(answer.status, 201)
        let id = try XCTUnwrap(json(answer)["ticket"])
        let ticket = try XCTUnwrap(try store.ticket(id: id))
        XCTAssertEqual(ticket.customer, "Dana Whitfield")
        XCTAssertFalse(ticket.subject.contains("4111"), ticket.subject)
        XCTAssertFalse(ticket.subject.contains("123-45-6789"), ticket.subject)
        XCTAssertTrue(ticket.subject.contains("declined"), ticket.subject)
    }

    func testAnAddressThatKeepsAskingIsSlowedDown() throws {
        var statuses: [Int] = []
        for i in 0..<5 { statuses.append(post(request(email: "c\(i)@northwind.test")).status) }
        XCTAssertEqual(statuses.prefix(3), [201, 201, 201])
        XCTAssertEqual(statuses.last, 429)
        // Another address is not held up by the first.
        XCTAssertEqual(post(request(email: "other@northwind.test"), from: "198.51.100.4:1000").status, 201)
    }

    func testWhenTooManyWaitNewRequestsAreTurnedAwayUntilSomeAreServed() throws {
        switchOn(maxWaiting: 2)
        XCTAssertEqual(post(request(email: "a@northwind.test"), from: "198.51.100.1:1").status, 201)
        let second = json(post(request(email: "b@northwind.test"), from: "198.51.100.2:1"))
        let full = post(request(email: "c@northwind.test"), from: "198.51.100.3:1")
        XCTAssertEqual(full.status, 503)
        XCTAssertTrue(json(full)["error"]?.contains("busy") == true, "\(json(full))")
        XCTAssertNotNil(header(full, "Retry-After"))
        _ = try hub.startSession(ticketId: try XCTUnwrap(second["ticket"]), record: false, agent: maria)
        XCTAssertEqual(post(request(email: "c@northwind.test"), from: "198.51.100.3:1").status, 201, "a served request no longer waits")
    }

    func testAnEngineWithoutLiveHelpSaysSo() throws {
        hub.liveHelp = nil
        let answer = post(request())
        XCTAssertEqual(answer.status, 404)
        XCTAssertTrue(json(answer)["error"]?.contains("--live-help-origins") == true, "\(json(answer))")
    }

    func testTheLobbyOfAConsoleInItIsSentAfreshWhenACustomerAsks() throws {
        let console = WaitingConnection(9001, .local(uid: 1001, pid: 1))
        hub.connectionOpened(console)
        hub.connection(console, received: WireCodec.encode(.hello(Hello(client: "test"))))
        _ = try console.wait("the welcome") { if case .welcome = $0 { true } else { nil } }
        let id = try XCTUnwrap(json(post(request()))["ticket"])
        let lobby = try console.wait("the lobby, unasked") { if case let .lobby(l) = $0, l.requested?[id] != nil { l } else { nil } }
        XCTAssertTrue(lobby.tickets.contains { $0.id == id })
    }

    func testAWebhookDesksSessionRequestedEventMarksTheTicket() throws {
        let secret = "shared-webhook-secret"
        hub.helpDeskOutbox = HelpDeskOutbox(desk: .webhook, store: store)
        hub.helpDeskInbox = HelpDeskInbox(desk: .webhook, secret: secret, store: store,
                                          auditRefusal: { [weak hub] d, a in hub?.auditRefusal(d, address: a) })
        let body = #"{"event":"session.requested","ticket":{"id":"C-77","subject":"Stuck on the export","requester":{"name":"Ana Ruiz","email":"ana@example.com"}}}"#
        let ts = String(Int(Date().timeIntervalSince1970))
        let answer = NIOBox()
        hub.httpPost(path: "/helpdesk/webhook", headers: [("X-Cobrowse-Timestamp", ts),
                                                          ("X-Cobrowse-Signature", WebhookSignature.header(secret: secret, timestamp: ts, body: Array(body.utf8)))],
                     body: Array(body.utf8), remote: "203.0.113.9:5555") { answer.set($0) }
        waitUntil { answer.get() != nil }
        XCTAssertEqual(answer.get()?.status, 200)
        XCTAssertEqual(try hub.lobby(for: maria).requested?["C-77"], CustomerRequest(via: .helpDesk))
        let started = try hub.startSession(ticketId: "C-77", record: false, agent: maria)
        XCTAssertEqual(try store.session(id: started.session.id)?.initiator, .customerRequest)
    }

    func testOriginsAreReadStrictly() throws {
        XCTAssertEqual(try LiveHelpOrigins("https://App.Example.com, http://127.0.0.1:8080").origins,
                       ["https://app.example.com", "http://127.0.0.1:8080"])
        for bad in ["", "app.example.com", "https://app.example.com/path", "ftp://x.test", "https://u@x.test", "https://x.test?q=1"] {
            XCTAssertThrowsError(try LiveHelpOrigins(bad), bad)
        }
        let withEngine = try LiveHelpOrigins("self").resolved(engine: "https://127.0.0.1:8443")
        XCTAssertTrue(withEngine.allows("https://127.0.0.1:8443"))
        XCTAssertFalse(withEngine.allows("https://127.0.0.1:9443"))
    }
}
