import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A console of a load run: a plain Unix socket to the engine, read by a
/// `LoadConsolePoller` thread with poll(). It speaks the handshake and
/// `attach` through the codec, then reads the stream without decoding it:
/// a full scene costs milliseconds to decode, and a thousand consoles doing
/// that would measure the load generator instead of the engine. A frame's
/// type is read from its tail (the engine's encoder sorts keys, so `type`
/// and `v` come last; anything else is decoded properly), the stamp from
/// the delta's text.
final class LoadConsole {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private let counter = NSLock()
    private var payloadBytes = 0
    /// Milliseconds, for deltas sent inside the window, and when each was sent.
    private(set) var latencies: [Double] = []
    private(set) var sentAt: [UInt64] = []
    private(set) var outOfOrder = 0
    private(set) var trouble = LoadTrouble()
    private var lastSeq = 0

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Payload bytes received so far (frames without their length prefix).
    var bytesReceived: Int { counter.lock(); defer { counter.unlock() }; return payloadBytes }

    static func connect(path: String, timeout: TimeInterval) throws -> LoadConsole {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket(): errno \(errno)") }
        let console = LoadConsole(fd: fd)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw Failure("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw Failure("cannot connect to \(path): errno \(errno)") }
        try console.write(WireCodec.encode(.hello(Hello(client: "bench-load-console"))))
        let reply = try WireCodec.decode(console.awaitFrame(timeout: timeout))
        guard case .welcome = reply.message else { throw Failure("console hello: \(LoadSessionOpener.describe(reply.message))") }
        return console
    }

    /// Attaches and waits for the snapshot; from then on the socket is non-blocking and only read.
    func attach(sessionId: String, timeout: TimeInterval) throws {
        try write(WireCodec.encode(.attach(Attach(sessionId: sessionId)), id: 1))
        while true {
            let frame = try WireCodec.decode(awaitFrame(timeout: timeout))
            guard frame.re == 1 else { continue }
            guard case .snapshot = frame.message else { throw Failure("attach to \(sessionId): \(LoadSessionOpener.describe(frame.message))") }
            break
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    private func write(_ payload: [UInt8]) throws {
        let frame = LengthPrefixFramer.frame(payload)
        var sent = 0
        while sent < frame.count {
            let n = frame[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure("write to the engine failed: errno \(errno)") }
            sent += n
        }
    }

    /// Blocking read of one frame, for the handshake and attach only.
    private func awaitFrame(timeout: TimeInterval) throws -> ArraySlice<UInt8> {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let frame = try nextFrame() { return frame }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard left > 0, poll(&p, 1, left) > 0 else { throw Failure("the engine did not answer the console within \(Int(timeout)) s") }
            guard try fill() else { throw Failure("the engine closed the console's connection") }
        }
    }

    /// Reads what is there; false once the engine has closed the connection.
    private func fill() throws -> Bool {
        while true {
            let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: scratch[0 ..< n])
                if n < scratch.count { return true }
                continue
            }
            if n == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return true }
            throw Failure("read from the engine failed: errno \(errno)")
        }
    }

    private func nextFrame() throws -> ArraySlice<UInt8>? {
        let available = buffer.count - consumed
        guard available >= 4 else { return compact() }
        let length = buffer[consumed ..< consumed + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= 2 * WireProtocol.maxMessageBytes else { throw Failure("the engine sent a \(length)-byte frame") }
        guard available >= 4 + length else { return compact() }
        let frame = buffer[consumed + 4 ..< consumed + 4 + length]
        consumed += 4 + length
        counter.lock(); payloadBytes += length; counter.unlock()
        return frame
    }

    private func compact() -> ArraySlice<UInt8>? {
        if consumed > 0 { buffer.removeFirst(consumed); consumed = 0 }
        return nil
    }

    /// Called by the poller when the socket is readable.
    func service(window: LoadWindow.Bounds) {
        guard !trouble.lost else { return }
        do {
            let open = try fill()
            let arrived = LoadClock.now()
            while let frame = try nextFrame() { handle(frame, arrived: arrived, window: window) }
            if !open { lost("the engine closed the connection") }
        } catch {
            lost("\(error)")
        }
    }

    private func lost(_ why: String) {
        trouble.lost = true
        if trouble.firstError == nil { trouble.firstError = "console: \(why)" }
    }

    private func handle(_ frame: ArraySlice<UInt8>, arrived: UInt64, window: LoadWindow.Bounds) {
        switch Self.type(of: frame) {
        case "scene-delta":
            guard let stamp = Self.stamp(in: frame) else { return trouble.error("console: a delta without a readable stamp") }
            // Seq 0 is the customer's periodic full page, which reaches consoles as the delta of what changed in it.
            if stamp.seq == 0 { return }
            if stamp.seq <= lastSeq { outOfOrder += 1 }
            lastSeq = stamp.seq
            if stamp.sentAt >= window.start && stamp.sentAt < window.end {
                latencies.append(Double(arrived &- stamp.sentAt) / 1e6)
                sentAt.append(stamp.sentAt)
            }
        case "error":
            if case let .error(e)? = try? WireCodec.decode(frame).message { trouble.error("console: \(e.code.rawValue): \(e.message)") }
            else { trouble.error("console: an error frame") }
        case "session-ended":
            lost("the session ended")
        default:
            break
        }
    }

    private static let typeKey = Array("\"type\":\"".utf8)
    private static let stampMark = Array("Draft saved ".utf8)

    /// The frame's type from its last `"type":"…"`, or from the codec when the tail does not say.
    static func type(of frame: ArraySlice<UInt8>) -> String {
        let tail = frame.suffix(96)
        if let at = lastRange(of: typeKey, in: tail) {
            let rest = tail[at.upperBound...]
            if let end = rest.firstIndex(of: UInt8(ascii: "\"")) { return String(decoding: rest[..<end], as: UTF8.self) }
        }
        return (try? WireCodec.decode(frame))?.message.type ?? "?"
    }

    static func stamp(in frame: ArraySlice<UInt8>) -> (seq: Int, sentAt: UInt64)? {
        guard let at = firstRange(of: stampMark, in: frame) else { return nil }
        let rest = frame[at.lowerBound...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return LoadStamp.parse(String(decoding: rest[..<end], as: UTF8.self))
    }

    private static func firstRange(of needle: [UInt8], in hay: ArraySlice<UInt8>) -> Range<Int>? {
        guard hay.count >= needle.count else { return nil }
        var i = hay.startIndex
        while i <= hay.endIndex - needle.count {
            if hay[i] == needle[0], hay[i ..< i + needle.count].elementsEqual(needle) { return i ..< i + needle.count }
            i += 1
        }
        return nil
    }

    private static func lastRange(of needle: [UInt8], in hay: ArraySlice<UInt8>) -> Range<Int>? {
        guard hay.count >= needle.count else { return nil }
        var i = hay.endIndex - needle.count
        while i >= hay.startIndex {
            if hay[i] == needle[0], hay[i ..< i + needle.count].elementsEqual(needle) { return i ..< i + needle.count }
            i -= 1
        }
        return nil
    }
}

/// A thread that waits on its consoles' sockets with poll() and reads
/// whichever are ready, so an arrival is noted when it happens.
final class LoadConsolePoller: LoadThread<LoadConsole>, @unchecked Sendable {
    override func loop() {
        var consoles: [LoadConsole] = []
        var fds: [pollfd] = []
        while true {
            let arrived = takeIncoming()
            if !arrived.isEmpty {
                consoles += arrived
                fds = consoles.map { pollfd(fd: $0.trouble.lost ? -1 : $0.fd, events: Int16(POLLIN), revents: 0) }
            }
            let bounds = window.current
            if bounds.stopped { return }
            guard !fds.isEmpty else { usleep(5000); continue }
            // A short timeout: new consoles and the stop are picked up promptly.
            guard poll(&fds, nfds_t(fds.count), 5) > 0 else { continue }
            for i in fds.indices where fds[i].revents != 0 {
                consoles[i].service(window: bounds)
                if consoles[i].trouble.lost { fds[i].fd = -1 } // poll() skips negative descriptors
                fds[i].revents = 0
            }
        }
    }
}
