import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The moving parts of `cobrowse bench load`: the page each customer sends,
// the customers and consoles, and the few threads that drive them all.
// The clients' I/O already runs on NIO's event loops and lands in each
// client's inbox; a thread here only drains inboxes and sends, so a handful
// of threads serve thousands of connections without a thread each.

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

/// A small deterministic generator, so each session's page is different but reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One customer's page: a SaaS list view of M nodes (boxes, text runs with
/// dates and amounts, form fields, one small image, a support e-mail the
/// engine masks), different text in every session. Deltas change a few nodes
/// as typing, hovering and an autosave line would.
struct LoadScene {
    private(set) var nodes: [SceneNode] = []
    private(set) var version = 0
    let url: String
    let title: String
    private var rng: SplitMix
    private var fields: [Int] = []
    private var boxes: [Int] = []
    private var stamp = 0
    private var typed = ""

    static let viewport = Size(width: 1280, height: 800)
    private static let words = ["Invoice", "Order", "Shipment", "Refund", "Seat", "Plan", "Workspace", "Report", "Export",
                                "Webhook", "Project", "Member", "Role", "Usage", "Quota", "Region", "Backup", "Alert"]
    private static let names = ["Dana Whitfield", "Ravi Menon", "Lena Vogel", "Tomás Ruiz", "Aiko Tanaka", "Sam Okafor",
                                "Mira Novak", "Jonas Berg", "Priya Shah", "Eli Cohen"]
    private static let labels = ["Full name", "Company", "City", "Team", "Department", "Country", "Project name", "Reference"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    init(session: Int, nodes count: Int) {
        rng = SplitMix(seed: UInt64(session) &* 7919)
        let company = "Northwind " + LetterNumber.encode(UInt64(session)).capitalized
        url = "https://app.northwind.example/orders?page=\(session % 7 + 1)"
        title = "Orders · \(company)"
        let ink = RGB(0x1d, 0x23, 0x30), muted = RGB(0x5a, 0x62, 0x70)
        nodes.append(.box("page", Rect(x: 0, y: 0, width: 1280, height: 800), background: .white, z: 0))
        nodes.append(.box("nav", Rect(x: 0, y: 0, width: 1280, height: 56), background: RGB(0x15, 0x1b, 0x2b), z: 1))
        nodes.append(SceneNode(id: "logo", kind: .image, rect: Rect(x: 20, y: 12, width: 32, height: 32), z: 3,
                               pixels: Self.logo(hue: UInt8(truncatingIfNeeded: session &* 37))))
        nodes.append(.text("brand", Rect(x: 64, y: 18, width: 300, height: 20), company, color: .white, z: 4))
        nodes.append(.text("help", Rect(x: 20, y: 770, width: 600, height: 16),
                           "Questions? Write to support@northwind.example", color: muted, z: 4))
        stamp = nodes.count
        nodes.append(.text(LoadStamp.nodeID, Rect(x: 900, y: 770, width: 360, height: 16),
                           LoadStamp.text(seq: 0, sentAt: 0), color: muted, z: 4))
        var i = 0
        while nodes.count < count {
            let rect = Rect(x: 240 + Double(i % 5) * 205, y: 70 + Double(i / 5) * 18, width: 195, height: 16)
            let id = "n\(i)"
            switch i % 6 {
            case 0:
                boxes.append(nodes.count)
                nodes.append(.box(id, rect, background: RGB(0xf4, 0xf6, 0xfa), border: RGB(0xdd, 0xe1, 0xe8), z: 2))
            case 3:
                nodes.append(.text(id, rect, Self.labels[Int(rng.next() % UInt64(Self.labels.count))], color: muted, z: 4))
            case 4:
                fields.append(nodes.count)
                let label = Self.labels[Int(rng.next() % UInt64(Self.labels.count))]
                var f = SceneNode.field(id, rect, label: label, value: Self.names[Int(rng.next() % UInt64(Self.names.count))], z: 3)
                f.z = 3
                nodes.append(f)
            default:
                nodes.append(.text(id, rect, line(company), color: ink, z: 4))
            }
            i += 1
        }
        if nodes.count > count { nodes.removeLast(nodes.count - count) }
    }

    private mutating func line(_ company: String) -> String {
        let word = Self.words[Int(rng.next() % UInt64(Self.words.count))]
        let name = Self.names[Int(rng.next() % UInt64(Self.names.count))]
        let day = rng.next() % 28 + 1, month = Self.months[Int(rng.next() % 12)]
        let amount = Double(rng.next() % 90_000) / 100
        return "\(word) for \(name) (\(company)) · \(rng.next() % 40 + 1) items · €\(String(format: "%.2f", amount)) · \(day) \(month)"
    }

    /// The whole page as the SDK sends it on join, on request and every 5 s.
    mutating func full(stampedAt now: UInt64) -> Scene {
        version += 1
        nodes[stamp].text = LoadStamp.text(seq: 0, sentAt: now)
        return Scene(version: version, viewport: Self.viewport, url: url, title: title, nodes: nodes,
                     pointer: Point(x: 640, y: 400))
    }

    /// A few changed nodes: the autosave line with the stamp, a keystroke in
    /// a field, a hovered row, and the pointer.
    mutating func delta(seq: Int, stampedAt now: UInt64) -> SceneDelta {
        nodes[stamp].text = LoadStamp.text(seq: seq, sentAt: now)
        var upserts = [nodes[stamp]]
        if !fields.isEmpty {
            let f = fields[Int(rng.next() % UInt64(fields.count))]
            typed = typed.count >= 20 ? "" : typed + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(seq % 26)))
            nodes[f].text = "Northwind " + typed
            upserts.append(nodes[f])
        }
        if !boxes.isEmpty {
            let b = boxes[Int(rng.next() % UInt64(boxes.count))]
            nodes[b].background = nodes[b].background == RGB(0xf4, 0xf6, 0xfa) ? RGB(0xdd, 0xe5, 0xfb) : RGB(0xf4, 0xf6, 0xfa)
            upserts.append(nodes[b])
        }
        let base = version
        version += 1
        let pointer = Point(x: Double(rng.next() % 1280), y: Double(rng.next() % 800))
        return SceneDelta(baseVersion: base, version: version, upserts: upserts, pointer: pointer)
    }

    private static func logo(hue: UInt8) -> PixelBlock {
        let n = 16
        var rgb = Data(capacity: n * n * 3)
        for y in 0 ..< n {
            for x in 0 ..< n {
                let inside = (x - 8) * (x - 8) + (y - 8) * (y - 8) < 49
                rgb.append(contentsOf: inside ? [hue, UInt8(91 + x * 4), 234] : [0x15, 0x1b, 0x2b])
            }
        }
        return PixelBlock(width: n, height: n, rgb: rgb)
    }
}

