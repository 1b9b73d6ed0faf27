import Foundation

/// What an agent's console asks. The lobby, starting a session, the
/// dashboard and the recordings run on the console's own lane; everything about one session
/// runs on that session's lane, where the machine says who may do it.
extension EngineHub {
    func consoleMessage(_ message: WireMessage, agent: Agent, link: Link, origin: Origin) {
        switch message {
        case .lobbyRequest:
            do { origin.reply(.lobby(try lobby(for: agent))) } catch {
                origin.fail(.internalError, "could not read the lobby: \(error)")
            }
        case let .startSession(req):
            if let url = req.landingURL, !LandingURL.isValid(url) {
                return origin.fail(.invalid, "landingURL must be an absolute http(s) URL of at most \(LandingURL.maxLength) bytes")
            }
            do {
                origin.reply(.sessionStarted(try startSession(ticketId: req.ticketId, record: req.record, agent: agent, landingURL: req.landingURL,
                                                              onboarding: req.onboarding == true, send: req.send ?? .none)))
            } catch let e as WireError {
                origin.fail(e.code, e.message)
            } catch {
                origin.fail(.internalError, "could not start the session: \(error)")
            }
        case let .attach(req):
            attach(req, agent: agent, link: link, origin: origin)
        case let .dashboardRequest(req):
            do { origin.reply(.dashboard(try dashboard(req, for: agent))) } catch let e as SceneError {
                origin.fail(.invalid, e.description)
            } catch {
                origin.fail(.internalError, "could not read the dashboard's sessions: \(error)")
            }
        case .recordingsRequest, .openRecording:
            // The parts go out from the desk's own queue (see RecordingDesk).
            guard let desk = recordingDesk else { return origin.fail(.notFound, "this engine keeps no recordings") }
            desk.handle(message, agent: agent, connection: origin.connection, requestID: origin.requestID, reply: origin.reply, fail: origin.fail)
        case let .approvalAnswer(answer):
            // Managers answer from anywhere (the lobby); the machine decides who may.
            guard let runtime = session(answer.sessionId) else { return origin.fail(.notFound, "no open session \(answer.sessionId)") }
            runtime.async { runtime.dispatch(.managerAnswered(approve: answer.approve, by: agent), origin: origin) }
        case let .handOff(req):
            // From the session, or from the CLI naming it.
            guard let sid = req.sessionId ?? link.sessionId else { return origin.fail(.notFound, "hand-off: name the session, or attach to it first") }
            guard let runtime = session(sid) else { return refuseHandOffOfStored(sid, origin: origin) }
            runtime.async { runtime.consoleRequest(message, agent: agent, link: link, origin: origin) }
        case let .handOffAnswer(answer):
            // The target answers from the lobby; the machine decides who may.
            guard let runtime = session(answer.sessionId) else { return origin.fail(.notFound, "no open session \(answer.sessionId): the hand-off is no longer waiting") }
            runtime.async { runtime.dispatch(.handOffAnswered(accept: answer.accept, by: agent), origin: origin) }
        case let .endSession(req):
            guard let sid = req.sessionId ?? link.sessionId else { return origin.fail(.notFound, "no such open session") }
            if let runtime = session(sid) { return runtime.async { runtime.consoleRequest(message, agent: agent, link: link, origin: origin) } }
            // An ended session the engine has let go of can still be told how it ended.
            guard let outcome = req.outcome else { return origin.fail(.notFound, "no such open session") }
            recordStoredOutcome(outcome, sessionId: sid, agent: agent, origin: origin)
        case .detach:
            guard let sid = link.sessionId, let runtime = session(sid) else { return }
            runtime.async { runtime.consoleRequest(message, agent: agent, link: link, origin: origin) }
        default:
            guard let sid = link.sessionId, let runtime = session(sid) else {
                return origin.fail(.badState, message == .requestScene ? "not attached to a session" : "attach to a session first")
            }
            runtime.async { runtime.consoleRequest(message, agent: agent, link: link, origin: origin) }
        }
    }

