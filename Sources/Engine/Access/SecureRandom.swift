import COpenSSL

/// Random bytes from OpenSSL's CSPRNG, for tokens, keys and ids.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        // Without a working CSPRNG there is no safe secret to hand out: stop rather than return a guessable one.
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return out
    }
}
