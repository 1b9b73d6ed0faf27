import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import XCTest
@testable import Engine

/// A help desk on 127.0.0.1 that speaks one vendor's contract as documented:
/// it checks the credential, the path and the JSON shape (and answers 401 /
/// 400 as the vendor would), can be told what to answer next (401, 404, 429
/// with Retry-After, 500), and records every request and every call it applied.
final class FakeDesk: @unchecked Sendable {
    enum Contract {
        case zendesk(email: String, token: String)
        case freshdesk(apiKey: String)
        case webhook(secret: String)
        /// An SMS gateway on Twilio's Messages contract (form POST, basic auth SID:token, 201 with sid/status).
        case twilio(accountSid: String, authToken: String)
    }

    struct Request {
        var method: String
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]
        var at: Date
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
        /// An application/x-www-form-urlencoded body, decoded.
        var form: [String: String] {
            var out: [String: String] = [:]
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
                if kv.count == 2 { out[kv[0]] = kv[1] }
            }
            return out
        }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    struct Answer {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
        static func retryAfter(_ seconds: Int) -> Answer {
            Answer(status: 429, headers: [("Retry-After", String(seconds))], body: #"{"error":"TooManyRequests","description":"Rate limit exceeded"}"#)
        }
        static let serverError = Answer(status: 500, body: #"{"error":"InternalError","description":"try later"}"#)
        static let unauthorized = Answer(status: 401, body: #"{"error":"Couldn't authenticate you"}"#)
    }

    let contract: Contract
    private let state = NIOLockedValueBox(State())
    private struct State {
        var requests: [Request] = []
        var applied: [Request] = []
        var script: [Answer] = []
        var missingTickets: Set<String> = []
    }
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private(set) var port = 0

    init(_ contract: Contract) { self.contract = contract }

    var url: String {
        switch contract {
        case .webhook: "http://127.0.0.1:\(port)/hooks/cobrowse"
        default: "http://127.0.0.1:\(port)"
        }
    }
    var requests: [Request] { state.withLockedValue { $0.requests } }
    /// Calls the desk accepted and acted on.
    var applied: [Request] { state.withLockedValue { $0.applied } }
    /// The next answers, in order, before the desk answers normally again.
    func answerNext(_ answers: Answer...) { state.withLockedValue { $0.script += answers } }
    func forget(ticket: String) { _ = state.withLockedValue { $0.missingTickets.insert(ticket) } }

    func start(port: Int = 0) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FakeDeskHandler(desk: self))
                }
            }
        let ch = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
        channel = ch
        self.port = ch.localAddress?.port ?? 0
    }

    /// Stops listening: the desk is down (connection refused) until `start(port:)` again.
    func stop() {
        try? channel?.close().wait()
        channel = nil
    }

    func shutdown() {
        stop()
        try? group.syncShutdownGracefully()
    }

    func answer(_ r: Request) -> Answer {
        state.withLockedValue { $0.requests.append(r) }
        if let refusal = checkContract(r) { return refusal }
        if let scripted = state.withLockedValue({ s -> Answer? in s.script.isEmpty ? nil : s.script.removeFirst() }) { return scripted }
        if let id = ticketId(r.path), state.withLockedValue({ $0.missingTickets.contains(id) }) {
            return Answer(status: 404, body: #"{"error":"RecordNotFound","description":"Not found"}"#)
        }
        let n = state.withLockedValue { s -> Int in s.applied.append(r); return s.applied.count }
        if case .twilio = contract {
            return Answer(status: 201, body: #"{"sid":"SM\#(String(format: "%032d", n))","status":"queued","to":"\#(r.form["To"] ?? "")"}"#)
        }
        return Answer(status: r.method == "POST" ? 201 : 200, body: "{}")
    }

    private func ticketId(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count >= 4, parts[2] == "tickets" else { return nil }
        return String(parts[3].replacingOccurrences(of: ".json", with: ""))
    }

    private func checkContract(_ r: Request) -> Answer? {
        let json = r.json
        switch contract {
        case let .zendesk(email, token):
            guard r.header("Authorization") == "Basic " + Data("\(email)/token:\(token)".utf8).base64EncodedString() else { return .unauthorized }
            guard r.method == "PUT", r.path.range(of: #"^/api/v2/tickets/[0-9]+\.json$"#, options: .regularExpression) != nil else {
                return Answer(status: 404, body: #"{"error":"InvalidEndpoint","description":"Not found"}"#)
            }
            guard let ticket = json["ticket"] as? [String: Any] else { return bad("ticket missing") }
            if let comment = ticket["comment"] as? [String: Any] {
                guard comment["body"] is String, comment["public"] is Bool else { return bad("comment needs body and public") }
            } else if let status = ticket["status"] as? String {
                guard ["new", "open", "pending", "hold", "solved", "closed"].contains(status) else { return bad("bad status") }
            } else { return bad("nothing to change") }
        case let .freshdesk(key):
            guard r.header("Authorization") == "Basic " + Data("\(key):X".utf8).base64EncodedString() else {
                return Answer(status: 401, body: #"{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}"#)
            }
            if r.method == "POST", r.path.range(of: #"^/api/v2/tickets/[0-9]+/reply$"#, options: .regularExpression) != nil {
                guard json["body"] is String, json.count == 1 else { return bad("reply takes body") }
            } else if r.method == "POST", r.path.range(of: #"^/api/v2/tickets/[0-9]+/notes$"#, options: .regularExpression) != nil {
                guard json["body"] is String, json["private"] as? Bool == true else { return bad("note takes body and private") }
            } else if r.method == "PUT", r.path.range(of: #"^/api/v2/tickets/[0-9]+$"#, options: .regularExpression) != nil {
                guard let s = json["status"] as? Int, (2 ... 5).contains(s) else { return bad("status is 2...5") }
            } else {
                return Answer(status: 404, body: #"{"code":"invalid_path","message":"This path is not valid"}"#)
            }
        case let .twilio(sid, token):
            guard r.header("Authorization") == "Basic " + Data("\(sid):\(token)".utf8).base64EncodedString() else {
                return Answer(status: 401, body: #"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#)
            }
            guard r.method == "POST", r.path == "/2010-04-01/Accounts/\(sid)/Messages.json",
                  r.header("Content-Type") == "application/x-www-form-urlencoded" else {
                return Answer(status: 404, body: #"{"code":20404,"message":"The requested resource was not found","status":404}"#)
            }
            let form = r.form
            guard let to = form["To"], form["From"] != nil, let body = form["Body"], !body.isEmpty else {
                return Answer(status: 400, body: #"{"code":21604,"message":"A 'To' phone number, 'From' and 'Body' are required.","status":400}"#)
            }
            // Twilio's test number for "not a valid phone number".
            if to == "+15005550001" {
                return Answer(status: 400, body: #"{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#)
            }
        case let .webhook(secret):
            guard let ts = r.header("X-Cobrowse-Timestamp"), let sig = r.header("X-Cobrowse-Signature"),
                  WebhookSignature.isValid(secret: secret, timestamp: ts, signature: sig, body: r.body) else { return .unauthorized }
            guard r.method == "POST", json["event"] is String, json["id"] is String else { return bad("an event needs id and event") }
        }
        return nil
    }

    private func bad(_ why: String) -> Answer {
        switch contract {
        case .freshdesk: Answer(status: 400, body: #"{"description":"Validation failed","errors":[{"field":"body","message":"\#(why)"}]}"#)
        default: Answer(status: 422, body: #"{"error":"RecordInvalid","description":"\#(why)"}"#)
        }
    }
}

private final class FakeDeskHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let desk: FakeDesk
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    init(desk: FakeDesk) { self.desk = desk }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h): head = h; body = []
        case let .body(b): body += b.readableBytesView
        case .end:
            guard let head else { return }
            let answer = desk.answer(FakeDesk.Request(method: head.method.rawValue, path: head.uri,
                                                      headers: head.headers.map { ($0.name, $0.value) }, body: body, at: Date()))
            var headers = HTTPHeaders(answer.headers)
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(answer.body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes: waits on the outcome, not on a guess of how long it takes.
func waitUntil(_ timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    XCTFail("condition not met within \(timeout)s", file: file, line: line)
}

/// A store in a temporary directory, one SQLite file that outlives the store object (a restart opens it again).
struct HelpDeskFixture {
    let dir: TransportTempDir
    var path: String { dir.file("cobrowse.sqlite") }
    init() throws { dir = try TransportTempDir() }
    func open() throws -> SQLiteStore { try SQLiteStore(path: path) }
}
