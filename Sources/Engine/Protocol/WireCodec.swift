import Foundation

public enum WireProtocol {
    /// The protocol version this build speaks (docs/protocol.md).
    public static let version = 1
    /// Hard limit for one encoded message, on the socket and the WebSocket alike.
    public static let maxMessageBytes = 1 << 20
    /// Before the handshake only `hello` is read, and a hello is small.
    public static let maxHelloBytes = 16 * 1024
}

/// One message on the wire with its correlation ids: `id` names a request,
/// `re` names the request a reply (or an error) answers.
public struct WireFrame: Equatable, Sendable {
    public var message: WireMessage
    public var id: Int?
    public var re: Int?
    public init(_ message: WireMessage, id: Int? = nil, re: Int? = nil) { self.message = message; self.id = id; self.re = re }
}

/// Why a message was refused. Carried back to the peer as an `error` reply.
public struct WireError: Error, Equatable, CustomStringConvertible {
    public var code: WireErrorCode
    public var message: String
    /// The id of the offending request, when it could be read.
    public var re: Int?
    public init(_ code: WireErrorCode, _ message: String, re: Int? = nil) { self.code = code; self.message = message; self.re = re }
    public var description: String { "\(code.rawValue): \(message)" }
    public var reply: WireFrame { WireFrame(.error(ErrorReply(code: code, message: message)), re: re) }
}

/// The one codec for the Unix socket and the WebSocket: JSON frames, bounded,
/// versioned, validated. It never throws anything but `WireError`.
public enum WireCodec {
    public static func encode(_ frame: WireFrame) -> [UInt8] {
        SceneWire.encode(frame) ?? codableEncode(frame)
    }

    /// Every message through `JSONEncoder`: what `SceneWire` must match byte for byte.
    @_spi(CodecCheck)
    public static func codableEncode(_ frame: WireFrame) -> [UInt8] {
        // Encoding our own typed values cannot fail; a failure would be a programming error.
        let data = try! encoder.encode(Envelope(frame: frame))
        return Array(data)
    }

    public static func encode(_ message: WireMessage, id: Int? = nil, re: Int? = nil) -> [UInt8] {
        encode(WireFrame(message, id: id, re: re))
    }

    public static func decode<C: Collection>(_ bytes: C) throws -> WireFrame where C.Element == UInt8 {
        guard bytes.count <= WireProtocol.maxMessageBytes else {
            throw WireError(.tooLarge, "message of \(bytes.count) bytes is over the \(WireProtocol.maxMessageBytes)-byte limit")
        }
        let quick: WireFrame?? = bytes.withContiguousStorageIfAvailable { SceneWire.decode(UnsafeRawBufferPointer($0)) }
        if let frame = quick ?? Array(bytes).withUnsafeBytes(SceneWire.decode) { return frame }
        return try codableDecode(Data(bytes))
    }

    /// Every message through `JSONDecoder`, which decides whatever `SceneWire` leaves to it.
    @_spi(CodecCheck)
    public static func codableDecode(_ data: Data) throws -> WireFrame {
        guard data.count <= WireProtocol.maxMessageBytes else {
            throw WireError(.tooLarge, "message of \(data.count) bytes is over the \(WireProtocol.maxMessageBytes)-byte limit")
        }
        let head: Head
        do {
            head = try decoder.decode(Head.self, from: data)
        } catch {
            throw WireError(.malformed, "not a protocol frame: expected a JSON object with \"v\" and \"type\"")
        }
        guard head.v == WireProtocol.version else {
            throw WireError(.unsupportedVersion, "protocol version \(head.v) is not supported; this engine speaks \(WireProtocol.version)", re: head.id)
        }
        guard let kind = MessageKind(rawValue: head.type) else {
            throw WireError(.unknownType, "unknown message type \"\(head.type.prefix(40))\"", re: head.id)
        }
        let message: WireMessage
        do {
            message = try kind.decode(data)
        } catch let e as SceneError {
            throw WireError(.invalid, e.description, re: head.id)
        } catch let e as WireError {
            // A body's own check says what is wrong in its own words.
            throw WireError(e.code, e.message, re: head.id)
        } catch let e as DecodingError {
            throw WireError(.malformed, "\(head.type): \(describe(e))", re: head.id)
        } catch {
            throw WireError(.malformed, "\(head.type): \(error)", re: head.id)
        }
        return WireFrame(message, id: head.id, re: head.re)
    }

