import Foundation
import Logging
import XCTest
@testable import Engine

/// Debian's aiosmtpd on 127.0.0.1, driven by Tests/Mail/mail_server.py: it
/// saves each accepted message as N.json (envelope, headers, decoded body,
/// whether it came over TLS) and can be told to refuse, to hang on DATA, or
/// to be hostile. Runs with Debian's /usr/bin/python3, where the package is.
final class LocalMailServer {
    struct Received {
        var mailFrom: String
        var rcptTos: [String]
        var tls: Bool
        var headers: [String: String]
        var body: String
    }

    let directory: String
    private(set) var port: Int
    private var process: Process?

    static var script: String {
        // Tests/EngineTests/MailServerSupport.swift → Tests/Mail/mail_server.py
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Mail/mail_server.py").path
    }

    init(directory: String, port: Int = 0) throws {
        self.directory = directory
        self.port = port
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts it; `options` are mail_server.py's (--tlscert F --tlskey F, --answer 451, --hang-on-data, --hostile).
    func start(_ options: [String] = []) throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/python3"),
              (try runTool("/usr/bin/python3", ["-c", "import aiosmtpd"])).status == 0 else {
            throw TransportError("python3-aiosmtpd is not installed: scripts/lib/ensure-packages.sh installs it")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.script, "--dir", directory] + (port == 0 ? [] : ["--port", String(port)]) + options
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        // The first line is "READY PORT" once it listens.
        var line = Data()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let n = Int(text.dropFirst(6)) else {
            stop()
            throw TransportError("the local mail server did not start: \(text)")
        }
        port = n
    }

    /// SIGKILL: the server goes at once, mid-conversation if it is in one.
    func kill() {
        guard let p = process else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func stop() {
        guard let p = process else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    var received: [Received] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)),
                  let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
            return Received(mailFrom: o["mail_from"] as? String ?? "", rcptTos: o["rcpt_tos"] as? [String] ?? [], tls: o["tls"] as? Bool ?? false,
                            headers: o["headers"] as? [String: String] ?? [:], body: o["body"] as? String ?? "")
        }
    }
}

/// A self-signed certificate for localhost, made with openssl for this test: the mail server's, and the CA the engine is told to trust.
struct TestCertificate {
    let certificate: String
    let key: String

    init(in dir: TransportTempDir, name: String = "mail") throws {
        certificate = dir.file("\(name)-cert.pem")
        key = dir.file("\(name)-key.pem")
        let made = try runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                                                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                               timeout: 30)
        guard made.status == 0 else { throw TransportError("openssl could not make a test certificate: \(made.output)") }
    }
}

/// What the link-by-e-mail and link-by-SMS tests share: a fast backoff, clean-ups run in reverse at the end,
/// a store with Dana's ticket, an outbox sender for given couriers, and an engine with a console said hello.
class CustomerChannelTestCase: XCTestCase {
    let fastBackoff = OutboxBackoff(base: 0.05, maximum: 0.3, longestRetryAfter: 5, maxAttempts: 10)
    private var cleanups: [() -> Void] = []

    func atEnd(_ cleanup: @escaping () -> Void) { cleanups.append(cleanup) }

    override func tearDown() {
        for c in cleanups.reversed() { c() }
        cleanups = []
        super.tearDown()
    }

    /// A fresh SQLite file with ticket T-1 (Dana Whitfield).
    func ticketStore() throws -> (TransportTempDir, SQLiteStore) {
        let dir = try TransportTempDir()
        atEnd { dir.remove() }
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        try store.addTicket(Ticket(id: "T-1", subject: "Export", customer: "Dana Whitfield"))
        return (dir, store)
    }

    /// An outbox sender for these couriers on the test's store; the hub, when given, hears what settled.
    @discardableResult
    func startSender(_ store: SQLiteStore, _ couriers: OutboxCouriers, hub: EngineHub? = nil,
                     clock: @escaping @Sendable () -> Date = { Date() }) throws -> OutboxSender {
        let sender = OutboxSender(store: store, couriers: couriers, backoff: fastBackoff, pollInterval: 0.02, clock: clock,
                                  onSettled: { [weak hub] e, s in hub?.outboxSettled(e, s) })
        try sender.start()
        atEnd { sender.stop(drain: 0) }
        return sender
    }

    /// A running engine with agent Maria S. (uid 1001) and her console, said hello; its log goes to `lines`.
    func engineWithConsole(_ config: EngineConfiguration, lines: LogLines) throws -> (EngineServer, SQLiteStore, WaitingConnection) {
        let server = EngineServer(configuration: config, logger: Logger(label: "test.engine", factory: { _ in CapturingLogHandler(lines) }))
        try server.start()
        atEnd { server.stop() }
        let store = try SQLiteStore(path: config.databasePath)
        try store.addAgent(Agent(name: "Maria S.", uid: 1001, level: .l2))
        let hub = try XCTUnwrap(server.hub)
        let console = WaitingConnection(9001, .local(uid: 1001, pid: 1))
        hub.connectionOpened(console)
        hub.connection(console, received: WireCodec.encode(.hello(Hello(client: "test"))))
        return (server, store, console)
    }
}
