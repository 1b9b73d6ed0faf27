import Engine
import Foundation

public enum ConsoleScreen: Equatable, Sendable {
    case lobby
    case workstation
    /// The operations dashboard, opened from the lobby.
    case dashboard
}

/// Modal overlays. While one is open it receives every key.
public enum ConsoleDialog: Equatable, Sendable {
    case help
    case confirmEnd
    case modeMenu(selected: Int)
    /// The one-time link to hand to the customer (shown once, right after minting).
    case link(url: String, ticketID: String)
    case note(draft: String)
    /// A one-line text prompt (label text, text to type, a reason, a viewer's name).
    case prompt(PromptPurpose, draft: String)
    /// A manager's decision on an agent's Full Control request.
    case approval(ApprovalRequest)
    /// Pick who gets control.
    case handOver(selected: Int)
    /// The one-time link for an invited viewer (shown once).
    case viewerLink(name: String, url: String)
    /// Something the engine refused, worth more than the message line.
    case refused(title: String, text: String)
    /// The one-time presenter link: the agent opens it in their own browser to show the customer a page.
    case presenterLink(url: String, customer: String)
    /// "Stop showing your page?" before `stop-presenting`.
    case confirmStopPresenting
    /// "Start a session for this ticket?": starting one mints a link the customer will get.
    case confirmStart(Ticket, record: Bool)
    /// "Leave this live session?" before detaching from a session still running.
    case confirmLeave
    /// "Quit with live sessions?": end them, or leave them running (when the engine runs on).
    case confirmQuit(live: [String])
    /// The `:` command palette: a command name, Tab completes.
    case palette(draft: String)
    /// `/`: what the lobby (or the activity feed) is filtered by, applied as it is typed.
    case filter(draft: String)
    /// The last messages, newest last (they leave the message line after a while).
    case messages
    /// The pages the customer has been on, with their addresses whole (the feed shortens them).
    case pages
    /// "How did it go?" for a session that has ended: the outcome its ticket gets.
    case sayOutcome
    /// What the engine wrote back to the ticket.
    case wrapUp(WrapUp)
    /// Hand the session off: who takes it (then the reason, then whether to stay).
    case handOffPick(selected: Int)
    /// Hand the session off: stay on as a watcher, or leave once it is taken.
    case handOffStay(to: String, reason: String)
    /// A session handed to this agent: take it over, or decline.
    case handOffOffer(HandOffOffer)
}

/// What a text prompt is for, and so what its Enter sends.
public enum PromptPurpose: Equatable, Sendable {
    /// The text of a label placed at a viewport point.
    case label(at: Point)
    /// Text to type into a field of the customer's page.
    case type(target: String, field: String)
    /// Why the agent asks for a mode (Full Control: read by the approving manager).
    case modeReason(ControlMode)
    /// The name of one of the customer's team to invite as a viewer.
    case viewerName
    /// Follow-up needed: what happens next, then who does it, then by when.
    case followUpPlan
    case followUpOwner(plan: String)
    case followUpDue(plan: String, owner: String)
    /// Escalated: to whom, then why.
    case escalateTo
    case escalateReason(to: String)
    /// Handing the session off: why (the specialist and the customer read it).
    case handOffReason(to: String)

    public var title: String {
        switch self {
        case .label: "Label text (the customer sees it)"
        case let .type(_, field): "Type into \(field)"
        case let .modeReason(mode): "Why do you need \(mode.title)?"
        case .viewerName: "Invite a viewer: their name"
        case .followUpPlan: "Follow-up needed: what happens next?"
        case .followUpOwner: "Follow-up: who does it?"
        case .followUpDue: "Follow-up: by when? (YYYY-MM-DD)"
        case .escalateTo: "Escalated: to whom (a person or a team)?"
        case .escalateReason: "Escalated: why?"
        case let .handOffReason(to): "Hand off to \(SafeText.clean(to)): why?"
        }
    }

    public var hint: String {
        switch self {
        case .label: "Enter  place the label · Esc  cancel"
        case .type: "Enter  ask the customer to allow it · Esc  cancel"
        case .modeReason: "A manager approves first, then the customer. Enter  ask · Esc  cancel"
        case .viewerName: "Enter  mint a one-time viewer link · Esc  cancel"
        case .followUpPlan, .followUpOwner, .escalateTo: "It goes on the ticket. Enter  next · Esc  cancel"
        case .followUpDue, .escalateReason: "It goes on the ticket. Enter  record it · Esc  cancel"
        case .handOffReason: "They read it, and so does the customer. Enter  next · Esc  cancel"
        }
    }

