import Engine
import Foundation

/// Runs a replay in the current terminal until the viewer quits or a signal
/// arrives. The recording is already decrypted in memory; nothing touches disk.
public enum ReplayRunner {
    public static func run(timeline: ReplayTimeline, title: String, ending: String?, window: ClosedRange<TimeInterval>,
                           theme requested: String? = nil) -> Int32 {
        let stop = StopRequest()
        let signals = stop.watch([SIGINT, SIGTERM, SIGHUP])
        defer {
            signals.forEach { $0.cancel() }
            for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
        }
        let loaded = ThemeLoader().load(requested)
        let terminal = CursesTerminal()
        var theme = loaded.theme
        if terminal.depth == .monochrome && !theme.monochrome { theme = .monochromeTheme }
        let view = ReplayView(theme: theme)
        var player = ReplayPlayer(window: window, markers: timeline.markers.map(\.time))
        var status: Int32 = 0
        var last = Date()
        while !player.quit {
            if let signal = stop.signal { status = 128 + signal; break }
            switch terminal.read(timeoutMs: 40) {
            case let .key(key): player.handle(key: key)
            case .resize, .none: break
            }
            let now = Date()
            player.advance(by: now.timeIntervalSince(last), nextEvent: timeline.nextEventTime(after:))
            last = now
            terminal.present(view.frame(timeline: timeline, player: player, title: title, ending: ending, size: terminal.size))
        }
        terminal.stop()
        return status
    }
}
