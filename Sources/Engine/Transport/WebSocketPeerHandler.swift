import Logging
import NIOCore
import NIOWebSocket

/// One customer's WebSocket after the upgrade: each complete text or binary
/// message is one frame payload for the sink; payloads from the engine go out
/// as text frames. Pings are answered, the closing handshake is honoured, and
/// a silent peer is pinged and finally dropped.
///
/// Size limits: a message assembled from fragments that grows past
/// `WireProtocol.maxMessageBytes` gets a `too-large` error reply and the rest
/// of it is skipped (the connection stays up). A single frame over the limit
/// is refused by the frame decoder before it is buffered; the framing cannot
/// be kept after that, so the reply is followed by close code 1009.
final class WebSocketPeerHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = [UInt8]
    typealias OutboundOut = WebSocketFrame

    struct Liveness {
        var pingInterval: TimeAmount = .seconds(20)
        /// Nothing at all received for this long (not even a pong) → closed.
        var silenceLimit: TimeAmount = .seconds(60)
    }

    private let peer: ChannelPeer
    private let sink: ConnectionSink
    private let liveness: Liveness
    private let logger: Logger
    private var opened = false
    private var message: ByteBuffer?
    private var skippingOversized = false
    private var sentClose = false
    private var lastReceived = NIODeadline.now()
    private var pinger: RepeatedTask?
    private var closeTimer: Scheduled<Void>?

    init(peer: ChannelPeer, sink: ConnectionSink, liveness: Liveness = Liveness(), logger: Logger) {
        self.peer = peer
        self.sink = sink
        self.liveness = liveness
        self.logger = logger
    }

    // MARK: - Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        // Added by the upgrader on a channel that is already active.
        if context.channel.isActive { open(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        open(context: context)
        context.fireChannelActive()
    }

    private func open(context: ChannelHandlerContext) {
        guard !opened else { return }
        opened = true
        lastReceived = .now()
        let interval = liveness.pingInterval, limit = liveness.silenceLimit
        pinger = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            guard let self else { return }
            if NIODeadline.now() - self.lastReceived > limit {
                self.logger.info("\(self.peer): silent for too long; closing")
                self.sendClose(context: context, code: .goingAway, reason: "no traffic")
            } else {
                let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
                context.writeAndFlush(self.wrapOutboundOut(ping), promise: nil)
            }
        }
        sink.connectionOpened(peer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pinger?.cancel()
        closeTimer?.cancel()
        if opened { sink.connectionClosed(peer) }
        opened = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pinger?.cancel()
        closeTimer?.cancel()
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastReceived = .now()
        switch frame.opcode {
        case .text, .binary:
            guard message == nil, !skippingOversized else {
                return protocolError(context: context, "a new message started inside a fragmented one")
            }
            message = frame.unmaskedData
            messageFrame(context: context, fin: frame.fin)
        case .continuation:
            guard message != nil || skippingOversized else {
                return protocolError(context: context, "a continuation frame without a message")
            }
            if !skippingOversized {
                var data = frame.unmaskedData
                message!.writeBuffer(&data)
            }
            messageFrame(context: context, fin: frame.fin)
        case .ping:
            guard !sentClose else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            if sentClose {
                context.close(promise: nil)
            } else {
                // Echo the peer's status code, then close (the server closes TCP first).
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                sendClose(context: context, code: code, reason: nil, peerClosed: true)
            }
        default:
            protocolError(context: context, "unknown opcode \(frame.opcode)")
        }
    }

    private func messageFrame(context: ChannelHandlerContext, fin: Bool) {
        if let size = message?.readableBytes, size > WireProtocol.maxMessageBytes {
            message = nil
            skippingOversized = true
            replyTooLarge(context: context, "message of more than \(WireProtocol.maxMessageBytes) bytes; it was skipped")
        }
        guard fin else { return }
        if skippingOversized {
            skippingOversized = false
            return
        }
        guard let payload = message else { return }
        message = nil
        sink.connection(peer, received: peer.received(Array(payload.readableBytesView)))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            // The decoder stopped before buffering the frame, and cannot resume mid-stream.
            replyTooLarge(context: context, "frame over the \(WireProtocol.maxMessageBytes)-byte limit")
            sendClose(context: context, code: .messageTooLarge, reason: "message too large")
        case is ByteToMessageDecoderError:
            break // the rest of a stream the decoder gave up on; we are closing already
        case let error as NIOWebSocketError:
            protocolError(context: context, "\(error)")
        default:
            logger.info("\(peer): \(error); closing")
            context.close(promise: nil)
        }
    }

    private func replyTooLarge(context: ChannelHandlerContext, _ text: String) {
        let reply = WireCodec.encode(WireError(.tooLarge, text).reply)
        // A protocol message like any other, though it does not go through the peer's send.
        peer.traffic?.sent(reply.count)
        var buffer = context.channel.allocator.buffer(capacity: reply.count)
        buffer.writeBytes(reply)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    private func protocolError(context: ChannelHandlerContext, _ reason: String) {
        logger.info("\(peer): WebSocket protocol error: \(reason)")
        message = nil
        skippingOversized = false
        sendClose(context: context, code: .protocolError, reason: nil)
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !sentClose else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let payload = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is GracefulClose else { return context.triggerUserOutboundEvent(event, promise: promise) }
        sendClose(context: context, code: .normalClosure, reason: nil)
        promise?.succeed(())
    }

    /// Sends a close frame after everything queued, then waits a little for the
    /// peer's answer (or its FIN) before closing, so a peer still sending does
    /// not get a reset that could destroy our last replies in its receive queue.
    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String?, peerClosed: Bool = false) {
        guard !sentClose else { return }
        sentClose = true
        var data = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(frame), promise: written)
        if peerClosed {
            written.futureResult.whenComplete { _ in context.close(promise: nil) }
        } else {
            closeTimer = context.eventLoop.scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
    }
}