    var maxBytes: Int {
        switch self {
        case .label: Annotation.maxLabelBytes
        case .type: ControlAction.maxTextBytes
        case .modeReason: ModeRequest.maxReasonBytes
        case .viewerName: InviteViewer.maxNameBytes
        case .followUpPlan, .followUpOwner, .followUpDue, .escalateTo, .escalateReason: SessionOutcome.maxTextBytes
        case .handOffReason: HandOffRequest.maxReasonBytes
        }
    }
}

/// A question the agent puts to the customer through the engine, answered in the activity feed.
public enum CustomerQuestion: Hashable, Sendable {
    case extensionOfTime, quality, screenshot

    /// Whether an activity row is the answer (the engine's own rows, by kind and words).
    func isAnswer(_ item: ActivityItem) -> Bool {
        switch self {
        case .extensionOfTime: item.kind == .extended || (item.kind == .info && item.text.contains("extension"))
        case .quality: (item.kind == .info || item.kind == .warning) && item.text.contains("screen quality is")
        case .screenshot: item.text.hasPrefix("Screenshot") || item.text.contains("screenshot")
        }
    }
}

/// A message as it was shown, for the history.
public struct TimedMessage: Equatable, Sendable {
    public let at: Date
    public let message: StatusMessage
}

/// The lobby's sort order (`o` cycles).
public enum LobbyOrder: CaseIterable, Equatable, Sendable {
    case asListed, age, waitingOn, customer, category, ticket

    public var title: String {
        switch self {
        case .asListed: "waiting (the help desk's order)"
        case .age: "age (oldest session first)"
        case .waitingOn: "waiting on (the customer first)"
        case .customer: "customer"
        case .category: "category"
        case .ticket: "ticket number"
        }
    }

    var next: LobbyOrder { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }

    /// Tickets carry no times of their own: by age or waiting, they keep the help desk's order (oldest first).
    func sorted(_ tickets: [Ticket]) -> [Ticket] {
        switch self {
        case .asListed, .age, .waitingOn: tickets
        case .customer: tickets.sorted { ($0.customer.lowercased(), $0.id) < ($1.customer.lowercased(), $1.id) }
        case .category: tickets.sorted { (($0.category ?? "~").lowercased(), $0.id) < (($1.category ?? "~").lowercased(), $1.id) }
        case .ticket: tickets.sorted { $0.id.localizedStandardCompare($1.id) == .orderedAscending }
        }
    }

    /// Who a session waits on, most urgent first: a customer who has not opened the link or
    /// answered, then one who is away, then live sessions.
    static func waitRank(_ s: SessionSummary) -> Int {
        if s.status == .linkMinted || s.status == .linkOpened { return 0 }
        if !s.customerConnected { return 1 }
        if s.pendingModeRequest != nil || s.awaitingManager == true { return 2 }
        return 3
    }

    /// Sessions: as the engine lists them, else as their tickets sort.
    func sorted(_ sessions: [SessionSummary]) -> [SessionSummary] {
        switch self {
        case .asListed: return sessions
        case .age: return sessions.sorted { ($0.startedAt ?? $0.createdAt) < ($1.startedAt ?? $1.createdAt) }
        case .waitingOn: return sessions.sorted { (Self.waitRank($0), $0.createdAt) < (Self.waitRank($1), $1.createdAt) }
        default:
            let order = sorted(sessions.map(\.ticket)).map(\.id)
            return sessions.sorted { (order.firstIndex(of: $0.ticket.id) ?? 0) < (order.firstIndex(of: $1.ticket.id) ?? 0) }
        }
    }
}

public struct StatusMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case info, error }
    public var kind: Kind
    public var text: String
    public init(_ kind: Kind, _ text: String) { self.kind = kind; self.text = text }
}

/// One selectable line of the lobby.
public enum LobbyRow: Equatable, Sendable {
    case session(SessionSummary)
    /// A live session of another agent (supervisors and managers): Enter watches it read-only.
    case teamSession(SessionSummary)
    case ticket(Ticket)
}

/// The console as a pure state machine: engine messages and keys in, wire
/// messages (and quit) out. No terminal, no clock, no I/O — the runner feeds
/// it and the screens draw it.
public struct ConsoleModel: Equatable, Sendable {
    public static let feedLimit = 500
    public static let extensionMinutes = 15

