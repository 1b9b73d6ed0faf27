import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A customer's connection as the browser SDK makes it: TLS 1.3 (OpenSSL,
/// trusting one certificate file), an HTTP upgrade to a WebSocket, then the
/// protocol handshake. Used by the scripted customer and tests; blocking API,
/// see `WireClient`.
public final class CustomerClient: WireClient, @unchecked Sendable {
    public static func connect(host: String, port: Int, path: String = "/ws", trustedCertificate: String,
                               hello: Hello, timeout: TimeInterval = 10) throws -> CustomerClient {
        let tls = try TLSContext.client(trusting: trustedCertificate)
        let inbox = MessageInbox()
        let upgraded = OneShot<Void>()
        let logger = Logger(label: "cobrowse.customer-client")
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"

        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(max(timeout, 0.1) * 1000)))
            .channelInitializer { channel in
                let requester = UpgradeRequester(path: path, host: hostHeader, outcome: upgraded)
                let requesterOnLoop = NIOLoopBound(requester, eventLoop: channel.eventLoop)
                let upgrader = NIOWebSocketClientUpgrader(
                    maxFrameSize: WireProtocol.maxMessageBytes,
                    automaticErrorHandling: true,
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers([
                                WebSocketClientHandler(inbox: inbox),
                                ClientInboxHandler(inbox: inbox, logger: logger),
                            ])
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(OpenSSLHandler(context: tls, mode: .client(serverName: host), logger: logger))
                    try sync.addHTTPClientHandlers(withClientUpgrade: (upgraders: [upgrader], completionHandler: { context in
                        context.pipeline.syncOperations.removeHandler(requesterOnLoop.value, promise: nil)
                        upgraded.fulfill(.success(()))
                    }))
                    try sync.addHandler(requesterOnLoop.value)
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            throw TransportError("cannot connect to \(host):\(port): \(error)")
        }
        switch upgraded.wait(timeout: timeout) {
        case .success?:
            break
        case let .failure(error)?:
            channel.close(promise: nil)
            throw TransportError("cannot open the WebSocket at \(hostHeader)\(path): \(error)")
        case nil:
            channel.close(promise: nil)
            throw TransportError("the gateway at \(hostHeader) did not open a WebSocket within \(seconds(timeout))")
        }
        let welcome = try handshake(channel: channel, inbox: inbox, hello: hello, timeout: timeout, peerName: "the gateway at \(hostHeader)")
        return CustomerClient(channel: channel, inbox: inbox, welcome: welcome)
    }
}

/// Sends the upgrade request once the channel is up (it waits in the TLS
/// handler until the handshake is done) and reports why an upgrade failed.
final class UpgradeRequester: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let path: String
    private let host: String
    private let outcome: OneShot<Void>

    init(path: String, host: String, outcome: OneShot<Void>) {
        self.path = path
        self.host = host
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only a response that did not switch protocols gets here.
        if case let .head(response) = unwrapInboundIn(data) {
            outcome.fulfill(.failure(TransportError("the gateway answered \(response.status.code) \(response.status.reasonPhrase)")))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        outcome.fulfill(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.fulfill(.failure(TransportError("the connection closed during the upgrade")))
        context.fireChannelInactive()
    }
}

/// Client side of the WebSocket: messages in → payloads for the inbox,
/// payloads out → masked text frames; pings answered; the closing handshake.
final class WebSocketClientHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = [UInt8]
    typealias OutboundIn = [UInt8]
    typealias OutboundOut = WebSocketFrame

    private let inbox: MessageInbox
    private var message: ByteBuffer?
    private var sentClose = false

    init(inbox: MessageInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            message = frame.unmaskedData
            if frame.fin { deliver(context: context) }
        case .continuation:
            var data = frame.unmaskedData
            message?.writeBuffer(&data)
            if frame.fin { deliver(context: context) }
        case .ping:
            send(context: context, opcode: .pong, data: frame.unmaskedData)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode()
            let reason = data.readString(length: data.readableBytes) ?? ""
            inbox.finish("the gateway closed the WebSocket" + (code.map { " (\($0)\(reason.isEmpty ? "" : ": \(reason)"))" } ?? ""))
            if !sentClose {
                sentClose = true
                var echo = context.channel.allocator.buffer(capacity: 2)
                echo.write(webSocketErrorCode: code ?? .normalClosure)
                let done = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(Self.masked(.connectionClose, echo)), promise: done)
                done.futureResult.whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    private func deliver(context: ChannelHandlerContext) {
        guard let payload = message else { return }
        message = nil
        context.fireChannelRead(wrapInboundOut(Array(payload.readableBytesView)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        context.write(wrapOutboundOut(Self.masked(.text, buffer)), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is GracefulClose else { return context.triggerUserOutboundEvent(event, promise: promise) }
        guard !sentClose else {
            promise?.succeed(())
            return
        }
        // The gateway answers our close frame and then closes the TCP connection.
        sentClose = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        context.writeAndFlush(wrapOutboundOut(Self.masked(.connectionClose, data)), promise: promise)
    }

    private func send(context: ChannelHandlerContext, opcode: WebSocketOpcode, data: ByteBuffer) {
        context.writeAndFlush(wrapOutboundOut(Self.masked(opcode, data)), promise: nil)
    }

    /// Clients must mask every frame (RFC 6455 §5.3); the encoder applies the key.
    static func masked(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}
