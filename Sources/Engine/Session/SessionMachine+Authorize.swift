import Foundation

/// An agent at a console, as a session sees them: attached as its agent, or
/// watching it read-only (a supervisor, or anyone on a watch attachment).
public struct ConsoleActor: Equatable, Sendable {
    public var agent: Agent
    public var watching: Bool
    public init(_ agent: Agent, watching: Bool) { self.agent = agent; self.watching = watching }
}

/// What a console may ask of a session. Each is decided in one place,
/// `SessionMachine.authorize`; the hub asks and never decides again.
public enum SessionCapability: Equatable, Sendable {
    /// Attach to the session's room: as its agent, or read-only (`watch`).
    case attach(watch: Bool)
    /// Change the session (notes, marks, control, screenshots, viewers,
    /// presenting); `what` names the action in the refusal.
    case write(String)
    /// Ask the customer for more (a control mode, more time, a quality check):
    /// the session's agent, or a manager stepping in.
    case steer(String)
    /// End the session.
    case end
    /// Say how it ended for the ticket: the session's agent, or a manager.
    case giveOutcome
    /// Approve or refuse a Full Control request waiting for a manager.
    case answerApproval
    /// Hand the session to another agent (escalation).
    case handOff
    /// Take over, or decline, the hand-off waiting in the session.
    case answerHandOff
}

public enum Authorization: Equatable, Sendable {
    case allowed
    /// Refused with this error; `audit` is the row the refusal leaves.
    case refused(WireErrorCode, String, audit: (action: String, detail: String))

    public static func == (a: Authorization, b: Authorization) -> Bool {
        switch (a, b) {
        case (.allowed, .allowed): true
        case let (.refused(c1, t1, a1), .refused(c2, t2, a2)): c1 == c2 && t1 == t2 && a1 == a2
        default: false
        }
    }
}

extension SessionMachine {
    /// The machine's own check for a request that arrives as an event: the
    /// refusal it answers with (and the audit row, where the rule leaves one).
    func refusal(_ agent: Agent, _ capability: SessionCapability, audited: Bool = false) -> [SessionEffect]? {
        guard case let .refused(code, text, audit) = authorize(ConsoleActor(agent, watching: false), capability) else { return nil }
        return [.reject(code, text)] + (audited ? [.audit(action: audit.action, actor: agent.name, detail: audit.detail)] : [])
    }

    /// Who may do what in this session.
    public func authorize(_ actor: ConsoleActor, _ capability: SessionCapability) -> Authorization {
        Self.authorize(actor, capability, in: summary)
    }

    /// The same rules for a session that has no machine any more (ended, read from the store).
    public static func authorize(_ actor: ConsoleActor, _ capability: SessionCapability, in summary: SessionSummary) -> Authorization {
        let agent = actor.agent
        let owner = agent.name == summary.agentName
        switch capability {
        case let .attach(watch):
            if owner || (watch && Capabilities(level: agent.level).canWatch) { return .allowed }
            // The agent who handed the session off and stayed on watches it, whatever their level.
            if let h = summary.handOff, h.accepted, h.stay, h.from == agent.name { return .allowed }
            return .refused(.notAllowed, watch ? "\(agent.level.rawValue) agents cannot watch sessions"
                                               : "session \(summary.id) belongs to \(summary.agentName); supervisors attach with --watch",
                            audit: ("attach.refused", watch ? "watch" : "attach"))
        case let .write(what):
            if owner && !actor.watching { return .allowed }
            return .refused(.notAllowed, "\(agent.name) is watching read-only and cannot \(what)", audit: ("write.refused", what))
        case let .steer(what):
            if (owner && !actor.watching) || agent.level == .manager { return .allowed }
            return .refused(.notAllowed, "Only the session's agent may \(what).", audit: ("write.refused", what))
        case .end:
            if owner && !actor.watching { return .allowed }
            return .refused(.notAllowed, "\(agent.name) is watching read-only and cannot end the session", audit: ("write.refused", "end the session"))
        case .giveOutcome:
            if (owner && !actor.watching) || agent.level == .manager { return .allowed }
            return .refused(.notAllowed, "Only the session's agent or a manager may say how session \(summary.id) ended.", audit: ("write.refused", "give the outcome"))
        case .answerApproval:
            if agent.level == .manager { return .allowed }
            return .refused(.notAllowed, "Only a manager may approve \(ControlMode.fullControl.title).", audit: ("approval.refused", "level=\(agent.level.rawValue)"))
        case .handOff:
            if owner && !actor.watching { return .allowed }
            return .refused(.notAllowed, "Only the session's agent (\(summary.agentName)) may hand session \(summary.id) off.", audit: ("handoff.refused", "not the session's agent"))
        case .answerHandOff:
            guard let h = summary.handOff, !h.accepted else {
                return .refused(.badState, "No hand-off is waiting in session \(summary.id).", audit: ("handoff.refused", "none waiting"))
            }
            if agent.name == h.to { return .allowed }
            return .refused(.notAllowed, "The hand-off of session \(summary.id) is for \(h.to); \(agent.name) cannot answer it.",
                            audit: ("handoff.refused", "answer by=\(agent.name) for=\(h.to)"))
        }
    }

    /// Why `target` cannot take a session `from` hands off, or nil when they can:
    /// someone else, who exists, and who may take over live sessions (L2 and
    /// above, or a specialist; never a watcher).
    public static func handOffTargetRefusal(_ target: Agent?, named name: String, from: Agent) -> (WireErrorCode, String)? {
        guard let target else { return (.notFound, "There is no agent named \(oneLine(name)).") }
        guard target.name != from.name else { return (.invalid, "\(from.name) already has this session; hand it to someone else.") }
        guard Capabilities(level: target.level).canTakeHandOffs else {
            return (.notAllowed, "\(target.name) is \(target.level.rawValue): a session is handed to an L2 agent, a specialist or a manager.")
        }
        return nil
    }
}
