import CZlib

/// zlib (RFC 1950) through the system's libz. Recording chunks are
/// compressed before encryption (docs/recording-format.md, v2): a demo
/// session's events shrink to about a fifth.
public enum SystemZlib {
    /// zlib-wrapped deflate at `level` (0-9); nil if zlib fails.
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var capacity = uLongf(compressBound(uLong(input.count)))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in compress2(o.baseAddress, &capacity, i.baseAddress, uLong(i.count), level) }
        }
        guard rc == Z_OK else { return nil }
        out.removeSubrange(Int(capacity)...)
        return out
    }

    /// Inflates data that must come out at exactly `length` bytes; nil for
    /// anything else (corrupt stream, wrong length).
    public static func decompress(_ input: [UInt8], length: Int) -> [UInt8]? {
        guard length >= 0 else { return nil }
        // One spare byte: a stream that inflates to more than `length` must not pass.
        var produced = uLongf(length + 1)
        var out = [UInt8](repeating: 0, count: length + 1)
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in uncompress(o.baseAddress, &produced, i.baseAddress, uLong(i.count)) }
        }
        guard rc == Z_OK, produced == uLongf(length) else { return nil }
        out.removeLast()
        return out
    }
}
