import Foundation
import XCTest
@testable import Engine

/// Viewers of the customer's team, hand-over, screenshots and the survey-window
/// reconnect, through the hub with a real SQLite file and recorded connections.
final class HubViewerTests: HubTestCase {
    var hubTests: HubViewerTests { self }
    let page = Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://shop.example/a", title: "Shop", nodes: [
        .box("root", Rect(x: 0, y: 0, width: 800, height: 600), background: .white, z: 0),
        .text("n3t0", Rect(x: 10, y: 10, width: 200, height: 20), "Welcome back", color: .black),
    ])

    func invitedViewer(_ agent: RecordingConnection, _ name: String) throws -> String {
        send(agent, .inviteViewer(InviteViewer(name: name)), id: 9)
        guard case let .viewerInvited(v)? = agent.received.last(where: { $0.re == 9 })?.message else {
            throw HubTestError(description: "no viewer link: \(agent.messages.suffix(3))")
        }
        return hubTests.token(v.link)
    }

    func testViewersJoinSeeThePictureAndAFourthIsRefused() throws {
        let (agent, customer, sid) = try hubTests.activeSession()
        send(customer, .scene(page))
        let dana = try invitedViewer(agent, "Dana")
        let kim = try invitedViewer(agent, "Kim")
        send(agent, .inviteViewer(InviteViewer(name: "Lou")), id: 10)
        let refused = agent.errors.last
        XCTAssertEqual(refused?.code, .notAllowed)
        XCTAssertTrue(refused?.message.contains("already has 3 viewers") ?? false, refused?.message ?? "")

        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/view/\(dana)", headers: [], remote: "127.0.0.1:50000").status, 200)
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/view/nonsense", headers: [], remote: "127.0.0.1:50000").status, 404)
        let viewer = hubTests.connect(.customer(remote: "10.0.0.2"))
        send(viewer, .hello(Hello(client: "viewer", token: dana)))
        guard case let .welcome(w)? = viewer.messages.first else { return XCTFail("\(viewer.messages)") }
        XCTAssertEqual(w.role, .viewer)
        XCTAssertTrue(viewer.messages.contains(.scene(hub.machineScene(sid)!)), "a late joiner gets the picture at once")
        XCTAssertTrue(customer.messages.contains { if case let .participants(p) = $0 { return p.items.contains { $0.name == "Dana" && $0.kind == .viewer } }; return false },
                      "the customer's overlay learns who is watching")

        // A used viewer link does not open twice.
        let again = hubTests.connect(.customer(remote: "10.0.0.3"))
        send(again, .hello(Hello(client: "viewer", token: dana)))
        XCTAssertEqual(again.errors.first?.code, .linkUsed)
        XCTAssertTrue(again.closed)

        // Viewers see the picture and the marks, never the agent's feed or notes.
        viewer.clear()
        send(agent, .addNote(AddNote(text: "internal")))
        send(customer, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [.text("n4t0", Rect(x: 10, y: 40, width: 100, height: 20), "New", color: .black)], removed: [])))
        XCTAssertEqual(viewer.messages.map(\.type), ["scene-delta"])

        // Viewers may not write what only agents write.
        send(viewer, .addNote(AddNote(text: "hi")))
        XCTAssertEqual(viewer.errors.last?.code, .notAllowed)
        XCTAssertTrue(try hubTests.store.auditEntries(sessionId: sid).contains { $0.action == "write.refused" && $0.actor == "Dana" })

        // Kim connects too; closing Dana's connection tells everyone.
        let kimConn = hubTests.connect(.customer(remote: "10.0.0.4"))
        send(kimConn, .hello(Hello(client: "viewer", token: kim)))
        XCTAssertEqual(kimConn.errors, [])
        hub.connectionClosed(viewer)
        XCTAssertTrue(agent.messages.contains { if case let .activity(a) = $0 { return a.text == "Dana stopped watching" }; return false })
    }

    func testHandOverToAViewerAndBack() throws {
        let (agent, customer, _) = try hubTests.activeSession()
        send(customer, .scene(page))
        send(agent, .requestMode(ModeRequest(mode: .guided)))
        send(customer, .modeAnswer(ModeAnswer(mode: .guided, accept: true)))
        let token = try invitedViewer(agent, "Dana")
        let viewer = hubTests.connect(.customer(remote: "10.0.0.2"))
        send(viewer, .hello(Hello(client: "viewer", token: token)))
        let at = AnnotationAnchor(nodeId: "n3t0", fx: 0.5, fy: 0.5, pageX: 110, pageY: 20)

        send(viewer, .agentPointer(AgentPointer(at: at)))
        XCTAssertEqual(viewer.errors.last?.code, .notAllowed, "the agent holds control")
        send(agent, .handOver(HandOver(to: "Dana")))
        XCTAssertEqual(agent.errors, [])
        customer.clear()
        send(viewer, .agentPointer(AgentPointer(at: at)))
        XCTAssertEqual(customer.messages, [.agentPointer(AgentPointer(at: at, author: "Dana"))])
        send(agent, .agentPointer(AgentPointer(at: at)))
        XCTAssertEqual(agent.errors.last?.code, .notAllowed, "one controller at a time")
        send(viewer, .handOver(HandOver(to: "Maria S.")))
        send(agent, .agentPointer(AgentPointer(at: at)))
        XCTAssertEqual(agent.errors.count, 1, "control is back with the agent")
    }

    func testAllowedScreenshotIsSealedWithTheSessionAndOpensAgain() throws {
        let vaultDir = hubTests.dir + "/data"
        try FileManager.default.createDirectory(atPath: vaultDir, withIntermediateDirectories: true)
        let vault = ScreenshotVault(dataDirectory: vaultDir, keySource: FileKeySource(dataDirectory: vaultDir), store: hubTests.store)
        hub.screenshotVault = vault
        let (agent, customer, sid) = try hubTests.activeSession()
        var secret = page
        secret.nodes.append(.text("n5t0", Rect(x: 10, y: 80, width: 300, height: 20), "SSN 123-45-6789", color: .black))
        send(customer, .scene(secret))
        send(agent, .requestScreenshot)
        XCTAssertTrue(customer.messages.contains(.screenshotRequest))
        send(customer, .screenshotAnswer(ScreenshotAnswer(allow: true)))
        let shots = try hubTests.store.screenshots(sessionId: sid)
        XCTAssertEqual(shots.count, 1)
        let raw = try Data(contentsOf: URL(fileURLWithPath: vaultDir + "/" + shots[0].path))
        XCTAssertNil(raw.range(of: Data("Welcome back".utf8)), "sealed, not plain")
        let opened = try vault.open(shots[0])
        XCTAssertTrue(opened.scene.nodes.contains { $0.text == "Welcome back" })
        XCTAssertFalse(opened.scene.nodes.contains { $0.text?.contains("123-45-6789") ?? false }, "the stored picture is the redacted one")
        // One flipped byte and it does not open.
        var bytes = [UInt8](raw)
        bytes[bytes.count - 5] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: vaultDir + "/" + shots[0].path))
        XCTAssertThrowsError(try vault.open(shots[0]))
    }

    func testACustomerWhoDroppedInTheSurveyWindowReconnectsAndRates() throws {
        let (agent, customer, sid) = try hubTests.activeSession()
        guard case let .welcome(w)? = customer.messages.first(where: { if case .welcome = $0 { return true }; return false }) else { return XCTFail() }
        send(agent, .endSession(EndSession()))
        hub.connectionClosed(customer)
        hubTests.clock.advance(30)
        hub.tick()
        let back = hubTests.connect(.customer(remote: "127.0.0.1"))
        send(back, .hello(Hello(client: "sdk", resumeKey: w.resumeKey)))
        XCTAssertEqual(back.errors, [], "\(back.messages)")
        XCTAssertTrue(back.messages.contains { if case let .sessionEnded(e) = $0 { return e.surveySeconds == 90 }; return false }, "\(back.messages)")
        send(back, .survey(Survey(stars: 4)))
        XCTAssertEqual(try hubTests.store.survey(sessionId: sid)?.stars, 4)
        XCTAssertTrue(back.closed)
    }
}
