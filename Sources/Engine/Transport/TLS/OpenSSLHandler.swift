import COpenSSL
import Logging
import NIOCore

/// Fired inbound once the TLS handshake is done; handlers after the TLS
/// handler may start talking then (writes before it are buffered anyway).
public enum TLSUserEvent: Equatable, Sendable {
    case handshakeCompleted
}

/// Drives one OpenSSL `SSL*` through a pair of memory BIOs, so NIO owns the
/// socket and OpenSSL only ever sees bytes: ciphertext from the channel goes
/// into `readBIO`, plaintext comes out of `SSL_read`; plaintext written by the
/// pipeline goes through `SSL_write`, and whatever lands in `writeBIO` is sent.
///
/// Errors (a handshake failure, a bad record, a timeout) close the connection
/// with a logged reason and are fired as `errorCaught(TLSError)` first, so a
/// client can tell its user why.
public final class OpenSSLHandler: ChannelDuplexHandler, @unchecked Sendable {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    public enum Mode: Sendable {
        case server
        /// `serverName` is the host name or IP address the server's certificate must match.
        case client(serverName: String?)
    }

    private enum State { case idle, handshaking, open, closing, closed }

    private let context: TLSContext
    private let mode: Mode
    private let handshakeTimeout: TimeAmount
    private let logger: Logger
    private var state = State.idle
    private var ssl: OpaquePointer?
    private var readBIO: OpaquePointer?
    private var writeBIO: OpaquePointer?
    /// Plaintext written before the handshake finished.
    private var bufferedWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    /// Promises of plaintext already encrypted into `writeBIO`, completed when
    /// the ciphertext that carries it is written to the socket.
    private var encryptedPromises: [EventLoopPromise<Void>] = []
    private var timeoutTask: Scheduled<Void>?
    private var peerDescription = "?"

