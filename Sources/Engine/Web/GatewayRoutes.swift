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

/// The gateway's fixed responses, built once: the files of Web/Assets at their addresses.
enum GatewayAssets {
    static let all: [String: GatewayResponse] = [
        "/healthz": GatewayResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8)),
        "/assets/cobrowse.css": file("cobrowse.css"),
        // Loaded by pages of any origin: allowed cross-origin, nothing more. The SDK masks with the rules before it sends anything.
        "/cobrowse.js": GatewayResponse(status: 200, contentType: WebAssets.contentType(of: "cobrowse.js"), body: sdk, headers: crossOrigin),
        "/cobrowse-connect.js": file("cobrowse-connect.js"),
        privacyRulesPath: file("cobrowse-rules.json", headers: crossOrigin),
        "/consent.js": file("consent.js"),
        "/viewer.js": file("viewer.js"),
        "/viewer.css": file("viewer.css"),
        "/presenter.js": file("presenter.js"),
    ]

    static let privacyRulesPath = "/cobrowse-rules.json"

    /// The rules as a tenant's pages get them: the built-in file with the tenant's own rules folded in.
    static func privacyRules(for tenant: TenantPrivacy) throws -> GatewayResponse {
        guard tenant != .standard else { return all[privacyRulesPath]! }
        return GatewayResponse(status: 200, contentType: WebAssets.contentType(of: "cobrowse-rules.json"),
                               body: try tenant.servedRules(standard: WebAssets.required("cobrowse-rules.json")), headers: crossOrigin)
    }

    /// A customer's page includes one script: the modules the SDK is built on come first in the one body,
    /// joined once at start-up from the embedded files.
    static let sdkParts = ["cobrowse-connect.js", "cobrowse-privacy.js", "cobrowse.js"]
    static let sdk: [UInt8] = sdkParts.flatMap { WebAssets.required($0) }

    private static let crossOrigin = [("Access-Control-Allow-Origin", "*"), ("Cross-Origin-Resource-Policy", "cross-origin")]

    private static func file(_ name: String, headers: [(String, String)] = []) -> GatewayResponse {
        GatewayResponse(status: 200, contentType: WebAssets.contentType(of: name), body: WebAssets.required(name), headers: headers)
    }
}
