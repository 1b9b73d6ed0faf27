import XCTest
@testable import Engine

/// Annotations, the pointer, actions with per-action approval, screenshots,
/// manager approval, viewers and hand-over: the rules of SessionMachine+Control
/// on a fake clock.
final class SessionControlTests: XCTestCase {
    let base = SessionFixture()
    var maria: Agent { base.maria }
    let lee = Agent(name: "lee", uid: 1003, level: .manager)
    func at(_ s: TimeInterval) -> Date { base.at(s) }

    /// A settings page: a company-name field, a Save button, a masked card field, a password field.
    let page = Scene(version: 1, viewport: Size(width: 1280, height: 720), url: "https://shop.example/settings", title: "Settings", nodes: [
        .box("root", Rect(x: 0, y: 0, width: 1280, height: 720), background: .white, z: 0),
        .field("n5", Rect(x: 100, y: 100, width: 300, height: 30), label: "Company name", value: "Northwind"),
        .box("n7", Rect(x: 100, y: 200, width: 140, height: 36), background: RGB(30, 90, 200), z: 1),
        .text("n7t0", Rect(x: 110, y: 208, width: 120, height: 20), "Save settings", color: .white, z: 2),
        .mask("n9", Rect(x: 100, y: 300, width: 300, height: 30), reason: "payment field"),
        .field("n11", Rect(x: 100, y: 400, width: 300, height: 30), label: "Password", value: "", type: "password"),
    ])

    /// Active, controlled access, the page on screen, in `mode` (acknowledged by the customer).
    func session(_ mode: ControlMode = .guided, agent: Agent? = nil) -> SessionMachine {
        var m = base.active(agent: agent)
        _ = m.handle(.scene(page), now: at(11))
        guard mode != .viewOnly else { return m }
        let who = agent ?? maria
        _ = m.handle(.modeRequested(mode, by: who, reason: "customer asked for help"), now: at(12))
        if mode == .fullControl && who.level != .manager {
            _ = m.handle(.managerAnswered(approve: true, by: lee), now: at(13))
        }
        _ = m.handle(.modeAnswered(ModeAnswer(mode: mode, accept: true)), now: at(14))
        XCTAssertEqual(m.summary.controlMode, mode)
        return m
    }

    func anchor(_ x: Double, _ y: Double, _ m: SessionMachine) -> AnnotationAnchor { .at(x: x, y: y, in: m.scene) }
    func arrow(_ id: String, _ m: SessionMachine) -> Annotation {
        Annotation(id: id, tool: .arrow, at: anchor(50, 50, m), to: anchor(150, 215, m))
    }
    func customerGot(_ fx: [SessionEffect]) -> [WireMessage] { fx.compactMap { if case let .toCustomer(w) = $0 { return w }; return nil } }
    func consolesGot(_ fx: [SessionEffect]) -> [WireMessage] { fx.compactMap { if case let .toConsoles(w) = $0 { return w }; return nil } }
    func updates(_ fx: [SessionEffect]) -> [ActionUpdate.State] {
        consolesGot(fx).compactMap { if case let .actionUpdate(u) = $0 { return u.state }; return nil }
    }

    // MARK: Annotations and the pointer

    func testAnchorsSitOnTheTopmostElementAndFollowIt() {
        let m = session()
        let a = anchor(150, 215, m)
        XCTAssertEqual(a.nodeId, "n7t0", "the text run on top of the button")
        var moved = page
        moved.nodes = moved.nodes.map { var n = $0; n.rect.y -= 100; return n }
        moved.scroll = Point(x: 0, y: 100)
        let p = a.resolve(in: moved)
        XCTAssertEqual(p.y, 115, accuracy: 0.01, "scrolled by 100: the mark moves with its element")
        let loose = anchor(1000, 650, m)
        XCTAssertNil(loose.nodeId, "nothing but the page there")
        XCTAssertEqual(loose.resolve(in: moved).y, 550, accuracy: 0.01, "page coordinates as the fallback")
    }

