import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The moving parts of `cobrowse bench load`: the customers and the few
// threads that drive them, the session opener and the tickets. A customer's
// TLS and WebSocket run on NIO's event loops and land in the client's inbox;
// a thread here only drains inboxes and sends, so two threads serve
// thousands of customers without a thread each. Consoles are in LoadConsole.swift.

/// Nanoseconds on the monotonic clock since the bench started: the one clock
/// both ends of a measurement read (they live in this process).
enum LoadClock {
    private static let epoch = raw()

    static func now() -> UInt64 {
        let start = epoch // set on first use, so it is read before the clock
        return raw() - start
    }

    private static func raw() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// Numbers written in the letters a–z. The redactor hides long digit runs
/// (cards, phones), so a timestamp in digits would not survive the engine;
/// letters pass through untouched.
enum LetterNumber {
    static func encode(_ value: UInt64) -> String {
        var v = value, letters: [UInt8] = []
        repeat {
            letters.append(UInt8(ascii: "a") + UInt8(v % 26))
            v /= 26
        } while v > 0
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    static func decode<S: StringProtocol>(_ text: S) -> UInt64? {
        var v: UInt64 = 0
        for b in text.utf8 {
            guard (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(b) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 26)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "a")))
            guard !o1, !o2 else { return nil }
            v = s
        }
        return text.isEmpty ? nil : v
    }
}

/// The stamp node carries "Draft saved SEQ MICROS" (both in letters): which
/// delta this is and when the customer sent it.
enum LoadStamp {
    static let nodeID = "stamp"

    static func text(seq: Int, sentAt: UInt64) -> String {
        "Draft saved \(LetterNumber.encode(UInt64(seq))) \(LetterNumber.encode(sentAt / 1000))"
    }

    /// (seq, sent at in ns) from a stamp's text.
    static func parse(_ text: String) -> (seq: Int, sentAt: UInt64)? {
        let parts = text.split(separator: " ")
        guard parts.count == 4, let seq = LetterNumber.decode(parts[2]), let micros = LetterNumber.decode(parts[3]),
              seq < UInt64(Int.max) else { return nil }
        return (Int(seq), micros * 1000)
    }
}

/// When the load starts and which deltas count, shared by every thread.
/// Customers stay quiet (they answer pings only) until `go`, so the
/// ramp is not starved by the sessions already open and the window sees N
/// sessions from its first second; samples count when the delta was sent
/// between `start` and `end`.
final class LoadWindow: @unchecked Sendable {
    struct Bounds { var go = UInt64.max, start = UInt64.max, end = UInt64.max, stopped = false }
    private let lock = NSLock()
    private var bounds = Bounds()

    var current: Bounds { lock.lock(); defer { lock.unlock() }; return bounds }

    func open(go: UInt64, start: UInt64, end: UInt64) {
        lock.lock(); bounds.go = go; bounds.start = start; bounds.end = end; lock.unlock()
    }

    func stop() { lock.lock(); bounds.stopped = true; lock.unlock() }
}

/// What went wrong on one connection, for the report.
struct LoadTrouble {
    var errorFrames = 0
    var lost = false
    var firstError: String?

    mutating func error(_ text: String) {
        errorFrames += 1
        if firstError == nil { firstError = text }
    }
}

/// One customer: answers pings and scene requests, sends a delta F times a
/// second and the full page every 5 s, as the browser SDK does.
final class LoadCustomer {
    let client: CustomerClient
    private var scene: LoadScene
    private let period: UInt64
    private var nextDelta = UInt64.max
    private var nextFull = UInt64.max
    private var going = false
    private var seq = 0
    /// Deltas sent inside the window; each console should see every one.
    private(set) var sentInWindow = 0
    private(set) var trouble = LoadTrouble()

    static let fullSceneInterval: UInt64 = 5_000_000_000

    init(client: CustomerClient, scene: LoadScene, fps: Double) {
        self.client = client
        self.scene = scene
        period = UInt64(1e9 / fps)
    }

    /// The SDK sends its page as soon as the customer has consented.
    func join() {
        client.send(.consent(Consent(allow: true, access: .controlled, record: false)))
        sendFull()
    }

