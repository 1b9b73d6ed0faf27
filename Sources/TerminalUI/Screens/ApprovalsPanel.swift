import Engine
import Foundation

/// Managers' lobby: Full Control requests waiting for their approval, above
/// the sessions. `a` opens the first; y / n answer it.
struct ApprovalsPanel {
    var theme: Theme

    /// Draws the list from row `y` (nothing when none wait); returns the next free row.
    func draw(_ approvals: [ApprovalRequest], y top: Int, bottom: Int, on sheet: inout CellGrid) -> Int {
        guard !approvals.isEmpty, top < bottom else { return top }
        var y = top
        sheet.bar(y, text: " Waiting for your approval (\(approvals.count)) — a to answer", pen: theme.notice.with(.bold)); y += 1
        for r in approvals.prefix(max(1, min(3, bottom - y - 1))) where y < bottom {
            let line = "  \(r.ticket.id)  \(r.ticket.customer) — \(r.agentName) asks for \(r.mode.title): \(r.reason)"
            sheet.write(line, x: 0, y: y, pen: theme.base, maxX: sheet.width)
            y += 1
        }
        if approvals.count > 3, y < bottom { sheet.write("  +\(approvals.count - 3) more", x: 0, y: y, pen: theme.hint); y += 1 }
        return y + 1
    }
}
