import Foundation

/// The one-time link on the ticket's channel, and the desk told of the
/// session: each a row in the help-desk outbox, so a desk that is down or
/// rate-limits gets it later, once. The link itself goes to the desk only in
/// the public reply meant for the customer; never into a log or the audit trail.
extension EngineHub {
    /// Refuses a delivery that cannot happen before any session is made.
    func checkDelivery(_ send: LinkDelivery, of ticket: Ticket) throws {
        guard send == .helpdesk else { return }
        guard let outbox = helpDeskOutbox else {
            throw WireError(.badState, "this engine has no help desk (serve --helpdesk …): the link cannot go out as a reply; hand it over yourself")
        }
        guard try outbox.isDeskTicket(ticket.id) else {
            throw WireError(.badState, "ticket \(ticket.id) did not come from \(outbox.desk.title): there is no ticket there to reply on")
        }
    }

    /// After the session is made: the desk hears of it, and gets the public reply with the link when asked to send it.
    func tellTheDesk(sessionStarted summary: SessionSummary, link: String, send: LinkDelivery, at now: Date) {
        guard let outbox = helpDeskOutbox else { return }
        let ticket = summary.ticket
        var said: String?
        do {
            guard try outbox.isDeskTicket(ticket.id) else { return }
            try outbox.sessionStarted(ticket: ticket.id, sessionId: summary.id, agentName: summary.agentName)
            if send == .helpdesk {
                try outbox.publicReply(ticket: ticket.id, body: Self.openingScript(customer: ticket.customer, agent: summary.agentName, link: link,
                                                                                 minutes: Int(policy.linkLifetime / 60)),
                                       key: "link:\(summary.id):first")
                if outbox.desk == .webhook { try outbox.linkSent(ticket: ticket.id, sessionId: summary.id) }
                let to = try outbox.requester(of: ticket.id).map { " (\($0))" } ?? ""
                said = "One-time link sent to \(ticket.customer)\(to) as a public reply on \(outbox.desk.title) ticket \(ticket.id); `cobrowse helpdesk outbox` shows until the desk has it"
            }
        } catch {
            logger.error("session \(summary.id): the help desk could not be told: \(error)")
            said = "The link could not be queued for \(outbox.desk.title) (\(error)): hand it over yourself"
        }
        guard let said else { return }
        do { try store.appendActivity(sessionId: summary.id, ActivityItem(at: now, kind: .linkMinted, actor: "engine", text: said)) } catch {
            logger.error("session \(summary.id): the feed could not say how the link went: \(error)")
        }
    }

    /// The session protocol's opening script, with the customer's and the agent's names.
    static func openingScript(customer: String, agent: String, link: String, minutes: Int) -> String {
        let first = customer.split(separator: " ").first.map(String.init) ?? customer
        return """
            Hi \(first), I'd like to walk through this together. I'll be able to see your screen, but I can't control anything without your permission. Here's a secure link to start the session:

            \(link)

            It works once and expires in \(minutes) minutes. Let me know when you're connected.
            — \(agent)
            """
    }
}
