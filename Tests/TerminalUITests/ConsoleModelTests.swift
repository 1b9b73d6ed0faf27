import Engine
import Foundation
import XCTest
@testable import TerminalUI

final class ConsoleModelTests: XCTestCase {
    func attached(watch: Bool = false) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c", watch: watch))
        m.handle(.snapshot(Fixtures.snapshot()))
        return m
    }

    func testStartupAttachesOrAsksForTheLobby() {
        XCTAssertEqual(ConsoleModel().startupCommands(), [.send(.lobbyRequest)])
        XCTAssertEqual(ConsoleModel(options: ConsoleOptions(sessionID: "S-1", watch: true)).startupCommands(),
                       [.send(.attach(Attach(sessionId: "S-1", watch: true)))])
    }

    func testLobbyEnterAttachesToASessionAndStartsATicket() {
        var m = ConsoleModel()
        m.handle(.lobby(Fixtures.lobby()))
        XCTAssertEqual(m.lobbyRows.count, 4) // 1 open session (the ended one is hidden) + 3 tickets
        XCTAssertEqual(m.handle(key: .enter), [.send(.attach(Attach(sessionId: "S-7f3a9c", watch: false)))])
        _ = m.handle(key: .down); _ = m.handle(key: .down)
        // Starting mints a link the customer is sent: Enter asks first, and only y starts.
        XCTAssertEqual(m.handle(key: .enter), [])
        guard case let .confirmStart(ticket, record: false)? = m.dialog else { return XCTFail("no question: \(String(describing: m.dialog))") }
        XCTAssertEqual(ticket.id, "TCK-1043")
        XCTAssertEqual(m.handle(key: .enter), [], "Enter again does not answer the question")
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.startSession(StartSession(ticketId: "TCK-1043", record: false)))])
        XCTAssertEqual(m.handle(key: .character("r")), [])
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.startSession(StartSession(ticketId: "TCK-1043", record: true)))])
        for _ in 0..<10 { _ = m.handle(key: .down) }
        XCTAssertEqual(m.lobbySelection, 3, "selection stops at the last row")
        XCTAssertEqual(m.handle(key: .character("g")), [.send(.lobbyRequest)])
        // The agent has a live session in the lobby: quitting asks what becomes of it.
        XCTAssertEqual(m.handle(key: .character("q")), [])
        XCTAssertEqual(m.dialog, .confirmQuit(live: ["S-7f3a9c"]))
        XCTAssertEqual(m.handle(key: .character("d")), [.quit])
    }

    func testTheStartDialogSendsTheLinkByTheHelpDeskEmailOrSMSAndSaysSo() {
        for (key, via) in [("h", LinkDelivery.helpdesk), ("e", .email), ("s", .sms)] {
            var m = ConsoleModel()
            m.handle(.lobby(Fixtures.lobby()))
            _ = m.handle(key: .down); _ = m.handle(key: .down)
            XCTAssertEqual(m.handle(key: .enter), [])
            XCTAssertEqual(m.handle(key: .character(Character(key))), [.send(.startSession(StartSession(ticketId: "TCK-1043", record: false, send: via)))])
            XCTAssertNil(m.dialog)
            XCTAssertTrue(m.message?.text.contains(via == .helpdesk ? "as a reply on the help desk" : via.phrase) == true, m.message?.text ?? "")
            // The link went out: no dialog with it to hand over, a line saying where it went.
            let summary = SessionSummary(id: "S-new", ticket: Ticket(id: "TCK-1043", subject: "s", customer: "Ravi Patel"), agentName: "Maria S.",
                                         status: .linkMinted, recording: false, createdAt: Date(timeIntervalSince1970: 0))
            _ = m.handle(.sessionStarted(SessionStarted(session: summary, link: "https://h/j/tok")))
            XCTAssertNil(m.dialog, "\(via): \(String(describing: m.dialog))")
            XCTAssertTrue(m.message?.text.contains("the link is on its way to Ravi Patel") == true, m.message?.text ?? "")
        }
    }

    func testAMessageIsNewsAndGoesWhenItsTimeIsUp() {
        var m = attached()
        m.now = Date(timeIntervalSince1970: 1_000)
        _ = m.handle(key: .character("x"))
        XCTAssertEqual(m.visibleMessage(now: m.now)?.text, "Asked the customer for 15 more minutes…")
        XCTAssertNotNil(m.visibleMessage(now: m.now.addingTimeInterval(7)))
        XCTAssertNil(m.visibleMessage(now: m.now.addingTimeInterval(9)), "gone after its lifetime")
        // A mode request's message goes as soon as the customer has answered.
        var s = m.session!
        s.pendingModeRequest = .guided
        m.handle(.summary(s))
        _ = m.handle(key: .character("m"))
        _ = m.handle(key: .character("2"))
        XCTAssertTrue(m.message?.text.hasPrefix("Asked the customer to allow") == true)
        s.pendingModeRequest = nil
        s.controlMode = .guided
        m.handle(.summary(s))
        XCTAssertNil(m.message, "answered: the status bar says the mode")
    }

    func testACustomerAskingForLiveHelpIsSaidAndMarkedInTheLobby() {
        var m = ConsoleModel()
        m.now = Fixtures.now
        m.handle(.lobby(Fixtures.lobby()))
        XCTAssertNil(m.message)
        var lobby = Fixtures.lobby()
        lobby.tickets.append(Ticket(id: "LH-7K2M9QXA", subject: "Live help: SSO login loops", customer: "Dana Whitfield", category: "live help"))
        lobby.requested = ["LH-7K2M9QXA": CustomerRequest(via: .page, page: "https://app.northwind.test/settings/sso",
                                                          requestedAt: Fixtures.now.addingTimeInterval(-180))]
        m.handle(.lobby(lobby))
        XCTAssertEqual(m.message?.text, "⚑ Dana Whitfield asked for live help on https://app.northwind.test/settings/sso 3 m ago — ticket LH-7K2M9QXA")
        m.message = nil
        m.handle(.lobby(lobby))
        XCTAssertNil(m.message, "the same request again says nothing new")

        // Selected, the row says how they asked when nothing else is on the message line.
        var quiet = ConsoleModel()
        quiet.now = Fixtures.now
        quiet.handle(.lobby(lobby))
        while quiet.lobbySelection < quiet.lobbyRows.count - 1 { _ = quiet.handle(key: .down) }
        let grid = ConsoleView(theme: .dark).frame(quiet, size: GridSize(columns: 120, rows: 30), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("⚑ Live help: SSO login loops"), grid.text)
        XCTAssertTrue(grid.text.contains("⚑ Dana Whitfield asked for live help on https://app.northwind.test/settings/sso 3 m ago"), grid.text)
        // At 40x12 nothing breaks.
        XCTAssertEqual(ConsoleView(theme: .dark).frame(quiet, size: GridSize(columns: 40, rows: 12), now: Fixtures.now).rows.count, 12)
    }

    func testAnEmptyLobbyQuitsAtOnce() {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.sessions = []
        m.handle(.lobby(lobby))
        XCTAssertEqual(m.handle(key: .character("q")), [.quit])
    }

    func testSessionStartedShowsTheLinkOnceAndAttaches() {
        var m = ConsoleModel()
        m.handle(.lobby(Fixtures.lobby()))
        let cmds = m.handle(.sessionStarted(SessionStarted(session: Fixtures.summary(), link: "https://127.0.0.1:8443/j/EXAMPLE")))
        XCTAssertEqual(cmds, [.send(.attach(Attach(sessionId: "S-7f3a9c", watch: false)))])
        XCTAssertEqual(m.dialog, .link(url: "https://127.0.0.1:8443/j/EXAMPLE", ticketID: "TCK-1042"))
        m.handle(.snapshot(Fixtures.snapshot()))
        XCTAssertEqual(m.screen, .workstation)
        XCTAssertNotNil(m.dialog, "the link stays up until the agent closes it")
        let grid = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("https://127.0.0.1:8443/j/EXAMPLE"))
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertNil(m.dialog)
    }

    func testDeltasApplyAndAMismatchRequestsAFullSceneOnce() {
        var m = attached()
        let ok = SceneDelta(baseVersion: 3, version: 4, upserts: [.text("h1", Rect(x: 260, y: 76, width: 400, height: 36), "Invoices", color: .black)], title: "Invoices")
        XCTAssertEqual(m.handle(.sceneDelta(ok)), [])
        XCTAssertEqual(m.scene?.version, 4)
        XCTAssertEqual(m.scene?.title, "Invoices")
        let stale = SceneDelta(baseVersion: 9, version: 10)
        XCTAssertEqual(m.handle(.sceneDelta(stale)), [.send(.requestScene)])
        XCTAssertEqual(m.handle(.sceneDelta(SceneDelta(baseVersion: 11, version: 12))), [], "asked once, not per delta")
        XCTAssertEqual(m.scene?.version, 4, "nothing half-applied")
        m.handle(.scene(Fixtures.scene(version: 12)))
        XCTAssertFalse(m.awaitingScene)
        XCTAssertEqual(m.handle(.sceneDelta(SceneDelta(baseVersion: 12, version: 13))), [])
        XCTAssertEqual(m.scene?.version, 13)
    }

    func testNotesModeExtensionAndEnd() {
        var m = attached()
        XCTAssertEqual(m.handle(key: .character("n")), [])
        for c in "check autofill" { _ = m.handle(key: .character(c)) }
        _ = m.handle(key: .backspace)
        XCTAssertEqual(m.dialog, .note(draft: "check autofil"))
        XCTAssertEqual(m.handle(key: .enter), [.send(.addNote(AddNote(text: "check autofil")))])
        XCTAssertNil(m.dialog)

        _ = m.handle(key: .character("m"))
        XCTAssertEqual(m.dialog, .modeMenu(selected: 1))
        XCTAssertEqual(m.handle(key: .enter), [.send(.requestMode(ModeRequest(mode: .guided)))])
        _ = m.handle(key: .character("m"))
        XCTAssertEqual(m.handle(key: .character("3")), [.send(.requestMode(ModeRequest(mode: .controlled)))])

        XCTAssertEqual(m.handle(key: .character("x")), [.send(.requestExtension(ExtensionRequest(minutes: 15)))])

        XCTAssertEqual(m.handle(key: .character("e")), [])
        XCTAssertEqual(m.dialog, .confirmEnd)
        XCTAssertEqual(m.handle(key: .character("n")), [], "n keeps the session")
        XCTAssertNil(m.dialog)
        _ = m.handle(key: .character("e"))
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.endSession(EndSession(sessionId: "S-7f3a9c")))])
    }

    func testEmptyNoteIsNotSentAndEscapeCancels() {
        var m = attached()
        _ = m.handle(key: .character("n"))
        XCTAssertEqual(m.handle(key: .enter), [])
        _ = m.handle(key: .character("n"))
        _ = m.handle(key: .character("a"))
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.screen, .workstation, "Esc in a dialog only closes the dialog")
    }

    func testWatchModeIsReadOnly() {
        var m = attached(watch: true)
        for key in ["n", "m", "x", "e"] {
            XCTAssertEqual(m.handle(key: .character(Character(key))), [])
            XCTAssertNil(m.dialog)
            XCTAssertEqual(m.message?.kind, .error)
        }
    }

    func testLeavingOrQuittingALiveSessionAsksAndEscNeverLeaves() {
        var m = attached()
        // Esc with nothing open (say, right after leaving annotate mode with Esc) stays in the session.
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertEqual(m.screen, .workstation)
        XCTAssertNotNil(m.scene)
        // q asks; n keeps the session; y leaves it running and goes back to the lobby.
        XCTAssertEqual(m.handle(key: .character("q")), [])
        XCTAssertEqual(m.dialog, .confirmLeave)
        XCTAssertEqual(m.handle(key: .character("n")), [])
        XCTAssertEqual(m.screen, .workstation)
        _ = m.handle(key: .character("q"))
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.detach), .send(.lobbyRequest)])
        XCTAssertEqual(m.screen, .lobby)
        XCTAssertNil(m.scene)
        // Q asks too: end it and quit, or quit and let it go on.
        var n = attached()
        let sid = n.session!.id
        XCTAssertEqual(n.handle(key: .character("Q")), [])
        XCTAssertEqual(n.dialog, .confirmQuit(live: [sid]))
        XCTAssertEqual(n.handle(key: .character("e")), [.send(.endSession(EndSession(sessionId: sid))), .quit])
        var o = attached()
        _ = o.handle(key: .character("Q"))
        XCTAssertEqual(o.handle(key: .character("d")), [.send(.detach), .quit])
        // Ctrl-C is a deliberate quit.
        var p = attached()
        XCTAssertEqual(p.handle(key: .interrupt), [.send(.detach), .quit])
    }

    func testTheDemoSaysQuittingEndsTheSessionAndAWatcherLeavesWithoutAsking() {
        var demo = ConsoleModel(options: ConsoleOptions(quitEndsSessions: true))
        demo.handle(.lobby(Fixtures.lobby()))
        _ = demo.handle(key: .character("Q"))
        XCTAssertEqual(demo.handle(key: .character("d")), [], "no 'leave it running' where the engine stops")
        XCTAssertEqual(demo.handle(key: .character("y")), [.quit])
        var watcher = attached(watch: true)
        XCTAssertEqual(watcher.handle(key: .character("q")), [.send(.detach), .send(.lobbyRequest)])
    }

    func testEngineMessagesUpdateTheChrome() {
        var m = attached()
        m.handle(.quality(QualityReport(quality: .poor, rttMs: 900, lossPercent: 12)))
        XCTAssertEqual(m.session?.quality, .poor)
        m.handle(.activity(ActivityItem(at: Fixtures.now, kind: .disconnected, actor: "engine", text: "Customer disconnected")))
        XCTAssertEqual(m.activity.last?.text, "Customer disconnected")
        m.handle(.note(NoteEntry(at: Fixtures.now, author: "Maria S.", text: "second note")))
        XCTAssertEqual(m.notes.count, 2)
        m.handle(.error(ErrorReply(code: .notAllowed, message: "L1 agents cannot ask for Controlled")))
        XCTAssertEqual(m.message, StatusMessage(.error, "not-allowed: L1 agents cannot ask for Controlled"))
        let grid = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("✖ not-allowed: L1 agents cannot ask for Controlled"))
        XCTAssertTrue(grid.text.contains("Poor 900 ms 12% loss"))
        var s = Fixtures.summary(recording: false, connected: false)
        s.controlMode = .guided
        m.handle(.summary(s))
        let again = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now).text
        XCTAssertTrue(again.contains("○ not recording"))
        XCTAssertTrue(again.contains("○ customer disconnected"))
        XCTAssertTrue(again.contains("Guided"))
    }

    func testSessionEndedBlocksActionsAndSaysWhy() {
        var m = attached()
        m.handle(.sessionEnded(SessionEnded(sessionId: "S-7f3a9c", reason: .timeLimit)))
        XCTAssertTrue(m.sessionEnded)
        XCTAssertEqual(m.handle(key: .character("n")), [])
        XCTAssertEqual(m.message?.text, "This session has ended")
        let grid = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 100, rows: 30), now: Fixtures.now)
        XCTAssertTrue(grid.text.contains("ENDED: 45-minute limit reached"))
    }

    func testBrailleToggleAndCursorMoves() {
        var m = attached()
        XCTAssertEqual(m.symbols, .braille)
        _ = m.handle(key: .character("b"))
        XCTAssertEqual(m.symbols, .half)
        m.viewCells = GridSize(columns: 128, rows: 36)
        _ = m.handle(key: .right)
        XCTAssertEqual(m.agentCursor, Point(x: 650, y: 360))
        _ = m.handle(key: .up)
        XCTAssertEqual(m.agentCursor, Point(x: 650, y: 340))
    }
}
