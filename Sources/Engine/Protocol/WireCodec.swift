import Foundation

public enum WireProtocol {
    /// The protocol version this build speaks (docs/protocol.md).
    public static let version = 1
    /// Hard limit for one encoded message, on the socket and the WebSocket alike.
    public static let maxMessageBytes = 1 << 20
    /// Before the handshake only `hello` is read, and a hello is small.
    public static let maxHelloBytes = 16 * 1024
}

/// One message on the wire with its correlation ids: `id` names a request,
/// `re` names the request a reply (or an error) answers.
public struct WireFrame: Equatable, Sendable {
    public var message: WireMessage
    public var id: Int?
    public var re: Int?
    public init(_ message: WireMessage, id: Int? = nil, re: Int? = nil) { self.message = message; self.id = id; self.re = re }
}

/// Why a message was refused. Carried back to the peer as an `error` reply.
public struct WireError: Error, Equatable, CustomStringConvertible {
    public var code: WireErrorCode
    public var message: String
    /// The id of the offending request, when it could be read.
    public var re: Int?
    public init(_ code: WireErrorCode, _ message: String, re: Int? = nil) { self.code = code; self.message = message; self.re = re }
    public var description: String { "\(code.rawValue): \(message)" }
    public var reply: WireFrame { WireFrame(.error(ErrorReply(code: code, message: message)), re: re) }
}

/// The one codec for the Unix socket and the WebSocket: JSON frames, bounded,
/// versioned, validated. It never throws anything but `WireError`.
public enum WireCodec {
    public static func encode(_ frame: WireFrame) -> [UInt8] {
        // Encoding our own typed values cannot fail; a failure would be a programming error.
        let data = try! encoder.encode(Envelope(frame: frame))
        return Array(data)
    }

    public static func encode(_ message: WireMessage, id: Int? = nil, re: Int? = nil) -> [UInt8] {
        encode(WireFrame(message, id: id, re: re))
    }

    public static func decode<C: Collection>(_ bytes: C) throws -> WireFrame where C.Element == UInt8 {
        guard bytes.count <= WireProtocol.maxMessageBytes else {
            throw WireError(.tooLarge, "message of \(bytes.count) bytes is over the \(WireProtocol.maxMessageBytes)-byte limit")
        }
        let data = Data(bytes)
        let head: Head
        do {
            head = try decoder.decode(Head.self, from: data)
        } catch {
            throw WireError(.malformed, "not a protocol frame: expected a JSON object with \"v\" and \"type\"")
        }
        guard head.v == WireProtocol.version else {
            throw WireError(.unsupportedVersion, "protocol version \(head.v) is not supported; this engine speaks \(WireProtocol.version)", re: head.id)
        }
        guard let kind = MessageKind(rawValue: head.type) else {
            throw WireError(.unknownType, "unknown message type \"\(head.type.prefix(40))\"", re: head.id)
        }
        let message: WireMessage
        do {
            message = try kind.decode(data)
        } catch let e as SceneError {
            throw WireError(.invalid, e.description, re: head.id)
        } catch let e as DecodingError {
            throw WireError(.malformed, "\(head.type): \(describe(e))", re: head.id)
        } catch {
            throw WireError(.malformed, "\(head.type): \(error)", re: head.id)
        }
        return WireFrame(message, id: head.id, re: head.re)
    }

    /// What a connection may send before its handshake: a `hello` and nothing
    /// else. Nothing but the frame's head is decoded for any other type, and a
    /// frame larger than a hello needs is not parsed at all.
    public static func decodeHello<C: Collection>(_ bytes: C) throws -> WireFrame where C.Element == UInt8 {
        guard bytes.count <= WireProtocol.maxHelloBytes else {
            throw WireError(.handshakeRequired, "send hello first (a hello is at most \(WireProtocol.maxHelloBytes) bytes)")
        }
        let data = Data(bytes)
        let head: Head
        do { head = try decoder.decode(Head.self, from: data) } catch {
            throw WireError(.malformed, "not a protocol frame: expected a JSON object with \"v\" and \"type\"")
        }
        guard head.type == MessageKind.hello.rawValue else { throw WireError(.handshakeRequired, "send hello first", re: head.id) }
        return try decode(data)
    }

