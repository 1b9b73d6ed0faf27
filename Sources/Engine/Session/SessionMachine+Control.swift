import Foundation

/// What touches the customer beyond watching: the marks and pointer of whoever
/// holds control, actions with per-action approval, screenshots, viewers and
/// hand-over. Pure state; `SessionMachine` owns one and these rules decide.
struct ControlState: Sendable {
    struct WaitingAction: Sendable { var action: ControlAction; var by: String; var what: String; var at: Date }
    struct ManagerRequest: Sendable { var mode: ControlMode; var by: String; var reason: String; var at: Date }

    var annotations: [Annotation] = []
    var pointer: AgentPointer?
    /// Shown to the customer, waiting for Allow / Deny (one at a time).
    var waiting: WaitingAction?
    /// Sent to the page, waiting for its result: id → what it did, for the feed.
    var sent: [String: String] = [:]
    var screenshotAskedBy: (name: String, at: Date)?
    var managerRequest: ManagerRequest?
    /// Consoles attached: name → (kind, number of attachments).
    var consoles: [String: (kind: Participant.Kind, count: Int)] = [:]
    /// Viewers of the customer's team: invited (names, in order) and connected now.
    var invitedViewers: [String] = []
    var connectedViewers: [String] = []
    /// Everyone who took part, in order of arrival, for the note the session ends with.
    var roster: [(name: String, role: String)] = []

    mutating func enrol(_ name: String, _ role: String) {
        if !roster.contains(where: { $0.name == name && $0.role == role }) { roster.append((name, role)) }
    }
}

extension SessionMachine {
    /// Who may draw, point and act: the agent unless control was handed to a viewer.
    var controller: String { summary.controller ?? summary.agentName }

    // MARK: Annotations and the pointer (Guided and above, the controller only)

