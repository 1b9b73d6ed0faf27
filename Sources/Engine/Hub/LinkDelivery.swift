import Foundation

/// The one-time link on the ticket's channel (a public reply on the help
/// desk, an e-mail, a text), and the desk told of the session: each a row in
/// the outbox, so a desk, mail server or gateway that is down gets it later,
/// once. The link itself goes only into the message meant for the customer;
/// never into a log, the audit trail or the feed.
extension EngineHub {
    /// Refuses a delivery that cannot happen before any session is made, saying what is missing.
    func checkDelivery(_ send: LinkDelivery, of ticket: Ticket) throws {
        switch send {
        case .none:
            return
        case .helpdesk:
            guard let outbox = helpDeskOutbox else {
                throw WireError(.badState, "this engine has no help desk (serve --helpdesk …): the link cannot go out as a reply; hand it over yourself")
            }
            guard try outbox.isDeskTicket(ticket.id) else {
                throw WireError(.badState, "ticket \(ticket.id) did not come from \(outbox.desk.title): there is no ticket there to reply on")
            }
        case .email, .sms:
            let able = send == .email ? customerChannels?.canEmail : customerChannels?.canText
            guard let channels = customerChannels, able == true else {
                throw WireError(.badState, send == .email
                    ? "this engine has no mail server (serve --smtp HOST:PORT --smtp-from ADDR): the link cannot go by e-mail; hand it over yourself"
                    : "this engine has no SMS gateway (serve --sms-url URL --sms-token-file FILE --sms-from +E164): the link cannot go by SMS; hand it over yourself")
            }
            do { _ = try channels.recipient(of: ticket, by: send) } catch let e as ContactError { throw WireError(.badState, e.message) }
        }
    }

    /// After the session is made: the desk hears of it, and the link goes out when asked.
    func tellTheDesk(sessionStarted summary: SessionSummary, link: String, send: LinkDelivery, at now: Date) {
        if let outbox = helpDeskOutbox {
            do {
                if try outbox.isDeskTicket(summary.ticket.id) {
                    try outbox.sessionStarted(ticket: summary.ticket.id, sessionId: summary.id, agentName: summary.agentName)
                }
            } catch {
                logger.error("session \(summary.id): the help desk could not be told of it: \(error)")
            }
        }
        guard send != .none else { return }
        do { try customerChannels?.contacts.setLinkChannel(sessionId: summary.id, send) } catch {
            // The first link still goes; a renewed one is the agent's to hand over.
            logger.error("session \(summary.id): which channel its link went on could not be stored: \(error)")
        }
        sendLink(of: summary, link: link, via: send, renewal: false, key: "link:\(summary.id):first", at: now)
    }

    /// A renewed link goes the way the first went; returns that channel, or nil when the agent hands it over.
    func sendRenewedLink(of summary: SessionSummary, link: String, at now: Date) -> LinkDelivery? {
        let channel: LinkDelivery?
        do { channel = try customerChannels?.contacts.linkChannel(sessionId: summary.id) } catch {
            logger.error("session \(summary.id): which channel its first link went on could not be read: \(error)")
            return nil
        }
        guard let channel, channel != .none else { return nil }
        let queued = sendLink(of: summary, link: link, via: channel, renewal: true,
                              key: "link:\(summary.id):renewed:\(millis(now))", at: now)
        return queued ? channel : nil
    }

