import Foundation
import Logging

/// The hello of every kind of peer: a console (its uid must be an agent's),
/// the customer's SDK (the one-time link or a resume key), a viewer, the
/// customer's mirror page and the agent's presenter tab (each its own
/// one-time link). The store work runs on the connection's lane; joining the
/// session runs on the session's.
extension EngineHub {
    func handshake(_ frame: WireFrame, link: Link, origin: Origin) {
        guard case let .hello(hello) = frame.message else {
            return origin.fail(.handshakeRequired, "send hello first")
        }
        guard hello.protocolVersion >= WireProtocol.version else {
            origin.fail(.unsupportedVersion, "this engine speaks protocol \(WireProtocol.version)")
            return origin.close()
        }
        switch link.connection.peer {
        case let .local(uid, _):
            let agent: Agent?
            do { agent = try store.agent(uid: uid) } catch {
                return origin.fail(.internalError, "the engine's database failed: \(error)")
            }
            guard let agent else {
                auditRefusal(AuditDraft(at: clock(), actor: "uid \(uid)", action: "console.refused", sessionId: nil, detail: "unknown uid"),
                             address: link.address)
                origin.fail(.unknownAgent, "uid \(uid) is not a registered agent; ask an admin to run `cobrowse agents add NAME --uid \(uid) --level L1|L2|manager|supervisor|trainer`")
                return origin.close()
            }
            link.bind(.console(agent), to: nil)
            origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .agent, agent: agent)))
        case .customer:
            customerHandshake(hello, link: link, origin: origin)
        }
    }

    private func customerHandshake(_ hello: Hello, link: Link, origin: Origin) {
        let now = clock()
        // Every guess at a token or a key costs the guesser, not the engine.
        guard allow(.linkLookup, from: link.address) else {
            origin.fail(.rateLimited, "too many link attempts from this address; wait a few seconds and try again")
            return origin.close()
        }
        let sessionId: String
        var resumed = false
        var resumeKey: String?
        do {
            let tokenHash = hello.token.map(OneTimeLink.hash(token:))
            let record = try tokenHash.flatMap { try store.link(tokenHash: $0) }
            if let record, let purpose = record.purpose {
                return otherLinkHandshake(record, purpose: purpose, link: link, origin: origin, now: now)
            }
            if let key = hello.resumeKey, let sid = presenterSession(keyHash: OneTimeLink.hash(token: key)) {
                return withSession(sid, origin: origin) { $0.presenterJoined(link, resumeKey: key, origin: origin) }
            }
            if let tokenHash {
                let outcome = LinkCheck.evaluate(record, now: now)
                guard outcome == .valid, let record else {
                    return refuseLink(outcome, actor: "customer", action: "link.refused", sessionId: record?.sessionId, link: link, origin: origin, now: now)
                }
                let key = OneTimeLink.mint()
                try store.saveResumeKey(hash: key.hash, sessionId: record.sessionId)
                // The link is spent and its audit row written together, or neither: a full disk leaves the link usable.
                let used = AuditDraft(at: now, actor: "customer", action: "link.used", sessionId: record.sessionId, detail: "")
                guard try store.useLink(tokenHash: tokenHash, at: now, audit: used) else {
                    return refuseLink(.used, actor: "customer", action: "link.refused", sessionId: record.sessionId, link: link, origin: origin, now: now)
                }
                sessionId = record.sessionId
                resumeKey = key.token
            } else if let key = hello.resumeKey, let sid = try store.sessionId(resumeKeyHash: OneTimeLink.hash(token: key)) {
                sessionId = sid
                resumed = true
                resumeKey = key
            } else {
                origin.fail(.notAllowed, "a customer connection needs the link's token or a resume key")
                return origin.close()
            }
        } catch {
            // A store that cannot answer is not "no such link": the customer may try again, nothing was spent.
            logger.error("customer handshake from \(link.address): the store failed: \(error)")
            origin.fail(.internalError, "the engine could not check the link just now; try it again in a moment")
            return origin.close()
        }
        let (isResume, key) = (resumed, resumeKey)
        withSession(sessionId, origin: origin) { $0.customerJoined(link, resumed: isResume, resumeKey: key, origin: origin) }
    }

    /// Runs `join` on the session's lane, or says the session is over. The
    /// connection's lane waits for it: the frame after a hello is read as
    /// whoever the hello made the connection, never as a stranger's.
    private func withSession(_ sid: String, origin: Origin, _ join: (SessionRuntime) -> Void) {
        guard let runtime = session(sid) else {
            origin.fail(.badState, "this co-browse session has ended")
            return origin.close()
        }
        runtime.lane.sync { join(runtime) }
    }

    /// Refuses a one-time link on the WebSocket: audited (within the address's budget), said, closed.
    private func refuseLink(_ outcome: LinkCheck.Outcome, actor: String, action: String, sessionId: String?, link: Link, origin: Origin, now: Date) {
        let used = outcome == .used || outcome == .valid
        auditRefusal(AuditDraft(at: now, actor: actor, action: action, sessionId: sessionId, detail: used ? "used" : "\(outcome)"),
                     address: link.address)
        origin.fail(used ? .linkUsed : (outcome == .expired ? .linkExpired : .notFound),
                    used ? LinkCheck.Outcome.used.customerMessage : outcome.customerMessage)
        origin.close()
    }

    /// A viewer's, the customer's mirror or the agent's presenter link: each works once.
    private func otherLinkHandshake(_ record: LinkRecord, purpose: LinkPurpose, link: Link, origin: Origin, now: Date) {
        let who = record.viewerName ?? purpose.rawValue
        let refused = "\(purpose.rawValue).link-refused"
        let outcome = LinkCheck.evaluate(record, now: now)
        guard outcome == .valid else { return refuseLink(outcome, actor: who, action: refused, sessionId: record.sessionId, link: link, origin: origin, now: now) }
        // Spending the link and writing why are one transaction.
        let actor = purpose == .presenter ? session(record.sessionId)?.published.summary.agentName ?? "agent" : who
        let used = AuditDraft(at: now, actor: actor, action: "\(purpose.rawValue).link-used", sessionId: record.sessionId, detail: "")
        do {
            guard try store.useLink(tokenHash: record.tokenHash, at: now, audit: used) else {
                return refuseLink(.used, actor: who, action: refused, sessionId: record.sessionId, link: link, origin: origin, now: now)
            }
        } catch {
            logger.error("\(purpose.rawValue) link: the store failed: \(error)")
            origin.fail(.internalError, "the engine could not check the link just now; try it again in a moment")
            return origin.close()
        }
        switch purpose {
        case .viewer:
            withSession(record.sessionId, origin: origin) { $0.viewerJoined(link, name: who, origin: origin) }
        case .mirror:
            withSession(record.sessionId, origin: origin) { $0.mirrorJoined(link, origin: origin) }
        case .presenter:
            // The presenter page trades its one-time link for a key the SDK on the shown page reconnects with.
            let key = OneTimeLink.mint()
            rememberPresenterKey(key.hash, session: record.sessionId)
            withSession(record.sessionId, origin: origin) { $0.presenterJoined(link, resumeKey: key.token, origin: origin) }
        }
    }
}

