import Foundation

/// Who is at the other end of a connection, as far as sending messages goes.
/// The channel follows: consoles are on the Unix socket, everyone else is on
/// the customer gateway's WebSocket.
public enum MessageSender: String, CaseIterable, Sendable {
    /// An agent's, supervisor's, manager's or trainer's console (and the CLI).
    case console
    /// The customer's browser SDK.
    case customer
    /// One of the customer's team in the viewer page.
    case viewer
    /// The agent's own browser tab showing a page.
    case presenter
    /// The customer watching the page the agent shows, in the viewer page.
    case mirror
    /// The engine itself, to any of the above.
    case engine

    /// Every peer may open with a hello.
    static let peers: Set<MessageSender> = [.console, .customer, .viewer, .presenter, .mirror]
}

/// A message body the codec decodes and then checks against the protocol's
/// bounds; a body without bounds of its own has nothing to check.
protocol WireBody: Codable, Sendable {
    func validate() throws
}

extension WireBody {
    func validate() throws {}
}

/// Every message type of protocol v1, declared once: its wire name (the raw
/// value), who may send it and its body. The codec decodes and validates
/// through this table; the hub refuses a message from a sender the table does
/// not list before any handler sees it; docs/protocol.md's "Who may send
/// what" is checked against it by a test.
public enum MessageKind: String, CaseIterable, Sendable {
    case hello, welcome, error
    case lobbyRequest = "lobby-request", startSession = "start-session", attach, detach
    case addNote = "add-note", requestMode = "request-mode", requestExtension = "request-extension"
    case endSession = "end-session", requestScene = "request-scene"
    case lobby, sessionStarted = "session-started", snapshot, summary, activity, note
    case consent, scene, sceneDelta = "scene-delta", pong, modeAnswer = "mode-answer"
    case extensionAnswer = "extension-answer", leave
    case ping, modeRequest = "mode-request", extensionRequest = "extension-request", quality, notice
    case sessionEnded = "session-ended"
    case qualityCheck = "quality-check", survey, pageEvent = "page-event", qualityAnswer = "quality-answer"
    case annotate, agentPointer = "agent-pointer", controlAction = "control-action", requestScreenshot = "request-screenshot"
    case approvalAnswer = "approval-answer", handOver = "hand-over", inviteViewer = "invite-viewer"
    case recordingsRequest = "recordings-request", openRecording = "open-recording"
    case actionAnswer = "action-answer", actionResult = "action-result", screenshotAnswer = "screenshot-answer"
    case annotations, actionRequest = "action-request", performAction = "perform-action", actionUpdate = "action-update"
    case screenshotRequest = "screenshot-request", approvalRequest = "approval-request", participants
    case viewerInvited = "viewer-invited", recordings, recordingPart = "recording-part"
    case startPresenting = "start-presenting", stopPresenting = "stop-presenting", presenterLink = "presenter-link"
    case presentedScene = "presented-scene", presentedDelta = "presented-delta", presenting
    case wrapUp = "wrap-up", linkRenewed = "link-renewed"
    case handOff = "hand-off", handOffAnswer = "hand-off-answer", handOffOffer = "hand-off-offer"
    case specialistJoining = "specialist-joining", specialistAck = "specialist-ack"
    case dashboardRequest = "dashboard-request", dashboard

    /// Who may send it.
    public var senders: Set<MessageSender> { spec.senders }

    /// For a console request whose answer covers either the team or only the
    /// asker's own sessions: the levels that get the team's. nil: the request
    /// is not one of those.
    public var teamLevels: Set<AgentLevel>? {
        switch self {
        case .dashboardRequest: [.manager, .supervisor]
        default: nil
        }
    }

    /// Whether `level` gets the team's answer to this request (false: their own sessions only).
    public func answersWithTheTeam(for level: AgentLevel) -> Bool { teamLevels?.contains(level) ?? false }

    /// Decodes a whole frame of this type (its body checked), or throws.
    func decode(_ data: Data) throws -> WireMessage { try spec.decode(data) }

    struct Spec {
        let senders: Set<MessageSender>
        let decode: (Data) throws -> WireMessage

        init<B: WireBody>(_ senders: Set<MessageSender>, _: B.Type, _ wrap: @escaping (B) -> WireMessage) {
            self.senders = senders
            decode = { data in
                let body = try WireCodec.decoder.decode(WireCodec.Body<B>.self, from: data).body
                try body.validate()
                return wrap(body)
            }
        }

        /// A message without a body (its `body` is `{}` and not read).
        init(_ senders: Set<MessageSender>, _ message: WireMessage) {
            self.senders = senders
            decode = { _ in message }
        }
    }

    private static let consoles: Set<MessageSender> = [.console]
    private static let engine: Set<MessageSender> = [.engine]

