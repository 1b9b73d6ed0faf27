import Foundation
import Logging
import NIOConcurrencyHelpers

/// One live session in the engine: its pure `SessionMachine`, the
/// connections in its room, its recording. Everything here runs on the
/// session's own lane, so sessions never wait for each other; what other
/// lanes need to know (the lobby, the link pages) they read from `published`.
final class SessionRuntime: @unchecked Sendable {
    let id: String
    let lane: SerialLane
    unowned let hub: EngineHub
    private(set) var machine: SessionMachine
    /// The customer's SDK connection, and the agent's presenter tab.
    var customer: Link?
    var presenter: Link?
    /// Consoles, viewers and the customer's mirror page, by connection id.
    var room: [Int: Link] = [:]
    var recording: SessionRecording?
    private let box: NIOLockedValueBox<Published>

    /// What the session looks like from outside its lane.
    struct Published: Sendable {
        var summary: SessionSummary
        var approvalRequest: ApprovalRequest?
        /// A hand-off waiting for its target (their lobby lists it).
        var handOffOffer: HandOffOffer?
        /// Where the customer lands after consenting (`invite --url`); nil: the demo site.
        var landingURL: String?
    }

    init(machine: SessionMachine, landingURL: String?, hub: EngineHub) {
        id = machine.summary.id
        self.machine = machine
        self.hub = hub
        lane = hub.lanes.makeLane("session.\(machine.summary.id)")
        box = NIOLockedValueBox(Published(summary: machine.summary, approvalRequest: machine.approvalRequest, handOffOffer: machine.handOffOffer,
                                         landingURL: landingURL))
    }

    /// Runs `work` on the session's lane, keeping the hub alive until it has
    /// run: the runtime only points back at the hub that holds it, so work
    /// still queued when a hub is let go (a test ends) finds it there.
    func async(_ work: @escaping @Sendable () -> Void) {
        let owner = hub
        lane.async { withExtendedLifetime(owner) { work() } }
    }

    var published: Published { box.withLockedValue { $0 } }
    var logger: Logger { hub.logger }
    var now: Date { hub.clock() }

    // MARK: - Running the machine

    /// Runs one event through the machine. The audit rows it asks for are
    /// written first, in one transaction. When they cannot be, a request (an
    /// event someone sent: `origin` is set) is refused and the machine keeps
    /// its old state; a fact (a disconnect, a tick) still happens, and the
    /// failure is reported to the consoles and the log. Returns the effects
    /// carried out, nil when nothing happened.
    @discardableResult
    func dispatch(_ event: SessionEvent, origin: Origin?, failClosed: Bool? = nil) -> [SessionEffect]? {
        var m = machine
        // A delta changes the page in place. The state kept for a refusal must
        // not hold the page too, or every delta would copy it: a refused delta
        // leaves the session without a page, and the customer is asked for all of it.
        let inPlace: Bool
        if case .sceneDelta = event { inPlace = true; machine.letGoOfThePage() } else { inPlace = false }
        let at = now
        let effects = m.handle(event, now: at)
        guard writeAudits(of: effects, at: at, origin: origin, failClosed: failClosed ?? (origin != nil)) else {
            if inPlace { sendToCustomer(.requestScene) }
            return nil
        }
        let before = machine
        machine = m
        publish()
        count(from: before, to: m)
        perform(effects, origin: origin)
        return effects
    }

    /// The machine's own figures say what happened: a drop is one more in its
    /// count (the agent was told), an end the step into `.ended`, with its reason.
    private func count(from before: SessionMachine, to after: SessionMachine) {
        guard let metrics = hub.metrics else { return }
        if after.drops > before.drops { metrics.customerDropped() }
        if before.summary.status != .ended, after.summary.status == .ended {
            metrics.sessionEnded(after.summary.initiator, reason: after.summary.endReason ?? .agentEnded)
        }
    }

    /// What the machine would answer, without changing it (the viewer's hello is decided before it joins).
    func preview(_ event: SessionEvent) -> [SessionEffect] {
        var m = machine
        return m.handle(event, now: now)
    }

