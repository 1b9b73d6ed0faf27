import XCTest
@testable import Engine

/// Escalation in the pure machine: who may hand a session off and to whom,
/// who may take it, the customer's acknowledgement gating control, and the
/// mode dropping at the hand-off.
final class HandOffMachineTests: XCTestCase {
    let base = SessionFixture()
    /// The session's first agent (L1: hands off, cannot take hand-offs).
    let ana = Agent(name: "ana", uid: 1010, level: .l1)
    let sofia = Agent(name: "sofia", uid: 1011, level: .specialist)
    let omar = Agent(name: "omar", uid: 1012, level: .l2)
    let lee = Agent(name: "lee", uid: 1003, level: .manager)
    let sam = Agent(name: "sam", uid: 1013, level: .supervisor)
    let bo = Agent(name: "bo", uid: 1014, level: .l1)
    func at(_ s: TimeInterval) -> Date { base.at(s) }

    /// ana's active session, in Guided (the customer allowed it), ana's console attached.
    func session() -> SessionMachine {
        var m = base.active(agent: ana)
        _ = m.handle(.consoleAttached(name: "ana", role: .agent), now: at(10))
        _ = m.handle(.modeRequested(.guided, by: ana), now: at(11))
        _ = m.handle(.modeAnswered(ModeAnswer(mode: .guided, accept: true)), now: at(12))
        XCTAssertEqual(m.summary.controlMode, .guided)
        return m
    }

    func offer(_ m: inout SessionMachine, to target: Agent?, named: String? = nil, reason: String = "needs an API expert",
               stay: Bool = true, by: Agent? = nil, _ t: TimeInterval = 20) -> [SessionEffect] {
        m.handle(.handOffRequested(to: named ?? target?.name ?? "nobody", target: target, reason: reason, stay: stay, by: by ?? ana), now: at(t))
    }
    func customerGot(_ fx: [SessionEffect]) -> [WireMessage] { fx.compactMap { if case let .toCustomer(w) = $0 { return w }; return nil } }
    func agentGot(_ name: String, _ fx: [SessionEffect]) -> [WireMessage] {
        fx.compactMap { if case let .toAgent(n, w) = $0, n == name { return w }; return nil }
    }

    func testTheSessionsAgentHandsOffToAnEligibleAgentWithAReason() {
        var m = session()
        let fx = offer(&m, to: sofia)
        XCTAssertTrue(base.rejects(fx).isEmpty, "\(base.rejects(fx))")
        XCTAssertEqual(base.audits(fx).map(\.action), ["handoff.requested"])
        XCTAssertEqual(base.audits(fx).first?.detail, "to=sofia level=specialist stay=true")
        guard case let .handOffOffer(o)? = agentGot("sofia", fx).first else { return XCTFail("the target is told at once: \(fx)") }
        XCTAssertEqual([o.from, o.to, o.reason, o.ticket.id], ["ana", "sofia", "needs an API expert", "T-1"])
        XCTAssertEqual(m.handOffOffer, o, "the lobby lists it")
        XCTAssertEqual(m.summary.handOff?.accepted, false)
        XCTAssertEqual(m.summary.agentName, "ana", "nothing changes hands before the target takes it")
        XCTAssertEqual(m.summary.controlMode, .guided)
    }

