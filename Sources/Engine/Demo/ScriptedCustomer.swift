import Foundation

/// A customer played by a script, speaking protocol v1 over the real TLS
/// WebSocket: it opens the link page as a browser would, consents, then walks
/// the demo site (the pages of Web/Assets/demo in the order of its nav),
/// moving its pointer and typing, answering heartbeats and the agent's
/// requests, and reconnecting with its resume key if the connection drops.
public final class ScriptedCustomer: @unchecked Sendable {
    public struct Options: Sendable {
        /// Seconds between script steps (pointer moves, keystrokes).
        public var pace: TimeInterval = 0.4
        /// Seconds on each page before moving to the next.
        public var dwell: TimeInterval = 6
        /// Pause before answering the consent screen, so the agent sees it happen.
        public var consentDelay: TimeInterval = 1.5
        public var access: AccessLevel = .controlled
        /// Agree to recording when the session asks for it.
        public var agreeToRecording = true
        /// Walk the site once and then stay on the last page, or loop forever.
        public var loop = true
        /// Seconds a request waits before the customer answers it (a person reads first).
        public var answerDelay: TimeInterval = 1
        /// Deny the agent's Nth action (1-based), so the agent sees a refusal; nil allows every one.
        public var denyAction: Int?
        /// Stay on a page this long after the agent last did something there (a request, a mark,
        /// their pointer), but at most `longestStay` on one page.
        public var linger: TimeInterval = 20
        public var longestStay: TimeInterval = 180
        public init() {}
    }

    /// The customer's side of the agent's requests: what to answer and when, and whether
    /// the agent is working on the page (so the customer stays). Pure, so it is tested.
    public struct Answers: Sendable {
        public let options: Options
        private(set) var due: [(at: Date, message: WireMessage)] = []
        private(set) var actions = 0
        public private(set) var agentBusyUntil = Date.distantPast
        private var pageSince = Date.distantPast

        public init(options: Options) { self.options = options }

        /// A new page: the stay on it starts now.
        public mutating func pageChanged(_ now: Date) { pageSince = now; agentBusyUntil = .distantPast }

        /// What the agent sent; answers are queued for after the customer's moment.
        public mutating func received(_ message: WireMessage, _ now: Date) -> String? {
            var said: String?
            switch message {
            case let .modeRequest(r): queue(.modeAnswer(ModeAnswer(mode: r.mode, accept: true)), now); said = "allowed \(r.mode.title)"
            case .extensionRequest: queue(.extensionAnswer(ExtensionAnswer(accept: true)), now); said = "allowed more time"
            case .screenshotRequest: queue(.screenshotAnswer(ScreenshotAnswer(allow: true)), now); said = "allowed a screenshot"
            case .qualityCheck: queue(.qualityAnswer(QualityAnswer(ok: true)), now); said = "said the quality is fine"
            case let .specialistJoining(j): queue(.specialistAck, now); said = "acknowledged that \(j.name) is joining"
            case let .actionRequest(r):
                actions += 1
                let allow = actions != options.denyAction
                queue(.actionAnswer(ActionAnswer(id: r.action.id, allow: allow)), now)
                said = "\(allow ? "allowed" : "denied"): \(r.preview)"
            case let .annotations(set) where !set.items.isEmpty: busy(now)
            case let .agentPointer(p) where p.at != nil: busy(now)
            default: return nil
            }
            busy(now)
            return said
        }

        /// The answers whose moment has come.
        public mutating func dueAnswers(_ now: Date) -> [WireMessage] {
            let ready = due.filter { $0.at <= now }.map(\.message)
            due.removeAll { $0.at <= now }
            return ready
        }

        /// The agent is working on this page: stay.
        public func staying(_ now: Date) -> Bool { now < agentBusyUntil || !due.isEmpty }

        private mutating func queue(_ answer: WireMessage, _ now: Date) {
            due.append((now.addingTimeInterval(options.answerDelay), answer))
        }

        private mutating func busy(_ now: Date) {
            agentBusyUntil = max(agentBusyUntil, min(pageSince.addingTimeInterval(options.longestStay), now.addingTimeInterval(options.linger)))
        }
    }

    public let link: String
    public let trustedCertificate: String
    public let options: Options
    private let log: @Sendable (String) -> Void
    private let stopLock = NSLock()
    private var stopped = false

    public init(link: String, trustedCertificate: String, options: Options = .init(),
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.link = link
        self.trustedCertificate = trustedCertificate
        self.options = options
        self.log = log
    }

    public func stop() {
        stopLock.lock(); stopped = true; stopLock.unlock()
    }

