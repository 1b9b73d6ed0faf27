import Foundation

/// Every path the customer gateway answers, in one table: fixed assets by
/// exact path, the demo site, and the pages behind a one-time link by prefix.
/// The hub asks `route(_:)` and answers what only it can (link pages).
enum GatewayRoute: Equatable {
    /// A response that never changes (scripts, stylesheets, health).
    case asset(String)
    /// A page of the demo site (its CSP names the host the browser used).
    case demo(String)
    /// A page behind a one-time link: the token follows the prefix.
    case linkPage(LinkPage, token: String)
    case home
    case notFound

    enum LinkPage: String, CaseIterable {
        case join = "/join/"
        case view = "/view/"
        case present = "/present/"
    }

    /// A look-up of a one-time link costs a database read (and an audit row
    /// when refused), so it has a bound of its own per address.
    var looksUpALink: Bool { if case .linkPage = self { true } else { false } }

    static func route(_ path: String) -> GatewayRoute {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        if GatewayAssets.all[route] != nil { return .asset(route) }
        if route == "/demo" || route.hasPrefix("/demo/") { return .demo(route) }
        for page in LinkPage.allCases where route.hasPrefix(page.rawValue) {
            return .linkPage(page, token: String(route.dropFirst(page.rawValue.count)))
        }
        return route == "/" ? .home : .notFound
    }
}

/// The gateway's fixed responses, built once.
enum GatewayAssets {
    static let all: [String: GatewayResponse] = [
        "/healthz": text("ok\n", "text/plain; charset=utf-8"),
        "/assets/cobrowse.css": text(CustomerPages.stylesheet, "text/css; charset=utf-8"),
        // Loaded by pages of any origin: allowed cross-origin, nothing more.
        "/cobrowse.js": text(CobrowseScript.source, "text/javascript; charset=utf-8",
                             headers: [("Access-Control-Allow-Origin", "*"), ("Cross-Origin-Resource-Policy", "cross-origin")]),
        "/consent.js": text(ConsentScript.source, "text/javascript; charset=utf-8"),
        "/viewer.js": text(ViewerPage.script, "text/javascript; charset=utf-8"),
        "/viewer.css": text(ViewerPage.stylesheet, "text/css; charset=utf-8"),
        "/presenter.js": text(PresenterPage.script, "text/javascript; charset=utf-8"),
    ]

    private static func text(_ body: String, _ contentType: String, headers: [(String, String)] = []) -> GatewayResponse {
        GatewayResponse(status: 200, contentType: contentType, body: Array(body.utf8), headers: headers)
    }
}
