import COpenSSL
import Foundation

/// The gateway's own certificate when none is configured: a self-signed EC
/// P-256 certificate for localhost, 127.0.0.1 and ::1, valid for a year,
/// created with the OpenSSL C API on first run and reused afterwards.
public enum TLSIdentity {
    public struct Paths: Equatable, Sendable {
        public var certificatePath: String
        public var keyPath: String
    }

    public static let validityDays = 365

    /// `DIR/tls/cert.pem` and `DIR/tls/key.pem` (mode 0600), created if either is missing.
    public static func loadOrCreate(directory: String) throws -> Paths {
        let dir = (directory as NSString).appendingPathComponent("tls")
        let paths = Paths(certificatePath: (dir as NSString).appendingPathComponent("cert.pem"),
                          keyPath: (dir as NSString).appendingPathComponent("key.pem"))
        let fm = FileManager.default
        if fm.fileExists(atPath: paths.certificatePath), fm.fileExists(atPath: paths.keyPath) { return paths }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (certPEM, keyPEM) = try generateSelfSigned(commonName: "cobrowse engine (localhost)")
        // The key is written first and never readable by anyone else, not even briefly.
        try writeFile(paths.keyPath, keyPEM, mode: 0o600)
        // The certificate is public, but it lives in the engine's private data directory like
        // everything else there: clients get it over TLS, and a local customer runs as this user.
        try writeFile(paths.certificatePath, certPEM, mode: 0o600)
        return paths
    }

    /// PEM text of a fresh certificate and its private key.
    static func generateSelfSigned(commonName: String) throws -> (certificate: [UInt8], key: [UInt8]) {
        ERR_clear_error()
        guard let key = cb_ec_p256_keygen() else { throw TLSError.openSSL("cannot generate an EC P-256 key") }
        defer { EVP_PKEY_free(key) }
        guard let cert = X509_new() else { throw TLSError.openSSL("cannot allocate a certificate") }
        defer { X509_free(cert) }

        guard X509_set_version(cert, 2) == 1 else { throw TLSError.openSSL("cannot set the certificate version") } // v3
        try setRandomSerial(cert)
        guard X509_gmtime_adj(X509_getm_notBefore(cert), -300) != nil, // tolerate small clock skew
              X509_gmtime_adj(X509_getm_notAfter(cert), Int(validityDays) * 86_400) != nil else {
            throw TLSError.openSSL("cannot set the validity period")
        }
        guard X509_set_pubkey(cert, key) == 1 else { throw TLSError.openSSL("cannot set the public key") }
        let name = X509_get_subject_name(cert)
        for (field, value) in [("O", "cobrowse"), ("CN", commonName)] {
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, value, -1, -1, 0) == 1 else {
                throw TLSError.openSSL("cannot set the subject \(field)")
            }
        }
        guard X509_set_issuer_name(cert, name) == 1 else { throw TLSError.openSSL("cannot set the issuer") }

        // A leaf, not a CA (browsers refuse CA certificates as server certificates);
        // no keyUsage, so OpenSSL still accepts it as its own trust anchor.
        try addExtension(cert, NID_basic_constraints, "critical,CA:FALSE")
        try addExtension(cert, NID_ext_key_usage, "serverAuth")
        try addExtension(cert, NID_subject_key_identifier, "hash")
        try addExtension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1")

        guard X509_sign(cert, key, EVP_sha256()) > 0 else { throw TLSError.openSSL("cannot sign the certificate") }

        let certPEM = try pem { PEM_write_bio_X509($0, cert) }
        let keyPEM = try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (certPEM, keyPEM)
    }

    private static func setRandomSerial(_ cert: OpaquePointer) throws {
        guard let bn = BN_new() else { throw TLSError.openSSL("cannot allocate a serial number") }
        defer { BN_free(bn) }
        // 127 random bits: positive and unique enough that clients never see two
        // different certificates with the same issuer and serial.
        guard BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nil else {
            throw TLSError.openSSL("cannot set a serial number")
        }
    }

    private static func addExtension(_ cert: OpaquePointer, _ nid: Int32, _ value: String) throws {
        var ctx = X509V3_CTX()
        cb_x509v3_set_ctx_nodb(&ctx)
        X509V3_set_ctx(&ctx, cert, cert, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &ctx, nid, value) else {
            throw TLSError.openSSL("cannot build the extension \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(cert, ext, -1) == 1 else { throw TLSError.openSSL("cannot add the extension \(value)") }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.openSSL("cannot allocate a BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.openSSL("cannot write PEM") }
        let n = Int(cb_bio_pending(bio))
        var out = [UInt8](repeating: 0, count: n)
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(n)) }
        guard read == Int32(n) else { throw TLSError.openSSL("cannot read PEM") }
        return out
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TLSError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        // open() applied the umask; make the mode exactly what was asked.
        fchmod(fd, mode)
    }
}
