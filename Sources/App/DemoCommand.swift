import ArgumentParser
import Engine
import Foundation
import Logging

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole product in one command: engine, a scripted customer over the real TLS gateway, and the console.",
        discussion: "Runs in a throw-away data directory unless --data is given, until you quit the console (Q).")

    @Option(help: ArgumentHelp("Keep the demo's data here instead of a temporary directory.", valueName: "DIR"))
    var data: String?
    @Option(help: ArgumentHelp("Customer gateway address (port 0 picks a free one).", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:0"
    @Flag(help: "The session asks for recording consent (the scripted customer agrees).") var record = false
    @Option(help: "Console theme.") var theme: String?

    func run() throws {
        let (host, port) = try parseHostPort(listen)
        let temporary = data == nil
        let dir = data ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("cobrowse-demo-\(getpid())")
        defer { if temporary { try? FileManager.default.removeItem(atPath: dir) } }
        let config = EngineConfiguration(dataDirectory: dir, listenHost: host, listenPort: port)
        try config.prepareDataDirectory()

        // The console owns the terminal: the engine logs to a file in the data directory.
        let logPath = (dir as NSString).appendingPathComponent("engine.log")
        LoggingSystem.bootstrap { label in FileLogHandler(label: label, path: logPath) }

        let store = try SQLiteStore(path: config.databasePath)
        let me = Int(getuid())
        if try store.agent(uid: me) == nil {
            let login = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 }
                ?? getpwuid(getuid()).flatMap { String(validatingCString: $0.pointee.pw_name) } ?? "agent"
            let name = login
            try store.addAgent(Agent(name: name.capitalized, uid: me, level: .l2))
        }
        for t in DemoTickets.all where try store.ticket(id: t.id) == nil { try store.addTicket(t) }

        let server = EngineServer(configuration: config)
        do { try server.start() } catch { throw Failure("the demo engine could not start: \(error)") }
        defer { server.stop() }
        guard let agent = try store.agent(uid: me) else { throw Failure("demo agent missing") }
        let started = try server.hub.startSession(ticketId: DemoTickets.all[0].id, record: record, agent: agent)

        let customer = ScriptedCustomer(link: started.link, trustedCertificate: server.certificatePath) { line in
            Logger(label: "cobrowse.demo-customer").info("\(line)")
        }
        let customerThread = Thread {
            Thread.sleep(forTimeInterval: 2)
            do { try customer.run() } catch { Logger(label: "cobrowse.demo-customer").error("\(error)") }
        }
        customerThread.start()
        defer { customer.stop() }

        let client = try connectToEngine(config.socketPath, client: "cobrowse-demo-console")
        let code = runConsole(client: client, session: started.session.id, watch: false, theme: theme)
        client.close()
        if code != 0 { throw ExitCode(code) }
    }
}

enum DemoTickets {
    static let all: [Ticket] = [
        Ticket(id: "T-1042", subject: "Can't finish SSO setup: audience mismatch", customer: "Dana Whitfield", category: "integration"),
        Ticket(id: "T-1043", subject: "Payment card update fails", customer: "Ravi Menon", category: "billing"),
        Ticket(id: "T-1044", subject: "Where do I rotate API keys?", customer: "Sofia Lindqvist", category: "how-to"),
    ]
}

/// swift-log handler that appends to a file, for processes whose terminal
/// belongs to ncurses.
struct FileLogHandler: LogHandler {
    let label: String
    let handle: FileHandle?
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String, path: String) {
        self.label = label
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        handle?.write(Data("\(stamp) \(level) \(label): \(message)\n".utf8))
    }
}