    private func attach(_ req: Attach, agent: Agent, link: Link, origin: Origin) {
        if let runtime = session(req.sessionId) {
            // The console's lane waits, so its next request already finds it attached.
            return runtime.lane.sync { runtime.consoleAttached(link, agent: agent, watch: req.watch, origin: origin) }
        }
        // An ended session the engine has let go of: its record, from the store.
        let stored: SessionSummary?
        do { stored = try store.session(id: req.sessionId) } catch {
            return origin.fail(.internalError, "could not read session \(req.sessionId): \(error)")
        }
        guard let summary = stored else { return origin.fail(.notFound, "no session \(req.sessionId)") }
        let actor = ConsoleActor(agent, watching: req.watch)
        if case let .refused(code, text, audit) = SessionMachine.authorize(actor, .attach(watch: req.watch), in: summary) {
            auditRefusal(AuditDraft(at: clock(), actor: agent.name, action: audit.action, sessionId: req.sessionId, detail: audit.detail), address: nil)
            return origin.fail(code, text)
        }
        let frames: [WireMessage]
        do { frames = try attachFrames(summary, scene: nil) } catch {
            return origin.fail(.internalError, "could not read session \(req.sessionId)'s feed and notes: \(error)")
        }
        leaveCurrentSession(link, agent: agent, for: req.sessionId)
        link.bind(.console(agent), to: req.sessionId, watch: req.watch || summary.agentName != agent.name)
        frames.forEach(origin.reply)
    }

    /// A hand-off of a session the engine no longer holds: ended, or never there.
    private func refuseHandOffOfStored(_ sid: String, origin: Origin) {
        do {
            guard let stored = try store.session(id: sid) else { return origin.fail(.notFound, "no session \(sid)") }
            origin.fail(.badState, "session \(sid) is \(stored.status == .ended ? "over (\(stored.endReason?.title ?? "ended"))" : "not live"); only a live session is handed off")
        } catch {
            origin.fail(.internalError, "could not read session \(sid): \(error)")
        }
    }

    /// The agent a hand-off names, as the store knows them (nil: nobody by that name).
    func agent(named name: String) throws -> Agent? {
        let wanted = name.trimmingCharacters(in: .whitespaces)
        return try store.allAgents().first { $0.name == wanted }
    }

    /// A console that attaches elsewhere leaves the session it was in.
    func leaveCurrentSession(_ link: Link, agent: Agent, for next: String) {
        guard let previous = link.sessionId, previous != next, let runtime = session(previous) else { return }
        link.unbind(from: previous)
        runtime.async { runtime.left(link, as: .console(agent)) }
    }

    /// What a console needs to show a session from scratch: the snapshot (in frames that fit).
    func attachFrames(_ summary: SessionSummary, scene: Scene?) throws -> [WireMessage] {
        // Feed rows queued a moment ago are written first, so the console does not miss them;
        // rows a failing store has not taken yet come from memory.
        writer.waitUntilTried()
        let activity = try store.activity(sessionId: summary.id) + writer.activityWaiting(sessionId: summary.id)
        let snapshot = SessionSnapshot(summary: liveSummary(summary), scene: scene, activity: activity, notes: try store.notes(sessionId: summary.id))
        return ConsoleFrames.fitting(snapshot)
    }

    func lobby(for agent: Agent) throws -> Lobby {
        let sessions = try store.openSessions(agentName: agent.name).map(liveSummary)
        let tickets = try store.allTickets().filter { $0.status != "closed" }
        let approvals = agent.level == .manager ? approvalsWaiting : nil
        let handOffs = handOffsWaiting(for: agent.name)
        // The engine knows the agents: the hand-off dialog offers those who may take a session.
        let targets = Capabilities(level: agent.level).canStartSessions
            ? try store.allAgents().filter { $0.name != agent.name && Capabilities(level: $0.level).canTakeHandOffs }
                .sorted { $0.name < $1.name }.map { HandOffTarget(name: $0.name, level: $0.level) }
            : nil
        // Those who may watch see the team's live sessions beside their own.
        let team = Capabilities(level: agent.level).canWatch
            ? try store.allOpenSessions().filter { $0.agentName != agent.name && $0.status != .ended }.prefix(Lobby.maxTeamSessions).map(liveSummary)
            : nil
        var suggested: [String: String] = [:]
        for t in tickets { if let why = suggestions.reason(for: t) { suggested[t.id] = why } }
        let asked = try customerRequests()
        let requested = tickets.reduce(into: [String: CustomerRequest]()) { out, t in out[t.id] = asked[t.id] }
        return ConsoleFrames.fitting(Lobby(agent: agent, tickets: tickets, sessions: sessions, approvals: approvals, team: team,
                                           suggestions: suggested.isEmpty ? nil : suggested, requested: requested.isEmpty ? nil : requested,
                                           handOffs: handOffs.isEmpty ? nil : handOffs, handOffTargets: targets))
    }

