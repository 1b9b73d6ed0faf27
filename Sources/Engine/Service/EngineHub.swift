import Foundation
import Logging

/// The running engine: turns connections and clock ticks into session events,
/// runs each session's pure `SessionMachine`, and carries out the effects it
/// returns (send, store, audit, close). Transports call in from their own
/// threads; one lock serialises everything, so the machines never race.
public final class EngineHub: ConnectionSink, @unchecked Sendable {
    public let store: SessionStore
    public let policy: SessionPolicy
    /// Base of the customer-facing links, e.g. "https://127.0.0.1:8443".
    public var publicBaseURL: String
    private let clock: @Sendable () -> Date
    private let redactor: Redactor
    private let logger: Logger
    private let lock = NSLock()

    /// Set before the engine takes connections; nil records nothing.
    public var recordingService: RecordingService?
    /// Where customer-approved screenshots are sealed; nil: screenshots are refused.
    public var screenshotVault: ScreenshotVault?
    /// Recordings from the lobby; set with `recordingService`. nil: none are offered.
    public var recordingDesk: RecordingDesk?
    private var recordings: [String: SessionRecording] = [:]
    private var machines: [String: SessionMachine] = [:]
    private var links: [Int: Link] = [:]
    private var customerBySession: [String: Int] = [:]
    /// The agent's presenter tab per session, and the keys it reconnects with
    /// (hash → session; in memory only: an engine restart ends the showing).
    private var presenterBySession: [String: Int] = [:]
    private var presenterKeys: [String: String] = [:]
    /// Where each session's customer lands after consenting (`invite --url`);
    /// absent: the demo site. Kept in memory only.
    private var landingURLs: [String: String] = [:]

    /// Bounds for peers that have not proved anything yet (rates, audit rows, handshakes).
    public let limits: GatewayLimits
    private var throttle: AddressThrottle

    /// What the hub knows about one connection.
    private struct Link {
        let connection: PeerConnection
        /// The unit every bound on unauthenticated peers counts by: a customer's IP, a console's uid.
        let address: String
        let openedAt: Date
        var role: Role = .handshaking
        var sessionId: String?
        var watch = false
        /// Frames refused before a hello; a peer that keeps sending them is closed.
        var refusedBeforeHello = 0

        var isHandshaking: Bool { if case .handshaking = role { true } else { false } }

        /// Who this connection speaks as in the message table; nil before the hello.
        var sender: MessageSender? {
            switch role {
            case .handshaking: nil
            case .console: .console
            case .customer: .customer
            case .viewer: .viewer
            case .presenter: .presenter
            case .mirror: .mirror
            }
        }

        enum Role {
            case handshaking
            case console(Agent)
            case customer
            /// One of the customer's team in the browser viewer page.
            case viewer(String)
            /// The customer watching the page the agent shows, in the viewer page.
            case mirror
            /// The agent's own browser tab showing a page.
            case presenter
        }
    }

    public init(store: SessionStore, policy: SessionPolicy = .init(), redactor: Redactor = .init(),
                publicBaseURL: String, limits: GatewayLimits = .init(), logger: Logger = Logger(label: "cobrowse.hub"),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.policy = policy
        self.limits = limits
        throttle = AddressThrottle(limits: limits)
        self.redactor = redactor
        self.publicBaseURL = publicBaseURL
        self.logger = logger
        self.clock = clock
    }

    /// Brings back the sessions that had not ended when the engine last stopped.
    /// Their scenes are gone; the customer's SDK sends a full one on reconnect.
    public func restoreOpenSessions() throws {
        let open = try store.allOpenSessions()
        locked {
            for var summary in open {
                summary.customerConnected = false
                machines[summary.id] = SessionMachine(summary: summary, policy: policy, redactor: redactor, now: clock())
            }
        }
    }

    /// Advances every session's clock: heartbeats, timeouts, limits.
    public func tick() {
        locked {
            let now = clock()
            closeStalledHandshakes(now)
            writeSuppressedRefusals(now)
            retryUnsavedRows()
            for id in Array(machines.keys) {
                dispatch(.tick, session: id, origin: nil)
                guard let m = machines[id] else { continue }
                if m.summary.status == .ended, customerBySession[id] == nil, !hasConsoles(id), !m.surveyOpen(at: now) {
                    machines[id] = nil
                }
            }
        }
    }

    // MARK: - Starting a session (also used in-process by `cobrowse demo`)

    /// Creates a session for a ticket on behalf of an agent and mints its link.
    public func startSession(ticketId: String, record: Bool, agent: Agent) throws -> SessionStarted {
        try locked { try startSessionLocked(ticketId: ticketId, record: record, agent: agent) }
    }

    private func startSessionLocked(ticketId: String, record: Bool, agent: Agent) throws -> SessionStarted {
        guard Capabilities(level: agent.level).canStartSessions else {
            throw WireError(.notAllowed, "\(agent.level.rawValue) agents cannot start co-browse sessions")
        }
        guard let ticket = try store.ticket(id: ticketId) else {
            throw WireError(.notFound, "no ticket \(ticketId): a session needs a ticket")
        }
        let now = clock()
        let id = Self.newSessionID()
        let summary = SessionSummary(id: id, ticket: ticket, agentName: agent.name, status: .linkMinted,
                                     recording: record, createdAt: now)
        let minted = OneTimeLink.mint()
        try store.saveSession(summary)
        try store.insertLink(LinkRecord(tokenHash: minted.hash, sessionId: id, createdAt: now,
                                        expiresAt: now.addingTimeInterval(policy.linkLifetime)))
        try store.addParticipant(sessionId: id, name: agent.name, role: .agent, at: now)
        machines[id] = SessionMachine(summary: summary, policy: policy, redactor: redactor, now: now)
        let item = ActivityItem(at: now, kind: .linkMinted, actor: agent.name,
                                text: "Started a session for ticket \(ticket.id); one-time link sent")
        try store.appendActivity(sessionId: id, item)
        try store.appendAudit(at: now, actor: agent.name, action: "session.created", sessionId: id,
                              detail: "ticket=\(ticket.id) record=\(record)")
        return SessionStarted(session: summary, link: "\(publicBaseURL)/join/\(minted.token)")
    }

