import Logging
import NIOCore

/// Closes a connection whose peer stops reading. What the engine sends to a
/// peer waits in the channel's outbound buffer; NIO marks the channel
/// unwritable above the high-water mark, and if it stays that way for
/// `patience`, the peer is too far behind to catch up: dropping it (the
/// customer reconnects and gets a full scene) beats holding memory for it.
final class SlowReaderGuard: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    /// Set on accepted channels so "unwritable" means "this much is queued".
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 1 << 20, high: 8 << 20)

    private let patience: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(patience: TimeAmount = .seconds(15), logger: Logger) {
        self.patience = patience
        self.logger = logger
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            timer?.cancel()
            timer = nil
        } else if timer == nil {
            let remote = context.channel.remoteAddress?.hostAndPort ?? "a local peer"
            timer = context.eventLoop.scheduleTask(in: patience) { [logger] in
                logger.notice("\(remote) has not read its data for too long; closing")
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }
}
