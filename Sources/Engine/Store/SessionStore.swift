import Foundation

/// A one-time link as stored: only the SHA-256 of the token, never the token.
public struct LinkRecord: Equatable, Sendable {
    public var tokenHash: String
    public var sessionId: String
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    /// Set on a viewer's link (one of the customer's team, invited by name); nil on the customer's own link.
    public var viewerName: String?
    /// What a link other than the customer's own opens; nil: the customer's consent link.
    public var purpose: LinkPurpose?
    public init(tokenHash: String, sessionId: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil, viewerName: String? = nil,
                purpose: LinkPurpose? = nil) {
        self.tokenHash = tokenHash; self.sessionId = sessionId; self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
        self.viewerName = viewerName
        self.purpose = purpose ?? (viewerName == nil ? nil : .viewer)
    }
}

public enum LinkPurpose: String, Codable, Sendable {
    /// One of the customer's team watching in the viewer page.
    case viewer
    /// The customer watching the page the agent shows (mirror mode), in the viewer page.
    case mirror
    /// The agent's own browser tab that shows a page (the presenter).
    case presenter
}

/// A screenshot the customer allowed: the redacted scene, encrypted in the data
/// dir; the row says where and whose.
public struct ScreenshotRecord: Equatable, Sendable {
    public var id: String
    public var sessionId: String
    public var takenAt: Date
    public var requestedBy: String
    /// Relative to the data directory.
    public var path: String
    public init(id: String, sessionId: String, takenAt: Date, requestedBy: String, path: String) {
        self.id = id; self.sessionId = sessionId; self.takenAt = takenAt; self.requestedBy = requestedBy; self.path = path
    }
}

public struct AuditEntry: Equatable, Sendable {
    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var sessionId: String?
    public var detail: String
    public var prevHash: String
    public var hash: String
    public init(seq: Int64, at: Date, actor: String, action: String, sessionId: String?, detail: String, prevHash: String, hash: String) {
        self.seq = seq; self.at = at; self.actor = actor; self.action = action; self.sessionId = sessionId
        self.detail = detail; self.prevHash = prevHash; self.hash = hash
    }
}

/// An audit row before it is chained: what the engine asks the store to write.
public struct AuditDraft: Equatable, Sendable {
    public var at: Date
    public var actor: String
    public var action: String
    public var sessionId: String?
    public var detail: String
    public init(at: Date, actor: String, action: String, sessionId: String?, detail: String) {
        self.at = at; self.actor = actor; self.action = action; self.sessionId = sessionId; self.detail = detail
    }
}

/// A row the engine writes in the background, batched with others: part of a
/// session's record, but no action waits for it (an action's own audit row
/// is written before the action, never here).
public enum FeedRow: Equatable, Sendable {
    case activity(sessionId: String, ActivityItem)
    case participant(sessionId: String, name: String, role: ParticipantRole, at: Date)
    /// The audit row of a refusal: the refusal stands whether or not it is written.
    case audit(AuditDraft)

    public var sessionId: String? {
        switch self {
        case let .activity(sid, _), let .participant(sid, _, _, _): sid
        case let .audit(draft): draft.sessionId
        }
    }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case duplicate(String)
    case notFound(String)
    case invalid(String)
    case auditChainBroken(atSeq: Int64)

    public var description: String {
        switch self {
        case let .duplicate(s): return "already exists: \(s)"
        case let .notFound(s): return "not found: \(s)"
        case let .invalid(s): return s
        case let .auditChainBroken(seq): return "audit chain broken at row \(seq)"
        }
    }
}

/// The customer's 1–5 star rating of a session, with the optional comment as redacted by the engine.
public struct SessionSurvey: Equatable, Sendable {
    public var at: Date
    public var stars: Int
    public var comment: String?
    public init(at: Date, stars: Int, comment: String? = nil) { self.at = at; self.stars = stars; self.comment = comment }
}

/// Everything the engine keeps. SQLite (GRDB) is the embedded default; the
/// queries are named for what they answer so another store (PostgreSQL) can
/// implement the same protocol without touching the session logic.
public protocol SessionStore: AnyObject, Sendable {
    // Agents: identity on the local channel is the peer's uid.
    func addAgent(_ agent: Agent) throws
    func agent(uid: Int) throws -> Agent?
    func allAgents() throws -> [Agent]

