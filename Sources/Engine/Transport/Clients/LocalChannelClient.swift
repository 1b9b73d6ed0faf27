import Foundation
import Logging
import NIOCore
import NIOPosix

/// A console's connection to the engine's Unix socket (blocking API, see `WireClient`).
public final class LocalChannelClient: WireClient, @unchecked Sendable {
    /// Connects, says `hello` and waits for `welcome`. Throws "no engine is
    /// running at PATH" when nothing listens there, or the engine's own error
    /// text when it refuses us (e.g. an unknown uid).
    public static func connect(path: String, hello: Hello, timeout: TimeInterval = 10) throws -> LocalChannelClient {
        let inbox = MessageInbox()
        let logger = Logger(label: "cobrowse.local-client")
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(max(timeout, 0.1) * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        LengthPrefixFrameHandler(),
                        EngineFrameHandler(logger: logger),
                        ClientInboxHandler(inbox: inbox, logger: logger),
                    ])
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.connect(unixDomainSocketPath: path).wait()
        } catch let error as IOError where error.errnoCode == EACCES || error.errnoCode == EPERM {
            throw TransportError("permission denied on \(path): the engine's socket belongs to another user")
        } catch {
            throw TransportError("no engine is running at \(path)")
        }
        let welcome = try handshake(channel: channel, inbox: inbox, hello: hello, timeout: timeout, peerName: "the engine at \(path)")
        return LocalChannelClient(channel: channel, inbox: inbox, welcome: welcome)
    }
}

/// Passes the engine's frames on as payloads. An oversized one (the engine
/// never sends those) is skipped by the framer and only logged.
final class EngineFrameHandler: ChannelInboundHandler {
    typealias InboundIn = LengthPrefixFramer.Output
    typealias InboundOut = [UInt8]

    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .frame(payload):
            context.fireChannelRead(wrapInboundOut(payload))
        case let .oversized(length):
            logger.warning("skipped a \(length)-byte frame from the engine (over the limit)")
        }
    }
}
