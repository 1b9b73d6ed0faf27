import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Issue 4 on the console, key by key: what each path sends (or why it sends nothing).
final class ConsoleControlModelTests: XCTestCase {
    static let t = Fixtures.now

    func attached(_ mode: ControlMode = .guided, watch: Bool = false, scene: Scene = Fixtures.scene()) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c", watch: watch))
        var summary = Fixtures.summary()
        summary.controlMode = mode
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: scene, activity: Fixtures.activity(), notes: [])))
        m.now = Self.t
        return m
    }

    func anchor(_ x: Double, _ y: Double, _ scene: Scene = Fixtures.scene()) -> AnnotationAnchor {
        AnnotationAnchor.at(x: x, y: y, in: scene)
    }

    /// The single annotation a command list adds.
    func added(_ commands: [ConsoleCommand], file: StaticString = #filePath, line: UInt = #line) -> Annotation? {
        let marks = commands.compactMap { c -> Annotation? in
            if case let .send(.annotate(cmd)) = c, cmd.op == .add { return cmd.annotation }
            return nil
        }
        XCTAssertEqual(marks.count, 1, "one mark added: \(commands)", file: file, line: line)
        return marks.first
    }

    func actions(_ commands: [ConsoleCommand]) -> [ControlAction] {
        commands.compactMap { if case let .send(.controlAction(a)) = $0 { return a } else { return nil } }
    }

    // MARK: - annotate mode

    func testArrowTakesTwoPointsAnchoredOnTheScene() throws {
        var m = attached()
        // Entering annotate mode puts the cursor mid-page and mirrors it as the pointer (Guided).
        XCTAssertEqual(m.handle(key: .character("a")), [.send(.agentPointer(AgentPointer(at: anchor(640, 360))))])
        XCTAssertEqual(m.annotate, AnnotateState(tool: .arrow))
        XCTAssertEqual(m.handle(key: .enter), [], "the first point is only remembered")
        XCTAssertEqual(m.annotate?.first, Point(x: 640, y: 360))
        m.now = Self.t.addingTimeInterval(1)
        _ = m.handle(key: .right); m.now = Self.t.addingTimeInterval(2)
        _ = m.handle(key: .shiftDown)
        XCTAssertEqual(m.agentCursor, Point(x: 656, y: 680), "→ one cell (16 px), Shift+↓ eight rows (8 × 40 px)")
        let mark = try XCTUnwrap(added(m.handle(key: .enter)))
        XCTAssertEqual(mark.tool, .arrow)
        XCTAssertEqual(mark.at, anchor(640, 360))
        XCTAssertEqual(mark.to, anchor(656, 680))
        XCTAssertEqual(mark.id, "c-m1")
        XCTAssertNil(m.annotate?.first, "ready for the next arrow")
    }

    func testEveryToolUndoClearAndLeaving() throws {
        var m = attached()
        _ = m.handle(key: .character("a"))
        m.now = Self.t.addingTimeInterval(5)
        _ = m.handle(key: .character("c"))
        XCTAssertEqual(try XCTUnwrap(added(m.handle(key: .enter))).tool, .cursor)

        for (key, tool) in [("o", AnnotationTool.circle), ("r", .rectangle), ("s", .spotlight)] {
            _ = m.handle(key: .character(Character(key)))
            XCTAssertEqual(m.annotate?.tool, tool)
            XCTAssertEqual(m.handle(key: .enter), [])
            XCTAssertEqual(m.handle(key: .enter), [], "the second point must differ from the first")
            XCTAssertEqual(m.message?.kind, .error)
            _ = m.handle(key: .left); _ = m.handle(key: .up)
            let mark = try XCTUnwrap(added(m.handle(key: .enter)))
            XCTAssertEqual(mark.tool, tool)
            XCTAssertNotNil(mark.to)
        }

        _ = m.handle(key: .character("t"))
        XCTAssertEqual(m.handle(key: .enter), [])
        guard case .prompt(.label, _)? = m.dialog else { return XCTFail("label text prompt: \(String(describing: m.dialog))") }
        for c in "Check this name" { _ = m.handle(key: .character(c)) }
        let label = try XCTUnwrap(added(m.handle(key: .enter)))
        XCTAssertEqual(label.tool, .label)
        XCTAssertEqual(label.text, "Check this name")
        XCTAssertNil(m.dialog)

        XCTAssertEqual(m.handle(key: .character("u")), [.send(.annotate(AnnotationCommand(op: .undo)))])
        XCTAssertEqual(m.handle(key: .character("C")), [.send(.annotate(AnnotationCommand(op: .clear)))])

        _ = m.handle(key: .character("w")); _ = m.handle(key: .enter)
        XCTAssertNotNil(m.annotate?.first)
        _ = m.handle(key: .escape)
        XCTAssertNotNil(m.annotate, "the first Esc drops the half-placed point")
        XCTAssertNil(m.annotate?.first)
        _ = m.handle(key: .escape)
        XCTAssertNil(m.annotate, "the second leaves annotate mode")
        XCTAssertEqual(m.screen, .workstation)
    }

    func testAnnotatingNeedsGuidedAndControl() {
        var m = attached(.viewOnly)
        XCTAssertEqual(m.handle(key: .character("a")), [])
        XCTAssertNil(m.annotate)
        XCTAssertEqual(m.message?.kind, .error)
        XCTAssertTrue(m.message?.text.contains("Guided") == true, m.message?.text ?? "")

        var g = attached()
        g.handle(.participants(ParticipantList(items: [Participant(name: "Maria S.", kind: .agent),
                                                      Participant(name: "Lee Chen", kind: .viewer, controller: true)])))
        XCTAssertEqual(g.handle(key: .character("a")), [])
        XCTAssertEqual(g.message?.text, "Lee Chen holds control — h takes it back")
    }

    // MARK: - the pointer

    func testPointerIsThrottledOnlySentWhenMovedAndHiddenAgain() {
        var m = attached()
        _ = m.handle(key: .right)
        XCTAssertEqual(m.handle(key: .right), [], "within 100 ms of the last update: held back")
        XCTAssertEqual(m.tick(now: Self.t.addingTimeInterval(0.05)), [])
        XCTAssertEqual(m.tick(now: Self.t.addingTimeInterval(0.11)), [.send(.agentPointer(AgentPointer(at: anchor(672, 360))))])
        XCTAssertEqual(m.tick(now: Self.t.addingTimeInterval(0.5)), [], "nothing moved, nothing sent")

        XCTAssertEqual(m.handle(key: .character("p")), [.send(.agentPointer(AgentPointer(at: nil)))], "p hides it")
        m.now = Self.t.addingTimeInterval(1)
        XCTAssertEqual(m.handle(key: .left), [], "hidden: moves stay local")
        XCTAssertEqual(m.handle(key: .character("p")), [.send(.agentPointer(AgentPointer(at: anchor(656, 360))))])

        // Dropping below Guided: the engine hides it (and would refuse a pointer message now).
        var s = Fixtures.summary()
        s.controlMode = .viewOnly
        XCTAssertEqual(m.handle(.summary(s)), [])
        XCTAssertFalse(m.pointerLive)
        m.now = Self.t.addingTimeInterval(2)
        XCTAssertEqual(m.handle(key: .right), [], "View Only: no pointer")
    }

    func testViewOnlyCursorMovesStayLocal() {
        var m = attached(.viewOnly)
        XCTAssertEqual(m.handle(key: .right), [])
        XCTAssertEqual(m.agentCursor, Point(x: 656, y: 360))
        XCTAssertEqual(m.handle(key: .character("q")), [], "a live session: leaving it asks")
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.detach), .send(.lobbyRequest)], "nothing to hide")
    }

    func testLeavingTheSessionHidesALivePointer() {
        var m = attached()
        _ = m.handle(key: .down)
        _ = m.handle(key: .character("q"))
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.agentPointer(AgentPointer(at: nil))), .send(.detach), .send(.lobbyRequest)])
    }

    // MARK: - control actions

    func testClickTypeAndScrollInControlled() throws {
        var m = attached(.controlled)
        m.agentCursor = Point(x: 600, y: 620) // on "Save"
        let click = try XCTUnwrap(actions(m.handle(key: .enter)).first)
        XCTAssertEqual(click, ControlAction(id: "c-a1", kind: .click, target: "save-label"))

        m.agentCursor = Point(x: 600, y: 520) // the "Expiry" field: a payment detail, as the privacy rules say
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.message?.text.contains("protected field"), true, "\(String(describing: m.message))")

        // The same place as an ordinary field takes typing.
        let i = try XCTUnwrap(m.scene?.nodes.firstIndex { $0.id == "expiry" })
        m.scene?.nodes[i] = .field("po", Rect(x: 560, y: 500, width: 200, height: 38), label: "Purchase order", value: "")
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertEqual(m.dialog, .prompt(.type(target: "po", field: "Purchase order"), draft: ""))
        for c in "next month" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(actions(m.handle(key: .enter)), [ControlAction(id: "c-a2", kind: .type, target: "po", text: "next month")])

        XCTAssertEqual(actions(m.handle(key: .pageDown)), [ControlAction(id: "c-a3", kind: .scroll, dy: 300)])
        XCTAssertEqual(actions(m.handle(key: .pageUp)), [ControlAction(id: "c-a4", kind: .scroll, dy: -300)])

        m.agentCursor = Point(x: 300, y: 100) // the heading: not a field
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.message?.text.contains("not a form field") == true)
    }

    func testProtectedFieldsAreNeverTargeted() {
        var scene = Fixtures.scene()
        scene.nodes.append(.field("pw", Rect(x: 560, y: 540, width: 300, height: 30), label: "Password", value: "", type: "password"))
        var m = attached(.fullControl, scene: scene)
        m.agentCursor = Point(x: 700, y: 450) // the masked card field
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertEqual(m.message?.text, "card number is a protected field (masked, password or payment): nothing sent")
        m.agentCursor = Point(x: 700, y: 555)
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.message?.text.hasPrefix("Password is a protected field") == true, m.message?.text ?? "")
        // A field whose label names a card, and the text run of an SDK element that is a card field.
        m.agentCursor = Point(x: 700, y: 380)
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertTrue(m.message?.text.hasPrefix("Name on card is a protected field") == true, m.message?.text ?? "")
        var sdk = Fixtures.scene(version: 5)
        sdk.nodes += [.field("n12", Rect(x: 40, y: 600, width: 200, height: 30), label: "Security code", value: ""),
                      .text("n12t0", Rect(x: 44, y: 604, width: 100, height: 20), "CVC", color: .black, z: 3)]
        m.handle(.scene(sdk))
        m.agentCursor = Point(x: 60, y: 610)
        XCTAssertEqual(m.handle(key: .enter), [], "the text run belongs to the protected element n12")
        XCTAssertTrue(m.message?.text.hasPrefix("CVC is a protected field") == true, m.message?.text ?? "")
    }

    func testActionsNeedControlledAndACursor() {
        var g = attached(.guided)
        g.agentCursor = Point(x: 600, y: 620)
        XCTAssertEqual(g.handle(key: .enter), [])
        XCTAssertEqual(g.message?.text, "Clicking needs Controlled or above — m asks the customer")
        XCTAssertEqual(g.handle(key: .pageDown), [])
        var c = attached(.controlled)
        XCTAssertEqual(c.handle(key: .enter), [])
        XCTAssertEqual(c.message?.text, "Move your cursor onto what to click (arrows or the mouse)")
    }

    func testActionUpdatesShowAStatusLineAndGoToTheFeed() {
        var m = attached(.controlled)
        let before = m.activity.count
        m.handle(.actionUpdate(ActionUpdate(id: "c-a1", state: .waiting, text: "Waiting for the customer: click Save")))
        XCTAssertEqual(m.actionStatus?.line(now: Self.t.addingTimeInterval(3)), "Waiting for the customer: click Save… 12 s")
        m.now = Self.t.addingTimeInterval(4)
        m.handle(.actionUpdate(ActionUpdate(id: "c-a1", state: .waiting, text: "Waiting for the customer: click Save")))
        XCTAssertEqual(m.actionStatus?.since, Self.t, "a repeated waiting keeps its countdown")
        XCTAssertEqual(m.activity.count, before + 1)
        // The engine's own words for each outcome.
        for (state, line) in [(ActionUpdate.State.sent, "Sent to the page: click Save"), (.denied, "Customer denied: click Save"),
                              (.expired, "No answer in 15 s (denied): click Save"), (.performed, "Done: click Save"),
                              (.failed, "The page refused: click Save")] {
            m.handle(.actionUpdate(ActionUpdate(id: "c-a1", state: state, text: line)))
            XCTAssertEqual(m.actionStatus?.line(now: m.now), line)
            XCTAssertEqual(m.activity.last?.text, line)
        }
        XCTAssertEqual(m.activity.count, before + 6)
        let grid = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: m.now)
        XCTAssertTrue(grid.text.contains("The page refused: click Save"))
        let later = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: m.now.addingTimeInterval(30))
        XCTAssertTrue(grid.rows[22].hasPrefix(" The page refused: click Save"), grid.rows[22])
        XCTAssertFalse(later.rows[22].hasPrefix(" The page refused: click Save"), "an outcome leaves the message line after a while")
        XCTAssertTrue(later.rows[22].contains("The page refused: click Save"), "and stays as the newest feed entry")
    }

    func testScreenshotRequest() {
        var m = attached(.viewOnly)
        XCTAssertEqual(m.handle(key: .character("s")), [.send(.requestScreenshot)])
        XCTAssertTrue(m.message?.text.contains("screenshot") == true)
    }

    // MARK: - modes and approvals

    func testTheElementAnActionNamesIsQuotedNotStarred() {
        var m = attached(.controlled)
        m.handle(.actionUpdate(ActionUpdate(id: "a1", state: .performed, text: "Done: click *Save settings*")))
        XCTAssertEqual(m.actionStatus?.text, "Done: click “Save settings”")
        m.handle(.activity(ActivityItem(at: Self.t, kind: .info, actor: "Maria S.", text: "Maria S. did: click *Save settings*")))
        XCTAssertEqual(m.activity.last?.text, "Maria S. did: click “Save settings”")
        XCTAssertFalse(m.activity.contains { $0.text.contains("*") })
    }

    func testTheModeMenuOffersOnlyWhatTheCustomersConsentAllowsAndSaysWhy() {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        var summary = Fixtures.summary()
        summary.access = .viewOnly
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: Fixtures.scene(), activity: [], notes: [])))
        _ = m.handle(key: .character("m"))
        let menu = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 100, rows: 30), now: Fixtures.now).text
        XCTAssertTrue(menu.contains("3 Controlled  (not now)"), menu)
        XCTAssertTrue(menu.contains("Not now: The customer allowed view-only access"), menu)
        XCTAssertTrue(menu.contains("1-4 ask at once"), "the hint says what a digit does:\n\(menu)")
        XCTAssertEqual(m.handle(key: .character("3")), [], "not sent to be refused")
        XCTAssertEqual(m.message?.kind, .error)
        XCTAssertTrue(m.message?.text.contains("view-only access") == true, "\(String(describing: m.message))")
        _ = m.handle(key: .character("m"))
        XCTAssertEqual(m.handle(key: .character("2")), [.send(.requestMode(ModeRequest(mode: .guided)))])
    }

    func testFullControlAsksForAReasonAndShowsTheManagerWait() {
        var m = attached(.controlled)
        _ = m.handle(key: .character("m"))
        XCTAssertEqual(m.handle(key: .character("4")), [])
        XCTAssertEqual(m.dialog, .prompt(.modeReason(.fullControl), draft: ""))
        XCTAssertEqual(m.handle(key: .enter), [], "a reason is required")
        XCTAssertEqual(m.message?.kind, .error)
        for c in "Customer cannot use the keyboard" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(m.handle(key: .enter), [.send(.requestMode(ModeRequest(mode: .fullControl, reason: "Customer cannot use the keyboard")))])
        XCTAssertNil(m.dialog)
        // Lower modes go straight out, without a reason.
        _ = m.handle(key: .character("m"))
        XCTAssertEqual(m.handle(key: .character("2")), [.send(.requestMode(ModeRequest(mode: .guided)))])

        var s = Fixtures.summary()
        s.controlMode = .controlled; s.pendingModeRequest = .fullControl; s.awaitingManager = true
        m.handle(.summary(s))
        let text = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 120, rows: 30), now: Fixtures.now).text
        XCTAssertTrue(text.contains("Waiting for a manager's approval"), text)
    }

    static func approval(_ session: String = "S-7f3a9c", agent: String = "Maria S.") -> ApprovalRequest {
        ApprovalRequest(sessionId: session, ticket: Fixtures.ticket, agentName: agent, mode: .fullControl,
                        reason: "Customer cannot use the keyboard", requestedAt: Fixtures.now)
    }

    func testManagerAnswersApprovalRequests() {
        var m = ConsoleModel()
        m.handle(.lobby(Lobby(agent: Agent(name: "Priya N.", uid: 1002, level: .manager), tickets: [], sessions: [])))
        m.handle(.approvalRequest(Self.approval()))
        XCTAssertEqual(m.dialog, .approval(Self.approval()))
        m.handle(.approvalRequest(Self.approval("S-2", agent: "Tom B.")))
        XCTAssertEqual(m.approvals.count, 2)
        XCTAssertEqual(m.dialog, .approval(Self.approval()), "a second request waits behind the open dialog")
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.approvalAnswer(ApprovalAnswer(sessionId: "S-7f3a9c", approve: true)))])
        XCTAssertEqual(m.dialog, .approval(Self.approval("S-2", agent: "Tom B.")), "the next one opens")
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.approvals.count, 1, "Esc answers later")
        _ = m.handle(key: .character("A"))
        XCTAssertEqual(m.handle(key: .character("n")), [.send(.approvalAnswer(ApprovalAnswer(sessionId: "S-2", approve: false)))])
        XCTAssertTrue(m.approvals.isEmpty)
        XCTAssertNil(m.dialog)

        // Another manager answered: the engine's summary no longer waits, the dialog goes.
        m.handle(.approvalRequest(Self.approval("S-5", agent: "Tom B.")))
        XCTAssertEqual(m.dialog, .approval(Self.approval("S-5", agent: "Tom B.")))
        var settled = Fixtures.summary()
        settled.id = "S-5"
        m.handle(.summary(settled))
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.approvals.isEmpty)

        // The lobby's list is the engine's word.
        m.handle(.lobby(Lobby(agent: Agent(name: "Priya N.", uid: 1002, level: .manager), tickets: [], sessions: [], approvals: [Self.approval("S-9")])))
        XCTAssertEqual(m.approvals.map(\.sessionId), ["S-9"])
        let lobby = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now).text
        XCTAssertTrue(lobby.contains("Waiting for your approval (1) — a to answer"), lobby)
    }

    // MARK: - participants, hand-over, viewers

    static let people = [Participant(name: "Maria S.", kind: .agent, controller: true), Participant(name: "Sam Okoro", kind: .watcher),
                         Participant(name: "Lee Chen", kind: .viewer)]

    func testHandOverToAViewerAndTakeItBack() {
        var m = attached()
        XCTAssertEqual(m.handle(key: .character("h")), [])
        XCTAssertEqual(m.message?.text, "Nobody else to hand control to — v invites a viewer")
        m.handle(.participants(ParticipantList(items: Self.people)))
        _ = m.handle(key: .character("h"))
        XCTAssertEqual(m.dialog, .handOver(selected: 1), "watchers are not offered; the viewer is preselected")
        XCTAssertEqual(m.handOverCandidates.map(\.name), ["Maria S.", "Lee Chen"])
        XCTAssertEqual(m.handle(key: .enter), [.send(.handOver(HandOver(to: "Lee Chen")))])

        m.handle(.participants(ParticipantList(items: [Participant(name: "Maria S.", kind: .agent), Participant(name: "Sam Okoro", kind: .watcher),
                                                      Participant(name: "Lee Chen", kind: .viewer, controller: true)])))
        XCTAssertEqual(m.controllerName, "Lee Chen")
        _ = m.handle(key: .character("h"))
        XCTAssertEqual(m.dialog, .handOver(selected: 0))
        XCTAssertEqual(m.handle(key: .enter), [.send(.handOver(HandOver(to: "Maria S.")))], "the agent takes it back")
    }

    func testInviteViewerShowsTheLinkOrTheRefusal() {
        var m = attached()
        _ = m.handle(key: .character("v"))
        for c in "Lee Chen" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(m.handle(key: .enter), [.send(.inviteViewer(InviteViewer(name: "Lee Chen")))])
        m.handle(.viewerInvited(ViewerInvited(name: "Lee Chen", link: "https://127.0.0.1:8443/view/EXAMPLE")))
        XCTAssertEqual(m.dialog, .viewerLink(name: "Lee Chen", url: "https://127.0.0.1:8443/view/EXAMPLE"))
        let grid = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("https://127.0.0.1:8443/view/EXAMPLE"))
        _ = m.handle(key: .enter)

        _ = m.handle(key: .character("v"))
        for c in "Ana" { _ = m.handle(key: .character(c)) }
        _ = m.handle(key: .enter)
        m.handle(.error(ErrorReply(code: .notAllowed, message: "at most 3 viewers: the agent and two more")))
        XCTAssertEqual(m.dialog, .refused(title: "Viewer not invited", text: "Ana: at most 3 viewers: the agent and two more"))
        XCTAssertNil(m.pendingInvite)
    }

    // MARK: - watching

    func testWatchingConsoleOffersNoWriteKeysButTheEngineDecidesOnMarks() throws {
        var m = attached(.controlled, watch: true)
        m.agentCursor = Point(x: 600, y: 620)
        for key: ConsoleKey in [.enter, .character("i"), .pageDown, .character("s"), .character("h"), .character("v"), .character("p"), .right] {
            XCTAssertEqual(m.handle(key: key), [], "\(key)")
            XCTAssertNil(m.dialog)
        }
        let hints = ConsoleView.hints(m, width: 200)
        XCTAssertTrue(hints.contains("WATCHING"))
        for write in ["annotate", "click", "invite", "note", "end"] { XCTAssertFalse(hints.contains(write), write) }
        // `a` is not offered, but pressed anyway it reaches the engine, whose refusal is what the watcher sees.
        XCTAssertEqual(m.handle(key: .character("a")), [], "no pointer from a watcher")
        _ = m.handle(key: .character("c"))
        XCTAssertEqual(try XCTUnwrap(added(m.handle(key: .enter))).tool, .cursor)
        m.handle(.error(ErrorReply(code: .notAllowed, message: "annotate: a watching console is read-only")))
        XCTAssertEqual(m.message, StatusMessage(.error, "not-allowed: annotate: a watching console is read-only"))
    }

    // MARK: - engine state on screen

    func testEngineMarksPointersAndParticipantsAreKept() {
        var m = attached()
        let mark = Annotation(id: "x1", tool: .circle, at: anchor(560, 600), to: anchor(680, 640), author: "Maria S.")
        m.handle(.annotations(AnnotationSet(items: [mark])))
        XCTAssertEqual(m.annotations, [mark])
        m.handle(.agentPointer(AgentPointer(at: anchor(300, 250), author: "Lee Chen")))
        XCTAssertEqual(m.pointers["Lee Chen"], anchor(300, 250))
        m.handle(.agentPointer(AgentPointer(at: nil, author: "Lee Chen")))
        XCTAssertNil(m.pointers["Lee Chen"])
        m.handle(.participants(ParticipantList(items: Self.people)))
        XCTAssertEqual(m.participants.count, 3)
        _ = m.handle(key: .character("q"))
        _ = m.handle(key: .character("y"))
        XCTAssertTrue(m.annotations.isEmpty && m.participants.isEmpty, "nothing of a session outlives detaching")
    }

    func testStatusBarNamesTheSource() {
        var m = attached()
        let web = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(web.rows[0].contains("Web │ ● REC"), web.rows[0])
        var screen = Fixtures.scene(version: 9)
        screen.source = .screen
        m.handle(.scene(screen))
        let desktop = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(desktop.rows[0].contains("Desktop │ ● REC"), desktop.rows[0])
    }

    // MARK: - mouse

    func testMouseClickMovesTheCursorAndDragDrawsATwoPointMark() throws {
        var m = attached(.controlled)
        // The page fills 80x18 cells from row 3: a cell is 16 x 40 page px.
        XCTAssertEqual(m.handle(mouse: .press(x: 40, y: 12)).count, 1, "the pointer follows")
        XCTAssertEqual(m.agentCursor, Point(x: 648, y: 380))
        XCTAssertEqual(m.handle(mouse: .release(x: 40, y: 12)), [], "outside annotate mode a click only places the cursor")
        XCTAssertEqual(m.handle(mouse: .press(x: 40, y: 1)), [], "the chrome is not the page")

        _ = m.handle(key: .character("a"))
        _ = m.handle(key: .character("r"))
        m.now = Self.t.addingTimeInterval(1)
        _ = m.handle(mouse: .press(x: 10, y: 5))
        _ = m.handle(mouse: .drag(x: 20, y: 8))
        m.now = Self.t.addingTimeInterval(2)
        let mark = try XCTUnwrap(added(m.handle(mouse: .release(x: 30, y: 10))))
        XCTAssertEqual(mark.tool, .rectangle)
        XCTAssertEqual(mark.at, anchor(168, 100))
        XCTAssertEqual(mark.to, anchor(488, 300))

        // A click (no drag) places points like Enter.
        _ = m.handle(key: .character("w"))
        _ = m.handle(mouse: .press(x: 5, y: 5)); _ = m.handle(mouse: .release(x: 5, y: 5))
        XCTAssertEqual(m.annotate?.first, Point(x: 88, y: 100))
        _ = m.handle(mouse: .press(x: 50, y: 15))
        XCTAssertEqual(try XCTUnwrap(added(m.handle(mouse: .release(x: 50, y: 15)))).tool, .arrow)

        // The wheel scrolls the customer's page (Controlled), only over the page.
        XCTAssertEqual(actions(m.handle(mouse: .wheelDown(x: 40, y: 10))).map(\.dy), [300])
        XCTAssertEqual(actions(m.handle(mouse: .wheelUp(x: 40, y: 10))).map(\.dy), [-300])
        XCTAssertEqual(m.handle(mouse: .wheelUp(x: 40, y: 23)), [])
    }

    func testPromptEditingIsBoundedAndDropsControlCharacters() {
        XCTAssertEqual(ConsoleModel.edit("ab", .character("\u{1b}")), .ignored)
        XCTAssertEqual(ConsoleModel.edit("ab", .backspace), .changed("a"))
        XCTAssertEqual(ConsoleModel.edit(" ab ", .enter), .submit("ab"))
        XCTAssertEqual(ConsoleModel.edit("abc", .character("d"), maxBytes: 3), .ignored)
        XCTAssertEqual(ConsoleModel.edit("ab", .tab), .changed("ab "))
    }
}
