import ArgumentParser
import Engine
import Foundation

/// `cobrowse bench recording`: bytes per minute of the demo session as the
/// real writer stores it, and seek time on a 45-minute recording. Simulated
/// time throughout (an injected clock): nothing waits.
struct RecordingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recording",
        abstract: "Measure recording size (bytes per minute of the demo session) and seek time on a long recording.",
        discussion: """
        The demo session is the scripted customer's walk (the demo site's pages in the order of its nav, a pointer move or \
        keystroke every 0.4 s, a page every 6 s, its full scene re-sent every 5 s as the SDK does), redacted by \
        the engine's Redactor and appended to the real encrypted writer with simulated time. Seek time is the \
        median over --seeks random points of: open (access check, audit, read the file, authenticate and decrypt \
        every chunk, decompress, frame its events, decode the small messages) + build the timeline + seek (decode \
        the last full scene and the deltas since) + reconstruct the console state. The last line is `recording bytes_per_min=… seek_median_ms=…`.
        """)

    @Option(help: "Minutes of demo session to record (simulated time).") var minutes: Double = 5
    @Option(name: .customLong("seek-minutes"), help: "Length of the synthetic recording seeks are timed on.") var seekMinutes: Double = 45
    @Option(help: "Random seek points to time.") var seeks: Int = 30
    @Option(help: ArgumentHelp("Keep the demo recording in this (new) data directory, for replaying it (e.g. under asciinema); the calling user is registered there as a trainer.", valueName: "DIR"))
    var keep: String?

    func validate() throws {
        guard minutes > 0, minutes <= 600 else { throw ValidationError("--minutes must be more than 0 and at most 600") }
        guard seekMinutes > 0, seekMinutes <= 600 else { throw ValidationError("--seek-minutes must be more than 0 and at most 600") }
        guard (1 ... 10_000).contains(seeks) else { throw ValidationError("--seeks must be 1...10000") }
    }

    func run() throws {
        let scratch = NSTemporaryDirectory() + "cobrowse-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let me = Agent(name: "bench (uid \(getuid()))", uid: Int(getuid()), level: .trainer)

        // (a) bytes per minute of the demo session.
        let demoDir = keep ?? scratch + "/demo"
        if keep != nil, FileManager.default.fileExists(atPath: (demoDir as NSString).appendingPathComponent("cobrowse.sqlite")) {
            throw Failure("--keep \(demoDir) already holds a data directory: give a new one")
        }
        let demo = try BenchRecorder(dataDirectory: demoDir, agent: me)
        let demoRecording = try demo.record(minutes: minutes, start: start)
        let bytesPerMinute = Double(demoRecording.bytes) / minutes
        print("demo session: \(fmt(minutes, 1)) min, \(demoRecording.messages) messages (\(demoRecording.scenes) full scenes received), "
              + "\(demoRecording.bytes) bytes in \(demoRecording.chunks) chunks, format v\(RecordingFormat.version), "
              + "zlib-compressed chunks")
        print("uncompressed events: \(demoRecording.plainBytes) bytes (\(fmt(Double(demoRecording.plainBytes) / minutes / 1024, 1)) KiB/min)")
        print("bytes per minute: \(Int(bytesPerMinute.rounded())) (\(fmt(bytesPerMinute / 1024, 1)) KiB/min; aim < 100 KB/min)")

        // (b) seek time on a long recording.
        let long = try BenchRecorder(dataDirectory: scratch + "/long", agent: me)
        let longRecording = try long.record(minutes: seekMinutes, start: start)
        var rng = SystemRandomNumberGenerator()
        var total: [Double] = [], inMemory: [Double] = []
        let duration = seekMinutes * 60
        for i in 0 ..< seeks + 2 {
            let t = Double.random(in: 0 ... duration, using: &rng)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let opened = try long.library.open(longRecording.id, as: me, actor: me.name, reason: "bench", purpose: "bench")
            let timeline = opened.timeline
            let t1 = DispatchTime.now().uptimeNanoseconds
            let state = timeline.state(at: t)
            let t2 = DispatchTime.now().uptimeNanoseconds
            guard state.scene != nil, opened.complete else { throw Failure("seek at \(t) s found no scene: \(opened.scan.ending())") }
            if i < 2 { continue } // warm-up
            total.append(Double(t2 - t0) / 1e6)
            inMemory.append(Double(t2 - t1) / 1e6)
        }
        total.sort(); inMemory.sort()
        let median = total[total.count / 2]
        print("long recording: \(fmt(seekMinutes, 0)) min, \(longRecording.bytes) bytes, \(longRecording.messages) messages")
        print("seek (open+seek+reconstruct) ms: min=\(fmt(total[0], 2)) median=\(fmt(median, 2)) p90=\(fmt(total[total.count * 9 / 10], 2)) over \(seeks) random points")
        print("seek within an opened recording ms: median=\(fmt(inMemory[inMemory.count / 2], 3)) max=\(fmt(inMemory.last!, 3))")

        // (c) the asciinema comparison.
        let cast = "/tmp/cobrowse-replay.cast"
        let replay = "cobrowse replay \(demoRecording.id) --data \(demoDir) --reason bench"
        if which("asciinema") != nil {
            print("asciinema: installed. Compare with the same session as a terminal recording (160x45, played at 1×):")
        } else {
            print("asciinema: not installed (apt-get install asciinema to compare; cobrowse does not need it). To compare:")
        }
        if keep == nil { print("  (re-run with --keep DIR so the recording stays to be replayed)") }
        print("  tmux new-session -d -s cast -x 160 -y 45 'asciinema rec -c \"\(replay)\" --overwrite \(cast)'")
        print("  sleep \(Int((minutes * 60).rounded(.up)) + 3); tmux send-keys -t cast q; sleep 2; stat -c %s \(cast)   # vs \(demoRecording.bytes) bytes")
        print("recording bytes_per_min=\(Int(bytesPerMinute.rounded())) seek_median_ms=\(fmt(median, 2))")
    }

    private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

    private func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

