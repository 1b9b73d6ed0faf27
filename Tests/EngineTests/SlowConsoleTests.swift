import Foundation
import NIOCore
import NIOPosix
import XCTest
@testable import Engine

/// A console on the real Unix socket that stops reading: the engine queues a
/// bounded amount for it, drops the rest, never slows the other console or
/// the customer, and sends the current state once the console reads again.
final class SlowConsoleTests: XCTestCase {
    func testAConsoleThatStopsReadingIsNotBufferedForWithoutEndAndCatchesUpWithTheCurrentScene() throws {
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        let me = Agent(name: "Maria S.", uid: Int(getuid()), level: .l2)
        try store.addAgent(me)
        try store.addTicket(Ticket(id: "T-1", subject: "Slow terminal", customer: "Dana W."))
        let hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .dispatch)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let server = LocalChannelServer()
        try server.start(path: dir.file("engine.sock"), sink: hub, group: group)
        defer { server.stop() }

        let started = try hub.startSession(ticketId: "T-1", record: false, agent: me)
        let sid = started.session.id
        let slow = try RawSocketConsole(path: dir.file("engine.sock"))
        defer { slow.close() }
        slow.send(.hello(Hello(client: "slow")))
        slow.send(.attach(Attach(sessionId: sid)))
        let brisk = try LocalChannelClient.connect(path: dir.file("engine.sock"), hello: Hello(client: "brisk"), timeout: 5)
        defer { brisk.close() }
        _ = try brisk.request(.attach(Attach(sessionId: sid)), timeout: 5)

        let customer = InProcessPeer(id: 9_999, peer: .customer(remote: "127.0.0.1:7"))
        hub.connectionOpened(customer)
        hub.connection(customer, received: WireCodec.encode(.hello(Hello(client: "sdk", token: String(started.link.split(separator: "/").last!)))))
        hub.connection(customer, received: WireCodec.encode(.consent(Consent(allow: true, access: .viewOnly))))

        // About 55 MB of scenes (pictures: the redactor has no text to scan) while the slow console reads nothing.
        let picture = PixelBlock(width: 128, height: 128, rgb: Data((0 ..< 128 * 128 * 3).map { UInt8($0 % 251) }))
        var sentBytes = 0
        let sending = Date()
        for v in 1 ... 60 {
            // New pictures with new ids: a new page each time, so each goes to the consoles whole.
            let nodes = (0 ..< 14).map { SceneNode(id: "i\(v)-\($0)", kind: .image, rect: Rect(x: 0, y: Double($0 * 40), width: 40, height: 40), pixels: picture) }
            let frame = WireCodec.encode(.scene(Scene(version: v, viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "Page \(v)", nodes: nodes)))
            sentBytes += frame.count
            customer.waitUntilRead()
            hub.connection(customer, received: frame)
        }
        let sendSeconds = Date().timeIntervalSince(sending)
        XCTAssertGreaterThan(sentBytes, 50_000_000)

        // The other console keeps up.
        var latest = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, latest != "Page 60" {
            for m in brisk.poll() { if case let .scene(s) = m { latest = s.title } }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(latest, "Page 60", "a slow console must not hold up another")
        XCTAssertLessThan(sendSeconds, 60, "the customer's messages were taken without waiting for the slow console")

        // The slow console reads again: far less than was sent, and the current scene at the end.
        let frames = slow.readUntilQuiet(seconds: 2)
        let received = frames.reduce(0) { $0 + $1.count }
        XCTAssertLessThan(received, 25_000_000, "bounded: \(received) of \(sentBytes) bytes")
        let titles = frames.compactMap { bytes -> String? in
            switch try? WireCodec.decode(bytes).message {
            case let .snapshot(s)?: return s.scene?.title
            case let .scene(s)?: return s.title
            default: return nil
            }
        }
        XCTAssertEqual(titles.last, "Page 60", "caught up with what is true now")
    }
}

/// A peer the hub talks to in-process (the customer here: its side is not
/// under test). It honours the hub's pause as a socket would: the sender
/// waits in `waitUntilRead` while the engine is not reading.
final class InProcessPeer: PeerConnection, @unchecked Sendable {
    let connectionID: Int
    let peer: PeerIdentity
    private let reading = NSCondition()
    private var paused = false
    init(id: Int, peer: PeerIdentity) { connectionID = id; self.peer = peer }
    func send(_ payload: [UInt8]) {}
    func close() {}
    func pauseReading() { reading.lock(); paused = true; reading.unlock() }
    func resumeReading() { reading.lock(); paused = false; reading.broadcast(); reading.unlock() }

    /// Returns once the engine reads from this peer again (at once when it does).
    func waitUntilRead(timeout: TimeInterval = 30) {
        let deadline = Date().addingTimeInterval(timeout)
        reading.lock()
        while paused, reading.wait(until: deadline) {}
        reading.unlock()
    }
}

/// A console on the Unix socket that reads only when told to.
final class RawSocketConsole {
    private let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw TransportError("connect \(path): \(String(cString: strerror(errno)))") }
    }

    func send(_ message: WireMessage) {
        let frame = LengthPrefixFramer.frame(WireCodec.encode(message))
        frame.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    }

    /// Every complete frame that arrives until nothing has come for `seconds`.
    func readUntilQuiet(seconds: Double) -> [[UInt8]] {
        var framer = LengthPrefixFramer(limit: WireProtocol.maxMessageBytes)
        var frames: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(seconds * 1000)) > 0 else { break }
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { break }
            framer.append(buffer[0 ..< n])
            while let out = framer.next() { if case let .frame(f) = out { frames.append(f) } }
        }
        return frames
    }

    func close() { Glibc.close(fd) }
}
