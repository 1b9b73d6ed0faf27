import Engine
import Foundation

/// Draws the lobby's recordings: the shelf, the reason prompt, the
/// opening progress, and — once the parts are in — the replay, with the same
/// `ReplayView` as `cobrowse replay`. Pure: state in, cells out.
public final class RecordingShelfView {
    public var theme: Theme
    private let replayView: ReplayView
    private let clock: ClockFormat

    public init(theme: Theme, clock: ClockFormat = ClockFormat()) {
        self.theme = theme; self.clock = clock
        replayView = ReplayView(theme: theme, clock: clock)
    }

    public func frame(_ state: LobbyReplay, agent: Agent?, size: GridSize) -> CellGrid {
        if state.phase == .playing, let p = state.playback {
            replayView.theme = theme
            return replayView.frame(timeline: p.timeline, player: p.player, title: p.title, ending: p.ending, size: size)
        }
        var sheet = CellGrid(width: size.columns, height: size.rows, fill: theme.base.cell(" "))
        if size.columns < ConsoleView.minimumSize.columns || size.rows < ConsoleView.minimumSize.rows {
            TooSmallScreen(theme: theme).draw(need: ConsoleView.minimumSize, have: size, on: &sheet)
            return sheet
        }
        RecordingShelf(theme: theme, clock: clock).draw(state, agent: agent, on: &sheet)
        return sheet
    }
}

struct RecordingShelf {
    var theme: Theme
    var clock: ClockFormat

    static let columns = [("RECORDING", 20), ("TICKET", 9), ("AGENT", 16), ("DATE", 16), ("LENGTH", 8), ("STATE", 10), ("SIZE", 8)]

    func draw(_ state: LobbyReplay, agent: Agent?, on sheet: inout CellGrid) {
        let h = sheet.height
        let who = agent.map { "\($0.name) (\($0.level.rawValue))" } ?? ""
        sheet.bar(0, text: " Cobrowse console — recordings \(who.isEmpty ? "" : "— \(who)")", pen: theme.statusAccent)
        var y = 2
        sheet.write("Recordings you may open (\(state.items.count)) — each opening is audited with your reason", x: 1, y: y, pen: theme.base.with(.bold))
        y += 1
        let cols = Self.columns(fitting: sheet.width)
        var x = 2
        for (name, width) in cols { sheet.write(name, x: x, y: y, pen: theme.hint, maxX: x + width); x += width + 1 }
        y += 1
        if state.phase == .loading && state.items.isEmpty {
            sheet.write("  asking the engine…", x: 1, y: y, pen: theme.hint)
        } else if state.items.isEmpty {
            sheet.write("  none: recordings of your own sessions appear here (managers and trainers see every one)", x: 1, y: y, pen: theme.hint)
        }
        let room = max(0, h - 3 - y)
        let first = max(0, min(state.selection - room + 1, state.items.count - room))
        for (i, r) in state.items.enumerated().dropFirst(first).prefix(room) {
            let length = r.endedAt.map { ClockFormat.duration($0.timeIntervalSince(r.createdAt)) } ?? "—"
            let condition = r.complete ? "complete" : (r.endedAt == nil ? "open/cut" : "incomplete")
            line([r.id, r.ticketId, r.agentName, Self.stamp(r.createdAt, clock), length, condition, Self.size(r.bytes)],
                 cols: cols, selected: i == state.selection, y: y, on: &sheet)
            y += 1
        }
        switch state.phase {
        case .reason: reasonPrompt(state, on: &sheet)
        case .opening:
            let text = "Opening \(state.opening?.id ?? "")… \(state.received) events received"
            box(title: "Opening", lines: [text, "", "Esc  cancel"], on: &sheet)
        default: break
        }
        MessageLine(theme: theme).draw(state.message, fallback: nil, y: h - 2, on: &sheet)
        sheet.bar(h - 1, text: " ↑↓ select  Enter replay (asks why)  g refresh  q/Esc lobby", pen: theme.hint)
    }

    private func reasonPrompt(_ state: LobbyReplay, on sheet: inout CellGrid) {
        let w = min(sheet.width - 4, 72)
        let inner = max(1, w - 4)
        let glyphs = SafeText.glyphs(state.reason)
        var shown: [Character] = []
        var width = 0
        for g in glyphs.reversed() { if width + g.width > inner - 1 { break }; shown.insert(g.character, at: 0); width += g.width }
        let id = state.selected?.id ?? ""
        box(title: "Why do you open \(id)?", lines: [String(shown) + "▏", "", "Required; stored in the audit trail.", "Enter  open · Esc  back"],
            minWidth: w, highlight: 0, on: &sheet)
    }

    /// The columns that fit the width whole (the size, then the state, go first on narrow terminals).
    static func columns(fitting width: Int) -> [(String, Int)] {
        var x = 2
        return columns.prefix { x += $0.1 + 1; return x - 1 <= width }
    }

    private func line(_ values: [String], cols: [(String, Int)], selected: Bool, y: Int, on sheet: inout CellGrid) {
        let pen = selected ? theme.selection : theme.base
        if selected { sheet.fill(CellRect(x: 0, y: y, width: sheet.width, height: 1), with: pen.cell(" ")) }
        sheet.write(selected ? "▶" : " ", x: 0, y: y, pen: pen)
        var x = 2
        for (value, (_, width)) in zip(values, cols) {
            sheet.write(SafeText.clean(value), x: x, y: y, pen: pen, maxX: min(sheet.width, x + width))
            x += width + 1
        }
    }

    private func box(title: String, lines: [String], minWidth: Int = 0, highlight: Int? = nil, on sheet: inout CellGrid) {
        sheet.dialogBox(title: title, lines: lines, minWidth: minWidth, highlight: highlight, theme: theme)
    }

    static func stamp(_ d: Date, _ clock: ClockFormat) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = clock.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }

    static func size(_ bytes: Int64) -> String {
        bytes <= 0 ? "—" : bytes < 1024 * 1024 ? "\((bytes + 1023) / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
