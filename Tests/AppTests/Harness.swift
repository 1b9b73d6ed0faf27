import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// Runs the real `cobrowse` binary: an engine on a temp data dir and a free
/// port, consoles in tmux, customers as separate processes. Everything it
/// starts is stopped in `shutdown()`.
final class EngineFixture {
    let dir: String
    let port: Int
    /// `DIR/engine.sock` unless a test serves on another path (`startEngine(extra: ["--socket", …])`).
    var socket: String
    var certificate: String { dir + "/tls/cert.pem" }
    private var processes: [Process] = []
    private var tmuxServers: [String] = []

    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["COBROWSE_BIN"] { return b }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The xctest bundle sits in the products directory, next to the executable.
        var dir = here
        for _ in 0 ..< 4 {
            let candidate = dir.appendingPathComponent("cobrowse").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return here.appendingPathComponent("cobrowse").path
    }

    init(agents: Bool = true) throws {
        dir = NSTemporaryDirectory() + "cobrowse-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = try Self.freePort()
        socket = dir + "/engine.sock"
        if agents {
            try run(["agents", "add", "Maria S.", "--uid", "\(getuid())", "--level", "L2", "--data", dir])
        }
        try run(["tickets", "add", "--id", "T-7", "--subject", "Card update fails on billing page",
                 "--customer", "Dana Whitfield", "--category", "billing", "--data", dir])
    }

    /// Starts `cobrowse serve` and waits until both listeners are up.
    func startEngine(extra: [String] = []) throws {
        if let i = extra.firstIndex(of: "--socket"), i + 1 < extra.count { socket = extra[i + 1] }
        let p = try spawn(["serve", "--data", dir, "--listen", "127.0.0.1:\(port)"] + extra)
        try waitUntil(timeout: 30, "engine socket") { FileManager.default.fileExists(atPath: self.socket) }
        _ = p
        try waitUntil(timeout: 15, "gateway port") { Self.canConnect(port: self.port) }
    }

    /// `cobrowse invite`: returns (session id, link).
    func invite(ticket: String = "T-7") throws -> (session: String, link: String) {
        let out = try run(["invite", "--ticket", ticket, "--socket", socket])
        let lines = out.stdout.split(separator: "\n").map(String.init)
        guard let sessionLine = lines.first(where: { $0.hasPrefix("session: ") }), let link = lines.last, link.hasPrefix("https://") else {
            throw FixtureError("invite printed no session/link:\n\(out.stdout)\n\(out.stderr)")
        }
        return (String(sessionLine.dropFirst("session: ".count)), link)
    }

    @discardableResult
    func spawnCustomer(_ link: String, extra: [String] = []) throws -> Process {
        try spawn(["customer", link, "--cacert", certificate, "--pace", "0.2", "--dwell", "2"] + extra)
    }

    // MARK: - tmux

    /// Starts the console in a detached tmux pane of the given size; returns the tmux server name.
    func startConsole(_ args: [String], width: Int = 200, height: Int = 60, env: [String: String] = [:]) throws -> String {
        let server = "cbt-\(getpid())-\(tmuxServers.count)-\(UUID().uuidString.prefix(4))"
        tmuxServers.append(server)
        let envPrefix = env.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let command = "\(envPrefix) \(Self.quote(Self.binary)) \(args.map(Self.quote).joined(separator: " ")); sleep 30"
        try runTool("/usr/bin/env", ["tmux", "-L", server, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
                                      "-e", "TERM=tmux-256color", "sh", "-c", command])
        return server
    }

    func capture(_ server: String) -> String {
        (try? runTool("/usr/bin/env", ["tmux", "-L", server, "capture-pane", "-p", "-t", "0"]).stdout) ?? ""
    }

    func sendKeys(_ server: String, _ keys: String...) {
        _ = try? runTool("/usr/bin/env", ["tmux", "-L", server, "send-keys", "-t", "0"] + keys)
    }

    /// Quits `cobrowse demo` the way an agent does: Q, then y to the question about its live session.
    func quitDemo(_ server: String) {
        sendKeys(server, "Q")
        if (try? waitForScreen(server, timeout: 10, "the quit question") { $0.contains("Quit?") }) != nil { sendKeys(server, "y") }
    }

    func resize(_ server: String, width: Int, height: Int) {
        _ = try? runTool("/usr/bin/env", ["tmux", "-L", server, "resize-window", "-t", "0", "-x", "\(width)", "-y", "\(height)"])
    }

    func killConsole(_ server: String) {
        _ = try? runTool("/usr/bin/env", ["tmux", "-L", server, "kill-server"])
    }

    /// Polls the pane until `predicate` holds; returns the last capture.
    @discardableResult
    func waitForScreen(_ server: String, timeout: TimeInterval = 30, _ what: String, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = capture(server)
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.25)
        }
        throw FixtureError("timed out waiting for \(what); screen was:\n\(last)")
    }

    // MARK: - processes

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    @discardableResult
    func run(_ args: [String], expectFailure: Bool = false) throws -> Output {
        let out = try runTool(Self.binary, args)
        if !expectFailure && out.status != 0 {
            throw FixtureError("cobrowse \(args.joined(separator: " ")) failed (\(out.status)): \(out.stderr)\(out.stdout)")
        }
        return out
    }

    @discardableResult
    func runTool(_ path: String, _ args: [String], stdin: String? = nil) throws -> Output {
        // Output goes to files, not pipes: tmux's server inherits the child's
        // descriptors, so a pipe would never reach end-of-file.
        let base = dir + "/tool-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        if let stdin { _ = FileManager.default.createFile(atPath: base + ".in", contents: Data(stdin.utf8)) }
        defer {
            for ext in [".out", ".err", ".in"] { try? FileManager.default.removeItem(atPath: base + ext) }
        }
        let status = try Self.spawnAndWait(path, args, stdin: stdin == nil ? "/dev/null" : base + ".in", stdout: base + ".out", stderr: base + ".err")
        return Output(status: status,
                      stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// posix_spawn + waitpid. Foundation's Process cannot be used for tmux: it
    /// watches the child through a descriptor that tmux's daemonised server
    /// inherits, so `waitUntilExit` would never return.
    static func spawnAndWait(_ path: String, _ args: [String], stdin: String = "/dev/null", stdout: String, stderr: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw FixtureError("could not start \(path): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand (they are macros).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func spawn(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        let log = FileHandle(forWritingAtPath: logFile(args.first ?? "proc")) ?? FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        return p
    }

    private func logFile(_ name: String) -> String {
        let path = dir + "/\(name)-\(processes.count).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    func logs() -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { $0.hasSuffix(".log") }.sorted().map { f in
            "--- \(f)\n" + ((try? String(contentsOfFile: dir + "/" + f, encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    func shutdown() {
        for s in tmuxServers { killConsole(s) }
        for p in processes where p.isRunning {
            p.terminate()
        }
        for p in processes { p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: - helpers

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func freePort() throws -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw FixtureError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func waitUntil(timeout: TimeInterval, _ what: String, _ predicate: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if predicate() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw FixtureError("timed out waiting for \(what)\n\(logs())")
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Anything that looks like a payment card number (13–19 digits, optionally
/// grouped): the console must never show one.
func containsCardNumber(_ text: String) -> Bool {
    text.range(of: #"\b(?:\d[ -]?){12,18}\d\b"#, options: .regularExpression) != nil
}
