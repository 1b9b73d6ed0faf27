import Engine
import Foundation
import XCTest
@testable import TerminalUI

extension Fixtures {
    /// The page the agent shows the customer: a help-centre article of the demo
    /// kind (no personal data at all).
    static func shownPage(version: Int = 1) -> Scene {
        let ink = RGB(17, 24, 39), muted = RGB(75, 85, 99)
        return Scene(version: version, viewport: Size(width: 1280, height: 720), url: "https://help.acme.test/billing/update-card",
                     title: "Update the card on file — Acme Help", nodes: [
                        .box("root", Rect(x: 0, y: 0, width: 1280, height: 720), background: .white, z: 0),
                        .box("n1", Rect(x: 0, y: 0, width: 1280, height: 56), background: RGB(15, 118, 110), z: 1),
                        .text("n1t0", Rect(x: 24, y: 16, width: 240, height: 24), "Acme Help Centre", color: .white, z: 2),
                        .text("n2t0", Rect(x: 60, y: 90, width: 900, height: 40), "Update the card on file", color: ink, z: 2),
                        .text("n3t0", Rect(x: 60, y: 160, width: 1000, height: 24), "1. Open Settings, then Billing.", color: muted, z: 2),
                        .text("n4t0", Rect(x: 60, y: 220, width: 1000, height: 24), "2. Press Edit next to the card.", color: muted, z: 2),
                        .text("n5t0", Rect(x: 60, y: 280, width: 1000, height: 24), "3. Save: the next invoice uses the new card.", color: muted, z: 2),
                        SceneNode(id: "n6", kind: .image, rect: Rect(x: 60, y: 360, width: 640, height: 160), z: 2, pixels: banner(width: 48, height: 12)),
                        .box("n7", Rect(x: 60, y: 580, width: 200, height: 48), background: RGB(37, 99, 235), z: 2),
                        .text("n7t0", Rect(x: 84, y: 592, width: 160, height: 24), "Open Billing", color: .white, z: 3),
                     ], pointer: Point(x: 150, y: 600))
    }

    /// As the engine mints it: the gateway's address, /present/ and a 43-character token.
    static let presenterLink = "https://cb.acme.test/present/q7Vd2mXkP4sNw9LrT1bYc8HfJ0gZaE5uKiOnQ6tRyWx"
}

