import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The customer-facing HTTPS server: TLS 1.3 through OpenSSL, HTTP/1.1 pages
/// from the sink (with security headers), and the protocol WebSocket on `/ws`.
/// Every connection lives on its own channel, so a slow or broken client
/// only ever holds up itself; handshakes and requests have deadlines.
public final class CustomerGateway: @unchecked Sendable {
    public static let webSocketPath = "/ws"

    private let logger: Logger
    private let ids: ConnectionIDs
    private let children = ChannelRegistry()
    private var serverChannel: Channel?
    /// How long a client may take for the TLS handshake, and for each HTTP request.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    public var requestTimeout: TimeAmount = .seconds(30)
    /// Open connections one address may hold at once; set before `start`.
    public var connectionsPerAddress = GatewayLimits().connectionsPerAddress
    /// Counts the WebSockets' frames for the metrics; set before `start`.
    public var traffic: TrafficMeter?

    public init(ids: ConnectionIDs = .shared, logger: Logger = Logger(label: "cobrowse.gateway")) {
        self.ids = ids
        self.logger = logger
    }

    /// Listens on `host:port` (port 0 picks a free one) and returns the bound port.
    @discardableResult
    public func start(host: String, port: Int, certificate: String, key: String,
                      sink: ConnectionSink, group: EventLoopGroup) throws -> Int {
        let tls = try TLSContext.server(certificate: certificate, key: key)
        let ids = self.ids, children = self.children, logger = self.logger, traffic = self.traffic
        let handshakeTimeout = self.handshakeTimeout, requestTimeout = self.requestTimeout
        let perAddress = ConnectionsPerAddress(limit: connectionsPerAddress)

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: SlowReaderGuard.waterMark)
            .childChannelInitializer { channel in
                let address = channel.remoteAddress?.ipAddress ?? "unknown"
                guard perAddress.admit(address) else {
                    logger.notice("refused a connection from \(address): it already holds \(perAddress.limit)")
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in perAddress.release(address) }
                children.add(channel)
                let remote = channel.remoteAddress?.hostAndPort ?? "unknown"
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(SlowReaderGuard(logger: logger))
                    try sync.addHandler(OpenSSLHandler(context: tls, mode: .server, handshakeTimeout: handshakeTimeout, logger: logger))
                    try Self.addHTTPHandlers(to: channel, remote: remote, sink: sink, ids: ids, requestTimeout: requestTimeout, logger: logger,
                                             traffic: traffic)
                }
            }
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)

        let channel: Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            throw TransportError("cannot listen on \(host):\(port): \(error)")
        }
        serverChannel = channel
        let bound = channel.localAddress?.port ?? port
        logger.info("customer gateway listening on https://\(host):\(bound) (TLS 1.3 only)")
        return bound
    }

    /// RFC 6455 asks for `Connection: Upgrade` beside `Upgrade: websocket`, and
    /// the HTTP parser only stops at the end of a request that has both. NIO's
    /// upgrader would go ahead without the first: a request pipelined behind
    /// such an upgrade reached the WebSocket decoder already parsed as HTTP and
    /// stopped the engine. Without both, the request is an ordinary one (and
    /// `/ws` answers 400).
    static func asksForTheUpgrade(_ head: HTTPRequestHead) -> Bool {
        let connection = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
        let upgrade = head.headers[canonicalForm: "upgrade"].map { $0.lowercased() }
        return connection.contains("upgrade") && upgrade.contains("websocket")
    }

    /// Everything behind TLS on one connection: HTTP/1.1 pages from the sink,
    /// and the protocol WebSocket on `/ws`. Public so the fuzzers can drive the
    /// gateway over an `EmbeddedChannel`, without sockets or TLS. Call it on the
    /// channel's event loop.
    public static func addHTTPHandlers(to channel: Channel, remote: String, sink: ConnectionSink, ids: ConnectionIDs,
                                       requestTimeout: TimeAmount, logger: Logger, traffic: TrafficMeter? = nil) throws {
        let path = webSocketPath
        let http = GatewayHTTPHandler(sink: sink, webSocketPath: path, requestTimeout: requestTimeout, logger: logger)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: WireProtocol.maxMessageBytes,
            automaticErrorHandling: false, // WebSocketPeerHandler answers errors with a protocol reply first
            shouldUpgrade: { channel, head in
                let wanted = (head.uri == path || head.uri.hasPrefix(path + "?")) && asksForTheUpgrade(head)
                return channel.eventLoop.makeSucceededFuture(wanted ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                let peer = ChannelPeer(connectionID: ids.next(), peer: .customer(remote: remote), channel: channel, traffic: traffic)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketPeerHandler(peer: peer, sink: sink, logger: logger))
                }
            })
        // The HTTP handler steps aside once the connection is a WebSocket.
        let httpOnLoop = NIOLoopBound(http, eventLoop: channel.eventLoop)
        let sync = channel.pipeline.syncOperations
        try sync.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(httpOnLoop.value, promise: nil)
            }),
            withErrorHandling: true) // unparsable requests get 400 and are closed
        try sync.addHandler(httpOnLoop.value)
    }

    /// The same as `start(host:port:certificate:key:sink:group:)`.
    @discardableResult
    public func start(host: String, port: Int, certificatePath: String, keyPath: String,
                      sink: ConnectionSink, group: EventLoopGroup) throws -> Int {
        try start(host: host, port: port, certificate: certificatePath, key: keyPath, sink: sink, group: group)
    }

    /// Stops listening and closes every open connection (bounded wait).
    public func stop() {
        guard let channel = serverChannel else { return }
        serverChannel = nil
        waitBounded(channel.close(), timeout: .seconds(5))
        children.closeAll()
    }
}