/// Records the scripted demo walk into a data directory through the real
/// recording service, with simulated time.
struct BenchRecorder {
    let dataDirectory: String
    let store: SQLiteStore
    let service: EncryptedRecordingService
    let library: RecordingLibrary

    struct Result { var id: String; var bytes: Int; var plainBytes: Int; var chunks: Int; var messages: Int; var scenes: Int }

    init(dataDirectory: String, agent: Agent) throws {
        self.dataDirectory = dataDirectory
        let config = EngineConfiguration(dataDirectory: dataDirectory)
        try config.prepareDataDirectory()
        store = try SQLiteStore(path: config.databasePath)
        if try store.agent(uid: agent.uid) == nil { try store.addAgent(agent) }
        let keys = FileKeySource(dataDirectory: dataDirectory)
        service = EncryptedRecordingService(dataDirectory: dataDirectory, index: store, keySource: keys,
                                            policy: RecordingPolicy(backgroundFlush: false))
        library = RecordingLibrary(dataDirectory: dataDirectory, store: store, keySource: keys)
    }

    func record(minutes: Double, start: Date) throws -> Result {
        let redactor = Redactor()
        let ticket = Ticket(id: "T-DEMO", subject: "Cannot finish SSO setup", customer: "Dana Whitfield")
        var summary = SessionSummary(id: "S-BENCH", ticket: ticket, agentName: try store.agent(uid: Int(getuid()))?.name ?? "bench",
                                     status: .active, recording: true, createdAt: start, startedAt: start,
                                     deadline: start.addingTimeInterval(max(45 * 60, minutes * 60)))
        let writer = try service.startRecording(session: summary, at: start)
        var messages = 0, scenes = 0, plain = 0
        func send(_ m: WireMessage, _ t: Double) throws {
            try writer.append(m, at: start.addingTimeInterval(t))
            messages += 1
            plain += WireCodec.encode(m).count + 9
            if case .scene = m { scenes += 1 }
        }
        func activity(_ kind: ActivityItem.Kind, _ actor: String, _ text: String, _ t: Double) throws {
            try send(.activity(ActivityItem(at: start.addingTimeInterval(t), kind: kind, actor: actor, text: text)), t)
        }
        try send(.summary(summary), 0)
        try activity(.joined, "customer", "Dana Whitfield joined (controlled access)", 0)
        var walk = DemoWalk()
        try send(.scene(redactor.redact(scene: walk.fullScene()).value), 0)
        let pace = 0.4, dwellSteps = Int(6 / pace), end = minutes * 60
        var t = pace, lastFull = 0.0, step = 0
        while t < end {
            step += 1
            switch walk.step(dwellSteps: dwellSteps, loop: true) {
            case let .full(scene):
                try send(.scene(redactor.redact(scene: scene).value), t)
                lastFull = t
                try activity(.navigation, "customer", "opened \(scene.title)", t)
            case let .delta(delta):
                try send(.sceneDelta(redactor.redact(delta: delta).value), t)
            case .none:
                break
            }
            if t - lastFull >= 5 {
                try send(.scene(redactor.redact(scene: walk.fullScene()).value), t)
                lastFull = t
            }
            if step % 150 == 75 { try send(.note(NoteEntry(at: start.addingTimeInterval(t), author: summary.agentName, text: "checked step \(step / 150 + 1)")), t) }
            if step % 300 == 200 {
                try activity(.modeChanged, "customer", step % 600 == 200 ? "Control mode is now Guided" : "Control mode is now View only", t)
                summary.status = .active
                try send(.summary(summary), t)
            }
            t += pace
        }
        try writer.finish(at: start.addingTimeInterval(end))
        guard let row = try store.recording(id: (writer as! RecordingWriter).recordingId) else { throw Failure("the bench recording has no index row") }
        var reader = try RecordingReader(path: library.path(of: row), keyRing: library.keyRing, wrappedKey: row.wrappedKey)
        let scan = reader.scan()
        guard scan.complete, scan.events.count == messages else { throw Failure("the bench recording does not read back: \(scan.ending())") }
        return Result(id: row.id, bytes: Int(row.bytes), plainBytes: plain, chunks: scan.chunks, messages: messages, scenes: scenes)
    }
}

