import ArgumentParser
import Dispatch
import Engine
import Foundation
import TerminalUI

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine: local channel on a Unix socket, customer gateway on HTTPS/WSS (TLS 1.3 only).")

    @OptionGroup var data: DataOptions
    @Option(help: ArgumentHelp("Unix socket for consoles (default DIR/engine.sock).", valueName: "PATH"))
    var socket: String?
    @Option(help: ArgumentHelp("Customer gateway address.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8443"
    @Option(help: ArgumentHelp("TLS certificate (PEM); a self-signed one is created in DIR when omitted.", valueName: "FILE"))
    var cert: String?
    @Option(help: ArgumentHelp("TLS private key (PEM).", valueName: "FILE"))
    var key: String?
    @Option(name: .customLong("recording-retention"),
            help: ArgumentHelp("Days a new recording is kept before the sweeper shreds it (1...3650).", valueName: "DAYS"))
    var recordingRetentionDays: Int = RecordingPolicy.defaultRetentionDays
    @Option(name: .customLong("socket-group"),
            help: ArgumentHelp("Team group (name or gid) whose members may connect to the socket (mode 0660); default: only this user (0600). Each agent is still known by their own uid.", valueName: "GROUP"))
    var socketGroup: String?
    @Option(name: .customLong("mode-cap"),
            help: ArgumentHelp("How far a level may take control on its own, e.g. L1=controlled after certification (repeatable; defaults L1=guided, L2=controlled, manager=full-control).", valueName: "LEVEL=MODE"))
    var modeCaps: [String] = []
    @Option(name: .customLong("full-control-with-approval"),
            help: ArgumentHelp("Levels that may ask for Full Control with a manager's approval, comma-separated, or `none` (default L2).", valueName: "LEVELS"))
    var fullControlWithApproval: String?
    @Option(name: .customLong("link-lookups-per-second"),
            help: ArgumentHelp("Link look-ups (/join/, /view/, /present/, customer hellos) one address may make a second; bursts of four times that (default 5).", valueName: "N"))
    var linkLookupsPerSecond: Double = GatewayLimits().linkLookupsPerSecond
    @Option(name: .customLong("requests-per-second"),
            help: ArgumentHelp("HTTP requests one address may make a second; bursts of twice that (default 50).", valueName: "N"))
    var requestsPerSecond: Double = GatewayLimits().requestsPerSecond
    @Option(name: .customLong("pending-handshakes-per-address"),
            help: ArgumentHelp("Connections of one address (or console uid) that may be waiting to say hello at once (default 16). Raise both for a load test from one machine.", valueName: "N"))
    var pendingHandshakes: Int = GatewayLimits().pendingHandshakesPerAddress
    @Option(name: .customLong("suggestion-rules"),
            help: ArgumentHelp("Which tickets the lobby marks as worth a co-browse: a file of `reason | categories | keywords` lines (default: configuration, integrations, errors, single sign-on, billing).", valueName: "FILE"))
    var suggestionRules: String?
    @Option(name: .customLong("connections-per-address"),
            help: ArgumentHelp("Open gateway connections one address may hold at once (default 256).", valueName: "N"))
    var connectionsPerAddress: Int = GatewayLimits().connectionsPerAddress
    @OptionGroup var helpDesk: HelpDeskOptions
    @Option(name: .customLong("live-help-origins"),
            help: ArgumentHelp("Switch on the \"Get live help\" button of cobrowse.js for these sites: their origins, comma-separated (self: the engine's own demo site). A request from any other origin is refused.", valueName: "ORIGINS"))
    var liveHelpOrigins: String?
    @OptionGroup var channels: CustomerChannelOptions
    @Option(help: ArgumentHelp("The tenant's policy (JSON; see docs/policy.md): its privacy mode, CSS selectors to mask, block or reveal on every page, and its own text patterns. Check one with `cobrowse policy check FILE`.", valueName: "FILE"))
    var policy: String?
    @Option(help: ArgumentHelp("Serve Prometheus metrics (GET /metrics) on this loopback address only, e.g. 127.0.0.1:9464: live sessions by mode and quality, sessions started and ended, drops, traffic, store latency, recording bytes, the outbox's backlog.", valueName: "HOST:PORT"))
    var metrics: String?

    /// The loopback address of --metrics, checked against the gateway's port.
    func metricsEndpoint() throws -> MetricsEndpoint? {
        guard let metrics else { return nil }
        do { return try MetricsEndpoint(metrics, gatewayPort: try parseHostPort(listen).1) } catch let r as MetricsEndpoint.Refusal {
            throw ValidationError("--metrics: \(r.message)")
        }
    }

    /// The gateway's bounds from the options above.
    var gatewayLimits: GatewayLimits {
        var l = GatewayLimits()
        l.linkLookupsPerSecond = linkLookupsPerSecond
        l.linkLookupBurst = linkLookupsPerSecond * 4
        l.requestsPerSecond = requestsPerSecond
        l.requestBurst = requestsPerSecond * 2
        l.pendingHandshakesPerAddress = pendingHandshakes
        l.connectionsPerAddress = connectionsPerAddress
        return l
    }

    /// The tenant's control caps from the options above.
    func controlCaps() throws -> ControlCaps {
        var caps = ControlCaps()
        for setting in modeCaps {
            do { try caps.set(setting) } catch let e as WireError { throw ValidationError("--mode-cap \(setting): \(e.message)") }
        }
        if let list = fullControlWithApproval {
            let names = list == "none" ? [] : list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var levels: Set<AgentLevel> = []
            for name in names {
                guard let level = AgentLevel.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }), [.l1, .l2, .specialist].contains(level) else {
                    throw ValidationError("--full-control-with-approval: \(name) is not L1, L2 or specialist")
                }
                levels.insert(level)
            }
            caps.fullControlWithApproval = levels
        }
        return caps
    }

    func validate() throws {
        _ = try controlCaps()
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if let g = socketGroup, Self.groupID(g) == nil { throw ValidationError("--socket-group: no group \(g)") }
        _ = try parseHostPort(listen)
        _ = try metricsEndpoint()
        _ = try helpDesk.configuration()
        _ = try liveHelp()
        _ = try channels.mail()
        _ = try channels.sms()
        guard (0.1 ... 100_000).contains(linkLookupsPerSecond), (1 ... 1_000_000).contains(requestsPerSecond),
              (1 ... 1_000_000).contains(pendingHandshakes), (1 ... 1_000_000).contains(connectionsPerAddress) else {
            throw ValidationError("--link-lookups-per-second is 0.1...100000, --requests-per-second 1...1000000, --pending-handshakes-per-address and --connections-per-address 1...1000000")
        }
        guard (1 ... 3650).contains(recordingRetentionDays) else {
            throw ValidationError("--recording-retention must be 1...3650 days, got \(recordingRetentionDays)")
        }
    }

    /// The sites whose customers may ask for live help, from --live-help-origins.
    func liveHelp() throws -> LiveHelpOrigins? {
        guard let liveHelpOrigins else { return nil }
        do { return try LiveHelpOrigins(liveHelpOrigins) } catch let r as LiveHelpRequest.Refusal { throw ValidationError("--live-help-origins: \(r.message)") }
    }

    /// A group by number or by name.
    static func groupID(_ text: String) -> UInt32? {
        if let n = UInt32(text) { return n }
        guard let g = getgrnam(text) else { return nil }
        return UInt32(g.pointee.gr_gid)
    }

    func run() throws {
        // Sessions run on dispatch's worker threads; glibc would give each thread
        // its own malloc arena, which holds on to memory a session freed.
        _ = glibcMallopt(glibcArenaMax, 2)
        let (host, port) = try parseHostPort(listen)
        var config = EngineConfiguration(dataDirectory: data.dataDirectory, socketPath: socket, listenHost: host,
                                         listenPort: port, certificatePath: cert, keyPath: key)
        config.recordingRetention = TimeInterval(recordingRetentionDays) * 86_400
        config.socketGroup = socketGroup.flatMap(Self.groupID)
        config.policy.controlCaps = try controlCaps()
        config.gatewayLimits = gatewayLimits
        if let path = suggestionRules {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw Failure("--suggestion-rules: cannot read \(path): \(error.localizedDescription)") }
            do { config.suggestionRules = try SuggestionRules.parse(text) } catch { throw Failure("--suggestion-rules \(path): \(error)") }
        }
        config.helpDesk = try helpDesk.configuration()
        config.liveHelpOrigins = try liveHelp()
        config.mail = try channels.mail()
        config.sms = try channels.sms()
        if let policy { config.tenantPrivacy = try PolicyFile.read(policy, option: "--policy") }
        if let endpoint = try metricsEndpoint() {
            // One registry for this engine, made here and handed down: nothing process-wide is bootstrapped.
            config.metrics = EngineMetrics()
            config.metricsEndpoint = endpoint
        }
        let server = EngineServer(configuration: config)
        do { try server.start() } catch { throw Failure("the engine could not start: \(error)") }
        print("engine: socket \(config.socketPath)")
        print("engine: gateway \(server.hub.publicBaseURL)")
        print("engine: data \(config.dataDirectory)")
        print("engine: recordings kept \(recordingRetentionDays) days")
        if let desk = config.helpDesk { print("engine: help desk \(desk.kind.rawValue)") }
        if let origins = server.hub.liveHelp?.origins.origins { print("engine: live help from \(origins.sorted().joined(separator: ", "))") }
        if let mail = config.mail { print("engine: links by e-mail through \(mail.host):\(mail.port) from \(mail.from)") }
        if let sms = config.sms { print("engine: links by SMS from \(sms.from)") }
        if let endpoint = config.metricsEndpoint { print("engine: metrics \(endpoint.url(port: server.metricsPort))") }
        if let policy { print("engine: policy \(policy): \(config.tenantPrivacy.explained.joined(separator: "; "))") }
        for warning in helpDesk.warnings + channels.warnings { FileHandle.standardError.write(Data("cobrowse: warning: \(warning)\n".utf8)) }
        fflush(stdout)
        waitForTermination()
        let ended = server.stop()
        print("engine: stopped\(ended > 0 ? "; ended \(ended) live session(s), their recordings closed" : "")")
    }
}

