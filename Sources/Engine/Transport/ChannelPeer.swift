import Foundation
import NIOCore

/// Numbers connections for the whole process, so ids from the local channel
/// and the gateway never collide in the hub.
public final class ConnectionIDs: @unchecked Sendable {
    public static let shared = ConnectionIDs()
    private let lock = NSLock()
    private var last = 0

    public init() {}

    public func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        last += 1
        return last
    }
}

/// Asks the last handler of a connection's pipeline to send what is queued and
/// then close (a WebSocket adds its close frame). `PeerConnection.close()`.
struct GracefulClose: Sendable {}

/// A `PeerConnection` over a NIO channel whose pipeline takes one frame's
/// payload (`[UInt8]`) at its tail and adds the transport's own framing.
final class ChannelPeer: PeerConnection, CustomStringConvertible, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    let channel: Channel
    /// A console that stops reading is not queued for without end: once the
    /// channel's high-water mark is reached, frames are dropped (counted) and
    /// the sink is told when the console reads again, so it can send the
    /// current state instead of the backlog (as tmux does for a slow client).
    let dropsWhenBehind: Bool
    /// Counts this transport's frames for the metrics; nil counts nothing.
    let traffic: TrafficMeter?
    private let lock = NSLock()
    private var dropped = 0

    init(connectionID: Int, peer: PeerIdentity, channel: Channel, dropsWhenBehind: Bool = false, traffic: TrafficMeter? = nil) {
        self.connectionID = connectionID
        self.peer = peer
        self.channel = channel
        self.dropsWhenBehind = dropsWhenBehind
        self.traffic = traffic
    }

    /// Thread-safe: NIO hops to the channel's event loop and keeps the order
    /// of writes made from one thread.
    func send(_ payload: [UInt8]) {
        if dropsWhenBehind, !channel.isWritable {
            lock.lock(); dropped += 1; lock.unlock()
            return
        }
        traffic?.sent(payload.count)
        channel.writeAndFlush(payload, promise: nil)
    }

    /// How many frames were dropped since the last call (the channel is writable again).
    func takeDropped() -> Int {
        lock.lock(); defer { lock.unlock() }
        let n = dropped
        dropped = 0
        return n
    }

    func close() {
        channel.triggerUserOutboundEvent(GracefulClose(), promise: nil)
    }

    /// Stops reading from the socket (the peer's TCP window fills) until `resumeReading`.
    func pauseReading() { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }

    func resumeReading() {
        channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { [channel] in channel.read() }
    }

    /// One frame's payload came in and goes to the sink.
    func received(_ payload: [UInt8]) -> [UInt8] {
        traffic?.received(payload.count)
        return payload
    }

    var description: String { "connection \(connectionID) (\(peer))" }
}

/// The children of a server channel, so `stop()` can close connections that
/// are still open (closing a listening socket leaves its accepted ones alone).
final class ChannelRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: Channel] = [:]

    func add(_ channel: Channel) {
        let key = ObjectIdentifier(channel)
        lock.lock(); channels[key] = channel; lock.unlock()
        channel.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            self.lock.lock(); self.channels[key] = nil; self.lock.unlock()
        }
    }

    /// Closes every registered channel and waits (bounded) until they are closed.
    func closeAll(timeout: TimeAmount = .seconds(5)) {
        lock.lock(); let all = Array(channels.values); lock.unlock()
        guard let first = all.first else { return }
        let futures = all.map { channel -> EventLoopFuture<Void> in
            channel.close(promise: nil)
            return channel.closeFuture
        }
        let done = EventLoopFuture.andAllComplete(futures, on: first.eventLoop)
        waitBounded(done, timeout: timeout)
    }
}

/// Waits for a future from a thread outside the event loops, giving up after
/// `timeout` (a stuck peer must not hang `stop()`).
func waitBounded<T>(_ future: EventLoopFuture<T>, timeout: TimeAmount) {
    let semaphore = DispatchSemaphore(value: 0)
    future.whenComplete { _ in semaphore.signal() }
    _ = semaphore.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds)))
}

extension SocketAddress {
    /// "203.0.113.7:51234" or "[::1]:51234", for logs and `PeerIdentity.customer`.
    var hostAndPort: String {
        let ip = ipAddress ?? "?"
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return port.map { "\(host):\($0)" } ?? host
    }
}
