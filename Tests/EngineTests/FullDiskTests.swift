import Foundation
import XCTest
@testable import Engine

/// The engine on a full disk: every audited event is either written or
/// refused with an error to whoever asked; what was acknowledged is on disk.
final class FullDiskTests: HubTestCase {
    var disk: SmallDisk!

    override func setUpWithError() throws {
        let path = NSTemporaryDirectory() + "full-disk-\(UUID().uuidString.prefix(8))"
        disk = try SmallDisk(at: path, bytes: 4 << 20)
        try makeHub(in: path)
    }

    override func tearDown() {
        hub = nil
        store = nil
        disk?.unmount()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testAuditedActionsAreRefusedWhileTheDiskIsFullAndNothingAcknowledgedIsLost() throws {
        let (agent, customer, sid) = try activeSession()
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/settings", title: "Settings", nodes: [])))
        let auditBefore = try store.auditEntries(sessionId: sid).count
        try disk.fill()
        agent.clear(); customer.clear()

        // A mode change needs its audit row: refused, and the customer is never asked.
        send(agent, .requestMode(ModeRequest(mode: .guided)), id: 41)
        let refusal = try XCTUnwrap(agent.received.first { $0.re == 41 })
        guard case let .error(e) = refusal.message else { return XCTFail("expected an error, got \(refusal.message)") }
        XCTAssertEqual(e.code, .internalError)
        XCTAssertTrue(e.message.contains("audit trail"), e.message)
        XCTAssertFalse(customer.messages.contains { if case .modeRequest = $0 { true } else { false } })

        // A scene whose redaction must be audited is refused too: no console sees a page the trail does not account for.
        send(customer, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [
            .text("c", Rect(x: 0, y: 0, width: 300, height: 20), "Card 4111 1111 1111 1111", color: .black),
        ])))
        XCTAssertEqual(customer.errors.last?.code, .internalError)
        XCTAssertFalse(agent.messages.contains { if case .sceneDelta = $0 { true } else { false } })

        // A note the store cannot take is not announced as saved.
        send(agent, .addNote(AddNote(text: "Customer uses the old billing plan")), id: 42)
        XCTAssertFalse(agent.messages.contains { if case .note = $0 { true } else { false } })
        XCTAssertNotNil(agent.received.first { $0.re == 42 && { if case .error = $0.message { true } else { false } }($0) })

        // Space comes back: the same actions go through and the trail is whole.
        disk.free()
        agent.clear()
        send(agent, .requestMode(ModeRequest(mode: .guided)), id: 43)
        XCTAssertTrue(customer.messages.contains { if case .modeRequest = $0 { true } else { false } })
        send(agent, .addNote(AddNote(text: "Second try")), id: 44)
        let acknowledged = agent.messages.compactMap { if case let .note(n) = $0 { n } else { nil } }
        XCTAssertEqual(acknowledged.map(\.text), ["Second try"])
        XCTAssertEqual(try store.notes(sessionId: sid).map(\.text), ["Second try"])
        try store.verifyAuditChain()
        let rows = try store.auditEntries(sessionId: sid).dropFirst(auditBefore).map(\.action)
        XCTAssertTrue(rows.contains("mode.requested") || rows.contains { $0.hasPrefix("mode") }, "\(rows)")
    }

    func testLinksAreNotSpentWhenTheirAuditRowCannotBeWritten() throws {
        let agent = console()
        let started = try startSession(agent)
        try disk.fill()
        let customer = connect(.customer(remote: "127.0.0.1:9"))
        send(customer, .hello(Hello(client: "sdk", token: token(started.link))))
        XCTAssertEqual(customer.errors.last?.code, .internalError)
        XCTAssertTrue(customer.closed)
        disk.free()
        let again = connect(.customer(remote: "127.0.0.1:10"))
        send(again, .hello(Hello(client: "sdk", token: token(started.link))))
        guard case .welcome = again.messages.first else { return XCTFail("the link should still work: \(again.messages)") }
        XCTAssertTrue(try store.auditEntries(sessionId: started.session.id).contains { $0.action == "link.used" })
    }

    func testFeedRowsThatCouldNotBeStoredAreRetriedNotLost() throws {
        let (agent, customer, sid) = try activeSession()
        let stored = try store.activity(sessionId: sid).count
        try disk.fill()
        // A disconnect is a fact, not a request: it happens, and its feed row waits for the store.
        hub.connectionClosed(customer)
        clock.advance(11)
        hub.tick()
        XCTAssertGreaterThan(hub.rowsWaitingForTheStore, 0)
        XCTAssertTrue(agent.errors.contains { $0.message.contains("could not") }, "\(agent.errors)")
        disk.free()
        hub.tick()
        XCTAssertEqual(hub.rowsWaitingForTheStore, 0)
        XCTAssertGreaterThan(try store.activity(sessionId: sid).count, stored)
    }
}