    var spec: Spec {
        switch self {
        // The handshake, on both channels.
        case .hello: Spec(MessageSender.peers, Hello.self, WireMessage.hello)
        case .welcome: Spec(Self.engine, Welcome.self, WireMessage.welcome)
        case .error: Spec(Self.engine, ErrorReply.self, WireMessage.error)
        // Console → engine.
        case .lobbyRequest: Spec(Self.consoles, .lobbyRequest)
        case .startSession: Spec(Self.consoles, StartSession.self, WireMessage.startSession)
        case .attach: Spec(Self.consoles, Attach.self, WireMessage.attach)
        case .detach: Spec(Self.consoles, .detach)
        case .addNote: Spec(Self.consoles, AddNote.self, WireMessage.addNote)
        case .requestMode: Spec(Self.consoles, ModeRequest.self, WireMessage.requestMode)
        case .requestExtension: Spec(Self.consoles, ExtensionRequest.self, WireMessage.requestExtension)
        case .endSession: Spec(Self.consoles, EndSession.self, WireMessage.endSession)
        case .requestScreenshot: Spec(Self.consoles, .requestScreenshot)
        case .approvalAnswer: Spec(Self.consoles, ApprovalAnswer.self, WireMessage.approvalAnswer)
        case .inviteViewer: Spec(Self.consoles, InviteViewer.self, WireMessage.inviteViewer)
        case .recordingsRequest: Spec(Self.consoles, .recordingsRequest)
        case .openRecording: Spec(Self.consoles, OpenRecording.self, WireMessage.openRecording)
        case .startPresenting: Spec(Self.consoles, .startPresenting)
        case .stopPresenting: Spec(Self.consoles, .stopPresenting)
        case .dashboardRequest: Spec(Self.consoles, DashboardRequest.self, WireMessage.dashboardRequest)
        // The session's agent hands it to a specialist; the named target answers (from the lobby).
        case .handOff: Spec(Self.consoles, HandOffRequest.self, WireMessage.handOff)
        case .handOffAnswer: Spec(Self.consoles, HandOffAnswer.self, WireMessage.handOffAnswer)
        // Whoever holds control (the agent, or a viewer it was handed to); the engine relays the pointer.
        case .annotate: Spec([.console, .viewer], AnnotationCommand.self, WireMessage.annotate)
        case .agentPointer: Spec([.console, .viewer, .engine], AgentPointer.self, WireMessage.agentPointer)
        case .controlAction: Spec([.console, .viewer], ControlAction.self, WireMessage.controlAction)
        case .handOver: Spec([.console, .viewer], HandOver.self, WireMessage.handOver)
        // The agent asks; the engine passes the question on to the customer.
        case .qualityCheck: Spec([.console, .engine], .qualityCheck)
        // Asked by whoever lost track of the picture; the engine asks the customer the same way.
        case .requestScene: Spec([.console, .viewer, .mirror, .engine], .requestScene)
        // Customer → engine (the presenter's tab runs the same SDK; the engine takes its pictures and its leaving).
        case .consent: Spec([.customer, .presenter], Consent.self, WireMessage.consent)
        case .scene: Spec([.customer, .presenter, .engine], Scene.self, WireMessage.scene)
        case .sceneDelta: Spec([.customer, .presenter, .engine], SceneDelta.self, WireMessage.sceneDelta)
        case .pong: Spec([.customer, .viewer, .presenter], Ping.self, WireMessage.pong)
        case .modeAnswer: Spec([.customer, .presenter], ModeAnswer.self, WireMessage.modeAnswer)
        case .extensionAnswer: Spec([.customer], ExtensionAnswer.self, WireMessage.extensionAnswer)
        case .leave: Spec([.customer, .presenter], .leave)
        case .survey: Spec([.customer], Survey.self, WireMessage.survey)
        case .pageEvent: Spec([.customer, .presenter], PageEvent.self, WireMessage.pageEvent)
        case .qualityAnswer: Spec([.customer], QualityAnswer.self, WireMessage.qualityAnswer)
        case .actionAnswer: Spec([.customer], ActionAnswer.self, WireMessage.actionAnswer)
        case .actionResult: Spec([.customer], ActionResult.self, WireMessage.actionResult)
        case .screenshotAnswer: Spec([.customer], ScreenshotAnswer.self, WireMessage.screenshotAnswer)
        case .specialistAck: Spec([.customer], .specialistAck)
        // Engine → consoles, customers, viewers.
        case .lobby: Spec(Self.engine, Lobby.self, WireMessage.lobby)
        case .sessionStarted: Spec(Self.engine, SessionStarted.self, WireMessage.sessionStarted)
        case .snapshot: Spec(Self.engine, SessionSnapshot.self, WireMessage.snapshot)
        case .summary: Spec(Self.engine, SessionSummary.self, WireMessage.summary)
        case .activity: Spec(Self.engine, ActivityItem.self, WireMessage.activity)
        case .note: Spec(Self.engine, NoteEntry.self, WireMessage.note)
        case .ping: Spec(Self.engine, Ping.self, WireMessage.ping)
        case .modeRequest: Spec(Self.engine, ModeRequest.self, WireMessage.modeRequest)
        case .extensionRequest: Spec(Self.engine, ExtensionRequest.self, WireMessage.extensionRequest)
        case .quality: Spec(Self.engine, QualityReport.self, WireMessage.quality)
        case .notice: Spec(Self.engine, Notice.self, WireMessage.notice)
        case .sessionEnded: Spec(Self.engine, SessionEnded.self, WireMessage.sessionEnded)
        case .annotations: Spec(Self.engine, AnnotationSet.self, WireMessage.annotations)
        case .actionRequest: Spec(Self.engine, ActionRequest.self, WireMessage.actionRequest)
        case .performAction: Spec(Self.engine, ControlAction.self, WireMessage.performAction)
        case .actionUpdate: Spec(Self.engine, ActionUpdate.self, WireMessage.actionUpdate)
        case .screenshotRequest: Spec(Self.engine, .screenshotRequest)
        case .approvalRequest: Spec(Self.engine, ApprovalRequest.self, WireMessage.approvalRequest)
        case .participants: Spec(Self.engine, ParticipantList.self, WireMessage.participants)
        case .viewerInvited: Spec(Self.engine, ViewerInvited.self, WireMessage.viewerInvited)
        case .recordings: Spec(Self.engine, RecordingList.self, WireMessage.recordings)
        case .recordingPart: Spec(Self.engine, RecordingPart.self, WireMessage.recordingPart)
        case .presenterLink: Spec(Self.engine, PresenterLink.self, WireMessage.presenterLink)
        case .presentedScene: Spec(Self.engine, Scene.self, WireMessage.presentedScene)
        case .presentedDelta: Spec(Self.engine, SceneDelta.self, WireMessage.presentedDelta)
        case .presenting: Spec(Self.engine, PresentingState.self, WireMessage.presenting)
        case .wrapUp: Spec(Self.engine, WrapUp.self, WireMessage.wrapUp)
        case .linkRenewed: Spec(Self.engine, LinkRenewed.self, WireMessage.linkRenewed)
        case .handOffOffer: Spec(Self.engine, HandOffOffer.self, WireMessage.handOffOffer)
        case .specialistJoining: Spec(Self.engine, SpecialistJoining.self, WireMessage.specialistJoining)
        case .dashboard: Spec(Self.engine, OperationsDashboard.self, WireMessage.dashboard)
        }
    }
}

