import Foundation

// Protocol v1 payloads for what touches the customer: annotations, the agent's
// pointer, control actions with per-action approval, screenshots, manager
// approval of Full Control, participants, hand-over and viewers. The engine
// enforces every rule; consoles and the SDK only reflect it (docs/protocol.md).

/// Console → engine (`annotate`): add one mark, take back the last, or clear all.
public struct AnnotationCommand: Codable, Equatable, Sendable {
    public enum Op: String, Codable, Sendable { case add, undo, clear }
    public var op: Op
    public var annotation: Annotation?
    public init(op: Op, annotation: Annotation? = nil) { self.op = op; self.annotation = annotation }

    func validate() throws {
        if op == .add {
            guard let a = annotation else { throw SceneError.invalid("annotate: add needs an annotation") }
            try a.validate()
        }
    }
}

/// Engine → customer, consoles, viewers (`annotations`): every mark now in the overlay.
public struct AnnotationSet: Codable, Equatable, Sendable {
    public var items: [Annotation]
    public init(items: [Annotation]) { self.items = items }

    func validate() throws {
        guard items.count <= Annotation.maxPerSession else { throw SceneError.invalid("annotations: more than \(Annotation.maxPerSession) marks") }
        for a in items { try a.validate() }
    }
}

/// `agent-pointer`: console → engine (where the controller points; nil hides it),
/// then engine → customer, consoles and viewers with the author filled in.
public struct AgentPointer: Codable, Equatable, Sendable {
    public var at: AnnotationAnchor?
    public var author: String?
    public init(at: AnnotationAnchor?, author: String? = nil) { self.at = at; self.author = author }

    func validate() throws { try at?.validate() }
}

/// An action on the customer's page. Console → engine as `control-action`;
/// engine → customer as `perform-action` once allowed.
public struct ControlAction: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case click, type, scroll }
    public static let maxTextBytes = 1_000
    /// Chosen by the console; the engine refuses a reused id while one is waiting.
    public var id: String
    public var kind: Kind
    /// The scene node to act on (click and type need one; scroll without one scrolls the page).
    public var target: String?
    /// Typing: the text to put in the field (replacing what is there).
    public var text: String?
    /// Scrolling: CSS pixels.
    public var dx: Double?
    public var dy: Double?

    public init(id: String, kind: Kind, target: String? = nil, text: String? = nil, dx: Double? = nil, dy: Double? = nil) {
        self.id = id; self.kind = kind; self.target = target; self.text = text; self.dx = dx; self.dy = dy
    }

    func validate() throws {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw SceneError.invalid("control-action: id is 1 to 64 bytes") }
        switch kind {
        case .click:
            guard target != nil else { throw SceneError.invalid("control-action: a click needs a target node") }
        case .type:
            guard target != nil, let t = text else { throw SceneError.invalid("control-action: typing needs a target node and text") }
            guard t.utf8.count <= Self.maxTextBytes else { throw SceneError.invalid("control-action: text longer than \(Self.maxTextBytes) bytes") }
        case .scroll:
            for v in [dx ?? 0, dy ?? 0] where !v.isFinite || abs(v) > 100_000 {
                throw SceneError.invalid("control-action: scroll distance out of range")
            }
        }
        if let t = target, t.isEmpty || t.utf8.count > 200 { throw SceneError.invalid("control-action: bad target id") }
    }
}

/// Engine → customer (`action-request`): the preview the customer allows or denies.
public struct ActionRequest: Codable, Equatable, Sendable {
    public var action: ControlAction
    /// "Agent Maria S. wants to click *Save settings*".
    public var preview: String
    public var agentName: String
    /// No answer within this many seconds is a deny.
    public var timeoutSeconds: Int
    public init(action: ControlAction, preview: String, agentName: String, timeoutSeconds: Int) {
        self.action = action; self.preview = preview; self.agentName = agentName; self.timeoutSeconds = timeoutSeconds
    }
}

/// Customer → engine (`action-answer`).
public struct ActionAnswer: Codable, Equatable, Sendable {
    public var id: String
    public var allow: Bool
    public init(id: String, allow: Bool) { self.id = id; self.allow = allow }
}

/// Customer → engine (`action-result`): what happened when the SDK performed an action.
public struct ActionResult: Codable, Equatable, Sendable {
    public var id: String
    public var ok: Bool
    public var detail: String?
    public init(id: String, ok: Bool, detail: String? = nil) { self.id = id; self.ok = ok; self.detail = detail }

    func validate() throws {
        if let d = detail, d.utf8.count > 500 { throw SceneError.invalid("action-result: detail longer than 500 bytes") }
    }
}

/// Engine → consoles (`action-update`): where an agent's action stands.
public struct ActionUpdate: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        /// Shown to the customer, waiting for Allow / Deny.
        case waiting
        /// Sent to the page (allowed, or Full Control).
        case sent
        case performed
        case denied
        /// No answer in time: a deny.
        case expired
        case failed
    }
    public var id: String
    public var state: State
    public var text: String
    public init(id: String, state: State, text: String) { self.id = id; self.state = state; self.text = text }
}

/// Customer → engine (`screenshot-answer`).
public struct ScreenshotAnswer: Codable, Equatable, Sendable {
    public var allow: Bool
    public init(allow: Bool) { self.allow = allow }
}

/// Engine → manager consoles (`approval-request`): an agent asks for Full Control.
public struct ApprovalRequest: Codable, Equatable, Sendable {
    public var sessionId: String
    public var ticket: Ticket
    public var agentName: String
    public var mode: ControlMode
    public var reason: String
    public var requestedAt: Date
    public init(sessionId: String, ticket: Ticket, agentName: String, mode: ControlMode, reason: String, requestedAt: Date) {
        self.sessionId = sessionId; self.ticket = ticket; self.agentName = agentName; self.mode = mode
        self.reason = reason; self.requestedAt = requestedAt
    }
}

