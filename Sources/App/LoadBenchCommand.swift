import ArgumentParser
import Dispatch
import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cobrowse bench load`: N customers over the real TLS 1.3 WebSocket and K
/// consoles each on the Unix socket against a `cobrowse serve` of its own;
/// customer→console latency, the engine's CPU and memory per session, bytes
/// per session, and everything that went wrong.
struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load the engine with N live sessions and measure latency, CPU, memory and bytes per session.",
        discussion: """
        Starts `cobrowse serve` (this binary, or --engine) in a temporary data directory on a free 127.0.0.1 port \
        with the per-address limits raised, registers the calling uid as an L2 agent and one ticket per session, \
        then opens N sessions: the agent's desk starts each, K consoles attach on the socket, and a customer on \
        the one-time link consents and sends a page of --nodes nodes. When all are open the customers start \
        together: a delta --fps times a second and the full page every 5 s, as the SDK does. Each delta carries its send time (in letters, which the redactor leaves alone); consoles note when it \
        arrives. Only deltas sent in the window (after the ramp and --warmup) count. Engine CPU is utime+stime \
        over the window in % of one core, RSS is VmRSS at the end of the window minus the idle engine's; both \
        per session. Bytes are payload bytes per session per second: sent by the customer (in) and received by \
        all its consoles (out). Errors are error frames, lost connections, deltas that did not reach a console \
        within \(Int(drainSeconds)) s of the window's end, deltas out of order and sessions that did not start. \
        The last line is `load sessions=N fps=F consoles=K p50_ms=… p99_ms=… max_ms=… cpu_pct_per_session=… \
        rss_kb_per_session=… bytes_in_per_session=… bytes_out_per_session=… errors=…`; the exit status is 1 when errors > 0.
        """)

    @Option(help: "Live sessions (one customer each).") var sessions: Int
    @Option(help: "Scene deltas each customer sends a second.") var fps: Double = 5
    @Option(help: "Length of the measurement window.") var seconds: Double = 30
    @Option(name: .customLong("consoles-per-session"), help: "Consoles attached to each session.") var consolesPerSession = 1
    @Option(help: "Nodes in each customer's page.") var nodes = 200
    @Option(help: "Seconds after the ramp before the window opens.") var warmup: Double = 3
    @Option(help: ArgumentHelp("The cobrowse binary to run as the engine (default: this one).", valueName: "PATH")) var engine: String?

    static let drainSeconds: Double = 3

    func validate() throws {
        guard (1 ... 5000).contains(sessions) else { throw ValidationError("--sessions must be 1...5000") }
        guard fps >= 0.1, fps <= 60 else { throw ValidationError("--fps must be 0.1...60") }
        guard seconds >= 1, seconds <= 3600 else { throw ValidationError("--seconds must be 1...3600") }
        guard (1 ... 10).contains(consolesPerSession) else { throw ValidationError("--consoles-per-session must be 1...10") }
        guard (10 ... 4000).contains(nodes) else { throw ValidationError("--nodes must be 10...4000") }
        guard warmup >= 0, warmup <= 600 else { throw ValidationError("--warmup must be 0...600") }
        if let engine, !FileManager.default.isExecutableFile(atPath: engine) { throw ValidationError("--engine \(engine) is not an executable") }
    }

    func run() throws {
        try LoadScene.selfCheck(nodes: nodes)
        let server = try LoadEngineProcess(binary: engine ?? LoadEngineProcess.ownBinary)
        let interrupts = LoadInterrupts(server)
        defer { server.stop(); interrupts.cancel() }
        try server.register(tickets: sessions)
        try server.start(sessions: sessions, consolesPerSession: consolesPerSession)
        print("engine: \(server.binary) pid \(server.pid), gateway https://127.0.0.1:\(server.port), data \(server.dir)")
        fflush(stdout)
        Thread.sleep(forTimeInterval: 1)
        guard let idle = server.memoryKB() else { throw Failure("cannot read /proc/\(server.pid)/status") }

        let window = LoadWindow()
        let threads = max(2, min(4, ProcessInfo.processInfo.activeProcessorCount))
        let customerWorkers = (0 ..< threads).map { LoadWorker(name: "load-customers-\($0)", window: window) }
        let pollers = (0 ..< threads).map { LoadConsolePoller(name: "load-consoles-\($0)", window: window) }
        customerWorkers.forEach { $0.start() }
        pollers.forEach { $0.start() }
        let stopThreads = {
            window.stop()
            customerWorkers.forEach { $0.join() }
            pollers.forEach { $0.join() }
        }

        let target = LoadSessionOpener.Target(socket: server.socket, host: "127.0.0.1", port: server.port, certificate: server.certificate)
        let rampStart = LoadClock.now()
        let ramp = LoadRamp(count: sessions, timeout: 60 + 0.1 * Double(sessions))
        ramp.run(threads: min(8, sessions), desk: { try LoadSessionOpener.desk(target) }) { i, desk in
            let (customer, consoles) = try LoadSessionOpener.open(index: i, desk: desk, consoles: consolesPerSession, nodes: nodes,
                                                                  fps: fps, target: target)
            customerWorkers[i % threads].add(customer)
            for (k, c) in consoles.enumerated() { pollers[(i + k) % threads].add(c) }
            return (customer, consoles)
        }
        let rampSeconds = Double(LoadClock.now() - rampStart) / 1e9
        guard !ramp.customers.isEmpty else {
            stopThreads()
            throw Failure("no session started: \(ramp.failures.first ?? "?")\n\(server.logTail())")
        }

        let go = LoadClock.now()
        let start = go + UInt64(warmup * 1e9)
        let end = start + UInt64(seconds * 1e9)
        window.open(go: go, start: start, end: end)
        Self.sleep(until: start)
        let a = sample(server, ramp)
        Self.sleep(until: end)
        let b = sample(server, ramp)
        Self.sleep(until: end + UInt64(Self.drainSeconds * 1e9))
        stopThreads()

        let report = LoadReport(ramp: ramp, consolesPerSession: consolesPerSession, a: a, b: b, idle: idle, window: start ..< end)
        server.stop()
        print("load bench: \(sessions) sessions × \(consolesPerSession) console(s), \(fmt(fps, 1)) fps, \(nodes) nodes, "
              + "\(fmt(seconds, 0)) s window after a \(fmt(rampSeconds, 1)) s ramp and \(fmt(warmup, 0)) s warm-up; \(threads) + \(threads) load threads")
        report.printTable()
        print("load sessions=\(sessions) fps=\(fmt(fps, 1)) consoles=\(consolesPerSession) p50_ms=\(fmt(report.p50, 2)) p99_ms=\(fmt(report.p99, 2)) "
              + "max_ms=\(fmt(report.max, 2)) cpu_pct_per_session=\(fmt(report.cpuPerSession, 3)) rss_kb_per_session=\(report.rssPerSession) "
              + "bytes_in_per_session=\(report.bytesInPerSession) bytes_out_per_session=\(report.bytesOutPerSession) errors=\(report.errors)")
        fflush(stdout)
        if report.errors > 0 { throw ExitCode(1) }
    }

    private func sample(_ server: LoadEngineProcess, _ ramp: LoadRamp) -> LoadSample {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let own = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return LoadSample(at: LoadClock.now(), engineTicks: server.cpuTicks(), machineBusyTicks: LoadEngineProcess.machineBusyTicks(),
                          memory: server.memoryKB(), ownCPU: own,
                          bytesIn: ramp.customers.reduce(0) { $0 + $1.client.payloadBytesSent },
                          bytesOut: ramp.consoles.reduce(0) { $0 + $1.bytesReceived })
    }

    private static func sleep(until t: UInt64) {
        let now = LoadClock.now()
        if t > now { Thread.sleep(forTimeInterval: Double(t - now) / 1e9) }
    }
}

private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

/// Opens the sessions a few at a time (each open waits on the engine), and
/// gives up on the rest when the ramp takes longer than its timeout.
final class LoadRamp: @unchecked Sendable {
    private let lock = NSLock()
    let count: Int
    private let deadline: Date
    private var next = 0
    private(set) var customers: [LoadCustomer] = []
    private(set) var consoles: [LoadConsole] = []
    private(set) var failures: [String] = []

    init(count: Int, timeout: TimeInterval) {
        self.count = count
        deadline = Date().addingTimeInterval(timeout)
    }

    /// Each thread opens its sessions through a desk of its own (the agent's connection that starts them).
    func run<Desk>(threads: Int, desk makeDesk: @escaping () throws -> Desk, open: @escaping (Int, Desk) throws -> (LoadCustomer, [LoadConsole])) {
        let group = DispatchGroup()
        for t in 0 ..< threads {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                let desk: Desk
                do { desk = try makeDesk() } catch {
                    lock.lock(); failures.append("ramp thread \(t): \(error)"); lock.unlock()
                    return
                }
                while let i = take() {
                    do {
                        let (customer, cs) = try open(i, desk)
                        lock.lock(); customers.append(customer); consoles += cs; lock.unlock()
                    } catch {
                        lock.lock(); failures.append("session \(i + 1): \(error)"); lock.unlock()
                    }
                }
            }
            thread.name = "load-ramp-\(t)"
            thread.start()
        }
        group.wait()
    }

    private func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        if Date() > deadline {
            failures.append("sessions \(next + 1)...\(count): not started, the ramp took longer than its timeout")
            next = count
            return nil
        }
        if next > 0, next % 100 == 0 {
            FileHandle.standardError.write(Data("ramp: \(next) of \(count) sessions opening\n".utf8))
        }
        next += 1
        return next - 1
    }
}

/// What /proc and the counters said at one instant.
struct LoadSample {
    var at: UInt64
    var engineTicks: Int?
    var machineBusyTicks: Int?
    var memory: (rss: Int, peak: Int)?
    var ownCPU: Double
    var bytesIn: Int
    var bytesOut: Int
}

/// The numbers of one run, from the samples and every customer's and console's tally.
struct LoadReport {
    var samples = 0
    var p50 = 0.0, p99 = 0.0, max = 0.0
    var cpuTotal = 0.0, cpuPerSession = 0.0, ownCPU = 0.0
    /// Every other process on the machine, in % of one core: a shared machine's noise.
    var othersCPU: Double?
    var rssIdle = 0, rssEnd = 0, rssPeak = 0, rssPerSession = 0
    var bytesInPerSession = 0, bytesOutPerSession = 0
    var errorFrames = 0, lost = 0, missing = 0, expected = 0, outOfOrder = 0, notStarted = 0
    var opened = 0
    var firstErrors: [String] = []
    /// p50 / p99 / count of the deltas sent in each sixth of the window: a queue that builds shows as a climb.
    var slices: [(p50: Double, p99: Double, count: Int)] = []
    var sliceSeconds = 0.0
    var errors: Int { errorFrames + lost + missing + outOfOrder + notStarted }

    init(ramp: LoadRamp, consolesPerSession k: Int, a: LoadSample, b: LoadSample, idle: (rss: Int, peak: Int), window: Range<UInt64>) {
        opened = ramp.customers.count
        let n = Double(Swift.max(1, opened))
        let seconds = Double(b.at - a.at) / 1e9
        func rank(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }
        let latencies = ramp.consoles.flatMap(\.latencies).sorted()
        samples = latencies.count
        p50 = rank(latencies, 0.5); p99 = rank(latencies, 0.99); max = latencies.last ?? 0
        let width = (window.upperBound - window.lowerBound) / 6
        sliceSeconds = Double(width) / 1e9
        var binned = [[Double]](repeating: [], count: 6)
        for c in ramp.consoles {
            for (l, t) in zip(c.latencies, c.sentAt) { binned[Swift.min(5, Int((t - window.lowerBound) / Swift.max(1, width)))].append(l) }
        }
        slices = binned.map { b in let s = b.sorted(); return (rank(s, 0.5), rank(s, 0.99), s.count) }
        if let ta = a.engineTicks, let tb = b.engineTicks {
            cpuTotal = Double(tb - ta) / Double(sysconf(Int32(_SC_CLK_TCK))) / seconds * 100
            cpuPerSession = cpuTotal / n
        }
        ownCPU = (b.ownCPU - a.ownCPU) / seconds * 100
        if let ma = a.machineBusyTicks, let mb = b.machineBusyTicks {
            othersCPU = Swift.max(0, Double(mb - ma) / Double(sysconf(Int32(_SC_CLK_TCK))) / seconds * 100 - cpuTotal - ownCPU)
        }
        rssIdle = idle.rss
        if let m = b.memory {
            rssEnd = m.rss; rssPeak = m.peak
            rssPerSession = Int((Double(m.rss - idle.rss) / n).rounded())
        }
        bytesInPerSession = Int((Double(b.bytesIn - a.bytesIn) / seconds / n).rounded())
        bytesOutPerSession = Int((Double(b.bytesOut - a.bytesOut) / seconds / n).rounded())
        expected = ramp.customers.reduce(0) { $0 + $1.sentInWindow } * k
        missing = Swift.max(0, expected - samples)
        let troubles = ramp.customers.map(\.trouble) + ramp.consoles.map(\.trouble)
        errorFrames = troubles.reduce(0) { $0 + $1.errorFrames }
        lost = troubles.filter(\.lost).count
        outOfOrder = ramp.consoles.reduce(0) { $0 + $1.outOfOrder }
        notStarted = ramp.count - opened
        firstErrors = Array((ramp.failures + troubles.compactMap(\.firstError)).prefix(5))
    }

    func printTable() {
        let rows: [(String, String)] = [
            ("sessions started", "\(opened)"),
            ("latency customer→console", "p50 \(fmt(p50, 2)) ms   p99 \(fmt(p99, 2)) ms   max \(fmt(max, 2)) ms   (\(samples) deltas)"),
            ("by time sent (p50/p99 ms)", slices.enumerated().map { i, s in
                "+\(fmt(Double(i) * sliceSeconds, sliceSeconds < 5 ? 1 : 0))s: \(fmt(s.p50, 1))/\(fmt(s.p99, 1))"
            }.joined(separator: "  ")),
            ("engine CPU", "\(fmt(cpuTotal, 1)) % of a core; \(fmt(cpuPerSession, 3)) % per session"),
            ("engine RSS", "idle \(rssIdle) kB, end \(rssEnd) kB, peak \(rssPeak) kB; \(rssPerSession) kB per session"),
            ("bytes per session per s", "in \(bytesInPerSession) (customer→engine), out \(bytesOutPerSession) (engine→consoles)"),
            ("load generator CPU", "\(fmt(ownCPU, 1)) % of a core"),
            ("other processes CPU", othersCPU.map { "\(fmt($0, 1)) % of a core (of \(ProcessInfo.processInfo.activeProcessorCount) cores)" } ?? "?"),
            ("errors", "\(errors): error frames \(errorFrames), connections lost \(lost), deltas missing \(missing) of \(expected), "
                + "out of order \(outOfOrder), sessions not started \(notStarted)"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + value) }
        for e in firstErrors { print("  error: \(e)") }
    }
}

/// Ctrl-C or a kill stops the engine and removes its directory before the
/// bench exits: a load test leaves nothing running behind it.
final class LoadInterrupts: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(_ server: LoadEngineProcess) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                server.stop()
                _exit(130)
            }
            s.resume()
            sources.append(s)
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
