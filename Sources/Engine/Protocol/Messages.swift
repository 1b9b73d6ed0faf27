import Foundation

// Protocol v1 payloads. Every message is a frame {"v":1,"type":T,"id"?,"re"?,"body":{...}};
// see docs/protocol.md. Payloads are plain structs so the browser SDK can build them
// by hand.

public struct Hello: Codable, Equatable, Sendable {
    /// Highest protocol version the client speaks.
    public var protocolVersion: Int
    /// Free text naming the client program, for the audit trail.
    public var client: String
    /// Customer only: the one-time link token (first connection).
    public var token: String?
    /// Customer only: the key handed out in `welcome`, to reconnect to the same session.
    public var resumeKey: String?
    public init(protocolVersion: Int = WireProtocol.version, client: String, token: String? = nil, resumeKey: String? = nil) {
        self.protocolVersion = protocolVersion; self.client = client; self.token = token; self.resumeKey = resumeKey
    }
}

public struct Welcome: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var server: String
    public var role: ParticipantRole
    /// The agent this connection acts as (console connections).
    public var agent: Agent?
    /// Customer connections: the session joined, who is asking, and the key to reconnect.
    public var sessionId: String?
    public var agentName: String?
    public var resumeKey: String?
    /// Customer connections: whether the session asks for recording consent.
    public var recordingRequested: Bool?
    public var consentGiven: Bool?
    public init(protocolVersion: Int = WireProtocol.version, server: String, role: ParticipantRole, agent: Agent? = nil,
                sessionId: String? = nil, agentName: String? = nil, resumeKey: String? = nil,
                recordingRequested: Bool? = nil, consentGiven: Bool? = nil) {
        self.protocolVersion = protocolVersion; self.server = server; self.role = role; self.agent = agent
        self.sessionId = sessionId; self.agentName = agentName; self.resumeKey = resumeKey
        self.recordingRequested = recordingRequested; self.consentGiven = consentGiven
    }
}

public struct Lobby: Codable, Equatable, Sendable {
    public var agent: Agent
    public var tickets: [Ticket]
    public var sessions: [SessionSummary]
    /// Managers only: Full Control requests waiting for their approval.
    public var approvals: [ApprovalRequest]?
    /// Open tickets left out so the lobby fits in one frame (nil: none were).
    public var ticketsNotShown: Int?
    /// Supervisors and managers: the team's live sessions (other agents'), to watch read-only.
    public var team: [SessionSummary]?
    /// Tickets a co-browse would help, by id, with the reason (the engine's suggestion rules).
    public var suggestions: [String: String]?
    /// Tickets whose customer asked for a co-browse, by id, with how they asked.
    public var requested: [String: CustomerRequest]?
    /// Sessions other agents hand to this one, waiting for an answer (oldest first).
    public var handOffs: [HandOffOffer]?
    /// Who this agent may hand a session to (L2 and above, specialists), by name; nil for those who start no sessions.
    public var handOffTargets: [HandOffTarget]?
    /// A lobby lists at most this many tickets; the admin CLI lists them all.
    public static let maxTickets = 500
    /// …and at most this many of the team's sessions.
    public static let maxTeamSessions = 200
    public init(agent: Agent, tickets: [Ticket], sessions: [SessionSummary], approvals: [ApprovalRequest]? = nil, ticketsNotShown: Int? = nil,
                team: [SessionSummary]? = nil, suggestions: [String: String]? = nil, requested: [String: CustomerRequest]? = nil, handOffs: [HandOffOffer]? = nil,
                handOffTargets: [HandOffTarget]? = nil) {
        self.agent = agent; self.tickets = tickets; self.sessions = sessions; self.approvals = approvals
        self.ticketsNotShown = ticketsNotShown; self.team = team; self.suggestions = suggestions; self.requested = requested
        self.handOffs = handOffs; self.handOffTargets = handOffTargets
    }
}