    public let options: ConsoleOptions
    public internal(set) var screen: ConsoleScreen = .lobby
    public internal(set) var agent: Agent?
    public internal(set) var lobby: Lobby?
    public internal(set) var lobbySelection = 0
    public internal(set) var session: SessionSummary?
    public internal(set) var scene: Scene?
    public internal(set) var activity: [ActivityItem] = []
    public internal(set) var notes: [NoteEntry] = []
    public internal(set) var dialog: ConsoleDialog?
    /// The message line. It says what just happened, so it has a lifetime
    /// (`visibleMessage`); what is true now lives in the status bar.
    public internal(set) var message: StatusMessage? {
        didSet {
            messageSince = now
            if let message, message != oldValue {
                messageHistory.append(TimedMessage(at: now, message: message))
                if messageHistory.count > Self.messageHistoryLimit { messageHistory.removeFirst(messageHistory.count - Self.messageHistoryLimit) }
            }
        }
    }
    /// Questions this console put to the customer whose answer is still to come: when it comes
    /// (as an activity row), the message line says it, instead of only the feed.
    public internal(set) var awaitingAnswers: Set<CustomerQuestion> = []
    /// What the message line said, for `M`.
    public private(set) var messageHistory: [TimedMessage] = []
    static let messageHistoryLimit = 50
    /// `/` in the lobby: only lines containing this (any case).
    public internal(set) var lobbyFilter = ""
    /// `/` in a session: only activity containing this.
    public internal(set) var feedFilter = ""
    public internal(set) var lobbyOrder: LobbyOrder = .asListed
    /// The session on screen is another agent's, attached read-only from the lobby.
    public internal(set) var watchingTeamSession = false
    /// Mouse reporting (`z` toggles; `--no-mouse` starts with it off).
    public internal(set) var mouseOn = true
    public private(set) var messageSince = Date(timeIntervalSince1970: 0)
    /// How long a message stays on the line: news, then a refusal worth reading twice.
    static let infoLifetime: TimeInterval = 8
    static let errorLifetime: TimeInterval = 20

    /// The message to show at `now`, or nil once it has had its time.
    public func visibleMessage(now: Date) -> StatusMessage? {
        guard let message else { return nil }
        let lifetime = message.kind == .error ? Self.errorLifetime : Self.infoLifetime
        return now.timeIntervalSince(messageSince) < lifetime ? message : nil
    }
    public internal(set) var symbols: BlitSymbols
    /// The agent's highlighted cursor, in page coordinates so it stays on the
    /// same element whatever the console's size.
    public internal(set) var agentCursor: Point?
    /// Small terminals hide the activity feed until `f` shows it.
    public internal(set) var feedShown = false
    /// A full scene has been requested after a delta that did not fit.
    public internal(set) var awaitingScene = false
    /// Cells the page is drawn into, set by the runner after layout; the
    /// cursor moves one cell per arrow key.
    public var viewCells: GridSize {
        get { viewArea.size }
        set { viewArea = CellRect(x: viewArea.x, y: viewArea.y, width: newValue.columns, height: newValue.rows) }
    }
    /// Where the page is drawn on the screen, set by the runner after layout:
    /// mouse cells map onto the page through it.
    public var viewArea = CellRect(x: 0, y: 3, width: 80, height: 18)
    /// The runner's clock, set before every call (pointer throttling, action countdowns).
    public var now = Date(timeIntervalSince1970: 0)
    /// Makes this console's annotation and action ids unique within a session (the runner sets a random one).
    public var idSeed = "c"

    /// The engine's current set of marks (everyone's).
    public internal(set) var annotations: [Annotation] = []
    /// Live pointers by author (the engine relays the controller's).
    public internal(set) var pointers: [String: AnnotationAnchor] = [:]
    public internal(set) var participants: [Participant] = []
    /// Annotate mode: the tool and, for two-point tools, the first point.
    public internal(set) var annotate: AnnotateState?
    /// Where the latest control action stands (one-line status).
    public internal(set) var actionStatus: ActionStatus?
    /// Managers: Full Control requests waiting for an answer.
    public internal(set) var approvals: [ApprovalRequest] = []
    /// Sessions other agents hand to this one, waiting for an answer.
    public internal(set) var handOffs: [HandOffOffer] = []
    /// The name of a viewer invitation waiting for its link (an error then belongs to it).
    public internal(set) var pendingInvite: String?
    /// The channel the last start asked the engine to send the link on (help desk, e-mail, SMS); nil: shown to the agent.
    var linkGoesBy: LinkDelivery?
    /// Sessions this console has said the outcome of (the engine answered with the wrap-up).
    public internal(set) var outcomeGiven: Set<String> = []
    /// Sessions whose outcome this console has sent and not yet heard back about.
    var outcomeAsked: Set<String> = []
    /// The agent's pointer is mirrored to the customer (Guided and above); `p` turns it off.
    public internal(set) var pointerShared = true
    /// Mirror mode: the page the agent shows the customer (see ConsoleModel+Presenting).
    public internal(set) var mirror = MirrorState()
    /// The operations dashboard (see ConsoleModel+Dashboard).
    public internal(set) var dashboard = DashboardState()
    /// Customer view, split view or the shown page only (`V` cycles).
    public internal(set) var viewMode: ViewMode = .customer
    var pointerLive = false
    var pointerPending = false
    var lastPointerSent: Point?
    var lastPointerAt = Date.distantPast
    var nextID = 1
    /// A press in the page, for drags (annotate mode).
    var mouseDown: Point?

