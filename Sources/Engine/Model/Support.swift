import Foundation

/// What an agent row may do. Levels cap control modes (DESIGN: L1 up to Guided,
/// L2 up to Controlled, Full Control only with a manager's approval).
public enum AgentLevel: String, Codable, CaseIterable, Sendable {
    case l1 = "L1"
    case l2 = "L2"
    case manager
    case supervisor
    case trainer
    /// A subject-matter expert sessions are handed to (takes control as L2 does).
    case specialist
}

/// How a participant takes part in one session.
public enum ParticipantRole: String, Codable, Sendable {
    case agent        // the agent who owns the session
    case supervisor   // read-only watcher
    case trainer      // replays recordings
    case customer     // the person whose browser is shared
    case viewer       // one of the customer's team, watching in the browser viewer page
    case presenter    // the agent's own browser tab, showing the customer a page
}

/// Who may do what on the customer's page, in escalating order.
public enum ControlMode: String, Codable, CaseIterable, Comparable, Sendable {
    case viewOnly = "view-only"
    case guided
    case controlled
    case fullControl = "full-control"

    public var rank: Int {
        switch self { case .viewOnly: 0; case .guided: 1; case .controlled: 2; case .fullControl: 3 }
    }
    public static func < (a: ControlMode, b: ControlMode) -> Bool { a.rank < b.rank }

    public var title: String {
        switch self { case .viewOnly: "View Only"; case .guided: "Guided"; case .controlled: "Controlled"; case .fullControl: "Full Control" }
    }
}

/// What the customer allowed on the consent screen.
public enum AccessLevel: String, Codable, Sendable {
    case viewOnly = "view-only"
    /// The agent may later ask for control (each step still acknowledged).
    case controlled
}

public enum SessionStatus: String, Codable, Sendable {
    case linkMinted = "link-minted"
    case linkOpened = "link-opened"
    case active
    case ended
}

public enum EndReason: String, Codable, CaseIterable, Sendable {
    case agentEnded = "agent-ended"
    case customerEnded = "customer-ended"
    case customerDenied = "customer-denied"
    case inactivity
    case timeLimit = "time-limit"
    case linkExpired = "link-expired"
    case customerLost = "customer-lost"
    /// The engine was shut down (SIGTERM, SIGINT, the demo's quit) while the session was live.
    case engineStopped = "engine-stopped"

    public var title: String {
        switch self {
        case .agentEnded: "ended by agent"
        case .customerEnded: "ended by customer"
        case .customerDenied: "customer denied"
        case .inactivity: "30 minutes without activity"
        case .timeLimit: "45-minute limit reached"
        case .linkExpired: "link expired unused"
        case .customerLost: "customer did not come back"
        case .engineStopped: "the engine was stopped"
        }
    }
}

/// Good / Fair / Poor, from measured round-trip and loss; both sides see it.
public enum ConnectionQuality: String, Codable, CaseIterable, Sendable {
    case good = "Good"
    case fair = "Fair"
    case poor = "Poor"
    case unknown = "—"
}

public struct Agent: Codable, Equatable, Sendable {
    public var name: String
    public var uid: Int
    public var level: AgentLevel
    public init(name: String, uid: Int, level: AgentLevel) { self.name = name; self.uid = uid; self.level = level }
}

public struct Ticket: Codable, Equatable, Sendable {
    public var id: String
    public var subject: String
    public var customer: String
    public var category: String?
    public var status: String
    public init(id: String, subject: String, customer: String, category: String? = nil, status: String = "open") {
        self.id = id; self.subject = subject; self.customer = customer; self.category = category; self.status = status
    }
}

/// One line of a session's activity feed: stored, streamed to consoles, and
/// (later) recorded. `text` is already redacted.
public struct ActivityItem: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case linkMinted = "link-minted"
        case linkOpened = "link-opened"
        case consent
        case denied
        case joined
        case left
        case modeRequested = "mode-requested"
        case modeChanged = "mode-changed"
        case note
        case disconnected
        case reconnected
        case navigation
        case extensionRequested = "extension-requested"
        case extended
        case redaction
        case warning
        case ended
        case info
    }
    public var at: Date
    public var kind: Kind
    public var actor: String
    public var text: String
    public init(at: Date, kind: Kind, actor: String, text: String) {
        self.at = at; self.kind = kind; self.actor = actor; self.text = text
    }

    /// The text of a navigation row: stored and recorded as a sentence, read back by consoles
    /// (`navigationParts`) to lay it out as a page title and a shortened address.
    public static func navigationText(title: String, url: String) -> String {
        title.isEmpty ? "Customer is on \(url)" : "Customer is on \(title) (\(url))"
    }

    /// The page title and address of a navigation row, if this is one.
    public var navigationParts: (title: String, url: String)? {
        guard kind == .navigation, text.hasPrefix("Customer is on ") else { return nil }
        let rest = text.dropFirst("Customer is on ".count)
        if rest.hasSuffix(")"), let open = rest.range(of: " (", options: .backwards) {
            return (String(rest[..<open.lowerBound]), String(rest[open.upperBound...].dropLast()))
        }
        return ("", String(rest))
    }
}

/// What a console needs to draw the chrome of one session.
public struct SessionSummary: Codable, Equatable, Sendable {
    public var id: String
    public var ticket: Ticket
    public var agentName: String
    public var status: SessionStatus
    public var controlMode: ControlMode
    public var access: AccessLevel?
    public var recording: Bool
    public var createdAt: Date
    public var startedAt: Date?
    /// When the session ends unless extended (45-minute limit).
    public var deadline: Date?
    public var endedAt: Date?
    public var endReason: EndReason?
    public var customerConnected: Bool
    public var quality: ConnectionQuality
    public var rttMs: Int?
    public var lossPercent: Int?
    public var pendingModeRequest: ControlMode?
    /// Live only (not stored): who holds control when it is not the agent (a viewer it was handed to).
    public var controller: String?
    /// Live only: a Full Control request is waiting for a manager's approval.
    public var awaitingManager: Bool?
    /// How the session came about (nil in sessions stored before it was kept: the agent).
    /// A hand-off does not change it: see `HandOffRecord`.
    public var initiator: SessionInitiator?
    /// Live only: a hand-off waiting for its target, or the last one taken (the store keeps each as a `HandOffRecord`).
    public var handOff: HandOffStatus?

    public init(id: String, ticket: Ticket, agentName: String, status: SessionStatus, controlMode: ControlMode = .viewOnly,
                access: AccessLevel? = nil, recording: Bool = false, createdAt: Date, startedAt: Date? = nil,
                deadline: Date? = nil, endedAt: Date? = nil, endReason: EndReason? = nil, customerConnected: Bool = false,
                quality: ConnectionQuality = .unknown, rttMs: Int? = nil, lossPercent: Int? = nil, pendingModeRequest: ControlMode? = nil,
                initiator: SessionInitiator? = nil) {
        self.id = id; self.ticket = ticket; self.agentName = agentName; self.status = status; self.controlMode = controlMode
        self.access = access; self.recording = recording; self.createdAt = createdAt; self.startedAt = startedAt
        self.deadline = deadline; self.endedAt = endedAt; self.endReason = endReason; self.customerConnected = customerConnected
        self.quality = quality; self.rttMs = rttMs; self.lossPercent = lossPercent; self.pendingModeRequest = pendingModeRequest
        self.initiator = initiator
    }
}
