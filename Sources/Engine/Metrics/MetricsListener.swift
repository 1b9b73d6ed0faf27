import Dispatch
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin HTTP listener of `serve --metrics`: `GET /metrics` and nothing
/// else, on a loopback address (`MetricsEndpoint`), apart from the customer
/// gateway (no TLS, no customer pages, no rate limits shared with customers).
///
/// A scrape reads the store (the outbox's backlog), so it is rendered on a
/// queue of its own and the answer hops back to the event loop; one scrape at
/// a time, since the gauges are set and then read.
public final class MetricsListener: @unchecked Sendable {
    private let logger: Logger
    private let scrapes = DispatchQueue(label: "cobrowse.metrics.scrape")
    private var channel: Channel?
    /// Longer than Prometheus' longest usual scrape interval (a minute), with room to spare.
    public static let idleLimit = TimeAmount.seconds(120)

    public init(logger: Logger = Logger(label: "cobrowse.metrics")) {
        self.logger = logger
    }

    /// Binds the endpoint and returns the bound port. `render` makes the
    /// exposition text; it runs on the scrape queue, never on an event loop.
    /// A connection that sends nothing for `idleLimit` is closed.
    @discardableResult
    public func start(_ endpoint: MetricsEndpoint, group: EventLoopGroup, idleLimit: TimeAmount = MetricsListener.idleLimit,
                      render: @escaping @Sendable () throws -> String) throws -> Int {
        let scrapes = self.scrapes, logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 16)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // A scraper asks every few seconds; a connection silent for longer than any scrape interval holds a socket for nothing.
                    try sync.addHandler(IdleStateHandler(readTimeout: idleLimit))
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(MetricsHTTPHandler(scrapes: scrapes, render: render, logger: logger))
                }
            }
        let bound: Channel
        do {
            bound = try bootstrap.bind(host: endpoint.host, port: endpoint.port).wait()
        } catch {
            throw TransportError("cannot serve metrics on \(endpoint.host):\(endpoint.port): \(error)")
        }
        channel = bound
        return bound.localAddress?.port ?? endpoint.port
    }

    public func stop() {
        guard let channel else { return }
        self.channel = nil
        waitBounded(channel.close(), timeout: .seconds(5))
    }
}

/// One scraper's connection: answers each request once its end has arrived
/// (a body, which a GET should not have, is read and ignored).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The text format Prometheus reads, by the version it names.
    static let contentType = "text/plain; version=0.0.4"

    private let scrapes: DispatchQueue
    private let render: @Sendable () throws -> String
    private let logger: Logger
    private var head: HTTPRequestHead?
    /// The scraper hung up while its answer was being rendered: nothing to write it to.
    private var removed = false

    init(scrapes: DispatchQueue, render: @escaping @Sendable () throws -> String, logger: Logger) {
        self.scrapes = scrapes
        self.render = render
        self.logger = logger
    }

    func handlerRemoved(context: ChannelHandlerContext) { removed = true }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            answer(h, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard path == "/metrics" else {
            return respond(.notFound, "only /metrics is served here\n", keepAlive: head.isKeepAlive, context: context)
        }
        guard head.method == .GET else {
            return respond(.methodNotAllowed, "/metrics answers GET only\n", headers: [("Allow", "GET")], keepAlive: head.isKeepAlive, context: context)
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let render = self.render, logger = self.logger, keepAlive = head.isKeepAlive
        scrapes.async {
            let status: HTTPResponseStatus, text: String, type: String
            do {
                (status, text, type) = (.ok, try render(), Self.contentType)
            } catch {
                // An honest failure: a gauge left at its last value would say the outbox is fine when it cannot be read.
                logger.error("metrics scrape failed: \(error)")
                (status, text, type) = (.internalServerError, "the engine could not read its figures: \(error)\n", "text/plain; charset=utf-8")
            }
            loop.execute {
                bound.value.handler.respond(status, text, contentType: type, keepAlive: keepAlive, context: bound.value.context)
            }
        }
    }

    private func respond(_ status: HTTPResponseStatus, _ text: String, contentType: String = "text/plain; charset=utf-8",
                         headers extra: [(String, String)] = [], keepAlive: Bool, context: ChannelHandlerContext) {
        guard !removed else { return }
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(text.utf8.count)"),
                                   ("Cache-Control", "no-store")] + extra)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var body = context.channel.allocator.buffer(capacity: text.utf8.count)
        body.writeString(text)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { written.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }
}