public struct StartSession: Codable, Equatable, Sendable {
    public var ticketId: String
    public var record: Bool
    /// Optional: the http(s) page the customer lands on after consenting (any
    /// origin that includes cobrowse.js); absent means the engine's demo site.
    public var landingURL: String?
    /// A guided walkthrough of first-time setup (the session's initiator is onboarding).
    public var onboarding: Bool?
    /// How the link reaches the customer; nil or `none`: the agent hands it over.
    public var send: LinkDelivery?
    public init(ticketId: String, record: Bool = false, landingURL: String? = nil, onboarding: Bool? = nil, send: LinkDelivery? = nil) {
        self.ticketId = ticketId; self.record = record; self.landingURL = landingURL; self.onboarding = onboarding; self.send = send
    }
}

/// The channel a one-time link goes out on.
public enum LinkDelivery: String, Codable, CaseIterable, Sendable {
    /// A public reply on the help-desk ticket, which the desk e-mails or chats to the requester.
    case helpdesk
    /// An e-mail to the ticket's address, through the engine's mail server (serve --smtp).
    case email
    /// A text message to the ticket's mobile number, through the engine's SMS gateway (serve --sms-url).
    case sms
    /// Shown to the agent, who hands it over.
    case none

    /// As the feed says it: "… sent to Dana by e-mail".
    public var phrase: String {
        switch self {
        case .helpdesk: "as a reply on the help desk"
        case .email: "by e-mail"
        case .sms: "by SMS"
        case .none: "by hand"
        }
    }
}

/// A fresh one-time link for a customer who dropped and did not come back:
/// for the same session, sent the way the first went (`sentVia`), or nil
/// when it is the agent's to hand over. To the session's consoles only: never
/// recorded, logged or audited.
public struct LinkRenewed: Codable, Equatable, Sendable {
    public var sessionId: String
    public var link: String
    public var sentVia: String?
    public init(sessionId: String, link: String, sentVia: String? = nil) { self.sessionId = sessionId; self.link = link; self.sentVia = sentVia }
}

public struct SessionStarted: Codable, Equatable, Sendable {
    public var session: SessionSummary
    /// The one-time link for the customer. Only its hash is stored.
    public var link: String
    public init(session: SessionSummary, link: String) { self.session = session; self.link = link }
}

public struct Attach: Codable, Equatable, Sendable {
    public var sessionId: String
    /// Read-only (supervisor) attachment.
    public var watch: Bool
    public init(sessionId: String, watch: Bool = false) { self.sessionId = sessionId; self.watch = watch }
}

public struct SessionSnapshot: Codable, Equatable, Sendable {
    public var summary: SessionSummary
    public var scene: Scene?
    public var activity: [ActivityItem]
    public var notes: [NoteEntry]
    public init(summary: SessionSummary, scene: Scene?, activity: [ActivityItem], notes: [NoteEntry]) {
        self.summary = summary; self.scene = scene; self.activity = activity; self.notes = notes
    }
}

public struct NoteEntry: Codable, Equatable, Sendable {
    public var at: Date
    public var author: String
    public var text: String
    public init(at: Date, author: String, text: String) { self.at = at; self.author = author; self.text = text }
}

public struct AddNote: Codable, Equatable, Sendable {
    public static let maxLength = 4_000
    public var text: String
    public init(text: String) { self.text = text }
}

public struct ModeRequest: Codable, Equatable, Sendable {
    public static let maxReasonBytes = 500
    public var mode: ControlMode
    /// Why the agent asks; Full Control needs one, and the approving manager reads it.
    public var reason: String?
    public init(mode: ControlMode, reason: String? = nil) { self.mode = mode; self.reason = reason }
}

public struct ModeAnswer: Codable, Equatable, Sendable {
    public var mode: ControlMode
    public var accept: Bool
    public init(mode: ControlMode, accept: Bool) { self.mode = mode; self.accept = accept }
}

