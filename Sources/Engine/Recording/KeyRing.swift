import Foundation

/// Where the master key comes from. The default is a file in the data
/// directory; a KMS implements the same two calls.
public protocol KeySource: AnyObject {
    /// A short name stored in each recording header so a reader knows which key wrapped it.
    var keyID: String { get }
    /// The 32-byte master key (created on first use where the source can).
    func masterKey() throws -> [UInt8]
}

public struct KeyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// DIR/keys/master.key: 32 random bytes, mode 0600, in a 0700 directory,
/// created the first time a recording needs it.
public final class FileKeySource: KeySource {
    public let path: String
    public let keyID = "file:master.key"
    private let lock = NSLock()
    private var cached: [UInt8]?

    public init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent("keys/master.key")
    }

    public func masterKey() throws -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        if let cached { return cached }
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            let dir = (path as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // O_EXCL: if two processes race to create it, one loses and reads the winner's key.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd >= 0 {
                let key = SecureRandom.bytes(AESGCM.keyBytes)
                let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fsync(fd); close(fd)
                guard written == key.count else { throw KeyError("could not write the master key \(path)") }
            } else if errno != EEXIST {
                throw KeyError("could not create the master key \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard let data = fm.contents(atPath: path) else { throw KeyError("cannot read the master key \(path)") }
        guard data.count == AESGCM.keyBytes else { throw KeyError("master key \(path) is \(data.count) bytes, expected 32") }
        if let attrs = try? fm.attributesOfItem(atPath: path), let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw KeyError("master key \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        cached = Array(data)
        return Array(data)
    }
}

/// Wraps and unwraps per-recording data keys with the master key
/// (AES-256-GCM; the AAD binds the recording's header, so a wrapped key
/// moved to another recording does not open).
public struct KeyRing {
    public static let wrappedKeyBytes = AESGCM.nonceBytes + AESGCM.keyBytes + AESGCM.tagBytes
    public let source: KeySource

    public init(source: KeySource) { self.source = source }

    public func newDataKey() -> [UInt8] { SecureRandom.bytes(AESGCM.keyBytes) }

    public func wrap(_ dataKey: [UInt8], boundTo context: [UInt8]) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(AESGCM.nonceBytes)
        return nonce + AESGCM.seal(dataKey, key: try source.masterKey(), nonce: nonce, aad: Self.aad(context))
    }

    public func unwrap(_ wrapped: [UInt8], boundTo context: [UInt8]) throws -> [UInt8] {
        guard wrapped.count == Self.wrappedKeyBytes, wrapped.contains(where: { $0 != 0 }) else {
            throw KeyError("the recording's key has been destroyed")
        }
        let nonce = Array(wrapped.prefix(AESGCM.nonceBytes))
        do {
            return try AESGCM.open(Array(wrapped.dropFirst(AESGCM.nonceBytes)), key: try source.masterKey(), nonce: nonce, aad: Self.aad(context))
        } catch is AESGCM.AuthenticationFailure {
            throw KeyError("the recording's key does not open with this master key (wrong key, or header tampered)")
        }
    }

    private static func aad(_ context: [UInt8]) -> [UInt8] { Array("cobrowse-recording-key-v1".utf8) + context }
}