    /// Tickets whose customer asked for a co-browse: from a page, or through the help desk.
    func customerRequests() throws -> [String: CustomerRequest] {
        var asked: [String: CustomerRequest] = [:]
        for id in try helpDeskOutbox?.customerRequests() ?? [] { asked[id] = CustomerRequest(via: .helpDesk) }
        if let store = store as? CustomerRequestStore {
            for (id, request) in try store.openLiveHelpRequests() { asked[id] = request }
        }
        return asked
    }

    /// Every console in the lobby gets it afresh (a customer asked for help, say), each on its own lane.
    func refreshLobbies() {
        for link in connections.all where link.sessionId == nil {
            guard case let .console(agent) = link.role else { continue }
            link.lane.async { [weak self] in
                guard let self, link.sessionId == nil else { return }
                do { link.connection.send(WireCodec.encode(.lobby(try self.lobby(for: agent)))) } catch {
                    self.logger.error("the lobby of \(agent.name) could not be read to refresh it: \(error)")
                }
            }
        }
    }

    /// A console that had stopped reading missed frames: it gets what is true
    /// now (the session from scratch, or the lobby) instead of the backlog.
    public func connectionCaughtUp(_ connection: PeerConnection, droppedFrames: Int) {
        guard let link = connections[connection.connectionID] else { return }
        link.lane.async { [weak self] in
            guard let self, case let .console(agent) = link.role else { return }
            let failed: (Error) -> Void = { error in
                connection.send(WireCodec.encode(WireError(.internalError, "\(droppedFrames) frame(s) were not sent while this console was not reading, and the engine could not read the current state: \(error)").reply))
            }
            if let sid = link.sessionId, let runtime = self.session(sid) {
                return runtime.async {
                    do { try runtime.roomFrames().forEach { connection.send(WireCodec.encode($0)) } } catch { failed(error) }
                }
            }
            do {
                let frames: [WireMessage]
                if let sid = link.sessionId, let summary = try self.store.session(id: sid) {
                    frames = try self.attachFrames(summary, scene: nil)
                } else {
                    frames = [.lobby(try self.lobby(for: agent))]
                }
                frames.forEach { connection.send(WireCodec.encode($0)) }
            } catch {
                failed(error)
            }
        }
    }
}

/// A console's requests about one session, on the session's lane.
extension SessionRuntime {
    /// The snapshot, and while the agent shows a page, that page (split view).
    func roomFrames() throws -> [WireMessage] {
        var frames = try hub.attachFrames(machine.summary, scene: machine.scene)
        if machine.isPresenting {
            frames.append(.presenting(PresentingState(active: true, by: machine.summary.agentName)))
            if let shown = machine.presentedScene { frames.append(.presentedScene(shown)) }
        }
        return frames
    }

    func consoleAttached(_ link: Link, agent: Agent, watch: Bool, origin: Origin) {
        if case let .refused(code, text, audit) = machine.authorize(ConsoleActor(agent, watching: watch), .attach(watch: watch)) {
            hub.auditRefusal(AuditDraft(at: now, actor: agent.name, action: audit.action, sessionId: id, detail: audit.detail), address: nil)
            return origin.fail(code, text)
        }
        let frames: [WireMessage]
        do { frames = try roomFrames() } catch {
            return origin.fail(.internalError, "could not read session \(id)'s feed and notes: \(error)")
        }
        let watching = watch || machine.summary.agentName != agent.name
        hub.leaveCurrentSession(link, agent: agent, for: id)
        link.bind(.console(agent), to: id, watch: watching)
        room[link.id] = link
        frames.forEach(origin.reply)
        dispatch(.consoleAttached(name: agent.name, role: watching ? .supervisor : .agent), origin: nil)
    }

    /// A console left for another session (its role is still a console's).
    func left(_ link: Link, as role: Link.Role) {
        guard room.removeValue(forKey: link.id) != nil, case let .console(agent) = role else { return }
        dispatch(.consoleDetached(name: agent.name, role: link.state.watch ? .supervisor : .agent), origin: nil)
    }

