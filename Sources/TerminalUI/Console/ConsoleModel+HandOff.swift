import Engine
import Foundation

/// Escalation at the console: `H` in a live session hands it to a specialist
/// (pick who, say why, stay as a watcher or not); `H` in the lobby answers a
/// hand-off waiting for this agent. The engine decides; the console only
/// offers what it would take and says where things stand.
extension ConsoleModel {
    /// Who this agent may hand a session to, as the engine last listed them.
    public var handOffTargets: [HandOffTarget] { (lobby?.handOffTargets ?? []).filter { $0.name != myName } }

    /// `H` in a live session: the first step, picking who takes it.
    mutating func openHandOff() -> [ConsoleCommand] {
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        if let h = session?.handOff, !h.accepted {
            message = StatusMessage(.info, "A hand-off to \(SafeText.clean(h.to)) is already waiting for their answer")
            return []
        }
        dialog = .handOffPick(selected: 0)
        // The list comes with the lobby: ask for a fresh one, the dialog follows it.
        return [.send(.lobbyRequest)]
    }

    mutating func handleHandOffPick(_ selected: Int, _ key: ConsoleKey) -> [ConsoleCommand] {
        let targets = handOffTargets
        if let moved = Self.listMove(selected, key, count: targets.count) { dialog = .handOffPick(selected: moved); return [] }
        switch key {
        case .escape: dialog = nil
        case .enter:
            guard selected < targets.count else { return [] }
            dialog = .prompt(.handOffReason(to: targets[selected].name), draft: "")
        default: break
        }
        return []
    }

    /// The reason typed: last, whether the agent stays on to watch.
    mutating func handOffReasonGiven(to name: String, _ reason: String) {
        guard !reason.isEmpty else { message = StatusMessage(.error, "A hand-off needs a reason: \(SafeText.clean(name)) reads it, and so does the customer"); return }
        dialog = .handOffStay(to: name, reason: reason)
    }

    mutating func handleHandOffStay(to name: String, reason: String, _ key: ConsoleKey) -> [ConsoleCommand] {
        let stay: Bool
        switch key {
        case .character("y"), .character("Y"): stay = true
        case .character("n"), .character("N"): stay = false
        case .escape: dialog = nil; return []
        default: return []
        }
        dialog = nil
        message = StatusMessage(.info, "Offered the session to \(SafeText.clean(name)); it waits in their lobby…")
        return [.send(.handOff(HandOffRequest(sessionId: session?.id, to: name, reason: reason, stay: stay)))]
    }

    // MARK: - the target's side

    mutating func handOffOffered(_ offer: HandOffOffer) {
        handOffs.removeAll { $0.sessionId == offer.sessionId }
        handOffs.append(offer)
        if dialog == nil {
            dialog = .handOffOffer(offer)
        } else {
            message = StatusMessage(.info, "\(SafeText.clean(offer.from)) hands you \(offer.ticket.id) — H in the lobby to answer")
        }
    }

    /// `H` in the lobby.
    mutating func openHandOffOffer() {
        if let first = handOffs.first { dialog = .handOffOffer(first) } else { message = StatusMessage(.info, "No hand-offs waiting for you") }
    }

    mutating func handleHandOffOffer(_ offer: HandOffOffer, _ key: ConsoleKey) -> [ConsoleCommand] {
        let accept: Bool
        switch key {
        case .character("y"), .character("Y"), .enter: accept = true
        case .character("n"), .character("N"): accept = false
        case .escape: dialog = nil; return []
        default: return []
        }
        handOffs.removeAll { $0.sessionId == offer.sessionId }
        dialog = nil
        guard accept else {
            message = StatusMessage(.info, "Declined \(offer.ticket.id); \(SafeText.clean(offer.from)) is told and keeps the session")
            return [.send(.handOffAnswer(HandOffAnswer(sessionId: offer.sessionId, accept: false)))]
        }
        message = StatusMessage(.info, "Taking over \(offer.ticket.id) from \(SafeText.clean(offer.from))…")
        // The attach follows the answer on the same session lane, so it finds the session ours.
        watchingTeamSession = false
        return [.send(.handOffAnswer(HandOffAnswer(sessionId: offer.sessionId, accept: true))),
                .send(.attach(Attach(sessionId: offer.sessionId, watch: false)))]
    }

    /// An offer no longer waits (taken, declined, lapsed or the session ended): it leaves the list.
    mutating func handOffSettled(_ s: SessionSummary) {
        guard handOffs.contains(where: { $0.sessionId == s.id }), s.handOff == nil || s.handOff?.accepted == true || s.status == .ended else { return }
        handOffs.removeAll { $0.sessionId == s.id }
        if case let .handOffOffer(open)? = dialog, open.sessionId == s.id {
            dialog = handOffs.first.map(ConsoleDialog.handOffOffer)
            message = StatusMessage(.info, "The hand-off of \(open.ticket.id) no longer waits")
        }
    }

    // MARK: - where the attached session's hand-off stands

    /// Said once, as the session's summary changes; returns what the console does about it.
    mutating func handOffChanged(from old: SessionSummary?, to new: SessionSummary) -> [ConsoleCommand] {
        guard let me = agent?.name, let h = new.handOff else {
            if let was = old?.handOff, !was.accepted, new.status == .active, new.agentName == agent?.name {
                message = StatusMessage(.error, "\(SafeText.clean(was.to)) did not take the hand-off; the session is still yours")
            }
            return []
        }
        let ticket = new.ticket.id
        if h.accepted && old?.handOff?.accepted != true {
            if new.agentName == me {
                message = StatusMessage(.info, "You took over \(ticket) from \(SafeText.clean(h.from))")
            } else if h.from == me && !h.stay {
                let out = leaveSession()
                message = StatusMessage(.info, "You handed \(ticket) to \(SafeText.clean(h.to)); it is theirs now")
                return out
            } else if h.from == me {
                annotate = nil
                message = StatusMessage(.info, "You handed \(ticket) to \(SafeText.clean(h.to)); you are watching it read-only")
            }
        }
        if h.acknowledged && old?.handOff?.acknowledged != true && new.agentName == me {
            message = StatusMessage(.info, "The customer acknowledged you: m asks them for a control mode")
        }
        return []
    }

    /// The standing line while the customer has not acknowledged the specialist
    /// (shown on the message line when nothing else is said).
    public var handOffWaitingLine: String? {
        guard let s = session, s.status == .active, let h = s.handOff, h.accepted, !h.acknowledged, s.agentName == agent?.name else { return nil }
        let customer = SafeText.clean(s.ticket.customer)
        return s.customerConnected
            ? "\(customer) has not acknowledged you yet: you watch; marks and control wait"
            : "\(customer) is away: they acknowledge you when back; you watch until then"
    }

    /// A session that is someone else's now (this agent handed it off and stayed
    /// to watch, or it changed hands again): the engine's rule, that only the
    /// session's agent writes, as the console's key table.
    var watchingAfterHandOff: Bool {
        guard let s = session, let me = agent?.name else { return false }
        return s.agentName != me
    }
}
