import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Headers on every gateway response. The pages are served from the gateway
/// itself, may not be framed, cached, sniffed or leak the one-time link in a
/// Referer, and the browser is told to stay on HTTPS.
enum SecurityHeaders {
    static let all: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
        ("Strict-Transport-Security", "max-age=31536000"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]

    /// A page may set its own (stricter) value for a header on the list, but
    /// never drop one: the gateway's value fills any gap.
    static func apply(to headers: inout HTTPHeaders) {
        for (name, value) in all where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
    }
}

/// Plain HTTPS requests (everything but the WebSocket upgrade) → the sink's
/// `httpRequest`, answered with the security headers. Only a POST's body is
/// kept (the help desk's webhooks, up to 64 KiB); a larger body is refused
/// rather than buffered.
final class GatewayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 64 * 1024

    private let sink: ConnectionSink
    private let webSocketPath: String
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var body: [UInt8] = []
    private var refused = false
    /// A client gets this long to deliver each whole request (or its first one
    /// after connecting, or the next one on a kept-alive connection). Counting
    /// the whole request rather than idle gaps stops slow-loris trickling.
    private let requestTimeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(sink: ConnectionSink, webSocketPath: String, requestTimeout: TimeAmount, logger: Logger) {
        self.sink = sink
        self.webSocketPath = webSocketPath
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { armDeadline(context: context) }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed after a WebSocket upgrade: the WebSocket has its own liveness checks.
        deadline?.cancel()
        deadline = nil
    }

    private func armDeadline(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = context.eventLoop.scheduleTask(in: requestTimeout) { [weak self] in
            self?.logger.debug("closing a gateway connection that sent no complete request in time")
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            bodyBytes = 0
            body = []
        case let .body(chunk):
            bodyBytes += chunk.readableBytes
            if head?.method == .POST, bodyBytes <= Self.maxBodyBytes { body.append(contentsOf: chunk.readableBytesView) }
            if bodyBytes > Self.maxBodyBytes, !refused {
                refused = true
                respond(context: context, GatewayResponse(status: 413, contentType: "text/plain; charset=utf-8",
                                                          body: Array("request body too large\n".utf8)),
                        method: head?.method ?? .GET, keepAlive: false)
            }
        case .end:
            guard let head, !refused else { return }
            self.head = nil
            deadline?.cancel()
            if head.method == .POST {
                let posted = body
                body = []
                // The sink answers when its write is done, off the loop; the answer comes back to the loop here.
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let loop = context.eventLoop
                sink.httpPost(path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: posted,
                              remote: context.channel.remoteAddress?.hostAndPort ?? "unknown") { response in
                    loop.execute { bound.value.0.respond(context: bound.value.1, response, method: .POST, keepAlive: head.isKeepAlive) }
                }
                return
            }
            let response: GatewayResponse
            if head.uri == webSocketPath || head.uri.hasPrefix(webSocketPath + "?") {
                response = GatewayResponse(status: 400, contentType: "text/plain; charset=utf-8",
                                           body: Array("a WebSocket upgrade is required here\n".utf8))
            } else {
                response = sink.httpRequest(method: head.method.rawValue, path: head.uri,
                                            headers: head.headers.map { ($0.name, $0.value) },
                                            remote: context.channel.remoteAddress?.hostAndPort ?? "unknown")
            }
            respond(context: context, response, method: head.method, keepAlive: head.isKeepAlive)
        }
    }

    private func respond(context: ChannelHandlerContext, _ response: GatewayResponse, method: HTTPMethod, keepAlive: Bool) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Type", value: response.contentType)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        SecurityHeaders.apply(to: &headers)
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if method != .HEAD, !response.body.isEmpty {
            var body = context.channel.allocator.buffer(capacity: response.body.count)
            body.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if keepAlive {
            armDeadline(context: context)
        } else {
            done.futureResult.whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A WebSocket upgrade the gateway refuses is no broken connection: the
        // request comes on as an ordinary one and is answered (400 on /ws).
        if error is NIOWebSocketUpgradeError { return }
        // TLS and parse errors are already answered (alert, 400) by the handlers before us.
        logger.debug("gateway connection error: \(error)")
        context.close(promise: nil)
    }
}
