import Engine
import NIOCore
import NIOEmbedded

/// The console socket. Input: a mode byte, then either the raw byte stream
/// (even mode) or NUL-separated payloads that are length-prefixed here (odd
/// mode, so the fuzzer's JSON mutations keep a valid framing).
///
/// The stream goes through the socket's real handlers (`LocalChannelServer.
/// addPeerHandlers`: the length-prefix handler, the peer handler) to a sink
/// that decodes each frame with the codec and answers with the re-encoding.
/// The sans-I/O framer must also cut the stream the same way whether it
/// arrives at once or in small pieces.
public enum WireCodecSocketTarget {
    public static func run(_ input: [UInt8]) {
        guard let stream = framedStream(input, frame: LengthPrefixFramer.frame) else { return }
        framerIsChunkingInvariant(stream)

        let channel = EmbeddedChannel()
        do {
            try LocalChannelServer.addPeerHandlers(to: channel, peer: .local(uid: 1000, pid: 4242), sink: RoundTripSink(),
                                                   ids: ConnectionIDs(), logger: quietLogger)
        } catch {
            fatalError("the socket handlers did not install: \(error)")
        }
        channel.activate()
        var buffer = channel.allocator.buffer(capacity: stream.count)
        buffer.writeBytes(stream)
        _ = try? channel.writeInbound(buffer)
        _ = channel.drainOutbound()
        channel.wrapUp()
    }

    /// A small limit, so the fuzzer's short inputs reach the oversized-frame skipping too.
    static func framerIsChunkingInvariant(_ stream: [UInt8]) {
        func outputs(_ chunks: [ArraySlice<UInt8>]) -> [LengthPrefixFramer.Output] {
            var framer = LengthPrefixFramer(limit: 24)
            var out = [LengthPrefixFramer.Output]()
            for chunk in chunks {
                framer.append(chunk)
                while let o = framer.next() { out.append(o) }
            }
            return out
        }
        // Pieces of 1 to 5 bytes, in turn: every header gets split at every offset somewhere.
        var pieces = [ArraySlice<UInt8>](), i = 0
        while i < stream.count {
            let n = min(stream.count - i, pieces.count % 5 + 1)
            pieces.append(stream[i ..< i + n])
            i += n
        }
        let whole = outputs([stream[...]]), piecewise = outputs(pieces)
        precondition(whole == piecewise, "LengthPrefixFramer cuts a stream differently when it arrives in small pieces: \(whole) vs \(piecewise)")
    }
}
