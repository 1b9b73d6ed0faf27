import Foundation
import Logging
import NIOConcurrencyHelpers

/// The running engine: turns connections and clock ticks into session events
/// and hands each to the lane that owns it. A session's events run on its own
/// lane (`SessionRuntime`); a connection's hello, and a console's requests
/// that belong to no session, on the connection's lane. The transports' event
/// loops only decode and route; nothing they call waits for the store.
///
/// The jobs live in their own files: handshakes (`Handshakes.swift`), console
/// requests (`ConsoleRequests.swift`), the gateway's pages
/// (`GatewayPages.swift`), the effect interpreter, the recording lifecycle,
/// link minting and the background store writer.
public final class EngineHub: ConnectionSink, @unchecked Sendable {
    public let store: SessionStore
    public let policy: SessionPolicy
    /// Bounds for peers that have not proved anything yet (rates, audit rows, handshakes).
    public let limits: GatewayLimits
    let clock: @Sendable () -> Date
    let redactor: Redactor
    let logger: Logger
    let lanes: LaneKind
    let writer: StoreWriter
    let links: LinkMinter
    /// What the operator's Prometheus reads (`serve --metrics`); nil counts nothing.
    let metrics: EngineMetrics?
    let connections = ConnectionTable()
    private let sessions = NIOLockedValueBox([String: SessionRuntime]())
    /// The presenter tab's reconnect keys (hash → session; in memory only: an engine restart ends the showing).
    private let presenterKeys = NIOLockedValueBox([String: String]())
    private let throttle: NIOLockedValueBox<AddressThrottle>

    /// Set before the engine takes connections; nil records nothing.
    public var recordingService: RecordingService?
    /// Where customer-approved screenshots are sealed; nil: screenshots are refused.
    public var screenshotVault: ScreenshotVault?
    /// Recordings from the lobby; set with `recordingService`. nil: none are offered.
    public var recordingDesk: RecordingDesk?
    /// Which tickets the lobby marks as worth a co-browse, and why. Set before the engine serves.
    public var suggestions: SuggestionRules = .standard
    /// Tickets the help desk posts to the gateway; nil: /helpdesk/ answers 404.
    public var helpDeskInbox: HelpDeskInbox?
    /// Where the engine tells the help desk about a ticket's sessions (replies, notes, status); nil: no desk.
    public var helpDeskOutbox: HelpDeskOutbox?
    /// Customers' "Get live help" requests from the tenant's pages; nil: /live-help answers 404.
    /// Locked: the engine's own origin (for its demo site) is known only once the gateway listens.
    public var liveHelp: LiveHelpDesk? {
        get { liveHelpBox.withLockedValue { $0 } }
        set { liveHelpBox.withLockedValue { $0 = newValue } }
    }
    private let liveHelpBox = NIOLockedValueBox<LiveHelpDesk?>(nil)
    /// The mail server and SMS gateway a link can go by, and where each ticket's customer is reached; nil: neither.
    public var customerChannels: CustomerChannels?
    /// `/cobrowse-rules.json` with the tenant's own rules in it; set before the engine serves.
    public var privacyRules: GatewayResponse = GatewayAssets.all[GatewayAssets.privacyRulesPath]!

    /// Base of the customer-facing links, e.g. "https://127.0.0.1:8443".
    public var publicBaseURL: String {
        get { links.baseURL }
        set { links.baseURL = newValue }
    }

    /// `lanes`: `.dispatch` for a running engine; `.inline` runs everything on
    /// the caller's thread, for tests that drive the hub by hand.
    public init(store: SessionStore, policy: SessionPolicy = .init(), redactor: Redactor = .init(),
                publicBaseURL: String, limits: GatewayLimits = .init(), lanes: LaneKind = .dispatch,
                logger: Logger = Logger(label: "cobrowse.hub"), metrics: EngineMetrics? = nil,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.policy = policy
        self.limits = limits
        self.redactor = redactor
        self.logger = logger
        self.clock = clock
        self.lanes = lanes
        throttle = NIOLockedValueBox(AddressThrottle(limits: limits))
        self.metrics = metrics
        writer = StoreWriter(store: store, lanes: lanes, logger: logger, metrics: metrics)
        links = LinkMinter(store: store, lifetime: policy.linkLifetime, baseURL: publicBaseURL, clock: clock)
        writer.onFailure = { [weak self] sessions, error in
            guard let self else { return }
            for sid in sessions {
                guard let runtime = self.session(sid) else { continue }
                runtime.async {
                    runtime.broadcast(.error(ErrorReply(code: .internalError, message: "the engine could not store the session's feed (\(error)); it will retry")))
                }
            }
        }
    }

    // MARK: - Sessions

    func session(_ id: String) -> SessionRuntime? { sessions.withLockedValue { $0[id] } }
    private var allSessions: [SessionRuntime] { sessions.withLockedValue { Array($0.values) } }

