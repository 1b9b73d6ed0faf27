import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import XCTest
@testable import Engine

final class TransportGatewayTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var dir: TransportTempDir!
    var gateway: CustomerGateway!
    var sink: TransportEchoSink!
    var identity: TLSIdentity.Paths!
    var port = 0

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        dir = try TransportTempDir()
        identity = try TLSIdentity.loadOrCreate(directory: dir.path)
        sink = TransportEchoSink()
        gateway = CustomerGateway()
        port = try gateway.start(host: "127.0.0.1", port: 0, certificate: identity.certificatePath,
                                 key: identity.keyPath, sink: sink, group: group)
    }

    override func tearDownWithError() throws {
        gateway.stop()
        try group.syncShutdownGracefully()
        dir.remove()
    }

    private func connect(token: String? = nil) throws -> CustomerClient {
        try CustomerClient.connect(host: "127.0.0.1", port: port, path: "/ws", trustedCertificate: identity.certificatePath,
                                   hello: Hello(client: "test-customer", token: token), timeout: 10)
    }

    // MARK: - WebSocket

    func testCustomerClientRoundTripOverWSS() throws {
        let client = try connect(token: "abc")
        XCTAssertEqual(client.welcome.server, "echo")
        guard case let .customer(remote)? = sink.peers.first else { return XCTFail("no customer peer: \(sink.peers)") }
        XCTAssertTrue(remote.hasPrefix("127.0.0.1:"), remote)

        client.send(.consent(Consent(allow: true)))
        XCTAssertEqual(client.next(timeout: 5), .consent(Consent(allow: true)))
        XCTAssertEqual(try client.request(.ping(Ping(seq: 7)), timeout: 5), .ping(Ping(seq: 7)))
        client.close()
        XCTAssertNotNil(client.closedReason)
        let deadline = Date(timeIntervalSinceNow: 5)
        while sink.closedCount < 1, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(sink.closedCount, 1)
    }

    func testLargeMessageUnderTheLimitArrivesWhole() throws {
        let client = try connect()
        defer { client.close() }
        let note = AddNote(text: String(repeating: "n", count: AddNote.maxLength))
        // Also exercise a large payload well past one TLS record (16 KiB).
        XCTAssertEqual(try client.request(.addNote(note), timeout: 5), .addNote(note))
        let blob = [UInt8](repeating: UInt8(ascii: "y"), count: 300_000)
        try client.channel.writeAndFlush(blob).wait()
        guard case let .error(error)? = client.next(timeout: 10) else { return XCTFail("expected the sink's error reply") }
        XCTAssertEqual(error.code, .malformed) // the sink saw all 300 000 bytes as one message
    }

    func testOversizedWebSocketMessageGetsTooLarge() throws {
        let client = try connect()
        defer { client.close() }
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: WireProtocol.maxMessageBytes + 1)
        client.channel.writeAndFlush(big, promise: nil)
        guard case let .error(error)? = client.next(timeout: 10) else { return XCTFail("expected a too-large error reply") }
        XCTAssertEqual(error.code, .tooLarge)
        // One frame over the limit cannot be skipped in a WebSocket stream: the gateway closes with 1009.
        XCTAssertNil(client.next(timeout: 10))
        XCTAssertTrue(client.closedReason?.contains("closed the WebSocket") ?? false, client.closedReason ?? "nil")
    }

    func testOversizedFragmentedMessageIsSkippedAndTheConnectionStaysUp() throws {
        let client = try connect()
        defer { client.close() }
        // Frames under the limit that add up to a message over it: the gateway can
        // skip the rest of the message and keep the connection.
        let context = try client.channel.pipeline.context(handlerType: WebSocketClientHandler.self).wait()
        let chunk = ByteBuffer(repeating: UInt8(ascii: "z"), count: 600_000)
        let frames = [
            WebSocketFrame(fin: false, opcode: .text, maskKey: .random(), data: chunk),
            WebSocketFrame(fin: false, opcode: .continuation, maskKey: .random(), data: chunk),
            WebSocketFrame(fin: true, opcode: .continuation, maskKey: .random(), data: chunk),
        ]
        try context.eventLoop.submit {
            for frame in frames { context.write(NIOAny(frame), promise: nil) }
            context.flush()
        }.wait()
        guard case let .error(error)? = client.next(timeout: 10) else { return XCTFail("expected a too-large error reply") }
        XCTAssertEqual(error.code, .tooLarge)
        XCTAssertEqual(try client.request(.ping(Ping(seq: 1)), timeout: 5), .ping(Ping(seq: 1)))
        XCTAssertNil(client.closedReason)
    }

    func testRefusedHandshakeCarriesTheEngineText() throws {
        XCTAssertThrowsError(try connect(token: "refuse-me")) { error in
            XCTAssertEqual("\(error)", "this link was already used")
        }
    }

    func testAnUntrustedCertificateIsRefusedByTheClient() throws {
        let other = try TransportTempDir()
        defer { other.remove() }
        let foreign = try TLSIdentity.loadOrCreate(directory: other.path)
        XCTAssertThrowsError(try CustomerClient.connect(host: "127.0.0.1", port: port, trustedCertificate: foreign.certificatePath,
                                                        hello: Hello(client: "t"), timeout: 5)) { error in
            XCTAssertTrue("\(error)".contains("certificate verify failed"), "\(error)")
        }
    }

    func testHostNameIsCheckedAgainstTheCertificate() throws {
        // "localhost" is in the certificate's SAN; a client must accept it by name too.
        let page = try HTTPSFetch.get(url: "https://localhost:\(port)/by-name", trustedCertificate: identity.certificatePath)
        XCTAssertEqual(page.status, 200)
    }

    // MARK: - HTTPS

    func testHTTPSFetchGetsThePageWithSecurityHeaders() throws {
        let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/join/abc?x=1", trustedCertificate: identity.certificatePath)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("GET /join/abc?x=1"), page.body)
        let names = Set(page.headers.map { $0.0.lowercased() })
        for required in ["content-security-policy", "x-frame-options", "referrer-policy", "x-content-type-options",
                         "cache-control", "strict-transport-security"] {
            XCTAssertTrue(names.contains(required), "missing \(required)")
        }
    }

    func testWebSocketPathWithoutUpgradeIsABadRequest() throws {
        let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/ws", trustedCertificate: identity.certificatePath)
        XCTAssertEqual(page.status, 400)
    }

    func testCurlFetchesThePageOverTLS13AndRefusesTLS12() throws {
        guard let curl = transportWhich("curl") else { return XCTFail("curl is not installed: ./scripts/test installs it") }
        let url = "https://127.0.0.1:\(port)/some/path"
        let ok = try runTool(curl, ["-sS", "-D", "-", "--max-time", "10", "--cacert", identity.certificatePath, url])
        XCTAssertEqual(ok.status, 0, ok.output)
        let text = ok.output.lowercased()
        XCTAssertTrue(text.hasPrefix("http/1.1 200"), ok.output)
        XCTAssertTrue(ok.output.contains("GET /some/path"), ok.output)
        XCTAssertTrue(text.contains("content-security-policy: default-src 'self'"), ok.output)
        XCTAssertTrue(text.contains("frame-ancestors 'none'"), ok.output)
        XCTAssertTrue(text.contains("x-frame-options: deny"), ok.output)
        XCTAssertTrue(text.contains("referrer-policy: no-referrer"), ok.output)
        XCTAssertTrue(text.contains("x-content-type-options: nosniff"), ok.output)
        XCTAssertTrue(text.contains("cache-control: no-store"), ok.output)
        XCTAssertTrue(text.contains("strict-transport-security: max-age="), ok.output)

        let old = try runTool(curl, ["-sS", "--max-time", "10", "--tls-max", "1.2", "--cacert", identity.certificatePath, url])
        XCTAssertNotEqual(old.status, 0, old.output)

        // The gateway still serves after the refused handshake.
        XCTAssertEqual(try runTool(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", identity.certificatePath, url]).output, "200")
    }

    func testAGarbageRequestGets400() throws {
        guard let openssl = transportWhich("openssl") else { return XCTFail("openssl is not installed: ./scripts/test installs it") }
        // -quiet implies -ign_eof: s_client keeps reading until the gateway closes.
        let bad = try runTool(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-quiet"],
                              stdin: "THIS IS NOT HTTP\r\n\r\n")
        XCTAssertTrue(bad.output.contains("HTTP/1.1 400"), bad.output)
        let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/", trustedCertificate: identity.certificatePath)
        XCTAssertEqual(page.status, 200)
    }

    func testOpenSSLClientNegotiatesTLS13AndIsRefusedTLS12() throws {
        guard let openssl = transportWhich("openssl") else { return XCTFail("openssl is not installed: ./scripts/test installs it") }
        let v13 = try runTool(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-CAfile", identity.certificatePath,
                                    "-verify_return_error", "-servername", "localhost"], stdin: "")
        XCTAssertEqual(v13.status, 0, v13.output)
        XCTAssertTrue(v13.output.contains("TLSv1.3"), v13.output)
        XCTAssertTrue(v13.output.contains("Verify return code: 0 (ok)"), v13.output)

        let v12 = try runTool(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2"], stdin: "")
        XCTAssertNotEqual(v12.status, 0, v12.output)
    }

    /// A raw TCP connection to `port`, with a receive timeout for bounded reads.
    private func rawConnect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func testASilentClientDoesNotStallOthers() throws {
        // A TCP client that never finishes a TLS record holds only its own connection.
        let fd = try rawConnect(port)
        defer { close(fd) }
        _ = "\u{16}\u{03}".withCString { write(fd, $0, 2) } // half a TLS record header, then nothing
        let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/", trustedCertificate: identity.certificatePath, timeout: 5)
        XCTAssertEqual(page.status, 200)
    }

    /// Found by fuzzing: NIO's upgrader went ahead without `Connection: Upgrade`, the HTTP parser did not
    /// stop, and a request pipelined behind the upgrade reached the WebSocket decoder as parsed HTTP: a trap.
    func testAWebSocketUpgradeWithARequestPipelinedBehindItDoesNotStopTheGateway() throws {
        // Both requests in one TLS write (and so in one read on the gateway), then whatever comes back for two seconds.
        let client = """
        import socket, ssl, sys, time
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="x")
        s.sendall(sys.stdin.buffer.read()); s.settimeout(2); out = b""
        try:
            while True:
                c = s.recv(4096)
                if not c: break
                out += c
        except Exception: pass
        print(out.decode(errors="replace"))
        """
        for connection in ["", "Connection: Upgrade\r\n"] {
            let request = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\(connection)Sec-WebSocket-Key: aGVsbG8gd29ybGQhISEhIQ==\r\nSec-WebSocket-Version: 13\r\n\r\nGET / HTTP/1.1\r\n\r\n"
            let out = try runTool("/usr/bin/python3", ["-c", client, "\(port)"], stdin: request, timeout: 15)
            XCTAssertTrue(out.output.contains(connection.isEmpty ? "400 Bad Request" : "101 Switching Protocols"), out.output)
            let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/", trustedCertificate: identity.certificatePath, timeout: 5)
            XCTAssertEqual(page.status, 200, "the gateway still serves after: \(connection.isEmpty ? "no" : "a") Connection header")
        }
    }

    func testOneAddressHoldsNoMoreThanItsShareOfConnections() throws {
        let strict = CustomerGateway()
        strict.connectionsPerAddress = 4
        let port = try strict.start(host: "127.0.0.1", port: 0, certificate: identity.certificatePath,
                                    key: identity.keyPath, sink: sink, group: group)
        defer { strict.stop() }
        // Four silent sockets sit in the TLS handshake; the fifth is closed at once.
        let held = try (0 ..< 4).map { _ in try rawConnect(port) }
        defer { held.dropFirst().forEach { close($0) } }
        Thread.sleep(forTimeInterval: 0.3)
        let extra = try rawConnect(port)
        defer { close(extra) }
        var byte: UInt8 = 0
        let started = Date()
        XCTAssertEqual(read(extra, &byte, 1), 0, "the fifth connection is closed")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "at once, not at the handshake deadline")
        // When one of the four goes, a new one is served.
        close(held[0])
        Thread.sleep(forTimeInterval: 0.3)
        let page = try HTTPSFetch.get(url: "https://127.0.0.1:\(port)/", trustedCertificate: identity.certificatePath, timeout: 5)
        XCTAssertEqual(page.status, 200)
    }

    func testSlowHandshakesAndRequestsAreCutOff() throws {
        let strict = CustomerGateway()
        strict.handshakeTimeout = .milliseconds(300)
        strict.requestTimeout = .milliseconds(300)
        let port = try strict.start(host: "127.0.0.1", port: 0, certificate: identity.certificatePath,
                                    key: identity.keyPath, sink: sink, group: group)
        defer { strict.stop() }

        // No ClientHello at all: closed when the handshake deadline passes.
        let fd = try rawConnect(port)
        defer { close(fd) }
        var byte: UInt8 = 0
        let started = Date()
        XCTAssertEqual(read(fd, &byte, 1), 0, "expected the gateway to close the connection")
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)

        // A TLS client that never sends a request: closed when the request deadline passes.
        guard let openssl = transportWhich("openssl") else { return }
        let idle = try runTool(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-quiet"], stdin: "", timeout: 10)
        XCTAssertFalse(idle.output.contains("HTTP/1.1"), idle.output)
    }
}

