import COpenSSL
import Foundation

/// SHA-256 through OpenSSL's EVP interface (the one libcrypto the design card
/// names), for link hashes and the audit chain.
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, EVP_sha256(), nil)
        }
        // EVP_Digest only fails when libcrypto itself is broken; no hash is better than a wrong one.
        precondition(ok == 1 && length == 32, "OpenSSL SHA-256 failed")
        return Array(out.prefix(32))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(sha256(bytes)) }
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
