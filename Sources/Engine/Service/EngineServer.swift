import Foundation
import Logging
import NIOCore
import NIOPosix

/// Where the engine keeps its state and where it listens.
public struct EngineConfiguration: Sendable {
    public var dataDirectory: String
    public var socketPath: String
    public var listenHost: String
    public var listenPort: Int
    public var certificatePath: String?
    public var keyPath: String?
    public var policy: SessionPolicy
    /// How often the session clocks tick (heartbeats, timeouts).
    public var tickInterval: TimeInterval
    /// How long recordings are kept before the retention sweeper removes them.
    public var recordingRetention: TimeInterval = RecordingPolicy().retention
    /// The team group whose members may connect to the socket (mode 0660); nil: the engine's user only (0600).
    public var socketGroup: UInt32?
    /// Bounds on peers that have not proved anything yet (rates per address, handshakes).
    public var gatewayLimits = GatewayLimits()
    /// Which tickets the lobby marks as worth a co-browse.
    public var suggestionRules: SuggestionRules = .standard
    /// The help desk the engine tells about sessions and takes tickets from; nil: none.
    public var helpDesk: HelpDeskConfiguration?
    /// The pages whose "Get live help" button may file requests; nil: the button's requests are refused.
    public var liveHelpOrigins: LiveHelpOrigins?
    /// The mail server one-time links go out by (invite --send email); nil: none.
    public var mail: SMTPConfiguration?
    /// The SMS gateway one-time links go out by (invite --send sms); nil: none.
    public var sms: SMSConfiguration?
    /// The tenant's own privacy rules (serve --policy): to the redactor and, in the served rules, to every page.
    public var tenantPrivacy: TenantPrivacy = .standard
    /// What the engine counts (`serve --metrics`): made by the caller, one per engine; nil: nothing is counted.
    public var metrics: EngineMetrics?
    /// The loopback address `GET /metrics` is served on; nil: counted (when `metrics` is set) but not served.
    public var metricsEndpoint: MetricsEndpoint?

    public init(dataDirectory: String, socketPath: String? = nil, listenHost: String = "127.0.0.1", listenPort: Int = 8443,
                certificatePath: String? = nil, keyPath: String? = nil, policy: SessionPolicy = .init(), tickInterval: TimeInterval = 0.25) {
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath ?? (dataDirectory as NSString).appendingPathComponent("engine.sock")
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.policy = policy
        self.tickInterval = tickInterval
    }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("cobrowse.sqlite") }

    /// Creates the data directory (0700: it holds keys and customer data), and
    /// tightens it and what is in it when found looser. Returns one line per change, for the log.
    @discardableResult
    public func prepareDataDirectory() throws -> [String] {
        try PrivateFiles.secure(directory: dataDirectory)
    }
}

/// `cobrowse serve`: the store, the hub, the customer gateway and the local
/// channel, wired together and ticking.
public final class EngineServer: @unchecked Sendable {
    public let configuration: EngineConfiguration
    public private(set) var hub: EngineHub!
    public private(set) var gatewayPort = 0
    public private(set) var certificatePath = ""
    /// The port `/metrics` is served on (0: not served).
    public private(set) var metricsPort = 0
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private var gateway: CustomerGateway?
    private var local: LocalChannelServer?
    private var metricsListener: MetricsListener?
    private var ticker: RepeatedTask?
    private var recordings: EncryptedRecordingService?
    private var deskSender: OutboxSender?
    private var deskTransport: AsyncHTTPDeskTransport?
    private let logger: Logger

