import Engine
import Foundation

/// The operations dashboard (`D` in the lobby): a month's figures as the
/// engine computed them, drawn as charts of characters so they read in a
/// monochrome terminal too. The layout grows with the terminal: 80x24 holds
/// every chart side by side in short form, 160x45 gives the bars their width
/// and adds who started the sessions.
struct DashboardScreen {
    var theme: Theme

    /// Heights of a sparkline, lowest first.
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// A bar's last cell, by eighths filled (1…7).
    static let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    func draw(_ model: ConsoleModel, on sheet: inout CellGrid) {
        let w = sheet.width, h = sheet.height
        sheet.fill(sheet.bounds, with: theme.base.cell(" "))
        let state = model.dashboard
        guard let d = state.shown else {
            sheet.bar(0, text: " Operations dashboard", pen: theme.statusAccent)
            sheet.write(state.loading ? "Asking the engine for the figures…" : "No figures yet: g asks the engine", x: 2, y: 2, pen: theme.base)
            footer(model, on: &sheet)
            return
        }
        let whose = d.agentOnly == nil ? "team" : "your sessions"
        let asking = state.loading && state.month != d.month ? " — asking for \(state.month ?? "this month")…" : ""
        sheet.bar(0, text: " Operations dashboard — \(d.label) — \(whose)\(asking)", pen: theme.statusAccent)
        let bottom = h - 2
        var y = 1
        sheet.write(Self.liveLine(d, width: w - 2), x: 1, y: y, pen: theme.base.with(.bold), maxX: w)
        y += 2
        let f = d.figures
        // Room to spare: taller charts, and who started the sessions beside the CSAT trend.
        let roomy = h >= 40 && w >= 120
        y = perDay(f, label: d.label, height: roomy ? max(1, min(12, h - 24)) : 1, y: y, bottom: bottom, on: &sheet)
        y += 1
        // Two columns of bars, side by side.
        let gap = 3, colWidth = (w - 2 - gap) / 2, right = 1 + colWidth + gap
        let durations = f.durations.map { ($0.label, $0.sessions) }
        let modes = f.modes.map { ($0.mode.title, $0.sessions) }
        let top = y
        y = bars("Duration (ended sessions)", durations, x: 1, width: colWidth, y: top, bottom: bottom, on: &sheet)
        y = max(y, bars("Highest mode reached", modes, x: right, width: colWidth, y: top, bottom: bottom, on: &sheet))
        y += 1
        let trendTop = y
        y = csatTrend(f, x: 1, width: colWidth, height: roomy ? 4 : 1, y: trendTop, bottom: bottom, on: &sheet)
        if roomy {
            let initiators = f.initiators.map { (Self.initiatorLabel($0.initiator), $0.sessions) }
            y = max(y, bars("Initiated by", initiators, x: right, width: colWidth, y: trendTop, bottom: bottom, on: &sheet))
        }
        y += 1
        for (i, line) in Self.figureLines(d, width: w - 2, initiators: !roomy).enumerated() where y < bottom {
            sheet.write(line, x: 1, y: y, pen: f.sessions == 0 && i == 0 ? theme.notice : theme.base, maxX: w)
            y += 1
        }
        footer(model, on: &sheet)
    }

    // MARK: Lines of text

    /// "Live now: 3 in session — View Only 1 · Guided 1 · … · 1 waiting for consent"; the modes
    /// no session is in go first when it does not fit, then words.
    static func liveLine(_ d: OperationsDashboard, width: Int) -> String {
        let head = "Live now\(d.agentOnly == nil ? "" : " (yours)"): \(d.live.active) in session"
        let waiting = d.live.waitingForConsent
        let every = d.live.modes.map { "\($0.mode.title) \($0.sessions)" }
        let some = d.live.modes.filter { $0.sessions > 0 }.map { "\($0.mode.title) \($0.sessions)" }
        let candidates = [
            head + " — " + (every + (waiting > 0 ? ["\(waiting) waiting for consent"] : [])).joined(separator: " · "),
            ([head] + some + (waiting > 0 ? ["\(waiting) waiting for consent"] : [])).joined(separator: " · "),
            ([head] + some + (waiting > 0 ? ["\(waiting) waiting"] : [])).joined(separator: " · "),
        ]
        return candidates.first { SafeText.displayWidth($0) <= width } ?? SafeText.fitted(candidates[2], width: width)
    }

