import Foundation

/// Days of past sessions for the demo, so a newcomer's reports and dashboard
/// have something in them. Every session is played through a hub of the
/// demo's own, on a simulated clock, by the same messages a console and a
/// customer send: its rows are the engine's, never written around it. Its
/// tickets say "Demo history" so nobody takes them for real work.
public struct DemoHistory {
    /// The demo's colleagues, so the team figures have more than one agent (uids no login has).
    public static let colleagues = [Agent(name: "Maria S.", uid: 3_900_001, level: .l2), Agent(name: "James K.", uid: 3_900_002, level: .l2),
                                    Agent(name: "Priya R.", uid: 3_900_003, level: .l2), Agent(name: "Mona K.", uid: 3_900_004, level: .manager)]
    static let topics: [(category: String, subject: String)] = [
        ("configuration", "Workspace settings do not save"), ("integration", "Webhook to Slack never arrives"),
        ("integration", "SSO login loops back to the start"), ("billing", "Invoice shows the wrong plan"),
        ("bug", "Error on the export page"), ("how-to", "Where are the API keys?"), ("configuration", "Roles for a new team"),
    ]
    static let customers = ["Ada Brandt", "Luis Ortega", "Mei Chen", "Tom Okafor", "Sara Holm", "Ivan Petrov", "Nina Roy"]

    public struct Played: Equatable, Sendable {
        public var sessions: Int
        public var days: Int
    }

    public struct Problem: Error, CustomStringConvertible { public let description: String }

    let store: SessionStore
    let clock = SimulatedClock()
    let hub: EngineHub
    var random: SplitMix
    var nextConnection = 1

    /// `seed` makes the history the same on every run, so the demo and its tests agree.
    public init(store: SessionStore, seed: UInt64 = 42) {
        self.store = store
        self.random = SplitMix(seed: seed)
        self.hub = EngineHub(store: store, publicBaseURL: "https://demo.invalid", lanes: .inline, clock: { [clock] in clock.now })
    }

    /// Plays `days` days of sessions ending the day before `today` (UTC).
    public mutating func play(days: Int, before today: Date) throws -> Played {
        guard (1 ... 366).contains(days) else { throw Problem(description: "--history takes 1 to 366 days, not \(days)") }
        for a in Self.colleagues where try store.agent(uid: a.uid) == nil { try store.addAgent(a) }
        let agents = Self.colleagues.filter { $0.level != .manager }
        let midnight = ReportPeriod.calendar.startOfDay(for: today)
        var played = 0
        for day in (1 ... days).reversed() {
            let start = midnight.addingTimeInterval(-Double(day) * 86_400 + 9 * 3_600)
            let weekday = ReportPeriod.calendar.component(.weekday, from: start)
            let count = weekday == 1 || weekday == 7 ? random.below(2) : 2 + random.below(4)
            for i in 0 ..< count {
                clock.now = start.addingTimeInterval(Double(i) * 5_400 + Double(random.below(1_800)))
                try playSession(number: played + 1, agent: agents[random.below(agents.count)])
                played += 1
            }
        }
        return Played(sessions: played, days: days)
    }