public struct ExtensionRequest: Codable, Equatable, Sendable {
    public var minutes: Int
    public init(minutes: Int = 15) { self.minutes = minutes }
}

public struct ExtensionAnswer: Codable, Equatable, Sendable {
    public var accept: Bool
    public init(accept: Bool) { self.accept = accept }
}

public struct EndSession: Codable, Equatable, Sendable {
    public var sessionId: String?
    /// How it ended for the ticket. Given with a live session, it ends it and
    /// records the outcome; given for an ended one, it records the outcome.
    public var outcome: SessionOutcome?
    /// True: the customer dropped and did not come back; the session ends as "customer lost".
    public var customerLost: Bool?
    public init(sessionId: String? = nil, outcome: SessionOutcome? = nil, customerLost: Bool? = nil) {
        self.sessionId = sessionId; self.outcome = outcome; self.customerLost = customerLost
    }
}

public struct Consent: Codable, Equatable, Sendable {
    public var allow: Bool
    public var access: AccessLevel
    public var record: Bool
    public init(allow: Bool, access: AccessLevel = .viewOnly, record: Bool = false) { self.allow = allow; self.access = access; self.record = record }
}

public struct Ping: Codable, Equatable, Sendable {
    public var seq: Int
    public init(seq: Int) { self.seq = seq }
}

public struct QualityReport: Codable, Equatable, Sendable {
    public var quality: ConnectionQuality
    public var rttMs: Int?
    public var lossPercent: Int?
    public init(quality: ConnectionQuality, rttMs: Int?, lossPercent: Int?) { self.quality = quality; self.rttMs = rttMs; self.lossPercent = lossPercent }
}

public struct SessionEnded: Codable, Equatable, Sendable {
    public var sessionId: String
    public var reason: EndReason
    /// To the customer only: seconds the connection stays open for the end-of-session
    /// survey; absent means no survey (the engine closes the connection now).
    public var surveySeconds: Int?
    public init(sessionId: String, reason: EndReason, surveySeconds: Int? = nil) {
        self.sessionId = sessionId; self.reason = reason; self.surveySeconds = surveySeconds
    }
}

/// The customer's rating at the end of a session, stored with it.
public struct Survey: Codable, Equatable, Sendable {
    public static let stars = 1...5
    public static let maxCommentBytes = 1_000
    public var stars: Int
    public var comment: String?
    public init(stars: Int, comment: String? = nil) { self.stars = stars; self.comment = comment }

    func validate() throws {
        guard Self.stars.contains(stars) else { throw SceneError.invalid("survey: stars must be 1 to 5") }
        if let c = comment, c.utf8.count > Self.maxCommentBytes {
            throw SceneError.invalid("survey: comment longer than \(Self.maxCommentBytes) bytes")
        }
    }
}

/// A JavaScript error or a failed request on the customer's page, for
/// "debugging error messages" sessions. Masked by the SDK, redacted again by the engine.
public struct PageEvent: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case error
        case network
    }
    public static let maxTextBytes = 1_000
    public var kind: Kind
    public var text: String
    public init(kind: Kind, text: String) { self.kind = kind; self.text = text }

    func validate() throws {
        guard text.utf8.count <= Self.maxTextBytes else { throw SceneError.invalid("page-event: text longer than \(Self.maxTextBytes) bytes") }
    }
}

/// The customer's answer to the agent's "Is the screen quality okay for you?".
public struct QualityAnswer: Codable, Equatable, Sendable {
    public var ok: Bool
    public init(ok: Bool) { self.ok = ok }
}

public struct Notice: Codable, Equatable, Sendable {
    public var text: String
    public init(text: String) { self.text = text }
}

public struct Empty: Codable, Equatable, Sendable {
    public init() {}
}

public struct ErrorReply: Codable, Equatable, Sendable {
    public var code: WireErrorCode
    public var message: String
    public init(code: WireErrorCode, message: String) { self.code = code; self.message = message }
}

