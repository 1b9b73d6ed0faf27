import Foundation
import XCTest
@testable import Engine

/// Drops recover on their own: a customer gone 30 s gets a fresh link for the
/// same session; drops are counted before and after consent; after the second
/// both sides are offered other ways, and the agent may end it as customer lost.
extension SessionMachineTests {
    /// Gone at `t`, announced at t+10, a new link at t+30.
    private func drop(_ m: inout SessionMachine, at t: TimeInterval) -> [SessionEffect] {
        var fx = m.handle(.customerDisconnected, now: at(t))
        fx += m.handle(.tick, now: at(t + 10))
        fx += m.handle(.tick, now: at(t + 30))
        return fx
    }

    func testASecondDropOffersBothSidesOtherWaysAndTheAgentMayEndItAsCustomerLost() {
        var m = active()
        XCTAssertEqual(rejects(m.handle(.agentGaveUp(by: "maria"), now: at(20))).first?.0, .badState, "nobody dropped yet")

        let first = drop(&m, at: 100)
        XCTAssertEqual(m.drops, 1)
        XCTAssertTrue(first.contains(.renewCustomerLink(afterSeconds: 30)))
        XCTAssertEqual(audits(first).first { $0.action == "customer.disconnected" }?.detail, "connection closed drop=1 consent=given")
        XCTAssertFalse(activities(first).contains { $0.text.hasPrefix("Second drop") })
        let back = m.handle(.customerConnected(resumed: true), now: at(140))
        XCTAssertFalse(back.contains { if case .toCustomer(.notice) = $0 { true } else { false } }, "one drop is no reason to change course")

        let second = drop(&m, at: 200)
        XCTAssertEqual(m.drops, 2)
        XCTAssertTrue(second.contains(.renewCustomerLink(afterSeconds: 30)), "every absence gets its link")
        let warning = activities(second).first { $0.text.hasPrefix("Second drop") }
        XCTAssertEqual(warning?.kind, .warning)
        XCTAssertTrue(warning?.text.contains("phone call, an annotated guide or follow-up by e-mail") ?? false)
        // The customer hears it when they are back, once.
        let again = m.handle(.customerConnected(resumed: true), now: at(240))
        let notices = again.compactMap { if case let .toCustomer(.notice(n)) = $0 { n.text } else { nil } }
        XCTAssertEqual(notices.count, 1)
        XCTAssertTrue(notices.first?.contains("call you, send you an annotated guide, or follow up by e-mail") ?? false)
        _ = m.handle(.customerDisconnected, now: at(300))
        XCTAssertTrue(m.handle(.customerConnected(resumed: true), now: at(301)).allSatisfy { if case .toCustomer(.notice) = $0 { false } else { true } })

        _ = m.handle(.customerDisconnected, now: at(400))
        _ = m.handle(.tick, now: at(410))
        let lost = m.handle(.agentGaveUp(by: "maria"), now: at(450))
        XCTAssertEqual(m.summary.status, .ended)
        XCTAssertEqual(m.summary.endReason, .customerLost)
        XCTAssertTrue(activities(lost).contains { $0.text == "Session ended: customer did not come back" })
    }

    func testADropBeforeConsentIsCountedAsSuchAndGetsANewLinkToo() {
        var m = minted()
        _ = m.handle(.linkOpened, now: at(1))
        _ = m.handle(.customerConnected(resumed: false), now: at(2))
        let fx = drop(&m, at: 5)
        XCTAssertEqual(audits(fx).first { $0.action == "customer.disconnected" }?.detail, "connection closed drop=1 consent=not yet")
        XCTAssertTrue(fx.contains(.renewCustomerLink(afterSeconds: 30)))
    }
}

/// The renewed link end to end in the hub: it reaches the session's consoles
/// only, never the feed, the audit trail or a recording, and it brings the
/// customer back into the session they already allowed, without asking again.
final class RenewedLinkTests: XCTestCase {
    func testTheRenewedLinkGoesToTheConsolesAloneAndRejoinsWithoutAskingConsentAgain() throws {
        let dir = NSTemporaryDirectory() + "renew-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/db.sqlite")
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        try store.addTicket(Ticket(id: "T-1", subject: "Export", customer: "Dana Lee"))
        let clock = FakeClock()
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, clock: { clock.now })
        var next = 1
        func connect(_ peer: PeerIdentity) -> WaitingConnection { defer { next += 1 }; let c = WaitingConnection(next, peer); hub.connectionOpened(c); return c }
        func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }

        let live = try LiveSession.open(on: hub, ticket: "T-1", connect: connect)
        let (agent, customer) = (live.agent, live.customer)

        hub.connectionClosed(customer)
        clock.advance(11); hub.tick()
        try agent.wait("the drop") { if case let .activity(a) = $0, a.text == "Customer disconnected" { true } else { nil } }
        clock.advance(20); hub.tick()
        let renewed = try agent.wait("the new link") { if case let .linkRenewed(r) = $0 { r } else { nil } }
        XCTAssertEqual(renewed.sessionId, live.id)
        XCTAssertNotEqual(renewed.link, live.link)
        try agent.wait("the feed says so") { if case let .activity(a) = $0, a.text.contains("a new one-time link for this session") { true } else { nil } }
        let token = String(renewed.link.split(separator: "/").last!)
        let trail = try store.auditEntries(sessionId: live.id).map { "\($0.action) \($0.detail)" }.joined(separator: "\n")
        let feed = try store.activity(sessionId: live.id).map(\.text).joined(separator: "\n")
        XCTAssertTrue(trail.contains("link.renewed"), trail)
        XCTAssertFalse(trail.contains(token) || feed.contains(token), "the link is in neither the audit trail nor the feed")

        // The customer opens it: back in the session they allowed, no second consent.
        let back = connect(.customer(remote: "127.0.0.1"))
        send(back, .hello(Hello(client: "consent-page", token: token)))
        let welcome = try back.wait("welcome") { if case let .welcome(w) = $0 { w } else { nil } }
        XCTAssertEqual(welcome.consentGiven, true)
        XCTAssertEqual(welcome.sessionId, live.id)
        try agent.wait("back") { if case let .activity(a) = $0, a.text == "Customer reconnected" { true } else { nil } }
    }
}
