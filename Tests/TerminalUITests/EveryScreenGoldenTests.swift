import Engine
@testable import TerminalUI
import XCTest

/// Every fixed screen and dialog of the console at the three sizes an agent
/// works at, as text: what a person reads is what is reviewed.
final class EveryScreenGoldenTests: XCTestCase {
    static let sizes = [GridSize(columns: 80, rows: 24), GridSize(columns: 120, rows: 40), GridSize(columns: 200, rows: 60)]

    func lobby() -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions())
        m.handle(.lobby(Fixtures.lobby()))
        m.now = Fixtures.now
        return m
    }

    func attached(_ mode: ControlMode = .guided) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        var summary = Fixtures.summary()
        summary.controlMode = mode
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: Fixtures.scene(), activity: Fixtures.activity(), notes: Fixtures.notes())))
        m.now = Fixtures.now
        return m
    }

    func after(_ base: ConsoleModel, _ keys: [ConsoleKey]) -> ConsoleModel {
        var m = base
        for k in keys { _ = m.handle(key: k) }
        return m
    }

    func screens() -> [(String, ConsoleModel)] {
        [
            ("lobby", lobby()),
            ("lobby-help", after(lobby(), [.character("?")])),
            ("lobby-filter", after(lobby(), [.character("/"), .character("s"), .character("s"), .character("o")])),
            ("lobby-palette", after(lobby(), [.character(":"), .character("r")])),
            ("session", attached()),
            ("session-help", after(attached(), [.character("?")])),
            ("session-mode-menu", after(attached(), [.character("m")])),
            ("session-confirm-end", after(attached(), [.character("e")])),
            ("session-messages", after(attached(), [.character("x"), .character("M")])),
            ("session-annotate", after(attached(), [.character("a"), .character("r"), .enter, .right, .right, .down])),
            ("session-follow-up-owner", after(attached(), [.character("e"), .character("f")] + "Call back Friday".map { .character($0) } + [.enter])),
            ("ended-say-outcome", after(ended(), [.character("o")])),
            ("ended-wrap-up", wrappedUp()),
        ]
    }

    func ended() -> ConsoleModel {
        var m = attached()
        m.handle(.sessionEnded(SessionEnded(sessionId: Fixtures.summary().id, reason: .customerEnded)))
        return m
    }

    /// The engine's answer to an outcome: what went back to the ticket.
    func wrappedUp() -> ConsoleModel {
        var m = ended()
        var summary = Fixtures.summary()
        summary.status = .ended
        summary.endedAt = Fixtures.now
        let sources = WrapUp.Sources(summary: summary, audits: [], notes: Fixtures.notes(), participants: [(summary.agentName, .agent)],
                                     survey: nil, outcome: RecordedOutcome(outcome: .followUp(plan: "Call back Friday", owner: summary.agentName, due: "2026-12-08"),
                                                                           by: summary.agentName, at: Fixtures.now), recordingId: nil)
        m.handle(.wrapUp(WrapUp(sources, redactor: Redactor(), now: Fixtures.now)))
        return m
    }

    func testEveryScreenAtEverySize() throws {
        for (name, m) in screens() {
            for size in Self.sizes {
                let grid = ConsoleView(theme: .dark).frame(m, size: size, now: Fixtures.now)
                XCTAssertEqual(grid.rows.count, size.rows)
                XCTAssertNil(grid.text.range(of: #"\d{4}[ -]?\d{4}[ -]?\d{4}"#, options: .regularExpression), "\(name) \(size)")
                try assertGolden(grid, "screen-\(name)-\(size.columns)x\(size.rows)")
            }
        }
    }
}
