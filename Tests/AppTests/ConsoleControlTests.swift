import Foundation
import XCTest

/// Issue 4 end to end: `cobrowse serve`, the scripted customer over the real
/// TLS WebSocket, the agent's console and a supervisor's `--watch` console in
/// tmux. Marks are drawn only from what the engine relays back, so seeing
/// them on screen proves the round trip.
final class ConsoleControlTests: XCTestCase {
    var fixture: EngineFixture!

    override func setUpWithError() throws {
        fixture = try EngineFixture()
        try fixture.startEngine()
    }

    override func tearDown() {
        fixture?.shutdown()
    }

    func testGuidedMarksComeBackFromTheEngineAndAWatcherIsRefused() throws {
        let (session, link) = try fixture.invite()
        let agent = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 160, height: 45)
        try fixture.spawnCustomer(link, extra: ["--once"])
        try fixture.waitForScreen(agent, timeout: 40, "the billing page") { $0.contains("Card on file") }

        // View Only: annotating is refused by the console itself, with the way out.
        fixture.sendKeys(agent, "a")
        try fixture.waitForScreen(agent, "the Guided hint") { $0.contains("Annotating needs Guided or above — m asks the customer") }

        // Guided (the scripted customer accepts), then a label and a rectangle.
        fixture.sendKeys(agent, "m")
        fixture.sendKeys(agent, "2")
        try fixture.waitForScreen(agent, "Guided mode") { $0.contains(" Guided │") }
        fixture.sendKeys(agent, "a")
        try fixture.waitForScreen(agent, "annotate mode") { $0.contains("✎") && $0.contains("Esc leave") }
        fixture.sendKeys(agent, "t")
        fixture.sendKeys(agent, "Enter")
        try fixture.waitForScreen(agent, "the label prompt") { $0.contains("Label text (the customer sees it)") }
        fixture.sendKeys(agent, "Look here")
        fixture.sendKeys(agent, "Enter")
        let labelled = try fixture.waitForScreen(agent, "the label relayed by the engine") { screen in
            screen.contains(" Look here ") && !screen.contains("Label text (the customer sees it)")
        }
        XCTAssertFalse(containsCardNumber(labelled))

        fixture.sendKeys(agent, "r")
        for _ in 0..<2 { fixture.sendKeys(agent, "Down") }
        fixture.sendKeys(agent, "Enter")
        for _ in 0..<8 { fixture.sendKeys(agent, "Right") }
        for _ in 0..<3 { fixture.sendKeys(agent, "Down") }
        fixture.sendKeys(agent, "Enter")
        let boxed = try fixture.waitForScreen(agent, "the rectangle relayed by the engine") { $0.contains("┏") && $0.contains("┛") }
        XCTAssertTrue(boxed.contains("People ("), "participants panel:\n\(boxed)")
        XCTAssertTrue(boxed.contains("has control"), "who holds control:\n\(boxed)")
        XCTAssertTrue(boxed.contains("Web │"), "the source is labelled:\n\(boxed)")

        // Undo takes the rectangle back (the engine's set shrinks, the screen follows).
        fixture.sendKeys(agent, "u")
        try fixture.waitForScreen(agent, "the rectangle undone") { !$0.contains("┏") && $0.contains(" Look here ") }
        fixture.sendKeys(agent, "Escape")

        // Controlled: PgDn scrolls the page, allowed by the customer, performed by the SDK.
        fixture.sendKeys(agent, "m")
        fixture.sendKeys(agent, "3")
        try fixture.waitForScreen(agent, "Controlled mode") { $0.contains(" Controlled │") }
        fixture.sendKeys(agent, "NPage")
        try fixture.waitForScreen(agent, "the scroll performed") { $0.contains("Done: scroll the page") }

        // A supervisor watching sees the marks and the people, but the engine refuses their marks.
        let watcher = try fixture.startConsole(["console", "--socket", fixture.socket, "--watch", session], width: 160, height: 45)
        let watching = try fixture.waitForScreen(watcher, "the watcher's view with the label") { $0.contains(" Look here ") && $0.contains("WATCHING") }
        for write in ["a annotate", "Enter click", "v invite", "e end"] {
            XCTAssertFalse(watching.contains(write), "a watcher is not offered \(write):\n\(watching)")
        }
        fixture.sendKeys(watcher, "a")
        fixture.sendKeys(watcher, "c")
        fixture.sendKeys(watcher, "Enter")
        try fixture.waitForScreen(watcher, "the engine's refusal") { $0.contains("not-allowed:") && $0.contains("watching read-only and cannot annotate") }
    }
}
