import XCTest
@testable import Engine

/// Every transition and timeout of the session, on a fake clock: dates are made
/// up, so the 45-minute limit takes microseconds.
final class SessionMachineTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let maria = Agent(name: "maria", uid: 1001, level: .l2)
    let ticket = Ticket(id: "T-1", subject: "Cannot update billing", customer: "Dana Lee")

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
    func min(_ m: Double) -> TimeInterval { m * 60 }

    func minted(recording: Bool = false, agent: Agent? = nil) -> SessionMachine {
        let summary = SessionSummary(id: "S-1", ticket: ticket, agentName: (agent ?? maria).name, status: .linkMinted,
                                     recording: recording, createdAt: t0)
        return SessionMachine(summary: summary, now: t0)
    }

    /// Link opened at 1 s, customer connected at 2 s, consent at 10 s.
    func active(access: AccessLevel = .controlled, agent: Agent? = nil) -> SessionMachine {
        var m = minted(agent: agent)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        let fx = m.handle(.consent(Consent(allow: true, access: access, record: false)), now: at(10))
        XCTAssertEqual(m.summary.status, .active, "\(fx)")
        return m
    }

    // MARK: - Link and consent

    func testOpeningTheLinkIsInTheFeed() {
        var m = minted()
        let fx = m.handle(.linkOpened, now: at(5))
        XCTAssertEqual(m.summary.status, .linkOpened)
        XCTAssertEqual(activities(fx).map(\.text), ["Customer opened the link"])
        XCTAssertTrue(fx.contains(.persist(m.summary)))
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertEqual(rejects(m.handle(.linkOpened, now: at(6))).first?.0, .badState, "a second open is refused")
    }

    func testConsentAllowStartsTheSessionAndTheClock() {
        var m = minted(recording: true)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        let fx = m.handle(.consent(Consent(allow: true, access: .viewOnly, record: true)), now: at(10))
        XCTAssertEqual(m.summary.status, .active)
        XCTAssertEqual(m.summary.startedAt, at(10))
        XCTAssertEqual(m.summary.deadline, at(10 + min(45)))
        XCTAssertEqual(m.summary.access, .viewOnly)
        XCTAssertTrue(m.summary.recording)
        XCTAssertEqual(m.summary.controlMode, .viewOnly, "View Only by default")
        XCTAssertEqual(activities(fx).map(\.kind), [.consent])
        XCTAssertEqual(audits(fx).map(\.action), ["consent"])
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertTrue(fx.contains(.persist(m.summary)))
    }

    func testTheRecordingStartsAndFinishesAsEffectsOnceEach() {
        var m = minted(recording: true)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        let consent = m.handle(.consent(Consent(allow: true, access: .viewOnly, record: true)), now: at(10))
        XCTAssertEqual(consent.last, .startRecording, "after the consent is stored and told")
        XCTAssertFalse(m.handle(.tick, now: at(11)).contains(.startRecording), "once")
        let end = m.handle(.agentEnded(by: "Maria S."), now: at(20))
        XCTAssertEqual(end.last, .finishRecording(reason: "session ended: \(EndReason.agentEnded.title)"), "after everything the ending told the room")
        XCTAssertFalse(m.handle(.tick, now: at(21)).contains { if case .finishRecording = $0 { true } else { false } })

        var declined = minted(recording: true)
        _ = declined.handle(.linkOpened, now: at(1))
        let fx = declined.handle(.consent(Consent(allow: true, access: .viewOnly, record: false)), now: at(10))
        XCTAssertFalse(fx.contains(.startRecording), "no consent to record, no recording")
    }

    func testRecordingNeedsTheCustomersAgreement() {
        var m = minted(recording: true)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        _ = m.handle(.consent(Consent(allow: true, access: .controlled, record: false)), now: at(10))
        XCTAssertFalse(m.summary.recording)

        var n = minted(recording: false)
        _ = n.handle(.linkOpened, now: at(1))
        _ = n.handle(.customerConnected(resumed: false), now: at(2))
        _ = n.handle(.consent(Consent(allow: true, access: .controlled, record: true)), now: at(10))
        XCTAssertFalse(n.summary.recording, "the customer cannot turn on a recording nobody asked for")
    }

    func testConsentDenyEndsTheSession() {
        var m = minted()
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        let fx = m.handle(.consent(Consent(allow: false)), now: at(8))
        XCTAssertEqual(m.summary.status, .ended)
        XCTAssertEqual(m.summary.endReason, .customerDenied)
        XCTAssertEqual(m.summary.endedAt, at(8))
        XCTAssertTrue(fx.contains(.toCustomer(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .customerDenied)))))
        XCTAssertTrue(fx.contains(.toConsoles(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .customerDenied)))))
        XCTAssertTrue(fx.contains(.closeCustomer))
        XCTAssertTrue(fx.contains(.persist(m.summary)))
        XCTAssertTrue(audits(fx).contains { $0.action == "consent" && $0.detail == "deny" })
        XCTAssertTrue(activities(fx).contains { $0.kind == .denied })
    }

    func testConsentBeforeTheCustomerConnectedIsRejected() {
        var m = minted()
        XCTAssertEqual(rejects(m.handle(.consent(Consent(allow: true)), now: at(1))).first?.0, .badState)
        _ = m.handle(.linkOpened, now: at(1))
        XCTAssertEqual(rejects(m.handle(.consent(Consent(allow: true)), now: at(2))).first?.0, .badState,
                       "the page is open but the SDK has not connected")
        XCTAssertEqual(m.summary.status, .linkOpened)
    }

    func testConsentTwiceIsRejected() {
        var m = active()
        let before = m.summary
        let fx = m.handle(.consent(Consent(allow: false)), now: at(20))
        XCTAssertEqual(rejects(fx).first?.0, .badState)
        XCTAssertEqual(fx.count, 1, "nothing half-applied")
        XCTAssertEqual(m.summary, before)
    }

    func testUnusedLinkExpires() {
        var m = minted()
        XCTAssertTrue(m.handle(.tick, now: at(min(15) - 1)).isEmpty)
        XCTAssertEqual(m.summary.status, .linkMinted)
        let fx = m.handle(.tick, now: at(min(15)))
        XCTAssertEqual(m.summary.status, .ended)
        XCTAssertEqual(m.summary.endReason, .linkExpired)
        XCTAssertTrue(audits(fx).contains { $0.action == "session.ended" && $0.detail == "reason=link-expired" })
    }

    func testOpeningAnExpiredLinkEndsTheSession() {
        var m = minted()
        _ = m.handle(.linkOpened, now: at(min(16)))
        XCTAssertEqual(m.summary.status, .ended)
        XCTAssertEqual(m.summary.endReason, .linkExpired)
    }

    // MARK: - Ends and timeouts

    func testAgentAndCustomerEnd() {
        var m = active()
        let fx = m.handle(.agentEnded(by: "maria"), now: at(100))
        XCTAssertEqual(m.summary.endReason, .agentEnded)
        XCTAssertFalse(fx.contains(.closeCustomer), "the connected customer is kept for the survey")
        XCTAssertTrue(fx.contains(.toCustomer(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .agentEnded, surveySeconds: 120)))))
        XCTAssertTrue(fx.contains(.toConsoles(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .agentEnded)))))
        XCTAssertTrue(activities(fx).contains { $0.kind == .ended && $0.actor == "maria" })
        XCTAssertEqual(m.handle(.tick, now: at(100 + 119)), [])
        XCTAssertEqual(m.handle(.tick, now: at(100 + 120)), [.closeCustomer], "closed when the survey window runs out")
        XCTAssertEqual(m.handle(.tick, now: at(100 + 121)), [], "and only once")

        var n = active()
        _ = n.handle(.customerLeft, now: at(100))
        XCTAssertEqual(n.summary.endReason, .customerEnded)
        XCTAssertEqual(n.summary.status, .ended)
        XCTAssertFalse(n.summary.customerConnected)
    }

    func testInactivityEndsAt30MinutesNotAt29() {
        var m = active()  // last activity: consent at 10 s
        _ = m.handle(.tick, now: at(10 + min(29)))
        XCTAssertEqual(m.summary.status, .active)
        let fx = m.handle(.tick, now: at(10 + min(30)))
        XCTAssertEqual(m.summary.status, .ended)
        XCTAssertEqual(m.summary.endReason, .inactivity)
        XCTAssertTrue(fx.contains(.toCustomer(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .inactivity)))))
    }

    func testSceneChangesNotesAndAnswersCountAsActivity() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(min(10)))
        _ = m.handle(.tick, now: at(min(35)))
        XCTAssertEqual(m.summary.status, .active, "the scene at 10 min reset the clock")
        _ = m.handle(.tick, now: at(min(40)))
        XCTAssertEqual(m.summary.endReason, .inactivity)

        var n = active()
        _ = n.handle(.noteAdded(NoteEntry(at: at(min(10)), author: "maria", text: "checked billing")), now: at(min(10)))
        _ = n.handle(.extensionRequested(minutes: 5, by: maria), now: at(min(11)))
        _ = n.handle(.extensionAnswered(accept: false), now: at(min(12)))
        _ = n.handle(.tick, now: at(min(41)))
        XCTAssertEqual(n.summary.status, .active, "the answer at 12 min reset the clock")
        _ = n.handle(.tick, now: at(min(42)))
        XCTAssertEqual(n.summary.endReason, .inactivity)
    }

    func testAResentIdenticalSceneIsNotActivity() {
        var m = active()
        var s = page(title: "Account")
        _ = m.handle(.scene(s), now: at(20))
        s.version = 7 // same picture, new version
        _ = m.handle(.scene(s), now: at(min(20)))
        _ = m.handle(.tick, now: at(20 + min(30)))
        XCTAssertEqual(m.summary.endReason, .inactivity)
    }

    func testThe45MinuteLimit() {
        var m = active() // deadline 10 s + 45 min
        for minute in stride(from: 10.0, through: 40, by: 10) {
            _ = m.handle(.noteAdded(NoteEntry(at: at(min(minute)), author: "maria", text: "still here")), now: at(min(minute)))
        }
        _ = m.handle(.tick, now: at(10 + min(45) - 1))
        XCTAssertEqual(m.summary.status, .active)
        let fx = m.handle(.tick, now: at(10 + min(45)))
        XCTAssertEqual(m.summary.endReason, .timeLimit)
        XCTAssertEqual(m.summary.endedAt, at(10 + min(45)))
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertTrue(fx.contains(.closeCustomer))
    }

    func testEventsAfterTheEndAreRejected() {
        var m = active()
        _ = m.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(m.handle(.tick, now: at(60 + 120)), [.closeCustomer], "the survey window ran out")
        let ended = m.summary
        let events: [SessionEvent] = [.linkOpened, .consent(Consent(allow: true)), .scene(page(title: "x")),
                                      .modeRequested(.guided, by: maria), .extensionRequested(minutes: 5, by: maria),
                                      .noteAdded(NoteEntry(at: at(61), author: "maria", text: "late")),
                                      .agentEnded(by: "maria"), .customerLeft, .pong(seq: 1),
                                      .survey(Survey(stars: 5)), .pageEvent(PageEvent(kind: .error, text: "late")),
                                      .qualityCheckRequested(by: maria), .qualityAnswered(ok: true)]
        for e in events {
            let fx = m.handle(e, now: at(181))
            XCTAssertEqual(fx.count, 1, "\(e)")
            XCTAssertEqual(rejects(fx).first?.0, .badState, "\(e)")
        }
        XCTAssertTrue(m.handle(.consoleDetached(name: "maria", role: .agent), now: at(62)).isEmpty)
        XCTAssertTrue(m.handle(.tick, now: at(min(100))).isEmpty)
        XCTAssertTrue(m.handle(.customerDisconnected, now: at(63)).isEmpty)
        XCTAssertEqual(m.summary, ended)
    }

    // MARK: - Survey at the end

    func testSurveyWindowTakesOneRatingStoresItAndCloses() {
        var m = active()
        _ = m.handle(.customerLeft, now: at(100))
        XCTAssertEqual(m.summary.endReason, .customerEnded)
        XCTAssertEqual(rejects(m.handle(.scene(page(title: "x")), now: at(101))).first?.0, .badState, "only the survey is taken")
        let fx = m.handle(.survey(Survey(stars: 4, comment: "Quick fix,\nthanks! Card 4111 1111 1111 1111")), now: at(130))
        XCTAssertEqual(fx.first, .storeSurvey(SessionSurvey(at: at(130), stars: 4, comment: "Quick fix, thanks! Card [card number]")))
        XCTAssertEqual(activities(fx).map(\.text), ["Customer rated the session 4/5: Quick fix, thanks! Card [card number]"])
        XCTAssertEqual(activities(fx).first?.actor, "Dana Lee")
        XCTAssertEqual(audits(fx).map(\.action), ["survey", "redaction"])
        XCTAssertEqual(audits(fx).first?.detail, "stars=4 comment=yes")
        XCTAssertFalse(audits(fx).contains { $0.detail.contains("4111") }, "the audit never holds the text")
        XCTAssertEqual(fx.last, .closeCustomer, "the connection closes with the rating")
        XCTAssertEqual(rejects(m.handle(.survey(Survey(stars: 1)), now: at(131))).first?.0, .badState, "accepted once")
        XCTAssertEqual(m.handle(.tick, now: at(400)), [], "nothing left to close")
    }

    func testSurveyWithoutCommentOutOfRangeBeforeTheEndAndAfterTheWindow() {
        var m = active()
        XCTAssertEqual(rejects(m.handle(.survey(Survey(stars: 5)), now: at(50))).first?.0, .badState, "not while the session runs")
        _ = m.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(rejects(m.handle(.survey(Survey(stars: 6)), now: at(61))).first?.0, .invalid)
        let fx = m.handle(.survey(Survey(stars: 2, comment: "  ")), now: at(62))
        XCTAssertEqual(fx.first, .storeSurvey(SessionSurvey(at: at(62), stars: 2, comment: nil)))
        XCTAssertEqual(activities(fx).map(\.text), ["Customer rated the session 2/5"])

        var late = active()
        _ = late.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(rejects(late.handle(.survey(Survey(stars: 5)), now: at(60 + 120))).first?.0, .badState, "the window is over")
    }

    func testLeaveOrDisconnectDuringTheSurveyWindow() {
        var m = active()
        _ = m.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(m.handle(.customerLeft, now: at(70)), [.closeCustomer], "Skip closes at once")
        XCTAssertEqual(m.handle(.tick, now: at(60 + 120)), [])

        var n = active()
        _ = n.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(n.handle(.customerDisconnected, now: at(70)), [])
        XCTAssertEqual(n.handle(.tick, now: at(60 + 120)), [], "a gone customer is not closed again")
        XCTAssertEqual(rejects(n.handle(.survey(Survey(stars: 3)), now: at(71))).first?.0, .badState)
    }

    func testNoSurveyForADeniedOrAbsentCustomer() {
        var denied = minted()
        _ = denied.handle(.linkOpened, now: at(1))
        _ = denied.handle(.customerConnected(resumed: false), now: at(2))
        let fx = denied.handle(.consent(Consent(allow: false)), now: at(8))
        XCTAssertTrue(fx.contains(.closeCustomer))
        XCTAssertTrue(fx.contains(.toCustomer(.sessionEnded(SessionEnded(sessionId: "S-1", reason: .customerDenied)))))

        var gone = active()
        _ = gone.handle(.customerDisconnected, now: at(20))
        let end = gone.handle(.agentEnded(by: "maria"), now: at(25))
        XCTAssertTrue(end.contains(.closeCustomer))
        XCTAssertFalse(end.contains { if case .toCustomer(.sessionEnded(let e)) = $0 { return e.surveySeconds != nil }; return false })

        var silent = active()  // socket open, no pongs: announced as gone after 10 s
        _ = silent.handle(.tick, now: at(25))
        XCTAssertTrue(silent.handle(.agentEnded(by: "maria"), now: at(26)).contains(.closeCustomer))
    }

    // MARK: - Page events

    func testPageEventsReachTheFeedRedacted() {
        var m = active()
        let fx = m.handle(.pageEvent(PageEvent(kind: .error, text: "Uncaught TypeError: x is undefined\u{1b}[2J for dana@example.com")), now: at(30))
        XCTAssertEqual(activities(fx).map(\.text), ["Page error: Uncaught TypeError: x is undefined [2J for [email]"])
        XCTAssertEqual(activities(fx).first?.kind, .warning)
        XCTAssertEqual(audits(fx).map(\.detail), ["kind=email address in=page-event"])
        let net = m.handle(.pageEvent(PageEvent(kind: .network, text: "GET /api/cart → 500")), now: at(31))
        XCTAssertEqual(activities(net).map(\.text), ["Request failed: GET /api/cart → 500"])
        _ = m.handle(.tick, now: at(10 + min(30)))
        XCTAssertEqual(m.summary.endReason, .inactivity, "errors are not the session being used")
    }

    func testPageEventsAreCappedPerMinute() {
        var m = active()
        var shown = 0, capNotes = 0
        for i in 0..<50 {
            let fx = m.handle(.pageEvent(PageEvent(kind: .error, text: "loop \(i)")), now: at(20 + Double(i) / 10))
            shown += activities(fx).filter { $0.text.hasPrefix("Page error") }.count
            capNotes += activities(fx).filter { $0.actor == "engine" }.count
        }
        XCTAssertEqual(shown, 20)
        XCTAssertEqual(capNotes, 1, "one line says the rest is not shown")
        XCTAssertEqual(activities(m.handle(.pageEvent(PageEvent(kind: .error, text: "next minute")), now: at(81))).count, 1)
        var linked = minted()
        XCTAssertEqual(rejects(linked.handle(.pageEvent(PageEvent(kind: .error, text: "x")), now: at(1))).first?.0, .badState)
    }

    // MARK: - Quality check

    func testQualityCheckAskedAndAnswered() {
        var m = active()
        let ask = m.handle(.qualityCheckRequested(by: maria), now: at(30))
        XCTAssertTrue(ask.contains(.toCustomer(.qualityCheck)))
        XCTAssertEqual(activities(ask).map(\.text), ["maria asked the customer whether the screen quality is okay"])
        XCTAssertEqual(rejects(m.handle(.qualityCheckRequested(by: maria), now: at(31))).first?.0, .badState, "one at a time")
        let yes = m.handle(.qualityAnswered(ok: true), now: at(35))
        XCTAssertEqual(activities(yes).map(\.text), ["Customer says the screen quality is okay"])
        XCTAssertEqual(audits(yes).map(\.detail), ["ok=true askedBy=maria"])
        XCTAssertEqual(rejects(m.handle(.qualityAnswered(ok: false), now: at(36))).first?.0, .badState, "no question waiting")

        _ = m.handle(.qualityCheckRequested(by: maria), now: at(40))
        let no = m.handle(.qualityAnswered(ok: false), now: at(41))
        XCTAssertEqual(activities(no).first?.kind, .warning)
        XCTAssertTrue(activities(no).first?.text.hasPrefix("Customer says the screen quality is NOT okay") ?? false)

        let other = Agent(name: "lee", uid: 1003, level: .l2)
        XCTAssertEqual(rejects(m.handle(.qualityCheckRequested(by: other), now: at(42))).first?.0, .notAllowed)
        _ = m.handle(.qualityCheckRequested(by: maria), now: at(50))
        let lapse = m.handle(.tick, now: at(50 + 60))
        XCTAssertTrue(activities(lapse).map(\.text).contains("Customer did not answer the quality check"))
    }

    // MARK: - Extension

    func testExtensionAccepted() {
        var m = active()
        let ask = m.handle(.extensionRequested(minutes: 15, by: maria), now: at(min(40)))
        XCTAssertTrue(ask.contains(.toCustomer(.extensionRequest(ExtensionRequest(minutes: 15)))))
        XCTAssertEqual(m.summary.deadline, at(10 + min(45)), "nothing moves before the customer answers")
        let fx = m.handle(.extensionAnswered(accept: true), now: at(min(41)))
        XCTAssertEqual(m.summary.deadline, at(10 + min(60)))
        XCTAssertEqual(activities(fx).map(\.text), ["Session extended by 15 minutes"])
        XCTAssertEqual(audits(fx).map(\.action), ["extension.accepted"])
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        _ = m.handle(.tick, now: at(10 + min(45)))
        XCTAssertEqual(m.summary.status, .active)
        _ = m.handle(.noteAdded(NoteEntry(at: at(min(50)), author: "maria", text: "x")), now: at(min(50)))
        _ = m.handle(.tick, now: at(10 + min(60)))
        XCTAssertEqual(m.summary.endReason, .timeLimit)
    }

    func testExtensionDeclined() {
        var m = active()
        _ = m.handle(.extensionRequested(minutes: 10, by: maria), now: at(min(40)))
        let fx = m.handle(.extensionAnswered(accept: false), now: at(min(41)))
        XCTAssertEqual(m.summary.deadline, at(10 + min(45)))
        XCTAssertEqual(activities(fx).map(\.kind), [.info])
        XCTAssertEqual(rejects(m.handle(.extensionAnswered(accept: true), now: at(min(42)))).first?.0, .badState,
                       "a second answer has nothing to answer")
    }

    func testExtensionUnansweredLapses() {
        var m = active()
        _ = m.handle(.extensionRequested(minutes: 10, by: maria), now: at(min(30)))
        XCTAssertFalse(activities(m.handle(.tick, now: at(min(31) - 1))).contains { $0.text.contains("did not answer") })
        let fx = m.handle(.tick, now: at(min(31)))
        XCTAssertTrue(activities(fx).contains { $0.text.contains("did not answer") })
        XCTAssertEqual(rejects(m.handle(.extensionAnswered(accept: true), now: at(min(32)))).first?.0, .badState)
        XCTAssertEqual(m.summary.deadline, at(10 + min(45)))
    }

    func testExtensionLimits() {
        var m = active()
        XCTAssertEqual(rejects(m.handle(.extensionRequested(minutes: 31, by: maria), now: at(60))).first?.0, .invalid)
        XCTAssertEqual(rejects(m.handle(.extensionRequested(minutes: 0, by: maria), now: at(60))).first?.0, .invalid)
        _ = m.handle(.extensionRequested(minutes: 30, by: maria), now: at(60))
        XCTAssertEqual(rejects(m.handle(.extensionRequested(minutes: 5, by: maria), now: at(61))).first?.0, .badState)
        var n = minted()
        XCTAssertEqual(rejects(n.handle(.extensionRequested(minutes: 5, by: maria), now: at(1))).first?.0, .badState)
    }

    // MARK: - Control mode

    func testModeRequestAccepted() {
        var m = active()
        let ask = m.handle(.modeRequested(.guided, by: maria), now: at(60))
        XCTAssertEqual(m.summary.pendingModeRequest, .guided)
        XCTAssertEqual(m.summary.controlMode, .viewOnly, "nothing changes before the customer acknowledges")
        XCTAssertTrue(ask.contains(.toCustomer(.modeRequest(ModeRequest(mode: .guided)))))
        XCTAssertEqual(activities(ask).map(\.kind), [.modeRequested])
        let fx = m.handle(.modeAnswered(ModeAnswer(mode: .guided, accept: true)), now: at(65))
        XCTAssertEqual(m.summary.controlMode, .guided)
        XCTAssertNil(m.summary.pendingModeRequest)
        XCTAssertEqual(activities(fx).map(\.kind), [.modeChanged])
        XCTAssertEqual(audits(fx).map(\.action), ["mode.changed"])
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertTrue(fx.contains(.persist(m.summary)))
    }

    func testModeRequestDenied() {
        var m = active()
        _ = m.handle(.modeRequested(.controlled, by: maria), now: at(60))
        let fx = m.handle(.modeAnswered(ModeAnswer(mode: .controlled, accept: false)), now: at(65))
        XCTAssertEqual(m.summary.controlMode, .viewOnly)
        XCTAssertNil(m.summary.pendingModeRequest)
        XCTAssertEqual(audits(fx).map(\.action), ["mode.declined"])
    }

    func testModeRequestTimesOut() {
        var m = active()
        _ = m.handle(.modeRequested(.guided, by: maria), now: at(60))
        _ = m.handle(.tick, now: at(119))
        XCTAssertEqual(m.summary.pendingModeRequest, .guided)
        let fx = m.handle(.tick, now: at(120))
        XCTAssertNil(m.summary.pendingModeRequest)
        XCTAssertEqual(m.summary.controlMode, .viewOnly)
        XCTAssertTrue(activities(fx).contains { $0.text.contains("did not answer") })
        XCTAssertEqual(rejects(m.handle(.modeAnswered(ModeAnswer(mode: .guided, accept: true)), now: at(121))).first?.0, .badState,
                       "a late yes does not count")
        XCTAssertEqual(m.summary.controlMode, .viewOnly)
    }

    func testModeCapsByLevel() {
        let l1 = Agent(name: "sam", uid: 1002, level: .l1)
        var m = active(agent: l1)
        XCTAssertEqual(rejects(m.handle(.modeRequested(.controlled, by: l1), now: at(60))).first?.0, .notAllowed)
        XCTAssertNil(m.summary.pendingModeRequest)
        XCTAssertTrue(rejects(m.handle(.modeRequested(.guided, by: l1), now: at(61))).isEmpty)

        var n = active()
        let full = rejects(n.handle(.modeRequested(.fullControl, by: maria), now: at(60)))
        XCTAssertEqual(full.first?.0, .invalid, "Full Control from an L2 agent needs a reason for the manager")
        XCTAssertTrue(full.first?.1.contains("manager") ?? false, "the reason names the manager's approval")
        XCTAssertNil(n.summary.awaitingManager)
        XCTAssertTrue(rejects(n.handle(.modeRequested(.controlled, by: maria), now: at(61))).isEmpty)

        let boss = Agent(name: "lee", uid: 1003, level: .manager)
        var o = active(agent: boss)
        XCTAssertTrue(rejects(o.handle(.modeRequested(.fullControl, by: boss), now: at(60))).isEmpty)

        let watcher = Agent(name: "sup", uid: 1004, level: .supervisor)
        var p = active()
        XCTAssertEqual(rejects(p.handle(.modeRequested(.guided, by: watcher), now: at(60))).first?.0, .notAllowed)
    }

    func testViewOnlyConsentCapsAtGuided() {
        var m = active(access: .viewOnly)
        let fx = m.handle(.modeRequested(.controlled, by: maria), now: at(60))
        XCTAssertEqual(rejects(fx).first?.0, .notAllowed)
        XCTAssertTrue(rejects(m.handle(.modeRequested(.guided, by: maria), now: at(61))).isEmpty)
    }

    func testModeRequestRules() {
        var pre = minted()
        XCTAssertEqual(rejects(pre.handle(.modeRequested(.guided, by: maria), now: at(1))).first?.0, .badState)
        var m = active()
        XCTAssertEqual(rejects(m.handle(.modeRequested(.viewOnly, by: maria), now: at(60))).first?.0, .badState, "already in it")
        _ = m.handle(.modeRequested(.guided, by: maria), now: at(61))
        XCTAssertEqual(rejects(m.handle(.modeRequested(.controlled, by: maria), now: at(62))).first?.0, .badState, "one at a time")
        XCTAssertEqual(rejects(m.handle(.modeAnswered(ModeAnswer(mode: .controlled, accept: true)), now: at(63))).first?.0, .badState,
                       "the customer cannot accept something never asked")
        XCTAssertEqual(m.summary.controlMode, .viewOnly)
    }

    func testCustomerMayStepDownUnasked() {
        var m = active()
        _ = m.handle(.modeRequested(.controlled, by: maria), now: at(60))
        _ = m.handle(.modeAnswered(ModeAnswer(mode: .controlled, accept: true)), now: at(61))
        let fx = m.handle(.modeAnswered(ModeAnswer(mode: .viewOnly, accept: true)), now: at(90))
        XCTAssertEqual(m.summary.controlMode, .viewOnly)
        XCTAssertEqual(activities(fx).map(\.text), ["Customer switched to View Only"])
        XCTAssertEqual(audits(fx).map(\.action), ["mode.changed"])
    }

    // MARK: - Heartbeat, quality, disconnects

    func testPingsGoOutEveryHeartbeatInterval() {
        var m = active()
        XCTAssertEqual(pings(m.handle(.tick, now: at(10))), [1])
        XCTAssertEqual(pings(m.handle(.tick, now: at(10.5))), [])
        XCTAssertEqual(pings(m.handle(.tick, now: at(11))), [2])
    }

    func testQualityLevelsFromRoundTripAndLoss() {
        XCTAssertEqual(QualityMeasurement(rttMs: 40, lossPercent: 0).quality, .good)
        XCTAssertEqual(QualityMeasurement(rttMs: 149, lossPercent: 1).quality, .good)
        XCTAssertEqual(QualityMeasurement(rttMs: 150, lossPercent: 0).quality, .fair)
        XCTAssertEqual(QualityMeasurement(rttMs: 40, lossPercent: 2).quality, .fair)
        XCTAssertEqual(QualityMeasurement(rttMs: 399, lossPercent: 9).quality, .fair)
        XCTAssertEqual(QualityMeasurement(rttMs: 400, lossPercent: 0).quality, .poor)
        XCTAssertEqual(QualityMeasurement(rttMs: 40, lossPercent: 10).quality, .poor)
        XCTAssertEqual(QualityMeasurement(rttMs: nil, lossPercent: 100).quality, .poor)
    }

    func testQualityMeasuredFromPongs() {
        for (rtt, expected) in [(0.05, ConnectionQuality.good), (0.25, .fair), (0.6, .poor)] {
            var m = active()
            var last: [SessionEffect] = []
            for i in 0..<5 {
                let t = 11 + Double(i)
                let seq = pings(m.handle(.tick, now: at(t))).first!
                last = m.handle(.pong(seq: seq), now: at(t + rtt))
                if !last.isEmpty { break }
            }
            XCTAssertEqual(m.summary.quality, expected, "rtt \(rtt)")
            XCTAssertEqual(m.summary.rttMs, Int(rtt * 1000))
            XCTAssertEqual(m.summary.lossPercent, 0)
            XCTAssertTrue(last.contains(.toCustomer(.quality(QualityReport(quality: expected, rttMs: Int(rtt * 1000), lossPercent: 0)))))
            XCTAssertTrue(last.contains(.toConsoles(.summary(m.summary))))
        }
    }

    func testLossMakesQualityPoorAndSmallChangesAreNotSpammed() {
        var m = active()
        var reports = 0
        // 10 pings a second apart (the first right after consent); every other one answered in 50 ms.
        for i in 0..<10 {
            let t = 11 + Double(i)
            let fx = m.handle(.tick, now: at(t))
            reports += qualityReports(fx)
            if i % 2 == 0, let seq = pings(fx).first { reports += qualityReports(m.handle(.pong(seq: seq), now: at(t + 0.05))) }
        }
        reports += qualityReports(m.handle(.tick, now: at(24)))
        XCTAssertEqual(m.summary.quality, .poor)
        XCTAssertEqual(m.summary.rttMs, 50)
        // Agents see the last reported figures: roughly half the pings lost.
        XCTAssertTrue((30...60).contains(m.summary.lossPercent ?? -1), "\(String(describing: m.summary.lossPercent))")
        XCTAssertLessThanOrEqual(reports, 6, "level changes and at most one numbers update every 5 s")
    }

    func testHeartbeatWindowCountsOnlyDecidedPings() {
        var h = Heartbeat()
        for i in 0..<12 {
            let seq = h.pingIfDue(now: at(Double(i)), interval: 1)!
            if i % 2 == 0 { XCTAssertTrue(h.pong(seq: seq, now: at(Double(i) + 0.1))) }
        }
        XCTAssertFalse(h.pong(seq: 1, now: at(20)), "seq 1 fell out of the 10-ping window")
        // At 11.5 s the window is seqs 3...12. Decided: 3...9 (sent ≥ 3 s ago) and 11 (answered);
        // 10 and 12 are unanswered but younger than 3 s, so not yet lost. Lost: 4, 6, 8 → 3 of 8.
        let m = h.measure(now: at(11.5))!
        XCTAssertEqual(m.rttMs, 100)
        XCTAssertEqual(m.lossPercent, 38)
        XCTAssertNil(Heartbeat().measure(now: at(0)))
    }

    func testDisconnectNoticeAfter10SecondsNotBefore() {
        var m = active()
        XCTAssertTrue(m.handle(.customerDisconnected, now: at(100)).isEmpty, "a blip is no news")
        XCTAssertTrue(activities(m.handle(.tick, now: at(109.9))).isEmpty)
        XCTAssertTrue(m.summary.customerConnected)
        let fx = m.handle(.tick, now: at(110))
        XCTAssertEqual(activities(fx).map(\.text), ["Customer disconnected"])
        XCTAssertFalse(m.summary.customerConnected)
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertTrue(activities(m.handle(.tick, now: at(111))).isEmpty, "said once")
        XCTAssertTrue(activities(m.handle(.tick, now: at(129))).isEmpty)
        let retry = m.handle(.tick, now: at(130))
        XCTAssertTrue(retry.contains(.renewCustomerLink(afterSeconds: 30)), "30 s gone: a fresh link for the same session")
        XCTAssertEqual(audits(retry).map(\.action), ["link.renewed"])
        XCTAssertFalse(m.handle(.tick, now: at(140)).contains(.renewCustomerLink(afterSeconds: 30)), "once an absence")
        XCTAssertEqual(m.summary.status, .active, "the session goes on")
    }

    func testSilentHeartbeatCountsAsDisconnected() {
        var m = active()
        let seq = pings(m.handle(.tick, now: at(11))).first!
        _ = m.handle(.pong(seq: seq), now: at(11.05))
        for t in stride(from: 12.0, through: 21, by: 1) { XCTAssertTrue(activities(m.handle(.tick, now: at(t))).isEmpty) }
        XCTAssertTrue(activities(m.handle(.tick, now: at(21))).isEmpty, "10 s after the last pong is at 21.05")
        XCTAssertEqual(activities(m.handle(.tick, now: at(21.05))).map(\.text), ["Customer disconnected"])
        // A late pong on the same socket: the customer is back.
        let back = m.handle(.pong(seq: 15), now: at(35))
        XCTAssertEqual(activities(back).map(\.text), ["Customer reconnected"])
        XCTAssertTrue(back.contains(.toCustomer(.requestScene)))
        XCTAssertTrue(m.summary.customerConnected)
    }

    func testAPageLoadThatReconnectsAtOnceIsANavigationNotAReconnect() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(20))
        _ = m.handle(.customerDisconnected, now: at(30))
        let fx = m.handle(.customerConnected(resumed: true), now: at(30.4))
        XCTAssertTrue(activities(fx).isEmpty, "no feed row for a page load: \(activities(fx).map(\.text))")
        XCTAssertTrue(m.summary.customerConnected)
        XCTAssertTrue(fx.contains(.toCustomer(.requestScene)), "the new page still heals the view")
        XCTAssertEqual(activities(m.handle(.scene(page(title: "Billing")), now: at(30.6))).map(\.kind), [.navigation])
    }

    func testAModeRequestPendingWhenTheCustomerChangesPageIsAskedAgainOnTheNewPage() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(20))
        let asked = m.handle(.modeRequested(.guided, by: maria), now: at(21))
        XCTAssertTrue(asked.contains(.toCustomer(.modeRequest(ModeRequest(mode: .guided)))), "\(asked)")
        _ = m.handle(.customerDisconnected, now: at(22))
        let back = m.handle(.customerConnected(resumed: true), now: at(22.3))
        XCTAssertTrue(back.contains(.toCustomer(.modeRequest(ModeRequest(mode: .guided)))), "the new page is asked: \(back)")
        _ = m.handle(.modeAnswered(ModeAnswer(mode: .guided, accept: true)), now: at(23))
        XCTAssertNil(m.summary.pendingModeRequest)
        _ = m.handle(.customerDisconnected, now: at(24))
        XCTAssertFalse(m.handle(.customerConnected(resumed: true), now: at(24.3)).contains { if case .toCustomer(.modeRequest) = $0 { return true } else { return false } },
                       "an answered request is not asked again")
    }

    func testReconnectRestoresTheViewWithAFullScene() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(20))
        _ = m.handle(.customerDisconnected, now: at(30))
        _ = m.handle(.tick, now: at(41))
        XCTAssertFalse(m.summary.customerConnected)
        let fx = m.handle(.customerConnected(resumed: true), now: at(45))
        XCTAssertEqual(activities(fx).map(\.text), ["Customer reconnected"])
        XCTAssertTrue(m.summary.customerConnected)
        XCTAssertTrue(fx.contains(.toCustomer(.requestScene)))
        XCTAssertTrue(fx.contains(.toConsoles(.summary(m.summary))))
        XCTAssertEqual(pings(m.handle(.tick, now: at(46))), [1], "pinging resumes")
    }

    func testPeriodicFullSceneRequest() {
        var m = active() // consent at 10 asked for a scene
        XCTAssertFalse(m.handle(.tick, now: at(14)).contains(.toCustomer(.requestScene)))
        XCTAssertTrue(m.handle(.tick, now: at(15)).contains(.toCustomer(.requestScene)))
        _ = m.handle(.scene(page(title: "A")), now: at(16))
        XCTAssertFalse(m.handle(.tick, now: at(20)).contains(.toCustomer(.requestScene)))
    }

    // MARK: - Scenes and privacy

    func testCardNumberInASceneIsRedactedBeforeConsolesSeeIt() throws {
        var m = active()
        var s = page(title: "Billing")
        s.nodes.append(.text("t2", Rect(x: 0, y: 40, width: 300, height: 20), "Card on file: 4111 1111 1111 1111", color: .black))
        s.nodes.append(.field("pw", Rect(x: 0, y: 80, width: 200, height: 24), label: "Password", value: "hunter2", type: "password"))
        let fx = m.handle(.scene(s), now: at(20))
        let forwarded = try XCTUnwrap(fx.compactMap { e -> Scene? in if case let .toConsoles(.scene(x)) = e { return x }; return nil }.first)
        let everything = "\(fx)"
        XCTAssertFalse(everything.contains("4111"), "no digit of the card anywhere in the effects")
        XCTAssertFalse(everything.contains("hunter2"))
        XCTAssertEqual(forwarded.nodes.first { $0.id == "t2" }?.text, "Card on file: [card number]")
        XCTAssertEqual(forwarded.nodes.first { $0.id == "pw" }?.kind, .mask)
        XCTAssertEqual(m.scene, forwarded, "late joiners get the redacted scene")
        XCTAssertEqual(audits(fx).filter { $0.action == "redaction" }.count, 2)
        XCTAssertTrue(activities(fx).contains { $0.text == "Engine masked a card number on Billing" })
        // The same card in the next full scene is not reported again.
        s.version = 2
        XCTAssertTrue(audits(m.handle(.scene(s), now: at(25))).isEmpty)
    }

    func testScenesOnlyWhileActive() {
        var m = minted()
        XCTAssertEqual(rejects(m.handle(.scene(page(title: "x")), now: at(1))).first?.0, .badState)
        XCTAssertEqual(rejects(m.handle(.sceneDelta(SceneDelta(baseVersion: 1, version: 2)), now: at(1))).first?.0, .badState)
        XCTAssertNil(m.scene)
    }

    func testDeltaIsRedactedAppliedAndForwarded() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(20))
        let d = SceneDelta(baseVersion: 1, version: 2,
                           upserts: [.text("t1", Rect(x: 0, y: 0, width: 100, height: 20), "Mail me at dana@example.com", color: .black)])
        let fx = m.handle(.sceneDelta(d), now: at(21))
        XCTAssertEqual(m.scene?.version, 2)
        XCTAssertEqual(m.scene?.nodes.first { $0.id == "t1" }?.text, "Mail me at [email]")
        XCTAssertTrue(fx.contains { if case let .toConsoles(.sceneDelta(x)) = $0 { return x.upserts.first?.text == "Mail me at [email]" }; return false })
        XCTAssertFalse("\(fx)".contains("dana@"))
    }

    func testDeltaAgainstTheWrongVersionAsksForAFullScene() {
        var m = active()
        _ = m.handle(.scene(page(title: "Account")), now: at(20))
        let fx = m.handle(.sceneDelta(SceneDelta(baseVersion: 5, version: 6, title: "Elsewhere")), now: at(21))
        XCTAssertEqual(fx, [.toCustomer(.requestScene)])
        XCTAssertEqual(m.scene?.version, 1)
        XCTAssertEqual(m.scene?.title, "Account")
    }

    func testNavigationIsInTheFeedWithoutTheQueryString() {
        var m = active()
        let first = m.handle(.scene(page(title: "Account", url: "https://app.example.com/account?email=dana@example.com")), now: at(20))
        XCTAssertEqual(activities(first).filter { $0.kind == .navigation }.map(\.text), ["Customer is on Account (https://app.example.com/account)"])
        let nav = m.handle(.sceneDelta(SceneDelta(baseVersion: 1, version: 2, url: "https://app.example.com/billing?x=1", title: "Billing")), now: at(30))
        XCTAssertEqual(activities(nav).filter { $0.kind == .navigation }.map(\.text), ["Customer is on Billing (https://app.example.com/billing)"])
        let same = m.handle(.sceneDelta(SceneDelta(baseVersion: 2, version: 3, pointer: Point(x: 3, y: 4))), now: at(31))
        XCTAssertTrue(activities(same).isEmpty)
    }

    func testSceneRequestedByAConsole() {
        var m = active()
        XCTAssertEqual(m.handle(.sceneRequested, now: at(20)), [.toCustomer(.requestScene)])
        _ = m.handle(.scene(page(title: "Account")), now: at(21))
        XCTAssertEqual(m.handle(.sceneRequested, now: at(22)), [.toConsoles(.scene(m.scene!))])
    }

    // MARK: - Notes and consoles

    func testNotesAreStoredSentAndRedacted() {
        var m = active()
        let fx = m.handle(.noteAdded(NoteEntry(at: at(30), author: "maria", text: "customer read out 4111-1111-1111-1111")), now: at(30))
        let stored = NoteEntry(at: at(30), author: "maria", text: "customer read out [card number]")
        XCTAssertTrue(fx.contains(.storeNote(stored)))
        XCTAssertTrue(fx.contains(.toConsoles(.note(stored))))
        XCTAssertEqual(activities(fx).map(\.kind), [.note])
        XCTAssertEqual(audits(fx).map(\.action), ["redaction"])
    }

    func testConsolesAttachingAndLeaving() {
        var m = active()
        let sup = m.handle(.consoleAttached(name: "kim", role: .supervisor), now: at(30))
        XCTAssertEqual(activities(sup).map(\.kind), [.joined])
        XCTAssertEqual(audits(sup).map(\.action), ["supervisor.attached"])
        let agent = m.handle(.consoleAttached(name: "maria", role: .agent), now: at(31))
        XCTAssertTrue(audits(agent).isEmpty)
        XCTAssertEqual(activities(m.handle(.consoleDetached(name: "kim", role: .supervisor), now: at(40))).map(\.kind), [.left])
    }

    // MARK: - The SDK's periodic full scene

    func consoleMessages(_ fx: [SessionEffect]) -> [WireMessage] {
        fx.compactMap { if case let .toConsoles(m) = $0 { return m }; return nil }
    }

    func testAnUnchangedPeriodicSceneReachesTheConsolesAsAVersionOnlyDelta() throws {
        var m = active()
        var s = page(title: "Billing")
        s.nodes.append(.text("card", Rect(x: 0, y: 40, width: 300, height: 20), "Card on file: 4111 1111 1111 1111", color: .black))
        s.nodes.append(.field("pw", Rect(x: 0, y: 80, width: 200, height: 24), label: "Password", value: "hunter2", type: "password"))
        _ = m.handle(.scene(s), now: at(20))
        let held = try XCTUnwrap(m.scene)
        // The same page again, as the SDK sends it every few seconds, with the pointer moved.
        var again = s
        again.version = 2
        again.pointer = Point(x: 5, y: 6)
        let fx = m.handle(.scene(again), now: at(25))
        XCTAssertEqual(consoleMessages(fx), [.sceneDelta(SceneDelta(baseVersion: 1, version: 2, pointer: Point(x: 5, y: 6)))])
        XCTAssertTrue(audits(fx).isEmpty && activities(fx).isEmpty, "nothing new to audit or say")
        var expected = held
        expected.version = 2
        expected.pointer = Point(x: 5, y: 6)
        XCTAssertEqual(m.scene, expected, "still the redacted page, at the new version")
        XCTAssertFalse("\(fx)".contains("4111"))

        // A delta in between (with a new secret) is followed; the next unchanged full scene is still recognised.
        let d = SceneDelta(baseVersion: 2, version: 3, upserts: [.text("ssn", Rect(x: 0, y: 120, width: 200, height: 20), "SSN 123-45-6789", color: .black)])
        _ = m.handle(.sceneDelta(d), now: at(26))
        var third = try again.applying(d)
        third.version = 4
        XCTAssertEqual(consoleMessages(m.handle(.scene(third), now: at(30))), [.sceneDelta(SceneDelta(baseVersion: 3, version: 4))])
        XCTAssertEqual(m.scene?.nodes.first { $0.id == "ssn" }?.text, "SSN [SSN]")

        // A page that did change goes through the redactor, and out as what changed in it.
        var changed = third
        changed.version = 5
        changed.nodes.append(.text("new", Rect(x: 0, y: 160, width: 200, height: 20), "New line 4111 1111 1111 1111", color: .black))
        guard case let .sceneDelta(sent)? = consoleMessages(m.handle(.scene(changed), now: at(35))).last else { return XCTFail("a delta") }
        XCTAssertEqual(sent.version, 5)
        XCTAssertEqual(sent.upserts.map(\.id), ["new"])
        XCTAssertEqual(sent.upserts.first?.text, "New line [card number]")
    }

    func testAPeriodicSceneThatDropsThePointerOrGoesBackInVersionIsSentInFull() {
        var m = active()
        var s = page(title: "A")
        s.pointer = Point(x: 1, y: 1)
        _ = m.handle(.scene(s), now: at(20))
        var noPointer = s
        noPointer.version = 2
        noPointer.pointer = nil
        XCTAssertTrue(consoleMessages(m.handle(.scene(noPointer), now: at(21))).contains { if case .scene = $0 { true } else { false } })
        var older = noPointer
        older.version = 1
        XCTAssertTrue(consoleMessages(m.handle(.scene(older), now: at(22))).contains { if case .scene = $0 { true } else { false } })
    }

    // MARK: - Helpers

    func page(title: String, url: String = "https://app.example.com/account") -> Scene {
        Scene(viewport: Size(width: 1280, height: 720), url: url, title: title,
              nodes: [.box("bg", Rect(x: 0, y: 0, width: 1280, height: 720), background: .white),
                      .text("t1", Rect(x: 10, y: 10, width: 200, height: 20), "Hello \(title)", color: .black)])
    }

    func activities(_ fx: [SessionEffect]) -> [ActivityItem] {
        fx.compactMap { if case let .activity(a) = $0 { return a }; return nil }
    }
    func audits(_ fx: [SessionEffect]) -> [(action: String, actor: String, detail: String)] {
        fx.compactMap { if case let .audit(a, b, c) = $0 { return (a, b, c) }; return nil }
    }
    func rejects(_ fx: [SessionEffect]) -> [(WireErrorCode, String)] {
        fx.compactMap { if case let .reject(c, s) = $0 { return (c, s) }; return nil }
    }
    func pings(_ fx: [SessionEffect]) -> [Int] {
        fx.compactMap { if case let .toCustomer(.ping(p)) = $0 { return p.seq }; return nil }
    }
    func qualityReports(_ fx: [SessionEffect]) -> Int {
        fx.filter { if case .toCustomer(.quality) = $0 { return true }; return false }.count
    }
}