    func testOnlyTheSessionsAgentHandsOffAndOnlyToSomeoneWhoMayTakeIt() {
        var m = session()
        XCTAssertEqual(base.rejects(offer(&m, to: sofia, by: omar)).first?.0, .notAllowed, "not omar's session")
        XCTAssertEqual(base.audits(offer(&m, to: sofia, by: omar)).map(\.action), ["handoff.refused"])
        let l1 = offer(&m, to: bo)
        XCTAssertEqual(base.rejects(l1).first?.0, .notAllowed)
        XCTAssertEqual(base.rejects(l1).first?.1, "bo is L1: a session is handed to an L2 agent, a specialist or a manager.")
        XCTAssertEqual(base.audits(l1).map(\.action), ["handoff.refused"], "a refused hand-off leaves its row")
        XCTAssertEqual(base.rejects(offer(&m, to: sam)).first?.0, .notAllowed, "a supervisor watches; never takes a session")
        XCTAssertEqual(base.rejects(offer(&m, to: nil, named: "zed")).first?.1, "There is no agent named zed.")
        XCTAssertEqual(base.rejects(offer(&m, to: ana)).first?.0, .invalid, "not to themselves")
        XCTAssertEqual(base.rejects(offer(&m, to: sofia, reason: "  \n ")).first?.1, "A hand-off needs a reason.")
        XCTAssertNil(m.handOffOffer, "nothing refused is waiting")
        for target in [omar, lee, sofia] {
            var fresh = session()
            XCTAssertTrue(base.rejects(offer(&fresh, to: target)).isEmpty, "\(target.level) takes hand-offs")
        }
        XCTAssertTrue(base.rejects(offer(&m, to: omar)).isEmpty)
        XCTAssertEqual(base.rejects(offer(&m, to: sofia)).first?.0, .badState, "one hand-off at a time")
    }

    func testTheReasonIsRedactedLikeANote() {
        var m = session()
        let fx = offer(&m, to: sofia, reason: "card 4111 1111 1111 1111 declined\non checkout")
        XCTAssertFalse(m.handOffOffer?.reason.contains("4111 1111") ?? true, m.handOffOffer?.reason ?? "")
        XCTAssertFalse(m.handOffOffer?.reason.contains("\n") ?? true, "one line")
        XCTAssertTrue(base.audits(fx).contains { $0.action == "redaction" && $0.detail.contains("in=handoff") })
    }

    func testOnlyTheNamedTargetAcceptsAndOnlyOnce() {
        var m = session()
        _ = offer(&m, to: sofia)
        let wrong = m.handle(.handOffAnswered(accept: true, by: omar), now: at(25))
        XCTAssertEqual(base.rejects(wrong).first?.0, .notAllowed)
        XCTAssertEqual(base.rejects(wrong).first?.1, "The hand-off of session S-1 is for sofia; omar cannot answer it.")
        XCTAssertEqual(base.audits(wrong).map(\.action), ["handoff.refused"])
        XCTAssertEqual(m.summary.agentName, "ana")
        let fx = m.handle(.handOffAnswered(accept: true, by: sofia), now: at(30))
        XCTAssertTrue(base.rejects(fx).isEmpty, "\(base.rejects(fx))")
        XCTAssertEqual(m.summary.agentName, "sofia")
        let twice = m.handle(.handOffAnswered(accept: true, by: sofia), now: at(31))
        XCTAssertEqual(base.rejects(twice).first?.0, .badState, "a double accept changes nothing")
        XCTAssertEqual(m.summary.agentName, "sofia")
    }

    func testTheSessionChangesHandsDropsToViewOnlyAndTellsTheCustomer() {
        var m = session()
        _ = offer(&m, to: sofia, stay: true)
        let fx = m.handle(.handOffAnswered(accept: true, by: sofia), now: at(30))
        XCTAssertEqual(m.summary.agentName, "sofia")
        XCTAssertEqual(m.summary.controlMode, .viewOnly, "control was granted to ana, not to whoever has the session")
        XCTAssertEqual(m.summary.handOff, HandOffStatus(from: "ana", to: "sofia", reason: "needs an API expert", stay: true, accepted: true))
        XCTAssertEqual(base.audits(fx).map(\.action), ["handoff.accepted", "mode.changed"])
        XCTAssertTrue(fx.contains(.storeHandOff(HandOffRecord(sessionId: "S-1", at: at(30), from: "ana", to: "sofia", reason: "needs an API expert", stayed: true))))
        XCTAssertTrue(customerGot(fx).contains(.specialistJoining(SpecialistJoining(name: "sofia", reason: "needs an API expert"))))
        XCTAssertEqual(SpecialistJoining(name: "sofia", reason: "needs an API expert").text, "sofia, a specialist, is joining to help: needs an API expert")
        XCTAssertTrue(fx.contains { if case let .activity(a) = $0 { a.text.hasPrefix("Session handed off by ana to sofia: needs an API expert") } else { false } })
        XCTAssertFalse(fx.contains(.releaseConsoles(of: "ana")), "ana stays, watching")
        XCTAssertEqual(m.participants.items.first { $0.name == "ana" }?.kind, .watcher)
        XCTAssertTrue(agentGot("sofia", fx).contains(.summary(m.summary)), "the target's lobby drops the offer")
        // ana watches now: the one place that decides says so.
        if case .allowed = m.authorize(ConsoleActor(ana, watching: false), .write("add a note")) { XCTFail("ana is read-only after the hand-off") }
        if case .allowed = m.authorize(ConsoleActor(ana, watching: false), .end) { XCTFail("ana cannot end sofia's session") }
        XCTAssertEqual(m.authorize(ConsoleActor(ana, watching: true), .attach(watch: true)), .allowed, "ana (L1) may watch what she handed off")
        XCTAssertEqual(m.authorize(ConsoleActor(sofia, watching: false), .end), .allowed)
    }