    private func add(_ machine: SessionMachine, landingURL: String? = nil) {
        let runtime = SessionRuntime(machine: machine, landingURL: landingURL, hub: self)
        sessions.withLockedValue { $0[runtime.id] = runtime }
    }

    /// Brings back the sessions that had not ended when the engine last stopped.
    /// Their scenes are gone; the customer's SDK sends a full one on reconnect.
    public func restoreOpenSessions() throws {
        for var summary in try store.allOpenSessions() {
            summary.customerConnected = false
            add(SessionMachine(summary: summary, policy: policy, redactor: redactor, now: clock()))
        }
    }

    /// Creates a session for a ticket on behalf of an agent and mints its link
    /// (also used in-process by `cobrowse demo`). `landingURL`: where the
    /// customer lands after consenting; nil: the demo site.
    public func startSession(ticketId: String, record: Bool, agent: Agent, landingURL: String? = nil, onboarding: Bool = false,
                             send: LinkDelivery = .none) throws -> SessionStarted {
        guard Capabilities(level: agent.level).canStartSessions else {
            throw WireError(.notAllowed, "\(agent.level.rawValue) agents cannot start co-browse sessions")
        }
        guard let ticket = try store.ticket(id: ticketId) else {
            throw WireError(.notFound, "no ticket \(ticketId): a session needs a ticket")
        }
        try checkDelivery(send, of: ticket)
        let now = clock()
        let id = Self.newSessionID()
        let suggested = suggestions.reason(for: ticket)
        let asked = try customerRequests()[ticket.id] != nil
        // The ticket's last session ended escalated: this one is the specialist's, however the first began.
        let escalated: Bool
        if case .escalated? = try store.latestOutcome(ticketId: ticket.id)?.outcome { escalated = true } else { escalated = false }
        let initiator: SessionInitiator = onboarding ? .onboarding : escalated ? .escalation : asked ? .customerRequest
            : suggested != nil ? .autoSuggestion : .agent
        let summary = SessionSummary(id: id, ticket: ticket, agentName: agent.name, status: .linkMinted,
                                     recording: record, createdAt: now, initiator: initiator)
        try store.saveSession(summary)
        let link = try links.mint(nil, session: id)
        try store.addParticipant(sessionId: id, name: agent.name, role: .agent, at: now)
        add(SessionMachine(summary: summary, policy: policy, redactor: redactor, now: now), landingURL: landingURL)
        let why = onboarding ? " as an onboarding walkthrough" : asked ? " (the customer asked for it)" : suggested.map { " (suggested: \($0))" } ?? ""
        let item = ActivityItem(at: now, kind: .linkMinted, actor: agent.name,
                                text: "Started a session for ticket \(ticket.id)\(why); one-time link created" + (send == .none ? " for the agent to hand to the customer" : ""))
        try store.appendActivity(sessionId: id, item)
        try store.appendAudit(at: now, actor: agent.name, action: "session.created", sessionId: id,
                              detail: "ticket=\(ticket.id) record=\(record) initiator=\(initiator.rawValue) send=\(send.rawValue)")
        tellTheDesk(sessionStarted: summary, link: link, send: send, at: now)
        metrics?.sessionStarted(initiator)
        return SessionStarted(session: summary, link: link)
    }

