import Engine
import Foundation
import XCTest

/// Issue 4 end to end: the agent (this test, over the engine's Unix socket like
/// a console) draws, points and acts; a real customer in headless Chromium
/// (Tests/Browser/control.py) sees the marks on the right elements, allows or
/// denies each action, and a viewer of the customer's team watches through
/// the viewer page. Needs Debian's chromium, chromium-driver and python3-selenium.
final class BrowserControlTests: BrowserTestCase {
    static var script: String { browserScript("control") }

    /// Runs `body`; a failure carries what the browser script printed so far.
    func withOutput<T>(of b: BrowserProcess, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw FixtureError("\(error)\n--- the browser script so far:\n\(b.output)") }
    }

    func browser(_ args: [String]) throws -> BrowserProcess {
        try startBrowser(Self.script, args)
    }

    /// The agent's console, attached to the session; the customer consented with
    /// "Let the agent ask for control" and has sent the demo's account page.
    func agentWithCustomer(_ mode: String, _ args: (String) -> [String]) throws -> (AgentLink, BrowserProcess, String) {
        let (session, link) = try fixture.invite()
        let agent = try AgentLink(socket: fixture.socket, session: session)
        let customer = try browser(args(link))
        try agent.waitForScene("the customer's account page") { $0.field("Company name") != nil && $0.element(withText: "Save settings") != nil }
        agent.send(.requestMode(ModeRequest(mode: ControlMode(rawValue: mode)!)))
        try agent.wait("the customer's \(mode)") { if case let .summary(s) = $0 { return s.controlMode.rawValue == mode }; return false }
        return (agent, customer, session)
    }

    func testMarksAndThePointerStayOnTheirElementsThroughScrollAndResizeThenAScreenshotAndViewOnly() throws {
        let (agent, customer, _) = try agentWithCustomer("guided") { ["marks", $0] }
        let scene = try XCTUnwrap(agent.scene)
        let company = try XCTUnwrap(scene.field("Company name"))
        let save = try XCTUnwrap(scene.element(withText: "Save settings"))
        func on(_ n: SceneNode, _ fx: Double, _ fy: Double) -> AnnotationAnchor {
            AnnotationAnchor(nodeId: n.id, fx: fx, fy: fy, pageX: n.rect.x + fx * n.rect.width + scene.scroll.x, pageY: n.rect.y + fy * n.rect.height + scene.scroll.y)
        }
        agent.send(.annotate(AnnotationCommand(op: .add, annotation: Annotation(id: "a1", tool: .circle, at: on(company, 0.2, 0.2), to: on(company, 0.8, 0.8)))))
        agent.send(.annotate(AnnotationCommand(op: .add, annotation: Annotation(id: "a2", tool: .label, at: on(company, 0, 0), text: "Type the company here"))))
        agent.send(.agentPointer(AgentPointer(at: on(save, 0.5, 0.5))))
        let marks = try agent.wait("both marks") { if case let .annotations(set) = $0 { return set.items.count == 2 }; return false }
        if case let .annotations(set) = marks {
            XCTAssertEqual(set.items.map(\.author), ["Maria S.", "Maria S."], "the engine names the author")
        }

        // A screenshot, with the customer's consent, sealed with the session.
        _ = try customer.waitForLine(timeout: 60, "CHECK resized")
        agent.send(.requestScreenshot)
        try withOutput(of: customer) {
            try agent.wait("the stored screenshot") { if case let .activity(a) = $0 { return a.text.contains("stored encrypted with the session") }; return false }
        }
        // The customer's "View only": the mode drops and the marks are cleared everywhere.
        try withOutput(of: customer) {
            try agent.wait("View only from the customer") { if case let .summary(s) = $0 { return s.controlMode == .viewOnly }; return false }
            try agent.wait("the marks cleared") { if case let .annotations(set) = $0 { return set.items.isEmpty }; return false }
        }

        let out = try customer.waitForExit(timeout: 90)
        XCTAssertEqual(customer.status, 0, out)
        XCTAssertTrue(out.contains("ASKED Agent Maria S. asks to save a screenshot of this page with the session (hidden fields stay hidden). Allow?"), out)
        XCTAssertTrue(out.contains("STEP stepped down, marks gone"), out)
        for phase in ["top", "scrolled", "resized"] {
            XCTAssertTrue(out.contains("CHECK \(phase) a1 at") && out.contains("on #company"), "the circle sits on the company field (\(phase)):\n\(out)")
        }
        XCTAssertTrue(out.contains("pointer at") && out.contains("on button:Save settings"), out)
        XCTAssertTrue(out.contains("LABEL Type the company here"), out)
        XCTAssertTrue(out.contains("PARTICIPANTS Watching: Maria S. (agent, in control)"), out)
        XCTAssertTrue(out.contains("STEP done"), out)
    }

    func testControlledActionsWaitForTheCustomersAllow() throws {
        let (agent, customer, session) = try agentWithCustomer("controlled") { ["actions", $0, "allow", "deny", "ignore", "allow", "allow", "mask-allow", "visit:/demo/billing"] }
        let scene = try XCTUnwrap(agent.scene)
        // Looked up again before each action: ids are stable, but an element out of view leaves the scene.
        func save() throws -> SceneNode { try XCTUnwrap(agent.scene?.element(withText: "Save settings"), "Save settings in view") }
        let company = try XCTUnwrap(scene.field("Company name"))
        let password = try XCTUnwrap(scene.nodes.first { $0.kind == .mask && $0.label == "password" }, "the password field is a mask node")

        // Allow: the page's own click handler runs, and the console hears it was done.
        var update = try agent.act(ControlAction(id: "c1", kind: .click, target: try save().id), until: [.performed, .failed])
        XCTAssertEqual(update.state, .performed, update.text)
        _ = try customer.waitForLine(timeout: 30, "STEP answered 1 allow")
        try agent.waitForScene("the saved message through the engine") { $0.nodes.contains { $0.text?.contains("Settings saved (1)") == true } }

        // Deny: nothing happens on the page.
        update = try agent.act(ControlAction(id: "c2", kind: .click, target: try save().id), until: [.denied])
        XCTAssertEqual(update.text, "Customer denied: click *Save settings*")

        // No answer: the prompt lapses, the engine calls it expired.
        let started = Date()
        update = try agent.act(ControlAction(id: "c3", kind: .click, target: try save().id), until: [.expired], timeout: 40)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 14, "15 s to answer")

        // Typing into a normal field: the native setter and an input event the page hears.
        update = try agent.act(ControlAction(id: "t1", kind: .type, target: company.id, text: "Contoso Ltd"), until: [.performed, .failed])
        XCTAssertEqual(update.state, .performed, update.text)

        // Scrolling the page.
        update = try agent.act(ControlAction(id: "s1", kind: .scroll, dy: 300), until: [.performed, .failed])
        XCTAssertEqual(update.state, .performed, update.text)

        // The password field: the engine refuses before the customer is even asked.
        agent.send(.controlAction(ControlAction(id: "t2", kind: .type, target: password.id, text: "Hunter2-Secret")))
        let refused = try agent.wait("the refusal") { if case .error = $0 { return true }; return false }
        if case let .error(e) = refused {
            XCTAssertEqual(e.code, .notAllowed, e.message)
            XCTAssertTrue(e.message.contains("masked or sensitive"), e.message)
        }

        // Allowed by the customer, but the page marked the field private meanwhile: the SDK refuses.
        update = try agent.act(ControlAction(id: "t3", kind: .type, target: company.id, text: "Fabrikam"), until: [.performed, .failed])
        XCTAssertEqual(update.state, .failed, update.text)
        XCTAssertTrue(update.text.contains("marked private"), update.text)

        // The card field on the billing page: refused by the engine, typing or clicking.
        try withOutput(of: customer) {
            try agent.waitForScene("the billing page") { $0.nodes.contains { $0.kind == .mask && $0.label == "payment field" } }
        }
        let card = try XCTUnwrap(agent.scene?.nodes.first { $0.kind == .mask && $0.label == "payment field" })
        for (id, kind) in [("t4", ControlAction.Kind.type), ("c4", .click)] {
            agent.send(.controlAction(ControlAction(id: id, kind: kind, target: card.id, text: kind == .type ? "4111 1111 1111 1111" : nil)))
            let no = try agent.wait("the card field refusal") { if case .error = $0 { return true }; return false }
            guard case let .error(e) = no else { continue }
            XCTAssertEqual(e.code, .notAllowed, e.message)
        }

        let out = try customer.waitForExit(timeout: 60)
        XCTAssertEqual(customer.status, 0, out)
        let states = out.split(separator: "\n").filter { $0.hasPrefix("STATE ") }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(states.count, 6, out)
        guard states.count == 6 else { return }
        XCTAssertTrue(states[0].contains(#""saves": 1"#) && states[0].contains("Settings saved (1)"), "Allow ran the page's handler:\n\(out)")
        XCTAssertTrue(states[1].contains(#""saves": 1"#), "Deny did not:\n\(out)")
        XCTAssertTrue(states[2].contains(#""saves": 1"#), "a lapsed prompt did not:\n\(out)")
        XCTAssertTrue(states[3].contains(#""company": "Contoso Ltd""#) && states[3].contains(#""inputs": ["Contoso Ltd"]"#), "typed, and the input listener saw it:\n\(out)")
        XCTAssertTrue(states[3].contains(#""scrolled": false"#) && states[4].contains(#""scrolled": true"#), "the scroll moved the page:\n\(out)")
        XCTAssertTrue(states[5].contains(#""company": "Contoso Ltd""#) && states[5].contains(#""inputs": ["Contoso Ltd"]"#), "the masked field kept its value:\n\(out)")
        XCTAssertTrue(out.contains("STEP visited https://127.0.0.1:\(fixture.port)/demo/billing"), out)
        XCTAssertTrue(out.contains("PROMPT 1 Agent Maria S. wants to click") && out.contains("| countdown"), out)
        XCTAssertTrue(out.contains("STEP prompt lapsed"), out)
        XCTAssertTrue(out.contains("NOTICE Agent Maria S. clicked Save settings"), out)
        XCTAssertTrue(out.contains("NOTICE Agent Maria S. typed into Company name"), out)
        XCTAssertTrue(out.contains("NOTICE Agent Maria S. scrolled the page"), out)
        XCTAssertTrue(out.contains("NOTICE Agent Maria S.\u{2019}s action was not done (Company name): Refused: it is marked private"), out)
        XCTAssertFalse(out.contains("Hunter2-Secret") || containsCardNumber(out))

        let audit = try fixture.run(["audit", "--session", session, "--data", fixture.dir])
        XCTAssertTrue(audit.stdout.contains("action.denied") && audit.stdout.contains("action.expired") && audit.stdout.contains("action.failed"), audit.stdout)
        XCTAssertFalse(audit.stdout.contains("Contoso") || audit.stdout.contains("Hunter2"), "typed text never in the audit:\n\(audit.stdout)")
    }

    func testAViewerWatchesThroughTheLinkAndAFourthIsRefused() throws {
        let (session, link) = try fixture.invite()
        let agent = try AgentLink(socket: fixture.socket, session: session)
        // The customer allows Guided (pointing needs it) and stays on the page.
        let customer = try browser(["guided", link, "60"])
        try agent.waitForScene("the customer's account page") { $0.field("Company name") != nil }
        agent.send(.requestMode(ModeRequest(mode: .guided)))
        try agent.wait("Guided") { if case let .summary(s) = $0 { return s.controlMode == .guided }; return false }
        let dana = try agent.inviteViewer("Dana")
        let sam = try agent.inviteViewer("Sam K.")
        XCTAssertTrue(dana.hasPrefix("https://127.0.0.1:\(fixture.port)/view/"), dana)
        XCTAssertNotEqual(dana, sam)
        let fourth = try agent.client.request(.inviteViewer(InviteViewer(name: "Lee")), timeout: 10)
        guard case let .error(e) = fourth else { return XCTFail("a fourth viewer was invited: \(fourth)") }
        XCTAssertEqual(e.message, "This session already has 3 viewers (Maria S. and Dana, Sam K.); a fourth is refused.")

        let viewer = try browser(["viewer", dana, "--control"])
        try agent.wait("Dana in the participants") {
            if case let .participants(p) = $0 { return p.items.contains { $0.name == "Dana" && $0.kind == .viewer } }
            return false
        }
        agent.send(.handOver(HandOver(to: "Dana")))
        try agent.wait("Dana in control") { if case let .summary(s) = $0 { return s.controller == "Dana" }; return false }
        let pointed = try withOutput(of: viewer) { try agent.wait("Dana's pointer") { if case let .agentPointer(p) = $0 { return p.author == "Dana" && p.at != nil }; return false } }
        if case let .agentPointer(p) = pointed {
            XCTAssertEqual(p.at?.nodeId, agent.scene?.field("Company name")?.id, "anchored on the node Dana clicked")
        }
        try agent.wait("control back with the agent") { if case let .summary(s) = $0 { return s.controller == nil }; return false }

        let out = try viewer.waitForExit(timeout: 60)
        XCTAssertEqual(viewer.status, 0, out)
        XCTAssertTrue(out.contains("TEXT Dana, Maria S. invited you to watch the co-browse session for ticket T-7. You will see the customer's screen with private fields hidden."), out)
        XCTAssertTrue(out.contains("STEP watching"), out)
        let screen = out.split(separator: "\n").first { $0.hasPrefix("SCREEN ") } ?? ""
        XCTAssertTrue(screen.contains("Account settings") && screen.contains("Northwind Cloud"), "the page text is drawn:\n\(out)")
        XCTAssertFalse(screen.contains("dana@northwind.example"), "masked text stays masked:\n\(screen)")
        XCTAssertTrue(out.contains(#"MASKS ["MASKED \u00b7 password"]"#) || out.contains("MASKS [\"MASKED · password\"]"), "the password field is a hatched mask:\n\(out)")
        XCTAssertTrue(out.contains("WHO Watching: ") && out.contains("Dana (viewer)"), out)
        XCTAssertTrue(out.contains("STEP in control") && out.contains("Dana (viewer, in control)"), out)
        XCTAssertTrue(out.contains("STEP gave control back"), out)
        XCTAssertTrue(out.contains("REFUSED This link has already been used."), "a used viewer link says so:\n\(out)")
        customer.stop()
    }
}

extension BrowserControlTests {
    /// Names come from outside: escaped, and the page runs only /viewer.js (the gateway's CSP allows nothing inline).
    func testViewerPageEscapesNamesAndHasNoInlineScriptOrStyle() {
        let page = ViewerPage.page(viewerName: "<img src=x onerror=alert(1)>", agentName: "Maria \"S.\"",
                                   ticket: Ticket(id: "T-<7>", subject: "Card update", customer: "Dana"))
        XCTAssertTrue(page.contains("&lt;img src=x onerror=alert(1)&gt;, Maria &quot;S.&quot; invited you to watch the co-browse session for ticket T-&lt;7&gt;."), page)
        XCTAssertFalse(page.contains("<img"), page)
        let scripts = page.components(separatedBy: "<script").dropFirst()
        XCTAssertEqual(scripts.map { String($0.prefix(while: { $0 != ">" })) }, [" src=\"/cobrowse-connect.js\"", " src=\"/viewer.js\""], page)
        let plain = ViewerPage.page(viewerName: "Dana", agentName: "Maria S.", ticket: Ticket(id: "T-7", subject: "Card update", customer: "Dana"))
        XCTAssertFalse(plain.contains("<style") || plain.contains(" style=") || plain.range(of: #"\son[a-z]+="#, options: .regularExpression) != nil,
                       "no inline style or handler:\n\(plain)")
        let viewerScript = WebAssets.text("viewer.js") ?? "", sdk = WebAssets.text("cobrowse.js") ?? ""
        XCTAssertFalse(viewerScript.isEmpty || sdk.isEmpty, "the scripts are embedded")
        XCTAssertFalse(viewerScript.contains("innerHTML") || viewerScript.contains("insertAdjacentHTML") || viewerScript.contains("document.write"),
                       "the viewer inserts the customer's texts as text only")
        XCTAssertFalse(sdk.contains("innerHTML"), "the overlay inserts the agent's texts as text only")
    }
}

/// The agent's console for a test: the engine's socket, attached to one session,
/// keeping the scene up to date from `scene` and `scene-delta`.
final class AgentLink {
    let client: LocalChannelClient
    private(set) var scene: Scene?

    init(socket: String, session: String) throws {
        client = try LocalChannelClient.connect(path: socket, hello: Hello(client: "control-test"), timeout: 10)
        let reply = try client.request(.attach(Attach(sessionId: session)), timeout: 10)
        guard case let .snapshot(s) = reply else { throw FixtureError("attach answered \(reply)") }
        scene = s.scene
    }

    deinit { client.close() }

    func send(_ m: WireMessage) { client.send(m) }

    private func take(_ m: WireMessage) {
        switch m {
        case let .scene(s): scene = s
        case let .sceneDelta(d):
            if let s = scene, let next = try? s.applying(d) { scene = next } else { client.send(.requestScene) }
        default: break
        }
    }

    /// The next message matching `predicate` (everything before it is applied and dropped).
    @discardableResult
    func wait(_ what: String, timeout: TimeInterval = 30, _ predicate: (WireMessage) -> Bool) throws -> WireMessage {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [String] = []
        while Date() < deadline {
            guard let m = client.next(timeout: min(0.5, max(0.01, deadline.timeIntervalSinceNow))) else {
                if let why = client.closedReason { throw FixtureError("the engine closed the console's connection (\(why)) before \(what)") }
                continue
            }
            take(m)
            if predicate(m) { return m }
            if case let .error(e) = m { seen.append("error \(e.code.rawValue): \(e.message)") } else { seen.append(m.type) }
        }
        throw FixtureError("timed out waiting for \(what); the console got: \(seen.suffix(40).joined(separator: ", "))")
    }

    func waitForScene(_ what: String, timeout: TimeInterval = 60, _ predicate: (Scene) -> Bool) throws {
        if let s = scene, predicate(s) { return }
        do {
            try wait(what, timeout: timeout) { m in
                switch m {
                case .scene, .sceneDelta: return self.scene.map(predicate) ?? false
                default: return false
                }
            }
        } catch {
            let texts = scene?.paintOrder.compactMap { $0.text ?? $0.label } ?? []
            throw FixtureError("\(error)\nthe scene's texts: \(texts.joined(separator: " | "))")
        }
    }

    /// Sends the action and waits for its update in one of `states`; fails on an error or another final state.
    func act(_ action: ControlAction, until states: Set<ActionUpdate.State>, timeout: TimeInterval = 30) throws -> ActionUpdate {
        send(.controlAction(action))
        let m = try wait("action \(action.id) to be \(states.map(\.rawValue).sorted())", timeout: timeout) { m in
            switch m {
            case let .actionUpdate(u): return u.id == action.id && ![ActionUpdate.State.waiting, .sent].contains(u.state)
            case .error: return true
            default: return false
            }
        }
        guard case let .actionUpdate(u) = m else { throw FixtureError("action \(action.id) refused: \(m)") }
        guard states.contains(u.state) else { throw FixtureError("action \(action.id) ended \(u.state.rawValue): \(u.text)") }
        return u
    }

    func inviteViewer(_ name: String) throws -> String {
        let reply = try client.request(.inviteViewer(InviteViewer(name: name)), timeout: 10)
        guard case let .viewerInvited(v) = reply else { throw FixtureError("invite-viewer answered \(reply)") }
        return v.link
    }
}

extension Scene {
    /// The form field with this label.
    func field(_ label: String) -> SceneNode? { nodes.first { $0.kind == .field && $0.label == label } }

    /// The element (the SDK's `n12`) whose text run reads `text`: its box when it has one, else the run.
    func element(withText text: String) -> SceneNode? {
        guard let run = nodes.first(where: { $0.kind == .text && $0.text == text }) else { return nil }
        let digits = run.id.dropFirst().prefix { $0.isNumber }
        return nodes.first { $0.id == "n" + digits && $0.kind == .box } ?? run
    }
}
