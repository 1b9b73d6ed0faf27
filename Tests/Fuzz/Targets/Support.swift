import Engine
import Foundation
import Logging
import NIOCore
import NIOEmbedded

/// A logger that drops everything: the handlers log refusals at info level,
/// which would bury the fuzzer's own output.
let quietLogger = Logger(label: "cobrowse.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

/// Splits on NUL bytes (which no JSON text contains outside a string escape).
func parts(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
    bytes.split(separator: 0, omittingEmptySubsequences: false)
}

/// Decodes one frame payload the way the hub does. What decoded is encoded
/// again, and the engine must be able to read its own encoding: a console
/// would otherwise refuse what the engine relays. Returns what to answer.
enum WireRoundTrip {
    static func reply(to payload: [UInt8]) -> [UInt8] {
        let frame: WireFrame
        do {
            frame = try WireCodec.decode(payload)
        } catch let error as WireError {
            return WireCodec.encode(error.reply)
        } catch {
            fatalError("WireCodec.decode threw \(type(of: error)), not a WireError: \(error)")
        }
        let encoded = WireCodec.encode(frame)
        do {
            _ = try WireCodec.decode(encoded)
        } catch {
            fatalError("the codec refuses its own encoding of a \(frame.message.type) frame: \(error)")
        }
        return encoded
    }
}

/// Stands in for the hub on the socket and the WebSocket: every payload
/// goes through `WireRoundTrip`, and the answer goes back out through the
/// transport's own framing.
final class RoundTripSink: ConnectionSink, @unchecked Sendable {
    func connectionOpened(_ connection: PeerConnection) {}
    func connection(_ connection: PeerConnection, received payload: [UInt8]) {
        connection.send(WireRoundTrip.reply(to: payload))
    }
    func connectionClosed(_ connection: PeerConnection) {}
    func httpRequest(method: String, path: String, headers: [(String, String)], remote: String) -> GatewayResponse {
        .html(404, "<p>not here</p>")
    }
}

extension EmbeddedChannel {
    /// Marks the channel connected, as an accepted socket is.
    func activate() {
        do {
            try connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        } catch {
            fatalError("an EmbeddedChannel did not connect: \(error)")
        }
    }

    /// Everything written to the peer so far, as bytes.
    func drainOutbound() -> [UInt8] {
        var out = [UInt8]()
        while let item = try? readOutbound(as: Any.self) {
            if let buffer = item as? ByteBuffer {
                out += buffer.readableBytesView
            } else if let io = item as? IOData, case let .byteBuffer(buffer) = io {
                out += buffer.readableBytesView
            }
        }
        return out
    }

    /// Runs what is due, lets every timer fire (request deadlines, WebSocket
    /// pings and close timers), and closes the channel.
    func wrapUp() {
        embeddedEventLoop.run()
        embeddedEventLoop.advanceTime(by: .seconds(61))
        _ = drainOutbound()
        _ = try? finish(acceptAlreadyClosed: true)
        // Closing queues the pipeline's teardown on the loop; run it, or every input leaks its channel.
        embeddedEventLoop.run()
    }
}

/// The fuzz input's first byte picks how the rest is read: as the raw byte
/// stream (even), or cut into parts that are each framed by `frame` (odd).
func framedStream(_ input: [UInt8], frame: ([UInt8]) -> [UInt8]) -> [UInt8]? {
    guard let mode = input.first else { return nil }
    return mode & 1 == 0 ? Array(input.dropFirst()) : parts(input.dropFirst()).flatMap { frame(Array($0)) }
}

/// An active in-memory channel with the gateway's handlers behind TLS, as a customer's connection has them.
func gatewayChannel(sink: ConnectionSink, ids: ConnectionIDs) -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    do {
        try CustomerGateway.addHTTPHandlers(to: channel, remote: "203.0.113.7:51234", sink: sink, ids: ids,
                                            requestTimeout: .seconds(30), logger: quietLogger)
    } catch {
        fatalError("the gateway handlers did not install: \(error)")
    }
    channel.activate()
    return channel
}
