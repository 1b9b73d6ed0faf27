import Foundation
import Logging
import NIOCore
import NIOPosix

/// A failure of a transport (server start-up, a client connection), in words
/// for the person at the terminal. `code` is set when the engine refused us
/// with an `error` reply.
public struct TransportError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var code: WireErrorCode?
    public init(_ message: String, code: WireErrorCode? = nil) { self.message = message; self.code = code }
    public var description: String { message }
}

/// The engine's local channel: a Unix domain socket for consoles on this host.
/// File permissions (0600) decide who may connect at all; the peer's uid from
/// SO_PEERCRED names the agent (`PeerIdentity.local`). Frames are
/// length-prefixed; an oversized one gets a `too-large` error reply and the
/// connection stays up.
public final class LocalChannelServer: @unchecked Sendable {
    private let logger: Logger
    private let ids: ConnectionIDs
    private let children = ChannelRegistry()
    private var serverChannel: Channel?
    private var path: String?
    /// Counts the consoles' frames for the metrics; set before `start`.
    public var traffic: TrafficMeter?

    public init(ids: ConnectionIDs = .shared, logger: Logger = Logger(label: "cobrowse.local")) {
        self.ids = ids
        self.logger = logger
    }

    /// Binds `path`. A socket file left by a dead engine is replaced; a live
    /// engine on the same path, or a path that is not a socket, is an error.
    /// `accessGroup`: agents on a shared workstation reach the socket through a team
    /// group (mode 0660); without it only the engine's own user may connect (0600).
    /// Either way the engine knows each agent by the peer uid, never by a claim.
    public func start(path: String, sink: ConnectionSink, group: EventLoopGroup, accessGroup: UInt32? = nil) throws {
        try Self.clearStaleSocket(at: path)
        let ids = self.ids, children = self.children, logger = self.logger, traffic = self.traffic
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: SlowReaderGuard.waterMark)
            .childChannelInitializer { channel in
                children.add(channel)
                return Self.peerCredentials(of: channel).flatMap { credentials in
                    channel.eventLoop.makeCompletedFuture {
                        try Self.addPeerHandlers(to: channel, peer: .local(uid: Int(credentials.uid), pid: Int(credentials.pid)),
                                                 sink: sink, ids: ids, logger: logger, traffic: traffic)
                    }
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).wait()
        } catch {
            throw TransportError("cannot listen on \(path): \(error)")
        }
        // bind() created the file with the umask's mode; only the owner (and the team group, if any) may connect.
        let mode: mode_t = accessGroup == nil ? 0o600 : 0o660
        if let gid = accessGroup, chown(path, uid_t.max, gid_t(gid)) != 0 {
            channel.close(promise: nil)
            throw TransportError("cannot give \(path) to group \(gid): \(String(cString: strerror(errno)))")
        }
        guard chmod(path, mode) == 0 else {
            channel.close(promise: nil)
            throw TransportError("cannot restrict \(path) to mode \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
        serverChannel = channel
        self.path = path
        logger.info("local channel listening on \(path)")
    }

    /// One console connection's handlers: length-prefixed frames to the sink,
    /// payloads from the engine framed the same way. Public so the fuzzers can
    /// drive them over an `EmbeddedChannel`. Call it on the channel's event loop.
    public static func addPeerHandlers(to channel: Channel, peer: PeerIdentity, sink: ConnectionSink, ids: ConnectionIDs,
                                       logger: Logger, traffic: TrafficMeter? = nil) throws {
        // A console that stops reading is dropped for, not queued for without end (see ChannelPeer).
        let connection = ChannelPeer(connectionID: ids.next(), peer: peer, channel: channel, dropsWhenBehind: true, traffic: traffic)
        try channel.pipeline.syncOperations.addHandlers([
            LengthPrefixFrameHandler(),
            LocalPeerHandler(peer: connection, sink: sink, logger: logger),
        ])
    }

    /// Stops listening, closes open connections and removes the socket file.
    public func stop() {
        guard let channel = serverChannel else { return }
        serverChannel = nil
        waitBounded(channel.close(), timeout: .seconds(5))
        children.closeAll()
        if let path { unlink(path) }
        path = nil
    }

    // MARK: - Helpers

    /// Removes a socket file nobody listens on; refuses to touch a live socket
    /// or a file that is not a socket.
    static func clearStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return } // nothing there
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw TransportError("\(path) exists and is not a socket; not replacing it")
        }
        switch probe(path) {
        case .listening:
            throw TransportError("an engine is already running on \(path)")
        case .refused:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw TransportError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    enum ProbeResult { case listening, refused }

    /// Tries to connect to a Unix socket path: succeeding means a live engine.
    static func probe(_ path: String) -> ProbeResult {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .refused }
        defer { close(fd) }
        guard var address = unixAddress(path) else { return .refused }
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return r == 0 ? .listening : .refused
    }

    static func unixAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Linux `struct ucred` (pid, uid, gid); Glibc does not export it to Swift.
    struct PeerCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// SO_PEERCRED of an accepted Unix socket: who is at the other end, as the
    /// kernel saw them at connect time (not spoofable by the client).
    static func peerCredentials(of channel: Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(TransportError("the channel has no socket to read SO_PEERCRED from"))
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    }
}

/// Frames from a console → the sink; an oversized frame → a `too-large` reply.
final class LocalPeerHandler: ChannelDuplexHandler {
    typealias InboundIn = LengthPrefixFramer.Output
    typealias OutboundIn = [UInt8]
    typealias OutboundOut = [UInt8]

    private let peer: ChannelPeer
    private let sink: ConnectionSink
    private let logger: Logger
    private var opened = false

    init(peer: ChannelPeer, sink: ConnectionSink, logger: Logger) {
        self.peer = peer
        self.sink = sink
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        opened = true
        sink.connectionOpened(peer)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if opened { sink.connectionClosed(peer) }
        opened = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .frame(payload):
            sink.connection(peer, received: peer.received(payload))
        case let .oversized(length):
            let error = WireError(.tooLarge, "frame of \(length) bytes is over the \(WireProtocol.maxMessageBytes)-byte limit; it was skipped")
            let reply = WireCodec.encode(error.reply)
            // A protocol message like any other, though it does not go through the peer's send.
            peer.traffic?.sent(reply.count)
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            let dropped = peer.takeDropped()
            if dropped > 0 {
                logger.notice("\(peer) reads again after \(dropped) frame(s) were dropped for it")
                sink.connectionCaughtUp(peer, droppedFrames: dropped)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.notice("\(peer): \(error); closing")
        context.close(promise: nil)
    }
}
