import Foundation

/// Screenshots the customer allowed, kept like recordings: the redacted scene
/// sealed with AES-256-GCM under a data key of its own, wrapped by the master
/// key. Nothing is ever written on the agent's side.
///
/// File `DIR/screenshots/SHOT-….cbshot` (0600):
///   "CBSHOT1\n" · header JSON · "\n" · wrapped key (60 bytes) · nonce (12) · ciphertext+tag
/// The header is the AAD of both the wrapped key and the picture, so a file
/// renamed to another session, or a header edited, does not open.
public final class ScreenshotVault: @unchecked Sendable {
    static let magic = Array("CBSHOT1\n".utf8)

    public struct Header: Codable, Equatable, Sendable {
        public var id: String
        public var sessionId: String
        public var takenAtMs: Int64
        public var requestedBy: String
        public var keyId: String
    }

    public let dataDirectory: String
    let keyRing: KeyRing
    let store: SessionStore

    public init(dataDirectory: String, keySource: KeySource, store: SessionStore) {
        self.dataDirectory = dataDirectory
        self.keyRing = KeyRing(source: keySource)
        self.store = store
    }

    /// Seals and files the scene; returns the new screenshot's id.
    @discardableResult
    public func save(_ scene: Scene, sessionId: String, requestedBy: String, at: Date) throws -> ScreenshotRecord {
        let id = "SHOT-" + Digest.hex(SecureRandom.bytes(8))
        let header = Header(id: id, sessionId: sessionId, takenAtMs: AuditChain.milliseconds(at), requestedBy: requestedBy, keyId: keyRing.source.keyID)
        let headerJSON = try Self.encoder.encode(header)
        let dataKey = keyRing.newDataKey()
        let wrapped = try keyRing.wrap(dataKey, boundTo: Array(headerJSON))
        let nonce = SecureRandom.bytes(AESGCM.nonceBytes)
        let sealed = AESGCM.seal(Array(try Self.encoder.encode(scene)), key: dataKey, nonce: nonce, aad: Array(headerJSON))
        let dir = (dataDirectory as NSString).appendingPathComponent("screenshots")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let relative = "screenshots/\(id).cbshot"
        let path = (dataDirectory as NSString).appendingPathComponent(relative)
        let bytes = Self.magic + Array(headerJSON) + [0x0a] + wrapped + nonce + sealed
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw KeyError("could not write \(relative) (disk full or not writable?)")
        }
        let record = ScreenshotRecord(id: id, sessionId: sessionId, takenAt: at, requestedBy: requestedBy, path: relative)
        do { try store.addScreenshot(record) } catch {
            unlink(path)
            throw error
        }
        return record
    }

    /// Opens a stored screenshot (for the session's agent, managers and audits).
    public func open(_ record: ScreenshotRecord) throws -> (header: Header, scene: Scene) {
        let path = (dataDirectory as NSString).appendingPathComponent(record.path)
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError("screenshot \(record.id) is missing") }
        let bytes = Array(data)
        guard bytes.starts(with: Self.magic), let nl = bytes[Self.magic.count...].firstIndex(of: 0x0a) else {
            throw KeyError("screenshot \(record.id) is not a cobrowse screenshot file")
        }
        let headerJSON = Array(bytes[Self.magic.count..<nl])
        let header = try JSONDecoder().decode(Header.self, from: Data(headerJSON))
        guard header.id == record.id, header.sessionId == record.sessionId else { throw KeyError("screenshot \(record.id) belongs to another session") }
        var rest = Array(bytes[(nl + 1)...])
        guard rest.count > KeyRing.wrappedKeyBytes + AESGCM.nonceBytes + AESGCM.tagBytes else { throw KeyError("screenshot \(record.id) is truncated") }
        let wrapped = Array(rest.prefix(KeyRing.wrappedKeyBytes))
        rest.removeFirst(KeyRing.wrappedKeyBytes)
        let nonce = Array(rest.prefix(AESGCM.nonceBytes))
        rest.removeFirst(AESGCM.nonceBytes)
        let key = try keyRing.unwrap(wrapped, boundTo: headerJSON)
        do {
            let plain = try AESGCM.open(rest, key: key, nonce: nonce, aad: headerJSON)
            return (header, try JSONDecoder().decode(Scene.self, from: Data(plain)))
        } catch is AESGCM.AuthenticationFailure {
            throw KeyError("screenshot \(record.id) does not authenticate (tampered or corrupted)")
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}