    /// The key figures, packed into lines no wider than `width` (a figure is never cut in two);
    /// an empty month says so on a line of its own, and who started the sessions gets its own line.
    static func figureLines(_ d: OperationsDashboard, width: Int, initiators: Bool) -> [String] {
        let f = d.figures
        var lines: [String] = []
        if f.sessions == 0 {
            let never = f.neverStarted > 0 ? " (\(f.neverStarted) link\(f.neverStarted == 1 ? "" : "s") never became one)" : ""
            lines.append(SafeText.fitted("No sessions in \(d.label)\(never)", width: width))
        }
        var items: [String] = []
        if f.sessions > 0 { items.append("Sessions \(f.sessions)" + (f.neverStarted > 0 ? " (+\(f.neverStarted) never started)" : "")) }
        items.append("Avg duration " + (f.averageMinutes.map { String(format: "%.1f min", $0) } ?? "n/a"))
        items.append("Resolved " + percent(f.resolvedPercent))
        items.append("CSAT " + (f.csat.map { String(format: "%.1f/5", $0) + " (\(f.surveys) survey\(f.surveys == 1 ? "" : "s"))" } ?? "n/a"))
        items.append("Drop rate " + percent(f.dropRatePercent))
        items.append("Quality complaints \(f.complaints)")
        items.append("Recordings \(f.recordings)")
        lines += packed(items, separator: " · ", width: width)
        let started = f.initiators.filter { $0.sessions > 0 }
        if initiators && !started.isEmpty {
            var line = packed(started.map { "\(initiatorLabel($0.initiator).lowercased()) \($0.sessions)" }, separator: ", ", width: width - 12)
            line[0] = "Started by: " + line[0]
            lines += line.enumerated().map { $0.offset == 0 ? $0.element : "            " + $0.element }
        }
        return lines
    }