public enum WireErrorCode: String, Codable, Sendable {
    case malformed
    case tooLarge = "too-large"
    case unsupportedVersion = "unsupported-version"
    case unknownType = "unknown-type"
    case handshakeRequired = "handshake-required"
    case unknownAgent = "unknown-agent"
    case notAllowed = "not-allowed"
    case notFound = "not-found"
    case linkUsed = "link-used"
    case linkExpired = "link-expired"
    /// The peer's address is over one of its bounds (docs/protocol.md, "Bounds"); try again later.
    case rateLimited = "rate-limited"
    case badState = "bad-state"
    case invalid
    case internalError = "internal"
}

/// Every typed message of protocol v1. The `type` string is the wire name.
public enum WireMessage: Equatable, Sendable {
    // handshake (both channels)
    case hello(Hello)
    case welcome(Welcome)
    case error(ErrorReply)
    // console → engine
    case lobbyRequest
    case startSession(StartSession)
    case attach(Attach)
    case detach
    case addNote(AddNote)
    case requestMode(ModeRequest)
    case requestExtension(ExtensionRequest)
    case endSession(EndSession)
    case requestScene
    /// The agent asks the customer whether the screen quality is okay (also sent on to the customer).
    case qualityCheck
    case annotate(AnnotationCommand)
    case agentPointer(AgentPointer)
    case controlAction(ControlAction)
    case requestScreenshot
    case approvalAnswer(ApprovalAnswer)
    case handOver(HandOver)
    case inviteViewer(InviteViewer)
    case recordingsRequest
    case startPresenting
    case stopPresenting
    case openRecording(OpenRecording)
    /// The session's agent hands the session to a specialist.
    case handOff(HandOffRequest)
    /// The target takes the hand-off, or declines it.
    case handOffAnswer(HandOffAnswer)
    /// A month's operations dashboard (absent: the current month).
    case dashboardRequest(DashboardRequest)
    // engine → console
    case lobby(Lobby)
    case sessionStarted(SessionStarted)
    case snapshot(SessionSnapshot)
    case summary(SessionSummary)
    case activity(ActivityItem)
    case note(NoteEntry)
    // customer → engine
    case consent(Consent)
    case scene(Scene)
    case sceneDelta(SceneDelta)
    case pong(Ping)
    case modeAnswer(ModeAnswer)
    case extensionAnswer(ExtensionAnswer)
    case leave
    case survey(Survey)
    case pageEvent(PageEvent)
    case qualityAnswer(QualityAnswer)
    case actionAnswer(ActionAnswer)
    case actionResult(ActionResult)
    case screenshotAnswer(ScreenshotAnswer)
    /// The customer pressed OK on "… is joining to help".
    case specialistAck
    // engine → customer
    case ping(Ping)
    case modeRequest(ModeRequest)
    case extensionRequest(ExtensionRequest)
    case quality(QualityReport)
    case notice(Notice)
    case sessionEnded(SessionEnded)
    case annotations(AnnotationSet)
    case actionRequest(ActionRequest)
    case performAction(ControlAction)
    case actionUpdate(ActionUpdate)
    case screenshotRequest
    case approvalRequest(ApprovalRequest)
    case participants(ParticipantList)
    case viewerInvited(ViewerInvited)
    case recordings(RecordingList)
    case recordingPart(RecordingPart)
    case presenterLink(PresenterLink)
    case presentedScene(Scene)
    case presentedDelta(SceneDelta)
    case presenting(PresentingState)
    /// How a session went, as the engine writes it back to its ticket (the reply to an end-session with an outcome).
    case wrapUp(WrapUp)
    case linkRenewed(LinkRenewed)
    /// To the target's consoles: a session waiting for them to take it over.
    case handOffOffer(HandOffOffer)
    /// To the customer: who is joining and why (answered by `specialist-ack`).
    case specialistJoining(SpecialistJoining)
    /// The answer to `dashboard-request`.
    case dashboard(OperationsDashboard)
}

