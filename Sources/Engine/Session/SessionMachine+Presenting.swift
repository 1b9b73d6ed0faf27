import Foundation

/// Mirror mode and split view: the agent shows the customer a page from their
/// own browser (the presenter tab, any page with cobrowse.js). Its scenes are
/// redacted like the customer's, kept as the session's second scene, sent to
/// the consoles (split view) and to the customer's mirror viewer page.
struct PresentingState_: Sendable {
    var linkMinted = false
    var active = false
    var scene: Scene?
}

extension SessionMachine {
    /// The agent's page as the consoles and the mirror viewer see it (redacted).
    public var presentedScene: Scene? { presenting.scene }
    public var isPresenting: Bool { presenting.active }

    mutating func presentRequested(by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Showing a page needs an active session.")] }
        guard agent.name == summary.agentName else { return [.reject(.notAllowed, "Only the session's agent may show the customer a page.")] }
        guard !presenting.active else { return [.reject(.badState, "You are already showing a page; stop it first.")] }
        presenting.linkMinted = true
        lastActivity = now
        return [.mintPresenterLink,
                .audit(action: "presenter.link", actor: agent.name, detail: "")]
    }

    mutating func presenterJoined(_ now: Date) -> [SessionEffect] {
        guard summary.status == .active, presenting.linkMinted else { return [.reject(.badState, "No page is being shown in this session.")] }
        // The tab reconnects on every navigation: announce once, ask for its page every time.
        guard !presenting.active else { return [.toPresenter(.requestScene)] }
        presenting.active = true
        lastActivity = now
        return [.toPresenter(.requestScene),
                .offerMirror(by: summary.agentName),
                .toConsoles(.presenting(PresentingState(active: true, by: summary.agentName))),
                activity(.info, summary.agentName, "\(summary.agentName) is showing the customer a page (mirror mode)", now),
                .audit(action: "presenting.started", actor: summary.agentName, detail: "")]
    }

    mutating func presentedScene(_ s: Scene, _ now: Date) -> [SessionEffect] {
        guard presenting.active else { return [.reject(.badState, "This tab is not showing a page.")] }
        let r = redactor.redact(scene: s)
        do { try r.value.checkSize() } catch { return [.reject(.tooLarge, "\(error)")] }
        presenting.scene = r.value
        return redactionAudits(r.hits, in: "presented page") + [.toConsoles(.presentedScene(r.value))]
    }

    mutating func presentedDelta(_ d: SceneDelta, _ now: Date) -> [SessionEffect] {
        guard presenting.active else { return [.reject(.badState, "This tab is not showing a page.")] }
        guard let current = presenting.scene, d.baseVersion == current.version else { return [.toPresenter(.requestScene)] }
        let r = redactor.redact(delta: d)
        let next: Scene
        do { next = try current.applying(r.value) } catch {
            return [.reject(.tooLarge, "\(error); send a full scene"), .toPresenter(.requestScene)]
        }
        presenting.scene = next
        return redactionAudits(r.hits, in: "presented page") + [.toConsoles(.presentedDelta(r.value))]
    }

    mutating func presentingStopped(by name: String, _ now: Date) -> [SessionEffect] {
        guard presenting.active || presenting.linkMinted else { return [.reject(.badState, "No page is being shown.")] }
        let wasActive = presenting.active
        presenting = PresentingState_()
        let stopped = PresentingState(active: false, by: name)
        // A link never opened: cancelled; the consoles hear it, the customer never knew.
        guard wasActive else { return [.closePresenter, .toConsoles(.presenting(stopped)), .audit(action: "presenting.cancelled", actor: name, detail: "")] }
        return [.closePresenter, .toConsoles(.presenting(stopped)), .toCustomer(.presenting(stopped)),
                activity(.info, name, "\(summary.agentName) stopped showing a page", now),
                .audit(action: "presenting.stopped", actor: name, detail: "")]
    }

    private func redactionAudits(_ hits: [RedactionHit], in place: String) -> [SessionEffect] {
        Set(hits.map(\.kind)).sorted { "\($0)" < "\($1)" }.map { .audit(action: "redaction", actor: Self.engine, detail: "kind=\($0) in=\(place)") }
    }
}