    mutating func annotate(_ command: AnnotationCommand, by name: String, _ now: Date) -> [SessionEffect] {
        if let refusal = guidanceRefusal(name) { return [refusal] }
        var out: [SessionEffect] = []
        switch command.op {
        case .add:
            guard var a = command.annotation else { return [.reject(.invalid, "annotate: add needs an annotation")] }
            guard control.annotations.count < Annotation.maxPerSession else {
                return [.reject(.badState, "At most \(Annotation.maxPerSession) marks at a time; clear some first.")]
            }
            guard !control.annotations.contains(where: { $0.id == a.id }) else { return [.reject(.invalid, "annotation \(a.id) exists already")] }
            a.author = name
            if let text = a.text {
                let r = redactor.redact(text: Self.oneLine(text))
                a.text = r.value
                for kind in Set(r.hits.map(\.kind)).sorted(by: { "\($0)" < "\($1)" }) {
                    out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) in=annotation"))
                }
            }
            control.annotations.append(a)
            out.append(.audit(action: "annotation.added", actor: name, detail: "tool=\(a.tool.rawValue) node=\(a.at.nodeId ?? "-")"))
        case .undo:
            guard let last = control.annotations.last(where: { $0.author == name }) ?? control.annotations.last else {
                return [.reject(.badState, "There is nothing to undo.")]
            }
            control.annotations.removeAll { $0.id == last.id }
            out.append(.audit(action: "annotation.undone", actor: name, detail: "tool=\(last.tool.rawValue)"))
        case .clear:
            guard !control.annotations.isEmpty else { return [] }
            control.annotations = []
            out.append(.audit(action: "annotation.cleared", actor: name, detail: ""))
        }
        lastActivity = now
        return out + annotationBroadcast()
    }

    mutating func agentPointer(_ at: AnnotationAnchor?, by name: String, _ now: Date) -> [SessionEffect] {
        if let refusal = guidanceRefusal(name) { return [refusal] }
        let p = AgentPointer(at: at, author: name)
        guard p != control.pointer else { return [] }
        control.pointer = at == nil ? nil : p
        return [.toCustomer(.agentPointer(p)), .toConsoles(.agentPointer(p))]
    }

    private func guidanceRefusal(_ name: String) -> SessionEffect? {
        guard summary.status == .active else { return .reject(.badState, "Annotations need an active session.") }
        guard name == controller else { return .reject(.notAllowed, "\(controller) holds control; \(name) cannot draw or point.") }
        if let gate = unacknowledgedRefusal(name, "draw or point") { return gate }
        guard summary.controlMode >= .guided else {
            return .reject(.notAllowed, "Annotations and the pointer need Guided mode; the session is in \(summary.controlMode.title).")
        }
        return nil
    }

    func annotationBroadcast() -> [SessionEffect] {
        let set = AnnotationSet(items: control.annotations)
        return [.toCustomer(.annotations(set)), .toConsoles(.annotations(set))]
    }

    /// Marks point at elements of one page: when the customer goes to another
    /// page they would point at nothing (or at the wrong thing), so they go.
    mutating func marksAfterNavigation(from old: PageAddress?, to new: Scene) -> [SessionEffect] {
        guard let old, !control.annotations.isEmpty, Self.withoutQuery(old.url) != Self.withoutQuery(new.url) else { return [] }
        control.annotations = []
        return annotationBroadcast()
    }

    /// The mode went down: marks and pointer below Guided, actions below Controlled, go away.
    mutating func controlAfterModeChange(_ now: Date) -> [SessionEffect] {
        var out: [SessionEffect] = []
        if summary.controlMode < .guided {
            if !control.annotations.isEmpty {
                control.annotations = []
                out += annotationBroadcast()
            }
            if control.pointer != nil {
                control.pointer = nil
                let hidden = AgentPointer(at: nil, author: controller)
                out += [.toCustomer(.agentPointer(hidden)), .toConsoles(.agentPointer(hidden))]
            }
        }
        if summary.controlMode < .controlled, let w = control.waiting {
            control.waiting = nil
            out += [.toConsoles(.actionUpdate(ActionUpdate(id: w.action.id, state: .denied, text: "Withdrawn: the session left \(ControlMode.controlled.title)"))),
                    .audit(action: "action.withdrawn", actor: Self.engine, detail: "id=\(w.action.id) mode=\(summary.controlMode.rawValue)")]
        }
        return out
    }

    // MARK: Actions (Controlled: each one previewed and allowed; Full Control: at once)

    mutating func controlAction(_ action: ControlAction, by name: String, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Actions need an active session.")] }
        guard name == controller else { return [.reject(.notAllowed, "\(controller) holds control; \(name) cannot act on the page.")] }
        if let gate = unacknowledgedRefusal(name, "act on the page") { return [gate] }
        guard summary.controlMode >= .controlled else {
            return [.reject(.notAllowed, "Clicking, typing and scrolling need Controlled mode; the session is in \(summary.controlMode.title).")]
        }
        let what: String
        switch describe(action) {
        case let .failure(refusal):
            return [refusal.effect, .audit(action: "action.refused", actor: name, detail: "kind=\(action.kind.rawValue) target=\(action.target ?? "-")")]
        case let .success(text): what = text
        }
        lastActivity = now
        if summary.controlMode == .fullControl {
            return perform(action, what: what, by: name, allowedBy: "full-control", now)
        }
        guard control.waiting == nil else { return [.reject(.badState, "The customer has not answered the last action yet.")] }
        control.waiting = ControlState.WaitingAction(action: action, by: name, what: what, at: now)
        let seconds = Int(policy.actionApprovalTimeout.rounded(.up))
        return [.toCustomer(.actionRequest(ActionRequest(action: action, preview: "\(Self.role(name, agent: summary.agentName)) \(name) wants to \(what)",
                                                         agentName: name, timeoutSeconds: seconds))),
                .toConsoles(.actionUpdate(ActionUpdate(id: action.id, state: .waiting, text: "Waiting for the customer: \(what)"))),
                .audit(action: "action.requested", actor: name, detail: Self.auditDetail(action))]
    }

    mutating func actionAnswered(_ answer: ActionAnswer, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let w = control.waiting, w.action.id == answer.id else {
            return [.reject(.badState, "No action \(answer.id) is waiting for an answer.")]
        }
        control.waiting = nil
        lastHeard = now
        lastActivity = now
        guard answer.allow else {
            return [.toConsoles(.actionUpdate(ActionUpdate(id: w.action.id, state: .denied, text: "Customer denied: \(w.what)"))),
                    activity(.info, customer, "Customer denied \(w.by)'s request to \(w.what)", now),
                    .audit(action: "action.denied", actor: customer, detail: Self.auditDetail(w.action))]
        }
        return perform(w.action, what: w.what, by: w.by, allowedBy: "customer", now)
    }

    private mutating func perform(_ action: ControlAction, what: String, by name: String, allowedBy: String, _ now: Date) -> [SessionEffect] {
        control.sent[action.id] = what
        if control.sent.count > 100 { control.sent.removeAll() }
        return [.toCustomer(.performAction(action)),
                .toConsoles(.actionUpdate(ActionUpdate(id: action.id, state: .sent, text: "Sent to the page: \(what)"))),
                .audit(action: "action.allowed", actor: allowedBy == "customer" ? customer : name, detail: Self.auditDetail(action) + " by=\(name) via=\(allowedBy)")]
    }

    mutating func actionResult(_ result: ActionResult, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let what = control.sent.removeValue(forKey: result.id) else {
            return [.reject(.badState, "No action \(result.id) was sent to the page.")]
        }
        lastHeard = now
        let detail = result.detail.map { redactor.redact(text: Self.oneLine($0)).value }
        if result.ok {
            return [.toConsoles(.actionUpdate(ActionUpdate(id: result.id, state: .performed, text: "Done: \(what)"))),
                    activity(.info, controller, "\(controller) did: \(what)", now),
                    .audit(action: "action.performed", actor: customer, detail: "id=\(result.id)")]
        }
        return [.toConsoles(.actionUpdate(ActionUpdate(id: result.id, state: .failed, text: "The page refused: \(what)" + (detail.map { " (\($0))" } ?? "")))),
                activity(.warning, customer, "Action failed on the page: \(what)" + (detail.map { " (\($0))" } ?? ""), now),
                .audit(action: "action.failed", actor: customer, detail: "id=\(result.id)")]
    }

    /// What the action does, in words for the customer's preview, or why it may not happen.
    private func describe(_ action: ControlAction) -> Result<String, RefusalEffect> {
        guard let targetId = action.target else {
            // Only scrolling may go without a target: it scrolls the page.
            return .success("scroll the page")
        }
        guard let scene, let node = scene.node(id: targetId) else {
            return .failure(RefusalEffect(.reject(.notFound, "There is no element \(targetId) on the customer's page now.")))
        }
        let element = ProtectedElements.elementId(of: targetId).flatMap { scene.node(id: $0) }
        for n in [node, element].compactMap({ $0 }) where ProtectedElements.isProtected(n) {
            return .failure(RefusalEffect(.reject(.notAllowed, "That is a masked or sensitive field; agents never act on it.")))
        }
        let name = Self.displayName(node, element: element, in: scene)
        switch action.kind {
        case .click: return .success("click *\(name)*")
        case .scroll: return .success("scroll *\(name)*")
        case .type:
            guard node.kind == .field || element?.kind == .field else {
                return .failure(RefusalEffect(.reject(.invalid, "Typing needs a form field; *\(name)* is not one.")))
            }
            let text = redactor.redact(text: Self.oneLine(action.text ?? "")).value
            let shown = text.count > 40 ? String(text.prefix(39)) + "…" : text
            return .success("type “\(shown)” into *\(name)*")
        }
    }

    struct RefusalEffect: Error { let effect: SessionEffect; init(_ e: SessionEffect) { effect = e } }

    /// A name the customer recognises: the field's label, the element's text, else its kind.
    static func displayName(_ node: SceneNode, element: SceneNode?, in scene: Scene) -> String {
        func clip(_ s: String) -> String {
            let t = oneLine(s)
            return t.count > 40 ? String(t.prefix(39)) + "…" : t
        }
        for n in [node, element].compactMap({ $0 }) {
            if let l = n.label, !l.isEmpty, n.kind == .field { return clip(l) }
            if let t = n.text, !t.isEmpty, n.kind == .text { return clip(t) }
        }
        // A box (a button, say): the text runs that belong to the same element.
        let base = ProtectedElements.elementId(of: node.id) ?? node.id
        let runs = scene.nodes.filter { $0.kind == .text && ProtectedElements.elementId(of: $0.id) == base }.compactMap(\.text)
        if !runs.isEmpty { return clip(runs.joined(separator: " ")) }
        return node.kind == .image ? "an image" : "an element"
    }

    static func auditDetail(_ a: ControlAction) -> String {
        // Never the typed text: it may be anything the agent typed.
        "id=\(a.id) kind=\(a.kind.rawValue) target=\(a.target ?? "-")" + (a.kind == .type ? " chars=\(a.text?.count ?? 0)" : "")
    }

    static func role(_ name: String, agent: String) -> String { name == agent ? "Agent" : "Viewer" }

    // MARK: Screenshots (only with the customer's consent; stored by the engine)

    mutating func screenshotRequested(by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Screenshots need an active session.")] }
        guard agent.name == summary.agentName else { return [.reject(.notAllowed, "Only the session's agent may ask for a screenshot.")] }
        guard control.screenshotAskedBy == nil else { return [.reject(.badState, "The customer has not answered the last screenshot request yet.")] }
        control.screenshotAskedBy = (agent.name, now)
        lastActivity = now
        return [.toCustomer(.screenshotRequest),
                activity(.info, agent.name, "\(agent.name) asked the customer for a screenshot", now),
                .audit(action: "screenshot.requested", actor: agent.name, detail: "")]
    }

    mutating func screenshotAnswered(allow: Bool, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let asked = control.screenshotAskedBy else { return [.reject(.badState, "No screenshot request is waiting.")] }
        control.screenshotAskedBy = nil
        lastHeard = now
        guard allow else {
            return [activity(.info, customer, "Customer declined the screenshot", now),
                    .audit(action: "screenshot.declined", actor: customer, detail: "askedBy=\(asked.name)")]
        }
        guard let scene else {
            return [activity(.warning, Self.engine, "Customer allowed a screenshot but no picture has arrived yet", now)]
        }
        // The scene is the redacted one: masked fields stay masked in the stored picture.
        return [.storeScreenshot(scene, requestedBy: asked.name),
                .audit(action: "screenshot.allowed", actor: customer, detail: "askedBy=\(asked.name)")]
    }

    // MARK: Full Control: a manager approves first, then the customer acknowledges

    mutating func askManagers(_ mode: ControlMode, by agent: Agent, reason: String?, _ now: Date) -> [SessionEffect] {
        let why = Self.oneLine(reason ?? "")
        guard !why.isEmpty else { return [.reject(.invalid, "\(mode.title) needs a reason for the approving manager.")] }
        guard control.managerRequest == nil else { return [.reject(.badState, "A \(mode.title) request is already waiting for a manager.")] }
        let redacted = redactor.redact(text: why).value
        control.managerRequest = ControlState.ManagerRequest(mode: mode, by: agent.name, reason: redacted, at: now)
        summary.awaitingManager = true
        lastActivity = now
        return [.toManagers(.approvalRequest(approvalRequest!)),
                activity(.modeRequested, agent.name, "\(agent.name) asked a manager to approve \(mode.title): \(redacted)", now),
                .audit(action: "mode.approval-requested", actor: agent.name, detail: "to=\(mode.rawValue)"),
                .toConsoles(.summary(summary))]
    }

    /// The request managers see (in their lobby too).
    public var approvalRequest: ApprovalRequest? {
        control.managerRequest.map {
            ApprovalRequest(sessionId: summary.id, ticket: summary.ticket, agentName: $0.by, mode: $0.mode, reason: $0.reason, requestedAt: $0.at)
        }
    }

    mutating func managerAnswered(approve: Bool, by manager: Agent, _ now: Date) -> [SessionEffect] {
        if let refused = refusal(manager, .answerApproval, audited: true) { return refused }
        guard summary.status == .active, let r = control.managerRequest else { return [.reject(.badState, "No request is waiting for approval in this session.")] }
        control.managerRequest = nil
        summary.awaitingManager = nil
        guard approve else {
            return [activity(.info, manager.name, "Manager \(manager.name) did not approve \(r.mode.title)", now),
                    .audit(action: "mode.approval-denied", actor: manager.name, detail: "to=\(r.mode.rawValue) requestedBy=\(r.by)"),
                    .toConsoles(.summary(summary)), .toManagers(.summary(summary))]
        }
        var out: [SessionEffect] = [activity(.info, manager.name, "Manager \(manager.name) approved \(r.mode.title); asking the customer", now),
                                    .audit(action: "mode.approved", actor: manager.name, detail: "to=\(r.mode.rawValue) requestedBy=\(r.by)"),
                                    .toManagers(.summary(summary))]
        out += askCustomer(r.mode, by: r.by, now)
        return out
    }

    // MARK: Participants, viewers and hand-over

    var participants: ParticipantList {
        var items: [Participant] = []
        for (name, c) in control.consoles.sorted(by: { ($0.value.kind == .agent ? 0 : 1, $0.key) < ($1.value.kind == .agent ? 0 : 1, $1.key) }) {
            items.append(Participant(name: name, kind: c.kind, controller: c.kind == .agent && name == controller))
        }
        for name in control.connectedViewers {
            items.append(Participant(name: name, kind: .viewer, controller: name == controller))
        }
        return ParticipantList(items: items)
    }

    func participantBroadcast() -> [SessionEffect] {
        [.toCustomer(.participants(participants)), .toConsoles(.participants(participants))]
    }

    mutating func consoleJoined(_ name: String, role: ParticipantRole) {
        let kind: Participant.Kind = role == .agent ? .agent : .watcher
        control.enrol(name, role == .agent ? "agent" : "watching read-only")
        var entry = control.consoles[name] ?? (kind, 0)
        entry.count += 1
        entry.kind = kind
        control.consoles[name] = entry
    }

    mutating func consoleLeft(_ name: String) {
        guard var entry = control.consoles[name] else { return }
        entry.count -= 1
        control.consoles[name] = entry.count > 0 ? entry : nil
    }

    mutating func viewerInviteRequested(_ name: String, by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active || summary.status == .linkOpened || summary.status == .linkMinted else {
            return [.reject(.badState, "This session has ended.")]
        }
        guard agent.name == summary.agentName else { return [.reject(.notAllowed, "Only the session's agent may invite viewers.")] }
        let clean = Self.oneLine(name)
        guard !control.invitedViewers.contains(clean), clean != summary.agentName else {
            return [.reject(.invalid, "\(clean) is already taking part; choose another name.")]
        }
        guard control.invitedViewers.count + 1 < policy.maxViewers else {
            return [.reject(.notAllowed, "This session already has \(policy.maxViewers) viewers (\(summary.agentName) and \(control.invitedViewers.joined(separator: ", "))); a fourth is refused."),
                    .audit(action: "viewer.refused", actor: agent.name, detail: "limit=\(policy.maxViewers)")]
        }
        control.invitedViewers.append(clean)
        return [.mintViewerLink(name: clean),
                activity(.info, agent.name, "\(agent.name) invited \(clean) to watch", now),
                .audit(action: "viewer.invited", actor: agent.name, detail: "viewer=\(clean)")]
    }

    mutating func viewerJoined(_ name: String, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "The customer has not started sharing yet, or the session has ended.")] }
        guard control.invitedViewers.contains(name) else { return [.reject(.notAllowed, "\(name) was not invited to this session.")] }
        guard !control.connectedViewers.contains(name) else { return [.reject(.badState, "\(name) is already watching.")] }
        control.connectedViewers.append(name)
        control.enrol(name, "viewer, by their own link")
        return [activity(.joined, name, "\(name) is watching in the viewer page", now),
                .audit(action: "viewer.joined", actor: name, detail: "")] + participantBroadcast()
    }

    mutating func viewerLeft(_ name: String, _ now: Date) -> [SessionEffect] {
        guard let i = control.connectedViewers.firstIndex(of: name) else { return [] }
        control.connectedViewers.remove(at: i)
        var out: [SessionEffect] = [activity(.left, name, "\(name) stopped watching", now)]
        if summary.controller == name {
            // Control never stays with someone who is gone.
            summary.controller = nil
            out += [activity(.info, Self.engine, "Control went back to \(summary.agentName)", now),
                    .audit(action: "control.handed", actor: Self.engine, detail: "from=\(name) to=\(summary.agentName) why=left"),
                    .toConsoles(.summary(summary))]
        }
        return out + participantBroadcast()
    }

    mutating func handOver(to target: String, by name: String, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Control can be handed over only in an active session.")] }
        guard name == controller || name == summary.agentName else {
            return [.reject(.notAllowed, "\(controller) holds control; only they or \(summary.agentName) can hand it over.")]
        }
        guard target == summary.agentName || control.connectedViewers.contains(target) else {
            return [.reject(.notFound, "\(target) is not watching this session; control goes to the agent or a connected viewer.")]
        }
        guard target != controller else { return [.reject(.badState, "\(target) already holds control.")] }
        let from = controller
        summary.controller = target == summary.agentName ? nil : target
        var out: [SessionEffect] = []
        if control.pointer != nil {
            control.pointer = nil
            let hidden = AgentPointer(at: nil, author: from)
            out += [.toCustomer(.agentPointer(hidden)), .toConsoles(.agentPointer(hidden))]
        }
        lastActivity = now
        return out + [activity(.info, name, "Control handed from \(from) to \(target)", now),
                      .audit(action: "control.handed", actor: name, detail: "from=\(from) to=\(target)"),
                      .toConsoles(.summary(summary))] + participantBroadcast()
    }

    // MARK: Lapses

    mutating func controlTimeouts(_ now: Date) -> [SessionEffect] {
        var out: [SessionEffect] = []
        if let w = control.waiting, now.timeIntervalSince(w.at) >= policy.actionApprovalTimeout {
            control.waiting = nil
            out += [.toConsoles(.actionUpdate(ActionUpdate(id: w.action.id, state: .expired, text: "No answer in \(Int(policy.actionApprovalTimeout)) s (denied): \(w.what)"))),
                    activity(.info, customer, "Customer did not answer \(w.by)'s request to \(w.what); not done", now),
                    .audit(action: "action.expired", actor: Self.engine, detail: Self.auditDetail(w.action))]
        }
        if let asked = control.screenshotAskedBy, now.timeIntervalSince(asked.at) >= policy.answerTimeout {
            control.screenshotAskedBy = nil
            out.append(activity(.info, customer, "Customer did not answer the screenshot request", now))
        }
        if let r = control.managerRequest, now.timeIntervalSince(r.at) >= policy.managerApprovalTimeout {
            control.managerRequest = nil
            summary.awaitingManager = nil
            out += [activity(.info, Self.engine, "No manager answered the \(r.mode.title) request in time", now),
                    .audit(action: "mode.approval-lapsed", actor: Self.engine, detail: "to=\(r.mode.rawValue) requestedBy=\(r.by)"),
                    .toConsoles(.summary(summary)), .toManagers(.summary(summary))]
        }
        return out
    }

    public var annotationSetIfAny: AnnotationSet? {
        control.annotations.isEmpty ? nil : AnnotationSet(items: control.annotations)
    }

    /// The note a session ends with: everyone who took part, and how.
    func participantsNote(_ now: Date) -> [SessionEffect] {
        var roster = control.roster
        if summary.startedAt != nil { roster.insert((customer, "customer"), at: min(1, roster.count)) }
        guard !roster.isEmpty else { return [] }
        let note = NoteEntry(at: now, author: Self.engine, text: "Participants: " + roster.map { "\($0.name) (\($0.role))" }.joined(separator: "; "))
        return [.storeNote(note), .toConsoles(.note(note))]
    }

    /// What a reconnecting customer needs besides the scene request: the marks and who is there.
    func controlReplay() -> [SessionEffect] {
        var out: [SessionEffect] = [.toCustomer(.participants(participants))]
        if !control.annotations.isEmpty { out.append(.toCustomer(.annotations(AnnotationSet(items: control.annotations)))) }
        if let p = control.pointer { out.append(.toCustomer(.agentPointer(p))) }
        return out + handOffReplay()
    }
}
