import Foundation
@testable import Engine

/// The real SQLite store behind a door the test opens and shuts: writes for
/// one session can be held (a disk that stalls for it) and feed batches can
/// be made to fail (a disk that refuses), everything else goes straight through.
final class DoorStore: SessionStore, @unchecked Sendable {
    let inner: SQLiteStore
    private let lock = NSCondition()
    private var heldSession: String?
    private var waitingAtTheDoor = 0
    private var feedFails = false
    private(set) var feedBatches: [[FeedRow]] = []

    init(_ inner: SQLiteStore) { self.inner = inner }

    /// Writes of `sessionId`'s summary and audit rows wait until `open()`.
    func hold(_ sessionId: String) { lock.lock(); heldSession = sessionId; lock.unlock() }
    func open() { lock.lock(); heldSession = nil; lock.broadcast(); lock.unlock() }
    /// How many writes are waiting at the door right now.
    var waiting: Int { lock.lock(); defer { lock.unlock() }; return waitingAtTheDoor }
    func failFeed(_ fail: Bool) { lock.lock(); feedFails = fail; lock.unlock() }

    private func door(_ sessionId: String?) {
        lock.lock()
        defer { lock.unlock() }
        guard let sessionId, sessionId == heldSession else { return }
        waitingAtTheDoor += 1
        while heldSession == sessionId { lock.wait() }
        waitingAtTheDoor -= 1
    }

    func addAgent(_ agent: Agent) throws { try inner.addAgent(agent) }
    func agent(uid: Int) throws -> Agent? { try inner.agent(uid: uid) }
    func allAgents() throws -> [Agent] { try inner.allAgents() }
    func addTicket(_ ticket: Ticket) throws { try inner.addTicket(ticket) }
    func ticket(id: String) throws -> Ticket? { try inner.ticket(id: id) }
    func allTickets() throws -> [Ticket] { try inner.allTickets() }
    func setTicketStatus(id: String, status: String) throws { try inner.setTicketStatus(id: id, status: status) }
    func saveSession(_ summary: SessionSummary) throws { door(summary.id); try inner.saveSession(summary) }
    func session(id: String) throws -> SessionSummary? { try inner.session(id: id) }
    func openSessions(agentName: String) throws -> [SessionSummary] { try inner.openSessions(agentName: agentName) }
    func allOpenSessions() throws -> [SessionSummary] { try inner.allOpenSessions() }
    func recentSessions(limit: Int) throws -> [SessionSummary] { try inner.recentSessions(limit: limit) }
    func sessionsCreated(from: Date, to: Date) throws -> [SessionSummary] { try inner.sessionsCreated(from: from, to: to) }
    func addParticipant(sessionId: String, name: String, role: ParticipantRole, at: Date) throws {
        try inner.addParticipant(sessionId: sessionId, name: name, role: role, at: at)
    }
    func participants(sessionId: String) throws -> [(name: String, role: ParticipantRole)] { try inner.participants(sessionId: sessionId) }
    func insertLink(_ link: LinkRecord) throws { try inner.insertLink(link) }
    func link(tokenHash: String) throws -> LinkRecord? { try inner.link(tokenHash: tokenHash) }
    func markLinkUsed(tokenHash: String, at: Date) throws -> Bool { try inner.markLinkUsed(tokenHash: tokenHash, at: at) }
    func useLink(tokenHash: String, at: Date, audit: AuditDraft) throws -> Bool { try inner.useLink(tokenHash: tokenHash, at: at, audit: audit) }
    func saveResumeKey(hash: String, sessionId: String) throws { try inner.saveResumeKey(hash: hash, sessionId: sessionId) }
    func sessionId(resumeKeyHash: String) throws -> String? { try inner.sessionId(resumeKeyHash: resumeKeyHash) }
    func appendActivity(sessionId: String, _ item: ActivityItem) throws { try inner.appendActivity(sessionId: sessionId, item) }
    func appendFeed(_ rows: [FeedRow]) throws {
        lock.lock()
        let fails = feedFails
        feedBatches.append(rows)
        lock.unlock()
        if fails { throw StoreError.invalid("disk full (test)") }
        try inner.appendFeed(rows)
    }
    func activity(sessionId: String) throws -> [ActivityItem] { try inner.activity(sessionId: sessionId) }
    func addNote(sessionId: String, _ note: NoteEntry) throws { try inner.addNote(sessionId: sessionId, note) }
    func notes(sessionId: String) throws -> [NoteEntry] { try inner.notes(sessionId: sessionId) }
    func saveSurvey(sessionId: String, _ survey: SessionSurvey) throws { try inner.saveSurvey(sessionId: sessionId, survey) }
    func survey(sessionId: String) throws -> SessionSurvey? { try inner.survey(sessionId: sessionId) }
    func recordOutcome(sessionId: String, ticketId: String, _ outcome: RecordedOutcome, audit: AuditDraft) throws -> Bool {
        try inner.recordOutcome(sessionId: sessionId, ticketId: ticketId, outcome, audit: audit)
    }
    func outcome(sessionId: String) throws -> RecordedOutcome? { try inner.outcome(sessionId: sessionId) }
    func latestOutcome(ticketId: String) throws -> RecordedOutcome? { try inner.latestOutcome(ticketId: ticketId) }
    func addScreenshot(_ shot: ScreenshotRecord) throws { try inner.addScreenshot(shot) }
    func screenshots(sessionId: String) throws -> [ScreenshotRecord] { try inner.screenshots(sessionId: sessionId) }
    func recordHandOff(_ handOff: HandOffRecord) throws { try inner.recordHandOff(handOff) }
    func handOffs(sessionId: String) throws -> [HandOffRecord] { try inner.handOffs(sessionId: sessionId) }
    func handedOffSessionIDs() throws -> Set<String> { try inner.handedOffSessionIDs() }
    func appendAudit(at: Date, actor: String, action: String, sessionId: String?, detail: String) throws -> AuditEntry {
        door(sessionId)
        return try inner.appendAudit(at: at, actor: actor, action: action, sessionId: sessionId, detail: detail)
    }
    func appendAudits(_ drafts: [AuditDraft]) throws { door(drafts.first?.sessionId); try inner.appendAudits(drafts) }
    func auditEntries(sessionId: String?) throws -> [AuditEntry] { try inner.auditEntries(sessionId: sessionId) }
    func verifyAuditChain() throws { try inner.verifyAuditChain() }
}