/// The measurement window, shared by every thread: samples count only when
/// the delta was sent inside it.
final class LoadWindow: @unchecked Sendable {
    struct Bounds { var start = UInt64.max, end = UInt64.max, stopped = false }
    private let lock = NSLock()
    private var bounds = Bounds()

    var current: Bounds { lock.lock(); defer { lock.unlock() }; return bounds }

    func open(start: UInt64, end: UInt64) { lock.lock(); bounds.start = start; bounds.end = end; lock.unlock() }
    func stop() { lock.lock(); bounds.stopped = true; lock.unlock() }
}

/// Something a load thread services on every round.
protocol LoadPollable: AnyObject {
    func service(now: UInt64, window: LoadWindow.Bounds)
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
final class LoadCustomer: LoadPollable {
    let client: CustomerClient
    private var scene: LoadScene
    private let period: UInt64
    private var nextDelta: UInt64
    private var nextFull: UInt64
    private var seq = 0
    /// Deltas sent inside the window; each console should see every one.
    private(set) var sentInWindow = 0
    private(set) var trouble = LoadTrouble()

    static let fullSceneInterval: UInt64 = 5_000_000_000

    init(client: CustomerClient, scene: LoadScene, fps: Double, now: UInt64) {
        self.client = client
        self.scene = scene
        period = UInt64(1e9 / fps)
        // Spread the sessions over the period so they do not all send at once.
        nextDelta = now + UInt64.random(in: 0 ..< period)
        nextFull = now + Self.fullSceneInterval
    }

    /// The SDK sends its page as soon as the customer has consented.
    func join() {
        client.send(.consent(Consent(allow: true, access: .controlled, record: false)))
        client.send(.scene(scene.full(stampedAt: LoadClock.now())))
    }

    func service(now: UInt64, window: LoadWindow.Bounds) {
        guard !trouble.lost else { return }
        for message in client.poll() {
            switch message {
            case let .ping(p): client.send(.pong(p))
            case .requestScene: sendFull()
            case let .error(e): trouble.error("customer: \(e.code.rawValue): \(e.message)")
            case let .sessionEnded(e): trouble.lost = true; trouble.error("customer: session ended: \(e.reason)")
            default: break
            }
        }
        if !trouble.lost, let why = client.closedReason {
            trouble.lost = true
            if trouble.firstError == nil { trouble.firstError = "customer: \(why)" }
        }
        guard !trouble.lost else { return }
        if now >= nextFull { sendFull() }
        if now >= nextDelta {
            seq += 1
            let sentAt = LoadClock.now()
            client.send(.sceneDelta(scene.delta(seq: seq, stampedAt: sentAt)))
            if sentAt >= window.start && sentAt < window.end { sentInWindow += 1 }
            nextDelta += period
            // A customer that fell behind skips the slots it missed, as the SDK coalesces.
            if nextDelta <= now { nextDelta = now + period }
        }
    }

