import Engine
import Foundation

/// Annotate mode: which tool, and the first point of a two-point mark (viewport coordinates).
public struct AnnotateState: Equatable, Sendable {
    public var tool: AnnotationTool
    public var first: Point?
    public init(tool: AnnotationTool, first: Point? = nil) { self.tool = tool; self.first = first }

    /// The key that picks each tool in annotate mode.
    public static let toolKeys: [(Character, AnnotationTool)] = [
        ("c", .cursor), ("w", .arrow), ("o", .circle), ("r", .rectangle), ("t", .label), ("s", .spotlight),
    ]
}

/// Where the agent's latest control action stands, for the one-line status.
public struct ActionStatus: Equatable, Sendable {
    public var id: String
    public var state: ActionUpdate.State
    /// The engine's words for where it stands.
    public var text: String
    /// When this state began (the countdown of a waiting action runs from here).
    public var since: Date

    /// How long a finished action's outcome stays in the message line.
    public static let outcomeSeconds: TimeInterval = 10

    public var isOutcome: Bool { state != .waiting }

    /// The engine's text ("Waiting for the customer: click Save", "Customer denied: …",
    /// "No answer in 15 s (denied): …"), with the seconds left while it waits.
    public func line(now: Date) -> String {
        guard state == .waiting else { return text }
        let left = max(0, ConsoleModel.actionTimeoutSeconds - Int(now.timeIntervalSince(since).rounded(.down)))
        return "\(text)… \(left) s"
    }

    public var feedText: String { text }

    /// Shown at all at `now`: a waiting action always, an outcome for a few seconds.
    public func visible(now: Date) -> Bool { !isOutcome || now.timeIntervalSince(since) < Self.outcomeSeconds }
}

/// Annotating and taking control, on the console: annotations, the mirrored pointer, control actions,
/// screenshots, manager approvals, participants, hand-over and viewers. The
/// engine enforces every rule; the model only keeps the agent from sending
/// what is sure to be refused, and says why.
extension ConsoleModel {
    /// Page pixels a PgUp / PgDn / wheel notch scrolls the customer's page.
    public static let scrollStep: Double = 300
    /// Cells a Shift+arrow moves the cursor.
    public static let bigStepCells = 8
    /// At most 10 pointer updates a second.
    public static let pointerInterval: TimeInterval = 0.1
    /// The engine's per-action approval window (docs/protocol.md, `action-request`).
    public static let actionTimeoutSeconds = 15

    // MARK: - who may do what

    /// The name this console acts as (the session's agent unless watching).
    var myName: String? { agent?.name ?? (options.watch ? nil : session?.agentName) }

    /// Who holds control now: the participant flagged as controller, else the summary's, else the agent.
    public var controllerName: String? {
        participants.first(where: \.controller)?.name ?? session?.controller ?? session?.agentName
    }

    var holdsControl: Bool { !options.watch && controllerName != nil && controllerName == myName }

    /// Why an action needing `mode` and control is not possible now, if it is not.
    func controlRefusal(need mode: ControlMode, what: String) -> String? {
        if let refusal = actionRefusal() { return refusal }
        guard let s = session else { return "No session attached" }
        if s.controlMode < mode { return "\(what) needs \(mode.title) or above — m asks the customer" }
        if !holdsControl, let holder = controllerName { return "\(SafeText.clean(holder)) holds control — h takes it back" }
        return nil
    }

    var canPoint: Bool {
        pointerShared && controlRefusal(need: .guided, what: "Pointing") == nil
    }

    mutating func resetLiveState() {
        annotations = []; pointers = [:]; participants = []; annotate = nil; actionStatus = nil
        pointerLive = false; pointerPending = false; lastPointerSent = nil; mouseDown = nil; awaitingAnswers = []
    }

    mutating func freshID(_ kind: String) -> String {
        defer { nextID += 1 }
        return "\(idSeed)-\(kind)\(nextID)"
    }

    // MARK: - engine messages

    mutating func summaryChanged(_ s: SessionSummary) -> [ConsoleCommand] {
        // "Asked the customer to allow …" is over once the request is answered (the status bar shows the mode).
        if session?.pendingModeRequest != nil, s.pendingModeRequest == nil, message?.text.hasPrefix("Asked") == true { message = nil }
        session = s
        guard s.controlMode < .guided || s.status == .ended else { return [] }
        if annotate != nil {
            annotate = nil
            if s.status != .ended { message = StatusMessage(.info, "Annotate mode closed: the session is in \(s.controlMode.title) now") }
        }
        // The engine hides the pointer itself when the mode drops (and refuses pointer
        // messages below Guided), so the console only forgets it was showing.
        pointerLive = false; pointerPending = false; lastPointerSent = nil
        return []
    }

