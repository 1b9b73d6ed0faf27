import Foundation

/// What a customer's "Get live help" button sends (`POST /live-help` from the
/// SDK on the tenant's page): who they are, how to reach them, where they were
/// and, in a line, what they need. Read strictly: the body may come from any
/// script on the internet, and every field ends up on an agent's console.
public struct LiveHelpRequest: Equatable, Sendable {
    public var name: String
    public var email: String
    public var topic: String?
    /// The page's origin and path; never its query or fragment, where sites keep tokens.
    public var page: String

    public static let maxBodyBytes = 4 * 1024
    static let maxName = 80, maxTopic = 300, maxPath = 300

    /// Why a request is refused, with the HTTP status the page gets.
    public struct Refusal: Error, Equatable, Sendable {
        public let status: Int
        public let message: String
        init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    }

    /// `origin`: the request's `Origin` header, already checked against the tenant's list;
    /// the page named in the body must be on it.
    public static func parse(_ body: [UInt8], origin: String) throws -> LiveHelpRequest {
        guard body.count <= maxBodyBytes else { throw Refusal(413, "the request is too large (4 KiB at most)") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(body)) } catch { throw Refusal(400, "the request is not JSON") }
        guard let fields = json as? [String: Any] else { throw Refusal(400, "the request must be one JSON object") }
        func string(_ key: String) throws -> String? {
            switch fields[key] {
            case nil, is NSNull: return nil
            case let s as String: return s
            default: throw Refusal(400, "\(key) must be text")
            }
        }
        guard let name = try string("name").map(oneLine), !name.isEmpty else { throw Refusal(400, "please give your name") }
        guard name.count <= maxName else { throw Refusal(400, "the name is longer than \(maxName) characters") }
        guard let given = try string("email"), !given.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Refusal(400, "please give an e-mail address the agent can send the link to")
        }
        let email: String
        do { email = try ContactRules.email(given) } catch let e as ContactError { throw Refusal(400, e.message) }
        let topic = try string("topic").map(oneLine).flatMap { $0.isEmpty ? nil : $0 }
        if let topic, topic.count > maxTopic { throw Refusal(400, "the description is longer than \(maxTopic) characters") }
        guard let pageText = try string("page"), let page = Self.page(pageText, origin: origin) else {
            throw Refusal(400, "page must be the address of the page the button is on (\(origin))")
        }
        return LiveHelpRequest(name: name, email: email, topic: topic, page: page)
    }

    /// The page's origin and path, when the page is on `origin`.
    static func page(_ text: String, origin: String) -> String? {
        guard text.utf8.count <= 2048, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty else { return nil }
        let pageOrigin = "\(scheme)://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
        guard pageOrigin == origin else { return nil }
        let path = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
        guard path.utf8.count <= maxPath, path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        return pageOrigin + path
    }

    /// Lines, tabs and control characters become single spaces: the console shows one line.
    static func oneLine(_ s: String) -> String {
        s.unicodeScalars.split(whereSeparator: { CharacterSet.controlCharacters.contains($0) || CharacterSet.newlines.contains($0) || $0 == " " })
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }
}

/// The pages a tenant lets file live-help requests: their origins, exactly
/// (`serve --live-help-origins https://app.example.com,…`; `self` names the
/// engine's own demo site). A request from any other origin is refused, so a
/// stranger's site cannot fill the lobby.
public struct LiveHelpOrigins: Equatable, Sendable {
    public private(set) var origins: Set<String>
    /// The engine's own gateway (its demo site), known once it listens.
    public let includesEngine: Bool

    public init(_ list: String) throws {
        var set = Set<String>()
        var engine = false
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if item == "self" { engine = true } else { set.insert(try Self.origin(item)) }
        }
        guard !set.isEmpty || engine else { throw LiveHelpRequest.Refusal(400, "name at least one origin, e.g. https://app.example.com (or self)") }
        origins = set
        includesEngine = engine
    }

    public init(origins: Set<String>, includesEngine: Bool = false) {
        self.origins = Set(origins.map { $0.lowercased() }); self.includesEngine = includesEngine
    }

    /// With the engine's own origin added when the list asked for it.
    public func resolved(engine: String) -> LiveHelpOrigins {
        var out = self
        if includesEngine { out.origins.insert(engine.lowercased()) }
        return out
    }

    public func allows(_ origin: String) -> Bool { origins.contains(origin.lowercased()) }

    /// "https://app.example.com[:port]": a scheme and a host, no path, query or user.
    static func origin(_ text: String) throws -> String {
        let bad = LiveHelpRequest.Refusal(400, "\(text.prefix(80)) is not an origin: scheme://host[:port], e.g. https://app.example.com")
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.query == nil, url.fragment == nil,
              url.path.isEmpty || url.path == "/" else { throw bad }
        return "\(scheme)://\(host.lowercased())" + (url.port.map { ":\($0)" } ?? "")
    }
}