    public init(context: TLSContext, mode: Mode, handshakeTimeout: TimeAmount = .seconds(10),
                logger: Logger = Logger(label: "cobrowse.tls")) {
        self.context = context
        self.mode = mode
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        let serverName: String?
        if case let .client(name) = mode { serverName = name } else { serverName = nil }
        do {
            let ssl = try self.context.makeSSL(serverName: serverName)
            guard let r = cb_bio_new_mem(), let w = cb_bio_new_mem() else {
                SSL_free(ssl)
                throw TLSError.openSSL("cannot create memory BIOs")
            }
            SSL_set_bio(ssl, r, w) // the SSL owns both BIOs from here on
            if case .server = mode { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
            self.ssl = ssl; readBIO = r; writeBIO = w
        } catch {
            fail(context: context, reason: "\(error)")
            return
        }
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timeoutTask?.cancel()
        failPendingWrites(ChannelError.ioOnClosedChannel)
        if let ssl { SSL_free(ssl) }
        ssl = nil; readBIO = nil; writeBIO = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timeoutTask?.cancel()
        if state == .handshaking || state == .idle {
            logger.info("TLS connection from \(peerDescription) closed during the handshake")
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle, ssl != nil else { return }
        state = .handshaking
        peerDescription = context.channel.remoteAddress?.hostAndPort ?? "?"
        timeoutTask = context.eventLoop.scheduleTask(in: handshakeTimeout) { [weak self] in
            guard let self, self.state == .handshaking else { return }
            self.fail(context: context, reason: "TLS handshake timed out")
        }
        // The client speaks first (ClientHello); the server waits for it.
        if case .client = mode { advance(context: context) }
    }

    // MARK: - Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard state == .handshaking || state == .open, let readBIO else { return }
        let ok = buffer.withUnsafeReadableBytes { bytes -> Bool in
            bytes.isEmpty || BIO_write(readBIO, bytes.baseAddress, Int32(bytes.count)) == Int32(bytes.count)
        }
        guard ok else { return fail(context: context, reason: "cannot buffer incoming TLS data") }
        advance(context: context)
    }

    /// Moves the handshake forward, then hands every complete record's
    /// plaintext down the pipeline, then sends what OpenSSL wants to send.
    private func advance(context: ChannelHandlerContext) {
        if state == .handshaking {
            guard let ssl else { return }
            ERR_clear_error()
            let r = SSL_do_handshake(ssl)
            if r != 1 {
                let err = SSL_get_error(ssl, r)
                if err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE {
                    flushCiphertext(context: context)
                } else {
                    fail(context: context, reason: handshakeFailureReason(err))
                }
                return
            }
            state = .open
            timeoutTask?.cancel()
            flushCiphertext(context: context)
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted)
            let writes = bufferedWrites
            bufferedWrites = []
            for (buffer, promise) in writes { encrypt(context: context, buffer, promise: promise) }
            flushCiphertext(context: context)
        }
        readPlaintext(context: context)
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        while state == .open, let ssl {
            ERR_clear_error()
            var result: Int32 = 0
            var buffer = context.channel.allocator.buffer(capacity: 16 * 1024)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { out in
                result = SSL_read(ssl, out.baseAddress, Int32(out.count))
                return max(Int(result), 0)
            }
            if result > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                flushCiphertext(context: context) // e.g. an answer to a key update
                return
            case SSL_ERROR_ZERO_RETURN:
                // The peer sent close_notify: answer it and close our side too.
                shutdownAndClose(context: context, promise: nil)
                return
            default:
                fail(context: context, reason: "TLS error: \(OpenSSLErrors.drain())")
                return
            }
        }
    }

    private func handshakeFailureReason(_ err: Int32) -> String {
        var reason = OpenSSLErrors.drain()
        if case .client = mode, let ssl {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
                reason = "certificate verify failed: \(String(cString: text))"
            }
        }
        if reason.isEmpty { reason = err == SSL_ERROR_SYSCALL ? "connection reset" : "SSL error \(err)" }
        return "TLS handshake with \(peerDescription) failed: \(reason)"
    }

    // MARK: - Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            bufferedWrites.append((buffer, promise))
        case .open:
            encrypt(context: context, buffer, promise: promise)
        case .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        // Before the handshake is done the buffered writes are flushed by `advance`.
        if state == .open || state == .closing { flushCiphertext(context: context) }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else { return context.close(mode: mode, promise: promise) }
        switch state {
        case .open:
            shutdownAndClose(context: context, promise: promise)
        case .idle, .handshaking:
            state = .closed
            timeoutTask?.cancel()
            failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: mode, promise: promise)
        case .closing, .closed:
            context.close(mode: mode, promise: promise)
        }
    }

    private func encrypt(context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let ssl else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        ERR_clear_error()
        // A memory BIO grows as needed, so SSL_write takes the whole buffer at once.
        let ok = buffer.withUnsafeReadableBytes { bytes -> Bool in
            bytes.isEmpty || SSL_write(ssl, bytes.baseAddress, Int32(bytes.count)) == Int32(bytes.count)
        }
        guard ok else {
            let reason = OpenSSLErrors.drain()
            promise?.fail(TLSError("TLS write failed: \(reason)"))
            fail(context: context, reason: "TLS write failed: \(reason)")
            return
        }
        if let promise { encryptedPromises.append(promise) }
    }

    /// Sends everything OpenSSL has produced, completing the promises of the
    /// plaintext it carries.
    private func flushCiphertext(context: ChannelHandlerContext) {
        guard let writeBIO else { return }
        let promises = encryptedPromises
        encryptedPromises = []
        let pending = Int(cb_bio_pending(writeBIO))
        guard pending > 0 else {
            promises.forEach { $0.succeed(()) }
            return
        }
        var out = context.channel.allocator.buffer(capacity: pending)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(BIO_read(writeBIO, bytes.baseAddress, Int32(pending)), 0))
        }
        var promise: EventLoopPromise<Void>?
        if !promises.isEmpty {
            let p = context.eventLoop.makePromise(of: Void.self)
            p.futureResult.whenComplete { result in promises.forEach { $0.completeWith(result) } }
            promise = p
        }
        context.writeAndFlush(wrapOutboundOut(out), promise: promise)
    }

    private func shutdownAndClose(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        state = .closing
        if let ssl {
            ERR_clear_error()
            _ = SSL_shutdown(ssl) // queues our close_notify; we do not wait for the peer's
            _ = OpenSSLErrors.drain()
        }
        flushCiphertext(context: context)
        state = .closed
        context.close(mode: .all, promise: promise)
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        guard state != .closed else { return }
        logger.notice("\(reason)")
        let wasOpen = state == .open || state == .handshaking
        state = .closed
        timeoutTask?.cancel()
        // Send any alert OpenSSL queued (e.g. protocol_version for a TLS 1.2 client).
        if wasOpen { flushCiphertext(context: context) }
        failPendingWrites(TLSError(reason))
        context.fireErrorCaught(TLSError(reason))
        context.close(mode: .all, promise: nil)
    }

    private func failPendingWrites(_ error: Error) {
        let writes = bufferedWrites
        let promises = encryptedPromises
        bufferedWrites = []
        encryptedPromises = []
        writes.forEach { $0.1?.fail(error) }
        promises.forEach { $0.fail(error) }
    }
}
