import Engine
import Foundation

/// What waits for this agent's answer, above the lobby's sessions: a bar
/// saying what and which key answers, then up to three lines.
struct WaitingPanel {
    var theme: Theme

    /// Draws the list from row `y` (nothing when none wait); returns the next free row.
    func draw(_ title: (Int) -> String, _ lines: [String], y top: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        guard !lines.isEmpty, top < bottom else { return top }
        var y = top
        sheet.bar(y, text: " " + title(lines.count), pen: theme.notice.with(.bold)); y += 1
        for line in lines.prefix(max(1, min(3, bottom - y - 1))) where y < bottom {
            sheet.write("  " + line, x: 0, y: y, pen: theme.base, maxX: sheet.width)
            y += 1
        }
        if lines.count > 3, y < bottom { sheet.write("  +\(lines.count - 3) more", x: 0, y: y, pen: theme.hint); y += 1 }
        return y + 1
    }

    /// Managers: Full Control requests waiting for their approval (`A` opens the first; y / n answer it).
    func approvals(_ approvals: [ApprovalRequest], y: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        draw({ "Waiting for your approval (\($0)) — a to answer" },
             approvals.map { "\($0.ticket.id)  \($0.ticket.customer) — \($0.agentName) asks for \($0.mode.title): \($0.reason)" },
             y: y, bottom: bottom, on: &sheet)
    }

    /// Sessions handed to this agent (`H` opens the first; y takes it over, n declines).
    func handOffs(_ offers: [HandOffOffer], now: Date, y: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        draw({ "Handed to you (\($0)) — H to take over or decline" },
             offers.map { o in
                 "⇄ \(o.ticket.id)  \(SafeText.clean(o.ticket.customer)) — from \(SafeText.clean(o.from)), waiting "
                     + "\(LobbyScreen.age(since: o.requestedAt, now: now)): \(SafeText.clean(o.reason))"
             },
             y: y, bottom: bottom, on: &sheet)
    }
}
