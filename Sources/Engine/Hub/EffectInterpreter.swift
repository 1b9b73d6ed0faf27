import Foundation
import Logging

/// Carries out what the machine decided, in order: sends, stores, links,
/// recordings. On the session's lane.
extension SessionRuntime {
    func perform(_ effects: [SessionEffect], origin: Origin?) {
        // A note the store did not take is not announced as saved.
        var unsavedNote: NoteEntry?
        for effect in effects {
            do {
                switch effect {
                case let .toConsoles(.note(n)) where n == unsavedNote:
                    continue
                case let .activity(item) where item.kind == .note && unsavedNote != nil:
                    continue
                case let .toCustomer(message):
                    sendToCustomer(message)
                case let .toConsoles(message):
                    broadcast(message)
                case let .activity(item):
                    hub.writer.enqueue(.activity(sessionId: id, item))
                    broadcast(.activity(item))
                case let .storeNote(note):
                    do { try hub.store.addNote(sessionId: id, note) } catch {
                        unsavedNote = note
                        logger.error("session \(id): a note could not be stored: \(error)")
                        origin?.fail(.internalError, "the note was not saved (\(error)); add it again when the engine can write")
                    }
                case .audit:
                    break // written before any effect, by `dispatch`
                case let .persist(summary):
                    try hub.store.saveSession(summary)
                case .closeCustomer:
                    if let link = customer {
                        customer = nil
                        link.unbind(from: id)
                        link.connection.close()
                    }
                case let .storeSurvey(survey):
                    do { try hub.store.saveSurvey(sessionId: id, survey) } catch {
                        origin?.fail(.internalError, "your rating could not be saved just now")
                        throw error
                    }
                    try appendSurveyToTheTicket(survey)
                case let .reject(code, text):
                    origin?.fail(code, text)
                case let .reply(message):
                    origin?.reply(message)
                case let .toManagers(message):
                    let bytes = WireCodec.encode(message)
                    for link in hub.connections.consoles(level: .manager) { link.connection.send(bytes) }
                case let .toPresenter(message):
                    presenter?.connection.send(WireCodec.encode(message))
                case .mintPresenterLink:
                    let link = try hub.links.mint(.presenter, session: id)
                    origin?.reply(.presenterLink(PresenterLink(link: link)))
                case let .offerMirror(by):
                    let link = try hub.links.mint(.mirror, session: id)
                    sendToCustomer(.presenting(PresentingState(active: true, by: by, mirrorLink: link)))
                case .closePresenter:
                    if let link = presenter {
                        presenter = nil
                        // The tab is told before it is closed, so it does not reconnect.
                        link.connection.send(WireCodec.encode(.presenting(PresentingState(active: false, by: machine.summary.agentName))))
                        link.unbind(from: id)
                        link.connection.close()
                    }
                    hub.forgetPresenterKeys(of: id)
                case let .mintViewerLink(name):
                    let link = try hub.links.mint(.viewer, session: id, viewerName: name)
                    origin?.reply(.viewerInvited(ViewerInvited(name: name, link: link)))
                case let .storeScreenshot(scene, by):
                    try storeScreenshot(scene, requestedBy: by)
                case .startRecording:
                    startRecording()
                case let .finishRecording(reason):
                    finishRecording(reason: reason)
                case let .renewCustomerLink(seconds):
                    try renewCustomerLink(after: seconds)
                case let .toAgent(name, message):
                    let bytes = WireCodec.encode(message)
                    for link in hub.connections.consoles(agentName: name) { link.connection.send(bytes) }
                case let .storeHandOff(record):
                    try hub.store.recordHandOff(record)
                case let .releaseConsoles(name):
                    releaseConsoles(of: name)
                }
            } catch {
                // A store failure (a full disk, say) must not take the live session down;
                // the agent is told and the log names it.
                logger.error("session \(id): could not store \(effect.kindName): \(error)")
                broadcast(.error(ErrorReply(code: .internalError, message: "the engine could not store session data: \(error)")))
            }
        }
    }

    /// The agent handed the session off without staying: their consoles leave
    /// the room (the machine has let them go already) and are told why.
    private func releaseConsoles(of name: String) {
        let bytes = WireCodec.encode(.notice(Notice(text: "You handed session \(id) to \(machine.summary.agentName); it is theirs now")))
        for link in room.values {
            guard case let .console(agent) = link.role, agent.name == name else { continue }
            room[link.id] = nil
            link.unbind(from: id)
            link.connection.send(bytes)
        }
    }

    /// The survey arrives after the wrap-up went: it follows as a note of its own (the comment is redacted already).
    private func appendSurveyToTheTicket(_ survey: SessionSurvey) throws {
        let ticket = machine.summary.ticket.id
        guard let outbox = hub.helpDeskOutbox, try outbox.isDeskTicket(ticket) else { return }
        let comment = survey.comment.map { ": \($0)" } ?? ""
        try outbox.internalNote(ticket: ticket, body: "Co-browse session \(id): the customer rated it \(survey.stars)/5\(comment)", key: "survey:\(id)")
    }

    /// A fresh consent link for the same session: it rejoins an active one
    /// without asking consent again. It goes to this session's consoles
    /// alone, not through `broadcast`, which records.
    private func renewCustomerLink(after seconds: Int) throws {
        let link = try hub.links.mint(nil, session: id)
        // On the channel the first link went on, when it went on one (the feed says so from there).
        let via = hub.sendRenewedLink(of: machine.summary, link: link, at: now)
        let sentVia = via.map { $0 == .helpdesk ? "the help desk" : $0 == .email ? "e-mail" : "SMS" }
        let bytes = WireCodec.encode(.linkRenewed(LinkRenewed(sessionId: id, link: link, sentVia: sentVia)))
        for l in room.values { if case .console = l.role { l.connection.send(bytes) } }
        guard via == nil else { return }
        let customer = machine.summary.ticket.customer
        let item = ActivityItem(at: now, kind: .warning, actor: "engine",
                                text: "\(customer) has been gone \(seconds) s: a new one-time link for this session is on your screen to send them (their page still reconnects by itself if it comes back)")
        hub.writer.enqueue(.activity(sessionId: id, item))
        broadcast(.activity(item))
    }

    private func storeScreenshot(_ scene: Scene, requestedBy by: String) throws {
        guard let vault = hub.screenshotVault else {
            let item = ActivityItem(at: now, kind: .warning, actor: "engine", text: "Screenshot not stored: this engine keeps no screenshots")
            try hub.store.appendActivity(sessionId: id, item)
            broadcast(.activity(item))
            return
        }
        let shot = try vault.save(scene, sessionId: id, requestedBy: by, at: now)
        try hub.store.appendAudit(at: now, actor: "engine", action: "screenshot.stored", sessionId: id, detail: "id=\(shot.id)")
        let item = ActivityItem(at: now, kind: .info, actor: "engine", text: "Screenshot \(shot.id) stored encrypted with the session")
        try hub.store.appendActivity(sessionId: id, item)
        broadcast(.activity(item))
    }
}