    func testTheFirstAgentMayLeave() {
        var m = session()
        _ = offer(&m, to: omar, stay: false)
        let fx = m.handle(.handOffAnswered(accept: true, by: omar), now: at(30))
        XCTAssertEqual(fx.last, .releaseConsoles(of: "ana"), "her consoles leave the room last, after they heard why")
        XCTAssertNil(m.participants.items.first { $0.name == "ana" })
        if case .allowed = m.authorize(ConsoleActor(ana, watching: true), .attach(watch: true)) { XCTFail("ana left; an L1 does not watch") }
    }

    func testTheCustomersAcknowledgementGatesControl() {
        var m = session()
        _ = offer(&m, to: sofia)
        _ = m.handle(.handOffAnswered(accept: true, by: sofia), now: at(30))
        let asked = m.handle(.modeRequested(.guided, by: sofia), now: at(31))
        XCTAssertEqual(base.rejects(asked).first?.0, .notAllowed)
        XCTAssertTrue(base.rejects(asked).first?.1.contains("has not acknowledged") ?? false, "\(asked)")
        XCTAssertNil(m.summary.pendingModeRequest)
        let drawn = m.handle(.agentPointer(.at(x: 1, y: 1, in: nil), by: "sofia"), now: at(31))
        XCTAssertEqual(base.rejects(drawn).first?.0, .notAllowed)

        let ack = m.handle(.handOffAcknowledged, now: at(40))
        XCTAssertEqual(base.audits(ack).map(\.action), ["handoff.acknowledged"])
        XCTAssertEqual(base.audits(ack).first?.detail, "agent=sofia")
        XCTAssertEqual(m.summary.handOff?.acknowledged, true)
        let again = m.handle(.modeRequested(.guided, by: sofia), now: at(41))
        XCTAssertTrue(base.rejects(again).isEmpty, "\(base.rejects(again))")
        XCTAssertEqual(m.summary.pendingModeRequest, .guided, "asked again, by the new agent, of the customer")
        XCTAssertEqual(base.rejects(m.handle(.handOffAcknowledged, now: at(42))).first?.0, .badState, "nothing more to acknowledge")
    }

    func testACustomerWhoIsAwayIsToldWhenTheyAreBack() {
        var m = session()
        _ = m.handle(.customerDisconnected, now: at(15))
        _ = m.handle(.tick, now: at(26))
        XCTAssertFalse(m.summary.customerConnected)
        _ = offer(&m, to: sofia, 27)
        let fx = m.handle(.handOffAnswered(accept: true, by: sofia), now: at(30))
        XCTAssertEqual(m.summary.agentName, "sofia", "the hand-off does not wait for the customer")
        XCTAssertTrue(fx.contains { if case let .activity(a) = $0 { a.text.contains("customer is away") } else { false } })
        let back = m.handle(.customerConnected(resumed: true), now: at(35))
        XCTAssertTrue(customerGot(back).contains(.specialistJoining(SpecialistJoining(name: "sofia", reason: "needs an API expert"))),
                      "asked again on the page they came back to")
        XCTAssertEqual(base.rejects(m.handle(.modeRequested(.guided, by: sofia), now: at(36))).first?.0, .notAllowed, "still not acknowledged")
        _ = m.handle(.handOffAcknowledged, now: at(37))
        XCTAssertTrue(customerGot(m.handle(.customerConnected(resumed: true), now: at(38))).allSatisfy {
            if case .specialistJoining = $0 { false } else { true }
        }, "acknowledged once is enough")
    }