    /// Both ways of reading one frame, for the fuzzer that holds the short way
    /// to `JSONDecoder`'s answers: the short way's frame (nil where it leaves
    /// the frame to `JSONDecoder`), and `JSONDecoder`'s frame or refusal.
    @_spi(CodecCheck)
    public static func decodeBothWays(_ bytes: [UInt8]) -> (quick: WireFrame?, codable: Result<WireFrame, WireError>) {
        let quick = bytes.count <= WireProtocol.maxMessageBytes ? bytes.withUnsafeBytes(SceneWire.decode) : nil
        do { return (quick, .success(try codableDecode(Data(bytes)))) } catch {
            return (quick, .failure(error as? WireError ?? WireError(.internalError, "\(error)")))
        }
    }

    /// Both ways of writing one frame: the short way's bytes (nil for a message it does not write) and `JSONEncoder`'s.
    @_spi(CodecCheck)
    public static func encodeBothWays(_ frame: WireFrame) -> (quick: [UInt8]?, codable: [UInt8]) {
        (SceneWire.encode(frame), codableEncode(frame))
    }

    /// What a connection may send before its handshake: a `hello` and nothing
    /// else. Nothing but the frame's head is decoded for any other type, and a
    /// frame larger than a hello needs is not parsed at all.
    public static func decodeHello<C: Collection>(_ bytes: C) throws -> WireFrame where C.Element == UInt8 {
        guard bytes.count <= WireProtocol.maxHelloBytes else {
            throw WireError(.handshakeRequired, "send hello first (a hello is at most \(WireProtocol.maxHelloBytes) bytes)")
        }
        let data = Data(bytes)
        let head: Head
        do { head = try decoder.decode(Head.self, from: data) } catch {
            throw WireError(.malformed, "not a protocol frame: expected a JSON object with \"v\" and \"type\"")
        }
        guard head.type == MessageKind.hello.rawValue else { throw WireError(.handshakeRequired, "send hello first", re: head.id) }
        return try codableDecode(data)
    }

    // MARK: - Internals

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }()

    struct Head: Decodable {
        var v: Int
        var type: String
        var id: Int?
        var re: Int?
    }

    struct Body<T: Decodable>: Decodable { var body: T }

    struct Envelope: Encodable {
        let frame: WireFrame
        enum Keys: String, CodingKey { case v, type, id, re, body }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            let (kind, body) = frame.message.parts
            try c.encode(WireProtocol.version, forKey: .v)
            try c.encode(kind.rawValue, forKey: .type)
            try c.encodeIfPresent(frame.id, forKey: .id)
            try c.encodeIfPresent(frame.re, forKey: .re)
            try (body ?? Empty()).encode(to: c.superEncoder(forKey: .body))
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ p: [CodingKey]) -> String { p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .keyNotFound(k, ctx): return "missing field \(path(ctx.codingPath + [k]))"
        case let .typeMismatch(_, ctx): return "wrong type at \(path(ctx.codingPath))"
        case let .valueNotFound(_, ctx): return "null at \(path(ctx.codingPath))"
        case let .dataCorrupted(ctx): return "bad value at \(path(ctx.codingPath)): \(ctx.debugDescription.prefix(80))"
        @unknown default: return "undecodable"
        }
    }
}

/// Sans-I/O framing for byte streams (the Unix socket): a 4-byte big-endian
/// length, then that many bytes of one encoded frame. An oversized frame is
/// skipped whole, so the connection stays in step and can stay up. Bytes are
/// read through an index and the buffer compacted only once most of it is
/// spent, so many small frames in one read cost no shifting per frame.
public struct LengthPrefixFramer {
    public enum Output: Equatable {
        case frame([UInt8])
        case oversized(length: Int)
    }

    private var buffer: [UInt8] = []
    /// Where the unread bytes start.
    private var start = 0
    private var skipping = 0
    public let limit: Int

    public init(limit: Int = WireProtocol.maxMessageBytes) { self.limit = limit }

    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        // A frame being skipped is not kept, however long it is.
        if skipping > 0, start == buffer.count {
            let n = min(skipping, bytes.count)
            skipping -= n
            buffer.append(contentsOf: bytes.dropFirst(n))
            return
        }
        buffer.append(contentsOf: bytes)
    }

    private var unread: Int { buffer.count - start }

    /// The next complete output, or nil until more bytes arrive.
    public mutating func next() -> Output? {
        defer { compactIfWorthIt() }
        if skipping > 0 {
            let n = min(skipping, unread)
            start += n
            skipping -= n
            if skipping > 0 { return nil }
        }
        guard unread >= 4 else { return nil }
        let length = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        if length > limit {
            start += 4
            let n = min(length, unread)
            start += n
            skipping = length - n
            return .oversized(length: length)
        }
        guard unread >= 4 + length else { return nil }
        let payload = Array(buffer[start + 4 ..< start + 4 + length])
        start += 4 + length
        return .frame(payload)
    }

    private mutating func compactIfWorthIt() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * WireProtocol.maxMessageBytes)
            start = 0
        } else if start > 64 * 1024, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