    // MARK: - Internals

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()

    struct Head: Decodable {
        var v: Int
        var type: String
        var id: Int?
        var re: Int?
    }

    struct Body<T: Decodable>: Decodable { var body: T }

    struct Envelope: Encodable {
        let frame: WireFrame
        enum Keys: String, CodingKey { case v, type, id, re, body }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(WireProtocol.version, forKey: .v)
            try c.encode(frame.message.type, forKey: .type)
            try c.encodeIfPresent(frame.id, forKey: .id)
            try c.encodeIfPresent(frame.re, forKey: .re)
            switch frame.message {
            case let .hello(b): try c.encode(b, forKey: .body)
            case let .welcome(b): try c.encode(b, forKey: .body)
            case let .error(b): try c.encode(b, forKey: .body)
            case .lobbyRequest, .detach, .requestScene, .leave, .qualityCheck, .requestScreenshot, .screenshotRequest, .recordingsRequest, .startPresenting, .stopPresenting:
                try c.encode(Empty(), forKey: .body)
            case let .startSession(b): try c.encode(b, forKey: .body)
            case let .attach(b): try c.encode(b, forKey: .body)
            case let .addNote(b): try c.encode(b, forKey: .body)
            case let .requestMode(b): try c.encode(b, forKey: .body)
            case let .requestExtension(b): try c.encode(b, forKey: .body)
            case let .endSession(b): try c.encode(b, forKey: .body)
            case let .lobby(b): try c.encode(b, forKey: .body)
            case let .sessionStarted(b): try c.encode(b, forKey: .body)
            case let .snapshot(b): try c.encode(b, forKey: .body)
            case let .summary(b): try c.encode(b, forKey: .body)
            case let .activity(b): try c.encode(b, forKey: .body)
            case let .note(b): try c.encode(b, forKey: .body)
            case let .consent(b): try c.encode(b, forKey: .body)
            case let .scene(b): try c.encode(b, forKey: .body)
            case let .sceneDelta(b): try c.encode(b, forKey: .body)
            case let .pong(b): try c.encode(b, forKey: .body)
            case let .modeAnswer(b): try c.encode(b, forKey: .body)
            case let .extensionAnswer(b): try c.encode(b, forKey: .body)
            case let .survey(b): try c.encode(b, forKey: .body)
            case let .pageEvent(b): try c.encode(b, forKey: .body)
            case let .qualityAnswer(b): try c.encode(b, forKey: .body)
            case let .ping(b): try c.encode(b, forKey: .body)
            case let .modeRequest(b): try c.encode(b, forKey: .body)
            case let .extensionRequest(b): try c.encode(b, forKey: .body)
            case let .quality(b): try c.encode(b, forKey: .body)
            case let .notice(b): try c.encode(b, forKey: .body)
            case let .sessionEnded(b): try c.encode(b, forKey: .body)
            case let .annotate(b): try c.encode(b, forKey: .body)
            case let .agentPointer(b): try c.encode(b, forKey: .body)
            case let .controlAction(b): try c.encode(b, forKey: .body)
            case let .approvalAnswer(b): try c.encode(b, forKey: .body)
            case let .handOver(b): try c.encode(b, forKey: .body)
            case let .inviteViewer(b): try c.encode(b, forKey: .body)
            case let .openRecording(b): try c.encode(b, forKey: .body)
            case let .actionAnswer(b): try c.encode(b, forKey: .body)
            case let .actionResult(b): try c.encode(b, forKey: .body)
            case let .screenshotAnswer(b): try c.encode(b, forKey: .body)
            case let .annotations(b): try c.encode(b, forKey: .body)
            case let .actionRequest(b): try c.encode(b, forKey: .body)
            case let .performAction(b): try c.encode(b, forKey: .body)
            case let .actionUpdate(b): try c.encode(b, forKey: .body)
            case let .approvalRequest(b): try c.encode(b, forKey: .body)
            case let .participants(b): try c.encode(b, forKey: .body)
            case let .viewerInvited(b): try c.encode(b, forKey: .body)
            case let .recordings(b): try c.encode(b, forKey: .body)
            case let .recordingPart(b): try c.encode(b, forKey: .body)
            case let .presenterLink(b): try c.encode(b, forKey: .body)
            case let .presentedScene(b): try c.encode(b, forKey: .body)
            case let .presentedDelta(b): try c.encode(b, forKey: .body)
            case let .presenting(b): try c.encode(b, forKey: .body)
            }
        }
    }

    enum MessageKind: String {
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

        func decode(_ data: Data) throws -> WireMessage {
            func body<T: Decodable>(_: T.Type) throws -> T { try WireCodec.decoder.decode(Body<T>.self, from: data).body }
            switch self {
            case .hello: return .hello(try body(Hello.self))
            case .welcome: return .welcome(try body(Welcome.self))
            case .error: return .error(try body(ErrorReply.self))
            case .lobbyRequest: return .lobbyRequest
            case .startSession: return .startSession(try body(StartSession.self))
            case .attach: return .attach(try body(Attach.self))
            case .detach: return .detach
            case .addNote:
                let n = try body(AddNote.self)
                guard n.text.utf8.count <= AddNote.maxLength else { throw SceneError.invalid("note longer than \(AddNote.maxLength) bytes") }
                return .addNote(n)
            case .requestMode:
                let m = try body(ModeRequest.self)
                if let r = m.reason, r.utf8.count > ModeRequest.maxReasonBytes { throw SceneError.invalid("request-mode: reason longer than \(ModeRequest.maxReasonBytes) bytes") }
                return .requestMode(m)
            case .requestExtension: return .requestExtension(try body(ExtensionRequest.self))
            case .endSession: return .endSession(try body(EndSession.self))
            case .requestScene: return .requestScene
            case .lobby: return .lobby(try body(Lobby.self))
            case .sessionStarted: return .sessionStarted(try body(SessionStarted.self))
            case .snapshot:
                // A console trusts no scene it has not checked, not even the engine's.
                let snap = try body(SessionSnapshot.self)
                try snap.scene?.validate()
                return .snapshot(snap)
            case .summary: return .summary(try body(SessionSummary.self))
            case .activity: return .activity(try body(ActivityItem.self))
            case .note: return .note(try body(NoteEntry.self))
            case .consent: return .consent(try body(Consent.self))
            case .scene:
                let s = try body(Scene.self)
                try s.validate()
                return .scene(s)
            case .sceneDelta:
                let d = try body(SceneDelta.self)
                try d.validate()
                return .sceneDelta(d)
            case .pong: return .pong(try body(Ping.self))
            case .modeAnswer: return .modeAnswer(try body(ModeAnswer.self))
            case .extensionAnswer: return .extensionAnswer(try body(ExtensionAnswer.self))
            case .leave: return .leave
            case .ping: return .ping(try body(Ping.self))
            case .modeRequest: return .modeRequest(try body(ModeRequest.self))
            case .extensionRequest: return .extensionRequest(try body(ExtensionRequest.self))
            case .quality: return .quality(try body(QualityReport.self))
            case .notice: return .notice(try body(Notice.self))
            case .sessionEnded: return .sessionEnded(try body(SessionEnded.self))
            case .qualityCheck: return .qualityCheck
            case .survey:
                let v = try body(Survey.self)
                try v.validate()
                return .survey(v)
            case .pageEvent:
                let e = try body(PageEvent.self)
                try e.validate()
                return .pageEvent(e)
            case .qualityAnswer: return .qualityAnswer(try body(QualityAnswer.self))
            case .annotate:
                let a = try body(AnnotationCommand.self)
                try a.validate()
                return .annotate(a)
            case .agentPointer:
                let p = try body(AgentPointer.self)
                try p.validate()
                return .agentPointer(p)
            case .controlAction:
                let a = try body(ControlAction.self)
                try a.validate()
                return .controlAction(a)
            case .requestScreenshot: return .requestScreenshot
            case .approvalAnswer: return .approvalAnswer(try body(ApprovalAnswer.self))
            case .handOver: return .handOver(try body(HandOver.self))
            case .inviteViewer:
                let v = try body(InviteViewer.self)
                try v.validate()
                return .inviteViewer(v)
            case .recordingsRequest: return .recordingsRequest
            case .openRecording: return .openRecording(try body(OpenRecording.self))
            case .actionAnswer: return .actionAnswer(try body(ActionAnswer.self))
            case .actionResult:
                let r = try body(ActionResult.self)
                try r.validate()
                return .actionResult(r)
            case .screenshotAnswer: return .screenshotAnswer(try body(ScreenshotAnswer.self))
            case .annotations:
                let set = try body(AnnotationSet.self)
                try set.validate()
                return .annotations(set)
            case .actionRequest: return .actionRequest(try body(ActionRequest.self))
            case .performAction: return .performAction(try body(ControlAction.self))
            case .actionUpdate: return .actionUpdate(try body(ActionUpdate.self))
            case .screenshotRequest: return .screenshotRequest
            case .approvalRequest: return .approvalRequest(try body(ApprovalRequest.self))
            case .participants: return .participants(try body(ParticipantList.self))
            case .viewerInvited: return .viewerInvited(try body(ViewerInvited.self))
            case .recordings: return .recordings(try body(RecordingList.self))
            case .recordingPart: return .recordingPart(try body(RecordingPart.self))
            case .startPresenting: return .startPresenting
            case .stopPresenting: return .stopPresenting
            case .presenterLink: return .presenterLink(try body(PresenterLink.self))
            case .presentedScene:
                let s = try body(Scene.self)
                try s.validate()
                return .presentedScene(s)
            case .presentedDelta:
                let d = try body(SceneDelta.self)
                try d.validate()
                return .presentedDelta(d)
            case .presenting: return .presenting(try body(PresentingState.self))
            }
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ p: [CodingKey]) -> String { p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .keyNotFound(k, ctx): return "missing field \(path(ctx.codingPath + [k]))"
        case let .typeMismatch(_, ctx): return "wrong type at \(path(ctx.codingPath))"
        case let .valueNotFound(_, ctx): return "null at \(path(ctx.codingPath))"
        case let .dataCorrupted(ctx): return "bad value at \(path(ctx.codingPath)): \(ctx.debugDescription.prefix(80))"
        @unknown default: return "undecodable"
        }
    }
}

/// Sans-I/O framing for byte streams (the Unix socket): a 4-byte big-endian
/// length, then that many bytes of one encoded frame. An oversized frame is
/// skipped whole, so the connection stays in step and can stay up.
public struct LengthPrefixFramer {
    public enum Output: Equatable {
        case frame([UInt8])
        case oversized(length: Int)
    }

    private var buffer: [UInt8] = []
    private var skipping = 0
    public let limit: Int

    public init(limit: Int = WireProtocol.maxMessageBytes) { self.limit = limit }

    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete output, or nil until more bytes arrive.
    public mutating func next() -> Output? {
        if skipping > 0 {
            let n = min(skipping, buffer.count)
            buffer.removeFirst(n)
            skipping -= n
            if skipping > 0 { return nil }
        }
        guard buffer.count >= 4 else { return nil }
        let length = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        if length > limit {
            buffer.removeFirst(4)
            skipping = length
            let n = min(skipping, buffer.count)
            buffer.removeFirst(n)
            skipping -= n
            return .oversized(length: length)
        }
        guard buffer.count >= 4 + length else { return nil }
        let payload = Array(buffer[4 ..< 4 + length])
        buffer.removeFirst(4 + length)
        return .frame(payload)
    }
}