    func testAnnotationsNeedGuidedAndTheController() {
        var view = session(.viewOnly)
        let refused = base.rejects(view.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a1", view)), by: "maria"), now: at(20)))
        XCTAssertEqual(refused.first?.0, .notAllowed)
        XCTAssertTrue(refused.first?.1.contains("Guided") ?? false)

        var m = session(.guided)
        let fx = m.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a1", m)), by: "maria"), now: at(20))
        guard case let .annotations(set)? = customerGot(fx).first else { return XCTFail("\(fx)") }
        XCTAssertEqual(set.items.map(\.author), ["maria"], "the engine names the author")
        XCTAssertTrue(consolesGot(fx).contains(.annotations(set)))
        XCTAssertEqual(base.audits(fx).map(\.action), ["annotation.added"])

        XCTAssertEqual(base.rejects(m.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a2", m)), by: "sam"), now: at(21))).first?.0,
                       .notAllowed, "only the controller draws")
        XCTAssertEqual(base.rejects(m.handle(.agentPointer(anchor(10, 10, m), by: "sam"), now: at(21))).first?.0, .notAllowed)
    }

    func testLabelsAreRedactedUndoAndClear() {
        var m = session()
        let label = Annotation(id: "l1", tool: .label, at: anchor(120, 110, m), text: "Card 4111 1111 1111 1111 goes here")
        let fx = m.handle(.annotate(AnnotationCommand(op: .add, annotation: label), by: "maria"), now: at(20))
        guard case let .annotations(set)? = customerGot(fx).first else { return XCTFail("\(fx)") }
        XCTAssertFalse(set.items[0].text!.contains("4111"), set.items[0].text!)
        _ = m.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a2", m)), by: "maria"), now: at(21))
        let undo = m.handle(.annotate(AnnotationCommand(op: .undo), by: "maria"), now: at(22))
        guard case let .annotations(afterUndo)? = customerGot(undo).first else { return XCTFail("\(undo)") }
        XCTAssertEqual(afterUndo.items.map(\.id), ["l1"])
        let clear = m.handle(.annotate(AnnotationCommand(op: .clear), by: "maria"), now: at(23))
        XCTAssertEqual(customerGot(clear).first, .annotations(AnnotationSet(items: [])))
        XCTAssertEqual(base.rejects(m.handle(.annotate(AnnotationCommand(op: .undo), by: "maria"), now: at(24))).first?.0, .badState)
    }

    func testSteppingDownToViewOnlyTakesTheMarksAndPointerAway() {
        var m = session()
        _ = m.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a1", m)), by: "maria"), now: at(20))
        let ptr = m.handle(.agentPointer(anchor(150, 215, m), by: "maria"), now: at(21))
        XCTAssertEqual(customerGot(ptr).count, 1)
        XCTAssertEqual(m.handle(.agentPointer(anchor(150, 215, m), by: "maria"), now: at(21.1)), [], "an unchanged pointer is not resent")
        let down = m.handle(.modeAnswered(ModeAnswer(mode: .viewOnly, accept: true)), now: at(22))
        XCTAssertTrue(customerGot(down).contains(.annotations(AnnotationSet(items: []))))
        XCTAssertTrue(customerGot(down).contains(.agentPointer(AgentPointer(at: nil, author: "maria"))))
    }

    func testMarksGoWhenTheCustomerGoesToAnotherPage() {
        var m = session()
        _ = m.handle(.annotate(AnnotationCommand(op: .add, annotation: arrow("a1", m)), by: "maria"), now: at(20))
        var same = page
        same.version = 2
        same.url = page.url + "?tab=2"
        XCTAssertFalse(customerGot(m.handle(.scene(same), now: at(21))).contains(.annotations(AnnotationSet(items: []))), "the same page: marks stay")
        var other = page
        other.version = 3
        other.url = "https://shop.example/billing"
        XCTAssertTrue(customerGot(m.handle(.scene(other), now: at(22))).contains(.annotations(AnnotationSet(items: []))))
    }

    // MARK: Actions

    func testActionsNeedControlledAndNeverTouchSensitiveFields() {
        var guided = session(.guided)
        XCTAssertEqual(base.rejects(guided.handle(.controlAction(ControlAction(id: "x1", kind: .click, target: "n7"), by: "maria"), now: at(20))).first?.0, .notAllowed)

        var m = session(.controlled)
        for target in ["n9", "n11"] {
            let fx = m.handle(.controlAction(ControlAction(id: "t-\(target)", kind: .type, target: target, text: "1234"), by: "maria"), now: at(20))
            XCTAssertEqual(base.rejects(fx).first?.0, .notAllowed, target)
            XCTAssertTrue(base.rejects(fx).first?.1.contains("sensitive") ?? false)
            XCTAssertEqual(base.audits(fx).map(\.action), ["action.refused"])
        }
        XCTAssertEqual(base.rejects(m.handle(.controlAction(ControlAction(id: "t2", kind: .type, target: "n7t0", text: "x"), by: "maria"), now: at(20))).first?.0,
                       .invalid, "typing needs a field")
        XCTAssertEqual(base.rejects(m.handle(.controlAction(ControlAction(id: "t3", kind: .click, target: "n404"), by: "maria"), now: at(20))).first?.0, .notFound)
    }

    func testAClickIsPreviewedAllowedPerformedAndAudited() {
        var m = session(.controlled)
        let ask = m.handle(.controlAction(ControlAction(id: "c1", kind: .click, target: "n7"), by: "maria"), now: at(20))
        guard case let .actionRequest(req)? = customerGot(ask).first else { return XCTFail("\(ask)") }
        XCTAssertEqual(req.preview, "Agent maria wants to click *Save settings*")
        XCTAssertEqual(req.timeoutSeconds, 15)
        XCTAssertEqual(updates(ask), [.waiting])
        XCTAssertEqual(base.rejects(m.handle(.controlAction(ControlAction(id: "c2", kind: .click, target: "n7"), by: "maria"), now: at(21))).first?.0,
                       .badState, "one action waits at a time")

        let allow = m.handle(.actionAnswered(ActionAnswer(id: "c1", allow: true)), now: at(22))
        XCTAssertEqual(customerGot(allow), [.performAction(ControlAction(id: "c1", kind: .click, target: "n7"))])
        XCTAssertEqual(updates(allow), [.sent])
        let done = m.handle(.actionResult(ActionResult(id: "c1", ok: true)), now: at(23))
        XCTAssertEqual(updates(done), [.performed])
        XCTAssertEqual(base.audits(ask + allow + done).map(\.action), ["action.requested", "action.allowed", "action.performed"])
    }

    func testTypingDeniedAndTimedOut() {
        var m = session(.controlled)
        let ask = m.handle(.controlAction(ControlAction(id: "t1", kind: .type, target: "n5", text: "Acme Corp"), by: "maria"), now: at(20))
        guard case let .actionRequest(req)? = customerGot(ask).first else { return XCTFail("\(ask)") }
        XCTAssertEqual(req.preview, "Agent maria wants to type “Acme Corp” into *Company name*")
        XCTAssertFalse(base.audits(ask).map(\.detail).joined().contains("Acme"), "the typed text is not audited")
        let deny = m.handle(.actionAnswered(ActionAnswer(id: "t1", allow: false)), now: at(21))
        XCTAssertEqual(updates(deny), [.denied])
        XCTAssertTrue(customerGot(deny).isEmpty, "nothing is performed")

        _ = m.handle(.controlAction(ControlAction(id: "t2", kind: .type, target: "n5", text: "Acme"), by: "maria"), now: at(30))
        XCTAssertEqual(updates(m.handle(.tick, now: at(44))), [], "14 s: still waiting")
        let lapse = m.handle(.tick, now: at(45))
        XCTAssertEqual(updates(lapse), [.expired])
        XCTAssertEqual(base.rejects(m.handle(.actionAnswered(ActionAnswer(id: "t2", allow: true)), now: at(46))).first?.0, .badState,
                       "a late Allow does nothing")
    }

    func testFullControlActsWithoutPerActionApprovalAfterTheManager() {
        var m = session(.fullControl)
        let fx = m.handle(.controlAction(ControlAction(id: "s1", kind: .scroll, dy: 300), by: "maria"), now: at(20))
        XCTAssertEqual(customerGot(fx), [.performAction(ControlAction(id: "s1", kind: .scroll, dy: 300))])
        XCTAssertEqual(base.audits(fx).first?.detail.contains("via=full-control"), true)
    }

    // MARK: Full Control: manager first, then the customer

    func testManagerApprovalPath() {
        var m = session(.controlled)
        let ask = m.handle(.modeRequested(.fullControl, by: maria, reason: "customer cannot use the mouse"), now: at(20))
        guard case let .toManagers(.approvalRequest(req))? = ask.first else { return XCTFail("\(ask)") }
        XCTAssertEqual(req.reason, "customer cannot use the mouse")
        XCTAssertEqual(req.ticket.id, "T-1")
        XCTAssertEqual(m.summary.awaitingManager, true)
        XCTAssertTrue(customerGot(ask).isEmpty, "the customer is not asked before a manager approves")
        XCTAssertEqual(m.approvalRequest, req)

        let sam = Agent(name: "sam", uid: 1002, level: .l1)
        let notBoss = m.handle(.managerAnswered(approve: true, by: sam), now: at(21))
        XCTAssertEqual(base.rejects(notBoss).first?.0, .notAllowed)
        XCTAssertEqual(base.audits(notBoss).map(\.action), ["approval.refused"])

        let ok = m.handle(.managerAnswered(approve: true, by: lee), now: at(22))
        XCTAssertEqual(customerGot(ok), [.modeRequest(ModeRequest(mode: .fullControl))])
        XCTAssertNil(m.summary.awaitingManager)
        XCTAssertEqual(m.summary.pendingModeRequest, .fullControl)
        XCTAssertTrue(base.audits(ok).contains { $0.action == "mode.approved" && $0.actor == "lee" })

        var n = session(.controlled)
        _ = n.handle(.modeRequested(.fullControl, by: maria, reason: "why not"), now: at(20))
        let no = n.handle(.managerAnswered(approve: false, by: lee), now: at(21))
        XCTAssertTrue(customerGot(no).isEmpty)
        XCTAssertEqual(n.summary.controlMode, .controlled)

        var o = session(.controlled)
        _ = o.handle(.modeRequested(.fullControl, by: maria, reason: "please"), now: at(20))
        let lapse = o.handle(.tick, now: at(20 + 300))
        XCTAssertTrue(base.audits(lapse).contains { $0.action == "mode.approval-lapsed" })
        XCTAssertNil(o.approvalRequest)
    }

    // MARK: Screenshots

    func testScreenshotOnlyWithConsentAndOfTheRedactedScene() {
        var m = session(.viewOnly)
        XCTAssertEqual(customerGot(m.handle(.screenshotRequested(by: maria), now: at(20))), [.screenshotRequest])
        let no = m.handle(.screenshotAnswered(allow: false), now: at(21))
        XCTAssertFalse(no.contains { if case .storeScreenshot = $0 { return true }; return false })
        _ = m.handle(.screenshotRequested(by: maria), now: at(22))
        let yes = m.handle(.screenshotAnswered(allow: true), now: at(23))
        XCTAssertTrue(yes.contains(.storeScreenshot(m.scene!, requestedBy: "maria")))
        XCTAssertEqual(base.rejects(m.handle(.screenshotAnswered(allow: true), now: at(24))).first?.0, .badState, "one answer per request")
    }

    // MARK: Viewers and hand-over

    func testThreeViewersAtMostAndHandOver() {
        var m = session(.guided)
        XCTAssertEqual(m.handle(.viewerInviteRequested(name: "Dana", by: maria), now: at(20)).first, .mintViewerLink(name: "Dana"))
        XCTAssertEqual(m.handle(.viewerInviteRequested(name: "Kim", by: maria), now: at(21)).first, .mintViewerLink(name: "Kim"))
        let fourth = base.rejects(m.handle(.viewerInviteRequested(name: "Lou", by: maria), now: at(22)))
        XCTAssertEqual(fourth.first?.0, .notAllowed)
        XCTAssertTrue(fourth.first?.1.contains("already has 3 viewers") ?? false, fourth.first?.1 ?? "")

        XCTAssertEqual(base.rejects(m.handle(.viewerJoined(name: "Eve"), now: at(23))).first?.0, .notAllowed, "not invited")
        let joined = m.handle(.viewerJoined(name: "Dana"), now: at(23))
        XCTAssertTrue(customerGot(joined).contains { if case let .participants(p) = $0 { return p.items.contains(Participant(name: "Dana", kind: .viewer)) }; return false })

        XCTAssertEqual(base.rejects(m.handle(.handOver(to: "Kim", by: "maria"), now: at(24))).first?.0, .notFound, "Kim is not connected")
        let hand = m.handle(.handOver(to: "Dana", by: "maria"), now: at(24))
        XCTAssertEqual(m.summary.controller, "Dana")
        XCTAssertTrue(base.audits(hand).contains { $0.action == "control.handed" })
        XCTAssertEqual(base.rejects(m.handle(.agentPointer(anchor(5, 5, m), by: "maria"), now: at(25))).first?.0, .notAllowed, "one controller at a time")
        XCTAssertTrue(base.rejects(m.handle(.agentPointer(anchor(5, 5, m), by: "Dana"), now: at(25))).isEmpty)

        let left = m.handle(.viewerLeft(name: "Dana"), now: at(26))
        XCTAssertNil(m.summary.controller, "control comes back when the controller leaves")
        XCTAssertTrue(base.audits(left).contains { $0.detail.contains("why=left") })
    }

    // MARK: Configurable caps and the participants note

    func testCapsAreATenantSettingAndFullControlAlwaysNeedsAManager() throws {
        var caps = ControlCaps()
        try caps.set("L1=controlled")
        XCTAssertEqual(Capabilities(level: .l1, caps: caps).maxControlMode, .controlled, "L1 after certification")
        XCTAssertThrowsError(try caps.set("L2=full-control"), "Full Control is never on one's own")
        XCTAssertThrowsError(try caps.set("supervisor=guided"))
        XCTAssertThrowsError(try caps.set("L9=guided"))
        caps.fullControlWithApproval = []
        XCTAssertNotNil(Capabilities(level: .l2, caps: caps).refusal(toRequest: .fullControl, customerAccess: .controlled))

        var policy = SessionPolicy()
        policy.controlCaps = caps
        let sam = Agent(name: "sam", uid: 1002, level: .l1)
        let summary = SessionSummary(id: "S-2", ticket: base.ticket, agentName: "sam", status: .linkMinted, createdAt: base.t0)
        var m = SessionMachine(summary: summary, policy: policy, now: base.t0)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        _ = m.handle(.consent(Consent(allow: true, access: .controlled)), now: at(3))
        XCTAssertTrue(base.rejects(m.handle(.modeRequested(.controlled, by: sam), now: at(4))).isEmpty)
    }

    func testTheSessionEndsWithANoteListingEveryParticipant() {
        var m = session(.guided)
        _ = m.handle(.consoleAttached(name: "maria", role: .agent), now: at(20))
        _ = m.handle(.consoleAttached(name: "Sam Super", role: .supervisor), now: at(21))
        _ = m.handle(.viewerInviteRequested(name: "Kim", by: maria), now: at(22))
        _ = m.handle(.viewerJoined(name: "Kim"), now: at(23))
        _ = m.handle(.viewerLeft(name: "Kim"), now: at(24))
        let end = m.handle(.agentEnded(by: "maria"), now: at(30))
        let notes = end.compactMap { if case let .storeNote(n) = $0 { return n.text }; return nil }
        XCTAssertEqual(notes, ["Participants: maria (agent); Dana Lee (customer); Sam Super (watching read-only); Kim (viewer, by their own link)"])
    }

    // MARK: Survey window reconnect

    func testACustomerWhoDropsDuringTheSurveyMayComeBackAndRate() {
        var m = session(.viewOnly)
        _ = m.handle(.agentEnded(by: "maria"), now: at(60))
        XCTAssertEqual(m.handle(.customerDisconnected, now: at(70)), [])
        XCTAssertTrue(m.surveyOpen(at: at(80)))
        let back = m.handle(.customerConnected(resumed: true), now: at(80))
        guard case let .toCustomer(.sessionEnded(e))? = back.first else { return XCTFail("\(back)") }
        XCTAssertEqual(e.surveySeconds, 100, "what is left of the window")
        XCTAssertTrue(base.rejects(m.handle(.survey(Survey(stars: 5)), now: at(90))).isEmpty)
        XCTAssertFalse(m.surveyOpen(at: at(91)))
    }
}

/// A session on a fake clock, as SessionMachineTests sets it up, for tests in other files.
struct SessionFixture {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let maria = Agent(name: "maria", uid: 1001, level: .l2)
    let ticket = Ticket(id: "T-1", subject: "Cannot update billing", customer: "Dana Lee")

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    /// Link opened at 1 s, customer connected at 2 s, consent (controlled access) at 10 s.
    func active(agent: Agent? = nil) -> SessionMachine {
        let summary = SessionSummary(id: "S-1", ticket: ticket, agentName: (agent ?? maria).name, status: .linkMinted, createdAt: t0)
        var m = SessionMachine(summary: summary, now: t0)
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        _ = m.handle(.consent(Consent(allow: true, access: .controlled, record: false)), now: at(10))
        return m
    }

    func audits(_ fx: [SessionEffect]) -> [(action: String, actor: String, detail: String)] {
        fx.compactMap { if case let .audit(a, b, c) = $0 { return (a, b, c) }; return nil }
    }
    func rejects(_ fx: [SessionEffect]) -> [(WireErrorCode, String)] {
        fx.compactMap { if case let .reject(c, s) = $0 { return (c, s) }; return nil }
    }
}