    static func newSessionID() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let bytes = SecureRandom.bytes(8)
        return "S-" + String(bytes.map { alphabet[Int($0) % alphabet.count] })
    }

    // MARK: - ConnectionSink

    public func connectionOpened(_ connection: PeerConnection) {
        locked {
            let address = Self.address(of: connection.peer)
            let pending = links.values.filter { $0.address == address && $0.isHandshaking }.count
            links[connection.connectionID] = Link(connection: connection, address: address, openedAt: clock())
            if pending >= limits.pendingHandshakesPerAddress {
                send(WireCodec.encode(WireError(.tooLarge, "too many connections from \(address) are still to say hello; try again shortly").reply), to: connection)
                close(connection)
            }
        }
    }

    static func address(of peer: PeerIdentity) -> String {
        switch peer {
        case let .local(uid, _): "uid \(uid)"
        case let .customer(remote): AddressThrottle.address(of: remote)
        }
    }

    /// A connection that has not said hello in time holds a slot an honest peer may need.
    private func closeStalledHandshakes(_ now: Date) {
        for link in links.values where link.isHandshaking && now.timeIntervalSince(link.openedAt) >= limits.handshakeTimeout {
            send(WireCodec.encode(WireError(.handshakeRequired, "no hello within \(Int(limits.handshakeTimeout)) s; closing").reply), to: link.connection)
            close(link.connection)
        }
    }

    public func connectionClosed(_ connection: PeerConnection) {
        locked {
            guard let link = links.removeValue(forKey: connection.connectionID) else { return }
            guard let sid = link.sessionId else { return }
            switch link.role {
            case .customer:
                if customerBySession[sid] == connection.connectionID {
                    customerBySession[sid] = nil
                    dispatch(.customerDisconnected, session: sid, origin: nil)
                }
            case let .console(agent):
                dispatch(.consoleDetached(name: agent.name, role: link.watch ? .supervisor : .agent), session: sid, origin: nil)
            case let .viewer(name):
                dispatch(.viewerLeft(name: name), session: sid, origin: nil)
            case .presenter:
                // It reconnects on every navigation; only "Stop" ends the showing.
                if presenterBySession[sid] == connection.connectionID { presenterBySession[sid] = nil }
            case .mirror:
                break
            case .handshaking:
                break
            }
        }
    }

    public func connection(_ connection: PeerConnection, received payload: [UInt8]) {
        // Before its hello a connection is read no further than the hello needs.
        let handshaking = locked { links[connection.connectionID]?.isHandshaking ?? true }
        let frame: WireFrame
        do {
            frame = handshaking ? try WireCodec.decodeHello(payload) : try WireCodec.decode(payload)
        } catch {
            let refusal = (error as? WireError) ?? WireError(.malformed, "undecodable message")
            connection.send(WireCodec.encode(refusal.reply))
            locked { refusedInput(connection, refusal, beforeHello: handshaking) }
            return
        }
        locked {
            guard let link = links[connection.connectionID] else { return }
            let origin = Origin(connection: connection, requestID: frame.id, hub: self)
            // The message table says who may send what; no handler sees a message its sender may not send.
            if let sender = link.sender, !frame.message.kind.senders.contains(sender) {
                return refuseMessage(frame.message, from: sender, link: link, origin: origin)
            }
            switch link.role {
            case .handshaking: handshake(frame, link: link, origin: origin)
            case let .console(agent): consoleMessage(frame.message, agent: agent, link: link, origin: origin)
            case .customer: customerMessage(frame.message, link: link, origin: origin)
            case let .viewer(name): viewerMessage(frame.message, name: name, link: link, origin: origin)
            case .presenter: presenterMessage(frame.message, link: link, origin: origin)
            case .mirror:
                // The only thing the table lets a mirror page send: it asks for the shown page again.
                if let sid = link.sessionId, let scene = machines[sid]?.presentedScene { origin.reply(.scene(scene)) }
            }
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

    public func httpRequest(method: String, path: String, headers: [(String, String)], remote: String) -> GatewayResponse {
        let address = AddressThrottle.address(of: remote)
        let route = GatewayRoute.route(path)
        guard locked({ throttle.allow(route.looksUpALink ? .linkLookup : .request, from: address, now: clock()) }) else {
            return GatewayResponse(status: 429, body: Array(CustomerPages.message(title: "Too many requests",
                                                                                  body: "Please wait a few seconds, then open your link again.").utf8),
                                   headers: [("Retry-After", "5")])
        }
        guard method == "GET" || method == "HEAD" else {
            return .html(405, CustomerPages.message(title: "Not allowed", body: "This address only answers GET."))
        }
        let host = WebPolicy.host(in: headers)
        switch route {
        case let .asset(path):
            return GatewayAssets.all[path]!
        case let .demo(path):
            guard let asset = DemoPages.asset(path) else { fallthrough }
            return GatewayResponse(status: 200, contentType: asset.contentType, body: Array(asset.body.utf8),
                                   headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
        case .notFound:
            return .html(404, CustomerPages.message(title: "Not found", body: "There is nothing at this address."))
        case .home:
            return .html(200, CustomerPages.message(title: "Cobrowse", body: "Open the link your support agent sent you."))
        case let .linkPage(page, token):
            return locked {
                switch page {
                case .join: joinPage(token: token, host: host, address: address)
                case .view: viewerPage(token: token, host: host, address: address)
                case .present: presenterPage(token: token, host: host)
                }
            }
        }
    }

    // MARK: - Handshake

    private struct Origin {
        let connection: PeerConnection
        let requestID: Int?
        unowned let hub: EngineHub
        func reply(_ message: WireMessage) { hub.send(WireCodec.encode(message, re: requestID), to: connection) }
        func fail(_ code: WireErrorCode, _ text: String) { hub.send(WireCodec.encode(WireError(code, text, re: requestID).reply), to: connection) }
        func close() { hub.close(connection) }
    }

    private func handshake(_ frame: WireFrame, link: Link, origin: Origin) {
        guard case let .hello(hello) = frame.message else {
            origin.fail(.handshakeRequired, "send hello first")
            return
        }
        guard hello.protocolVersion >= WireProtocol.version else {
            origin.fail(.unsupportedVersion, "this engine speaks protocol \(WireProtocol.version)")
            origin.close()
            return
        }
        let now = clock()
        switch origin.connection.peer {
        case let .local(uid, _):
            let agent: Agent?
            do { agent = try store.agent(uid: uid) } catch {
                origin.fail(.internalError, "the engine's database failed: \(error)")
                return
            }
            guard let agent else {
                auditRefusal(AuditDraft(at: now, actor: "uid \(uid)", action: "console.refused", sessionId: nil, detail: "unknown uid"),
                             address: links[origin.connection.connectionID]?.address)
                origin.fail(.unknownAgent, "uid \(uid) is not a registered agent; ask an admin to run `cobrowse agents add NAME --uid \(uid) --level L1|L2|manager|supervisor|trainer`")
                origin.close()
                return
            }
            links[origin.connection.connectionID]?.role = .console(agent)
            origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .agent, agent: agent)))
        case .customer:
            customerHandshake(hello, origin: origin, now: now)
        }
    }

    private func customerHandshake(_ hello: Hello, origin: Origin, now: Date) {
        let cid = origin.connection.connectionID
        let address = links[cid]?.address ?? "?"
        // Every guess at a token or a key costs the guesser, not the engine.
        guard throttle.allow(.linkLookup, from: address, now: now) else {
            origin.fail(.rateLimited, "too many link attempts from this address; wait a few seconds and try again")
            return origin.close()
        }
        var sessionId: String
        var resumed = false
        var resumeKey: String?
        do {
            let tokenHash = hello.token.map(OneTimeLink.hash(token:))
            let record = try tokenHash.flatMap { try store.link(tokenHash: $0) }
            if let record, let purpose = record.purpose {
                return otherLinkHandshake(record, purpose: purpose, origin: origin, now: now)
            }
            if let key = hello.resumeKey, let sid = presenterKeys[OneTimeLink.hash(token: key)] {
                return presenterConnected(sid, resumeKey: key, origin: origin)
            }
            if let tokenHash {
                let outcome = LinkCheck.evaluate(record, now: now)
                guard outcome == .valid, let record else {
                    return refuseLink(outcome, actor: "customer", action: "link.refused", sessionId: record?.sessionId, origin: origin, now: now)
                }
                let key = OneTimeLink.mint()
                try store.saveResumeKey(hash: key.hash, sessionId: record.sessionId)
                // The link is spent and its audit row written together, or neither: a full disk leaves the link usable.
                let used = AuditDraft(at: now, actor: "customer", action: "link.used", sessionId: record.sessionId, detail: "")
                guard try store.useLink(tokenHash: tokenHash, at: now, audit: used) else {
                    return refuseLink(.used, actor: "customer", action: "link.refused", sessionId: record.sessionId, origin: origin, now: now)
                }
                sessionId = record.sessionId
                resumeKey = key.token
            } else if let key = hello.resumeKey, let sid = try store.sessionId(resumeKeyHash: OneTimeLink.hash(token: key)) {
                sessionId = sid
                resumed = true
                resumeKey = key
            } else {
                origin.fail(.notAllowed, "a customer connection needs the link's token or a resume key")
                origin.close()
                return
            }
        } catch {
            // A store that cannot answer is not "no such link": the customer may try again, nothing was spent.
            logger.error("customer handshake from \(address): the store failed: \(error)")
            origin.fail(.internalError, "the engine could not check the link just now; try it again in a moment")
            return origin.close()
        }
        // A customer who dropped during the survey window may come back to rate (resume key only).
        guard let machine = machines[sessionId], machine.summary.status != .ended || (resumed && machine.surveyOpen(at: now)) else {
            origin.fail(.badState, "this co-browse session has ended")
            origin.close()
            return
        }
        if let old = customerBySession[sessionId], old != cid {
            // The newest connection wins: a reconnect replaces a half-dead socket.
            if let c = links[old]?.connection { close(c) }
            links[old] = nil
        }
        customerBySession[sessionId] = cid
        links[cid]?.role = .customer
        links[cid]?.sessionId = sessionId
        save(.participant(sessionId: sessionId, name: machine.summary.ticket.customer, role: .customer, at: now))
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .customer, sessionId: sessionId,
                                      agentName: machine.summary.agentName, resumeKey: resumeKey,
                                      recordingRequested: machine.summary.recording,
                                      consentGiven: machine.summary.status == .active)))
        dispatch(.customerConnected(resumed: resumed || machine.summary.status == .active), session: sessionId, origin: nil)
    }

    /// Refuses a one-time link on the WebSocket: audited (within the address's budget), said, closed.
    private func refuseLink(_ outcome: LinkCheck.Outcome, actor: String, action: String, sessionId: String?, origin: Origin, now: Date) {
        let used = outcome == .used || outcome == .valid
        auditRefusal(AuditDraft(at: now, actor: actor, action: action, sessionId: sessionId, detail: used ? "used" : "\(outcome)"),
                     address: links[origin.connection.connectionID]?.address)
        origin.fail(used ? .linkUsed : (outcome == .expired ? .linkExpired : .notFound),
                    used ? LinkCheck.Outcome.used.customerMessage : outcome.customerMessage)
        origin.close()
    }

    // MARK: - Console and customer messages

    private func consoleMessage(_ message: WireMessage, agent: Agent, link: Link, origin: Origin) {
        let caps = Capabilities(level: agent.level)
        switch message {
        case .lobbyRequest:
            do {
                origin.reply(.lobby(try lobby(for: agent)))
            } catch {
                origin.fail(.internalError, "could not read the lobby: \(error)")
            }
        case let .startSession(req):
            if let url = req.landingURL, !LandingURL.isValid(url) {
                return origin.fail(.invalid, "landingURL must be an absolute http(s) URL of at most \(LandingURL.maxLength) bytes")
            }
            do {
                let started = try startSessionLocked(ticketId: req.ticketId, record: req.record, agent: agent)
                if let url = req.landingURL { landingURLs[started.session.id] = url }
                origin.reply(.sessionStarted(started))
            } catch let e as WireError {
                origin.fail(e.code, e.message)
            } catch {
                origin.fail(.internalError, "could not start the session: \(error)")
            }
        case let .attach(req):
            attach(req, agent: agent, caps: caps, origin: origin)
        case .detach:
            guard let sid = link.sessionId else { return }
            links[origin.connection.connectionID]?.sessionId = nil
            dispatch(.consoleDetached(name: agent.name, role: link.watch ? .supervisor : .agent), session: sid, origin: origin)
        case .requestScene:
            guard let sid = link.sessionId, let m = machines[sid] else { return origin.fail(.badState, "not attached to a session") }
            if let scene = m.scene { origin.reply(.scene(scene)) } else { dispatch(.sceneRequested, session: sid, origin: origin) }
        case let .addNote(n):
            writeAction(link, agent, origin, "add a note") { sid in dispatch(.noteAdded(NoteEntry(at: clock(), author: agent.name, text: n.text)), session: sid, origin: origin) }
        case let .requestMode(req):
            writeAction(link, agent, origin, "change the control mode") { sid in dispatch(.modeRequested(req.mode, by: agent, reason: req.reason), session: sid, origin: origin) }
        case let .annotate(command):
            writeAction(link, agent, origin, "annotate") { sid in dispatch(.annotate(command, by: agent.name), session: sid, origin: origin) }
        case let .agentPointer(p):
            writeAction(link, agent, origin, "point on the customer's page") { sid in dispatch(.agentPointer(p.at, by: agent.name), session: sid, origin: origin) }
        case let .controlAction(action):
            writeAction(link, agent, origin, "act on the customer's page") { sid in dispatch(.controlAction(action, by: agent.name), session: sid, origin: origin) }
        case .requestScreenshot:
            writeAction(link, agent, origin, "ask for a screenshot") { sid in dispatch(.screenshotRequested(by: agent), session: sid, origin: origin) }
        case let .handOver(h):
            writeAction(link, agent, origin, "hand over control") { sid in dispatch(.handOver(to: h.to, by: agent.name), session: sid, origin: origin) }
        case .startPresenting:
            writeAction(link, agent, origin, "show the customer a page") { sid in dispatch(.presentRequested(by: agent), session: sid, origin: origin) }
        case .stopPresenting:
            writeAction(link, agent, origin, "stop showing a page") { sid in dispatch(.presentingStopped(by: agent.name), session: sid, origin: origin) }
        case let .inviteViewer(v):
            writeAction(link, agent, origin, "invite a viewer") { sid in dispatch(.viewerInviteRequested(name: v.name, by: agent), session: sid, origin: origin) }
        case let .approvalAnswer(answer):
            // Managers answer from anywhere (the lobby); the machine checks the level and audits a refusal.
            guard machines[answer.sessionId] != nil else { return origin.fail(.notFound, "no open session \(answer.sessionId)") }
            dispatch(.managerAnswered(approve: answer.approve, by: agent), session: answer.sessionId, origin: origin)
        case let .requestExtension(req):
            writeAction(link, agent, origin, "extend the session") { sid in dispatch(.extensionRequested(minutes: req.minutes, by: agent), session: sid, origin: origin) }
        case .qualityCheck:
            writeAction(link, agent, origin, "ask the customer about the screen quality") { sid in dispatch(.qualityCheckRequested(by: agent), session: sid, origin: origin) }
        case let .endSession(req):
            let target = req.sessionId ?? link.sessionId
            guard let sid = target, let m = machines[sid] else { return origin.fail(.notFound, "no such open session") }
            guard m.summary.agentName == agent.name, !(link.sessionId == sid && link.watch) else {
                return refuseWrite(agent, sid, origin, "end the session")
            }
            dispatch(.agentEnded(by: agent.name), session: sid, origin: origin)
        case .recordingsRequest, .openRecording:
            // Fast work under the lock; the parts go out from the desk's own queue (see RecordingDesk).
            guard let desk = recordingDesk else { return origin.fail(.notFound, "this engine keeps no recordings") }
            desk.handle(message, agent: agent, connection: origin.connection, requestID: origin.requestID, reply: origin.reply, fail: origin.fail)
        default:
            origin.fail(.notAllowed, "\(message.type) is not a console message")
        }
    }

    /// Writes come only from the session's own agent on a non-watch attachment;
    /// the engine refuses (and audits) everything else, whatever the console shows.
    private func writeAction(_ link: Link, _ agent: Agent, _ origin: Origin, _ what: String, _ body: (String) -> Void) {
        guard let sid = link.sessionId, let m = machines[sid] else { return origin.fail(.badState, "attach to a session first") }
        guard !link.watch, m.summary.agentName == agent.name else { return refuseWrite(agent, sid, origin, what) }
        body(sid)
    }

    private func refuseWrite(_ agent: Agent, _ sid: String, _ origin: Origin, _ what: String) {
        auditRefusal(AuditDraft(at: clock(), actor: agent.name, action: "write.refused", sessionId: sid, detail: what), address: nil)
        origin.fail(.notAllowed, "\(agent.name) is watching read-only and cannot \(what)")
    }

    private func attach(_ req: Attach, agent: Agent, caps: Capabilities, origin: Origin) {
        let stored: SessionSummary?
        do { stored = try machines[req.sessionId]?.summary ?? store.session(id: req.sessionId) } catch {
            return origin.fail(.internalError, "could not read session \(req.sessionId): \(error)")
        }
        guard let summary = stored else {
            return origin.fail(.notFound, "no session \(req.sessionId)")
        }
        let owner = summary.agentName == agent.name
        guard owner || (req.watch && caps.canWatch) else {
            auditRefusal(AuditDraft(at: clock(), actor: agent.name, action: "attach.refused", sessionId: req.sessionId,
                                    detail: req.watch ? "watch" : "attach"), address: nil)
            return origin.fail(.notAllowed, req.watch ? "\(agent.level.rawValue) agents cannot watch sessions"
                                                      : "session \(req.sessionId) belongs to \(summary.agentName); supervisors attach with --watch")
        }
        let frames: [WireMessage]
        do { frames = try attachFrames(summary) } catch {
            return origin.fail(.internalError, "could not read session \(req.sessionId)'s feed and notes: \(error)")
        }
        let cid = origin.connection.connectionID
        if let previous = links[cid]?.sessionId, previous != req.sessionId {
            dispatch(.consoleDetached(name: agent.name, role: links[cid]?.watch == true ? .supervisor : .agent), session: previous, origin: nil)
        }
        links[cid]?.sessionId = req.sessionId
        links[cid]?.watch = req.watch || !owner
        for message in frames { origin.reply(message) }
        if machines[req.sessionId] != nil {
            dispatch(.consoleAttached(name: agent.name, role: req.watch || !owner ? .supervisor : .agent), session: req.sessionId, origin: nil)
        }
    }

    /// What a console needs to show a session from scratch: the snapshot (in
    /// frames that fit) and, while the agent shows a page, that page (split view).
    private func attachFrames(_ summary: SessionSummary) throws -> [WireMessage] {
        let sid = summary.id
        let snapshot = SessionSnapshot(summary: live(summary), scene: machines[sid]?.scene,
                                       activity: try store.activity(sessionId: sid), notes: try store.notes(sessionId: sid))
        var frames = ConsoleFrames.fitting(snapshot)
        if let m = machines[sid], m.isPresenting {
            frames.append(.presenting(PresentingState(active: true, by: m.summary.agentName)))
            if let shown = m.presentedScene { frames.append(.presentedScene(shown)) }
        }
        return frames
    }

    private func lobby(for agent: Agent) throws -> Lobby {
        let sessions = try store.openSessions(agentName: agent.name).map { live($0) }
        let tickets = try store.allTickets().filter { $0.status != "closed" }
        let approvals = agent.level == .manager ? machines.values.compactMap(\.approvalRequest).sorted { $0.requestedAt < $1.requestedAt } : nil
        return ConsoleFrames.fitting(Lobby(agent: agent, tickets: tickets, sessions: sessions, approvals: approvals))
    }

    /// A console that had stopped reading missed frames: it gets what is true
    /// now (the session from scratch, or the lobby) instead of the backlog.
    public func connectionCaughtUp(_ connection: PeerConnection, droppedFrames: Int) {
        locked {
            guard let link = links[connection.connectionID], case let .console(agent) = link.role else { return }
            do {
                let frames: [WireMessage]
                if let sid = link.sessionId, let summary = try machines[sid]?.summary ?? store.session(id: sid) {
                    frames = try attachFrames(summary)
                } else {
                    frames = [.lobby(try lobby(for: agent))]
                }
                frames.forEach { send(WireCodec.encode($0), to: connection) }
            } catch {
                send(WireCodec.encode(WireError(.internalError, "\(droppedFrames) frame(s) were not sent while this console was not reading, and the engine could not read the current state: \(error)").reply), to: connection)
            }
        }
    }

    private func customerMessage(_ message: WireMessage, link: Link, origin: Origin) {
        guard let sid = link.sessionId else { return origin.fail(.badState, "not in a session") }
        let event: SessionEvent
        switch message {
        case let .consent(c): event = .consent(c)
        case let .scene(s): event = .scene(s)
        case let .sceneDelta(d): event = .sceneDelta(d)
        case let .pong(p): event = .pong(seq: p.seq)
        case let .modeAnswer(a): event = .modeAnswered(a)
        case let .extensionAnswer(a): event = .extensionAnswered(accept: a.accept)
        case .leave: event = .customerLeft
        case let .survey(v): event = .survey(v)
        case let .pageEvent(e): event = .pageEvent(e)
        case let .qualityAnswer(a): event = .qualityAnswered(ok: a.ok)
        case let .actionAnswer(a): event = .actionAnswered(a)
        case let .actionResult(r): event = .actionResult(r)
        case let .screenshotAnswer(a): event = .screenshotAnswered(allow: a.allow)
        default: return origin.fail(.notAllowed, "\(message.type) is not a customer message")
        }
        dispatch(event, session: sid, origin: origin)
    }

    // MARK: - Viewers (the customer's team, in the browser viewer page)

    /// A viewer's, the customer's mirror or the agent's presenter link: each works once.
    private func otherLinkHandshake(_ record: LinkRecord, purpose: LinkPurpose, origin: Origin, now: Date) {
        let who = record.viewerName ?? purpose.rawValue
        let refused = "\(purpose.rawValue).link-refused"
        let outcome = LinkCheck.evaluate(record, now: now)
        guard outcome == .valid else { return refuseLink(outcome, actor: who, action: refused, sessionId: record.sessionId, origin: origin, now: now) }
        // Spending the link and writing why are one transaction.
        let actor = purpose == .presenter ? machines[record.sessionId]?.summary.agentName ?? "agent" : who
        let used = AuditDraft(at: now, actor: actor, action: "\(purpose.rawValue).link-used", sessionId: record.sessionId, detail: "")
        do {
            guard try store.useLink(tokenHash: record.tokenHash, at: now, audit: used) else {
                return refuseLink(.used, actor: who, action: refused, sessionId: record.sessionId, origin: origin, now: now)
            }
        } catch {
            logger.error("\(purpose.rawValue) link: the store failed: \(error)")
            origin.fail(.internalError, "the engine could not check the link just now; try it again in a moment")
            return origin.close()
        }
        switch purpose {
        case .viewer: viewerHandshake(record, viewer: who, origin: origin, now: now)
        case .mirror: mirrorHandshake(record, origin: origin, now: now)
        case .presenter:
            // The presenter page trades its one-time link for a key the SDK on the shown page reconnects with.
            let key = OneTimeLink.mint()
            presenterKeys[key.hash] = record.sessionId
            presenterConnected(record.sessionId, resumeKey: key.token, origin: origin)
        }
    }

    private func presenterConnected(_ sid: String, resumeKey: String, origin: Origin) {
        guard let m = machines[sid], m.summary.status == .active else {
            origin.fail(.badState, "this co-browse session has ended")
            return origin.close()
        }
        let cid = origin.connection.connectionID
        if let old = presenterBySession[sid], old != cid, let c = links[old]?.connection { close(c) }
        presenterBySession[sid] = cid
        links[cid]?.role = .presenter
        links[cid]?.sessionId = sid
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .presenter, sessionId: sid, agentName: m.summary.agentName,
                                      resumeKey: resumeKey, recordingRequested: false, consentGiven: true)))
        dispatch(.presenterJoined, session: sid, origin: origin)
    }

    private func presenterMessage(_ message: WireMessage, link: Link, origin: Origin) {
        guard let sid = link.sessionId else { return origin.fail(.badState, "not in a session") }
        switch message {
        case let .scene(s): dispatch(.presentedScene(s), session: sid, origin: origin)
        case let .sceneDelta(d): dispatch(.presentedDelta(d), session: sid, origin: origin)
        case .leave: dispatch(.presentingStopped(by: machines[sid]?.summary.agentName ?? "agent"), session: sid, origin: origin)
        // The SDK on the shown page speaks as a customer would; what is not a picture is not for anyone.
        case .pong, .pageEvent, .modeAnswer, .consent: break
        default: origin.fail(.notAllowed, "\(message.type) is not a presenter message")
        }
    }

    private func mirrorHandshake(_ record: LinkRecord, origin: Origin, now: Date) {
        let sid = record.sessionId
        guard let m = machines[sid], m.summary.status == .active else {
            origin.fail(.badState, "this co-browse session has ended")
            return origin.close()
        }
        guard auditAction(AuditDraft(at: now, actor: m.summary.ticket.customer, action: "mirror.joined", sessionId: sid, detail: ""), origin: origin) else {
            return origin.close()
        }
        let cid = origin.connection.connectionID
        links[cid]?.role = .mirror
        links[cid]?.sessionId = sid
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .viewer, sessionId: sid, agentName: m.summary.agentName)))
        origin.reply(.summary(m.summary))
        if let scene = m.presentedScene { origin.reply(.scene(scene)) }
        // Opened after the agent stopped: the page says so instead of waiting.
        if !m.isPresenting { origin.reply(.presenting(PresentingState(active: false, by: m.summary.agentName))) }
    }

    private func viewerHandshake(_ record: LinkRecord, viewer: String, origin: Origin, now: Date) {
        let sid = record.sessionId
        guard var m = machines[sid] else {
            origin.fail(.badState, "this co-browse session has ended")
            return origin.close()
        }
        // The machine decides first, so a refused viewer never counts as joined.
        if case let .reject(code, text)? = m.handle(.viewerJoined(name: viewer), now: now).first {
            auditRefusal(AuditDraft(at: now, actor: viewer, action: "viewer.refused", sessionId: sid, detail: text), address: nil)
            origin.fail(code, text)
            return origin.close()
        }
        let cid = origin.connection.connectionID
        links[cid]?.role = .viewer(viewer)
        links[cid]?.sessionId = sid
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .viewer, sessionId: sid, agentName: m.summary.agentName)))
        // What a late joiner needs at once: the chrome, the picture and the marks.
        origin.reply(.summary(m.summary))
        if let scene = m.scene { origin.reply(.scene(scene)) }
        if let set = m.annotationSetIfAny { origin.reply(.annotations(set)) }
        guard dispatch(.viewerJoined(name: viewer), session: sid, origin: origin) != nil else {
            links[cid]?.role = .handshaking
            links[cid]?.sessionId = nil
            return origin.close()
        }
        save(.participant(sessionId: sid, name: viewer, role: .viewer, at: now))
    }

    private func presenterPage(token: String, host: String?) -> GatewayResponse {
        let now = clock()
        let record: LinkRecord?
        do { record = try store.link(tokenHash: OneTimeLink.hash(token: token)) } catch { return storeUnavailablePage(error) }
        let outcome = LinkCheck.evaluate(record, now: now)
        guard outcome == .valid, let record, record.purpose == .presenter, let m = machines[record.sessionId], m.summary.status == .active else {
            let status = outcome == .unknown || record?.purpose != .presenter ? 404 : 410
            return .html(status, CustomerPages.message(title: "Link not valid", body: outcome == .valid ? "This co-browse session is not active." : outcome.customerMessage))
        }
        let page = PresenterPage.page(agentName: m.summary.agentName, ticket: m.summary.ticket, customer: m.summary.ticket.customer)
        return GatewayResponse(status: 200, body: Array(page.utf8), headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    private func viewerMessage(_ message: WireMessage, name: String, link: Link, origin: Origin) {
        guard let sid = link.sessionId else { return origin.fail(.badState, "not in a session") }
        switch message {
        case let .agentPointer(p): dispatch(.agentPointer(p.at, by: name), session: sid, origin: origin)
        case let .annotate(c): dispatch(.annotate(c, by: name), session: sid, origin: origin)
        case let .controlAction(a): dispatch(.controlAction(a, by: name), session: sid, origin: origin)
        case let .handOver(h): dispatch(.handOver(to: h.to, by: name), session: sid, origin: origin)
        case .requestScene:
            // A viewer that lost track catches up from what the engine holds; the customer is not asked.
            if let scene = machines[sid]?.scene { origin.reply(.scene(scene)) }
        case .pong: break
        default:
            auditRefusal(AuditDraft(at: clock(), actor: name, action: "write.refused", sessionId: sid, detail: "viewer sent \(message.type)"), address: nil)
            origin.fail(.notAllowed, "\(message.type) is not a viewer message")
        }
    }

    private func viewerPage(token: String, host: String?, address: String) -> GatewayResponse {
        let now = clock()
        let record: LinkRecord?
        do { record = try store.link(tokenHash: OneTimeLink.hash(token: token)) } catch { return storeUnavailablePage(error) }
        let outcome = LinkCheck.evaluate(record, now: now)
        let watching = record?.purpose == .viewer || record?.purpose == .mirror
        guard outcome == .valid, let record, watching, let m = machines[record.sessionId], m.summary.status != .ended else {
            auditRefusal(AuditDraft(at: now, actor: "viewer", action: "viewer.link-refused", sessionId: record?.sessionId, detail: "page: \(outcome)"),
                         address: address)
            let status = outcome == .unknown || !watching ? 404 : 410
            return .html(status, CustomerPages.message(title: outcome == .valid && watching ? "Session ended" : "Link not valid",
                                                       body: outcome == .valid && watching ? "This co-browse session has ended." : outcome.customerMessage))
        }
        // The mirror link is the customer's own: they watch the page the agent shows.
        let page = ViewerPage.page(viewerName: record.viewerName ?? m.summary.ticket.customer, agentName: m.summary.agentName, ticket: m.summary.ticket,
                                   mirror: record.purpose == .mirror)
        return GatewayResponse(status: 200, body: Array(page.utf8), headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    // MARK: - Writing what must not be lost

    /// Writes the audit row an action needs before the action is taken. False
    /// when the row could not be written: the action is refused, whoever asked
    /// is told, and the log says why (an audit trail with holes is no trail).
    private func auditAction(_ draft: AuditDraft, origin: Origin?) -> Bool {
        do {
            try store.appendAudit(at: draft.at, actor: draft.actor, action: draft.action, sessionId: draft.sessionId, detail: draft.detail)
            return true
        } catch {
            logger.error("could not write the audit row for \(draft.action); refused: \(error)")
            origin?.fail(.internalError, "refused: the engine could not write its audit trail (\(error))")
            return false
        }
    }

    /// Writes the audit row of a refusal. The refusal stands whether or not
    /// the row is written; a failed write is logged. With an address, refusals
    /// beyond its budget for the minute are counted into one row instead.
    private func auditRefusal(_ draft: AuditDraft, address: String?) {
        if let address, !throttle.mayAuditRefusal(from: address, now: draft.at) { return }
        do {
            try store.appendAudit(at: draft.at, actor: draft.actor, action: draft.action, sessionId: draft.sessionId, detail: draft.detail)
        } catch {
            logger.error("could not write the audit row of a refusal (\(draft.action)): \(error)")
        }
    }

    /// One row per address for the refusals its budget only counted.
    private func writeSuppressedRefusals(_ now: Date) {
        for s in throttle.takeSuppressed(now: now) {
            let since = Int(now.timeIntervalSince(s.since))
            auditRefusal(AuditDraft(at: now, actor: "address \(s.address)", action: "refusals.counted", sessionId: nil,
                                    detail: "count=\(s.count) over=\(since)s (link refusals beyond the audit budget)"), address: nil)
        }
    }

    /// Rows that are part of the session's record but not of an action's
    /// permission: a failed write is kept and retried on every tick, and the
    /// session's consoles are told once, so nothing goes without a word.
    private enum PendingRow {
        case activity(sessionId: String, ActivityItem)
        case participant(sessionId: String, name: String, role: ParticipantRole, at: Date)

        var sessionId: String {
            switch self { case let .activity(sid, _), let .participant(sid, _, _, _): sid }
        }
    }

    private var pendingRows: [PendingRow] = []
    /// Rows kept for a retry at most; beyond it the oldest go, counted in the log and the feed.
    static let maxPendingRows = 10_000

    private func save(_ row: PendingRow) {
        guard pendingRows.isEmpty else { return keep(row) } // keep the order: behind the ones waiting
        do { try write(row) } catch {
            logger.error("session \(row.sessionId): could not store a row; will retry: \(error)")
            broadcast(.error(ErrorReply(code: .internalError, message: "the engine could not store the session's feed (\(error)); it will retry")),
                      session: row.sessionId)
            keep(row)
        }
    }

    private func keep(_ row: PendingRow) {
        pendingRows.append(row)
        if pendingRows.count > Self.maxPendingRows {
            let lost = pendingRows.removeFirst()
            logger.error("session \(lost.sessionId): a feed row was lost: \(Self.maxPendingRows) rows already wait for the store")
        }
    }

    private func write(_ row: PendingRow) throws {
        switch row {
        case let .activity(sid, item): try store.appendActivity(sessionId: sid, item)
        case let .participant(sid, name, role, at): try store.addParticipant(sessionId: sid, name: name, role: role, at: at)
        }
    }

    private func retryUnsavedRows() {
        guard !pendingRows.isEmpty else { return }
        var written = 0
        while let row = pendingRows.first {
            do { try write(row) } catch { break }
            pendingRows.removeFirst()
            written += 1
        }
        if written > 0 { logger.notice("stored \(written) row(s) that had waited for the store; \(pendingRows.count) still wait") }
    }

    /// Rows still waiting for the store (for tests and the shutdown report).
    public var rowsWaitingForTheStore: Int { locked { pendingRows.count } }

    // MARK: - Running the machines

    /// Runs one event through its session's machine. The audit rows it asks
    /// for are written first, in one transaction. When they cannot be, a
    /// request (an event someone sent: `origin` is set) is refused and the
    /// machine keeps its old state; a fact (a disconnect, a tick) still
    /// happens, and the failure is reported to the consoles and the log.
    /// Returns the effects carried out, nil when nothing happened.
    @discardableResult
    private func dispatch(_ event: SessionEvent, session sid: String, origin: Origin?, failClosed: Bool? = nil) -> [SessionEffect]? {
        guard var m = machines[sid] else {
            origin?.fail(.notFound, "session \(sid) is not open")
            return nil
        }
        let now = clock()
        let effects = m.handle(event, now: now)
        guard writeAudits(of: effects, session: sid, at: now, origin: origin, failClosed: failClosed ?? (origin != nil)) else { return nil }
        machines[sid] = m
        perform(effects, session: sid, origin: origin)
        return effects
    }

    private func writeAudits(of effects: [SessionEffect], session sid: String, at now: Date, origin: Origin?, failClosed: Bool) -> Bool {
        let drafts = effects.compactMap { effect -> AuditDraft? in
            guard case let .audit(action, actor, detail) = effect else { return nil }
            return AuditDraft(at: now, actor: actor, action: action, sessionId: sid, detail: detail)
        }
        guard !drafts.isEmpty else { return true }
        do {
            try store.appendAudits(drafts)
            return true
        } catch {
            let actions = drafts.map(\.action).joined(separator: ", ")
            logger.error("session \(sid): could not write the audit trail (\(actions)): \(error)\(failClosed ? "; refused" : "")")
            let warning = "the engine could not write its audit trail (\(error))"
            guard failClosed else {
                broadcast(.error(ErrorReply(code: .internalError, message: "\(warning); the session goes on, the rows are missing: \(actions)")), session: sid)
                return true
            }
            origin?.fail(.internalError, "refused: \(warning)")
            if let origin, case .console? = links[origin.connection.connectionID]?.role { return false }
            broadcast(.error(ErrorReply(code: .internalError, message: "refused a \(actions): \(warning)")), session: sid)
            return false
        }
    }

    private func perform(_ effects: [SessionEffect], session sid: String, origin: Origin?) {
        // A note the store did not take is not announced as saved.
        var unsavedNote: NoteEntry?
        var endedSummary: SessionSummary?
        defer { if let endedSummary { updateRecording(for: endedSummary) } }
        for effect in effects {
            do {
                switch effect {
                case let .toConsoles(.note(n)) where n == unsavedNote:
                    continue
                case let .activity(item) where item.kind == .note && unsavedNote != nil:
                    continue
                case let .toCustomer(message):
                    if let cid = customerBySession[sid], let link = links[cid] { send(WireCodec.encode(message), to: link.connection) }
                case let .toConsoles(message):
                    broadcast(message, session: sid)
                case let .activity(item):
                    save(.activity(sessionId: sid, item))
                    broadcast(.activity(item), session: sid)
                case let .storeNote(note):
                    do { try store.addNote(sessionId: sid, note) } catch {
                        unsavedNote = note
                        logger.error("session \(sid): a note could not be stored: \(error)")
                        origin?.fail(.internalError, "the note was not saved (\(error)); add it again when the engine can write")
                    }
                case .audit:
                    break // written before any effect, by `dispatch`
                case let .persist(summary):
                    try store.saveSession(summary)
                    // An ending is recorded with everything the consoles are told about it, then the recording closes.
                    if summary.status == .ended { endedSummary = summary } else { updateRecording(for: summary) }
                case .closeCustomer:
                    if let cid = customerBySession.removeValue(forKey: sid) {
                        if let c = links[cid]?.connection { close(c) }
                        links[cid]?.sessionId = nil
                    }
                case let .storeSurvey(survey):
                    do { try store.saveSurvey(sessionId: sid, survey) } catch {
                        origin?.fail(.internalError, "your rating could not be saved just now")
                        throw error
                    }
                case let .reject(code, text):
                    origin?.fail(code, text)
                case let .reply(message):
                    origin?.reply(message)
                case let .toManagers(message):
                    let bytes = WireCodec.encode(message)
                    for link in links.values {
                        if case let .console(agent) = link.role, agent.level == .manager { send(bytes, to: link.connection) }
                    }
                case let .toPresenter(message):
                    if let cid = presenterBySession[sid], let link = links[cid] { send(WireCodec.encode(message), to: link.connection) }
                case .mintPresenterLink:
                    let minted = OneTimeLink.mint()
                    let now = clock()
                    try store.insertLink(LinkRecord(tokenHash: minted.hash, sessionId: sid, createdAt: now,
                                                    expiresAt: now.addingTimeInterval(policy.linkLifetime), purpose: .presenter))
                    origin?.reply(.presenterLink(PresenterLink(link: "\(publicBaseURL)/present/\(minted.token)")))
                case let .offerMirror(by):
                    let minted = OneTimeLink.mint()
                    let now = clock()
                    try store.insertLink(LinkRecord(tokenHash: minted.hash, sessionId: sid, createdAt: now,
                                                    expiresAt: now.addingTimeInterval(policy.linkLifetime), purpose: .mirror))
                    if let cid = customerBySession[sid], let link = links[cid] {
                        send(WireCodec.encode(.presenting(PresentingState(active: true, by: by, mirrorLink: "\(publicBaseURL)/view/\(minted.token)"))),
                             to: link.connection)
                    }
                case .closePresenter:
                    if let cid = presenterBySession.removeValue(forKey: sid) {
                        // The tab is told before it is closed, so it does not reconnect.
                        if let c = links[cid]?.connection {
                            send(WireCodec.encode(.presenting(PresentingState(active: false, by: machines[sid]?.summary.agentName ?? "agent"))), to: c)
                            close(c)
                        }
                        links[cid]?.sessionId = nil
                    }
                    presenterKeys = presenterKeys.filter { $0.value != sid }
                case let .mintViewerLink(name):
                    let minted = OneTimeLink.mint()
                    let now = clock()
                    try store.insertLink(LinkRecord(tokenHash: minted.hash, sessionId: sid, createdAt: now,
                                                    expiresAt: now.addingTimeInterval(policy.linkLifetime), viewerName: name))
                    origin?.reply(.viewerInvited(ViewerInvited(name: name, link: "\(publicBaseURL)/view/\(minted.token)")))
                case let .storeScreenshot(scene, by):
                    guard let vault = screenshotVault else {
                        let item = ActivityItem(at: clock(), kind: .warning, actor: "engine", text: "Screenshot not stored: this engine keeps no screenshots")
                        try store.appendActivity(sessionId: sid, item)
                        broadcast(.activity(item), session: sid)
                        continue
                    }
                    let shot = try vault.save(scene, sessionId: sid, requestedBy: by, at: clock())
                    try store.appendAudit(at: clock(), actor: "engine", action: "screenshot.stored", sessionId: sid, detail: "id=\(shot.id)")
                    let item = ActivityItem(at: clock(), kind: .info, actor: "engine", text: "Screenshot \(shot.id) stored encrypted with the session")
                    try store.appendActivity(sessionId: sid, item)
                    broadcast(.activity(item), session: sid)
                }
            } catch {
                // A store failure (a full disk, say) must not take the live session down;
                // the agent is told and the log names it.
                logger.error("session \(sid): could not store \(effect.kindName): \(error)")
                broadcast(.error(ErrorReply(code: .internalError, message: "the engine could not store session data: \(error)")), session: sid)
            }
        }
    }

    private func broadcast(_ message: WireMessage, session sid: String) {
        record(message, session: sid)
        let bytes = WireCodec.encode(message)
        let forViewers = Self.viewersSee(message)
        let forMirror = Self.mirrorSees(message).map { WireCodec.encode($0) }
        for link in links.values where link.sessionId == sid {
            switch link.role {
            case .console: send(bytes, to: link.connection)
            case .viewer where forViewers: send(bytes, to: link.connection)
            case .mirror: if let forMirror { send(forMirror, to: link.connection) }
            default: break
            }
        }
    }

    /// The customer's mirror page shows the agent's page as its scene, and nothing of the customer's own.
    static func mirrorSees(_ message: WireMessage) -> WireMessage? {
        switch message {
        case let .presentedScene(s): .scene(s)
        case let .presentedDelta(d): .sceneDelta(d)
        case .presenting, .summary, .sessionEnded: message
        default: nil
        }
    }

    /// Viewers get the picture and the marks, not the agent's feed, notes or errors.
    static func viewersSee(_ message: WireMessage) -> Bool {
        switch message {
        case .scene, .sceneDelta, .annotations, .agentPointer, .participants, .summary, .sessionEnded, .presenting: true
        default: false
        }
    }

    // MARK: - Recording

    /// Starts a recording when a session with recording consent turns active,
    /// and finishes it when the session ends. The recording reports trouble with
    /// its writes (a full disk) and their resumption to the session's consoles.
    private func updateRecording(for summary: SessionSummary) {
        let now = clock()
        if summary.status == .active, summary.recording, recordings[summary.id] == nil, let service = recordingService {
            do {
                let recording = try service.startRecording(session: summary, at: now)
                recordings[summary.id] = recording
                let sid = summary.id
                // Called on the recording's own queue with its lock released: taking the hub's
                // lock here cannot deadlock with an append (hub lock, then the recording's).
                recording.onTrouble { [weak self] trouble in
                    guard let self else { return }
                    self.locked {
                        if trouble.isWarning {
                            self.logger.warning("session \(sid): \(trouble.message)")
                        } else {
                            self.logger.notice("session \(sid): \(trouble.message)")
                        }
                        let item = ActivityItem(at: self.clock(), kind: trouble.isWarning ? .warning : .info, actor: "engine", text: trouble.message)
                        // Likely the same full disk: the row waits for the store, the consoles hear it now.
                        self.save(.activity(sessionId: sid, item))
                        self.broadcast(.activity(item), session: sid)
                        if case .resumed = trouble {} else {
                            self.broadcast(.error(ErrorReply(code: .internalError, message: trouble.message)), session: sid)
                        }
                    }
                }
                try recording.append(.summary(summary), at: now)
                if let scene = machines[summary.id]?.scene { try recording.append(.scene(scene), at: now) }
            } catch {
                logger.error("session \(summary.id): recording could not start: \(error)")
                broadcast(.error(ErrorReply(code: .internalError, message: "recording could not start: \(error)")), session: summary.id)
            }
        } else if summary.status == .ended, let recording = recordings.removeValue(forKey: summary.id) {
            do { try recording.finish(at: now, reason: "session ended: \(summary.endReason?.title ?? "ended")") } catch {
                // The recording keeps retrying its ending on its own (it is held by its service).
                logger.error("session \(summary.id): recording could not be finished yet: \(error)")
                broadcast(.error(ErrorReply(code: .internalError, message: "recording could not be finished yet (retrying): \(error)")),
                          session: summary.id)
            }
        }
    }

    private func record(_ message: WireMessage, session sid: String) {
        guard let recording = recordings[sid] else { return }
        let now = clock()
        do { try recording.append(message, at: now) } catch {
            // A recording rides out a full disk itself and says so through its trouble
            // handler; one that still refuses an event is closed or broken. The session
            // goes on unrecorded, the recording gets an ending that says why, and the agent is told.
            recordings[sid] = nil
            logger.error("session \(sid): recording stopped: \(error)")
            do { try recording.finish(at: now, reason: "recording stopped: \(error)") } catch {
                logger.error("session \(sid): recording could not be finished: \(error)")
            }
            let item = ActivityItem(at: now, kind: .warning, actor: "engine", text: "Recording stopped: \(error)")
            do { try store.appendActivity(sessionId: sid, item) } catch {
                logger.error("session \(sid): could not store the recording warning: \(error)")
            }
            // No longer recorded, so these do not come back here.
            broadcast(.activity(item), session: sid)
            broadcast(.error(ErrorReply(code: .internalError, message: "recording stopped: \(error)")), session: sid)
        }
    }

    private func hasConsoles(_ sid: String) -> Bool {
        links.values.contains { link in
            if case .console = link.role { return link.sessionId == sid }
            return false
        }
    }

    /// The engine is stopping: every live session ends now with that reason,
    /// its consoles and customer are told, its recording closes complete, its
    /// rows are written. Returns how many sessions were live.
    @discardableResult
    public func endLiveSessions() -> Int {
        locked {
            let live = machines.filter { $0.value.summary.status != .ended }.map(\.key).sorted()
            for sid in live { dispatch(.engineStopping, session: sid, origin: nil) }
            retryUnsavedRows()
            if !pendingRows.isEmpty { logger.error("\(pendingRows.count) feed row(s) could not be stored before the engine stopped") }
            return live.count
        }
    }

    /// The current (redacted) scene of an open session, for tests and tools.
    public func machineScene(_ sid: String) -> Scene? { locked { machines[sid]?.scene } }

    /// The stored summary, or the live one when the session is running.
    private func live(_ summary: SessionSummary) -> SessionSummary {
        machines[summary.id]?.summary ?? summary
    }

    /// A store that cannot answer is not "no such link": the customer is asked to come back, nothing is spent.
    private func storeUnavailablePage(_ error: Error) -> GatewayResponse {
        logger.error("a link page could not be served: the store failed: \(error)")
        return GatewayResponse(status: 503, body: Array(CustomerPages.message(title: "Try again shortly",
                                                                              body: "The co-browse service cannot check your link just now. Please try it again in a minute.").utf8),
                               headers: [("Retry-After", "30")])
    }

    private func joinPage(token: String, host: String?, address: String) -> GatewayResponse {
        let now = clock()
        let record: LinkRecord?
        do { record = try store.link(tokenHash: OneTimeLink.hash(token: token)) } catch { return storeUnavailablePage(error) }
        let outcome = LinkCheck.evaluate(record, now: now)
        guard outcome == .valid, let record, let m = machines[record.sessionId], m.summary.status != .ended else {
            auditRefusal(AuditDraft(at: now, actor: "customer", action: "link.refused", sessionId: record?.sessionId, detail: "page: \(outcome)"),
                         address: address)
            let status = outcome == .unknown ? 404 : 410
            return .html(status, CustomerPages.message(title: outcome == .valid ? "Session ended" : "Link not valid",
                                                       body: outcome == .valid ? "This co-browse session has ended." : outcome.customerMessage))
        }
        if m.summary.status == .linkMinted { dispatch(.linkOpened, session: record.sessionId, origin: nil) }
        let page = CustomerPages.consent(agentName: m.summary.agentName, ticket: m.summary.ticket,
                                         recording: m.summary.recording,
                                         landingURL: landingURLs[record.sessionId] ?? "/demo/")
        return GatewayResponse(status: 200, body: Array(page.utf8),
                               headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    /// Logs a refused frame (its text redacted: a refusal may quote what the
    /// peer sent) and closes a peer that keeps sending frames before its hello.
    private func refusedInput(_ connection: PeerConnection, _ error: WireError, beforeHello: Bool) {
        let who: String
        switch connection.peer {
        case let .local(uid, _): who = "uid \(uid)"
        case let .customer(remote): who = "customer \(remote)"
        }
        logger.notice("refused a message from \(who): \(LogText.safe(error.description, redactor))")
        guard beforeHello, var link = links[connection.connectionID] else { return }
        link.refusedBeforeHello += 1
        links[connection.connectionID] = link
        if link.refusedBeforeHello >= Self.refusalsBeforeHelloAllowed { close(connection) }
    }

    /// Frames refused before a hello that a connection may send before it is closed.
    static let refusalsBeforeHelloAllowed = 8

    // MARK: - Serialisation

    /// Sends and closes wait until the lock is released: a transport may
    /// deliver `connectionClosed` synchronously from `close()` (or from a failed
    /// write) on the same thread, which must not find the lock taken.
    private var pendingIO: [() -> Void] = []

    private func send(_ bytes: [UInt8], to connection: PeerConnection) {
        pendingIO.append { connection.send(bytes) }
    }

    private func close(_ connection: PeerConnection) {
        pendingIO.append { connection.close() }
    }

    @discardableResult
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        let result: T
        do {
            result = try body()
        } catch {
            let io = pendingIO
            pendingIO = []
            lock.unlock()
            io.forEach { $0() }
            throw error
        }
        let io = pendingIO
        pendingIO = []
        lock.unlock()
        io.forEach { $0() }
        return result
    }
}