    public init(options: ConsoleOptions = ConsoleOptions()) {
        self.options = options
        symbols = options.symbols
        mouseOn = options.mouse
    }

    /// What to send when the link is up: attach straight away or ask for the lobby.
    public func startupCommands() -> [ConsoleCommand] {
        if let id = options.sessionID { return [.send(.attach(Attach(sessionId: id, watch: options.watch)))] }
        return [.send(.lobbyRequest)]
    }

    /// The lobby's lines as listed: open sessions, then tickets, each sorted by `lobbyOrder` and filtered by `lobbyFilter`.
    public var lobbyRows: [LobbyRow] {
        guard let lobby else { return [] }
        let sessions = lobbyOrder.sorted(lobby.sessions.filter { $0.status != .ended && Self.matches(lobbyFilter, $0) })
        let team = lobbyOrder.sorted((lobby.team ?? []).filter { $0.status != .ended && Self.matches(lobbyFilter, $0) })
        let tickets = lobbyOrder.sorted(lobby.tickets.filter { Self.matches(lobbyFilter, $0) })
        return sessions.map(LobbyRow.session) + team.map(LobbyRow.teamSession) + tickets.map(LobbyRow.ticket)
    }

    static func matches(_ filter: String, _ fields: [String?]) -> Bool {
        filter.isEmpty || fields.contains { $0?.range(of: filter, options: [.caseInsensitive, .diacriticInsensitive]) != nil }
    }
    static func matches(_ filter: String, _ t: Ticket) -> Bool { matches(filter, [t.id, t.customer, t.category, t.subject]) }
    static func matches(_ filter: String, _ s: SessionSummary) -> Bool {
        matches(filter, [s.id, s.agentName, s.status.rawValue, s.controlMode.title]) || matches(filter, s.ticket)
    }

    /// The activity feed as shown: everything, or what `/` filtered it to.
    public var shownActivity: [ActivityItem] {
        feedFilter.isEmpty ? activity : activity.filter { Self.matches(feedFilter, [$0.actor, $0.text, $0.kind.rawValue]) }
    }

    /// A read-only console (`--watch`), or a team session watched from the lobby.
    public var isReadOnly: Bool { options.watch || watchingTeamSession || watchingAfterHandOff }
    public var sessionEnded: Bool { session?.status == .ended }

    // MARK: - engine messages