    func service(now: UInt64, window: LoadWindow.Bounds) {
        guard !trouble.lost else { return }
        for message in client.poll() {
            switch message {
            case let .ping(p): client.send(.pong(p))
            // Quiet until the start: the engine asks again every 5 s, and the first full page follows the start.
            case .requestScene: if going { sendFull() }
            case let .error(e): trouble.error("customer: \(e.code.rawValue): \(e.message)")
            case let .sessionEnded(e): trouble.lost = true; trouble.error("customer: session ended: \(e.reason)")
            default: break
            }
        }
        if !trouble.lost, let why = client.closedReason {
            trouble.lost = true
            if trouble.firstError == nil { trouble.firstError = "customer: \(why)" }
        }
        guard !trouble.lost, now >= window.go else { return }
        if !going {
            // Spread the sessions over the period (and the full scenes over theirs) so they do not all send at once.
            going = true
            nextDelta = now + UInt64.random(in: 0 ..< period)
            nextFull = now + UInt64.random(in: 0 ..< Self.fullSceneInterval)
        }
        if now >= nextFull { sendFull() }
        if now >= nextDelta {
            seq += 1
            let sentAt = LoadClock.now()
            client.send(encodedFrame: scene.deltaFrame(seq: seq, stampedAt: sentAt).frame)
            if sentAt >= window.start && sentAt < window.end { sentInWindow += 1 }
            nextDelta += period
            // A customer that fell behind skips the slots it missed, as the SDK coalesces.
            if nextDelta <= now { nextDelta = now + period }
        }
    }

    private func sendFull() {
        let now = LoadClock.now()
        client.send(encodedFrame: scene.fullFrame(stampedAt: now))
        nextFull = now + Self.fullSceneInterval
    }
}

/// A named thread that other threads hand items to (customers, consoles)
/// while it runs its `loop()`, which takes them with `takeIncoming()`.
class LoadThread<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var incoming: [Item] = []
    private let finished = DispatchSemaphore(value: 0)
    private let name: String
    let window: LoadWindow

    init(name: String, window: LoadWindow) {
        self.name = name
        self.window = window
    }

    func add(_ item: Item) { lock.lock(); incoming.append(item); lock.unlock() }

    func takeIncoming() -> [Item] {
        lock.lock(); defer { lock.unlock() }
        let items = incoming
        incoming.removeAll()
        return items
    }

    func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    func join() { finished.wait() }

    /// Runs until the window is stopped.
    func loop() { preconditionFailure("each kind of load thread runs a loop of its own") }
}

/// A thread that services its share of customers every millisecond until
/// the window is stopped.
final class LoadWorker: LoadThread<LoadCustomer>, @unchecked Sendable {
    override func loop() {
        var customers: [LoadCustomer] = []
        while true {
            customers += takeIncoming()
            let bounds = window.current
            if bounds.stopped { return }
            let now = LoadClock.now()
            for c in customers { c.service(now: now, window: bounds) }
            usleep(1000)
        }
    }
}

/// Opens one session the way an agent and a customer would: the agent's
/// desk (a LocalChannelClient) starts it, K consoles attach on the socket,
/// then the customer comes in over TLS 1.3 WebSocket with the one-time
/// link's token and consents.
enum LoadSessionOpener {
    struct Target { var socket: String; var host: String; var port: Int; var certificate: String }

    static func desk(_ target: Target) throws -> LocalChannelClient {
        try LocalChannelClient.connect(path: target.socket, hello: Hello(client: "bench-load-desk"), timeout: 30)
    }

    static func open(index: Int, desk: LocalChannelClient, consoles count: Int, nodes: Int, fps: Double,
                     target: Target) throws -> (LoadCustomer, [LoadConsole]) {
        let started = try desk.request(.startSession(StartSession(ticketId: LoadTickets.id(index))), timeout: 30)
        guard case let .sessionStarted(s) = started else { throw Failure("start-session for \(LoadTickets.id(index)): \(describe(started))") }
        var consoles: [LoadConsole] = []
        for _ in 0 ..< count {
            let console = try LoadConsole.connect(path: target.socket, timeout: 30)
            try console.attach(sessionId: s.session.id, timeout: 30)
            consoles.append(console)
        }
        guard let token = URL(string: s.link)?.lastPathComponent, !token.isEmpty else { throw Failure("no token in the link \(s.link)") }
        let customer = try CustomerClient.connect(host: target.host, port: target.port, trustedCertificate: target.certificate,
                                                  hello: Hello(client: "bench-load-customer/1", token: token), timeout: 30)
        let loadCustomer = LoadCustomer(client: customer, scene: LoadScene(session: index, nodes: nodes), fps: fps)
        loadCustomer.join()
        return (loadCustomer, consoles)
    }

    static func describe(_ m: WireMessage) -> String {
        if case let .error(e) = m { return "\(e.code.rawValue): \(e.message)" }
        return "unexpected \(m.type)"
    }
}

/// The tickets a load run registers, one per session.
enum LoadTickets {
    static func id(_ index: Int) -> String { "L-\(index + 1)" }

    static func csv(count: Int) -> String {
        var out = "id,subject,customer,category\n"
        for i in 0 ..< count { out += "\(id(i)),Orders page is slow,Load customer \(i + 1),load\n" }
        return out
    }
}
