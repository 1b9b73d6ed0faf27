import NIOCore

/// Byte stream ⇄ frame payloads for the Unix socket, using the codec's
/// sans-I/O `LengthPrefixFramer` (4-byte big-endian length, then the payload).
/// Oversized frames are skipped by the framer and reported as `.oversized`,
/// so the stream stays in step and the connection can stay up.
final class LengthPrefixFrameHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = LengthPrefixFramer.Output
    typealias OutboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer

    private var framer: LengthPrefixFramer

    init(limit: Int = WireProtocol.maxMessageBytes) {
        framer = LengthPrefixFramer(limit: limit)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        framer.append(buffer.readableBytesView)
        while context.channel.isActive, let output = framer.next() {
            context.fireChannelRead(wrapInboundOut(output))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: 4 + payload.count)
        buffer.writeInteger(UInt32(truncatingIfNeeded: payload.count), endianness: .big)
        buffer.writeBytes(payload)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is GracefulClose else { return context.triggerUserOutboundEvent(event, promise: promise) }
        // Writes complete in order: once this empty one is done, everything queued before it is sent.
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
        flushed.futureResult.whenComplete { _ in context.close(promise: promise) }
    }
}