/// Blocks until SIGINT or SIGTERM.
func waitForTermination() {
    let done = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        s.setEventHandler { done.signal() }
        s.resume()
        sources.append(s)
    }
    done.wait()
    sources.forEach { $0.cancel() }
}

extension LinkDelivery: ExpressibleByArgument {}

struct Invite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a co-browse session for a ticket as the calling agent and print the one-time link.")
    @Option(help: "The ticket the session is about (required: no ticket, no session).") var ticket: String
    @Flag(help: "Ask the customer for recording consent.") var record = false
    @Flag(help: "A guided walkthrough of first-time setup (the session is kept as onboarding).") var onboarding = false
    @Option(help: ArgumentHelp("How the link reaches the customer: helpdesk (a public reply on the ticket, which the desk e-mails or chats to them; needs serve --helpdesk), email (to the ticket's address; needs serve --smtp), sms (to the ticket's mobile; needs serve --sms-url) or none (printed here for you to hand over).", valueName: "CHANNEL"))
    var send: LinkDelivery = .none
    @Option(help: ArgumentHelp("The page the customer lands on after consenting: any http(s) page that includes <script src=\"https://ENGINE/cobrowse.js\">. Default: the engine's demo site.", valueName: "URL")) var url: String?
    @OptionGroup var socket: SocketOptions

    func validate() throws {
        if let url, !LandingURL.isValid(url) {
            throw ValidationError("--url must be an absolute http:// or https:// URL of at most \(LandingURL.maxLength) bytes")
        }
    }

    func run() throws {
        let client = try connectToEngine(socket.socketPath, client: "cobrowse-invite")
        defer { client.close() }
        let reply: WireMessage
        do { reply = try client.request(.startSession(StartSession(ticketId: ticket, record: record, landingURL: url, onboarding: onboarding ? true : nil,
                                                                  send: send == .none ? nil : send)), timeout: 10) } catch {
            throw Failure("\(error)")
        }
        switch reply {
        case let .sessionStarted(s):
            print("session: \(s.session.id)")
            print("ticket: \(s.session.ticket.id) (\(s.session.ticket.customer))")
            if send != .none {
                let how = send == .helpdesk ? "as a public reply on the help-desk ticket" : send == .email ? "by e-mail" : "by SMS"
                print("The link is on its way to the customer \(how) (cobrowse helpdesk outbox shows until it is accepted; the session's feed says when it is).")
                print("The same one-time link, should they need it again (valid once, for 15 minutes):")
            } else {
                print("Send this one-time link to the customer (valid once, for 15 minutes):")
            }
            print(s.link)
        case let .error(e):
            throw Failure(e.message)
        default:
            throw Failure("unexpected reply from the engine: \(reply.type)")
        }
    }
}

struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The agent workstation: lobby of tickets and sessions, then the customer's page live.")
    @OptionGroup var socket: SocketOptions
    @Option(help: "Open this session directly.") var session: String?
    @Option(help: ArgumentHelp("Attach to this session read-only (supervisors).", valueName: "SESSION")) var watch: String?
    @Option(help: "Theme name from themes/ (dark, light, high-contrast, monochrome) or a .toml path.") var theme: String?
    @Flag(help: "Leave the mouse to the terminal (its own text selection) instead of clicking and drawing with it.") var noMouse = false

    func validate() throws {
        if let refusal = ThemeLoader().refusal(theme) { throw ValidationError("--theme: \(refusal)") }
    }

    func run() throws {
        let client = try connectToEngine(socket.socketPath, client: "cobrowse-console")
        let code = runConsole(client: client, session: watch ?? session, watch: watch != nil, theme: theme, mouse: !noMouse)
        client.close()
        if code != 0 { throw ExitCode(code) }
    }
}

func runConsole(client: LocalChannelClient, session: String?, watch: Bool, theme: String?, mouse: Bool = true) -> Int32 {
    var options = ConsoleOptions()
    options.mouse = mouse
    options.sessionID = session
    options.watch = watch
    if let theme { options.theme = theme }
    return ConsoleRunner.run(link: client, options: options)
}

