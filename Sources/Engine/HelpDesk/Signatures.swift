import COpenSSL
import Foundation

/// HMAC-SHA256 through OpenSSL (the one libcrypto the engine links).
public enum HMACSHA256 {
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &length)
            }
        }
        // HMAC only fails when libcrypto itself is broken; no signature is better than a wrong one.
        precondition(ok != nil && length == 32, "OpenSSL HMAC-SHA256 failed")
        return Array(out.prefix(32))
    }

    /// Compares in time that depends on the length only, so a forger learns nothing from how long a refusal took.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// The engine's own webhook signature, both ways: `X-Cobrowse-Signature:
/// sha256=<hex HMAC-SHA256 of timestamp + "." + body>` with the Unix time
/// in `X-Cobrowse-Timestamp`.
public enum WebhookSignature {
    public static func header(secret: String, timestamp: String, body: [UInt8]) -> String {
        "sha256=" + Digest.hex(HMACSHA256.mac(key: Array(secret.utf8), message: Array((timestamp + ".").utf8) + body))
    }

    public static func isValid(secret: String, timestamp: String, signature: String, body: [UInt8]) -> Bool {
        HMACSHA256.equal(Array(header(secret: secret, timestamp: timestamp, body: body).utf8), Array(signature.utf8))
    }
}

/// Zendesk's webhook signing: `X-Zendesk-Webhook-Signature` is the base64
/// HMAC-SHA256 of `X-Zendesk-Webhook-Signature-Timestamp` + body.
public enum ZendeskSignature {
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        Data(HMACSHA256.mac(key: Array(secret.utf8), message: Array(timestamp.utf8) + body)).base64EncodedString()
    }

    public static func isValid(secret: String, timestamp: String, signature given: String, body: [UInt8]) -> Bool {
        HMACSHA256.equal(Array(signature(secret: secret, timestamp: timestamp, body: body).utf8), Array(given.utf8))
    }
}
