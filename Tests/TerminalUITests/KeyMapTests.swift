import Engine
import Foundation
@testable import TerminalUI
import XCTest

/// One key table per screen drives dispatch, the hints line, `?` help and the
/// `:` palette: these tests hold them to agreeing.
final class KeyMapTests: XCTestCase {
    static let t = Fixtures.now

    func lobby(watch: Bool = false) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(watch: watch))
        m.handle(.lobby(Fixtures.lobby()))
        m.now = Self.t
        return m
    }

    func attached(_ mode: ControlMode = .controlled, watch: Bool = false, ended: Bool = false) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c", watch: watch))
        var summary = Fixtures.summary()
        summary.controlMode = mode
        if ended { summary.status = .ended }
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: Fixtures.scene(), activity: Fixtures.activity(), notes: [])))
        m.now = Self.t
        return m
    }

    /// A model in each key context.
    func models() -> [(KeyContext, ConsoleModel)] {
        var annotating = attached()
        _ = annotating.handle(key: .character("a"))
        var dashboard = lobby()
        _ = dashboard.handle(key: .character("D"))
        dashboard.handle(.dashboard(DashboardScreenTests.november()))
        return [(.lobby, lobby()), (.session, attached()), (.watching, attached(watch: true)), (.ended, attached(ended: true)), (.annotate, annotating),
                (.dashboard, dashboard)]
    }

    func testEachTableAnswersAKeyOnceAndNamesACommandOnce() {
        for context in KeyContext.allCases {
            let bindings = KeyMap.bindings(context)
            var keys: [ConsoleKey] = []
            for b in bindings {
                for k in b.keys { XCTAssertFalse(keys.contains(k), "\(context): \(k) is bound twice"); keys.append(k) }
                XCTAssertFalse(b.help.isEmpty, "\(context): \(b.label) has no help")
            }
            let commands = bindings.compactMap(\.command)
            XCTAssertEqual(commands.count, Set(commands).count, "\(context): a command named twice: \(commands)")
            for required: ConsoleAction in [.help, .quit] {
                XCTAssertTrue(bindings.contains { $0.action == required }, "\(context) lacks \(required)")
            }
        }
    }

    func testModelsAreInTheContextsTheyClaim() {
        for (context, m) in models() { XCTAssertEqual(m.keyContext, context) }
    }

    /// Every key the hints line shows is a key of the table, and every key of the table is
    /// in the help; nothing on the hints line is left out of the help.
    func testTheHintsAndTheHelpAreTheTable() {
        for (context, m) in models() {
            let bindings = KeyMap.bindings(context)
            let help = DialogView.helpEntries(context)
            XCTAssertEqual(help.map(\.0), bindings.map(\.label), "\(context): the help is the table, in order")
            for (long, short, _) in ConsoleView.offeredHints(m) {
                let owner = bindings.first { m.hintWords($0) == HintWords(long, short) }
                XCTAssertNotNil(owner, "\(context): the hint \(long) is no binding's")
            }
            for width in [80, 120, 200] {
                let pieces = ConsoleView.hintPieces(m, width: width)
                XCTAssertLessThanOrEqual(SafeText.displayWidth(pieces.map(\.text).joined()), width, "\(context) at \(width)")
                for key in pieces.filter(\.key).map(\.text) {
                    XCTAssertTrue(bindings.contains { b in b.label.contains(key) || (b.hint.map { $0.long.hasPrefix(key) || $0.short.hasPrefix(key) } ?? false) },
                                  "\(context) at \(width): highlighted key \(key) is not in the table")
                }
            }
        }
    }

    /// No key of a table is silent: each one changes what the agent sees, sends something, or says why not.
    func testNoKeyOfATableDoesNothing() {
        for (context, start) in models() {
            var base = start
            // Off the first line, so moving up (and to the top) has somewhere to go.
            if context == .lobby { _ = base.handle(key: .down) }
            for b in KeyMap.bindings(context) {
                for key in b.keys {
                    var m = base
                    let commands = m.handle(key: key)
                    XCTAssertTrue(!commands.isEmpty || m != base, "\(context): \(key) (\(b.label) \(b.help)) did nothing")
                }
            }
        }
    }

    /// `:name` Enter does exactly what the key does.
    func testThePaletteRunsWhatTheKeyRuns() {
        for (context, base) in models() {
            for b in KeyMap.bindings(context) {
                guard let command = b.command, let key = b.keys.first else { continue }
                var byKey = base, byName = base
                let keyed = byKey.handle(key: key)
                _ = byName.handle(key: .character(":"))
                var named: [ConsoleCommand] = []
                for c in command { named += byName.handle(key: .character(c)) }
                named += byName.handle(key: .enter)
                XCTAssertEqual(named, keyed, "\(context): :\(command)")
                XCTAssertEqual(byName.dialog, byKey.dialog, "\(context): :\(command)")
                XCTAssertEqual(byName.screen, byKey.screen, "\(context): :\(command)")
                XCTAssertEqual(byName.message, byKey.message, "\(context): :\(command)")
            }
        }
    }

    func testTabCompletesAndAnUnknownOrAmbiguousCommandSaysSo() {
        var m = attached()
        _ = m.handle(key: .character(":"))
        for c in "scr" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(m.paletteMatches, ["screenshot"])
        _ = m.handle(key: .tab)
        XCTAssertEqual(m.dialog, .palette(draft: "screenshot"))
        for _ in 0..<10 { _ = m.handle(key: .backspace) }
        _ = m.handle(key: .character("h"))
        _ = m.handle(key: .tab)
        XCTAssertEqual(m.dialog, .palette(draft: "h"), "handover, handoff and help agree only on h")
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertEqual(m.message, StatusMessage(.error, "“h” could be handover, handoff, help"))
        _ = m.handle(key: .backspace)
        for c in "warp" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertEqual(m.message?.kind, .error)
        XCTAssertTrue(m.message?.text.contains("No command “warp”") ?? false)
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.screen, .workstation, "Esc closes the palette, nothing more")
        // A watcher's palette has no write commands at all.
        XCTAssertFalse(KeyMap.completions("", in: .watching).contains("end"))
        XCTAssertTrue(KeyMap.completions("", in: .session).contains("end"))
    }

    func testTheLobbyFilterAppliesAsItIsTypedEnterKeepsItEscClearsIt() {
        var m = lobby()
        let all = m.lobbyRows.count
        XCTAssertGreaterThan(all, 1)
        _ = m.handle(key: .character("/"))
        for c in "RAVI" { _ = m.handle(key: .character(c)) }
        XCTAssertEqual(m.lobbyRows, [.ticket(Fixtures.lobby().tickets[1])], "any case, as typed")
        _ = m.handle(key: .enter)
        XCTAssertNil(m.dialog)
        XCTAssertEqual(m.lobbyFilter, "RAVI")
        let screen = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 120, rows: 30), now: Self.t).text
        XCTAssertTrue(screen.contains("filter /RAVI"), screen)
        XCTAssertTrue(screen.contains("My tickets (1 of"), screen)
        _ = m.handle(key: .character("/"))
        XCTAssertEqual(m.dialog, .filter(draft: "RAVI"), "the filter reopens with what it holds")
        _ = m.handle(key: .escape)
        XCTAssertEqual(m.lobbyFilter, "")
        XCTAssertEqual(m.lobbyRows.count, all)
    }

    func testSortingTheLobbyCyclesAndSaysHow() {
        var m = lobby()
        let asListed = m.lobbyRows
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(m.lobbyOrder, .age)
        XCTAssertEqual(m.message, StatusMessage(.info, "Sorted by age (oldest session first)"))
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(m.lobbyOrder, .waitingOn)
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(m.lobbyOrder, .customer)
        XCTAssertEqual(m.message, StatusMessage(.info, "Sorted by customer"))
        let customers = m.lobbyRows.compactMap { if case let .ticket(t) = $0 { return t.customer } else { return nil } }
        XCTAssertEqual(customers, customers.sorted { $0.lowercased() < $1.lowercased() })
        while m.lobbyOrder != .asListed { _ = m.handle(key: .character("o")) }
        XCTAssertEqual(m.lobbyRows, asListed, "round to the help desk's order")
    }

    func testSessionsSortByAgeAndByWhoTheyWaitOn() {
        func session(_ id: String, _ status: SessionStatus, connected: Bool, startedMinutesAgo: Double) -> SessionSummary {
            var s = Fixtures.summary(connected: connected)
            s.id = id; s.status = status
            s.createdAt = Fixtures.now.addingTimeInterval(-startedMinutesAgo * 60); s.startedAt = status == .active ? s.createdAt : nil
            return s
        }
        let live = session("S-live", .active, connected: true, startedMinutesAgo: 30)
        let away = session("S-away", .active, connected: false, startedMinutesAgo: 5)
        let unopened = session("S-link", .linkMinted, connected: false, startedMinutesAgo: 2)
        var l = Fixtures.lobby()
        l.sessions = [away, live, unopened]
        var m = ConsoleModel(options: ConsoleOptions())
        m.handle(.lobby(l))
        func ids() -> [String] { m.lobbyRows.compactMap { if case let .session(s) = $0 { return s.id } else { return nil } } }
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(ids(), ["S-live", "S-away", "S-link"], "oldest first")
        _ = m.handle(key: .character("o"))
        XCTAssertEqual(ids(), ["S-link", "S-away", "S-live"], "a link not opened, then a customer away, then live")
    }

    func testTheFeedFilterNarrowsTheActivityAndShowsIt() {
        var m = attached()
        _ = m.handle(key: .character("/"))
        for c in "masked" { _ = m.handle(key: .character(c)) }
        _ = m.handle(key: .enter)
        XCTAssertEqual(m.shownActivity.map(\.text), ["Card number field masked"])
        XCTAssertTrue(m.feedShown, "a filtered feed is shown")
        let screen = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 200, rows: 60), now: Self.t).text
        XCTAssertTrue(screen.contains("Activity /masked"), screen)
        XCTAssertFalse(screen.contains("One-time link created"), screen)
    }

    func testMessagesHaveAHistoryAfterTheyLeaveTheLine() {
        var m = attached()
        _ = m.handle(key: .character("x"))
        m.now = Self.t.addingTimeInterval(60)
        XCTAssertNil(m.visibleMessage(now: m.now), "gone from the line")
        _ = m.handle(key: .character("M"))
        XCTAssertEqual(m.dialog, .messages)
        let screen = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 120, rows: 40), now: m.now).text
        XCTAssertTrue(screen.contains("Asked the customer for 15 more minutes"), screen)
        XCTAssertEqual(m.handle(key: .escape), [])
        XCTAssertNil(m.dialog)
    }

    func testASessionKeyInAnEndedOrWatchedSessionSaysWhyInsteadOfNothing() {
        var ended = attached(ended: true)
        XCTAssertEqual(ended.handle(key: .character("m")), [])
        XCTAssertEqual(ended.message, StatusMessage(.error, "This session has ended"))
        XCTAssertTrue(ConsoleView.hints(ended, width: 200).contains("SESSION ENDED"))
        var watcher = attached(watch: true)
        XCTAssertEqual(watcher.handle(key: .character("e")), [])
        XCTAssertEqual(watcher.message, StatusMessage(.error, "Read-only: you are watching this session"))
    }

    func testQInAnnotateModeAsksBeforeQuittingALiveSession() {
        var m = attached()
        _ = m.handle(key: .character("a"))
        XCTAssertEqual(m.keyContext, .annotate)
        XCTAssertEqual(m.handle(key: .character("Q")), [])
        XCTAssertEqual(m.dialog, .confirmQuit(live: ["S-7f3a9c"]))
    }

    func testTheFeedFoldsRepeatsAndWritesANavigationAsOneLine() {
        let at = Fixtures.startedAt
        let flap = ActivityItem(at: at, kind: .warning, actor: "engine", text: "Customer's connection is poor")
        let nav = ActivityItem(at: at, kind: .navigation, actor: "customer",
                               text: ActivityItem.navigationText(title: "Billing", url: "https://app.acme.test/settings/billing/invoices/2026/march"))
        let folded = ActivityFeed.folded([flap, flap, flap, nav])
        XCTAssertEqual(folded.map(\.count), [3, 1])
        XCTAssertEqual(nav.navigationParts?.title, "Billing")
        XCTAssertEqual(ActivityFeed.line(nav, width: 80), "→ Billing · app.acme.test/settings/billing/invoices/2026/march")
        let narrow = ActivityFeed.line(nav, width: 40)
        XCTAssertTrue(narrow.hasPrefix("→ Billing · app.acme.test/") && narrow.hasSuffix("…"), narrow)
        XCTAssertLessThanOrEqual(SafeText.displayWidth(narrow), 40)
        XCTAssertEqual(ActivityFeed.line(nav, width: 24), "→ Billing", "too little room: the title alone")
        var grid = CellGrid(width: 50, height: 8, fill: Theme.dark.base.cell(" "))
        ActivityFeed(theme: .dark, clock: ClockFormat()).draw(activity: [flap, flap, flap, nav], notes: [], in: grid.bounds, into: &grid)
        XCTAssertTrue(grid.text.contains("poor ×3"), grid.text)
        XCTAssertEqual(grid.text.components(separatedBy: "Customer's connection").count, 2, "one line for the run:\n\(grid.text)")
    }

    func testCInALinkDialogCopiesTheLinkThroughTheTerminal() {
        var m = attached()
        m.handle(.viewerInvited(ViewerInvited(name: "Sam", link: "https://cb.example/join/abc")))
        if case .viewerLink = m.dialog {} else { return XCTFail("no viewer link dialog: \(String(describing: m.dialog))") }
        XCTAssertEqual(m.handle(key: .character("c")), [.copyToClipboard("https://cb.example/join/abc")])
        XCTAssertNotNil(m.dialog, "the link stays shown")
        XCTAssertEqual(OSC52.sequence("https://cb.example/join/abc"), "\u{1b}]52;c;aHR0cHM6Ly9jYi5leGFtcGxlL2pvaW4vYWJj\u{07}")
        XCTAssertEqual(OSC52.sequence("a\u{07}b"), "\u{1b}]52;c;YQ==\u{07}", "a control character cannot end the sequence early")
    }

    func testASupervisorWatchesATeamSessionFromTheLobbyReadOnly() {
        var m = ConsoleModel(options: ConsoleOptions())
        var theirs = Fixtures.summary()
        theirs.id = "S-team1"; theirs.agentName = "Tom B."
        var lobby = Fixtures.lobby()
        lobby.agent = Agent(name: "Sam Super", uid: 1002, level: .supervisor)
        lobby.sessions = []
        lobby.team = [theirs]
        m.handle(.lobby(lobby))
        m.now = Self.t
        XCTAssertEqual(m.lobbyRows.first, .teamSession(theirs))
        let screen = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 120, rows: 30), now: Self.t).text
        XCTAssertTrue(screen.contains("Team's live sessions (1) — Enter watches read-only"), screen)
        XCTAssertTrue(screen.contains("Tom B."), screen)
        XCTAssertEqual(m.handle(key: .enter), [.send(.attach(Attach(sessionId: "S-team1", watch: true)))])
        m.handle(.snapshot(SessionSnapshot(summary: theirs, scene: Fixtures.scene(), activity: [], notes: [])))
        XCTAssertTrue(m.isReadOnly)
        XCTAssertEqual(m.keyContext, .watching, "no write keys on another agent's session")
        XCTAssertTrue(ConsoleView.hints(m, width: 200).contains("WATCHING"))
        XCTAssertEqual(m.handle(key: .character("q")), [.send(.detach), .send(.lobbyRequest)], "leaving a watched session asks nothing")
        XCTAssertFalse(m.watchingTeamSession)
    }

    func testUShowsThePagesVisitedWithTheirAddressesWhole() {
        var m = attached()
        let url = "https://app.acme.test/settings/billing/invoices/2026/march?tab=paid"
        m.handle(.activity(ActivityItem(at: Self.t, kind: .navigation, actor: "customer", text: ActivityItem.navigationText(title: "Invoices", url: url))))
        _ = m.handle(key: .character("U"))
        XCTAssertEqual(m.dialog, .pages)
        let screen = ConsoleView(theme: .dark).frame(m, size: GridSize(columns: 120, rows: 40), now: Self.t).text
        XCTAssertTrue(screen.contains(url), "the whole address:\n\(screen)")
        XCTAssertTrue(screen.contains("Invoices"))
    }
}
