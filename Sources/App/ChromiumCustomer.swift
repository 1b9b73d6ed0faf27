import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The demo's headless-Chromium customer: whether it can run here,
/// and the process tree that runs it (python → chromedriver → chromium), in a
/// process group of its own so that stopping the demo — quitting the console,
/// Ctrl-C, SIGTERM — ends all of it. Its output goes to the demo's log file.
struct ChromiumCustomer {
    var chromium = ProcessInfo.processInfo.environment["COBROWSE_CHROMIUM"] ?? "/usr/bin/chromium"
    var chromedriver = ProcessInfo.processInfo.environment["COBROWSE_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
    var python = "/usr/bin/python3"

    /// nil when Chromium, chromedriver and python3 with Selenium are all here; else what is missing.
    func missing() -> String? {
        for (what, path) in [("chromium", chromium), ("chromedriver", chromedriver), ("python3", python)]
            where !FileManager.default.isExecutableFile(atPath: path) {
            return "\(what) not found at \(path)"
        }
        let status = (try? ChromiumProcess.runQuietly(python, ["-c", "import selenium"])) ?? -1
        return status == 0 ? nil : "\(python) cannot import selenium (Debian package python3-selenium)"
    }

    /// Writes the script into `directory` and starts it on `link`.
    func start(link: String, record: Bool, pause: Double, rounds: Int, directory: String, log: String) throws -> ChromiumProcess {
        // The driver ships inside the binary (Web/Assets/customer), so an installed `cobrowse` needs no source tree.
        let script = (directory as NSString).appendingPathComponent("chromium-customer.py")
        guard let source = WebAssets.bytes("customer/chromium-customer.py") else { throw Failure("this build carries no Chromium customer") }
        guard FileManager.default.createFile(atPath: script, contents: Data(source),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw Failure("cannot write \(script)")
        }
        let profile = (directory as NSString).appendingPathComponent("chromium-profile")
        try? FileManager.default.removeItem(atPath: profile)
        var args = [python, script, link, "--pause", String(pause), "--rounds", String(rounds),
                    "--chromium", chromium, "--chromedriver", chromedriver, "--profile", profile]
        if record { args.append("--record") }
        return try ChromiumProcess.start(args, log: log, profile: profile)
    }
}

/// One process group started with posix_spawn; `stop()` ends every process in
/// it, then any process still using its Chromium profile (a renderer that left
/// the group), and waits for the leader.
final class ChromiumProcess: @unchecked Sendable {
    let pid: pid_t
    let profile: String
    private let lock = NSLock()
    private var stopped = false
    private var finished: Int32?

    private init(pid: pid_t, profile: String) { self.pid = pid; self.profile = profile }

    static func start(_ argv: [String], log: String, profile: String) throws -> ChromiumProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Appended to the demo's log: never the terminal, which belongs to ncurses.
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Its own group: the terminal's Ctrl-C reaches the demo, which then ends the whole group.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, args, environ)
        guard rc == 0 else { throw Failure("could not start \(argv[0]): \(String(cString: strerror(rc)))") }
        return ChromiumProcess(pid: pid, profile: profile)
    }

    /// The script's exit status once it has ended on its own (a browser that would not start, say); nil while it runs.
    func exited() -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if let finished { return finished }
        guard !stopped else { return nil }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        finished = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        // Whatever it left behind goes too.
        kill(-pid, SIGKILL)
        for other in Self.processes(using: profile) { kill(other, SIGKILL) }
        return finished
    }

    /// Ends the browser: SIGTERM to the group (the script quits Chromium), SIGKILL
    /// after 5 s, then anything still running on the profile. Safe to call twice.
    func stop() {
        lock.lock(); defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        if finished != nil { return }
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        var status: Int32 = 0
        var reaped = false
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        // Whatever of the group is left (chromedriver, chromium) goes now.
        kill(-pid, SIGKILL)
        if !reaped { waitpid(pid, &status, 0) }
        for other in Self.processes(using: profile) { kill(other, SIGKILL) }
    }

    /// Processes whose command line names this profile directory (ours alone: it is inside the demo's directory).
    static func processes(using profile: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let cmdline = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return cmdline.contains("--user-data-dir=\(profile)") ? pid : nil
        }
    }

    /// Runs a short command with no output anywhere; its exit status.
    static func runQuietly(_ path: String, _ args: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure("could not start \(path)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
