import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// Escalation at the console, as text: `H` in a session (who, why, stay),
/// the lobby's "Handed to you" section and its answer, the message line
/// while the customer has not acknowledged the specialist, and the first
/// agent watching or leaving. Every screen at every size, a tiny one too.
final class HandOffConsoleTests: XCTestCase {
    let view = ConsoleView(theme: .dark, clock: ClockFormat(timeZone: TimeZone(identifier: "UTC")!))
    let maria = Agent(name: "Maria S.", uid: 1001, level: .l2)
    let sofia = Agent(name: "Sofia Q.", uid: 1011, level: .specialist)
    let targets = [HandOffTarget(name: "Lee M.", level: .manager), HandOffTarget(name: "Sofia Q.", level: .specialist)]
    var offer: HandOffOffer {
        HandOffOffer(sessionId: "S-7f3a9c", ticket: Fixtures.ticket, from: "Maria S.", to: "Sofia Q.",
                     reason: "Card form rejects valid expiry dates: needs the payments team", stay: true,
                     requestedAt: Fixtures.now.addingTimeInterval(-150))
    }

    /// Maria's console attached to her live session, the lobby (with whom she may hand it to) known.
    func attached(as agent: Agent? = nil) -> ConsoleModel {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.agent = agent ?? maria
        lobby.handOffTargets = targets
        m.handle(.lobby(lobby))
        m.handle(.snapshot(Fixtures.snapshot()))
        m.now = Fixtures.now
        return m
    }

    func text(_ m: ConsoleModel, _ c: Int = 80, _ r: Int = 24) -> String {
        view.frame(m, size: GridSize(columns: c, rows: r), now: Fixtures.now).text
    }

    func type(_ s: String, into m: inout ConsoleModel) { for c in s { _ = m.handle(key: .character(c)) } }