/// Mirror mode and split view on the console (issue 4, "View modes"): what P
/// and V send and show, and how the shown page is kept.
final class ConsoleSplitModelTests: XCTestCase {
    func attached(_ mode: ControlMode = .guided, watch: Bool = false) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c", watch: watch))
        var summary = Fixtures.summary()
        summary.controlMode = mode
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: Fixtures.scene(), activity: Fixtures.activity(), notes: [])))
        m.now = Fixtures.now
        return m
    }

    /// An agent whose page is being shown, with its first full scene in.
    func showing(_ mode: ControlMode = .guided) -> ConsoleModel {
        var m = attached(mode)
        m.handle(.presenting(PresentingState(active: true, by: "Maria S.")))
        m.handle(.presentedScene(Fixtures.shownPage()))
        return m
    }

    // MARK: - P: start, the link, stop

    func testPAsksForAPresenterLinkAndShowsItInADialog() {
        var m = attached()
        XCTAssertEqual(m.handle(key: .character("P")), [.send(.startPresenting)])
        XCTAssertTrue(m.mirror.linkRequested)
        XCTAssertEqual(m.handle(key: .character("P")), [], "one request at a time")
        XCTAssertEqual(m.message?.text, "Waiting for the engine's presenter link…")

        m.handle(.presenterLink(PresenterLink(link: Fixtures.presenterLink)))
        XCTAssertEqual(m.dialog, .presenterLink(url: Fixtures.presenterLink, customer: "Dana"))
        XCTAssertFalse(m.mirror.linkRequested)
        XCTAssertEqual(m.handle(key: .enter), [])
        XCTAssertNil(m.dialog)

        // Until the browser opens it, P shows the same link again (nothing sent).
        XCTAssertEqual(m.handle(key: .character("P")), [])
        XCTAssertEqual(m.dialog, .presenterLink(url: Fixtures.presenterLink, customer: "Dana"))
        _ = m.handle(key: .escape)

        // The presenter tab opened it: the engine announces the showing; the link is spent.
        m.handle(.presenting(PresentingState(active: true, by: "Maria S.")))
        XCTAssertTrue(m.mirror.active)
        XCTAssertNil(m.mirror.link)
        XCTAssertEqual(m.message?.text, "Dana now sees the page you show: V for split view, P to stop")
    }

    func testAWaitingLinkCanBeCancelledFromItsDialog() {
        var m = attached()
        _ = m.handle(key: .character("P"))
        m.handle(.presenterLink(PresenterLink(link: Fixtures.presenterLink)))
        XCTAssertEqual(m.handle(key: .character("x")), [], "other keys do nothing in the dialog")
        XCTAssertEqual(m.handle(key: .character("s")), [.send(.stopPresenting)])
        XCTAssertNil(m.dialog)
        XCTAssertNil(m.mirror.link)
        XCTAssertEqual(m.handle(key: .character("P")), [.send(.startPresenting)], "a fresh link next time")
    }

    func testStoppingAsksFirstThenSendsStopPresenting() {
        var m = showing()
        XCTAssertEqual(m.handle(key: .character("P")), [])
        XCTAssertEqual(m.dialog, .confirmStopPresenting)
        XCTAssertEqual(m.handle(key: .character("n")), [])
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.mirror.active, "still showing")

        _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.viewMode, .split)
        _ = m.handle(key: .character("P"))
        XCTAssertEqual(m.handle(key: .character("y")), [.send(.stopPresenting)])
        XCTAssertNil(m.dialog)
        XCTAssertNotNil(m.mirror.scene, "the page stays until the engine says it stopped")

        m.handle(.presenting(PresentingState(active: false, by: "Maria S.")))
        XCTAssertEqual(m.mirror, MirrorState())
        XCTAssertEqual(m.viewMode, .customer, "back to the customer's view")
        XCTAssertEqual(m.message?.text, "You stopped showing your page: back to the customer's view")
    }

    func testTheEnginesRefusalIsShown() {
        var m = attached()
        _ = m.handle(key: .character("P"))
        m.handle(.error(ErrorReply(code: .badState, message: "Showing a page needs an active session.")))
        XCTAssertEqual(m.dialog, .refused(title: "Cannot show a page", text: "Showing a page needs an active session."))
        XCTAssertFalse(m.mirror.linkRequested)
        _ = m.handle(key: .enter)
        XCTAssertNil(m.dialog)

        // A stop the engine refuses says so too.
        var s = showing()
        _ = s.handle(key: .character("P")); _ = s.handle(key: .character("y"))
        s.handle(.error(ErrorReply(code: .notAllowed, message: "Maria S. is watching read-only and cannot stop showing a page")))
        XCTAssertEqual(s.dialog, .refused(title: "Could not stop showing the page", text: "Maria S. is watching read-only and cannot stop showing a page"))

        // An unrelated error with no request on its way stays in the message line.
        var plain = attached()
        plain.handle(.error(ErrorReply(code: .invalid, message: "something else")))
        XCTAssertNil(plain.dialog)
        XCTAssertEqual(plain.message, StatusMessage(.error, "invalid: something else"))
    }

    func testWatchingConsolesAreNotOfferedP() {
        var w = attached(watch: true)
        XCTAssertEqual(w.handle(key: .character("P")), [])
        XCTAssertEqual(w.message, StatusMessage(.error, "Read-only: you are watching this session"))
        XCTAssertFalse(ConsoleView.hints(w, width: 200).contains("P "), ConsoleView.hints(w, width: 200))
        XCTAssertFalse(DialogView.helpEntries(.watching).contains { $0.0 == "P" })
        XCTAssertTrue(DialogView.helpEntries(.watching).contains { $0.0 == "V" })
        // …but a watcher sees what the agent shows, and may split the view.
        w.handle(.presenting(PresentingState(active: true, by: "Maria S.")))
        XCTAssertEqual(w.message?.text, "Maria S. is showing the customer a page: V for split view")
        w.handle(.presentedScene(Fixtures.shownPage()))
        _ = w.handle(key: .character("V"))
        XCTAssertEqual(w.viewMode, .split)
        XCTAssertTrue(ConsoleView.hints(w, width: 200).contains("V shown page"), ConsoleView.hints(w, width: 200))
        w.handle(.presenting(PresentingState(active: false, by: "Maria S.")))
        XCTAssertEqual(w.message?.text, "Maria S. stopped showing a page: back to the customer's view")
        XCTAssertEqual(w.viewMode, .customer)
    }

    // MARK: - the shown page: full scenes, deltas, mismatches

    func testPresentedScenesAndDeltasAreKeptApartFromTheCustomersPage() {
        var m = showing()
        XCTAssertEqual(m.mirror.scene, Fixtures.shownPage())
        XCTAssertEqual(m.scene, Fixtures.scene(), "the customer's page is untouched")

        let step4 = SceneNode.text("n8t0", Rect(x: 60, y: 340, width: 600, height: 24), "4. Done.", color: .black, z: 2)
        XCTAssertEqual(m.handle(.presentedDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [step4], removed: ["n6"], title: "Done — Acme Help"))), [])
        XCTAssertEqual(m.mirror.scene?.version, 2)
        XCTAssertEqual(m.mirror.scene?.title, "Done — Acme Help")
        XCTAssertTrue(m.mirror.scene?.nodes.contains(step4) ?? false)
        XCTAssertFalse(m.mirror.scene?.nodes.contains { $0.id == "n6" } ?? true)
        XCTAssertEqual(m.scene, Fixtures.scene())

        // A delta against another version: dropped, and the stale picture with it; nothing asked (the SDK re-sends).
        XCTAssertEqual(m.handle(.presentedDelta(SceneDelta(baseVersion: 5, version: 6, upserts: [], removed: []))), [])
        XCTAssertNil(m.mirror.scene)
        XCTAssertTrue(m.mirror.awaitingFull)
        XCTAssertTrue(m.mirror.active)
        XCTAssertEqual(m.handle(.presentedDelta(SceneDelta(baseVersion: 2, version: 3, upserts: [], removed: []))), [])
        XCTAssertNil(m.mirror.scene, "no base to apply to until the next full scene")

        m.handle(.presentedScene(Fixtures.shownPage(version: 9)))
        XCTAssertEqual(m.mirror.scene?.version, 9)
        XCTAssertFalse(m.mirror.awaitingFull)
    }

    func testAConsoleThatAttachedLateLearnsOfTheShowingFromAFullScene() {
        var m = attached()
        m.handle(.presentedScene(Fixtures.shownPage()))
        XCTAssertTrue(m.mirror.active)
        XCTAssertEqual(m.handle(key: .character("P")), [], "P now offers to stop")
        XCTAssertEqual(m.dialog, .confirmStopPresenting)
    }

    func testTheSessionEndingOrLeavingItForgetsTheShownPage() {
        var m = showing()
        _ = m.handle(key: .character("V"))
        m.handle(.sessionEnded(SessionEnded(sessionId: "S-7f3a9c", reason: .agentEnded)))
        XCTAssertEqual(m.mirror, MirrorState())
        XCTAssertEqual(m.viewMode, .customer)

        var q = showing()
        _ = q.handle(key: .character("V"))
        _ = q.handle(key: .character("q"))
        _ = q.handle(key: .character("y"))
        XCTAssertEqual(q.mirror, MirrorState())
        XCTAssertEqual(q.viewMode, .customer)
        // Presenting messages for a console in the lobby are not kept.
        q.handle(.presentedScene(Fixtures.shownPage()))
        XCTAssertNil(q.mirror.scene)
    }

    // MARK: - V: view modes

    func testVCyclesCustomerSplitShownOnlyWhileAPageIsShown() {
        var m = attached()
        _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.viewMode, .customer)
        XCTAssertEqual(m.message?.text, "Nothing is being shown: press P to show the customer a page")
        XCTAssertFalse(ConsoleView.hints(m, width: 250).contains("V "), "not offered")

        m.handle(.presenting(PresentingState(active: true, by: "Maria S.")))
        _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.viewMode, .customer, "the page has not arrived yet")
        XCTAssertTrue(m.message?.text.hasPrefix("Your page has not arrived yet") ?? false, "\(String(describing: m.message))")

        m.handle(.presentedScene(Fixtures.shownPage()))
        XCTAssertTrue(ConsoleView.hints(m, width: 250).contains("V split view"), ConsoleView.hints(m, width: 250))
        var seen: [ViewMode] = []
        for _ in 0..<3 { _ = m.handle(key: .character("V")); seen.append(m.viewMode) }
        XCTAssertEqual(seen, [.split, .shown, .customer])
        _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.message?.text, "Split view: Dana's page and the page you show · V: next view")

        // A mismatch while split keeps the view (its pane waits for the next full scene).
        m.handle(.presentedDelta(SceneDelta(baseVersion: 42, version: 43, upserts: [], removed: [])))
        XCTAssertEqual(m.viewMode, .split)
        m.handle(.presenting(PresentingState(active: false, by: "Maria S.")))
        XCTAssertEqual(m.viewMode, .customer)
    }

    func testWithTheShownPageOnlyNothingActsOnTheHiddenCustomerPage() {
        var m = showing(.controlled)
        m.agentCursor = Point(x: 600, y: 620)
        _ = m.handle(key: .character("V")); _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.viewMode, .shown)
        for key: ConsoleKey in [.enter, .right, .character("a"), .character("i"), .pageDown] {
            XCTAssertEqual(m.handle(key: key), [], "\(key)")
            XCTAssertEqual(m.message, StatusMessage(.error, "The customer's page is hidden in this view: V switches back to it"))
        }
        XCTAssertNil(m.annotate)
        XCTAssertEqual(m.agentCursor, Point(x: 600, y: 620))
        let hints = ConsoleView.hints(m, width: 250)
        XCTAssertFalse(hints.contains("Enter click") || hints.contains("a annotate"), hints)
        XCTAssertTrue(hints.contains("V customer view") && hints.contains("P stop showing"), hints)

        // The runner maps no cells onto the customer's page, so the mouse does nothing either.
        let view = ConsoleView(theme: .dark)
        m.viewArea = view.viewArea(m, size: GridSize(columns: 160, rows: 45))
        XCTAssertTrue(m.viewArea.isEmpty)
        XCTAssertEqual(m.handle(mouse: .press(x: 30, y: 10)), [])
        XCTAssertEqual(m.handle(mouse: .wheelDown(x: 30, y: 10)), [])
        XCTAssertEqual(m.agentCursor, Point(x: 600, y: 620))

        // Back to the customer's view: Enter clicks again.
        _ = m.handle(key: .character("V"))
        XCTAssertEqual(m.handle(key: .enter).count, 1)
    }

    func testInSplitViewTheCursorAndMouseWorkOnTheCustomersPaneOnly() throws {
        var m = showing(.controlled)
        _ = m.handle(key: .character("V"))
        let view = ConsoleView(theme: .dark)
        let size = GridSize(columns: 160, rows: 45)
        m.viewArea = view.viewArea(m, size: size)
        let layout = WorkstationLayout(size: size, feedShown: false)
        let pages = PageLayout(view: layout.view, mode: .split, terminalColumns: 160)
        XCTAssertEqual(m.viewArea, pages.customer)
        let shown = try XCTUnwrap(pages.shown)
        XCTAssertGreaterThanOrEqual(shown.x, m.viewArea.maxX, "side by side at 160 columns")

        // A press on the shown pane is not a point on the customer's page.
        XCTAssertEqual(m.handle(mouse: .press(x: shown.x + 5, y: shown.y + 5)), [])
        XCTAssertNil(m.agentCursor)
        XCTAssertEqual(m.handle(mouse: .wheelDown(x: shown.x + 5, y: shown.y + 5)), [])
        // A press on the customer's pane is.
        _ = m.handle(mouse: .press(x: m.viewArea.x + 10, y: m.viewArea.y + 4))
        XCTAssertNotNil(m.agentCursor)

        // Below 120 columns the panes stack.
        let narrow = PageLayout(view: WorkstationLayout(size: GridSize(columns: 80, rows: 24), feedShown: false).view, mode: .split, terminalColumns: 80)
        XCTAssertTrue(narrow.stacked)
        let top = try XCTUnwrap(narrow.customer), bottom = try XCTUnwrap(narrow.shown)
        XCTAssertEqual(top.width, 80)
        XCTAssertEqual(bottom.width, 80)
        XCTAssertLessThan(top.maxY, bottom.y, "the bottom pane's title sits between them")
    }

    func testHelpListsTheNewKeys() {
        XCTAssertTrue(DialogView.helpEntries(.session).contains { $0 == ("P", "show a page / stop showing") })
        XCTAssertTrue(DialogView.helpEntries(.session).contains { $0 == ("V", "view: customer, split, shown") })
        var m = attached()
        _ = m.handle(key: .character("?"))
        for size in [GridSize(columns: 80, rows: 24), GridSize(columns: 100, rows: 30)] {
            let text = ConsoleView(theme: .dark).frame(m, size: size, now: Fixtures.now).text
            XCTAssertNotNil(text.range(of: #" P +show a page / stop showing"#, options: .regularExpression), "\(size)")
            XCTAssertNotNil(text.range(of: #" V +view: customer, split, shown"#, options: .regularExpression), "\(size)")
            XCTAssertFalse(text.contains("…│"), "nothing cut at \(size)")
        }
    }
}