    private func sendFull() {
        client.send(.scene(scene.full(stampedAt: LoadClock.now())))
        nextFull = LoadClock.now() + Self.fullSceneInterval
    }
}

/// One console attached to its session: takes the stamp out of every delta
/// and notes how long it took from the customer's send.
final class LoadConsole: LoadPollable {
    let client: LocalChannelClient
    /// Milliseconds, for deltas sent inside the window.
    private(set) var latencies: [Double] = []
    private(set) var outOfOrder = 0
    private(set) var trouble = LoadTrouble()
    private var lastSeq = 0

    init(client: LocalChannelClient) { self.client = client }

    func service(now _: UInt64, window: LoadWindow.Bounds) {
        guard !trouble.lost else { return }
        let messages = client.poll()
        if messages.isEmpty {
            if let why = client.closedReason { trouble.lost = true; if trouble.firstError == nil { trouble.firstError = "console: \(why)" } }
            return
        }
        let arrived = LoadClock.now()
        for message in messages {
            switch message {
            case let .sceneDelta(d):
                guard let text = d.upserts.first(where: { $0.id == LoadStamp.nodeID })?.text, let stamp = LoadStamp.parse(text) else {
                    trouble.error("console: a delta without a readable stamp")
                    continue
                }
                if stamp.seq <= lastSeq { outOfOrder += 1 }
                lastSeq = stamp.seq
                if stamp.sentAt >= window.start && stamp.sentAt < window.end {
                    latencies.append(Double(arrived &- stamp.sentAt) / 1e6)
                }
            case let .error(e): trouble.error("console: \(e.code.rawValue): \(e.message)")
            case let .sessionEnded(e): trouble.lost = true; trouble.error("console: session ended: \(e.reason)")
            default: break
            }
        }
    }
}

/// A thread that services its share of customers or consoles every
/// millisecond until the window is stopped.
final class LoadWorker: @unchecked Sendable {
    private let lock = NSLock()
    private var incoming: [LoadPollable] = []
    private let window: LoadWindow
    private let finished = DispatchSemaphore(value: 0)
    private let name: String

    init(name: String, window: LoadWindow) {
        self.name = name
        self.window = window
    }

    func add(_ item: LoadPollable) { lock.lock(); incoming.append(item); lock.unlock() }

    func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    func join() { finished.wait() }

    private func loop() {
        var items: [LoadPollable] = []
        while true {
            lock.lock(); items += incoming; incoming.removeAll(); lock.unlock()
            let bounds = window.current
            if bounds.stopped { return }
            let now = LoadClock.now()
            for item in items { item.service(now: now, window: bounds) }
            usleep(1000)
        }
    }
}

/// Opens one session the way an agent and a customer would: K consoles on
/// the socket (the first starts the session, all attach), then the customer
/// over TLS 1.3 WebSocket with the one-time link's token.
enum LoadSessionOpener {
    struct Target { var socket: String; var host: String; var port: Int; var certificate: String }

    static func open(index: Int, consoles count: Int, nodes: Int, fps: Double, target: Target) throws -> (LoadCustomer, [LoadConsole]) {
        var consoles: [LocalChannelClient] = []
        for _ in 0 ..< count {
            consoles.append(try LocalChannelClient.connect(path: target.socket, hello: Hello(client: "bench-load-console"), timeout: 30))
        }
        let started = try consoles[0].request(.startSession(StartSession(ticketId: LoadTickets.id(index))), timeout: 30)
        guard case let .sessionStarted(s) = started else { throw Failure("start-session for \(LoadTickets.id(index)): \(describe(started))") }
        for c in consoles {
            let reply = try c.request(.attach(Attach(sessionId: s.session.id)), timeout: 30)
            guard case .snapshot = reply else { throw Failure("attach to \(s.session.id): \(describe(reply))") }
        }
        guard let token = URL(string: s.link)?.lastPathComponent, !token.isEmpty else { throw Failure("no token in the link \(s.link)") }
        let customer = try CustomerClient.connect(host: target.host, port: target.port, trustedCertificate: target.certificate,
                                                  hello: Hello(client: "bench-load-customer/1", token: token), timeout: 30)
        let loadCustomer = LoadCustomer(client: customer, scene: LoadScene(session: index, nodes: nodes), fps: fps, now: LoadClock.now())
        loadCustomer.join()
        return (loadCustomer, consoles.map(LoadConsole.init))
    }

    private static func describe(_ m: WireMessage) -> String {
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