    private var isStopped: Bool {
        stopLock.lock(); defer { stopLock.unlock() }
        return stopped
    }

    public enum Failure: Error, CustomStringConvertible {
        case badLink(String)
        case refused(String)
        public var description: String {
            switch self {
            case let .badLink(s): "not a co-browse link: \(s)"
            case let .refused(s): s
            }
        }
    }

    /// Runs until the session ends or `stop()` is called. Returns why it ended.
    @discardableResult
    public func run() throws -> String {
        guard let url = URL(string: link), let host = url.host, url.scheme == "https",
              url.pathComponents.count == 3, url.pathComponents[1] == "join" else {
            throw Failure.badLink(link)
        }
        let port = url.port ?? 443
        let token = url.pathComponents[2]
        // A browser opens the link first; the consent page is what the customer reads.
        let page = try HTTPSFetch.get(url: link, trustedCertificate: trustedCertificate)
        guard page.status == 200 else {
            // Say what the customer would read on the page.
            let said = page.body.range(of: "<p>").flatMap { start in
                page.body.range(of: "</p>", range: start.upperBound ..< page.body.endIndex).map { String(page.body[start.upperBound ..< $0.lowerBound]) }
            }
            throw Failure.refused("the link page answered \(page.status): \(said ?? "no explanation")")
        }
        log("opened the link page")

        var client = try CustomerClient.connect(host: host, port: port, path: "/ws", trustedCertificate: trustedCertificate,
                                                hello: Hello(client: "scripted-customer/1", token: token), timeout: 10)
        let welcome = client.welcome
        let resumeKey = welcome.resumeKey
        Thread.sleep(forTimeInterval: options.consentDelay)
        client.send(.consent(Consent(allow: true, access: options.access,
                                     record: (welcome.recordingRequested ?? false) && options.agreeToRecording)))
        log("consented")

        var walk = DemoWalk()
        var answers = Answers(options: options)
        answers.pageChanged(Date())
        client.send(.scene(walk.fullScene()))
        var lastFull = Date()
        var lastStep = Date()
        var attempt = 0
        while !isStopped {
            // Answer everything that is waiting before the next script step, so
            // heartbeats measure the network, not the script.
            var wait = 0.05
            while let message = client.next(timeout: wait) {
                wait = 0
                switch message {
                case let .ping(p): client.send(.pong(p))
                case .requestScene: client.send(.scene(walk.fullScene())); lastFull = Date()
                // The script has no real page, so an action "works" when its target is in the scene.
                case let .performAction(a):
                    let found = a.target.map { id in walk.fullScene().nodes.contains { $0.id == id } } ?? true
                    client.send(.actionResult(ActionResult(id: a.id, ok: found, detail: found ? nil : "no such element")))
                case let .sessionEnded(e): return "session ended: \(e.reason.title)"
                case let .error(e): log("engine said: \(e.message)")
                default:
                    // A cooperative customer: answers each request after a moment (see Answers).
                    if let said = answers.received(message, Date()) { log(said) }
                }
            }
            for answer in answers.dueAnswers(Date()) { client.send(answer) }
            if let reason = client.closedReason {
                // Reconnect with backoff, as the browser SDK does.
                guard let key = resumeKey, attempt < 6, !isStopped else { return "connection lost: \(reason)" }
                attempt += 1
                Thread.sleep(forTimeInterval: min(8, 0.5 * pow(2, Double(attempt - 1))))
                do {
                    client = try CustomerClient.connect(host: host, port: port, path: "/ws", trustedCertificate: trustedCertificate,
                                                        hello: Hello(client: "scripted-customer/1", resumeKey: key), timeout: 10)
                    attempt = 0
                    client.send(.scene(walk.fullScene()))
                    log("reconnected")
                } catch {
                    log("reconnect failed: \(error)")
                }
                continue
            }
            let now = Date()
            // While the agent works on this page the customer stays on it, still.
            if now.timeIntervalSince(lastStep) >= options.pace && !answers.staying(now) {
                lastStep = now
                switch walk.step(dwellSteps: max(1, Int(options.dwell / options.pace)), loop: options.loop) {
                case let .full(scene): client.send(.scene(scene)); lastFull = now; answers.pageChanged(now)
                case let .delta(delta): client.send(.sceneDelta(delta))
                case .none: break
                }
            }
            if now.timeIntervalSince(lastFull) >= 5 {
                client.send(.scene(walk.fullScene()))
                lastFull = now
            }
        }
        client.send(.leave)
        client.close()
        return "stopped"
    }
}
