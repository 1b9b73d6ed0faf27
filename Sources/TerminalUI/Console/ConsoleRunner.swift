import Dispatch
import Engine
import Foundation

/// Runs the console in the current terminal until the agent quits, a signal
/// arrives or the link closes. Returns the process exit status.
public enum ConsoleRunner {
    public static let tickMs: Int32 = 50

    public static func run(link: ConsoleLink, options: ConsoleOptions) -> Int32 {
        let stop = StopRequest()
        let signals = stop.watch([SIGINT, SIGTERM, SIGHUP])
        defer {
            signals.forEach { $0.cancel() }
            for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
        }

        let loaded = ThemeLoader().load(options.theme)
        let terminal = CursesTerminal(mouse: options.mouse)
        var theme = loaded.theme
        if terminal.depth == .monochrome && !theme.monochrome { theme = .monochromeTheme }
        let view = ConsoleView(theme: theme)
        var model = ConsoleModel(options: options)
        model.now = Date()
        // Ids of marks and actions must not repeat within a session, even across console restarts.
        model.idSeed = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        // Recordings from the lobby: the shelf takes its own keys and messages first.
        var shelf = LobbyReplay(), shelfView = RecordingShelfView(theme: theme)
        var exitReason: String?
        var status: Int32 = 0

        if let warning = loaded.warning { model.handle(.notice(Notice(text: warning))) }
        perform(model.startupCommands(), link: link, terminal: terminal, shelf: &shelf, quit: &exitReason)

        // Compose a frame only when something changed, and once a second for the
        // clocks: an idle console should cost next to nothing on a shared host.
        var dirty = true
        var lastFrame = Date.distantPast
        while exitReason == nil {
            if let signal = stop.signal { exitReason = "stopped by signal \(signal)"; status = 128 + signal; break }
            if let closed = link.closedReason { exitReason = "connection to the engine closed: \(closed)"; status = 1; break }

            let input = terminal.readEvent(timeoutMs: tickMs)
            model.now = Date()
            switch input {
            case let .key(key):
                perform(shelf.handle(key: key) ?? model.handle(key: key), link: link, terminal: terminal, shelf: &shelf, quit: &exitReason); dirty = true
            case let .mouse(event):
                if !shelf.isOpen { perform(model.handle(mouse: event), link: link, terminal: terminal, shelf: &shelf, quit: &exitReason); dirty = true }
            case .resize: dirty = true
            case .none: break
            }
            for message in link.poll() {
                if !shelf.take(message) { perform(model.handle(message), link: link, terminal: terminal, shelf: &shelf, quit: &exitReason) }
                dirty = true
            }
            // A pointer move held back by the 10-a-second limit goes out when its time comes.
            perform(model.tick(now: Date()), link: link, terminal: terminal, shelf: &shelf, quit: &exitReason)

            let now = Date()
            shelf.tick(now: now)
            // A waiting action's countdown ticks every second.
            if model.actionStatus?.state == .waiting && now.timeIntervalSince(lastFrame) >= 1 { dirty = true }
            guard dirty || shelf.phase == .playing || now.timeIntervalSince(lastFrame) >= 1 else { continue }
            let size = terminal.size
            if shelf.isOpen { terminal.present(shelfView.frame(shelf, agent: model.agent, size: size)); dirty = false; lastFrame = now; continue }
            model.viewArea = view.viewArea(model, size: size)
            terminal.present(view.frame(model, size: size, now: now))
            dirty = false
            lastFrame = now
        }
        terminal.stop()
        // fputs, not FileHandle.write: when the terminal hung up (a closed SSH session, a killed tmux),
        // stderr is gone with it, and Foundation's write traps on the error instead of returning it.
        if let exitReason, exitReason != quitByAgent { fputs("cobrowse console: \(exitReason)\n", stderr) }
        return status
    }

    private static let quitByAgent = "quit"

    private static func perform(_ commands: [ConsoleCommand], link: ConsoleLink, terminal: CursesTerminal, shelf: inout LobbyReplay, quit: inout String?) {
        for command in commands {
            switch command {
            case let .send(message): link.send(message)
            case .openRecordings: perform(shelf.open(), link: link, terminal: terminal, shelf: &shelf, quit: &quit)
            case let .copyToClipboard(text): terminal.copyToClipboard(text)
            case let .setMouse(on): terminal.setMouse(on)
            case .quit: quit = quitByAgent
            }
        }
    }
}

extension CellRect {
    var size: GridSize { GridSize(columns: width, rows: height) }
}

/// Turns SIGINT/SIGTERM/SIGHUP into a flag the loop checks each tick, so the
/// console always leaves through endwin() and the terminal is restored.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?

    var signal: Int32? { lock.lock(); defer { lock.unlock() }; return received }

    func watch(_ signals: [Int32]) -> [DispatchSourceSignal] {
        signals.map { sig in
            Foundation.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock(); if self.received == nil { self.received = sig }; self.lock.unlock()
            }
            source.resume()
            return source
        }
    }
}