    @discardableResult
    public mutating func handle(_ message: WireMessage) -> [ConsoleCommand] {
        switch message {
        case let .welcome(w):
            if let a = w.agent { agent = a }
        case let .lobby(l):
            // A customer who asked just now is said on the message line; the ⚑ row stays in the list.
            if let before = lobby, let asked = l.requested,
               let newest = asked.keys.sorted().first(where: { before.requested?[$0] == nil }),
               let ticket = l.tickets.first(where: { $0.id == newest }), let request = asked[newest] {
                self.message = StatusMessage(.info, "⚑ " + LobbyScreen.howTheyAsked(request, customer: ticket.customer, now: now) + " — ticket \(newest)")
            }
            lobby = l
            agent = l.agent
            // The lobby's list is the engine's word on what still waits.
            if let waiting = l.approvals { approvals = waiting }
            handOffs = l.handOffs ?? []
            lobbySelection = min(lobbySelection, max(0, lobbyRows.count - 1))
        case let .sessionStarted(started):
            if let via = linkGoesBy {
                linkGoesBy = nil
                let how = via == .helpdesk ? "as a reply on the help desk" : via.phrase
                self.message = StatusMessage(.info, "\(started.session.ticket.id): the link is on its way to \(SafeText.clean(started.session.ticket.customer)) \(how); the feed says when it is accepted")
            } else {
                dialog = .link(url: started.link, ticketID: started.session.ticket.id)
            }
            return [.send(.attach(Attach(sessionId: started.session.id, watch: false)))]
        case let .snapshot(snap):
            screen = .workstation
            session = snap.summary
            scene = snap.scene
            activity = Array(snap.activity.suffix(Self.feedLimit))
            notes = snap.notes
            awaitingScene = false
            agentCursor = nil
            resetLiveState()
            resetMirror()
            if case .help? = dialog { dialog = nil }
        case let .summary(s):
            if var l = lobby, let i = l.sessions.firstIndex(where: { $0.id == s.id }) { l.sessions[i] = s; lobby = l }
            if var l = lobby, let i = l.team?.firstIndex(where: { $0.id == s.id }) { l.team?[i] = s; lobby = l }
            if s.awaitingManager != true { approvalSettled(s) }
            handOffSettled(s)
            if session?.id == s.id {
                let old = session
                return summaryChanged(s) + handOffChanged(from: old, to: s)
            }
        case var .activity(item):
            guard screen == .workstation else { break }
            item.text = Self.quotingEmphasis(item.text)
            activity.append(item)
            answerArrived(item)
            if activity.count > Self.feedLimit { activity.removeFirst(activity.count - Self.feedLimit) }
        case let .note(n):
            guard screen == .workstation else { break }
            notes.append(n)
        case let .scene(s):
            guard screen == .workstation else { break }
            scene = s
            awaitingScene = false
        case let .sceneDelta(d):
            guard screen == .workstation else { break }
            if let current = scene, let next = try? current.applying(d) {
                scene = next
            } else if !awaitingScene {
                // A lost message must never leave a silently wrong picture: ask for a full scene, once.
                awaitingScene = true
                return [.send(.requestScene)]
            }
        case let .quality(q):
            if var s = session { s.quality = q.quality; s.rttMs = q.rttMs; s.lossPercent = q.lossPercent; session = s }
        case let .wrapUp(w): wrapUpArrived(w)
        case let .linkRenewed(r):
            guard session?.id == r.sessionId, !isReadOnly else { break }
            let who = session.map { SafeText.clean($0.ticket.customer) } ?? "The customer"
            self.message = StatusMessage(.info, r.sentVia.map { "\(who) dropped: a new link went by \($0)" } ?? "\(who) dropped: send them this new link")
            if r.sentVia == nil { dialog = .link(url: r.link, ticketID: session?.ticket.id ?? "") }
        case let .sessionEnded(e):
            if var s = session, s.id == e.sessionId {
                s.status = .ended; s.endReason = e.reason; session = s
                let ask = isReadOnly || outcomeGiven.contains(s.id) || outcomeAsked.contains(s.id) ? "" : " o: how it went ·"
                self.message = StatusMessage(.info, "Session ended: \(e.reason.title).\(ask) q: lobby")
                if dialog == .confirmEnd || dialog == .confirmStopPresenting { dialog = nil }
                // The engine stops a showing with the session (no `presenting` follows).
                resetMirror()
                // Nobody holds control of an ended session.
                participants = participants.map { var p = $0; p.controller = false; return p }
            }
        case let .dashboard(d): dashboardArrived(d)
        case let .error(e):
            linkGoesBy = nil
            dashboard.loading = false
            self.message = StatusMessage(.error, "\(e.code.rawValue): \(e.message)")
            if let name = pendingInvite {
                pendingInvite = nil
                if dialog == nil { dialog = .refused(title: "Viewer not invited", text: "\(name): \(e.message)") }
            } else {
                presentingRefused(e)
            }
        case let .annotations(set):
            guard screen == .workstation else { break }
            annotations = set.items
        case let .agentPointer(p):
            guard screen == .workstation else { break }
            pointers[p.author ?? ""] = p.at
        case let .participants(list):
            guard screen == .workstation else { break }
            participants = list.items
        case let .actionUpdate(u):
            guard screen == .workstation else { break }
            actionUpdated(u)
        case let .approvalRequest(r):
            approvalRequested(r)
        case let .handOffOffer(o):
            handOffOffered(o)
        case let .viewerInvited(v):
            pendingInvite = nil
            // "Inviting Sam…" is answered by the link itself.
            if self.message?.text.hasPrefix("Inviting ") == true { self.message = nil }
            dialog = .viewerLink(name: v.name, url: v.link)
        case let .notice(n):
            self.message = StatusMessage(.info, n.text)
        case let .presenterLink(p):
            presenterLinkArrived(p)
        case let .presenting(state):
            guard screen == .workstation else { break }
            presentingChanged(state)
        case let .presentedScene(s):
            guard screen == .workstation else { break }
            presentedSceneArrived(s)
        case let .presentedDelta(d):
            guard screen == .workstation else { break }
            presentedDeltaArrived(d)
        default:
            break
        }
        return []
    }

    // MARK: - keys

    public mutating func handle(key: ConsoleKey) -> [ConsoleCommand] {
        if key == .interrupt { return quitCommands() }
        if let dialog { return handleDialog(dialog, key) }
        let context = keyContext
        guard let binding = KeyMap.binding(for: key, in: context) else {
            // A session key that means nothing here says why, rather than doing nothing.
            if context == .ended || context == .watching, KeyMap.binding(for: key, in: .session) != nil, let refusal = actionRefusal() {
                message = StatusMessage(.error, refusal)
            }
            return []
        }
        return perform(binding, key: key)
    }

