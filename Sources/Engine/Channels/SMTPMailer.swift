import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How the engine reaches its mail server (serve --smtp HOST:PORT --smtp-from ADDR).
public struct SMTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The envelope sender and the From header.
    public var from: String
    /// A CA certificate (PEM) to trust instead of the system's: a relay with a private CA, or a test.
    public var trustedCAFile: String?
    /// How long one reply may take.
    public var replyTimeout: TimeInterval
    /// How long connecting may take.
    public var connectTimeout: TimeInterval

    public init(host: String, port: Int, from: String, trustedCAFile: String? = nil, replyTimeout: TimeInterval = 60, connectTimeout: TimeInterval = 10) throws {
        guard !host.isEmpty, host.utf8.count <= 253, !host.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ContactError("--smtp: \(host) is not a host name")
        }
        guard (1 ... 65535).contains(port) else { throw ContactError("--smtp: port \(port) is not 1...65535") }
        do { self.from = try ContactRules.email(from) } catch let e as ContactError { throw ContactError("--smtp-from: \(e.message)") }
        self.host = host; self.port = port; self.trustedCAFile = trustedCAFile
        self.replyTimeout = replyTimeout; self.connectTimeout = connectTimeout
        if let trustedCAFile, !FileManager.default.isReadableFile(atPath: trustedCAFile) {
            throw ContactError("--smtp-ca-file: cannot read \(trustedCAFile)")
        }
    }

    /// Plain SMTP (no STARTTLS) is accepted to this machine only: a relay on localhost, or a test.
    public var isLoopback: Bool { LoopbackHost.contains(host) }
}

/// The one rule for "this machine" in an address.
enum LoopbackHost {
    static func contains(_ host: String) -> Bool {
        let h = host.lowercased()
        return ["localhost", "::1", "[::1]"].contains(h) || h.hasPrefix("127.")
    }
}

/// Sends one mail per connection: EHLO, STARTTLS when offered (required off
/// this machine), MAIL FROM, RCPT TO, DATA, QUIT. It runs on NIO's event
/// loops and waits for each reply without blocking one: the caller awaits.
public final class SMTPMailer: Sendable {
    public let configuration: SMTPConfiguration
    private let group: EventLoopGroup
    private let tls: NIOSSLContext

    public init(configuration: SMTPConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        self.group = group
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // The server's certificate is checked against the trusted roots and the host name, as any mail client would.
        tls.certificateVerification = .fullVerification
        if let ca = configuration.trustedCAFile { tls.trustRoots = .file(ca) }
        do { self.tls = try NIOSSLContext(configuration: tls) } catch {
            throw ContactError("--smtp-ca-file: \(error)")
        }
    }

    /// Sends the message; returns the server's answer to the end of DATA (250 …).
    public func send(_ message: MailMessage) async throws -> SMTPReply {
        let c = configuration
        let reader = SMTPReplyReader()
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(c.connectTimeout * 1000)))
                .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(reader) } }
                .connect(host: c.host, port: c.port).get()
        } catch {
            throw SMTPError.connect("\(c.host):\(c.port): \(error)")
        }
        let talk = SMTPConversation(channel: channel, reader: reader, timeout: .milliseconds(Int64(c.replyTimeout * 1000)))
        do {
            let reply = try await converse(talk, message)
            await talk.quit()
            return reply
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private func converse(_ talk: SMTPConversation, _ message: MailMessage) async throws -> SMTPReply {
        let c = configuration
        try await talk.expect("the greeting", 220)
        var extensions = try await talk.hello(Self.heloName)
        if extensions.contains("STARTTLS") {
            try await talk.command("STARTTLS", expect: 220)
            try await talk.startTLS(context: tls, serverHostname: Self.isAddressLiteral(c.host) ? nil : c.host)
            extensions = try await talk.hello(Self.heloName)
        } else if !c.isLoopback {
            throw SMTPError.noStartTLS(c.host)
        }
        let eightBit = extensions.contains("8BITMIME")
        let text = try message.rendered(eightBit: eightBit)
        try await talk.command("MAIL FROM:<\(try ContactRules.email(message.from))>\(eightBit ? " BODY=8BITMIME" : "")", expect: 250)
        try await talk.command("RCPT TO:<\(try ContactRules.email(message.to))>", expect: 250, 251)
        try await talk.command("DATA", expect: 354)
        return try await talk.data(MailText.dotStuffed(text))
    }

    /// The name the engine gives in EHLO: the machine's, where it is a plain host name.
    static var heloName: String {
        let name = ProcessInfo.processInfo.hostName
        let plain = !name.isEmpty && name.utf8.count <= 253 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return plain ? name : "localhost"
    }

    static func isAddressLiteral(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}

/// One connection's commands and replies, in order.
final class SMTPConversation: @unchecked Sendable {
    let channel: Channel
    let reader: SMTPReplyReader
    let timeout: TimeAmount

    init(channel: Channel, reader: SMTPReplyReader, timeout: TimeAmount) {
        self.channel = channel; self.reader = reader; self.timeout = timeout
    }

    func reply(_ stage: String, within: TimeAmount? = nil) async throws -> SMTPReply {
        let (reader, timeout, loop) = (self.reader, within ?? self.timeout, channel.eventLoop)
        return try await loop.flatSubmit { reader.next(on: loop, within: timeout, stage: stage) }.get()
    }

    @discardableResult
    func expect(_ stage: String, _ codes: Int...) async throws -> SMTPReply {
        let r = try await reply(stage)
        guard codes.contains(r.code) else { throw SMTPError.refused(stage: stage, r) }
        return r
    }

    func write(_ text: String) async throws {
        do { try await channel.writeAndFlush(ByteBuffer(string: text)).get() } catch {
            // The reader knows why the connection went (a failed TLS handshake, a hostile reply): that reason beats "closed".
            _ = try await reply("the end of the connection")
            throw SMTPError.closed("while the engine was writing (\(error))")
        }
    }

    @discardableResult
    func command(_ line: String, expect codes: Int...) async throws -> SMTPReply {
        try await write(line + "\r\n")
        // The stage names the command only: an address is not repeated into a log line.
        let stage = String(line.prefix { $0 != ":" && $0 != " " })
        let r = try await reply(stage)
        guard codes.contains(r.code) else { throw SMTPError.refused(stage: stage, r) }
        return r
    }

    /// EHLO; returns the extensions the server offers (their keywords, upper case).
    func hello(_ name: String) async throws -> Set<String> {
        let r = try await command("EHLO \(name)", expect: 250)
        return Set(r.lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } })
    }

    /// Puts TLS under the conversation. Anything the server sent after its go-ahead is refused: it was sent in clear and would be read as if it came through TLS.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let (reader, channel) = (self.reader, self.channel)
        try await channel.eventLoop.submit {
            guard !reader.hasUnreadInput else { throw SMTPError.hostile("it sent more after agreeing to STARTTLS") }
            do {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            } catch {
                throw SMTPError.tls(String(describing: error))
            }
        }.get()
    }

    func data(_ stuffed: String) async throws -> SMTPReply {
        try await write(stuffed)
        return try await expect("the message", 250)
    }

    /// Says goodbye; the mail is sent whatever the server answers now.
    func quit() async {
        do {
            try await write("QUIT\r\n")
            // The mail is the server's already: a server slow to say goodbye does not hold up the next row.
            _ = try await reply("QUIT", within: .seconds(5))
        } catch {
            // Delivered already (250 after DATA): a goodbye that fails changes nothing for the row.
        }
        do { try await channel.close() } catch {
            // Closed by the server after its 221, as servers do.
        }
    }
}