/// Manager console → engine (`approval-answer`).
public struct ApprovalAnswer: Codable, Equatable, Sendable {
    public var sessionId: String
    public var approve: Bool
    public init(sessionId: String, approve: Bool) { self.sessionId = sessionId; self.approve = approve }
}

/// Who takes part in a session right now.
public struct Participant: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// The session's agent at a console.
        case agent
        /// A supervisor or manager watching read-only from a console.
        case watcher
        /// One of the customer's team, watching in the browser viewer page.
        case viewer
    }
    public var name: String
    public var kind: Kind
    /// Holds control: annotations, the pointer and actions come from this participant only.
    public var controller: Bool
    public init(name: String, kind: Kind, controller: Bool = false) { self.name = name; self.kind = kind; self.controller = controller }
}

/// Engine → customer, consoles, viewers (`participants`).
public struct ParticipantList: Codable, Equatable, Sendable {
    public var items: [Participant]
    public init(items: [Participant]) { self.items = items }
}

/// `hand-over`: the controller passes control to another participant by name
/// (the agent may always take it back by handing over to themselves).
public struct HandOver: Codable, Equatable, Sendable {
    public var to: String
    public init(to: String) { self.to = to }
}

/// Console → engine (`invite-viewer`): a link for one more viewer of the customer's team.
public struct InviteViewer: Codable, Equatable, Sendable {
    public static let maxNameBytes = 80
    public var name: String
    public init(name: String) { self.name = name }

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, name.utf8.count <= Self.maxNameBytes else { throw SceneError.invalid("invite-viewer: a name of 1 to \(Self.maxNameBytes) bytes") }
    }
}

/// Engine → console (`viewer-invited`): the one-time viewer link.
public struct ViewerInvited: Codable, Equatable, Sendable {
    public var name: String
    public var link: String
    public init(name: String, link: String) { self.name = name; self.link = link }
}

// MARK: - Showing the customer a page (mirror mode) and split view

/// Engine → console (`presenter-link`): the agent opens it in their own browser;
/// the page they then open (any page with cobrowse.js) is shown to the customer.
public struct PresenterLink: Codable, Equatable, Sendable {
    public var link: String
    public init(link: String) { self.link = link }
}

/// Engine → customer, consoles, viewers (`presenting`): the agent started or
/// stopped showing a page. The customer's copy carries the one-time link of
/// the viewer page in which they watch it.
public struct PresentingState: Codable, Equatable, Sendable {
    public var active: Bool
    public var by: String
    public var mirrorLink: String?
    public init(active: Bool, by: String, mirrorLink: String? = nil) { self.active = active; self.by = by; self.mirrorLink = mirrorLink }
}

// MARK: - Recordings from the lobby (the console holds no data: the engine checks, audits, decrypts)

/// One recording a console may open.
public struct RecordingListing: Codable, Equatable, Sendable {
    public var id: String
    public var sessionId: String
    public var ticketId: String
    public var agentName: String
    public var createdAt: Date
    public var endedAt: Date?
    public var complete: Bool
    public var bytes: Int64
    public init(id: String, sessionId: String, ticketId: String, agentName: String, createdAt: Date, endedAt: Date?, complete: Bool, bytes: Int64) {
        self.id = id; self.sessionId = sessionId; self.ticketId = ticketId; self.agentName = agentName
        self.createdAt = createdAt; self.endedAt = endedAt; self.complete = complete; self.bytes = bytes
    }
}

/// Engine → console (`recordings`): the recordings this agent may open.
public struct RecordingList: Codable, Equatable, Sendable {
    public var items: [RecordingListing]
    public init(items: [RecordingListing]) { self.items = items }
}

/// Console → engine (`open-recording`): every opening is audited with the reason.
public struct OpenRecording: Codable, Equatable, Sendable {
    public var recordingId: String
    public var reason: String
    public init(recordingId: String, reason: String) { self.recordingId = recordingId; self.reason = reason }
}

/// Engine → console (`recording-part`): a recording's decrypted events in
/// parts that each fit the message limit; the last part says how it ends.
public struct RecordingPart: Codable, Equatable, Sendable {
    public struct Event: Codable, Equatable, Sendable {
        public var offsetMs: UInt32
        public var keyframe: Bool
        /// The message as the consoles received it, in the wire codec's own JSON.
        public var frame: String
        public init(offsetMs: UInt32, keyframe: Bool, frame: String) { self.offsetMs = offsetMs; self.keyframe = keyframe; self.frame = frame }
    }
    public struct Mark: Codable, Equatable, Sendable {
        public var at: TimeInterval
        public var duration: TimeInterval
        public var title: String
        public var tags: [String]
        public var author: String
        public init(at: TimeInterval, duration: TimeInterval, title: String, tags: [String], author: String) {
            self.at = at; self.duration = duration; self.title = title; self.tags = tags; self.author = author
        }
    }
    public var recordingId: String
    public var index: Int
    public var events: [Event]
    /// First part only.
    public var startedAt: Date?
    public var highlights: [Mark]?
    public var last: Bool
    /// Last part only: complete or not, how it ends, and the error that stopped reading, if any.
    public var complete: Bool?
    public var ending: String?
    public var failure: String?
    public init(recordingId: String, index: Int, events: [Event], startedAt: Date? = nil, highlights: [Mark]? = nil,
                last: Bool, complete: Bool? = nil, ending: String? = nil, failure: String? = nil) {
        self.recordingId = recordingId; self.index = index; self.events = events; self.startedAt = startedAt
        self.highlights = highlights; self.last = last; self.complete = complete; self.ending = ending; self.failure = failure
    }
}
