import Foundation
import XCTest
@testable import Engine

/// Where a ticket's customer is reached: addresses and numbers are checked
/// (no line breaks, one @, E.164, bounded), the ones added here win over the
/// desk's, import files carry them, and hostile values are refused clearly.
final class CustomerContactTests: XCTestCase {
    func testAddressesAndNumbersAreCheckedAndHostileOnesRefusedWithAClearReason() throws {
        XCTAssertEqual(try ContactRules.email(" dana@example.com "), "dana@example.com")
        XCTAssertEqual(try ContactRules.phone("+1 (555) 555-0123"), "+15555550123")
        let hostileEmails = ["dana@example.com\r\nBcc: all@example.com", "dana@example.com\nRCPT TO:<x@y.z>", "dana", "a@b@example.com",
                             "dana@localhost", "<dana@example.com>", String(repeating: "a", count: 300) + "@example.com", "da na@example.com"]
        for bad in hostileEmails {
            XCTAssertThrowsError(try ContactRules.email(bad), bad.debugDescription) { XCTAssertFalse("\($0)".isEmpty) }
        }
        XCTAssertThrowsError(try ContactRules.email("dana@example.com\r\nBcc: x")) {
            XCTAssertTrue("\($0)".contains("line break"), "\($0)")
        }
        for bad in ["5555550123", "+1555", "+1234567890123456", "+1555555012a", "+15555550123\r\n", String(repeating: "9", count: 10_000)] {
            XCTAssertThrowsError(try ContactRules.phone(bad), bad.prefix(20).debugDescription)
        }
        XCTAssertThrowsError(try ContactRules.phone("5555550123")) { XCTAssertTrue("\($0)".contains("E.164"), "\($0)") }
    }

    func testTheAddressAddedHereWinsOverTheDesksAndEachSessionRemembersItsChannel() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        try store.applyDeskTicket(DeskTicketUpdate(id: "2201", subject: "Card", requesterName: "Ana Ruiz", requesterEmail: "ana@desk.example.com",
                                                   requesterPhone: "+15555550111"), desk: .zendesk)
        XCTAssertEqual(try store.customerContact(ticketId: "2201"), CustomerContact(email: "ana@desk.example.com", phone: "+15555550111"))
        try store.setCustomerContact(ticketId: "2201", email: "ana@example.com", phone: nil)
        XCTAssertEqual(try store.customerContact(ticketId: "2201"), CustomerContact(email: "ana@example.com", phone: "+15555550111"),
                       "the local address wins; the desk's phone stays the fallback")
        XCTAssertNil(try store.customerContact(ticketId: "nope"))
        XCTAssertThrowsError(try store.setCustomerContact(ticketId: "2201", email: "x@example.com\r\nBcc: y@example.com", phone: nil))
        XCTAssertThrowsError(try store.setCustomerContact(ticketId: "nope", email: "x@example.com", phone: nil)) {
            XCTAssertTrue("\($0)".contains("ticket nope"), "\($0)")
        }
        // A hostile address the desk sent is refused where it would reach a mail header.
        try store.applyDeskTicket(DeskTicketUpdate(id: "2202", subject: "x", requesterName: "Eve", requesterEmail: "eve@example.com\r\nBcc: all@example.com"),
                                  desk: .zendesk)
        let channels = CustomerChannels(outbox: store, contacts: store, canEmail: true, canText: true)
        let eve = try XCTUnwrap(store.ticket(id: "2202"))
        XCTAssertThrowsError(try channels.recipient(of: eve, by: .email)) { XCTAssertTrue("\($0)".contains("ticket 2202: the e-mail address holds a line break"), "\($0)") }
        XCTAssertThrowsError(try channels.recipient(of: eve, by: .sms)) { XCTAssertTrue("\($0)".contains("has no mobile number for Eve"), "\($0)") }

        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline)
        hub.customerChannels = CustomerChannels(outbox: store, contacts: store, canEmail: true, canText: false)
        let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)
        XCTAssertThrowsError(try hub.startSession(ticketId: "2201", record: false, agent: maria, send: .sms)) {
            XCTAssertTrue("\($0)".contains("no SMS gateway"), "\($0)")
        }
        XCTAssertThrowsError(try hub.startSession(ticketId: "2202", record: false, agent: maria, send: .email))
        XCTAssertTrue(try store.allSessions().isEmpty, "refused before any session is made")
        let started = try hub.startSession(ticketId: "2201", record: false, agent: maria, send: .email)
        XCTAssertEqual(try store.linkChannel(sessionId: started.session.id), .email)
        let row = try XCTUnwrap(store.outboxEntry(idempotencyKey: "link:\(started.session.id):first"))
        XCTAssertEqual(row.call, .email(to: "ana@example.com", subject: "Your co-browse link from Maria S.",
                                        body: EngineHub.openingScript(customer: "Ana Ruiz", agent: "Maria S.", link: started.link, minutes: 15)))
        XCTAssertEqual(row.sessionId, started.session.id)
        XCTAssertEqual(row.route, "email")
        let listing = OutboxListing.text(try store.undeliveredOutbox())
        XCTAssertTrue(listing.contains("email") && listing.contains("e-mail"), listing)
        XCTAssertFalse(listing.contains(String(started.link.split(separator: "/").last!)), "the outbox listing hides the link: \(listing)")
    }

    func testImportFilesCarryTheAddressAndNumberAndAHostileOneRefusesTheFile() throws {
        let csv = "id,subject,customer,email,phone\nT-1,Export,Dana,dana@example.com,+15555550123\nT-2,Login,Lee,,\n"
        let rows = try TicketImporter.parseCSVEntries(csv)
        XCTAssertEqual(rows.map(\.contact), [CustomerContact(email: "dana@example.com", phone: "+15555550123"), CustomerContact()])
        XCTAssertThrowsError(try TicketImporter.parseCSVEntries("id,subject,customer,email\nT-1,Export,Dana,\"dana@example.com\r\nBcc: x@y.z\"\n")) {
            XCTAssertTrue("\($0)".contains("tickets.csv line 2: the e-mail address holds a line break"), "\($0)")
        }
        let json = #"[{"id": 7, "subject": "Export", "customer": "Dana", "email": "dana@example.com", "phone": "+44 20 7946 0958"}]"#
        XCTAssertEqual(try TicketImporter.parseJSONEntries(Data(json.utf8)).first?.contact, CustomerContact(email: "dana@example.com", phone: "+442079460958"))
        XCTAssertThrowsError(try TicketImporter.parseJSONEntries(Data(#"[{"id":"1","subject":"s","customer":"c","phone":"call me"}]"#.utf8))) {
            XCTAssertTrue("\($0)".contains("tickets.json item 1: the phone number must be in E.164"), "\($0)")
        }
    }
}