    // Tickets: no ticket, no session.
    func addTicket(_ ticket: Ticket) throws
    func ticket(id: String) throws -> Ticket?
    func allTickets() throws -> [Ticket]
    func setTicketStatus(id: String, status: String) throws

    // Sessions (the summary is the row).
    func saveSession(_ summary: SessionSummary) throws
    func session(id: String) throws -> SessionSummary?
    /// Sessions of one agent that have not ended, newest first.
    func openSessions(agentName: String) throws -> [SessionSummary]
    /// Every session that has not ended (the engine restores them at start).
    func allOpenSessions() throws -> [SessionSummary]
    func recentSessions(limit: Int) throws -> [SessionSummary]
    /// The sessions created in [from, to), oldest first.
    func sessionsCreated(from: Date, to: Date) throws -> [SessionSummary]

    // Participants of a session, for the notes and the audit trail.
    func addParticipant(sessionId: String, name: String, role: ParticipantRole, at: Date) throws
    func participants(sessionId: String) throws -> [(name: String, role: ParticipantRole)]

    // One-time links.
    func insertLink(_ link: LinkRecord) throws
    func link(tokenHash: String) throws -> LinkRecord?
    /// Marks the link used; false when it was already used (a race lost).
    func markLinkUsed(tokenHash: String, at: Date) throws -> Bool
    /// Marks the link used and writes its audit row in one transaction: both or
    /// neither. False (and nothing written) when it was already used.
    func useLink(tokenHash: String, at: Date, audit: AuditDraft) throws -> Bool

    // Customer resume keys (hash only), for reconnects within a session.
    func saveResumeKey(hash: String, sessionId: String) throws
    func sessionId(resumeKeyHash: String) throws -> String?

    // Activity feed and notes.
    func appendActivity(sessionId: String, _ item: ActivityItem) throws
    /// Rows of many sessions in one transaction, in order: all are written or none.
    func appendFeed(_ rows: [FeedRow]) throws
    func activity(sessionId: String) throws -> [ActivityItem]
    func addNote(sessionId: String, _ note: NoteEntry) throws
    func notes(sessionId: String) throws -> [NoteEntry]

    // The end-of-session survey (at most one per session).
    func saveSurvey(sessionId: String, _ survey: SessionSurvey) throws
    func survey(sessionId: String) throws -> SessionSurvey?

    // How the session ended for its ticket (at most one outcome a session).
    /// The outcome, the ticket's new status and the audit row, in one
    /// transaction: all or nothing. False (nothing written) when the session has one already.
    func recordOutcome(sessionId: String, ticketId: String, _ outcome: RecordedOutcome, audit: AuditDraft) throws -> Bool
    func outcome(sessionId: String) throws -> RecordedOutcome?
    /// How the ticket's latest session with an outcome ended (an escalated ticket's next session is the escalation's).
    func latestOutcome(ticketId: String) throws -> RecordedOutcome?

    // Screenshots the customer allowed (the pictures themselves are encrypted files).
    func addScreenshot(_ shot: ScreenshotRecord) throws
    func screenshots(sessionId: String) throws -> [ScreenshotRecord]

    // Hand-offs (escalations within a session)
    func recordHandOff(_ handOff: HandOffRecord) throws
    /// The session's hand-offs, oldest first.
    func handOffs(sessionId: String) throws -> [HandOffRecord]
    /// Every session that was handed to another agent at least once (the escalations the reports count).
    func handedOffSessionIDs() throws -> Set<String>

    // Hash-chained audit log.
    @discardableResult
    func appendAudit(at: Date, actor: String, action: String, sessionId: String?, detail: String) throws -> AuditEntry
    /// Several rows in one transaction, in order: all are written or none.
    func appendAudits(_ drafts: [AuditDraft]) throws
    func auditEntries(sessionId: String?) throws -> [AuditEntry]
    /// Recomputes the chain; throws `auditChainBroken` at the first bad row.
    func verifyAuditChain() throws
}