    func consoleRequest(_ message: WireMessage, agent: Agent, link: Link, origin: Origin) {
        let attached = link.sessionId == id && room[link.id] != nil
        let actor = ConsoleActor(agent, watching: link.state.watch)
        /// Runs `event` when the machine says this console may `capability`.
        func request(_ capability: SessionCapability, _ event: @autoclosure () -> SessionEvent) {
            guard attached else { return origin.fail(.badState, "attach to a session first") }
            if case let .refused(code, text, audit) = machine.authorize(actor, capability) {
                hub.auditRefusal(AuditDraft(at: now, actor: agent.name, action: audit.action, sessionId: id, detail: audit.detail), address: nil)
                return origin.fail(code, text)
            }
            dispatch(event(), origin: origin)
        }
        switch message {
        case .detach:
            guard attached else { return }
            link.unbind(from: id)
            left(link, as: .console(agent))
        case .requestScene:
            guard attached else { return origin.fail(.badState, "not attached to a session") }
            if let scene = machine.scene { origin.reply(.scene(scene)) } else { dispatch(.sceneRequested, origin: origin) }
        case let .addNote(n): request(.write("add a note"), .noteAdded(NoteEntry(at: now, author: agent.name, text: n.text)))
        case let .requestMode(req): request(.write("change the control mode"), .modeRequested(req.mode, by: agent, reason: req.reason))
        case let .annotate(command): request(.write("annotate"), .annotate(command, by: agent.name))
        case let .agentPointer(p): request(.write("point on the customer's page"), .agentPointer(p.at, by: agent.name))
        case let .controlAction(action): request(.write("act on the customer's page"), .controlAction(action, by: agent.name))
        case .requestScreenshot: request(.write("ask for a screenshot"), .screenshotRequested(by: agent))
        case let .handOver(h): request(.write("hand over control"), .handOver(to: h.to, by: agent.name))
        case .startPresenting: request(.write("show the customer a page"), .presentRequested(by: agent))
        case .stopPresenting: request(.write("stop showing a page"), .presentingStopped(by: agent.name))
        case let .inviteViewer(v): request(.write("invite a viewer"), .viewerInviteRequested(name: v.name, by: agent))
        case let .requestExtension(req): request(.write("extend the session"), .extensionRequested(minutes: req.minutes, by: agent))
        case .qualityCheck: request(.write("ask the customer about the screen quality"), .qualityCheckRequested(by: agent))
        case let .handOff(req):
            // From the lobby or the CLI too: the session's agent hands it off without attaching.
            let watching = link.sessionId == id && link.state.watch
            if case let .refused(code, text, audit) = machine.authorize(ConsoleActor(agent, watching: watching), .handOff) {
                hub.auditRefusal(AuditDraft(at: now, actor: agent.name, action: audit.action, sessionId: id, detail: audit.detail), address: nil)
                return origin.fail(code, text)
            }
            let target: Agent?
            do { target = try hub.agent(named: req.to) } catch {
                return origin.fail(.internalError, "could not read the agents: \(error)")
            }
            dispatch(.handOffRequested(to: req.to, target: target, reason: req.reason, stay: req.stay, by: agent), origin: origin)
        case let .endSession(req):
            // From the lobby too: the agent ends their own session without attaching.
            let watching = link.sessionId == id && link.state.watch
            let ended = machine.summary.status == .ended
            let capability: SessionCapability = ended && req.outcome != nil ? .giveOutcome : .end
            if case let .refused(code, text, audit) = machine.authorize(ConsoleActor(agent, watching: watching), capability) {
                hub.auditRefusal(AuditDraft(at: now, actor: agent.name, action: audit.action, sessionId: id, detail: audit.detail), address: nil)
                return origin.fail(code, text)
            }
            if !ended {
                // Ended first; the outcome only once the end is on record.
                let event: SessionEvent = req.customerLost == true ? .agentGaveUp(by: agent.name) : .agentEnded(by: agent.name)
                guard dispatch(event, origin: origin) != nil, machine.summary.status == .ended else { return }
            }
            if let outcome = req.outcome { hub.recordOutcome(outcome, summary: machine.summary, agent: agent, origin: origin, runtime: self) }
        default:
            origin.fail(.notAllowed, "\(message.type) is not a console message")
        }
    }
}
