import Foundation

/// Limits and timings of one session. Pure data: the state machine reads it,
/// tests shrink it, a tenant may configure it.
public struct SessionPolicy: Equatable, Sendable {
    /// No activity from either side for this long ends the session.
    public var inactivityLimit: TimeInterval = 30 * 60
    /// Hard limit from consent; an extension moves it with the customer's consent.
    public var maxDuration: TimeInterval = 45 * 60
    /// An unused one-time link expires after this.
    public var linkLifetime: TimeInterval = 15 * 60
    /// Customer heartbeat missing this long → "Customer disconnected".
    public var disconnectNotice: TimeInterval = 10
    /// Customer away this long → the agent is offered a retry link.
    public var retryLinkAfter: TimeInterval = 30
    /// The engine pings the customer this often (round-trip and loss feed quality).
    public var heartbeatInterval: TimeInterval = 1
    /// An unanswered mode or extension request lapses (counts as a deny) after this.
    public var answerTimeout: TimeInterval = 60
    /// Longest single extension an agent may ask for.
    public var maxExtensionMinutes: Int = 30
    /// Asked for a full scene this often, so a missed delta heals itself.
    public var fullSceneInterval: TimeInterval = 5
    /// After the end, the customer's connection stays open this long for the
    /// 1–5 star survey (only `survey` and `leave` are taken), then closes.
    public var surveyWindow: TimeInterval = 120
    /// Page errors and failed requests reaching the feed per minute; a page in an
    /// error loop must not bury the agent's feed (the SDK rate-limits too).
    public var pageEventsPerMinute: Int = 20
    /// In Controlled mode an action the customer neither allows nor denies in this
    /// long is denied (the preview disappears from the overlay).
    public var actionApprovalTimeout: TimeInterval = 15
    /// A Full Control request no manager answers in this long lapses.
    public var managerApprovalTimeout: TimeInterval = 5 * 60
    /// A hand-off nobody answers in this long lapses (the first agent keeps the session).
    public var handOffTimeout: TimeInterval = 10 * 60
    /// Viewers of a session: the agent plus the customer's team members (supervisors watch on top).
    public var maxViewers: Int = 3
    /// How far each agent level may take control (a tenant setting).
    public var controlCaps = ControlCaps()

    public init() {}
}

/// Everything that can happen to a session. Transports and the hub turn
/// connections, messages and clock ticks into these; nothing else changes a session.
public enum SessionEvent: Equatable, Sendable {
    /// The customer fetched the consent page behind the link.
    case linkOpened
    /// The customer's SDK connected: first time (token exchanged) or a reconnect (resume key).
    case customerConnected(resumed: Bool)
    case consent(Consent)
    case scene(Scene)
    case sceneDelta(SceneDelta)
    case pong(seq: Int)
    /// The customer's connection dropped without a `leave`.
    case customerDisconnected
    /// The customer pressed "Stop sharing".
    case customerLeft
    case modeRequested(ControlMode, by: Agent, reason: String? = nil)
    /// A manager approved or refused a waiting Full Control request.
    case managerAnswered(approve: Bool, by: Agent)
    case modeAnswered(ModeAnswer)
    case extensionRequested(minutes: Int, by: Agent)
    case extensionAnswered(accept: Bool)
    case noteAdded(NoteEntry)
    case agentEnded(by: String)
    /// The agent ends it because the customer dropped and did not come back ("customer lost").
    case agentGaveUp(by: String)
    case consoleAttached(name: String, role: ParticipantRole)
    case consoleDetached(name: String, role: ParticipantRole)
    /// A console asked for a full scene (it lost track).
    case sceneRequested
    /// The customer rated the session (accepted once, in the survey window after the end).
    case survey(Survey)
    /// A JavaScript error or failed request on the customer's page.
    case pageEvent(PageEvent)
    /// The agent asks "Is the screen quality okay for you?".
    case qualityCheckRequested(by: Agent)
    case qualityAnswered(ok: Bool)
    /// The controller drew, undid or cleared a mark (`by` names the participant).
    case annotate(AnnotationCommand, by: String)
    /// The controller's pointer moved (nil hides it).
    case agentPointer(AnnotationAnchor?, by: String)
    /// The controller wants to click, type or scroll on the customer's page.
    case controlAction(ControlAction, by: String)
    case actionAnswered(ActionAnswer)
    case actionResult(ActionResult)
    case screenshotRequested(by: Agent)
    case screenshotAnswered(allow: Bool)
    /// The agent asked for a link for one more viewer of the customer's team.
    case viewerInviteRequested(name: String, by: Agent)
    case viewerJoined(name: String)
    case viewerLeft(name: String)
    /// Control passes to another participant (`by` must hold it, or be the agent).
    case handOver(to: String, by: String)
    /// The agent asks for a presenter link, to show the customer a page from their own browser.
    case presentRequested(by: Agent)
    /// The agent's presenter tab connected (again), or sent its page.
    case presenterJoined
    case presentedScene(Scene)
    case presentedDelta(SceneDelta)
    /// The agent (or the presenter tab's "Stop sharing") stopped showing the page.
    case presentingStopped(by: String)
    /// The session's agent hands the session to `to` (the hub looked the name
    /// up: `target` is nil when no agent has it), saying why; `stay` keeps them on as a watcher.
    case handOffRequested(to: String, target: Agent?, reason: String, stay: Bool, by: Agent)
    /// An agent answered the hand-off waiting in this session (only its target may).
    case handOffAnswered(accept: Bool, by: Agent)
    /// The customer pressed OK on "… is joining to help".
    case handOffAcknowledged
    /// The clock moved; timeouts and heartbeats are decided here.
    case tick
    /// The engine is shutting down: a live session ends now, saying why.
    case engineStopping
}

