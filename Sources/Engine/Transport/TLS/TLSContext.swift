import COpenSSL
import Foundation

/// A failure of the TLS layer, with OpenSSL's own reason where it has one.
public struct TLSError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// `what`, followed by whatever OpenSSL left in this thread's error queue.
    static func openSSL(_ what: String) -> TLSError {
        let reason = OpenSSLErrors.drain()
        return TLSError(reason.isEmpty ? what : "\(what): \(reason)")
    }
}

enum OpenSSLErrors {
    /// Empties OpenSSL's thread-local error queue into one line. The queue must be
    /// empty before each SSL call, or SSL_get_error reads someone else's failure.
    static func drain() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            parts.append(String(cString: buf))
        }
        return parts.joined(separator: "; ")
    }
}

/// An OpenSSL `SSL_CTX` configured for TLS 1.3 only. One context is shared by
/// every connection of a server (SSL_CTX is safe to use from several threads
/// once configured); each connection gets its own `SSL` from `makeSSL()`.
public final class TLSContext: @unchecked Sendable {
    public enum Role: Sendable { case server, client }

    let ctx: OpaquePointer
    public let role: Role
    /// Client contexts only: whether the peer's certificate is checked at all.
    public let verifiesPeer: Bool

    private init(role: Role, verifiesPeer: Bool) throws {
        ERR_clear_error()
        let method = role == .server ? TLS_server_method() : TLS_client_method()
        guard let ctx = SSL_CTX_new(method) else { throw TLSError.openSSL("cannot create an SSL context") }
        self.ctx = ctx
        self.role = role
        self.verifiesPeer = verifiesPeer
        // The design card says TLS 1.3 and nothing older: pin both ends of the range.
        guard cb_ssl_ctx_set_min_proto_version(ctx, cb_tls1_3_version()) == 1,
              cb_ssl_ctx_set_max_proto_version(ctx, cb_tls1_3_version()) == 1 else {
            throw TLSError.openSSL("cannot restrict the context to TLS 1.3")
        }
        SSL_CTX_set_options(ctx, cb_ssl_op_no_renegotiation())
        _ = cb_ssl_ctx_set_mode(ctx, cb_ssl_mode_release_buffers())
    }

    deinit { SSL_CTX_free(ctx) }

    /// A server context presenting the certificate chain and private key in the
    /// given PEM files.
    public static func server(certificate certificatePath: String, key keyPath: String) throws -> TLSContext {
        let context = try TLSContext(role: .server, verifiesPeer: false)
        let ctx = context.ctx
        guard SSL_CTX_use_certificate_chain_file(ctx, certificatePath) == 1 else {
            throw TLSError.openSSL("cannot load the certificate \(certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.openSSL("cannot load the private key \(keyPath)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError.openSSL("the private key \(keyPath) does not match the certificate \(certificatePath)")
        }
        // Customers reconnect rarely and briefly; resumption tickets buy nothing
        // here and only add state.
        _ = SSL_CTX_set_num_tickets(ctx, 0)
        _ = cb_ssl_ctx_set_session_cache_mode(ctx, 0)
        return context
    }

    /// A client context that trusts exactly the certificates in `trusting` (a PEM
    /// file: a CA, or the server's own self-signed certificate). The host name or
    /// IP address is checked per connection (`OpenSSLHandler` mode `.client`).
    /// `insecureSkipVerify` turns all checks off; it exists for tests only.
    public static func client(trusting caPath: String?, insecureSkipVerify: Bool = false) throws -> TLSContext {
        let context = try TLSContext(role: .client, verifiesPeer: !insecureSkipVerify)
        let ctx = context.ctx
        if insecureSkipVerify {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        } else {
            guard let caPath else { throw TLSError("a client context needs a trusted certificate file") }
            guard SSL_CTX_load_verify_locations(ctx, caPath, nil) == 1 else {
                throw TLSError.openSSL("cannot load the trusted certificate \(caPath)")
            }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        }
        return context
    }

    /// A fresh connection state. `serverName` (client role) is the name or IP
    /// address the certificate must match; a name is also sent as SNI.
    func makeSSL(serverName: String?) throws -> OpaquePointer {
        ERR_clear_error()
        guard let ssl = SSL_new(ctx) else { throw TLSError.openSSL("cannot create an SSL connection") }
        if role == .client, let serverName, !serverName.isEmpty {
            let isIP = Self.isIPAddress(serverName)
            if !isIP { _ = cb_ssl_set_tlsext_host_name(ssl, serverName) }
            if verifiesPeer {
                let ok: Int32
                if isIP {
                    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
                } else {
                    ok = SSL_set1_host(ssl, serverName)
                }
                guard ok == 1 else {
                    SSL_free(ssl)
                    throw TLSError.openSSL("cannot set the expected peer name \(serverName)")
                }
            }
        }
        return ssl
    }

    static func isIPAddress(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}
