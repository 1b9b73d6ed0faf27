import Dispatch
import Foundation

/// The gateway's POSTs: only the help desk's webhooks take one. The address
/// budget is the same as any request's; the store write runs on a dispatch
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
