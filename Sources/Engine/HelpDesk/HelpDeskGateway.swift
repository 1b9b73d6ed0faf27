import Dispatch
import Foundation

/// The gateway's POSTs: the help desk's webhooks and the customers' "Get live
/// help" requests. The address budget is the same as any request's (a live-help
/// request has a tighter one of its own); the store write runs on a dispatch
/// worker, never on the event loop that received the request.
extension EngineHub {
    public func httpPost(path: String, headers: [(String, String)], body: [UInt8], remote: String,
                         respond: @escaping @Sendable (GatewayResponse) -> Void) {
        let address = AddressThrottle.address(of: remote)
        guard allow(.request, from: address) else {
            respond(GatewayResponse(status: 429, contentType: "text/plain; charset=utf-8", body: Array("too many requests\n".utf8),
                                    headers: [("Retry-After", "5")]))
            return
        }
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        if route == LiveHelpDesk.path { return liveHelpRequest(headers: headers, body: body, address: address, respond: respond) }
        guard route.hasPrefix("/helpdesk/"), let inbox = helpDeskInbox else {
            respond(HelpDeskInbox.answer(route.hasPrefix("/helpdesk/") ? 404 : 405,
                                         route.hasPrefix("/helpdesk/") ? "this engine takes no tickets from a help desk (it needs --helpdesk and --helpdesk-webhook-secret-file)" : "this address only answers GET"))
            return
        }
        DispatchQueue.global().async {
            respond(inbox.receive(path: route, headers: headers, body: body, address: address))
        }
    }
}

extension EngineHub {
    /// A customer's "Get live help": filed as a ticket, and every agent in the lobby sees it at once.
    private func liveHelpRequest(headers: [(String, String)], body: [UInt8], address: String,
                                 respond: @escaping @Sendable (GatewayResponse) -> Void) {
        guard let desk = liveHelp else {
            return respond(LiveHelpDesk.answer(404, ["error": "live help is not switched on for this engine (serve --live-help-origins)"], origin: nil))
        }
        guard allow(.customerRequest, from: address) else { return respond(desk.tooManyRequests(headers: headers)) }
        DispatchQueue.global().async { [self] in
            let (answer, filed) = desk.receive(headers: headers, body: body, address: address)
            respond(answer)
            if let filed {
                logger.info("live help: ticket \(filed.id) filed from a page")
                refreshLobbies()
            }
        }
    }
}
