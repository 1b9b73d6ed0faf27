import Engine
import NIOCore
import NIOEmbedded

/// The customer WebSocket, after the gateway's real `/ws` upgrade (the
/// gateway's handlers from `CustomerGateway.addHTTPHandlers`, no TLS).
/// Input: a mode byte, then either raw WebSocket bytes (even mode) or
/// NUL-separated messages sent here as masked text frames (odd mode). Every
/// complete message goes through the codec and back (`RoundTripSink`).
public enum WireCodecWebSocketTarget {
    static let upgrade = Array("""
        GET /ws HTTP/1.1\r
        Host: 127.0.0.1:8443\r
        Upgrade: websocket\r
        Connection: Upgrade\r
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
        Sec-WebSocket-Version: 13\r
        \r\n
        """.utf8)

    public static func run(_ input: [UInt8]) {
        guard let stream = framedStream(input, frame: { maskedTextFrame($0) }) else { return }
        let channel = gatewayChannel(sink: RoundTripSink(), ids: ConnectionIDs())
        _ = try? channel.writeInbound(channel.allocator.buffer(bytes: upgrade))
        channel.embeddedEventLoop.run()
        let answer = channel.drainOutbound()
        precondition(answer.starts(with: Array("HTTP/1.1 101".utf8)),
                     "the gateway did not upgrade /ws: \(String(decoding: answer.prefix(200), as: UTF8.self))")
        _ = try? channel.writeInbound(channel.allocator.buffer(bytes: stream))
        channel.embeddedEventLoop.run()
        _ = channel.drainOutbound()
        channel.wrapUp()
    }

    /// One client text frame (FIN set, masked as a browser masks it).
    public static func maskedTextFrame(_ payload: [UInt8], opcode: UInt8 = 0x1, fin: Bool = true) -> [UInt8] {
        let key: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        switch payload.count {
        case ..<126: out.append(0x80 | UInt8(payload.count))
        case ..<65_536: out += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default: out.append(0x80 | 127); out += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xff) }
        }
        out += key
        out += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return out
    }
}
