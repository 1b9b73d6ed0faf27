import Engine
@testable import TerminalUI
import XCTest

/// Ending a session asks how it went, in the order a ticket needs it; an
/// ended session can be told later with `o`; the engine's wrap-up is shown.
final class OutcomeDialogTests: XCTestCase {
    func attached() -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        m.handle(.welcome(Welcome(server: "test", role: .agent, agent: Agent(name: "Maria S.", uid: 1001, level: .l2))))
        m.handle(.snapshot(SessionSnapshot(summary: Fixtures.summary(), scene: Fixtures.scene(), activity: [], notes: [])))
        m.now = Date(timeIntervalSince1970: 1_796_000_000) // 2026-11-30 UTC
        return m
    }

    func type(_ m: inout ConsoleModel, _ text: String) { for c in text { _ = m.handle(key: .character(c)) } }

    func sent(_ commands: [ConsoleCommand]) -> [EndSession] {
        commands.compactMap { if case let .send(.endSession(e)) = $0 { e } else { nil } }
    }

    func testEndingAsksHowItWentAndAFollowUpTakesAPlanAnOwnerAndADueDate() {
        var m = attached()
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(m.dialog, .confirmEnd)
        _ = m.handle(key: .character("f"))
        type(&m, "Call back after the bank unblocks the card")
        _ = m.handle(key: .enter)
        // The owner is the agent unless they say otherwise; the due date a week out.
        XCTAssertEqual(m.dialog, .prompt(.followUpOwner(plan: "Call back after the bank unblocks the card"), draft: "Maria S."))
        _ = m.handle(key: .enter)
        XCTAssertEqual(m.dialog, .prompt(.followUpDue(plan: "Call back after the bank unblocks the card", owner: "Maria S."), draft: "2026-12-07"))
        for _ in 0 ..< 2 { _ = m.handle(key: .backspace) }
        type(&m, "40")
        XCTAssertEqual(sent(m.handle(key: .enter)), [], "2026-12-40 is no date")
        XCTAssertEqual(m.message?.kind, .error)
        XCTAssertTrue(m.message?.text.contains("due date") ?? false, "\(String(describing: m.message))")
        for _ in 0 ..< 2 { _ = m.handle(key: .backspace) }
        type(&m, "09")
        XCTAssertEqual(sent(m.handle(key: .enter)),
                       [EndSession(sessionId: "S-7f3a9c", outcome: .followUp(plan: "Call back after the bank unblocks the card", owner: "Maria S.", due: "2026-12-09"))])
        XCTAssertNil(m.dialog)
    }

    func testResolvedEscalatedAndEndNowSayLater() {
        var m = attached()
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(sent(m.handle(key: .character("r"))), [EndSession(sessionId: "S-7f3a9c", outcome: .resolved)])

        m = attached()
        _ = m.handle(key: .character("e"))
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(sent(m.handle(key: .enter)), [], "an escalation names someone")
        type(&m, "Billing L2")
        _ = m.handle(key: .enter)
        type(&m, "needs a refund")
        XCTAssertEqual(sent(m.handle(key: .enter)), [EndSession(sessionId: "S-7f3a9c", outcome: .escalated(to: "Billing L2", reason: "needs a refund"))])

        m = attached()
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(sent(m.handle(key: .character("y"))), [EndSession(sessionId: "S-7f3a9c")])
        m.handle(.sessionEnded(SessionEnded(sessionId: "S-7f3a9c", reason: .agentEnded)))
        XCTAssertTrue(m.message?.text.contains("o: how it went") ?? false)
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(m.dialog, .sayOutcome)
        XCTAssertEqual(sent(m.handle(key: .character("r"))), [EndSession(sessionId: "S-7f3a9c", outcome: .resolved)])
    }

    func testTheWrapUpIsShownAndAnOutcomeIsNotAskedTwice() {
        var m = attached()
        m.handle(.sessionEnded(SessionEnded(sessionId: "S-7f3a9c", reason: .customerEnded)))
        var summary = Fixtures.summary()
        summary.status = .ended
        let w = WrapUp(WrapUp.Sources(summary: summary, audits: [], notes: [], participants: [], survey: nil,
                                      outcome: RecordedOutcome(outcome: .resolved, by: "Maria S.", at: m.now), recordingId: nil), redactor: Redactor(), now: m.now)
        m.handle(.wrapUp(w))
        guard case .wrapUp? = m.dialog else { return XCTFail("the wrap-up is shown") }
        _ = m.handle(key: .enter)
        XCTAssertNil(m.dialog)
        _ = m.handle(key: .character("o"))
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.message?.text.contains("on the ticket already") ?? false)
    }

    func testAWatcherIsNotAskedAndTheOutcomeKeyIsInTheEndedHelp() {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c", watch: true))
        var summary = Fixtures.summary()
        summary.status = .ended
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: Fixtures.scene(), activity: [], notes: [])))
        _ = m.handle(key: .character("o"))
        XCTAssertNil(m.dialog, "the watcher's table has no outcome key")
        XCTAssertNil(KeyMap.binding(for: .character("o"), in: .watching))
        XCTAssertNotNil(KeyMap.binding(for: .character("o"), in: .ended))
    }

    func testARenewedLinkIsShownToSendAndAGoneCustomerMayBeCalledLost() {
        var m = attached()
        m.handle(.linkRenewed(LinkRenewed(sessionId: "S-7f3a9c", link: "https://127.0.0.1:8443/join/abc")))
        XCTAssertEqual(m.dialog, .link(url: "https://127.0.0.1:8443/join/abc", ticketID: Fixtures.summary().ticket.id))
        XCTAssertTrue(m.message?.text.contains("dropped: send them this new link") ?? false)
        _ = m.handle(key: .enter)

        _ = m.handle(key: .character("e"))
        XCTAssertEqual(m.handle(key: .character("l")).count, 0, "the customer is connected: not lost")
        _ = m.handle(key: .escape)
        var gone = Fixtures.summary()
        gone.customerConnected = false
        m.handle(.summary(gone))
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(sent(m.handle(key: .character("l"))), [EndSession(sessionId: "S-7f3a9c", customerLost: true)])
    }
}
