import Foundation

/// What the customer's SDK, a viewer, the presenter tab and the mirror page
/// send once they are in a session. On the session's lane; the message table
/// has already said the sender may send it.
extension SessionRuntime {
    func participantMessage(_ message: WireMessage, from link: Link, origin: Origin) {
        // A connection replaced meanwhile (a newer customer socket) speaks for nobody.
        guard link.sessionId == id else { return origin.fail(.badState, "not in a session") }
        switch link.role {
        case .customer: customerMessage(message, origin: origin)
        case let .viewer(name): viewerMessage(message, name: name, origin: origin)
        case .presenter: presenterMessage(message, origin: origin)
        // The only thing the table lets a mirror page send: it asks for the shown page again.
        case .mirror: if let scene = machine.presentedScene { origin.reply(.scene(scene)) }
        case .console, .handshaking: break
        }
    }

    private func customerMessage(_ message: WireMessage, origin: Origin) {
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
        case .specialistAck: event = .handOffAcknowledged
        default: return origin.fail(.notAllowed, "\(message.type) is not a customer message")
        }
        dispatch(event, origin: origin)
    }

    private func presenterMessage(_ message: WireMessage, origin: Origin) {
        switch message {
        case let .scene(s): dispatch(.presentedScene(s), origin: origin)
        case let .sceneDelta(d): dispatch(.presentedDelta(d), origin: origin)
        case .leave: dispatch(.presentingStopped(by: machine.summary.agentName), origin: origin)
        // The SDK on the shown page speaks as a customer would; what is not a picture is not for anyone.
        case .pong, .pageEvent, .modeAnswer, .consent: break
        default: origin.fail(.notAllowed, "\(message.type) is not a presenter message")
        }
    }

    private func viewerMessage(_ message: WireMessage, name: String, origin: Origin) {
        switch message {
        case let .agentPointer(p): dispatch(.agentPointer(p.at, by: name), origin: origin)
        case let .annotate(c): dispatch(.annotate(c, by: name), origin: origin)
        case let .controlAction(a): dispatch(.controlAction(a, by: name), origin: origin)
        case let .handOver(h): dispatch(.handOver(to: h.to, by: name), origin: origin)
        case .requestScene:
            // A viewer that lost track catches up from what the engine holds; the customer is not asked.
            if let scene = machine.scene { origin.reply(.scene(scene)) }
        case .pong: break
        default:
            hub.auditRefusal(AuditDraft(at: now, actor: name, action: "write.refused", sessionId: id, detail: "viewer sent \(message.type)"), address: nil)
            origin.fail(.notAllowed, "\(message.type) is not a viewer message")
        }
    }
}