    public init(configuration: EngineConfiguration, logger: Logger = Logger(label: "cobrowse.engine")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func start() throws {
        let c = configuration
        for line in try c.prepareDataDirectory() { logger.notice("\(line)") }
        let store = try SQLiteStore(path: c.databasePath)
        // Served metrics are always the ones this engine records into.
        let metrics = c.metrics ?? (c.metricsEndpoint == nil ? nil : EngineMetrics())
        let cert: String, key: String
        if let cp = c.certificatePath, let kp = c.keyPath {
            (cert, key) = (cp, kp)
        } else {
            let identity = try TLSIdentity.loadOrCreate(directory: c.dataDirectory)
            (cert, key) = (identity.certificatePath, identity.keyPath)
        }
        certificatePath = cert
        let hub = EngineHub(store: store, policy: c.policy, redactor: Redactor(customRules: try c.tenantPrivacy.redactionRules()),
                            publicBaseURL: "", limits: c.gatewayLimits, lanes: .dispatch, logger: logger, metrics: metrics)
        hub.privacyRules = try GatewayAssets.privacyRules(for: c.tenantPrivacy)
        let recordings = EncryptedRecordingService(dataDirectory: c.dataDirectory, index: store,
                                                   keySource: FileKeySource(dataDirectory: c.dataDirectory),
                                                   policy: RecordingPolicy(retention: c.recordingRetention))
        recordings.metrics = metrics
        let swept = try recordings.startRetentionSweeper(store: store) { [logger] in logger.error("retention sweep failed: \($0)") }
        if !swept.isEmpty { logger.info("retention: removed \(swept.count) expired recording(s)") }
        hub.recordingService = recordings
        self.recordings = recordings
        hub.suggestions = c.suggestionRules
        hub.screenshotVault = ScreenshotVault(dataDirectory: c.dataDirectory, keySource: FileKeySource(dataDirectory: c.dataDirectory), store: store)
        hub.recordingDesk = RecordingDesk(library: RecordingLibrary(dataDirectory: c.dataDirectory, store: store,
                                                                    keySource: FileKeySource(dataDirectory: c.dataDirectory)),
                                          beingWritten: { [weak recordings] id in recordings?.isBeingWritten(id) ?? false })
        try hub.restoreOpenSessions()
        self.hub = hub
        if let desk = c.helpDesk { startHelpDesk(desk, store: store, hub: hub) }
        try startOutbox(store: store, hub: hub)
        // Before the gateway: an engine whose metrics cannot be served stops before any customer reaches it.
        if let endpoint = c.metricsEndpoint, let metrics {
            let listener = MetricsListener(logger: logger)
            metricsPort = try listener.start(endpoint, group: group) { [weak hub] in
                // The hub gone is the engine stopping: no sessions to show, and the store is still there to read.
                metrics.exposition(EngineMetrics.Snapshot(liveSessions: hub?.liveSessionSummaries() ?? [], outboxBacklog: try store.outboxBacklog()))
            }
            metricsListener = listener
            logger.info("metrics: \(endpoint.url(port: metricsPort))")
        }
        let gateway = CustomerGateway()
        gateway.connectionsPerAddress = c.gatewayLimits.connectionsPerAddress
        gateway.traffic = metrics?.customerTraffic
        gatewayPort = try gateway.start(host: c.listenHost, port: c.listenPort, certificatePath: cert, keyPath: key,
                                        sink: hub, group: group)
        self.gateway = gateway
        let host = c.listenHost.contains(":") ? "[\(c.listenHost)]" : c.listenHost
        // Known before any console can connect and ask for a link.
        hub.publicBaseURL = "https://\(host):\(gatewayPort)"
        if let origins = c.liveHelpOrigins {
            hub.liveHelp = LiveHelpDesk(origins: origins.resolved(engine: hub.publicBaseURL), store: store, redactor: hub.redactor,
                                        auditRefusal: { [weak hub] draft, address in hub?.auditRefusal(draft, address: address) })
        }
        let local = LocalChannelServer()
        local.traffic = metrics?.consoleTraffic
        try local.start(path: c.socketPath, sink: hub, group: group, accessGroup: c.socketGroup)
        self.local = local
        let interval = TimeAmount.milliseconds(Int64(c.tickInterval * 1000))
        ticker = group.next().scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak hub] _ in
            hub?.tick()
        }
        logger.info("engine ready: socket \(c.socketPath), gateway \(hub.publicBaseURL)")
    }

    /// Stops the engine; returns how many live sessions it ended.
    @discardableResult
    public func stop() -> Int {
        ticker?.cancel()
        // Live sessions end first, while their consoles and customers can still hear why.
        let ended = hub?.endLiveSessions() ?? 0
        if ended > 0 {
            logger.notice("engine stopping: ended \(ended) live session(s)")
            // What was just queued for them reaches the sockets before the sockets close.
            Thread.sleep(forTimeInterval: 0.3)
        }
        gateway?.stop()
        local?.stop()
        metricsListener?.stop()
        // After the sessions ended (their last notes are in the outbox); what is not sent goes out at the next start.
        deskSender?.stop()
        deskTransport?.shutdown()
        try? group.syncShutdownGracefully()
        // Nothing more comes in: every recording still open ends here, saying so.
        for (id, error) in recordings?.finishAll(at: Date(), reason: "engine stopped") ?? [] {
            logger.error("recording \(id) could not be finished at engine stop: \(error)")
        }
        return ended
    }

    /// The inbox only with a secret to check the desk's signatures.
    private func startHelpDesk(_ desk: HelpDeskConfiguration, store: SQLiteStore, hub: EngineHub) {
        hub.helpDeskOutbox = HelpDeskOutbox(desk: desk.kind, store: store)
        if let secret = desk.webhookSecret {
            hub.helpDeskInbox = HelpDeskInbox(desk: desk.kind, secret: secret, store: store,
                                              auditRefusal: { [weak hub] draft, address in hub?.auditRefusal(draft, address: address) })
        }
        logger.info("help desk: \(desk.kind.rawValue) at \(OutboxText.mask(desk.baseURL))\(desk.webhookSecret == nil ? "" : "; tickets taken at /helpdesk/\(desk.kind.rawValue)")")
    }

    /// One outbox sender runs with the engine for the desk, the mail server and the SMS gateway, whichever it has;
    /// it tells each session's feed how its link went.
    private func startOutbox(store: SQLiteStore, hub: EngineHub) throws {
        let c = configuration
        hub.customerChannels = CustomerChannels(outbox: store, contacts: store, canEmail: c.mail != nil, canText: c.sms != nil)
        guard c.helpDesk != nil || c.mail != nil || c.sms != nil else { return }
        let transport = AsyncHTTPDeskTransport()
        var couriers = OutboxCouriers()
        do {
            if let desk = c.helpDesk { couriers.helpDesk = DeskCourier(desk: desk.desk(), transport: transport) }
            if let mail = c.mail {
                couriers.email = MailCourier(mailer: try SMTPMailer(configuration: mail))
                logger.info("mail: links go by \(mail.host):\(mail.port) from \(mail.from)")
            }
            if let sms = c.sms {
                couriers.sms = SMSCourier(gateway: TwilioSMS(configuration: sms), transport: transport)
                logger.info("sms: links go by \(OutboxText.mask(sms.baseURL)) from \(sms.from)")
            }
            let sender = OutboxSender(store: store, couriers: couriers, logger: logger,
                                      onSettled: { [weak hub] entry, settlement in hub?.outboxSettled(entry, settlement) })
            try sender.start()
            (deskTransport, deskSender) = (transport, sender)
        } catch {
            transport.shutdown()
            throw error
        }
    }
}