extension WireMessage {
    /// The message's type and its body, for the encoder: the one place a case is taken apart.
    var parts: (kind: MessageKind, body: (any Encodable)?) {
        switch self {
        case let .hello(b): (.hello, b)
        case let .welcome(b): (.welcome, b)
        case let .error(b): (.error, b)
        case .lobbyRequest: (.lobbyRequest, nil)
        case let .startSession(b): (.startSession, b)
        case let .attach(b): (.attach, b)
        case .detach: (.detach, nil)
        case let .addNote(b): (.addNote, b)
        case let .requestMode(b): (.requestMode, b)
        case let .requestExtension(b): (.requestExtension, b)
        case let .endSession(b): (.endSession, b)
        case .requestScene: (.requestScene, nil)
        case .qualityCheck: (.qualityCheck, nil)
        case let .annotate(b): (.annotate, b)
        case let .agentPointer(b): (.agentPointer, b)
        case let .controlAction(b): (.controlAction, b)
        case .requestScreenshot: (.requestScreenshot, nil)
        case let .approvalAnswer(b): (.approvalAnswer, b)
        case let .handOver(b): (.handOver, b)
        case let .inviteViewer(b): (.inviteViewer, b)
        case .recordingsRequest: (.recordingsRequest, nil)
        case .startPresenting: (.startPresenting, nil)
        case .stopPresenting: (.stopPresenting, nil)
        case let .openRecording(b): (.openRecording, b)
        case let .lobby(b): (.lobby, b)
        case let .sessionStarted(b): (.sessionStarted, b)
        case let .snapshot(b): (.snapshot, b)
        case let .summary(b): (.summary, b)
        case let .activity(b): (.activity, b)
        case let .note(b): (.note, b)
        case let .consent(b): (.consent, b)
        case let .scene(b): (.scene, b)
        case let .sceneDelta(b): (.sceneDelta, b)
        case let .pong(b): (.pong, b)
        case let .modeAnswer(b): (.modeAnswer, b)
        case let .extensionAnswer(b): (.extensionAnswer, b)
        case .leave: (.leave, nil)
        case let .survey(b): (.survey, b)
        case let .pageEvent(b): (.pageEvent, b)
        case let .qualityAnswer(b): (.qualityAnswer, b)
        case let .actionAnswer(b): (.actionAnswer, b)
        case let .actionResult(b): (.actionResult, b)
        case let .screenshotAnswer(b): (.screenshotAnswer, b)
        case let .ping(b): (.ping, b)
        case let .modeRequest(b): (.modeRequest, b)
        case let .extensionRequest(b): (.extensionRequest, b)
        case let .quality(b): (.quality, b)
        case let .notice(b): (.notice, b)
        case let .sessionEnded(b): (.sessionEnded, b)
        case let .annotations(b): (.annotations, b)
        case let .actionRequest(b): (.actionRequest, b)
        case let .performAction(b): (.performAction, b)
        case let .actionUpdate(b): (.actionUpdate, b)
        case .screenshotRequest: (.screenshotRequest, nil)
        case let .approvalRequest(b): (.approvalRequest, b)
        case let .participants(b): (.participants, b)
        case let .viewerInvited(b): (.viewerInvited, b)
        case let .recordings(b): (.recordings, b)
        case let .recordingPart(b): (.recordingPart, b)
        case let .presenterLink(b): (.presenterLink, b)
        case let .presentedScene(b): (.presentedScene, b)
        case let .presentedDelta(b): (.presentedDelta, b)
        case let .presenting(b): (.presenting, b)
        case let .wrapUp(b): (.wrapUp, b)
        case let .linkRenewed(b): (.linkRenewed, b)
        case let .handOff(b): (.handOff, b)
        case let .handOffAnswer(b): (.handOffAnswer, b)
        case let .handOffOffer(b): (.handOffOffer, b)
        case let .specialistJoining(b): (.specialistJoining, b)
        case .specialistAck: (.specialistAck, nil)
        case let .dashboardRequest(b): (.dashboardRequest, b)
        case let .dashboard(b): (.dashboard, b)
        }
    }