    private func publish() {
        let m = machine
        box.withLockedValue { p in
            p.summary = m.summary
            p.approvalRequest = m.approvalRequest
            p.handOffOffer = m.handOffOffer
        }
    }

    private func writeAudits(of effects: [SessionEffect], at: Date, origin: Origin?, failClosed: Bool) -> Bool {
        let drafts = effects.compactMap { effect -> AuditDraft? in
            guard case let .audit(action, actor, detail) = effect else { return nil }
            return AuditDraft(at: at, actor: actor, action: action, sessionId: id, detail: detail)
        }
        guard !drafts.isEmpty else { return true }
        do {
            try hub.store.appendAudits(drafts)
            return true
        } catch {
            let actions = drafts.map(\.action).joined(separator: ", ")
            logger.error("session \(id): could not write the audit trail (\(actions)): \(error)\(failClosed ? "; refused" : "")")
            let warning = "the engine could not write its audit trail (\(error))"
            guard failClosed else {
                broadcast(.error(ErrorReply(code: .internalError, message: "\(warning); the session goes on, the rows are missing: \(actions)")))
                return true
            }
            origin?.fail(.internalError, "refused: \(warning)")
            if let origin, case .console? = hub.connections[origin.connection.connectionID]?.role { return false }
            broadcast(.error(ErrorReply(code: .internalError, message: "refused a \(actions): \(warning)")))
            return false
        }
    }

    // MARK: - The room

    /// Sends to the consoles, viewers and mirror page, each what it may see; encoded once per audience.
    func broadcast(_ message: WireMessage) {
        record(message)
        guard !room.isEmpty else { return }
        let bytes = WireCodec.encode(message)
        let forViewers = Self.viewersSee(message)
        var forMirror: [UInt8]?
        for link in room.values {
            switch link.role {
            case .console: link.connection.send(bytes)
            case .viewer where forViewers: link.connection.send(bytes)
            case .mirror:
                guard let shown = Self.mirrorSees(message) else { continue }
                if forMirror == nil { forMirror = WireCodec.encode(shown) }
                link.connection.send(forMirror!)
            default: break
            }
        }
    }

    func sendToCustomer(_ message: WireMessage) {
        customer?.connection.send(WireCodec.encode(message))
    }

    var hasConsoles: Bool {
        room.values.contains { if case .console = $0.role { true } else { false } }
    }

    /// Ended, nobody left in it, survey window closed: the engine may forget it.
    func isFinished(at now: Date) -> Bool {
        machine.summary.status == .ended && customer == nil && !hasConsoles && !machine.surveyOpen(at: now)
    }

    /// A connection of this session closed (or left for another session).
    func left(_ link: Link) {
        let wasInRoom = room.removeValue(forKey: link.id) != nil
        switch link.role {
        case .customer:
            guard customer?.id == link.id else { return }
            customer = nil
            dispatch(.customerDisconnected, origin: nil)
        case let .console(agent):
            guard wasInRoom else { return }
            dispatch(.consoleDetached(name: agent.name, role: link.state.watch ? .supervisor : .agent), origin: nil)
        case let .viewer(name):
            dispatch(.viewerLeft(name: name), origin: nil)
        case .presenter:
            // It reconnects on every navigation; only "Stop" ends the showing.
            if presenter?.id == link.id { presenter = nil }
        case .mirror, .handshaking:
            break
        }
    }

    /// The customer mirror page shows the agent's page as its scene, and nothing of the customer's own.
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
}

/// Whoever sent the event being handled: replies and refusals go back to them.
struct Origin: Sendable {
    let connection: PeerConnection
    let requestID: Int?
    func reply(_ message: WireMessage) { connection.send(WireCodec.encode(message, re: requestID)) }
    func fail(_ code: WireErrorCode, _ text: String) { connection.send(WireCodec.encode(WireError(code, text, re: requestID).reply)) }
    func close() { connection.close() }
}