    func testADeclineIsToldToTheFirstAgentAndNothingChanges() {
        var m = session()
        _ = offer(&m, to: sofia)
        let fx = m.handle(.handOffAnswered(accept: false, by: sofia), now: at(30))
        XCTAssertEqual(base.audits(fx).map(\.action), ["handoff.declined"])
        XCTAssertTrue(fx.contains { if case let .activity(a) = $0 { a.text == "sofia declined the hand-off; ana keeps the session" } else { false } })
        XCTAssertEqual(m.summary.agentName, "ana")
        XCTAssertEqual(m.summary.controlMode, .guided)
        XCTAssertNil(m.summary.handOff)
        XCTAssertNil(m.handOffOffer)
        XCTAssertTrue(base.rejects(offer(&m, to: omar, 31)).isEmpty, "another hand-off may follow")
    }

    func testAnUnansweredOfferLapsesAndAnEndedSessionIsNotHandedOff() {
        var m = session()
        _ = offer(&m, to: sofia)
        func handOffRows(_ fx: [SessionEffect]) -> [String] { base.audits(fx).map(\.action).filter { $0.hasPrefix("handoff") } }
        XCTAssertEqual(handOffRows(m.handle(.tick, now: at(20 + 599))), [])
        let lapsed = m.handle(.tick, now: at(20 + 600))
        XCTAssertEqual(handOffRows(lapsed), ["handoff.lapsed"])
        XCTAssertTrue(agentGot("sofia", lapsed).contains(.summary(m.summary)), "it leaves sofia's lobby")
        XCTAssertNil(m.handOffOffer)

        _ = offer(&m, to: omar, 700)
        let ended = m.handle(.agentEnded(by: "ana"), now: at(701))
        XCTAssertTrue(agentGot("omar", ended).contains { if case let .summary(s) = $0 { s.status == .ended && s.handOff == nil } else { false } },
                      "the end withdraws an offer")
        XCTAssertEqual(base.rejects(offer(&m, to: sofia, 702)).first?.0, .badState)
        XCTAssertEqual(base.rejects(m.handle(.handOffAnswered(accept: true, by: omar), now: at(703))).first?.0, .badState)
        XCTAssertEqual(base.rejects(m.handle(.handOffAcknowledged, now: at(704))).first?.0, .badState)
    }

    func testTheCodecBoundsTheRequest() throws {
        func decode(_ m: WireMessage) throws -> WireMessage { try WireCodec.decode(WireCodec.encode(m)).message }
        let ok = WireMessage.handOff(HandOffRequest(sessionId: "S-1", to: "sofia", reason: "needs an expert", stay: true))
        XCTAssertEqual(try decode(ok), ok)
        for bad in [HandOffRequest(to: "sofia", reason: String(repeating: "x", count: HandOffRequest.maxReasonBytes + 1), stay: false),
                    HandOffRequest(to: "sofia", reason: " ", stay: false),
                    HandOffRequest(to: "", reason: "why", stay: false),
                    HandOffRequest(to: String(repeating: "n", count: 81), reason: "why", stay: false)] {
            XCTAssertThrowsError(try decode(.handOff(bad))) { XCTAssertEqual(($0 as? WireError)?.code, .invalid, "\($0)") }
        }
        XCTAssertEqual(MessageKind.handOff.senders, [.console])
        XCTAssertEqual(MessageKind.handOffAnswer.senders, [.console])
        XCTAssertEqual(MessageKind.specialistAck.senders, [.customer])
        XCTAssertEqual(MessageKind.specialistJoining.senders, [.engine])
        XCTAssertEqual(MessageKind.handOffOffer.senders, [.engine])
    }
}
