import NIOCore
import NIOSSL

/// A mail server's reply: its code and the text of each line.
public struct SMTPReply: Equatable, Sendable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]
    public var isPositive: Bool { (200 ..< 400).contains(code) }
    public var isTemporary: Bool { (400 ..< 500).contains(code) }
    /// The first line as an operator reads it: "250 2.0.0 Ok: queued as 4F3A", cut short.
    public var description: String {
        let text = lines.first.map { $0.isEmpty ? "" : " \($0)" } ?? ""
        return String("\(code)\(text)".prefix(160))
    }
}

/// What went wrong talking to the mail server.
public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// The server said no (`stage` is the command it refused): 4xx may pass, 5xx will not.
    case refused(stage: String, SMTPReply)
    /// The server sent what no mail server may send (a line too long, too many lines, not a reply at all).
    case hostile(String)
    case closed(String)
    case timedOut(String)
    /// The server offers no STARTTLS and is not on this machine: the link is not sent in clear over a network.
    case noStartTLS(String)
    case connect(String)
    /// STARTTLS was agreed but the handshake failed: most often a certificate the engine does not trust.
    case tls(String)

    public var description: String {
        switch self {
        case let .refused(stage, reply): "the mail server refused \(stage): \(reply)"
        case let .hostile(s): "the mail server broke the protocol: \(s)"
        case let .closed(s): "the mail server closed the connection \(s)"
        case let .timedOut(s): "the mail server did not answer \(s) in time"
        case let .noStartTLS(host): "the mail server \(host) offers no STARTTLS; the link is not sent in clear over a network"
        case let .connect(s): "could not reach the mail server: \(s)"
        case let .tls(s): "TLS with the mail server failed (is its certificate trusted? --smtp-ca-file names a private CA): \(s)"
        }
    }

    /// Sending again would not help: a 5xx, or a server that will not encrypt.
    public var isPermanent: Bool {
        switch self {
        case let .refused(_, reply): reply.code >= 500
        case .noStartTLS: true
        case .hostile, .closed, .timedOut, .connect, .tls: false
        }
    }
}

/// Reads a mail server's replies off the connection: CRLF (or LF) lines,
/// multi-line replies joined by `NNN-`, the last line `NNN `. It is bounded:
/// a line longer than `maxLineBytes` or a reply of more than `maxLines` lines
/// ends the conversation with a clear error, however the server goes on.
/// Touched only on its channel's event loop (hence unchecked).
final class SMTPReplyReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    /// RFC 5321 allows 512 bytes a reply line; some servers say more in an EHLO line.
    static let maxLineBytes = 2048
    static let maxLines = 100
    /// Replies received and not yet asked for: a server talks when spoken to, so a few at most.
    static let maxUnasked = 8

    private var partial: [UInt8] = []
    private var lines: [String] = []
    private var code: Int?
    private var ready: [SMTPReply] = []
    private var waiter: EventLoopPromise<SMTPReply>?
    private var waiterTimeout: Scheduled<Void>?
    private var failure: SMTPError?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard failure == nil else { return }
        var buffer = unwrapInboundIn(data)
        partial += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let end = partial.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(partial[..<end])
            partial.removeSubrange(...end)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard line.count <= Self.maxLineBytes else { return fail(.hostile("a reply line of \(line.count) bytes (at most \(Self.maxLineBytes))")) }
            take(line)
            if failure != nil { return }
        }
        if partial.count > Self.maxLineBytes {
            fail(.hostile("a reply line longer than \(Self.maxLineBytes) bytes"))
        }
    }

    private func take(_ line: [UInt8]) {
        guard line.count >= 3, let n = Int(String(decoding: line.prefix(3), as: UTF8.self)), (200 ... 599).contains(n),
              line.count == 3 || line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-") else {
            return fail(.hostile("\"\(String(decoding: line.prefix(40), as: UTF8.self))\" is not a reply line"))
        }
        if let code, code != n { return fail(.hostile("a reply that changes its code from \(code) to \(n) midway")) }
        code = n
        let text = String(decoding: line.dropFirst(4), as: UTF8.self)
        lines.append(String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control })))
        guard lines.count <= Self.maxLines else { return fail(.hostile("a reply of more than \(Self.maxLines) lines")) }
        if line.count == 3 || line[3] == UInt8(ascii: " ") {
            let reply = SMTPReply(code: n, lines: lines)
            lines = []
            self.code = nil
            if let waiter { settleWaiter(); waiter.succeed(reply); return }
            ready.append(reply)
            if ready.count > Self.maxUnasked { fail(.hostile("more than \(Self.maxUnasked) replies nobody asked for")) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed(waiter == nil ? "" : "before it answered"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError { return fail(.tls(String(describing: error))) }
        fail(.closed("(\(error))"))
    }

    private func fail(_ error: SMTPError) {
        guard failure == nil else { return }
        failure = error
        if let waiter { settleWaiter(); waiter.fail(error) }
        context?.close(promise: nil)
    }

    private func settleWaiter() {
        waiter = nil
        waiterTimeout?.cancel()
        waiterTimeout = nil
    }

    /// The next reply, or the conversation's failure; `stage` names what is awaited, for the timeout's message.
    func next(on loop: EventLoop, within timeout: TimeAmount, stage: String) -> EventLoopFuture<SMTPReply> {
        loop.preconditionInEventLoop()
        if !ready.isEmpty { return loop.makeSucceededFuture(ready.removeFirst()) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiter = promise
        waiterTimeout = loop.scheduleTask(in: timeout) { [weak self] in self?.fail(.timedOut(stage)) }
        return promise.futureResult
    }

    /// Bytes received and not yet taken as a reply: after the server's go-ahead
    /// for STARTTLS there must be none, or they would be read as if encrypted.
    var hasUnreadInput: Bool { !partial.isEmpty || !lines.isEmpty || !ready.isEmpty }
}