    /// Items joined by `separator` into as few lines as fit `width`; an item wider than the line is cut.
    static func packed(_ items: [String], separator: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for item in items.map({ SafeText.fitted($0, width: width) }) {
            let joined = current.isEmpty ? item : current + separator + item
            if SafeText.displayWidth(joined) <= width { current = joined } else { lines.append(current); current = item }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    static func percent(_ p: Double?) -> String { p.map { String(format: "%.1f%%", $0) } ?? "n/a" }

    /// Who started a session, in a word or two (the report's titles are sentences).
    static func initiatorLabel(_ i: SessionInitiator) -> String {
        switch i {
        case .agent: "Agent"
        case .customerRequest: "Customer asked"
        case .autoSuggestion: "Suggestion"
        case .onboarding: "Onboarding"
        case .escalation: "Escalation"
        }
    }

    // MARK: Charts

    /// Sessions per day: a sparkline (or, given the height, columns) as wide as the terminal allows
    /// (up to 4 cells a day), with the days under it.
    private func perDay(_ f: PeriodFigures, label: String, height: Int, y top: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        let days = f.sessionsPerDay
        guard top + height + 2 <= bottom, !days.isEmpty else { return top }
        let most = days.max() ?? 0
        let busiest = most > 0 ? days.firstIndex(of: most).map { ", most \(most) on the \(Self.ordinal($0 + 1))" } ?? "" : ""
        sheet.write("Sessions per day (\(f.sessions) in \(label)\(busiest))", x: 1, y: top, pen: theme.base.with(.bold), maxX: sheet.width)
        let cellsPerDay = max(1, min(4, (sheet.width - 4) / days.count))
        // A gap between days once each has more than one cell.
        let drawn = cellsPerDay == 1 ? 1 : cellsPerDay - 1
        let x0 = 2
        for (i, n) in days.enumerated() {
            let cells: [Character?] = height == 1 ? [Self.spark(n, of: most)]
                : Self.column(most > 0 ? Double(n) / Double(most) : 0, height: height, atLeastAnEighth: n > 0)
            for (row, glyph) in cells.enumerated() {
                // Nothing that day: the lowest step, dim, so the day is still there.
                let (g, pen) = glyph.map { ($0, n == 0 ? theme.hint : barPen) } ?? (row == 0 && n == 0 ? (Self.levels[0], theme.hint) : (" ", theme.base))
                for c in 0 ..< drawn { sheet.set(x0 + i * cellsPerDay + c, top + height - row, pen.cell(g)) }
            }
        }
        // The day numbers under the chart: the 1st, then every 5th, each where its day starts.
        var x = x0
        for (i, _) in days.enumerated() where i == 0 || (i + 1) % 5 == 0 {
            let at = x0 + i * cellsPerDay
            guard at >= x else { continue }
            x = sheet.write("\(i + 1)", x: at, y: top + height + 1, pen: theme.hint, maxX: sheet.width) + 1
        }
        return top + height + 2
    }

    /// CSAT by week: one group of cells a week, as high as its CSAT out of 5 (· for no survey), the value under it.
    private func csatTrend(_ f: PeriodFigures, x: Int, width: Int, height: Int, y top: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        guard top + height + 2 <= bottom else { return top }
        sheet.write("CSAT by week (of 5)", x: x, y: top, pen: theme.base.with(.bold), maxX: x + width)
        let weeks = f.csatByWeek
        guard !weeks.isEmpty else { return top + 1 }
        let cell = max(4, min(8, width / weeks.count))
        for (i, week) in weeks.enumerated() {
            let at = x + 1 + i * cell
            guard at + cell - 1 <= x + width else { break }
            let cells: [Character?] = week.csat.map { Self.column($0 / 5, height: height, atLeastAnEighth: true) } ?? ["·"] + Array(repeating: nil, count: height - 1)
            for (row, glyph) in cells.enumerated() {
                guard let glyph else { continue }
                for c in 0 ..< cell - 1 { sheet.set(at + c, top + height - row, (week.csat == nil ? theme.hint : barPen).cell(glyph)) }
            }
            sheet.write(week.csat.map { String(format: "%.1f", $0) } ?? "n/a", x: at, y: top + height + 1, pen: theme.hint, maxX: at + cell - 1)
        }
        return top + height + 2
    }

    /// One column of a chart `height` cells tall, bottom first: `fraction` (0…1) of it filled to an
    /// eighth of a cell; nil where it is empty.
    static func column(_ fraction: Double, height: Int, atLeastAnEighth: Bool) -> [Character?] {
        var eighths = Int((min(1, max(0, fraction)) * Double(height * 8)).rounded())
        if atLeastAnEighth { eighths = max(1, eighths) }
        return (0 ..< height).map { row in
            let left = eighths - row * 8
            return left >= 8 ? "█" : left > 0 ? levels[left - 1] : nil
        }
    }

    /// A titled set of horizontal bars: label, bar (█ and a partial block), count, share.
    private func bars(_ title: String, _ rows: [(String, Int)], x: Int, width: Int, y top: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        guard top < bottom else { return top }
        sheet.write(title, x: x, y: top, pen: theme.base.with(.bold), maxX: x + width)
        let labelWidth = min(16, rows.map { SafeText.displayWidth($0.0) }.max() ?? 0)
        let total = rows.reduce(0) { $0 + $1.1 }, most = rows.map(\.1).max() ?? 0
        let barWidth = max(1, width - labelWidth - 12)
        var y = top + 1
        for (label, n) in rows where y < bottom {
            sheet.write(label, x: x, y: y, pen: theme.base, maxX: x + labelWidth)
            let barX = x + labelWidth + 1
            let bar = Self.bar(n, of: most, width: barWidth)
            sheet.write(bar, x: barX, y: y, pen: barPen, maxX: barX + barWidth)
            let share = total > 0 ? String(format: "%3.0f%%", 100 * Double(n) / Double(total)) : "  —"
            sheet.write(String(format: "%4d", n) + " " + share, x: barX + barWidth + 1, y: y, pen: theme.base, maxX: x + width)
            y += 1
        }
        return y
    }

    /// `value` of `most` as a sparkline height; nothing is the lowest step, anything more is at least the second.
    static func spark(_ value: Int, of most: Int) -> Character {
        guard value > 0, most > 0 else { return levels[0] }
        return levels[max(1, min(7, Int((Double(value) / Double(most) * 7).rounded())))]
    }

    /// `value` of `most` in `width` cells, to an eighth of a cell.
    static func bar(_ value: Int, of most: Int, width: Int) -> String {
        guard value > 0, most > 0, width > 0 else { return "" }
        let eighths = max(1, Int((Double(value) / Double(most) * Double(width * 8)).rounded()))
        let full = eighths / 8, rest = eighths % 8
        return String(repeating: "█", count: full) + (rest > 0 ? String(partials[rest - 1]) : "")
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11 ... 13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }

    /// Bars take the accent's colour; in monochrome the characters alone carry them.
    private var barPen: Pen { theme.monochrome ? theme.base : Pen(fg: theme.dialogBorder.fg, bg: theme.base.bg) }

    private func footer(_ model: ConsoleModel, on sheet: inout CellGrid) {
        let h = sheet.height
        MessageLine(theme: theme).draw(model.visibleMessage(now: model.now), fallback: nil, y: h - 2, on: &sheet)
        HintBar(theme: theme).draw(ConsoleView.hintPieces(model, width: sheet.width), y: h - 1, on: &sheet)
    }
}