    static func newSessionID() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let bytes = SecureRandom.bytes(8)
        return "S-" + String(bytes.map { alphabet[Int($0) % alphabet.count] })
    }

    /// Advances every session's clock (heartbeats, timeouts, limits), closes
    /// connections that never said hello, and retries rows the store refused.
    public func tick() {
        let now = clock()
        closeStalledHandshakes(now)
        writeSuppressedRefusals(now)
        writer.retry()
        for runtime in allSessions {
            runtime.async { [weak self] in
                runtime.dispatch(.tick, origin: nil)
                if runtime.isFinished(at: runtime.now) { self?.forget(runtime) }
            }
        }
    }

    private func forget(_ runtime: SessionRuntime) {
        sessions.withLockedValue { if $0[runtime.id] === runtime { $0[runtime.id] = nil } }
    }

    /// The engine is stopping: every live session ends now with that reason,
    /// its consoles and customer are told, its recording closes complete, its
    /// rows are written. Returns how many sessions were live.
    @discardableResult
    public func endLiveSessions() -> Int {
        var ended = 0
        for runtime in allSessions.sorted(by: { $0.id < $1.id }) {
            runtime.lane.sync {
                guard runtime.machine.summary.status != .ended else { return }
                runtime.dispatch(.engineStopping, origin: nil)
                ended += 1
            }
        }
        writer.waitUntilTried()
        if writer.rowsWaiting > 0 { logger.error("\(writer.rowsWaiting) feed row(s) could not be stored before the engine stopped") }
        return ended
    }

    /// The sessions held that have not ended, as their lanes last published them (a metrics scrape reads this).
    public func liveSessionSummaries() -> [SessionSummary] {
        allSessions.map(\.published.summary).filter { $0.status != .ended }
    }

    /// Rows still waiting for the store (for tests and the shutdown report).
    public var rowsWaitingForTheStore: Int { writer.rowsWaiting }

    /// The current (redacted) scene of an open session, for tests and tools.
    public func machineScene(_ sid: String) -> Scene? {
        guard let runtime = session(sid) else { return nil }
        return runtime.lane.sync { runtime.machine.scene }
    }

    /// The live summary of an open session, or the stored one.
    func liveSummary(_ summary: SessionSummary) -> SessionSummary {
        session(summary.id)?.published.summary ?? summary
    }

    /// Full Control requests waiting for a manager, oldest first.
    var approvalsWaiting: [ApprovalRequest] {
        allSessions.compactMap { $0.published.approvalRequest }.sorted { $0.requestedAt < $1.requestedAt }
    }

    /// Sessions handed to `name`, waiting for their answer, oldest first.
    func handOffsWaiting(for name: String) -> [HandOffOffer] {
        allSessions.compactMap { $0.published.handOffOffer }.filter { $0.to == name }.sorted { $0.requestedAt < $1.requestedAt }
    }

    func rememberPresenterKey(_ hash: String, session sid: String) { presenterKeys.withLockedValue { $0[hash] = sid } }
    func presenterSession(keyHash: String) -> String? { presenterKeys.withLockedValue { $0[keyHash] } }
    func forgetPresenterKeys(of sid: String) { presenterKeys.withLockedValue { $0 = $0.filter { $0.value != sid } } }

    func allow(_ cost: AddressThrottle.Cost, from address: String) -> Bool {
        let now = clock()
        return throttle.withLockedValue { $0.allow(cost, from: address, now: now) }
    }

    // MARK: - ConnectionSink (event-loop threads: hand each frame to its connection's lane)

    public func connectionOpened(_ connection: PeerConnection) {
        let address = Self.address(of: connection.peer)
        let link = Link(connection: connection, address: address, openedAt: clock(),
                        lane: lanes.makeLane("connection.\(connection.connectionID)"))
        if connections.add(link) >= limits.pendingHandshakesPerAddress {
            connection.send(WireCodec.encode(WireError(.tooLarge, "too many connections from \(address) are still to say hello; try again shortly").reply))
            connection.close()
        }
    }

    static func address(of peer: PeerIdentity) -> String {
        switch peer {
        case let .local(uid, _): "uid \(uid)"
        case let .customer(remote): AddressThrottle.address(of: remote)
        }
    }

    public func connectionClosed(_ connection: PeerConnection) {
        guard let link = connections.remove(connection.connectionID) else { return }
        link.lane.async { [weak self] in
            guard let sid = link.sessionId, let runtime = self?.session(sid) else { return }
            runtime.async { runtime.left(link) }
        }
    }

    public func connection(_ connection: PeerConnection, received payload: [UInt8]) {
        guard let link = connections[connection.connectionID] else { return }
        // A peer never gets arbitrarily far ahead of its lane: past a bound it is
        // no longer read (TCP pushes back) until the lane catches up.
        switch link.admit(payload.count, pauseAt: Self.pauseReadingAt, refuseAt: Self.maxBytesInFlight) {
        case .take: break
        case .takeAndPause: connection.pauseReading()
        case .refuse:
            logger.notice("closing \(link.address): more than \(Self.maxBytesInFlight) bytes sent and not yet handled")
            connection.send(WireCodec.encode(WireError(.tooLarge, "sending faster than the engine can take; closing").reply))
            return connection.close()
        }
        let handled: @Sendable () -> Void = {
            if link.handled(payload.count, resumeBelow: Self.pauseReadingAt / 2) { connection.resumeReading() }
        }
        link.lane.async { [weak self] in
            guard let self else { return handled() }
            self.receive(payload, on: link, then: handled)
        }
    }

    /// The most any one connection has sent that its lanes have not handled yet.
    var largestBacklog: Int { connections.all.map(\.state.bytesInFlight).max() ?? 0 }

    /// Bytes a connection may have sent that its lane has not handled before it is no longer read.
    static let pauseReadingAt = 2 * WireProtocol.maxMessageBytes
    /// For a transport that cannot stop reading: beyond this the peer is closed.
    static let maxBytesInFlight = 32 * WireProtocol.maxMessageBytes

    /// Decodes on the connection's lane, so the hello has been handled before the next frame is read.
    /// `handled` is called once the frame has been dealt with: for a session's
    /// participant, on the session's lane, so a customer cannot queue work
    /// there faster than it is done.
    private func receive(_ payload: [UInt8], on link: Link, then handled: @escaping @Sendable () -> Void) {
        // Before its hello a connection is read no further than the hello needs.
        let handshaking = link.isHandshaking
        let frame: WireFrame
        do {
            frame = handshaking ? try WireCodec.decodeHello(payload) : try WireCodec.decode(payload)
        } catch {
            let refusal = (error as? WireError) ?? WireError(.malformed, "undecodable message")
            link.connection.send(WireCodec.encode(refusal.reply))
            refusedInput(link, refusal, beforeHello: handshaking)
            return handled()
        }
        let origin = Origin(connection: link.connection, requestID: frame.id)
        let state = link.state
        // A participant's message goes on to its session (the console's are sorted out on its own lane).
        if let sender = state.role.sender, sender != .console, frame.message.kind.senders.contains(sender),
           let sid = state.sessionId, let runtime = session(sid) {
            return runtime.async {
                runtime.participantMessage(frame.message, from: link, origin: origin)
                handled()
            }
        }
        route(frame, from: link, state: state, origin: origin)
        handled()
    }

    /// On the connection's lane, in the order its frames came.
    private func route(_ frame: WireFrame, from link: Link, state: Link.State, origin: Origin) {
        // The message table says who may send what; no handler sees a message its sender may not send.
        if let sender = state.role.sender, !frame.message.kind.senders.contains(sender) {
            return refuseMessage(frame.message, from: sender, link: link, origin: origin)
        }
        switch state.role {
        case .handshaking:
            handshake(frame, link: link, origin: origin)
        case let .console(agent):
            consoleMessage(frame.message, agent: agent, link: link, origin: origin)
        case .customer, .viewer, .presenter, .mirror:
            guard let sid = state.sessionId, let runtime = session(sid) else { return origin.fail(.badState, "not in a session") }
            runtime.async { runtime.participantMessage(frame.message, from: link, origin: origin) }
        }
    }

    /// A message the table does not let this sender send: refused, and audited
    /// where a session's participant tried to write (within the address's budget).
    private func refuseMessage(_ message: WireMessage, from sender: MessageSender, link: Link, origin: Origin) {
        switch link.role {
        case let .viewer(name):
            auditRefusal(AuditDraft(at: clock(), actor: name, action: "write.refused", sessionId: link.sessionId, detail: "viewer sent \(message.type)"),
                         address: link.address)
        case .mirror:
            return origin.fail(.notAllowed, "\(message.type): this page only watches")
        default:
            break
        }
        origin.fail(.notAllowed, "\(message.type) is not a \(sender.rawValue) message")
    }

    /// Logs a refused frame (its text redacted: a refusal may quote what the
    /// peer sent) and closes a peer that keeps sending frames before its hello.
    private func refusedInput(_ link: Link, _ error: WireError, beforeHello: Bool) {
        let who: String
        switch link.connection.peer {
        case let .local(uid, _): who = "uid \(uid)"
        case let .customer(remote): who = "customer \(remote)"
        }
        logger.notice("refused a message from \(who): \(LogText.safe(error.description, redactor))")
        if beforeHello, link.refusedBeforeHello(allowed: Self.refusalsBeforeHelloAllowed) { link.connection.close() }
    }

    /// Frames refused before a hello that a connection may send before it is closed.
    static let refusalsBeforeHelloAllowed = 8

    /// A connection that has not said hello in time holds a slot an honest peer may need.
    private func closeStalledHandshakes(_ now: Date) {
        for link in connections.handshaking(openedBefore: now.addingTimeInterval(-limits.handshakeTimeout)) {
            link.connection.send(WireCodec.encode(WireError(.handshakeRequired, "no hello within \(Int(limits.handshakeTimeout)) s; closing").reply))
            link.connection.close()
        }
    }

    // MARK: - Refusals

    /// Writes the audit row of a refusal in the background. The refusal stands
    /// whether or not the row is written; a failed write is kept and retried.
    /// With an address, refusals beyond its budget for the minute are counted
    /// into one row instead.
    func auditRefusal(_ draft: AuditDraft, address: String?) {
        if let address, !throttle.withLockedValue({ $0.mayAuditRefusal(from: address, now: draft.at) }) { return }
        writer.enqueue(.audit(draft))
    }

    /// One row per address for the refusals its budget only counted.
    private func writeSuppressedRefusals(_ now: Date) {
        for s in throttle.withLockedValue({ $0.takeSuppressed(now: now) }) {
            let since = Int(now.timeIntervalSince(s.since))
            auditRefusal(AuditDraft(at: now, actor: "address \(s.address)", action: "refusals.counted", sessionId: nil,
                                    detail: "count=\(s.count) over=\(since)s (link refusals beyond the audit budget)"), address: nil)
        }
    }
}
