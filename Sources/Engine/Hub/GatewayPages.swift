import Foundation
import Logging

/// The gateway's plain HTTP: static assets, the demo site, and the pages
/// behind the one-time links (consent, viewer, presenter). On the event loop:
/// these read the store and the sessions' published state, and hand any
/// write (a refusal's audit row, "the customer opened the link") to a lane.
extension EngineHub {
    public func httpRequest(method: String, path: String, headers: [(String, String)], remote: String) -> GatewayResponse {
        let address = AddressThrottle.address(of: remote)
        let route = GatewayRoute.route(path)
        guard allow(route.looksUpALink ? .linkLookup : .request, from: address) else {
            return GatewayResponse(status: 429, body: Array(CustomerPages.message(title: "Too many requests",
                                                                                  body: "Please wait a few seconds, then open your link again.").utf8),
                                   headers: [("Retry-After", "5")])
        }
        guard method == "GET" || method == "HEAD" else {
            return .html(405, CustomerPages.message(title: "Not allowed", body: "This address only answers GET."))
        }
        let host = WebPolicy.host(in: headers)
        switch route {
        case let .asset(path):
            return path == GatewayAssets.privacyRulesPath ? privacyRules : GatewayAssets.all[path]!
        case let .demo(path):
            guard let asset = DemoPages.asset(path) else { fallthrough }
            return GatewayResponse(status: 200, contentType: WebAssets.contentType(of: asset.name), body: asset.bytes,
                                   headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
        case .notFound:
            return .html(404, CustomerPages.message(title: "Not found", body: "There is nothing at this address."))
        case .home:
            return .html(200, CustomerPages.message(title: "Cobrowse", body: "Open the link your support agent sent you."))
        case let .linkPage(page, token):
            switch page {
            case .join: return joinPage(token: token, host: host, address: address)
            case .view: return viewerPage(token: token, host: host, address: address)
            case .present: return presenterPage(token: token, host: host)
            }
        }
    }

    /// The link's record, what it is worth now, and its session's state.
    private func linkedSession(_ token: String) throws -> (LinkRecord?, LinkCheck.Outcome, SessionRuntime.Published?) {
        let record = try store.link(tokenHash: OneTimeLink.hash(token: token))
        return (record, LinkCheck.evaluate(record, now: clock()), record.flatMap { session($0.sessionId)?.published })
    }

    private func joinPage(token: String, host: String?, address: String) -> GatewayResponse {
        let now = clock()
        let found: (LinkRecord?, LinkCheck.Outcome, SessionRuntime.Published?)
        do { found = try linkedSession(token) } catch { return storeUnavailablePage(error) }
        let (record, outcome, live) = found
        guard outcome == .valid, let record, let live, live.summary.status != .ended else {
            auditRefusal(AuditDraft(at: now, actor: "customer", action: "link.refused", sessionId: record?.sessionId, detail: "page: \(outcome)"),
                         address: address)
            let status = outcome == .unknown ? 404 : 410
            return .html(status, CustomerPages.message(title: outcome == .valid ? "Session ended" : "Link not valid",
                                                       body: outcome == .valid ? "This co-browse session has ended." : outcome.customerMessage))
        }
        if live.summary.status == .linkMinted, let runtime = session(record.sessionId) {
            runtime.async { runtime.dispatch(.linkOpened, origin: nil) }
        }
        let page = CustomerPages.consent(agentName: live.summary.agentName, ticket: live.summary.ticket,
                                         recording: live.summary.recording, landingURL: live.landingURL ?? "/demo/")
        return GatewayResponse(status: 200, body: Array(page.utf8), headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    private func viewerPage(token: String, host: String?, address: String) -> GatewayResponse {
        let now = clock()
        let found: (LinkRecord?, LinkCheck.Outcome, SessionRuntime.Published?)
        do { found = try linkedSession(token) } catch { return storeUnavailablePage(error) }
        let (record, outcome, live) = found
        let watching = record?.purpose == .viewer || record?.purpose == .mirror
        guard outcome == .valid, let record, watching, let live, live.summary.status != .ended else {
            auditRefusal(AuditDraft(at: now, actor: "viewer", action: "viewer.link-refused", sessionId: record?.sessionId, detail: "page: \(outcome)"),
                         address: address)
            let status = outcome == .unknown || !watching ? 404 : 410
            return .html(status, CustomerPages.message(title: outcome == .valid && watching ? "Session ended" : "Link not valid",
                                                       body: outcome == .valid && watching ? "This co-browse session has ended." : outcome.customerMessage))
        }
        let s = live.summary
        // The mirror link is the customer's own: they watch the page the agent shows.
        let page = ViewerPage.page(viewerName: record.viewerName ?? s.ticket.customer, agentName: s.agentName, ticket: s.ticket,
                                   mirror: record.purpose == .mirror)
        return GatewayResponse(status: 200, body: Array(page.utf8), headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    private func presenterPage(token: String, host: String?) -> GatewayResponse {
        let found: (LinkRecord?, LinkCheck.Outcome, SessionRuntime.Published?)
        do { found = try linkedSession(token) } catch { return storeUnavailablePage(error) }
        let (record, outcome, live) = found
        guard outcome == .valid, let record, record.purpose == .presenter, let live, live.summary.status == .active else {
            let status = outcome == .unknown || record?.purpose != .presenter ? 404 : 410
            return .html(status, CustomerPages.message(title: "Link not valid", body: outcome == .valid ? "This co-browse session is not active." : outcome.customerMessage))
        }
        let s = live.summary
        let page = PresenterPage.page(agentName: s.agentName, ticket: s.ticket, customer: s.ticket.customer)
        return GatewayResponse(status: 200, body: Array(page.utf8), headers: [("Content-Security-Policy", WebPolicy.pageCSP(host: host))])
    }

    /// A store that cannot answer is not "no such link": the customer is asked to come back, nothing is spent.
    private func storeUnavailablePage(_ error: Error) -> GatewayResponse {
        logger.error("a link page could not be served: the store failed: \(error)")
        return GatewayResponse(status: 503, body: Array(CustomerPages.message(title: "Try again shortly",
                                                                              body: "The co-browse service cannot check your link just now. Please try it again in a minute.").utf8),
                               headers: [("Retry-After", "30")])
    }
}