    /// Queues the link's message and says so in the feed; returns whether it was queued.
    @discardableResult
    private func sendLink(of summary: SessionSummary, link: String, via channel: LinkDelivery, renewal: Bool, key: String, at now: Date) -> Bool {
        let ticket = summary.ticket
        let customer = redactor.redact(text: ticket.customer).value
        let message = linkMessage(customer: ticket.customer, agent: summary.agentName, link: link, renewal: renewal)
        let said: String, kind: ActivityItem.Kind
        do {
            let recipient: String?
            switch channel {
            case .none: return false
            case .helpdesk:
                guard let outbox = helpDeskOutbox else { throw ContactError("this engine has no help desk any more") }
                try outbox.publicReply(ticket: ticket.id, body: message.body, key: key, sessionId: summary.id)
                if outbox.desk == .webhook, !renewal { try outbox.linkSent(ticket: ticket.id, sessionId: summary.id) }
                recipient = try outbox.requester(of: ticket.id)
            case .email, .sms:
                guard let channels = customerChannels else { throw ContactError("this engine has no \(channel == .email ? "mail server" : "SMS gateway") any more") }
                let to = try channels.recipient(of: ticket, by: channel)
                try channels.enqueue(message, to: to, by: channel, ticket: ticket.id, sessionId: summary.id, key: key)
                recipient = to
            }
            let to = recipient.map { " (\($0))" } ?? ""
            let how = channel == .helpdesk ? "as a public reply on \(helpDeskOutbox?.desk.title ?? "the help desk") ticket \(ticket.id)" : channel.phrase
            said = renewal ? "New link sent to \(customer) \(how)\(to); `cobrowse helpdesk outbox` shows until it is accepted"
                           : "One-time link queued for \(customer)\(to) \(how); `cobrowse helpdesk outbox` shows until it is accepted"
            kind = .linkMinted
        } catch {
            logger.error("session \(summary.id): the link could not be queued \(channel.phrase): \(error)")
            said = "The link could not be queued \(channel.phrase) (\(error)): hand it over yourself"
            kind = .warning
        }
        let item = ActivityItem(at: now, kind: kind, actor: "engine", text: said)
        if renewal {
            tellTheFeed(of: summary.id, item)
        } else {
            // Written before the session is handed back, so the agent's first look at the feed has it.
            do { try store.appendActivity(sessionId: summary.id, item) } catch {
                logger.error("session \(summary.id): the feed could not say how the link went: \(error)")
            }
        }
        return kind == .linkMinted
    }

    /// What the customer reads, with names as the redactor leaves them (a card number typed into a name is not mailed).
    func linkMessage(customer: String, agent: String, link: String, renewal: Bool) -> LinkMessage {
        let customer = redactor.redact(text: customer).value, agent = redactor.redact(text: agent).value
        let minutes = Int(policy.linkLifetime / 60)
        if renewal {
            return LinkMessage(subject: "Your new co-browse link", body: Self.reconnectScript(customer: customer, agent: agent, link: link, minutes: minutes))
        }
        return LinkMessage(subject: "Your co-browse link from \(agent)",
                           body: Self.openingScript(customer: customer, agent: agent, link: link, minutes: minutes))
    }

    /// The sender's word on a row that names a session: accepted (with the far side's receipt) or refused for good.
    public func outboxSettled(_ entry: OutboxEntry, _ settlement: OutboxSettlement) {
        guard let sid = entry.sessionId else { return }
        let who = entry.recipient ?? "the customer"
        let item: ActivityItem
        switch settlement {
        case let .accepted(receipt):
            let by: String
            switch entry.call.channel {
            case .email: by = "Mail server accepted the link for \(who)"
            case .sms: by = "SMS gateway accepted the link for \(who)"
            case .helpDesk: by = "\(entry.desk?.title ?? "The help desk") accepted the reply with the link for \(who)"
            }
            item = ActivityItem(at: clock(), kind: .info, actor: "engine", text: OutboxText.mask(by + (receipt.map { " (\($0))" } ?? "")))
        case let .failed(reason):
            let by = entry.call.channel == .helpDesk ? "as a reply on the help desk" : entry.call.channel == .email ? "by e-mail" : "by SMS"
            item = ActivityItem(at: clock(), kind: .warning, actor: "engine",
                                text: OutboxText.mask("The link to \(who) \(by) was not delivered: \(reason). Hand it over yourself"))
        }
        tellTheFeed(of: sid, item)
    }

    /// A feed line from outside the session's lane: stored, and shown on the session's consoles when it is live.
    func tellTheFeed(of sid: String, _ item: ActivityItem) {
        guard let runtime = session(sid) else {
            writer.enqueue(.activity(sessionId: sid, item))
            return
        }
        runtime.async {
            runtime.hub.writer.enqueue(.activity(sessionId: sid, item))
            runtime.broadcast(.activity(item))
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

    /// The same voice for a customer who dropped: the session is still there, and a fresh link rejoins it.
    static func reconnectScript(customer: String, agent: String, link: String, minutes: Int) -> String {
        let first = customer.split(separator: " ").first.map(String.init) ?? customer
        return """
            Hi \(first), your connection dropped; here is a new link to rejoin our session. Nothing you allowed before changes, and I still can't control anything without your permission:

            \(link)

            It works once and expires in \(minutes) minutes.
            — \(agent)
            """
    }
}
