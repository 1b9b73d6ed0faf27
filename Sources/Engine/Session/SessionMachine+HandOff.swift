import Foundation

/// A hand-off in flight: offered and not yet answered, or taken and not yet
/// acknowledged by the customer. Pure state; `SessionMachine` owns one.
struct HandOffState: Sendable {
    var offer: HandOffOffer?
    /// The specialist who took the session, until the customer acknowledges them.
    var awaitingAcknowledgement: String?
}

/// Escalation: the session's agent hands the live session to an L2 agent, a
/// specialist or a manager. The target takes it from their lobby; the
/// session changes hands at once, drops to View Only (the customer granted
/// control to a person, not to whoever has the session), and the new agent
/// may ask for control only once the customer has acknowledged who joined.
extension SessionMachine {
    /// The hand-off waiting for its target's answer (their lobby lists it).
    public var handOffOffer: HandOffOffer? { handOffs.offer }

    mutating func handOffRequested(to name: String, target: Agent?, reason: String, stay: Bool, by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "A session is handed off once the customer has consented.")] }
        if let refused = refusal(agent, .handOff, audited: true) { return refused }
        if let (code, text) = Self.handOffTargetRefusal(target, named: name, from: agent) {
            return [.reject(code, text), .audit(action: "handoff.refused", actor: agent.name, detail: "to=\(Self.auditWord(name)) why=\(code.rawValue)")]
        }
        guard let target else { return [] }
        guard handOffs.offer == nil else {
            return [.reject(.badState, "A hand-off to \(handOffs.offer!.to) is already waiting for an answer.")]
        }
        guard handOffs.awaitingAcknowledgement == nil else {
            return [.reject(.badState, "The customer has not acknowledged the last hand-off yet.")]
        }
        // Agents paste things too: the reason goes through the redactor, as a note does.
        let r = redactor.redact(text: Self.oneLine(reason))
        guard !r.value.isEmpty else { return [.reject(.invalid, "A hand-off needs a reason.")] }
        let offer = HandOffOffer(sessionId: summary.id, ticket: summary.ticket, from: agent.name, to: target.name,
                                 reason: r.value, stay: stay, requestedAt: now)
        handOffs.offer = offer
        summary.handOff = HandOffStatus(from: agent.name, to: target.name, reason: r.value, stay: stay)
        lastActivity = now
        var out: [SessionEffect] = [
            .audit(action: "handoff.requested", actor: agent.name, detail: "to=\(target.name) level=\(target.level.rawValue) stay=\(stay)"),
            activity(.info, agent.name, "\(agent.name) asked \(target.name) to take over: \(r.value)", now),
            .toAgent(target.name, .handOffOffer(offer)),
            .toConsoles(.summary(summary)),
            // The asker may not be in the room (the CLI, the lobby): the summary answers them.
            .reply(.summary(summary)),
        ]
        for kind in Set(r.hits.map(\.kind)).sorted(by: { "\($0)" < "\($1)" }) {
            out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) in=handoff"))
        }
        return out
    }

    mutating func handOffAnswered(accept: Bool, by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "This session is not live any more.")] }
        if let refused = refusal(agent, .answerHandOff, audited: true) { return refused }
        guard let offer = handOffs.offer else { return [.reject(.badState, "No hand-off is waiting in session \(summary.id).")] }
        handOffs.offer = nil
        lastActivity = now
        guard accept else {
            summary.handOff = nil
            return [.audit(action: "handoff.declined", actor: agent.name, detail: "from=\(offer.from)"),
                    activity(.warning, agent.name, "\(agent.name) declined the hand-off; \(offer.from) keeps the session", now),
                    .toConsoles(.summary(summary)), .toAgent(agent.name, .summary(summary)), .reply(.summary(summary))]
        }
        return takeOver(offer, now)
    }

    /// The session changes hands: the specialist becomes its agent; the first
    /// agent watches or leaves; control starts again from View Only.
    private mutating func takeOver(_ offer: HandOffOffer, _ now: Date) -> [SessionEffect] {
        let from = summary.controlMode
        summary.agentName = offer.to
        summary.controller = nil
        summary.controlMode = .viewOnly
        summary.pendingModeRequest = nil
        summary.awaitingManager = nil
        pendingModeRequestLapses()
        control.managerRequest = nil
        control.screenshotAskedBy = nil
        summary.handOff = HandOffStatus(from: offer.from, to: offer.to, reason: offer.reason, stay: offer.stay, accepted: true)
        handOffs.awaitingAcknowledgement = offer.to
        if offer.stay {
            if var entry = control.consoles[offer.from] { entry.kind = .watcher; control.consoles[offer.from] = entry }
            control.enrol(offer.from, "agent, then watching read-only after the hand-off")
        } else {
            control.consoles[offer.from] = nil
        }
        control.enrol(offer.to, "specialist, took over")
        let line = offer.stay ? "\(offer.from) stays as a watcher" : "\(offer.from) left"
        var out: [SessionEffect] = [
            .audit(action: "handoff.accepted", actor: offer.to, detail: "from=\(offer.from) stay=\(offer.stay) mode=\(from.rawValue)"),
            .storeHandOff(HandOffRecord(sessionId: summary.id, at: now, from: offer.from, to: offer.to, reason: offer.reason, stayed: offer.stay)),
            activity(.joined, offer.to, "Session \(summary.handOff!.line); \(line)", now),
        ]
        if from != .viewOnly {
            out += [.audit(action: "mode.changed", actor: Self.engine, detail: "from=\(from.rawValue) to=\(ControlMode.viewOnly.rawValue) requestedBy=handoff"),
                    activity(.modeChanged, Self.engine, "Control is back to \(ControlMode.viewOnly.title): \(offer.to) asks the customer again", now)]
        }
        out += controlAfterModeChange(now)
        out += [.persist(summary), .toConsoles(.summary(summary)), .toAgent(offer.to, .summary(summary)), .reply(.summary(summary))]
        out += [.toCustomer(.specialistJoining(SpecialistJoining(name: offer.to, reason: offer.reason)))]
        if !customerHere {
            out.append(activity(.warning, Self.engine, "The customer is away: they are told \(offer.to) joined when they are back", now))
        }
        out += participantBroadcast()
        if !offer.stay { out.append(.releaseConsoles(of: offer.from)) }
        return out
    }

    mutating func handOffAcknowledged(_ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let name = handOffs.awaitingAcknowledgement else {
            return [.reject(.badState, "Nobody is waiting for you to acknowledge them.")]
        }
        handOffs.awaitingAcknowledgement = nil
        summary.handOff?.acknowledged = true
        lastActivity = now
        lastHeard = now
        return [.audit(action: "handoff.acknowledged", actor: customer, detail: "agent=\(name)"),
                activity(.info, customer, "Customer acknowledged that \(name) is joining; \(name) may ask for control", now),
                .toConsoles(.summary(summary))]
    }

    /// Until the customer acknowledges the specialist, the specialist sees but
    /// may not annotate, point, act or ask for control.
    func unacknowledgedRefusal(_ name: String, _ what: String) -> SessionEffect? {
        guard let waiting = handOffs.awaitingAcknowledgement, waiting == name else { return nil }
        return .reject(.notAllowed, "The customer has not acknowledged that \(name) joined yet; \(name) cannot \(what) until they have.")
    }

    /// A customer who was away when the specialist joined is told when they are back.
    func handOffReplay() -> [SessionEffect] {
        guard let name = handOffs.awaitingAcknowledgement, let h = summary.handOff else { return [] }
        return [.toCustomer(.specialistJoining(SpecialistJoining(name: name, reason: h.reason)))]
    }

    /// An offer nobody answered lapses; the first agent keeps the session.
    mutating func handOffTimeouts(_ now: Date) -> [SessionEffect] {
        guard let offer = handOffs.offer, now.timeIntervalSince(offer.requestedAt) >= policy.handOffTimeout else { return [] }
        handOffs.offer = nil
        summary.handOff = nil
        return [.audit(action: "handoff.lapsed", actor: Self.engine, detail: "from=\(offer.from) to=\(offer.to)"),
                activity(.warning, Self.engine, "\(offer.to) did not answer the hand-off in \(Int(policy.handOffTimeout / 60)) min; \(offer.from) keeps the session", now),
                .toConsoles(.summary(summary)), .toAgent(offer.to, .summary(summary))]
    }

    /// The session ends: an offer still waiting leaves its target's lobby.
    mutating func handOffAtTheEnd() -> [SessionEffect] {
        handOffs.awaitingAcknowledgement = nil
        guard let offer = handOffs.offer else { return [] }
        handOffs.offer = nil
        summary.handOff = nil
        return [.toAgent(offer.to, .summary(summary))]
    }

    /// A name as one word of an audit row's `key=value` detail.
    static func auditWord(_ text: String) -> String {
        String(oneLine(text).replacingOccurrences(of: " ", with: "_").prefix(40))
    }
}
