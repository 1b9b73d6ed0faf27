import Foundation
import XCTest
@testable import Engine

/// Mirror mode and split view through the hub: the agent's presenter tab shows
/// a page, the consoles get it beside the customer's, the customer watches it
/// in their mirror viewer page; all of it redacted, links once only.
final class HubPresentingTests: HubTestCase {
    let agentsPage = Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://kb.example/reset", title: "How to reset", nodes: [
        .box("root", Rect(x: 0, y: 0, width: 800, height: 600), background: .white, z: 0),
        .text("n2t0", Rect(x: 10, y: 10, width: 300, height: 20), "Step 1: open Settings", color: .black),
        .text("n3t0", Rect(x: 10, y: 40, width: 300, height: 20), "Example SSN 123-45-6789", color: .black),
    ])

    func testTheAgentShowsAPageToTheCustomerAndTheConsoles() throws {
        let (agent, customer, sid) = try activeSession()
        send(agent, .startPresenting, id: 5)
        guard case let .presenterLink(p)? = agent.received.last(where: { $0.re == 5 })?.message else { return XCTFail("\(agent.messages.suffix(2))") }
        XCTAssertTrue(p.link.contains("/present/"))
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/present/\(token(p.link))", headers: [], remote: "127.0.0.1:50000").status, 200)
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/present/nonsense", headers: [], remote: "127.0.0.1:50000").status, 404)

        // The presenter page trades the link for a key; the shown page's SDK reconnects with it.
        let page = connect(.customer(remote: "agent-browser"))
        send(page, .hello(Hello(client: "presenter-page", token: token(p.link))))
        guard case let .welcome(w)? = page.messages.first, let key = w.resumeKey else { return XCTFail("\(page.messages)") }
        XCTAssertEqual(w.role, .presenter)
        hub.connectionClosed(page)
        let sdk = connect(.customer(remote: "agent-browser"))
        send(sdk, .hello(Hello(client: "cobrowse.js", resumeKey: key)))
        XCTAssertTrue(sdk.messages.contains(.requestScene))
        guard let offer = customer.messages.compactMap({ if case let .presenting(s) = $0 { return s }; return nil }).first,
              let mirrorLink = offer.mirrorLink else { return XCTFail("the customer was not offered the mirror page: \(customer.messages.map(\.type))") }
        XCTAssertTrue(offer.active)
        XCTAssertEqual(customer.messages.filter { if case .presenting = $0 { return true }; return false }.count, 1, "announced once, not per navigation")

        agent.clear()
        send(sdk, .scene(agentsPage))
        guard case let .presentedScene(shown)? = agent.messages.last else { return XCTFail("\(agent.messages.map(\.type))") }
        XCTAssertTrue(shown.nodes.contains { $0.text == "Step 1: open Settings" })
        XCTAssertFalse(shown.nodes.contains { $0.text?.contains("123-45-6789") ?? false }, "the agent's page is redacted too")
        XCTAssertFalse(customer.messages.contains { if case .presentedScene = $0 { return true }; return false },
                       "the customer's own page connection gets no pictures")

        // The customer's mirror viewer page: the agent's page as its scene, once only.
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/view/\(token(mirrorLink))", headers: [], remote: "127.0.0.1:50000").status, 200)
        let mirror = connect(.customer(remote: "customer-browser"))
        send(mirror, .hello(Hello(client: "viewer", token: token(mirrorLink))))
        XCTAssertTrue(mirror.messages.contains(.scene(shown)), "\(mirror.messages.map(\.type))")
        send(sdk, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [.text("n4t0", Rect(x: 10, y: 70, width: 200, height: 20), "Step 2", color: .black)], removed: [])))
        XCTAssertEqual(mirror.messages.last?.type, "scene-delta")
        send(customer, .scene(Scene(version: 9, viewport: Size(width: 800, height: 600), url: "https://shop.example/", title: "Shop", nodes: [])))
        XCTAssertNotEqual(mirror.messages.last, .scene(hub.machineScene(sid)!), "the mirror never shows the customer's own page")
        let again = connect(.customer(remote: "x"))
        send(again, .hello(Hello(client: "viewer", token: token(mirrorLink))))
        XCTAssertEqual(again.errors.first?.code, .linkUsed)

        // Stop: everyone is told, the presenter tab is closed, its key no longer works.
        send(agent, .stopPresenting)
        XCTAssertTrue(sdk.closed)
        XCTAssertTrue(customer.messages.contains(.presenting(PresentingState(active: false, by: "Maria S."))))
        XCTAssertTrue(agent.messages.contains(.presenting(PresentingState(active: false, by: "Maria S."))))
        let late = connect(.customer(remote: "agent-browser"))
        send(late, .hello(Hello(client: "cobrowse.js", resumeKey: key)))
        XCTAssertFalse(late.messages.contains { if case let .welcome(w) = $0 { return w.role == .presenter }; return false })
        let audit = try store.auditEntries(sessionId: sid).map(\.action)
        XCTAssertTrue(audit.contains("presenting.started") && audit.contains("presenting.stopped"), "\(audit)")
    }

    func testOnlyTheSessionsAgentShowsPages() throws {
        let (_, _, sid) = try activeSession()
        let sup = console(uid: 1002)
        send(sup, .attach(Attach(sessionId: sid, watch: true)))
        send(sup, .startPresenting)
        XCTAssertEqual(sup.errors.last?.code, .notAllowed)
    }

    /// The presenter tab hears the stop before the engine closes it (so it does not reconnect),
    /// and a mirror link opened after the stop is told at once instead of waiting for a page.
    func testThePresenterTabHearsTheStopAndALateMirrorToo() throws {
        let (agent, customer, _) = try activeSession()
        send(agent, .startPresenting, id: 5)
        guard case let .presenterLink(p)? = agent.received.last(where: { $0.re == 5 })?.message else { return XCTFail("\(agent.messages.suffix(2))") }
        let page = connect(.customer(remote: "agent-browser"))
        send(page, .hello(Hello(client: "presenter-page", token: token(p.link))))
        guard case let .welcome(w)? = page.messages.first, let key = w.resumeKey else { return XCTFail("\(page.messages)") }
        hub.connectionClosed(page)
        let sdk = connect(.customer(remote: "agent-browser"))
        send(sdk, .hello(Hello(client: "cobrowse.js", resumeKey: key)))
        guard let mirrorLink = customer.messages.compactMap({ if case let .presenting(s) = $0 { return s.mirrorLink }; return nil }).first else {
            return XCTFail("no mirror link: \(customer.messages.map(\.type))")
        }
        send(agent, .stopPresenting)
        XCTAssertEqual(sdk.messages.last, .presenting(PresentingState(active: false, by: "Maria S.")))
        XCTAssertTrue(sdk.closed)
        let mirror = connect(.customer(remote: "customer-browser"))
        send(mirror, .hello(Hello(client: "viewer", token: token(mirrorLink))))
        XCTAssertTrue(mirror.messages.contains(.presenting(PresentingState(active: false, by: "Maria S."))), "\(mirror.messages.map(\.type))")
        XCTAssertFalse(mirror.messages.contains { if case .scene = $0 { return true }; return false })
    }

    func testALateConsoleGetsTheShownPageAndASecondStartOrACancelIsAnswered() throws {
        let (agent, _, sid) = try activeSession()
        send(agent, .startPresenting, id: 5)
        guard case let .presenterLink(p)? = agent.received.last(where: { $0.re == 5 })?.message else { return XCTFail() }
        // Cancelled before the tab ever joined: the consoles hear it.
        send(agent, .stopPresenting)
        XCTAssertTrue(agent.messages.contains(.presenting(PresentingState(active: false, by: "Maria S."))))
        send(agent, .startPresenting, id: 6)
        guard case let .presenterLink(p2)? = agent.received.last(where: { $0.re == 6 })?.message else { return XCTFail() }
        XCTAssertNotEqual(p.link, p2.link)
        let tab = connect(.customer(remote: "agent-browser"))
        send(tab, .hello(Hello(client: "presenter-page", token: token(p2.link))))
        send(tab, .scene(agentsPage))
        send(agent, .startPresenting, id: 7)
        XCTAssertEqual(agent.received.last(where: { $0.re == 7 })?.message.type, "error", "already showing: refused, no second link")

        // A console attaching now sees the shown page at once.
        let again = console()
        send(again, .attach(Attach(sessionId: sid)))
        let types = again.messages.map(\.type)
        XCTAssertEqual(Array(types.prefix(4)), ["welcome", "snapshot", "presenting", "presented-scene"], "\(types)")
    }
}