    /// Which key table applies now.
    public var keyContext: KeyContext {
        if screen == .lobby { return .lobby }
        if screen == .dashboard { return .dashboard }
        if annotate != nil { return .annotate }
        if isReadOnly { return .watching }
        return sessionEnded ? .ended : .session
    }

    mutating func quitCommands() -> [ConsoleCommand] {
        screen == .workstation ? [.send(.detach), .quit] : [.quit]
    }

    /// What a key (or a `:` command) of the current table does.
    mutating func perform(_ binding: KeyBinding, key: ConsoleKey?) -> [ConsoleCommand] {
        // Showing only the agent's page: keys that act on the customer's (hidden) page wait.
        if screen == .workstation, annotate == nil, viewMode == .shown, binding.actsOnCustomerPage {
            message = StatusMessage(.error, "The customer's page is hidden in this view: V switches back to it")
            return []
        }
        switch binding.action {
        case .help: dialog = .help
        case .palette: dialog = .palette(draft: "")
        case .messages: dialog = .messages
        case .pages: dialog = .pages
        case .filter: dialog = .filter(draft: screen == .lobby ? lobbyFilter : feedFilter)
        case .quit: return askToQuit()
        case .selectPrevious: lobbySelection = max(0, lobbySelection - 1)
        case .selectNext: lobbySelection = min(max(0, lobbyRows.count - 1), lobbySelection + 1)
        case .selectFirst: lobbySelection = 0
        case .selectLast: lobbySelection = max(0, lobbyRows.count - 1)
        case .open, .openRecorded: return openLobbyRow(record: binding.action == .openRecorded)
        case .recordings: return [.openRecordings]
        case .refresh: return screen == .dashboard ? refreshDashboard() : [.send(.lobbyRequest)]
        case .dashboard: return openDashboard()
        case .monthBack: return moveDashboardMonth(by: -1)
        case .monthForward: return moveDashboardMonth(by: 1)
        case .backToLobby: return closeDashboard()
        case .approvals: openApproval()
        case .handOffs: openHandOffOffer()
        case .sort:
            lobbyOrder = lobbyOrder.next
            lobbySelection = 0
            message = StatusMessage(.info, "Sorted by \(lobbyOrder.title)")
        case .moveCursor:
            guard let key else { return [] }
            moveCursor(key)
            return pointerCommands()
        case .click: return clickAtCursor()
        case .type: return typeAtCursor()
        case .scrollUp: return scroll(dy: -Self.scrollStep)
        case .scrollDown: return scroll(dy: Self.scrollStep)
        case .annotate: return startAnnotating()
        case .pointer: return togglePointer()
        case .screenshot: return requestScreenshot()
        case .handOver: return openHandOver()
        case .handOff: return openHandOff()
        case .invite: return inviteViewer()
        case .present: return presentKey()
        case .cycleView: cycleViewMode()
        case .symbols: symbols = symbols == .braille ? .half : .braille
        case .mouse:
            mouseOn.toggle()
            message = StatusMessage(.info, mouseOn ? "Mouse on: click and drag on the page" : "Mouse off: the terminal selects text (z turns it back on)")
            return [.setMouse(mouseOn)]
        case .feed: feedShown.toggle()
        case .escape:
            // Esc only ever closes what is open; leaving the session is q.
            message = StatusMessage(.info, "Esc closes dialogs and tools · q leaves the session")
        case .leave:
            if let s = session, liveSessionIDs.contains(s.id) { dialog = .confirmLeave; return [] }
            return leaveSession()
        case .outcome: return askOutcome()
        case .note, .mode, .extend, .quality, .end:
            if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
            switch binding.action {
            case .note: dialog = .note(draft: "")
            case .mode:
                let current = ControlMode.allCases.firstIndex(of: session?.controlMode ?? .viewOnly) ?? 0
                dialog = .modeMenu(selected: min(ControlMode.allCases.count - 1, current + 1))
            case .extend:
                message = StatusMessage(.info, "Asked the customer for \(Self.extensionMinutes) more minutes…")
                awaitingAnswers.insert(.extensionOfTime)
                return [.send(.requestExtension(ExtensionRequest(minutes: Self.extensionMinutes)))]
            case .quality:
                // The mid-session quality check: the answer arrives as an activity item.
                message = StatusMessage(.info, "Asked the customer whether the screen quality is okay…")
                awaitingAnswers.insert(.quality)
                return [.send(.qualityCheck)]
            default: dialog = .confirmEnd
            }
        case let .tool(tool): selectTool(tool)
        case .placePoint:
            guard let p = agentCursor else { return [] }
            return placePoint(p)
        case .undo: return [.send(.annotate(AnnotationCommand(op: .undo)))]
        case .clearMarks: return [.send(.annotate(AnnotationCommand(op: .clear)))]
        case .leaveAnnotate: leaveAnnotate(stepBack: key == .escape)
        }
        return []
    }

