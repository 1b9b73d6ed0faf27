import Foundation
import XCTest
@testable import Engine

/// The auto-suggestion trigger: tickets whose category or words say a
/// co-browse would help are marked in the lobby, with the reason; a session
/// started from one (or as onboarding) keeps how it came about.
final class SuggestionTests: XCTestCase {
    func testTheDefaultsMarkSSOIntegrationsErrorsBillingAndConfigurationByWholeWords() {
        let rules = SuggestionRules.standard
        func why(_ subject: String, _ category: String? = nil) -> String? { rules.reason(for: Ticket(id: "T", subject: subject, customer: "C", category: category)) }
        XCTAssertEqual(why("SSO login loops back to the sign-in page"), "single sign-on setup: show them where")
        XCTAssertEqual(why("Our Okta identity provider rejects the assertion"), "single sign-on setup: show them where")
        XCTAssertEqual(why("Webhook never fires"), "integration setup: walk through it together")
        XCTAssertEqual(why("Export fails with an error 500"), "an error on screen: see it as they do")
        XCTAssertEqual(why("How do I change my plan?", "billing"), "billing: guide them through the form")
        XCTAssertEqual(why("Where are the role settings?"), "configuration: easier shown than told")
        XCTAssertNil(why("Thanks for the quick help"))
        XCTAssertNil(why("A terror of a day"), "whole words only: terror is no error")
        XCTAssertNil(why("Reconnection question"), "connect is a word, not a part of one")
    }

    func testATenantsRulesFileIsReadWithItsErrorsByLine() throws {
        let rules = try SuggestionRules.parse("""
            # reason | categories | keywords
            Shopify app setup: walk through it | shopify | shopify app, storefront

            Data import: check the mapping together |  | csv import
            """)
        XCTAssertEqual(rules.rules.count, 2)
        XCTAssertEqual(rules.reason(for: Ticket(id: "T", subject: "x", customer: "C", category: "Shopify")), "Shopify app setup: walk through it")
        XCTAssertEqual(rules.reason(for: Ticket(id: "T", subject: "The CSV import drops rows", customer: "C")), "Data import: check the mapping together")
        XCTAssertThrowsError(try SuggestionRules.parse("ok | a | b\nno pipes here")) { XCTAssertEqual("\($0)".prefix(7), "line 2:") }
        XCTAssertThrowsError(try SuggestionRules.parse("reason | | ")) { XCTAssertTrue("\($0)".contains("needs a category or a keyword")) }
        XCTAssertThrowsError(try SuggestionRules.parse("# only a comment\n")) { XCTAssertTrue("\($0)".contains("no rules")) }
    }

    func testTheLobbyMarksSuggestedTicketsAndASessionKeepsHowItCameAbout() throws {
        let dir = NSTemporaryDirectory() + "suggest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/db.sqlite")
        let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)
        try store.addAgent(maria)
        try store.addTicket(Ticket(id: "T-1", subject: "SAML assertion rejected", customer: "Dana"))
        try store.addTicket(Ticket(id: "T-2", subject: "Thanks!", customer: "Ravi"))
        try store.addTicket(Ticket(id: "T-3", subject: "First-time setup of the workspace", customer: "Lena"))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .dispatch)

        let lobby = try hub.lobby(for: maria)
        XCTAssertEqual(lobby.suggestions, ["T-1": "single sign-on setup: show them where", "T-3": "configuration: easier shown than told"])

        let suggested = try hub.startSession(ticketId: "T-1", record: false, agent: maria)
        let plain = try hub.startSession(ticketId: "T-2", record: false, agent: maria)
        let walkthrough = try hub.startSession(ticketId: "T-3", record: false, agent: maria, onboarding: true)
        XCTAssertEqual(try store.session(id: suggested.session.id)?.initiator, .autoSuggestion)
        XCTAssertEqual(try store.session(id: plain.session.id)?.initiator, .agent)
        XCTAssertEqual(try store.session(id: walkthrough.session.id)?.initiator, .onboarding)
        XCTAssertTrue(try store.activity(sessionId: suggested.session.id).contains { $0.text.contains("(suggested: single sign-on setup") })
        XCTAssertTrue(try store.auditEntries(sessionId: walkthrough.session.id).contains { $0.detail.contains("initiator=onboarding") })
        let w = try XCTUnwrap(WrapUp.read(sessionId: walkthrough.session.id, from: store, recordings: nil, redactor: Redactor(), now: Date()))
        XCTAssertTrue(w.text.contains("Started by: onboarding (guided walkthrough)"), w.text)

        // A tenant without suggestions: none are marked.
        hub.suggestions = try SuggestionRules.parse("Shopify | shopify |")
        XCTAssertNil(try hub.lobby(for: maria).suggestions)
    }
}