/// Joining the session, on its lane.
extension SessionRuntime {
    private func sayEnded(_ origin: Origin) {
        origin.fail(.badState, "this co-browse session has ended")
        origin.close()
    }

    /// The newest connection wins: a reconnect replaces a half-dead socket.
    private func replacing(_ old: Link?, with link: Link) -> Link {
        if let old, old.id != link.id {
            old.unbind(from: id)
            old.connection.close()
        }
        return link
    }

    func customerJoined(_ link: Link, resumed: Bool, resumeKey: String?, origin: Origin) {
        let m = machine
        // A customer who dropped during the survey window may come back to rate (resume key only).
        guard m.summary.status != .ended || (resumed && m.surveyOpen(at: now)) else { return sayEnded(origin) }
        customer = replacing(customer, with: link)
        link.bind(.customer, to: id)
        hub.writer.enqueue(.participant(sessionId: id, name: m.summary.ticket.customer, role: .customer, at: now))
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .customer, sessionId: id,
                                      agentName: m.summary.agentName, resumeKey: resumeKey,
                                      recordingRequested: m.summary.recording,
                                      consentGiven: m.summary.status == .active)))
        dispatch(.customerConnected(resumed: resumed || m.summary.status == .active), origin: nil)
    }

    func presenterJoined(_ link: Link, resumeKey: String, origin: Origin) {
        guard machine.summary.status == .active else { return sayEnded(origin) }
        presenter = replacing(presenter, with: link)
        link.bind(.presenter, to: id)
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .presenter, sessionId: id, agentName: machine.summary.agentName,
                                      resumeKey: resumeKey, recordingRequested: false, consentGiven: true)))
        dispatch(.presenterJoined, origin: origin)
    }

    func mirrorJoined(_ link: Link, origin: Origin) {
        let m = machine
        guard m.summary.status == .active else { return sayEnded(origin) }
        // Who watched is part of the record: no row, no watching.
        do {
            try hub.store.appendAudit(at: now, actor: m.summary.ticket.customer, action: "mirror.joined", sessionId: id, detail: "")
        } catch {
            logger.error("could not write the audit row for mirror.joined; refused: \(error)")
            origin.fail(.internalError, "refused: the engine could not write its audit trail (\(error))")
            return origin.close()
        }
        link.bind(.mirror, to: id)
        room[link.id] = link
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .viewer, sessionId: id, agentName: m.summary.agentName)))
        origin.reply(.summary(m.summary))
        if let scene = m.presentedScene { origin.reply(.scene(scene)) }
        // Opened after the agent stopped: the page says so instead of waiting.
        if !m.isPresenting { origin.reply(.presenting(PresentingState(active: false, by: m.summary.agentName))) }
    }

    func viewerJoined(_ link: Link, name: String, origin: Origin) {
        // The machine decides first, so a refused viewer never counts as joined.
        if case let .reject(code, text)? = preview(.viewerJoined(name: name)).first {
            hub.auditRefusal(AuditDraft(at: now, actor: name, action: "viewer.refused", sessionId: id, detail: text), address: nil)
            origin.fail(code, text)
            return origin.close()
        }
        let m = machine
        link.bind(.viewer(name), to: id)
        room[link.id] = link
        origin.reply(.welcome(Welcome(server: "cobrowse-engine", role: .viewer, sessionId: id, agentName: m.summary.agentName)))
        // What a late joiner needs at once: the chrome, the picture and the marks.
        origin.reply(.summary(m.summary))
        if let scene = m.scene { origin.reply(.scene(scene)) }
        if let set = m.annotationSetIfAny { origin.reply(.annotations(set)) }
        guard dispatch(.viewerJoined(name: name), origin: origin) != nil else {
            room[link.id] = nil
            link.bind(.handshaking, to: nil)
            return origin.close()
        }
        hub.writer.enqueue(.participant(sessionId: id, name: name, role: .viewer, at: now))
    }
}