    /// Enter (or r) on the selected lobby line: attach to a session, or ask before starting one for a ticket.
    private mutating func openLobbyRow(record: Bool) -> [ConsoleCommand] {
        let rows = lobbyRows
        guard lobbySelection < rows.count else { return [] }
        message = nil
        switch rows[lobbySelection] {
        case let .session(s):
            watchingTeamSession = false
            return [.send(.attach(Attach(sessionId: s.id, watch: options.watch)))]
        case let .teamSession(s):
            // Another agent's session: watched, never driven (the engine holds the same line).
            watchingTeamSession = true
            return [.send(.attach(Attach(sessionId: s.id, watch: true)))]
        case let .ticket(t):
            if options.watch { message = StatusMessage(.error, "Read-only console: cannot start sessions"); return [] }
            // Starting mints a link the customer will be sent: never on a stray key.
            dialog = .confirmStart(t, record: record)
        }
        return []
    }

    /// The agent's own sessions still running, as far as this console knows.
    var liveSessionIDs: [String] {
        guard !options.watch else { return [] }
        // The lobby lists the agent's own sessions only.
        var ids = (lobby?.sessions ?? []).filter { $0.status != .ended }.map(\.id)
        if let s = session, !sessionEnded, !isReadOnly, !ids.contains(s.id) { ids.insert(s.id, at: 0) }
        return ids
    }

    /// Quits at once when nothing is live; otherwise asks what becomes of the live sessions.
    mutating func askToQuit() -> [ConsoleCommand] {
        let live = liveSessionIDs
        guard !live.isEmpty else { return hidePointerCommands() + quitCommands() }
        dialog = .confirmQuit(live: live)
        return []
    }

    /// Back to the lobby, detached; the session goes on without this console.
    mutating func leaveSession() -> [ConsoleCommand] {
        let hide = hidePointerCommands()
        screen = .lobby
        watchingTeamSession = false
        session = nil; scene = nil; activity = []; notes = []; message = nil; agentCursor = nil; awaitingScene = false
        resetLiveState()
        resetMirror()
        return hide + [.send(.detach), .send(.lobbyRequest)]
    }

    /// Why an action that touches the customer's session is not allowed now, if it is not.
    func actionRefusal() -> String? {
        if isReadOnly { return "Read-only: you are watching this session" }
        if session == nil { return "No session attached" }
        if sessionEnded { return "This session has ended" }
        return nil
    }

    mutating func moveCursor(_ key: ConsoleKey) {
        guard let viewport = scene?.viewport, viewCells.columns > 0, viewCells.rows > 0 else { return }
        let stepX = viewport.width / Double(viewCells.columns), stepY = viewport.height / Double(viewCells.rows)
        let big = Double(Self.bigStepCells)
        var p = agentCursor ?? Point(x: viewport.width / 2, y: viewport.height / 2)
        switch key {
        case .left: p.x -= stepX
        case .right: p.x += stepX
        case .up: p.y -= stepY
        case .down: p.y += stepY
        case .shiftLeft: p.x -= stepX * big
        case .shiftRight: p.x += stepX * big
        case .shiftUp: p.y -= stepY * big
        case .shiftDown: p.y += stepY * big
        default: break
        }
        p.x = min(max(0, p.x), viewport.width - 1); p.y = min(max(0, p.y), viewport.height - 1)
        agentCursor = p
    }