    /// One session from the agent's start to the customer's survey.
    mutating func playSession(number: Int, agent: Agent) throws {
        let topic = Self.topics[random.below(Self.topics.count)]
        let ticket = Ticket(id: "H-\(1000 + number)", subject: "Demo history: \(topic.subject)",
                            customer: Self.customers[random.below(Self.customers.count)], category: topic.category)
        if try store.ticket(id: ticket.id) == nil { try store.addTicket(ticket) }
        let console = open(.local(uid: agent.uid, pid: 1))
        send(console, .hello(Hello(client: "demo-history")))
        send(console, .startSession(StartSession(ticketId: ticket.id)), id: 1)
        let started = try console.first("the session") { if case let .sessionStarted(s) = $0 { s } else { nil } }
        send(console, .attach(Attach(sessionId: started.session.id)))
        // One link in twelve is never opened: the customer never got that far.
        if random.below(12) == 0 {
            clock.advance(600)
            send(console, .endSession(EndSession(sessionId: started.session.id)))
            hub.connectionClosed(console)
            return
        }
        let customer = open(.customer(remote: "127.0.0.1"))
        send(customer, .hello(Hello(client: "demo-history", token: String(started.link.split(separator: "/").last ?? ""))))
        clock.advance(30 + Double(random.below(90)))
        send(customer, .consent(Consent(allow: true, access: .controlled)))
        let mode: ControlMode = [.viewOnly, .viewOnly, .guided, .guided, .guided, .controlled][random.below(6)]
        if mode != .viewOnly {
            clock.advance(60)
            send(console, .requestMode(ModeRequest(mode: mode)))
            send(customer, .modeAnswer(ModeAnswer(mode: mode, accept: true)))
        }
        let minutes = 2 + Double(random.below(16)) + (random.below(8) == 0 ? 12 : 0)
        if random.below(10) == 0 {
            // The connection drops once and the customer comes back.
            clock.advance(120)
            hub.connectionClosed(customer)
            clock.advance(15); hub.tick()
        }
        if random.below(6) == 0 {
            send(console, .qualityCheck)
            send(customer, .qualityAnswer(QualityAnswer(ok: random.below(5) != 0)))
        }
        clock.advance(minutes * 60)
        let outcome: SessionOutcome = switch random.below(10) {
        case 0: .escalated(to: "Tier 2", reason: "needs an engineer")
        case 1, 2: .followUp(plan: "Check back after the fix ships", owner: agent.name, due: Self.day(clock.now.addingTimeInterval(3 * 86_400)))
        default: .resolved
        }
        send(console, .endSession(EndSession(sessionId: started.session.id, outcome: outcome)))
        if random.below(3) != 0 { send(customer, .survey(Survey(stars: [5, 5, 5, 4, 4, 3][random.below(6)]))) }
        hub.connectionClosed(customer)
        hub.connectionClosed(console)
    }

    mutating func open(_ peer: PeerIdentity) -> HistoryPeer {
        defer { nextConnection += 1 }
        let c = HistoryPeer(nextConnection, peer)
        hub.connectionOpened(c)
        return c
    }

    func send(_ c: HistoryPeer, _ m: WireMessage, id: Int? = nil) { hub.connection(c, received: WireCodec.encode(m, id: id)) }

    static func day(_ d: Date) -> String { ReportPeriod.dayText(d) }
}

/// The history's clock: only the player moves it.
final class SimulatedClock: @unchecked Sendable {
    var now = Date(timeIntervalSince1970: 0)
    func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }
}

/// A connection of the history player: keeps what the engine sent it, to read the link and the answers.
final class HistoryPeer: PeerConnection, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    private let lock = NSCondition()
    private var frames: [WireMessage] = []

    init(_ id: Int, _ peer: PeerIdentity) { connectionID = id; self.peer = peer }

    func send(_ payload: [UInt8]) {
        // The engine's own frames; one it cannot read back is the engine's bug, and the player says so when it waits.
        guard let frame = try? WireCodec.decode(payload) else { return }
        lock.lock(); frames.append(frame.message); lock.broadcast(); lock.unlock()
    }
    func close() {}
    func pauseReading() {}
    func resumeReading() {}

    /// The first message `match` picks; the hub answers on the player's thread, a slow store within seconds.
    func first<T>(_ what: String, _ match: (WireMessage) -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(10)
        lock.lock()
        defer { lock.unlock() }
        while true {
            for m in frames { if let hit = match(m) { return hit } }
            if case let .error(e)? = frames.last { throw DemoHistory.Problem(description: "demo history: no \(what): \(e.message)") }
            guard lock.wait(until: deadline) else { throw DemoHistory.Problem(description: "demo history: no \(what) from the engine") }
        }
    }
}

/// A small seeded generator (SplitMix64): the same history, or the same load-test page, on every run.
public struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
