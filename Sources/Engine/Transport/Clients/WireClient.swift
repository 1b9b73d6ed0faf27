import Foundation
import Logging
import NIOCore
import NIOPosix

/// The blocking side of a protocol connection, for the CLI, the console and
/// tests: every call here runs on the caller's thread and never on an event
/// loop. Subclasses only know how to connect (`LocalChannelClient`,
/// `CustomerClient`); the pipeline ends in a handler that takes a frame's
/// payload (`[UInt8]`) outbound and feeds decoded frames to the inbox.
public class WireClient: @unchecked Sendable {
    /// The engine's `welcome` from the handshake.
    public let welcome: Welcome
    let channel: Channel
    let inbox: MessageInbox
    private let lock = NSLock()
    private var lastID = 0
    private var sentBytes = 0

    init(channel: Channel, inbox: MessageInbox, welcome: Welcome) {
        self.channel = channel
        self.inbox = inbox
        self.welcome = welcome
    }

    deinit { channel.close(promise: nil) }

    /// Queues a message for the engine (fire and forget).
    public func send(_ message: WireMessage, id: Int?) {
        let bytes = WireCodec.encode(message, id: id)
        lock.lock(); sentBytes += bytes.count; lock.unlock()
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// The same without an id (a separate overload, so protocols such as the
    /// console's `ConsoleLink` can require plain `send(_:)`).
    public func send(_ message: WireMessage) {
        send(message, id: nil)
    }

    /// Queues a frame the caller encoded itself: a load generator builds its
    /// scenes' JSON from cached pieces instead of paying the codec for every
    /// send. The engine checks it like any other frame.
    public func send(encodedFrame bytes: [UInt8]) {
        lock.lock(); sentBytes += bytes.count; lock.unlock()
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// Everything that arrived since the last call, without waiting.
    public func poll() -> [WireMessage] {
        inbox.drain().map(\.message)
    }

    /// The same with the frames' ids, for tools that match replies themselves (`cobrowse wire`).
    public func pollFrames() -> [WireFrame] {
        inbox.drain()
    }

    /// The next message, waiting up to `timeout`; nil on timeout or once closed.
    public func next(timeout: TimeInterval) -> WireMessage? {
        inbox.take(timeout: timeout)?.message
    }

    /// Sends `message` with a fresh id and waits for the frame answering it
    /// (`re` equal to that id), or an `error` frame without `re`. The answer is
    /// returned as it is, an `.error` included; other messages stay queued for
    /// `poll`/`next`. Throws on timeout or when the connection ends first.
    public func request(_ message: WireMessage, timeout: TimeInterval) throws -> WireMessage {
        let id = nextID()
        send(message, id: id)
        let reply = inbox.take(timeout: timeout) { frame in
            if frame.re == id { return true }
            if case .error = frame.message, frame.re == nil { return true }
            return false
        }
        if let reply { return reply.message }
        if let reason = inbox.closedReason { throw TransportError("no reply to \(message.type): \(reason)") }
        throw TransportError("no reply to \(message.type) within \(Self.seconds(timeout))")
    }

    /// Payload bytes sent and received so far: the frames as the codec made
    /// them, without TLS, WebSocket or length-prefix framing (`bench load`
    /// counts what a session costs on the wire with these).
    public var payloadBytesSent: Int {
        lock.lock(); defer { lock.unlock() }
        return sentBytes
    }

    public var payloadBytesReceived: Int { inbox.bytesReceived }

    /// Why the connection ended (nil while it is open).
    public var closedReason: String? { inbox.closedReason }

    /// Sends what is queued and closes. Waits briefly for the close to finish.
    public func close() {
        inbox.finish("closed by this client")
        channel.triggerUserOutboundEvent(GracefulClose(), promise: nil)
        waitBounded(channel.closeFuture, timeout: .seconds(3))
        channel.close(promise: nil)
    }

    private func nextID() -> Int {
        lock.lock(); defer { lock.unlock() }
        lastID += 1
        return lastID
    }

    static func seconds(_ t: TimeInterval) -> String { String(format: "%g s", t) }

    /// Sends `hello` and waits for `welcome`; an `error` reply becomes a
    /// `TransportError` carrying the engine's own words.
    static func handshake(channel: Channel, inbox: MessageInbox, hello: Hello, timeout: TimeInterval,
                          peerName: String) throws -> Welcome {
        channel.writeAndFlush(WireCodec.encode(.hello(hello)), promise: nil)
        let reply = inbox.take(timeout: timeout) { frame in
            switch frame.message {
            case .welcome, .error: return true
            default: return false
            }
        }
        switch reply?.message {
        case let .welcome(welcome)?:
            return welcome
        case let .error(error)?:
            channel.close(promise: nil)
            throw TransportError(error.message, code: error.code)
        default:
            channel.close(promise: nil)
            if let reason = inbox.closedReason { throw TransportError("\(peerName) closed the connection: \(reason)") }
            throw TransportError("\(peerName) did not answer the handshake within \(seconds(timeout))")
        }
    }
}

/// The tail of a client pipeline: decoded frames → inbox; the end of the
/// connection → the inbox's closed reason.
final class ClientInboxHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let inbox: MessageInbox
    private let logger: Logger

    init(inbox: MessageInbox, logger: Logger) {
        self.inbox = inbox
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            let payload = unwrapInboundIn(data)
            inbox.push(try WireCodec.decode(payload), bytes: payload.count)
        } catch {
            // The engine sent something this build cannot read; skip it rather than die.
            logger.warning("unreadable frame from the engine: \(error)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish("the engine closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        inbox.finish("\(error)")
        context.close(promise: nil)
    }
}