extension EngineHub {
    /// An in-process connection as `peer`, opened on the hub: a test's stand-in for a socket.
    func openWaitingConnection(_ id: Int, _ peer: PeerIdentity) -> WaitingConnection {
        let c = WaitingConnection(id, peer)
        connectionOpened(c)
        return c
    }

    /// `m` as if `c` had sent it.
    func deliver(_ m: WireMessage, id: Int? = nil, from c: PeerConnection) { connection(c, received: WireCodec.encode(m, id: id)) }
}

/// A connection written to from any lane; the test waits for what it expects.
final class WaitingConnection: PeerConnection, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    private let lock = NSCondition()
    private var frames: [WireFrame] = []
    private var isClosed = false

    init(_ id: Int, _ peer: PeerIdentity) { connectionID = id; self.peer = peer }

    func send(_ payload: [UInt8]) {
        guard let frame = try? WireCodec.decode(payload) else { return }
        lock.lock(); frames.append(frame); lock.broadcast(); lock.unlock()
    }
    func close() { lock.lock(); isClosed = true; lock.broadcast(); lock.unlock() }

    var messages: [WireMessage] { lock.lock(); defer { lock.unlock() }; return frames.map(\.message) }

    /// The first message (from the start) that `match` picks, waiting up to `timeout`.
    @discardableResult
    func wait<T>(_ what: String, timeout: TimeInterval = 10, _ match: (WireMessage) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            for frame in frames { if let hit = match(frame.message) { return hit } }
            guard lock.wait(until: deadline) else {
                throw HubTestError(description: "no \(what) within \(timeout) s; got \(frames.map(\.message.type))")
            }
        }
    }
}

/// The session every hub test starts from, through the hub's real
/// handshakes: an agent console attached to a new session on `ticket`, and a
/// customer who opened the one-time link and consented.
struct LiveSession {
    let agent: WaitingConnection
    let customer: WaitingConnection
    let id: String
    let link: String

    static func open(on hub: EngineHub, ticket: String, agentUID: Int = 1001, access: AccessLevel = .viewOnly, send delivery: LinkDelivery? = nil,
                     connect: (PeerIdentity) -> WaitingConnection) throws -> LiveSession {
        func send(_ c: WaitingConnection, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }
        let agent = connect(.local(uid: agentUID, pid: 1))
        send(agent, .hello(Hello(client: "test")))
        send(agent, .startSession(StartSession(ticketId: ticket, send: delivery)), id: 1)
        let started = try agent.wait("session started") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        send(agent, .attach(Attach(sessionId: started.session.id)))
        try agent.wait("snapshot") { if case .snapshot = $0 { true } else { nil } }
        let customer = connect(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "sdk", token: String(started.link.split(separator: "/").last!))))
        try customer.wait("welcome") { if case .welcome = $0 { true } else { nil } }
        send(customer, .consent(Consent(allow: true, access: access)))
        try agent.wait("the session active") { if case let .summary(s) = $0, s.status == .active { true } else { nil } }
        return LiveSession(agent: agent, customer: customer, id: started.session.id, link: started.link)
    }
}