/// What the hub must carry out after an event. Order matters: the hub performs
/// effects in the order returned.
public enum SessionEffect: Equatable, Sendable {
    /// Send to the customer's SDK connection (dropped if none is connected).
    case toCustomer(WireMessage)
    /// Send to every console attached to this session.
    case toConsoles(WireMessage)
    /// Store an activity item and stream it to consoles (the hub does both).
    case activity(ActivityItem)
    /// Store a note (it is also sent `toConsoles` as `.note`).
    case storeNote(NoteEntry)
    /// Append to the hash-chained audit log.
    case audit(action: String, actor: String, detail: String)
    /// The summary changed: store it (consoles get `.summary` through `toConsoles`).
    case persist(SessionSummary)
    /// Close the customer's connection.
    case closeCustomer
    /// Store the customer's end-of-session survey with the session (comment already redacted).
    case storeSurvey(SessionSurvey)
    /// Send to every manager's console (Full Control approvals).
    case toManagers(WireMessage)
    /// Reply to whoever sent the event (not a broadcast).
    case reply(WireMessage)
    /// Mint a one-time viewer link for `name` and reply `viewer-invited` to the asker.
    case mintViewerLink(name: String)
    /// Send to the agent's presenter tab (dropped if none is connected).
    case toPresenter(WireMessage)
    /// Mint a one-time presenter link and reply `presenter-link` to the asker.
    case mintPresenterLink
    /// Mint the customer's one-time mirror link and send them `presenting` with it.
    case offerMirror(by: String)
    /// Close the presenter tab's connection.
    case closePresenter
    /// Seal this (redacted) scene into the session's encrypted screenshots.
    case storeScreenshot(Scene, requestedBy: String)
    /// The event was refused: reply to whoever sent it with this error; nothing changed.
    case reject(WireErrorCode, String)
    /// Start the session's recording (the customer consented to it and the session is active).
    case startRecording
    /// Close the session's recording as complete, saying why it ended.
    case finishRecording(reason: String)
    /// The customer has been gone this long: mint a fresh one-time link for the
    /// same session, send it the way the first went, and tell the consoles.
    case renewCustomerLink(afterSeconds: Int)
    /// Send to every console of the agent with this name, wherever it is (a hand-off's target).
    case toAgent(String, WireMessage)
    /// Store a hand-off the target took.
    case storeHandOff(HandOffRecord)
    /// The agent with this name handed the session off and leaves it: their consoles leave the room.
    case releaseConsoles(of: String)
}

extension SessionEffect {
    /// The effect's name without its payload, for logs: a payload may be a
    /// scene, a note or a survey comment, none of which belongs in a log.
    public var kindName: String {
        switch self {
        case let .toCustomer(m): "toCustomer(\(m.type))"
        case let .toConsoles(m): "toConsoles(\(m.type))"
        case .activity: "activity"
        case .storeNote: "storeNote"
        case let .audit(action, _, _): "audit(\(action))"
        case .persist: "persist"
        case .closeCustomer: "closeCustomer"
        case .storeSurvey: "storeSurvey"
        case let .toManagers(m): "toManagers(\(m.type))"
        case let .reply(m): "reply(\(m.type))"
        case .mintViewerLink: "mintViewerLink"
        case let .toPresenter(m): "toPresenter(\(m.type))"
        case .mintPresenterLink: "mintPresenterLink"
        case .offerMirror: "offerMirror"
        case .closePresenter: "closePresenter"
        case .storeScreenshot: "storeScreenshot"
        case let .reject(code, _): "reject(\(code.rawValue))"
        case .startRecording: "startRecording"
        case .finishRecording: "finishRecording"
        case .renewCustomerLink: "renewCustomerLink"
        case let .toAgent(_, m): "toAgent(\(m.type))"
        case .storeHandOff: "storeHandOff"
        case .releaseConsoles: "releaseConsoles"
        }
    }
}
