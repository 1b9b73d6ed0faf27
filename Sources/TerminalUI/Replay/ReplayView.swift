import Engine
import Foundation

/// Draws one moment of a replay: the workstation the agent saw (status bar,
/// page, activity feed, notes) at that moment, with a timeline bar and the
/// replay's controls in place of the live hints. Pure: model in, cells out.
public final class ReplayView {
    public var theme: Theme
    public var clock: ClockFormat
    private let sceneView: SceneView

    public init(theme: Theme, clock: ClockFormat = ClockFormat()) {
        self.theme = theme; self.clock = clock
        sceneView = SceneView(theme: theme)
    }

    public func frame(timeline: ReplayTimeline, player: ReplayPlayer, title: String, ending: String?, size: GridSize) -> CellGrid {
        Compositor(background: theme.base.cell(" ")).compose(layers(timeline: timeline, player: player, title: title, ending: ending, size: size),
                                                            width: size.columns, height: size.rows)
    }

    public func layers(timeline: ReplayTimeline, player: ReplayPlayer, title: String, ending: String?, size: GridSize) -> [Layer] {
        var sheet = ChromeSheet(size: size)
        if size.columns < ConsoleView.minimumSize.columns || size.rows < ConsoleView.minimumSize.rows {
            TooSmallScreen(theme: theme).draw(need: ConsoleView.minimumSize, have: size, on: &sheet.grid)
            return [sheet.layer()]
        }
        var view = Layer(.view, width: size.columns, height: size.rows)
        var masks = Layer(.masks, width: size.columns, height: size.rows)
        var annotations = Layer(.annotations, width: size.columns, height: size.rows)
        let state = timeline.state(at: player.position)
        let moment = timeline.startedAt.addingTimeInterval(player.position)
        let layout = WorkstationLayout(size: size, feedShown: true)

        if let s = state.summary {
            StatusBar(theme: theme, watching: true).draw(s, now: moment, into: &sheet.grid, y: layout.status.y)
        } else {
            sheet.grid.bar(layout.status.y, text: " REPLAY \(title)", pen: theme.statusBar)
            sheet.grid.bar(layout.status.y + 1, text: "", pen: theme.statusBar)
        }
        if let page = state.scene {
            let pageTitle = SafeText.clean(page.title), url = SafeText.clean(page.url)
            sheet.grid.bar(layout.url.y, text: " ▶ REPLAY · \(pageTitle.isEmpty ? "" : pageTitle + " — ")\(url)", pen: theme.urlBar)
            sceneView.theme = theme
            sceneView.render(page, area: layout.view, view: &view, masks: &masks, annotations: &annotations, agentCursor: nil)
        } else {
            sheet.grid.bar(layout.url.y, text: " ▶ REPLAY · (no page yet at this moment)", pen: theme.urlBar)
            sheet.grid.fill(layout.view, with: theme.base.cell(" "))
        }
        if let feed = layout.feed {
            ActivityFeed(theme: theme, clock: clock).draw(activity: state.activity, notes: state.notes, in: feed, into: &sheet.grid)
        }
        drawTimeline(timeline, player, y: layout.message.y, on: &sheet.grid)
        let status = player.playing ? "▶" : (player.atEnd ? "■" : "❚❚")
        let speed = player.speed == 0.5 ? "0.5×" : "\(Int(player.speed))×"
        var hints = " \(status) \(speed)\(player.compressIdle ? " idle-cut" : "")  space play/pause  ←→ 5s  PgUp/PgDn 30s  0-9 jump  [ ] marker  +/- speed  i idle  ? help  q quit"
        if let ending { hints = " ⚠ \(ending) ·" + hints }
        sheet.grid.bar(layout.hints.y, text: hints, pen: ending == nil ? theme.hint : theme.error)
        if player.showHelp { drawHelp(on: &sheet.grid) }
        return [view, masks, annotations, sheet.layer()]
    }

    /// `01:23 ━━━━━━●─────★───M──── 12:40`: played part, the head, markers by kind.
    private func drawTimeline(_ timeline: ReplayTimeline, _ player: ReplayPlayer, y: Int, on grid: inout CellGrid) {
        let lo = player.window.lowerBound, hi = player.window.upperBound
        let left = " \(ClockFormat.duration(player.position - lo)) ", right = " \(ClockFormat.duration(hi - lo)) "
        grid.bar(y, text: "", pen: theme.statusBar)
        let lw = grid.write(left, x: 0, y: y, pen: theme.statusAccent)
        let width = grid.width - lw - right.count
        guard width >= 4 else { return }
        let span = max(hi - lo, 0.001)
        func column(_ t: TimeInterval) -> Int { lw + min(width - 1, max(0, Int(((t - lo) / span) * Double(width - 1) + 0.5))) }
        let head = column(player.position)
        for x in lw ..< lw + width { _ = grid.write(x <= head ? "━" : "─", x: x, y: y, pen: theme.statusBar) }
        for m in timeline.markers where player.window.contains(m.time) {
            let glyph: String = switch m.kind { case .highlight: "★"; case .mode: "M"; case .note: "N"; case .session: "│" }
            _ = grid.write(glyph, x: column(m.time), y: y, pen: m.kind == .highlight ? theme.recording : theme.statusAccent)
        }
        _ = grid.write("●", x: head, y: y, pen: theme.statusAccent)
        _ = grid.write(right, x: lw + width, y: y, pen: theme.statusAccent)
    }

    private func drawHelp(on grid: inout CellGrid) {
        let lines = [
            "Replay keys",
            "",
            "space        play / pause (at the end: from the start)",
            "← →          back / forward 5 seconds",
            "Shift+← →    back / forward 10 % of the recording",
            "PgUp PgDn    back / forward 30 seconds",
            "Home End     start / end",
            "0 … 9        jump to 0 % … 90 %",
            "[ ]          previous / next marker",
            "+ -          speed 0.5× … 8×",
            "i            compress idle stretches",
            "q            quit",
            "",
            "Markers: ★ highlight  M mode change  N note  │ join/leave",
        ]
        let w = min(grid.width - 2, 64), h = min(grid.height - 2, lines.count + 2)
        let r = CellRect(x: (grid.width - w) / 2, y: (grid.height - h) / 2, width: w, height: h)
        grid.frame(r, pen: theme.dialog, border: theme.dialogBorder, title: "Help")
        for (i, line) in lines.prefix(h - 2).enumerated() { _ = grid.write(line, x: r.x + 2, y: r.y + 1 + i, pen: theme.dialog, maxX: r.maxX - 1) }
    }
}
