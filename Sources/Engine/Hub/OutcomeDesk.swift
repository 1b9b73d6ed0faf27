import Foundation

/// How a session ended for its ticket: the outcome is stored with its audit
/// row and the ticket's new status in one transaction (an outcome the audit
/// trail cannot hold is refused), then the wrap-up is read back from the
/// store and sent to whoever said it.
extension EngineHub {
    /// For a session whose runtime the engine has let go of: its record, from the store.
    func recordStoredOutcome(_ outcome: SessionOutcome, sessionId: String, agent: Agent, origin: Origin) {
        let stored: SessionSummary?
        do { stored = try store.session(id: sessionId) } catch {
            return origin.fail(.internalError, "could not read session \(sessionId): \(error)")
        }
        guard let summary = stored else { return origin.fail(.notFound, "no session \(sessionId)") }
        guard summary.status == .ended else { return origin.fail(.badState, "session \(sessionId) is not ended yet; end it first") }
        if case let .refused(code, text, audit) = SessionMachine.authorize(ConsoleActor(agent, watching: false), .giveOutcome, in: summary) {
            auditRefusal(AuditDraft(at: clock(), actor: agent.name, action: audit.action, sessionId: sessionId, detail: audit.detail), address: nil)
            return origin.fail(code, text)
        }
        recordOutcome(outcome, summary: summary, agent: agent, origin: origin, runtime: nil)
    }

    /// The wrap-up as an internal note on the desk's ticket, and the ticket's
    /// status, through the outbox (sent in order, retried, once). A ticket that
    /// did not come from the desk has nowhere to go back to.
    /// Returns where it went, nil when it went nowhere.
    private func writeBack(_ wrapUp: WrapUp, outcome: SessionOutcome, runtime: SessionRuntime?, origin: Origin, at: Date) -> String? {
        guard let outbox = helpDeskOutbox else { return nil }
        let status: TicketDeskStatus = switch outcome {
        case .resolved: .solved
        case .followUp: .pending
        case .escalated: .open
        }
        let said: String, sentTo: String?
        do {
            guard try outbox.isDeskTicket(wrapUp.ticketId) else { return nil }
            try outbox.sessionEnded(ticket: wrapUp.ticketId, sessionId: wrapUp.sessionId, summary: wrapUp.text, status: status)
            sentTo = "\(outbox.desk.title) ticket \(wrapUp.ticketId)"
            said = "Wrap-up and status \(status.rawValue) queued for \(outbox.desk.title) ticket \(wrapUp.ticketId)"
        } catch {
            logger.error("session \(wrapUp.sessionId): the wrap-up could not be queued for the help desk: \(error)")
            origin.fail(.internalError, "the outcome is recorded, but the help desk was not told: the outbox could not take it (\(error))")
            said = "The wrap-up could not be queued for the help desk: \(error)"
            sentTo = nil
        }
        runtime?.perform([.activity(ActivityItem(at: at, kind: .info, actor: "engine", text: said))], origin: nil)
        return sentTo
    }

    /// Runs on the session's lane when it has a runtime (which then tells its room).
    func recordOutcome(_ outcome: SessionOutcome, summary: SessionSummary, agent: Agent, origin: Origin, runtime: SessionRuntime?) {
        let at = clock()
        // The audit row names the kind only: a plan or a reason is the agent's free text.
        let audit = AuditDraft(at: at, actor: agent.name, action: "session.outcome", sessionId: summary.id,
                               detail: "kind=\(outcome.kind.rawValue) ticket=\(summary.ticket.id) status=\(outcome.ticketStatus)")
        do {
            guard try store.recordOutcome(sessionId: summary.id, ticketId: summary.ticket.id, RecordedOutcome(outcome: outcome, by: agent.name, at: at), audit: audit) else {
                let said: String
                do { said = try store.outcome(sessionId: summary.id)?.outcome.kind.title ?? "one" } catch { said = "one the engine cannot read just now: \(error)" }
                return origin.fail(.badState, "session \(summary.id) already has an outcome (\(said)); it is not changed")
            }
        } catch {
            logger.error("session \(summary.id): could not record the outcome: \(error)")
            return origin.fail(.internalError, "the outcome was not recorded: the engine could not write it with its audit row (\(error))")
        }
        metrics?.outcomeRecorded(summary.initiator, outcome.kind)
        runtime?.perform([.activity(ActivityItem(at: at, kind: .info, actor: agent.name, text: "Outcome: \(outcome.line)"))], origin: nil)
        do {
            guard let wrapUp = try WrapUp.read(sessionId: summary.id, from: store, recordings: recordingDesk?.library.store, redactor: redactor, now: at) else {
                return origin.fail(.internalError, "the outcome is recorded, but session \(summary.id) could not be read back")
            }
            var sent = wrapUp
            sent.sentTo = writeBack(wrapUp, outcome: outcome, runtime: runtime, origin: origin, at: at)
            origin.reply(.wrapUp(sent))
        } catch {
            origin.fail(.internalError, "the outcome is recorded, but the wrap-up could not be read: \(error)")
        }
    }
}
