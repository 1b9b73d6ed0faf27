import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The engine under load: `cobrowse serve` as a child process in a throw-away
/// data directory on a free loopback port, with the per-address bounds raised
/// (every customer of a load test comes from 127.0.0.1, every console from
/// one uid). Read from /proc while it runs; killed and removed by `stop()`.
final class LoadEngineProcess: @unchecked Sendable {
    let binary: String
    let dir: String
    let port: Int
    var socket: String { dir + "/engine.sock" }
    var certificate: String { dir + "/tls/cert.pem" }
    private var process: Process?
    private let stopping = NSLock()
    private(set) var pid: Int32 = 0

    init(binary: String) throws {
        self.binary = binary
        // Short: the socket path must fit in sun_path (108 bytes).
        dir = "/tmp/cobrowse-load-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        port = try Self.freePort()
    }

    /// Registers the calling uid as an L2 agent and one ticket per session,
    /// through the engine binary's own CLI (so another build reads its own schema).
    func register(tickets: Int) throws {
        try runCLI(["agents", "add", "Load bench", "--uid", "\(getuid())", "--level", "L2", "--data", dir])
        let file = dir + "/tickets.csv"
        try LoadTickets.csv(count: tickets).write(toFile: file, atomically: true, encoding: .utf8)
        try runCLI(["tickets", "import", file, "--data", dir])
    }

    func start(sessions: Int, consolesPerSession: Int) throws {
        let connections = sessions * (consolesPerSession + 1)
        let p = Process()
        let serve = [binary, "serve", "--data", dir, "--listen", "127.0.0.1:\(port)",
                       "--link-lookups-per-second", "\(min(100_000, max(100, sessions * 10)))",
                       "--requests-per-second", "\(min(1_000_000, max(100, sessions * 20)))",
                       "--pending-handshakes-per-address", "\(max(64, connections * 2))",
                       "--connections-per-address", "\(max(256, connections * 2))"]
        // When setpriv is there the engine dies with this process, even if the bench crashes.
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            p.executableURL = URL(fileURLWithPath: Self.setpriv)
            p.arguments = ["--pdeathsig", "TERM", "--"] + serve
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = Array(serve.dropFirst())
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath) ?? FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        pid = p.processIdentifier
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard p.isRunning else { throw Failure("the engine exited at start:\n\(logTail())") }
            if FileManager.default.fileExists(atPath: socket), FileManager.default.fileExists(atPath: certificate),
               Self.canConnect(port: port) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure("the engine did not come up within 60 s:\n\(logTail())")
    }

    static let setpriv = "/usr/bin/setpriv"

    var logPath: String { dir + "/engine.log" }

    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// utime + stime of the engine, in clock ticks.
    func cpuTicks() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name; utime and stime are fields 14 and 15 of the whole line.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Int(fields[11]), let s = Int(fields[12]) else { return nil }
        return u + s
    }

    /// Ticks every CPU of the machine spent busy (the first line of /proc/stat, less idle and iowait).
    static func machineBusyTicks() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let cpu = stat.split(separator: "\n").first, cpu.hasPrefix("cpu ") else { return nil }
        let ticks = cpu.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard ticks.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal …: guest time is already in user.
        return ticks.prefix(8).reduce(0, +) - ticks[3] - ticks[4]
    }

    /// VmRSS and VmHWM (peak) of the engine, in kB.
    func memoryKB() -> (rss: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// SIGTERM, then SIGKILL if it has not gone in 5 s; then the data directory goes.
    func stop() {
        stopping.lock(); defer { stopping.unlock() }
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        }
        process = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func runCLI(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure("\(binary) \(args.joined(separator: " ")) failed: \(text)") }
    }

    /// This program's own binary, the default engine.
    static var ownBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func freePort() throws -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Failure("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = loopback(port: port)
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return addr
    }
}