    mutating func actionUpdated(_ u: ActionUpdate) {
        // A repeated "waiting" keeps its countdown.
        let since = (actionStatus?.id == u.id && actionStatus?.state == u.state) ? actionStatus!.since : now
        let status = ActionStatus(id: u.id, state: u.state, text: Self.quotingEmphasis(SafeText.clean(u.text)), since: since)
        if actionStatus != status {
            activity.append(ActivityItem(at: now, kind: .info, actor: "", text: status.feedText))
            if activity.count > Self.feedLimit { activity.removeFirst(activity.count - Self.feedLimit) }
        }
        actionStatus = status
        message = nil
    }

    /// The engine marks the element an action names as `*Save settings*` (the
    /// customer's overlay shows it bold); a terminal line shows it in quotes.
    static func quotingEmphasis(_ text: String) -> String {
        text.replacingOccurrences(of: #"\*([^*\n]+)\*"#, with: "“$1”", options: .regularExpression)
    }

    mutating func approvalRequested(_ r: ApprovalRequest) {
        approvals.removeAll { $0.sessionId == r.sessionId }
        approvals.append(r)
        if dialog == nil {
            dialog = .approval(r)
        } else {
            message = StatusMessage(.info, "\(SafeText.clean(r.agentName)) asks for \(r.mode.title) — A to answer")
        }
    }

    /// A session no longer waits for a manager (another manager answered, or the request lapsed).
    mutating func approvalSettled(_ s: SessionSummary) {
        guard approvals.contains(where: { $0.sessionId == s.id }) else { return }
        approvals.removeAll { $0.sessionId == s.id }
        if case let .approval(open)? = dialog, open.sessionId == s.id {
            dialog = approvals.first.map(ConsoleDialog.approval)
            message = StatusMessage(.info, "The \(open.mode.title) request on \(open.ticket.id) was settled elsewhere")
        }
    }

    // MARK: - the pointer

    /// Sends the cursor as the agent's pointer when it moved, at most 10 times a second.
    mutating func pointerCommands() -> [ConsoleCommand] {
        guard canPoint, let p = agentCursor, p != lastPointerSent else { pointerPending = false; return [] }
        guard now.timeIntervalSince(lastPointerAt) >= Self.pointerInterval else { pointerPending = true; return [] }
        lastPointerSent = p; lastPointerAt = now; pointerLive = true; pointerPending = false
        return [.send(.agentPointer(AgentPointer(at: AnnotationAnchor.at(x: p.x, y: p.y, in: scene))))]
    }

    /// Hides the mirrored pointer (`{at: null}`) if one is showing.
    mutating func hidePointerCommands() -> [ConsoleCommand] {
        pointerPending = false
        guard pointerLive else { return [] }
        pointerLive = false; lastPointerSent = nil
        return [.send(.agentPointer(AgentPointer(at: nil)))]
    }

    /// The runner calls this every loop: a throttled pointer move goes out once its time comes.
    public mutating func tick(now: Date) -> [ConsoleCommand] {
        self.now = now
        return pointerPending ? pointerCommands() : []
    }

    mutating func togglePointer() -> [ConsoleCommand] {
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        pointerShared.toggle()
        message = StatusMessage(.info, pointerShared ? "Your pointer is shown to the customer (Guided and above)" : "Your pointer is hidden from the customer")
        return pointerShared ? pointerCommands() : hidePointerCommands()
    }

    // MARK: - annotate mode

    mutating func startAnnotating() -> [ConsoleCommand] {
        if options.watch {
            // Not offered to a watcher, but the engine is the one that decides: what it says is shown.
            message = StatusMessage(.info, "Watching: marks from a read-only console are refused by the engine")
        } else if let refusal = controlRefusal(need: .guided, what: "Annotating") {
            message = StatusMessage(.error, refusal)
            return []
        }
        guard let viewport = scene?.viewport else { message = StatusMessage(.error, "No page to annotate yet"); return [] }
        annotate = AnnotateState(tool: .arrow)
        if agentCursor == nil { agentCursor = Point(x: viewport.width / 2, y: viewport.height / 2) }
        return pointerCommands()
    }

    mutating func selectTool(_ tool: AnnotationTool) {
        guard var state = annotate else { return }
        state.tool = tool
        state.first = nil
        annotate = state
        message = nil
    }

    /// Esc first drops a two-point mark's first point, then leaves; q leaves at once.
    mutating func leaveAnnotate(stepBack: Bool) {
        guard var state = annotate else { return }
        if stepBack, state.first != nil { state.first = nil; annotate = state } else { annotate = nil; message = nil }
    }

    /// Enter (or a click) in annotate mode: the first point of a two-point
    /// tool, else the mark itself (a label asks for its text first).
    mutating func placePoint(_ p: Point) -> [ConsoleCommand] {
        guard var state = annotate else { return [] }
        if state.tool.spansTwoPoints {
            guard let first = state.first else {
                state.first = p; annotate = state
                return []
            }
            if sameCell(first, p) {
                message = StatusMessage(.error, "Move to the second point first (arrows or drag)")
                return []
            }
            state.first = nil; annotate = state
            return addMark(tool: state.tool, at: first, to: p)
        }
        if state.tool == .label {
            dialog = .prompt(.label(at: p), draft: "")
            return []
        }
        return addMark(tool: state.tool, at: p)
    }

    mutating func addMark(tool: AnnotationTool, at: Point, to: Point? = nil, text: String? = nil) -> [ConsoleCommand] {
        let page = scene
        let anchor = { (p: Point) in AnnotationAnchor.at(x: p.x, y: p.y, in: page) }
        let mark = Annotation(id: freshID("m"), tool: tool, at: anchor(at), to: to.map(anchor), text: text)
        message = nil
        return [.send(.annotate(AnnotationCommand(op: .add, annotation: mark)))]
    }

    func sameCell(_ a: Point, _ b: Point) -> Bool {
        guard let viewport = scene?.viewport else { return a == b }
        let proj = SceneProjection(viewport: viewport, area: viewArea)
        return proj.cell(a) == proj.cell(b)
    }

    // MARK: - control actions

    /// The topmost node under the cursor (the page's root excluded).
    var nodeUnderCursor: SceneNode? {
        guard let p = agentCursor, let scene else { return nil }
        return scene.topmostNode(atX: p.x, y: p.y, excluding: ["root"])
    }

    /// How a node is named in messages: its text, label, or id.
    static func describe(_ node: SceneNode) -> String {
        let raw = node.kind == .text ? (node.text ?? "") : (node.label ?? node.text ?? "")
        let name = SafeText.clean(raw).trimmingCharacters(in: .whitespaces)
        let short = name.count > 40 ? String(name.prefix(39)) + "…" : name
        return short.isEmpty ? node.id : short
    }

    /// The node to act on, or nil with the reason in the message line.
    mutating func actionTarget(_ verb: String) -> SceneNode? {
        guard agentCursor != nil else {
            message = StatusMessage(.error, "Move your cursor onto what to \(verb) (arrows or the mouse)")
            return nil
        }
        guard let node = nodeUnderCursor else {
            message = StatusMessage(.error, "Nothing under the cursor to \(verb)")
            return nil
        }
        if ProtectedElements.isProtected(node, in: scene) {
            message = StatusMessage(.error, "\(Self.describe(node)) is a protected field (masked, password or payment): nothing sent")
            return nil
        }
        return node
    }

    mutating func clickAtCursor() -> [ConsoleCommand] {
        if let refusal = controlRefusal(need: .controlled, what: "Clicking") { message = StatusMessage(.error, refusal); return [] }
        guard let node = actionTarget("click") else { return [] }
        message = StatusMessage(.info, "Asked to click \(Self.describe(node))…")
        return [.send(.controlAction(ControlAction(id: freshID("a"), kind: .click, target: node.id)))]
    }

    mutating func typeAtCursor() -> [ConsoleCommand] {
        if let refusal = controlRefusal(need: .controlled, what: "Typing") { message = StatusMessage(.error, refusal); return [] }
        guard let node = actionTarget("type into") else { return [] }
        // The cursor on a field's drawn label or value is on the field.
        guard let scene, let field = ProtectedElements.field(of: node, in: scene) else {
            message = StatusMessage(.error, "\(Self.describe(node)) is not a form field: put the cursor on one to type")
            return []
        }
        dialog = .prompt(.type(target: field.id, field: Self.describe(field)), draft: "")
        return []
    }

    mutating func scroll(dy: Double) -> [ConsoleCommand] {
        if let refusal = controlRefusal(need: .controlled, what: "Scrolling") { message = StatusMessage(.error, refusal); return [] }
        message = StatusMessage(.info, "Asked to scroll \(dy < 0 ? "up" : "down")…")
        return [.send(.controlAction(ControlAction(id: freshID("a"), kind: .scroll, dy: dy)))]
    }

    mutating func requestScreenshot() -> [ConsoleCommand] {
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        message = StatusMessage(.info, "Asked the customer for a screenshot (kept encrypted with the session, never on this machine)…")
        awaitingAnswers.insert(.screenshot)
        return [.send(.requestScreenshot)]
    }

    /// An answer to a question this console asked reaches the message line as well as the feed.
    mutating func answerArrived(_ item: ActivityItem) {
        guard let question = awaitingAnswers.first(where: { $0.isAnswer(item) }) else { return }
        awaitingAnswers.remove(question)
        let refused = item.kind == .warning || item.kind == .denied || item.text.contains("declined") || item.text.contains("NOT okay")
        message = StatusMessage(refused ? .error : .info, SafeText.clean(item.text))
    }

    // MARK: - participants, hand-over, viewers, approvals

    /// Who control can go to: the agent and connected viewers (watchers never hold it).
    public var handOverCandidates: [Participant] { participants.filter { $0.kind != .watcher } }

    mutating func openHandOver() -> [ConsoleCommand] {
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        let candidates = handOverCandidates
        guard candidates.count > 1 else {
            message = StatusMessage(.error, "Nobody else to hand control to — v invites a viewer")
            return []
        }
        dialog = .handOver(selected: candidates.firstIndex { !$0.controller } ?? 0)
        return []
    }

    /// ↑/k and ↓/j in a pick list of `count` lines: the new selection; nil for any other key.
    static func listMove(_ selected: Int, _ key: ConsoleKey, count: Int) -> Int? {
        switch key {
        case .up, .character("k"): max(0, selected - 1)
        case .down, .character("j"): min(max(0, count - 1), selected + 1)
        default: nil
        }
    }

    mutating func handleHandOverDialog(_ selected: Int, _ key: ConsoleKey) -> [ConsoleCommand] {
        let candidates = handOverCandidates
        if let moved = Self.listMove(selected, key, count: candidates.count) { dialog = .handOver(selected: moved); return [] }
        switch key {
        case .escape: dialog = nil
        case .enter:
            dialog = nil
            guard selected < candidates.count else { return [] }
            let to = candidates[selected]
            if to.controller { message = StatusMessage(.info, "\(SafeText.clean(to.name)) already holds control"); return [] }
            var out = [ConsoleCommand]()
            if to.name != myName { out = hidePointerCommands() }
            message = StatusMessage(.info, "Handing control to \(SafeText.clean(to.name))…")
            return out + [.send(.handOver(HandOver(to: to.name)))]
        default: break
        }
        return []
    }

    mutating func inviteViewer() -> [ConsoleCommand] {
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        dialog = .prompt(.viewerName, draft: "")
        return []
    }

    mutating func openApproval() {
        if let first = approvals.first { dialog = .approval(first) } else { message = StatusMessage(.info, "No Full Control requests waiting") }
    }

    mutating func handleApproval(_ request: ApprovalRequest, _ key: ConsoleKey) -> [ConsoleCommand] {
        let approve: Bool
        switch key {
        case .character("y"), .character("Y"): approve = true
        case .character("n"), .character("N"): approve = false
        case .escape:
            dialog = nil
            return []
        default: return []
        }
        approvals.removeAll { $0.sessionId == request.sessionId }
        dialog = approvals.first.map(ConsoleDialog.approval)
        message = StatusMessage(.info, "\(approve ? "Approved" : "Denied") \(request.mode.title) for \(SafeText.clean(request.agentName)) on \(request.ticket.id)")
        return [.send(.approvalAnswer(ApprovalAnswer(sessionId: request.sessionId, approve: approve)))]
    }

    // MARK: - prompts

    enum EditResult: Equatable { case cancel, changed(String), submit(String), ignored }

    /// One-line editing shared by the note and every prompt: printable
    /// characters append, Backspace deletes, Enter submits the trimmed text.
    static func edit(_ draft: String, _ key: ConsoleKey, maxCharacters: Int = .max, maxBytes: Int = .max) -> EditResult {
        switch key {
        case .escape: return .cancel
        case .backspace: return .changed(String(draft.dropLast()))
        case .enter: return .submit(draft.trimmingCharacters(in: .whitespaces))
        case .tab: return edit(draft, .character(" "), maxCharacters: maxCharacters, maxBytes: maxBytes)
        case let .character(c):
            let control = c.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false
            guard !control, draft.count < maxCharacters, draft.utf8.count + String(c).utf8.count <= maxBytes else { return .ignored }
            return .changed(draft + String(c))
        default: return .ignored
        }
    }

    mutating func handlePrompt(_ purpose: PromptPurpose, _ draft: String, _ key: ConsoleKey) -> [ConsoleCommand] {
        switch Self.edit(draft, key, maxBytes: purpose.maxBytes) {
        case .cancel: dialog = nil
        case let .changed(next): dialog = .prompt(purpose, draft: next)
        case .ignored: break
        case let .submit(text):
            switch purpose {
            case let .label(at):
                guard !text.isEmpty else { dialog = nil; return [] }
                dialog = nil
                return addMark(tool: .label, at: at, text: text)
            case let .type(target, field):
                dialog = nil
                message = StatusMessage(.info, "Asked to type into \(field)…")
                return [.send(.controlAction(ControlAction(id: freshID("a"), kind: .type, target: target, text: text)))]
            case let .modeReason(mode):
                if text.isEmpty && agent?.level != .manager {
                    message = StatusMessage(.error, "A reason is needed: the approving manager reads it")
                    return []
                }
                return requestMode(mode, reason: text.isEmpty ? nil : text)
            case .viewerName:
                guard !text.isEmpty else { dialog = nil; return [] }
                dialog = nil
                pendingInvite = text
                message = StatusMessage(.info, "Inviting \(SafeText.clean(text)) as a viewer…")
                return [.send(.inviteViewer(InviteViewer(name: text)))]
            case .followUpPlan, .followUpOwner, .followUpDue, .escalateTo, .escalateReason:
                return outcomePromptAnswered(purpose, text)
            case let .handOffReason(to): handOffReasonGiven(to: to, text)
            }
        }
        return []
    }

    // MARK: - mouse

    /// The page point at the centre of a screen cell (clamped into the page area).
    func pagePoint(x: Int, y: Int) -> Point? {
        guard let viewport = scene?.viewport, !viewArea.isEmpty else { return nil }
        let cx = min(max(x, viewArea.x), viewArea.maxX - 1) - viewArea.x
        let cy = min(max(y, viewArea.y), viewArea.maxY - 1) - viewArea.y
        return SceneProjection(viewport: viewport, area: viewArea).point(x: cx, y: cy)
    }

    func insideView(_ x: Int, _ y: Int) -> Bool {
        x >= viewArea.x && x < viewArea.maxX && y >= viewArea.y && y < viewArea.maxY
    }

    /// Click = put the cursor there (in annotate mode: place a point); drag =
    /// a two-point mark from press to release; the wheel scrolls the page.
    public mutating func handle(mouse: ConsoleMouse) -> [ConsoleCommand] {
        guard dialog == nil, screen == .workstation, scene != nil else { return [] }
        let (x, y) = mouse.position
        switch mouse {
        case .press:
            guard insideView(x, y), let p = pagePoint(x: x, y: y) else { return [] }
            agentCursor = p; mouseDown = p
            return pointerCommands()
        case .drag:
            guard mouseDown != nil, let p = pagePoint(x: x, y: y) else { return [] }
            agentCursor = p
            return pointerCommands()
        case .release:
            guard let start = mouseDown, let p = pagePoint(x: x, y: y) else { return [] }
            mouseDown = nil
            agentCursor = p
            var out = pointerCommands()
            guard var state = annotate else { return out }
            if state.tool.spansTwoPoints && !sameCell(start, p) {
                state.first = start
                annotate = state
            }
            out += placePoint(p)
            return out
        case .wheelUp:
            guard insideView(x, y) else { return [] }
            return scroll(dy: -Self.scrollStep)
        case .wheelDown:
            guard insideView(x, y) else { return [] }
            return scroll(dy: Self.scrollStep)
        }
    }
}
