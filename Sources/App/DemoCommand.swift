import ArgumentParser
import Engine
import Foundation
import Logging
import TerminalUI

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole product in one command: engine, a customer (headless Chromium, or the scripted one) over the real TLS gateway, and the console.",
        discussion: "Runs in a throw-away data directory unless --data is given, until you quit the console (Q).")

    @Option(help: ArgumentHelp("Keep the demo's data here instead of a temporary directory.", valueName: "DIR"))
    var data: String?
    @Option(help: ArgumentHelp("Customer gateway address (port 0 picks a free one).", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:0"
    @Flag(help: "The session asks for recording consent (the customer agrees).") var record = false
    @Option(help: ArgumentHelp("First play this many days of past sessions through the engine on a simulated clock (tickets \"Demo history: …\"), so `report` and the dashboard have something in them.", valueName: "DAYS"))
    var history: Int?
    @Option(help: "Console theme.") var theme: String?
    @Option(help: ArgumentHelp("Who plays the customer: chromium (headless Chromium walking the demo site; needs chromium, chromedriver and python3-selenium), scripted (the built-in wire-protocol customer), or auto: chromium when present, else scripted.", valueName: "KIND"))
    var customer: DemoCustomer = .auto
    @Option(name: .customLong("customer-pause"), parsing: .unconditional, help: ArgumentHelp("Seconds the Chromium customer spends on each step (shorter for tests).", valueName: "SECONDS"))
    var customerPause: Double = 2.5

    enum DemoCustomer: String, ExpressibleByArgument, CaseIterable { case auto, chromium, scripted }

    func validate() throws {
        guard customerPause >= 0.1, customerPause <= 60 else { throw ValidationError("--customer-pause must be 0.1 to 60 seconds") }
        if let history, !(1 ... 366).contains(history) { throw ValidationError("--history takes 1 to 366 days, not \(history)") }
        if let refusal = ThemeLoader().refusal(theme) { throw ValidationError("--theme: \(refusal)") }
    }

    func run() throws {
        let (host, port) = try parseHostPort(listen)
        let chromium = ChromiumCustomer()
        let unavailable = customer == .scripted ? nil : chromium.missing()
        if customer == .chromium, let unavailable { throw Failure("--customer chromium: \(unavailable)") }
        let temporary = data == nil
        let dir = data ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("cobrowse-demo-\(getpid())")
        defer { if temporary { try? FileManager.default.removeItem(atPath: dir) } }
        var config = EngineConfiguration(dataDirectory: dir, listenHost: host, listenPort: port)
        // The demo site's "Get live help" button files requests into the demo's lobby.
        config.liveHelpOrigins = LiveHelpOrigins(origins: [], includesEngine: true)
        let tightened = try config.prepareDataDirectory()

        // The console owns the terminal: the engine logs to a file in the data directory.
        let logPath = (dir as NSString).appendingPathComponent("engine.log")
        LoggingSystem.bootstrap { label in FileLogHandler(label: label, path: logPath) }
        for line in tightened { Logger(label: "cobrowse.demo").notice("\(line)") }

        let store = try SQLiteStore(path: config.databasePath)
        let me = Int(getuid())
        if try store.agent(uid: me) == nil {
            let login = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 }
                ?? getpwuid(getuid()).flatMap { String(validatingCString: $0.pointee.pw_name) } ?? "agent"
            let name = login
            try store.addAgent(Agent(name: name.capitalized, uid: me, level: .l2))
        }
        for t in DemoTickets.all where try store.ticket(id: t.id) == nil { try store.addTicket(t) }
        if let history {
            var player = DemoHistory(store: store)
            let played: DemoHistory.Played
            do { played = try player.play(days: history, before: Date()) } catch { throw Failure("the demo history could not be played: \(error)") }
            Logger(label: "cobrowse.demo").notice("Demo history: \(played.sessions) sessions over \(played.days) days, played through the engine (tickets H-…)")
        }

        let server = EngineServer(configuration: config)
        do { try server.start() } catch { throw Failure("the demo engine could not start: \(error)") }
        defer { server.stop() }
        guard let agent = try store.agent(uid: me) else { throw Failure("demo agent missing") }
        let started = try server.hub.startSession(ticketId: DemoTickets.all[0].id, record: record, agent: agent)

        // The customer: headless Chromium when it is here (or asked for), else the scripted one; said in one line.
        var browser: ChromiumProcess?
        var announcement: String
        if customer != .scripted, unavailable == nil {
            browser = try chromium.start(link: started.link, record: record, pause: customerPause, rounds: 0, directory: dir, log: logPath)
            announcement = "Customer: headless Chromium walking the demo site (its output: \(logPath))"
        } else {
            announcement = customer == .scripted ? "Customer: the scripted customer (--customer scripted)"
                : "Customer: the scripted customer — headless Chromium is not available: \(unavailable ?? "")"
        }
        Logger(label: "cobrowse.demo").notice("\(announcement)")
        defer { browser?.stop() }

        // The demo's scripted customer plays the same customer as the Chromium one: answers after a
        // moment, denies the agent's second action so a refusal is seen, stays while the agent works.
        var customerOptions = ScriptedCustomer.Options()
        customerOptions.denyAction = 2
        customerOptions.answerDelay = 1.2
        let scripted = browser == nil ? ScriptedCustomer(link: started.link, trustedCertificate: server.certificatePath, options: customerOptions) { line in
            Logger(label: "cobrowse.demo-customer").info("\(line)")
        } : nil
        if let scripted {
            let customerThread = Thread {
                Thread.sleep(forTimeInterval: 2)
                do { try scripted.run() } catch { Logger(label: "cobrowse.demo-customer").error("\(error)") }
            }
            customerThread.start()
        }
        defer { scripted?.stop() }

        let client = try connectToEngine(config.socketPath, client: "cobrowse-demo-console")
        var options = ConsoleOptions()
        options.sessionID = started.session.id
        // The demo's engine stops with its console: quitting ends the session, and the question says so.
        options.quitEndsSessions = true
        if let theme { options.theme = theme }
        let watch: (() -> String?)? = browser.map { b in { b.exited().map { "The Chromium customer stopped (exit \($0)); its output is in \(logPath)" } } }
        let code = ConsoleRunner.run(link: AnnouncingLink(client, notice: announcement, watch: watch), options: options)
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

/// The console's link, with one notice shown first (the demo says who plays the customer),
/// and one more if `watch` reports something (the browser customer stopped).
final class AnnouncingLink: ConsoleLink {
    private let inner: LocalChannelClient
    private var pending: [WireMessage]
    private var watch: (() -> String?)?
    private var lastCheck = Date.distantPast

    init(_ inner: LocalChannelClient, notice: String, watch: (() -> String?)? = nil) {
        self.inner = inner; pending = [.notice(Notice(text: notice))]; self.watch = watch
    }

    func send(_ message: WireMessage) { inner.send(message) }
    func poll() -> [WireMessage] {
        var messages = inner.poll()
        if let check = watch, Date().timeIntervalSince(lastCheck) >= 1 {
            lastCheck = Date()
            if let text = check() { messages.append(.notice(Notice(text: text))); watch = nil }
        }
        // After the engine's first answer (the snapshot), so the notice is the last word.
        guard !pending.isEmpty, !messages.isEmpty else { return messages }
        defer { pending = [] }
        return messages + pending
    }
    var closedReason: String? { inner.closedReason }
}

/// swift-log handler that appends to a file, for processes whose terminal
/// belongs to ncurses. O_APPEND: the demo's Chromium customer writes to the same file.
struct FileLogHandler: LogHandler {
    let label: String
    let handle: FileHandle?
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String, path: String) {
        self.label = label
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        handle = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil
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
