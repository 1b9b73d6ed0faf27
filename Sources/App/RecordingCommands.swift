import ArgumentParser
import Engine
import Foundation
import TerminalUI

/// The recordings a data directory holds, opened as the calling user: the uid
/// names the agent, the access policy decides, every opening is audited.
struct RecordingAccess {
    let library: RecordingLibrary
    let agent: Agent?
    var actor: String { agent?.name ?? "uid \(getuid())" }

    init(_ data: DataOptions) throws {
        let store = try data.openStore()
        library = RecordingLibrary(dataDirectory: data.dataDirectory, store: store, keySource: FileKeySource(dataDirectory: data.dataDirectory))
        agent = try store.agent(uid: Int(getuid()))
    }

    func open(_ id: String, reason: String, purpose: String) throws -> OpenedRecording {
        do { return try library.open(id, as: agent, actor: actor, reason: reason, purpose: purpose) } catch { throw Failure("\(error)") }
    }
}

struct Recordings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encrypted session recordings: list, show, delete (crypto-shredding) and export.",
        subcommands: [List.self, Show.self, Delete.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recordings (ids, sessions, dates; no content, no audit).")
        @Flag(help: "Include deleted recordings (their tombstones).") var all = false
        @OptionGroup var data: DataOptions
        func run() throws {
            let rows = try data.openExistingStore().recordings(includeDeleted: all)
            if rows.isEmpty { print("no recordings yet: cobrowse demo --record, or invite --record"); return }
            print(pad("ID", 21) + pad("SESSION", 14) + pad("TICKET", 10) + pad("AGENT", 16) + pad("CREATED", 21) + pad("LENGTH", 9) + "STATE")
            for r in rows {
                print(pad(r.id, 21) + pad(r.sessionId, 14) + pad(r.ticketId, 10) + pad(r.agentName, 16) + pad(stamp(r.createdAt), 21)
                      + pad(r.endedAt.map { ClockFormat.duration($0.timeIntervalSince(r.createdAt)) } ?? "—", 9) + state(r))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one recording's index entry, highlights and (with access) how it ends.")
        @Argument(help: "Recording id (from `recordings list`).") var id: String
        @Option(help: "Why you open it (audited).") var reason: String = ""
        @OptionGroup var data: DataOptions
        func run() throws {
            let access = try RecordingAccess(data)
            guard let r = try access.library.store.recording(id: id) else { throw Failure("no recording \(id)") }
            print("recording:  \(r.id)")
            print("session:    \(r.sessionId) (ticket \(r.ticketId), agent \(r.agentName))")
            print("created:    \(stamp(r.createdAt))")
            print("ended:      \(r.endedAt.map(stamp) ?? "—")")
            print("size:       \(r.bytes > 0 ? "\(r.bytes) bytes" : "—")")
            print("keep until: \(stamp(r.retainUntil))")
            print("state:      \(state(r))")
            print("ending:     \(r.ending ?? (r.endedAt == nil ? "— (still recording, or the engine died)" : "— (not recorded)"))")
            if r.deletedAt != nil { print("deleted:    \(r.deletedAt.map(stamp) ?? "") — \(r.deleteReason ?? "")"); return }
            let opened = try access.open(id, reason: reason, purpose: "show")
            let timeline = opened.timeline
            print("duration:   \(ClockFormat.duration(timeline.duration)) · \(opened.scan.events.count) events in \(opened.scan.chunks) chunks")
            print("reading:    \(opened.scan.ending())")
            for h in opened.highlights { print("highlight \(h.id): \(ClockFormat.duration(h.at)) +\(Int(h.duration))s  \(h.title)  [\(h.tags.joined(separator: ", "))]") }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Destroy a recording: its wrapped key (index and file header) and its file. Managers only; audited.")
        @Argument(help: "Recording id.") var id: String
        @Option(help: "Why (e.g. the GDPR request number); required and audited.") var reason: String
        @OptionGroup var data: DataOptions
        func run() throws {
            let access = try RecordingAccess(data)
            do { try access.library.delete(id, as: access.agent, actor: access.actor, reason: reason) } catch { throw Failure("\(error)") }
            print("recording \(id) deleted: key destroyed, file removed")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a decrypted JSON copy (the customer's copy on request). Audited.")
        @Argument(help: "Recording id.") var id: String
        @Option(help: ArgumentHelp("Output file (mode 0600); standard output when omitted.", valueName: "FILE")) var out: String?
        @Option(help: "Why (audited).") var reason: String = "customer copy"
        @OptionGroup var data: DataOptions
        func run() throws {
            let opened = try RecordingAccess(data).open(id, reason: reason, purpose: "export")
            let json = RecordingJSON.export(opened)
            if let out {
                let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                guard fd >= 0 else { throw Failure("cannot write \(out): \(String(cString: strerror(errno)))") }
                let bytes = Array(json.utf8)
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard n == bytes.count else { throw Failure("cannot write \(out)") }
                print("exported \(opened.scan.events.count) events to \(out) (\(opened.scan.ending()))")
            } else {
                FileHandle.standardOutput.write(Data(json.utf8))
            }
            if let failure = opened.scan.failure { throw Failure("\(failure)") }
        }
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a recording in the console, or stream its events as JSON lines.",
        discussion: """
        Keys: space play/pause · ←/→ ±5 s · Shift+←/→ ±10 % · PgUp/PgDn ±30 s · 0–9 jump to 0–90 % · [ ] previous/next marker ·
        + / - speed 0.5×–8× · i compress idle stretches · ? help · q quit.
        JSON lines: {"t":SECONDS,"frame":<protocol v1 frame>} per event, then {"end":true,"complete":…,"ending":…}.
        """)
    @Argument(help: "Recording id.") var id: String
    @Option(help: "console (default) or json.") var format: String = "console"
    @Option(help: "Why you open it (audited).") var reason: String = ""
    @Option(help: ArgumentHelp("Play just this highlight's stretch.", valueName: "N")) var highlight: Int64?
    @Option(help: "Theme name or .toml path (console).") var theme: String?
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard ["console", "json"].contains(format) else { throw ValidationError("unknown --format \(format): use console or json") }
    }

    func run() throws {
        let opened = try RecordingAccess(data).open(id, reason: reason, purpose: "replay")
        let timeline = opened.timeline
        var window = 0.0 ... max(0, timeline.duration)
        if let highlight {
            guard let h = opened.highlights.first(where: { $0.id == highlight }) else {
                throw Failure("recording \(id) has no highlight \(highlight) (see `cobrowse highlights list`)")
            }
            window = h.at ... max(h.at, min(timeline.duration, h.at + h.duration))
        }
        if format == "json" {
            streamJSON(opened, timeline: timeline, window: window)
            if let failure = opened.scan.failure { throw Failure("\(failure)") }
            return
        }
        let status = ReplayRunner.run(timeline: timeline, title: "\(opened.record.id) · ticket \(opened.record.ticketId)",
                                      ending: opened.complete && opened.recording.gaps.isEmpty ? nil : opened.recording.ending(),
                                      window: window, theme: theme)
        if status != 0 { throw ExitCode(status) }
    }

    private func streamJSON(_ opened: OpenedRecording, timeline: ReplayTimeline, window: ClosedRange<Double>) {
        var out = ""
        if window.lowerBound > 0 {
            // Start a highlight from the state at its first moment, as one snapshot.
            let s = timeline.state(at: window.lowerBound)
            if let summary = s.summary {
                let snap = RecordedEvent(offsetMs: UInt32(window.lowerBound * 1000),
                                         message: .snapshot(SessionSnapshot(summary: summary, scene: s.scene, activity: s.activity, notes: s.notes)))
                out += RecordingJSON.line(snap) + "\n"
            }
        }
        for e in timeline.events where e.kind == .message && window.contains(e.offset) && (window.lowerBound == 0 || e.offset > window.lowerBound) {
            out += RecordingJSON.line(e) + "\n"
            if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
        }
        out += RecordingJSON.endLine(opened.scan) + "\n"
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct Highlights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark moments of recordings for training; `list` is the training library.",
        subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a moment of a recording (you need access to the recording).")
        @Argument(help: "Recording id.") var id: String
        @Option(help: "Seconds from the start of the recording.") var at: Double
        @Option(help: "How many seconds the highlight plays.") var duration: Double = 30
        @Option(help: "A title for the training library.") var title: String
        @Option(help: "A tag (repeatable).") var tag: [String] = []
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard at >= 0, duration > 0 else { throw ValidationError("--at must be 0 or more and --duration more than 0") }
            guard !title.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("the highlight needs a --title") }
            guard !tag.contains(where: { $0.contains(",") }) else { throw ValidationError("a tag cannot contain a comma") }
        }

        func run() throws {
            let access = try RecordingAccess(data)
            let opened = try access.open(id, reason: "add highlight \"\(title)\"", purpose: "highlight")
            guard at <= opened.timeline.duration else {
                throw Failure("--at \(at) is past the end of the recording (\(ClockFormat.duration(opened.timeline.duration)))")
            }
            let h = try access.library.store.addHighlight(Highlight(recordingId: id, at: at, duration: duration, title: title, tags: tag,
                                                                    author: access.actor, createdAt: Date()))
            try access.library.store.appendAudit(at: Date(), actor: access.actor, action: "highlight.added", sessionId: opened.record.sessionId,
                                                 detail: "recording=\(id) highlight=\(h.id) at=\(at)")
            print("highlight \(h.id) added to \(id) at \(ClockFormat.duration(at)): \(title)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The training library: every highlight (or one recording's).")
        @Option(help: "Only this recording's highlights.") var recording: String?
        @Option(help: "Only highlights with this tag.") var tag: String?
        @OptionGroup var data: DataOptions
        func run() throws {
            let store = try data.openStore()
            let live = Set(try store.recordings(includeDeleted: false).map(\.id))
            let rows = try store.highlights(recordingId: recording).filter { live.contains($0.recordingId) && (tag == nil || $0.tags.contains(tag!)) }
            if rows.isEmpty { print("no highlights yet: cobrowse highlights add ID --at SECONDS --title TEXT"); return }
            print(pad("N", 5) + pad("RECORDING", 21) + pad("AT", 8) + pad("LENGTH", 8) + pad("TITLE", 36) + "TAGS")
            for h in rows {
                print(pad(String(h.id), 5) + pad(h.recordingId, 21) + pad(ClockFormat.duration(h.at), 8) + pad("\(Int(h.duration))s", 8)
                      + pad(h.title, 36) + h.tags.joined(separator: ","))
            }
        }
    }
}

func stamp(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return f.string(from: d)
}

private func state(_ r: RecordingRecord) -> String {
    if r.deletedAt != nil { return "deleted" }
    if r.complete { return r.ending.map { "complete: \($0)" } ?? "complete" }
    return r.endedAt == nil ? "recording or incomplete" : "incomplete"
}