final class TransportTLSIdentityTests: XCTestCase {
    func testCertificateIsCreatedOnceThenReused() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let first = try TLSIdentity.loadOrCreate(directory: dir.path)
        XCTAssertEqual(first.certificatePath, dir.file("tls/cert.pem"))
        XCTAssertEqual(first.keyPath, dir.file("tls/key.pem"))
        let cert = try String(contentsOfFile: first.certificatePath, encoding: .utf8)
        let key = try String(contentsOfFile: first.keyPath, encoding: .utf8)
        XCTAssertTrue(cert.hasPrefix("-----BEGIN CERTIFICATE-----"))
        XCTAssertTrue(key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        var info = stat()
        XCTAssertEqual(stat(first.keyPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)

        let second = try TLSIdentity.loadOrCreate(directory: dir.path)
        XCTAssertEqual(second, first)
        XCTAssertEqual(try String(contentsOfFile: second.certificatePath, encoding: .utf8), cert)
        XCTAssertEqual(try String(contentsOfFile: second.keyPath, encoding: .utf8), key)

        // The certificate names localhost and both loopback addresses, and lasts a year.
        if let openssl = transportWhich("openssl") {
            let text = try runTool(openssl, ["x509", "-in", first.certificatePath, "-noout", "-text"]).output
            XCTAssertTrue(text.contains("DNS:localhost"), text)
            XCTAssertTrue(text.contains("IP Address:127.0.0.1"), text)
            XCTAssertTrue(text.contains("IP Address:0:0:0:0:0:0:0:1"), text)
            XCTAssertTrue(text.contains("ASN1 OID: prime256v1"), text)
            XCTAssertTrue(text.contains("CA:FALSE"), text)
            let end = try runTool(openssl, ["x509", "-in", first.certificatePath, "-noout", "-checkend", String(364 * 86_400)])
            XCTAssertEqual(end.status, 0, end.output)
        }
    }

    func testContextsAreTLS13Only() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let paths = try TLSIdentity.loadOrCreate(directory: dir.path)
        XCTAssertNoThrow(try TLSContext.server(certificate: paths.certificatePath, key: paths.keyPath))
        XCTAssertThrowsError(try TLSContext.server(certificate: paths.keyPath, key: paths.keyPath))
        XCTAssertThrowsError(try TLSContext.client(trusting: dir.file("missing.pem")))
    }
}
