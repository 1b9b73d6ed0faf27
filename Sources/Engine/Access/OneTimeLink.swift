import Foundation

/// The customer's one-time link token. 256 random bits from OpenSSL (RAND_bytes); the
/// engine hands the token out once and stores only its SHA-256.
public enum OneTimeLink {
    public static let tokenBytes = 32

    public static func mint() -> (token: String, hash: String) {
        let token = base64URL(SecureRandom.bytes(tokenBytes)) // RAND_bytes
        return (token, hash(token: token))
    }

    /// What the store keeps and looks links up by.
    public static func hash(token: String) -> String { Digest.sha256Hex(token) }

    /// base64url without padding (RFC 4648 §5): safe in a URL path as is.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token as it may appear in a request: exactly the base64url alphabet and
    /// length we mint, so junk is refused before it reaches the store.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { c in
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
        }
    }
}
