import Engine
@testable import TerminalUI
import XCTest

/// `i` types into the field under the cursor, also when the cursor sits on the
/// field's drawn label or value; the protected-field rule is the engine's own.
final class FieldUnderCursorTests: XCTestCase {
    func model(_ nodes: [SceneNode]) -> ConsoleModel {
        var m = ConsoleModel(options: ConsoleOptions(sessionID: "S-7f3a9c"))
        var summary = Fixtures.summary()
        summary.controlMode = .controlled
        let scene = Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://app.example.test/sso", title: "SSO",
                          nodes: [.box("page", Rect(x: 0, y: 0, width: 800, height: 600), background: .white, z: 0)] + nodes)
        m.handle(.snapshot(SessionSnapshot(summary: summary, scene: scene, activity: [], notes: [])))
        m.agentCursor = Point(x: 120, y: 110)
        return m
    }

    func testTheCursorOnAFieldsDrawnValueTypesIntoTheField() {
        var m = model([.field("n7", Rect(x: 100, y: 100, width: 300, height: 30), label: "Entity ID", value: ""),
                       .text("n7t0", Rect(x: 104, y: 104, width: 200, height: 20), "https://idp.example", color: .black, z: 3)])
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertEqual(m.dialog, .prompt(.type(target: "n7", field: "Entity ID"), draft: ""))
    }

    func testAPlainTextRunIsNotAField() {
        var m = model([.text("n9t0", Rect(x: 100, y: 100, width: 300, height: 30), "Connect your identity provider", color: .black)])
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.message?.text.contains("is not a form field") ?? false, "\(String(describing: m.message))")
    }

    func testAPaymentFieldIsProtectedForTheConsoleAndTheEngineAlike() {
        let payment = SceneNode.field("n3", Rect(x: 100, y: 100, width: 300, height: 30), label: "Payment reference", value: "")
        XCTAssertTrue(ProtectedElements.isProtected(payment))
        var m = model([payment])
        XCTAssertEqual(m.handle(key: .character("i")), [])
        XCTAssertNil(m.dialog)
        XCTAssertTrue(m.message?.text.contains("protected field") ?? false)
        XCTAssertEqual(ProtectedElements.elementId(of: "n12t0.1"), "n12")
        XCTAssertNil(ProtectedElements.elementId(of: "n12"))
    }
}