extension LocalChannelClient: ConsoleLink {}

struct ScriptedCustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Play a scripted customer on a one-time link (the demo's customer, for tests and trials).")
    @Argument(help: "The one-time link printed by `cobrowse invite`.") var link: String
    @Option(help: ArgumentHelp("The engine's certificate to trust (DIR/tls/cert.pem).", valueName: "PEM")) var cacert: String
    @Option(help: "Seconds between script steps.") var pace: Double = 0.4
    @Option(help: "Seconds on each page of the demo site.") var dwell: Double = 6
    @Flag(help: "Walk the site once and stay on the last page.") var once = false
    @Option(help: "Seconds before answering each of the agent's requests.") var answerAfter: Double = 1
    @Option(help: ArgumentHelp("Deny the agent's Nth action (1 is the first); every action is allowed without it.", valueName: "N"))
    var denyAction: Int?

    func validate() throws {
        guard answerAfter.isFinite, (0...60).contains(answerAfter) else { throw ValidationError("--answer-after must be between 0 and 60 seconds") }
        if let n = denyAction, n < 1 { throw ValidationError("--deny-action counts from 1") }
    }

    func run() throws {
        var options = ScriptedCustomer.Options()
        options.pace = pace
        options.dwell = dwell
        options.loop = !once
        options.answerDelay = answerAfter
        options.denyAction = denyAction
        let customer = ScriptedCustomer(link: link, trustedCertificate: cacert, options: options) { line in
            print("customer: \(line)")
            fflush(stdout)
        }
        signal(SIGTERM, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        s.setEventHandler { customer.stop() }
        s.resume()
        do {
            let why = try customer.run()
            print("customer: \(why)")
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// glibc's `mallopt` (malloc.h is not in Swift's Glibc module) and its `M_ARENA_MAX`.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcArenaMax: Int32 = -8