    public var kind: MessageKind { parts.kind }

    /// The wire name.
    public var type: String { kind.rawValue }
}

// Bodies whose bounds are their own `validate()`; the rest have none beyond their types.
extension Hello: WireBody {}
extension Welcome: WireBody {}
extension ErrorReply: WireBody {}
extension StartSession: WireBody {}
extension Attach: WireBody {}
extension ExtensionRequest: WireBody {}
extension WrapUp: WireBody {}
extension LinkRenewed: WireBody {}
extension ApprovalAnswer: WireBody {}
extension OpenRecording: WireBody {}
extension AnnotationCommand: WireBody {}
extension AgentPointer: WireBody {}
extension ControlAction: WireBody {}
extension HandOver: WireBody {}
extension InviteViewer: WireBody {}
extension Consent: WireBody {}
extension Scene: WireBody {}
extension SceneDelta: WireBody {}
extension Ping: WireBody {}
extension ModeAnswer: WireBody {}
extension ExtensionAnswer: WireBody {}
extension Survey: WireBody {}
extension PageEvent: WireBody {}
extension QualityAnswer: WireBody {}
extension ActionAnswer: WireBody {}
extension ActionResult: WireBody {}
extension ScreenshotAnswer: WireBody {}
extension Lobby: WireBody {}
extension SessionStarted: WireBody {}
extension SessionSummary: WireBody {}
extension ActivityItem: WireBody {}
extension NoteEntry: WireBody {}
extension QualityReport: WireBody {}
extension Notice: WireBody {}
extension SessionEnded: WireBody {}
extension AnnotationSet: WireBody {}
extension ActionRequest: WireBody {}
extension ActionUpdate: WireBody {}
extension ApprovalRequest: WireBody {}
extension ParticipantList: WireBody {}
extension ViewerInvited: WireBody {}
extension RecordingList: WireBody {}
extension RecordingPart: WireBody {}
extension PresenterLink: WireBody {}
extension PresentingState: WireBody {}
extension HandOffRequest: WireBody {}
extension HandOffAnswer: WireBody {}
extension HandOffOffer: WireBody {}
extension SpecialistJoining: WireBody {}
extension DashboardRequest: WireBody {}
extension OperationsDashboard: WireBody {}

extension EndSession: WireBody {
    func validate() throws { try outcome?.validate() }
}

extension AddNote: WireBody {
    func validate() throws {
        guard text.utf8.count <= Self.maxLength else { throw SceneError.invalid("note longer than \(Self.maxLength) bytes") }
    }
}

extension ModeRequest: WireBody {
    func validate() throws {
        if let r = reason, r.utf8.count > Self.maxReasonBytes { throw SceneError.invalid("request-mode: reason longer than \(Self.maxReasonBytes) bytes") }
    }
}

extension SessionSnapshot: WireBody {
    /// A console trusts no scene it has not checked, not even the engine's.
    func validate() throws { try scene?.validate() }
}