    private mutating func handleDialog(_ open: ConsoleDialog, _ key: ConsoleKey) -> [ConsoleCommand] {
        switch open {
        case let .prompt(purpose, draft): return handlePrompt(purpose, draft, key)
        case let .approval(request): return handleApproval(request, key)
        case let .handOver(selected): return handleHandOverDialog(selected, key)
        case let .handOffPick(selected): return handleHandOffPick(selected, key)
        case let .handOffStay(to, reason): return handleHandOffStay(to: to, reason: reason, key)
        case let .handOffOffer(offer): return handleHandOffOffer(offer, key)
        case let .viewerLink(_, url) where key == .character("c"), let .link(url, _) where key == .character("c"):
            return copyLink(url)
        case .viewerLink, .refused:
            if [.enter, .escape, .character("q"), .character(" ")].contains(key) { dialog = nil }
        case .presenterLink: return handlePresenterLinkDialog(key)
        case .confirmStopPresenting: return handleConfirmStop(key)
        case .help, .link, .messages, .pages:
            if [.enter, .escape, .character("q"), .character("?"), .character("M"), .character("U"), .character(" ")].contains(key) { dialog = nil }
        case let .palette(draft): return handlePalette(draft, key)
        case let .filter(draft): handleFilter(draft, key)
        case let .confirmStart(ticket, record):
            switch key {
            case .character("y"), .character("Y"):
                dialog = nil
                message = StatusMessage(.info, "Starting a session for \(ticket.id)…")
                return [.send(.startSession(StartSession(ticketId: ticket.id, record: record)))]
            case .character("h"), .character("H"), .character("e"), .character("E"), .character("s"), .character("S"):
                let via: LinkDelivery = [.character("h"), .character("H")].contains(key) ? .helpdesk
                    : [.character("e"), .character("E")].contains(key) ? .email : .sms
                dialog = nil
                message = StatusMessage(.info, "Starting a session for \(ticket.id); the link goes out \(via == .helpdesk ? "as a reply on the help desk" : via.phrase)…")
                linkGoesBy = via
                return [.send(.startSession(StartSession(ticketId: ticket.id, record: record, send: via)))]
            case .character("n"), .character("N"), .escape: dialog = nil
            default: break
            }
        case .confirmLeave:
            switch key {
            case .character("y"), .character("Y"):
                dialog = nil
                return leaveSession()
            case .character("n"), .character("N"), .escape: dialog = nil
            default: break
            }
        case let .confirmQuit(live):
            switch key {
            case .character("e"), .character("E"):
                // Each session ends saying so and its recording closes complete; then the console goes.
                dialog = nil
                return hidePointerCommands() + live.map { .send(.endSession(EndSession(sessionId: $0))) } + [.quit]
            case .character("d") where !options.quitEndsSessions, .character("y") where options.quitEndsSessions:
                dialog = nil
                return hidePointerCommands() + quitCommands()
            case .character("n"), .character("N"), .escape: dialog = nil
            default: break
            }
        case .confirmEnd: return handleOutcomeMenu(key, ending: true)
        case .sayOutcome: return handleOutcomeMenu(key, ending: false)
        case .wrapUp:
            if [.enter, .escape, .character("q"), .character(" ")].contains(key) { dialog = nil }
        case let .modeMenu(selected):
            let modes = ControlMode.allCases
            switch key {
            case .up, .character("k"): dialog = .modeMenu(selected: max(0, selected - 1))
            case .down, .character("j"): dialog = .modeMenu(selected: min(modes.count - 1, selected + 1))
            case .escape: dialog = nil
            case .enter: return chooseMode(modes[selected])
            case let .character(c):
                if let n = c.wholeNumberValue, (1...modes.count).contains(n) { return chooseMode(modes[n - 1]) }
            default: break
            }
        case let .note(draft):
            switch Self.edit(draft, key, maxCharacters: AddNote.maxLength) {
            case .cancel: dialog = nil
            case let .changed(next): dialog = .note(draft: next)
            case let .submit(text):
                dialog = nil
                guard !text.isEmpty else { return [] }
                return [.send(.addNote(AddNote(text: String(text.prefix(AddNote.maxLength)))))]
            case .ignored: break
            }
        }
        return []
    }

    /// Why this console cannot ask for `mode` now (the customer's consent, the
    /// agent's level), in the engine's own words; nil when it can. The engine
    /// decides again; this only keeps the menu from offering what it would refuse.
    func modeRefusal(_ mode: ControlMode) -> String? {
        guard let session, mode != session.controlMode else { return nil }
        if let level = agent?.level { return Capabilities(level: level).refusal(toRequest: mode, customerAccess: session.access) }
        return session.access != .controlled && mode > .guided ? "The customer allowed view-only access; Guided is the most you can ask for" : nil
    }

    /// Full Control needs a reason (the approving manager reads it); the other modes go straight out.
    private mutating func chooseMode(_ mode: ControlMode) -> [ConsoleCommand] {
        if let why = modeRefusal(mode) {
            // Said in the menu's place, not as a raw refusal from the engine afterwards.
            message = StatusMessage(.error, "\(mode.title) cannot be asked for: \(why)")
            return []
        }
        if mode == .fullControl, mode != session?.controlMode {
            dialog = .prompt(.modeReason(mode), draft: "")
            return []
        }
        return requestMode(mode, reason: nil)
    }

    mutating func requestMode(_ mode: ControlMode, reason: String?) -> [ConsoleCommand] {
        dialog = nil
        if mode == session?.controlMode {
            message = StatusMessage(.info, "Already in \(mode.title)")
            return []
        }
        let needsManager = mode == .fullControl && agent?.level != .manager
        message = StatusMessage(.info, needsManager ? "Asked for \(mode.title): a manager approves first, then the customer…"
                                                    : "Asked the customer to allow \(mode.title)…")
        return [.send(.requestMode(ModeRequest(mode: mode, reason: reason)))]
    }
}