    func testHInASessionAsksWhoWhyAndWhetherToStayThenSendsTheHandOff() throws {
        var m = attached()
        XCTAssertEqual(m.handle(key: .character("H")), [.send(.lobbyRequest)], "the list of who may take it is refreshed")
        XCTAssertEqual(m.dialog, .handOffPick(selected: 0))
        let pick = text(m)
        XCTAssertTrue(pick.contains("Hand off to a specialist"), pick)
        XCTAssertTrue(pick.contains("▶ Lee M. (manager)"), pick)
        XCTAssertTrue(pick.contains("Sofia Q. (specialist)"), pick)
        try assertGolden(view.frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now), "hand-off-pick-80x24")
        _ = m.handle(key: .down)
        _ = m.handle(key: .enter)
        XCTAssertEqual(m.dialog, .prompt(.handOffReason(to: "Sofia Q."), draft: ""))
        XCTAssertEqual(m.handle(key: .enter), [], "no reason, no hand-off")
        XCTAssertEqual(m.message?.kind, .error)
        type("needs the payments team", into: &m)
        _ = m.handle(key: .enter)
        XCTAssertEqual(m.dialog, .handOffStay(to: "Sofia Q.", reason: "needs the payments team"))
        XCTAssertTrue(text(m).contains("y  stay as a watcher"), text(m))
        XCTAssertEqual(m.handle(key: .character("y")),
                       [.send(.handOff(HandOffRequest(sessionId: "S-7f3a9c", to: "Sofia Q.", reason: "needs the payments team", stay: true)))])
        XCTAssertNil(m.dialog)
    }

    func testTheReasonIsCappedAsTheEngineCapsIt() {
        var m = attached()
        _ = m.handle(key: .character("H"))
        _ = m.handle(key: .enter)
        type(String(repeating: "x", count: HandOffRequest.maxReasonBytes + 50), into: &m)
        guard case let .prompt(_, draft)? = m.dialog else { return XCTFail("\(String(describing: m.dialog))") }
        XCTAssertEqual(draft.utf8.count, HandOffRequest.maxReasonBytes)
    }

    func testTheLobbyListsAHandOffWaitingAndHTakesItOver() throws {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.agent = sofia
        lobby.handOffs = [offer]
        m.handle(.lobby(lobby))
        m.now = Fixtures.now
        let screen = text(m)
        XCTAssertTrue(screen.contains("Handed to you (1) — H to take over or decline"), screen)
        XCTAssertTrue(screen.contains("⇄ TCK-1042  Dana Whitfield — from Maria S., waiting 2 m: Card form rejects"), screen)
        XCTAssertTrue(screen.contains("H take") || screen.contains("H hand-offs (1)"), "the hints offer it: \(screen)")
        try assertGolden(view.frame(m, size: GridSize(columns: 80, rows: 24), now: Fixtures.now), "hand-off-lobby-80x24")

        _ = m.handle(key: .character("H"))
        XCTAssertEqual(m.dialog, .handOffOffer(offer))
        let dialog = text(m)
        XCTAssertTrue(dialog.contains("Maria S. hands you TCK-1042 (waiting 2 m)"), dialog)
        XCTAssertTrue(dialog.contains("y / Enter  take it over"), dialog)
        XCTAssertEqual(m.handle(key: .character("y")),
                       [.send(.handOffAnswer(HandOffAnswer(sessionId: "S-7f3a9c", accept: true))), .send(.attach(Attach(sessionId: "S-7f3a9c", watch: false)))])
        XCTAssertTrue(m.handOffs.isEmpty)
    }

    func testAnOfferPushedWhileIdleOpensAndADeclineSaysSo() {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.agent = sofia
        m.handle(.lobby(lobby))
        m.handle(.handOffOffer(offer))
        XCTAssertEqual(m.dialog, .handOffOffer(offer), "pushed at once")
        XCTAssertEqual(m.handle(key: .character("n")), [.send(.handOffAnswer(HandOffAnswer(sessionId: "S-7f3a9c", accept: false)))])
        XCTAssertTrue(m.message?.text.contains("Declined TCK-1042") ?? false)
        // Settled elsewhere (it lapsed): it leaves the list and an open dialog.
        m.handle(.handOffOffer(offer))
        var settled = Fixtures.summary()
        settled.handOff = nil
        m.handle(.summary(settled))
        XCTAssertTrue(m.handOffs.isEmpty)
        XCTAssertNil(m.dialog)
    }

    func testTheSpecialistIsToldControlWaitsForTheCustomer() {
        var m = ConsoleModel()
        var lobby = Fixtures.lobby()
        lobby.agent = sofia
        m.handle(.lobby(lobby))
        var s = Fixtures.summary()
        s.agentName = "Sofia Q."
        s.handOff = HandOffStatus(from: "Maria S.", to: "Sofia Q.", reason: "payments", stay: true, accepted: true)
        m.handle(.snapshot(SessionSnapshot(summary: s, scene: Fixtures.scene(), activity: [], notes: [])))
        m.now = Fixtures.now
        XCTAssertEqual(m.keyContext, .session, "the specialist drives the session")
        XCTAssertTrue(text(m).contains(" Dana Whitfield has not acknowledged you yet: you watch; marks and control wait "), text(m))
        var away = s
        away.customerConnected = false
        m.handle(.summary(away))
        m.message = nil
        XCTAssertTrue(text(m).contains(" Dana Whitfield is away: they acknowledge you when back; you watch until then "), text(m))
        s.handOff?.acknowledged = true
        m.handle(.summary(s))
        XCTAssertEqual(m.message?.text, "The customer acknowledged you: m asks them for a control mode")
        XCTAssertFalse(text(m).contains("acknowledge you"))
    }

    func testTheFirstAgentWatchesOrLeaves() {
        var stays = attached()
        var s = Fixtures.summary()
        s.agentName = "Sofia Q."
        s.handOff = HandOffStatus(from: "Maria S.", to: "Sofia Q.", reason: "payments", stay: true, accepted: true)
        XCTAssertEqual(stays.handle(.summary(s)), [])
        XCTAssertTrue(stays.isReadOnly)
        XCTAssertEqual(stays.keyContext, .watching)
        XCTAssertEqual(stays.message?.text, "You handed TCK-1042 to Sofia Q.; you are watching it read-only")
        XCTAssertEqual(stays.handle(key: .character("H")), [], "no second hand-off from a watcher")
        XCTAssertEqual(stays.message, StatusMessage(.error, "Read-only: you are watching this session"))

        var leaves = attached()
        s.handOff?.stay = false
        XCTAssertEqual(leaves.handle(.summary(s)), [.send(.detach), .send(.lobbyRequest)])
        XCTAssertEqual(leaves.screen, .lobby)
        XCTAssertEqual(leaves.message?.text, "You handed TCK-1042 to Sofia Q.; it is theirs now")
    }

    func testADeclinedOrLapsedHandOffTellsTheFirstAgent() {
        var m = attached()
        var s = Fixtures.summary()
        s.handOff = HandOffStatus(from: "Maria S.", to: "Sofia Q.", reason: "payments", stay: true)
        m.handle(.summary(s))
        XCTAssertEqual(m.handle(key: .character("H")), [], "one hand-off at a time")
        s.handOff = nil
        m.handle(.summary(s))
        XCTAssertEqual(m.message, StatusMessage(.error, "Sofia Q. did not take the hand-off; the session is still yours"))
    }

    func testEveryHandOffScreenFitsEverySizeATinyOneToo() {
        var pick = attached(); _ = pick.handle(key: .character("H"))
        var reason = attached(); _ = reason.handle(key: .character("H")); _ = reason.handle(key: .enter)
        var stay = reason; type("x", into: &stay); _ = stay.handle(key: .enter)
        var empty = attached(); empty.handle(.lobby(Fixtures.lobby())); _ = empty.handle(key: .character("H"))
        var lobby = ConsoleModel(); var l = Fixtures.lobby(); l.handOffs = Array(repeating: offer, count: 5); lobby.handle(.lobby(l))
        var answer = lobby; _ = answer.handle(key: .character("H"))
        for (c, r) in [(8, 3), (20, 6), (40, 12), (60, 16), (80, 24), (120, 40), (200, 60)] {
            for m in [pick, reason, stay, empty, lobby, answer] {
                let grid = view.frame(m, size: GridSize(columns: c, rows: r), now: Fixtures.now)
                XCTAssertEqual(grid.rows.count, r)
                XCTAssertFalse(grid.cells.contains { $0.glyph == "\u{FFFF}" })
            }
        }
        XCTAssertTrue(text(empty).contains("Nobody can: the engine knows no other L2 agent, specialist or manager"), text(empty))
    }
}
