import Engine
import Foundation

/// The agent's start page: my open sessions, then my tickets, one selection.
struct LobbyScreen {
    var theme: Theme

    func draw(_ model: ConsoleModel, on sheet: inout CellGrid) {
        let w = sheet.width, h = sheet.height
        sheet.fill(sheet.bounds, with: theme.base.cell(" "))
        let who = model.agent.map { "\($0.name) (\($0.level.rawValue))" } ?? "connecting…"
        sheet.bar(0, text: " Cobrowse console — agent \(who)\(model.options.watch ? " — read-only" : "")", pen: theme.statusAccent)
        guard let lobby = model.lobby else {
            sheet.write("Waiting for the engine…", x: 2, y: 2, pen: theme.base)
            footer(model, on: &sheet)
            return
        }
        let rows = model.lobbyRows
        let open = rows.filter { if case .session = $0 { return true } else { return false } }
        let teamRows = rows.enumerated().filter { if case .teamSession = $0.element { return true } else { return false } }
        let tickets = rows.count - open.count - teamRows.count
        // What narrows or orders the lists, where the agent looks first.
        var view: [String] = []
        if !model.lobbyFilter.isEmpty { view.append("filter /\(SafeText.clean(model.lobbyFilter)) (/ then Esc clears)") }
        if model.lobbyOrder != .asListed { view.append("sorted by \(model.lobbyOrder.title) (o)") }
        if !view.isEmpty { sheet.write(" " + view.joined(separator: " · "), x: 0, y: 1, pen: theme.notice, maxX: w) }
        var y = 2
        y = WaitingPanel(theme: theme).handOffs(model.handOffs, now: model.now, y: y, bottom: h - 6, on: &sheet)
        y = WaitingPanel(theme: theme).approvals(model.approvals, y: y, bottom: h - 6, on: &sheet)
        sheet.write("My open sessions (\(open.count))", x: 1, y: y, pen: theme.base.with(.bold)); y += 1
        // A wide terminal gives the names room and shows how long each session has run.
        let wide = w >= 100
        let nameWidth = wide ? min(32, 18 + (w - 100) / 4) : 18
        let sessionCols = [("SESSION", 12), ("TICKET", 10), ("CUSTOMER", nameWidth), ("STATUS", 12), ("MODE", 13), ("REC", 4)] + (wide ? [("AGE", 6)] : [])
        header(sessionCols, y: y, on: &sheet); y += 1
        if open.isEmpty { sheet.write("  none — pick a ticket below and press Enter to start one", x: 1, y: y, pen: theme.hint); y += 1 }
        for (i, row) in rows.enumerated() {
            guard case let .session(s) = row else { continue }
            if y >= h - 3 { break }
            line([String(s.id.prefix(11)), s.ticket.id, s.ticket.customer, s.status.rawValue, s.controlMode.title, s.recording ? "●" : "",
                  Self.age(since: s.startedAt ?? s.createdAt, now: model.now)],
                 cols: sessionCols, selected: i == model.lobbySelection, y: y, on: &sheet)
            y += 1
        }
        // Supervisors and managers: the team's live sessions, to watch.
        if let team = lobby.team, y < h - 4 {
            y += 1
            sheet.write("Team's live sessions (\(teamRows.count)) — Enter watches read-only", x: 1, y: y, pen: theme.base.with(.bold)); y += 1
            let teamCols = [("SESSION", 12), ("AGENT", 14), ("TICKET", 10), ("CUSTOMER", nameWidth), ("STATUS", 12), ("MODE", 13)]
                + (wide ? [("QUALITY", 8), ("AGE", 6), ("REC", 4)] : [])
            header(teamCols, y: y, on: &sheet); y += 1
            if team.isEmpty { sheet.write("  nobody else is in a session now", x: 1, y: y, pen: theme.hint); y += 1 }
            for (i, row) in teamRows {
                guard case let .teamSession(s) = row else { continue }
                if y >= h - 3 { break }
                line([String(s.id.prefix(11)), s.agentName, s.ticket.id, s.ticket.customer, s.status.rawValue, s.controlMode.title,
                      s.customerConnected ? s.quality.rawValue : "away", Self.age(since: s.startedAt ?? s.createdAt, now: model.now), s.recording ? "●" : ""],
                     cols: teamCols, selected: i == model.lobbySelection, y: y, on: &sheet)
                y += 1
            }
        }
        y += 1
        if y < h - 3 {
            sheet.write("My tickets (\(model.lobbyFilter.isEmpty ? "\(tickets)" : "\(tickets) of \(lobby.tickets.count)"))", x: 1, y: y, pen: theme.base.with(.bold))
            // The engine sends a lobby that fits in one frame; the rest are a `cobrowse tickets list` away.
            if let more = lobby.ticketsNotShown {
                sheet.write("and \(more) more not listed here: cobrowse tickets list", x: 22, y: y, pen: theme.hint)
            }
            y += 1
        }
        let ticketCols = [("TICKET", 10), ("CUSTOMER", nameWidth), ("CATEGORY", 12), ("SUBJECT", max(10, w - 26 - nameWidth))]
        if y < h - 3 { header(ticketCols, y: y, on: &sheet); y += 1 }
        if tickets == 0 && y < h - 3 {
            sheet.write(lobby.tickets.isEmpty ? "  no open tickets assigned to you" : "  no ticket matches the filter", x: 1, y: y, pen: theme.hint); y += 1
        }
        // Keep the selected ticket visible on short terminals by scrolling the ticket list.
        let ticketRows = rows.enumerated().filter { if case .ticket = $0.element { return true } else { return false } }
        let room = max(0, h - 3 - y)
        let selectedTicket = ticketRows.firstIndex { $0.offset == model.lobbySelection } ?? 0
        let first = max(0, min(selectedTicket - room + 1, ticketRows.count - room))
        for (i, row) in ticketRows.dropFirst(first).prefix(room) {
            guard case let .ticket(t) = row else { continue }
            // ⚑ marks a customer's request, ★ a ticket the suggestion rules say a co-browse would help; why shows when it is selected.
            let star = lobby.requested?[t.id] != nil ? "⚑ " : lobby.suggestions?[t.id] != nil ? "★ " : ""
            line([t.id, t.customer, t.category ?? "", star + t.subject], cols: ticketCols, selected: i == model.lobbySelection, y: y, on: &sheet)
            y += 1
        }
        footer(model, on: &sheet, suggestion: selectedSuggestion(model))
    }

    /// Why the selected ticket is marked ★, for the message line when nothing else is said.
    private func selectedSuggestion(_ model: ConsoleModel) -> String? {
        guard let lobby = model.lobby, model.lobbySelection < model.lobbyRows.count,
              case let .ticket(t) = model.lobbyRows[model.lobbySelection] else { return nil }
        if let asked = lobby.requested?[t.id] { return "⚑ " + Self.howTheyAsked(asked, customer: t.customer, now: model.now) }
        guard let why = lobby.suggestions?[t.id] else { return nil }
        return "★ Suggested for a co-browse: \(SafeText.clean(why))"
    }

    /// "Dana asked for live help on https://app.example.com/billing 3 m ago".
    static func howTheyAsked(_ r: CustomerRequest, customer: String, now: Date) -> String {
        let who = SafeText.clean(customer)
        let ago = r.requestedAt.map { " \(age(since: $0, now: now)) ago" } ?? ""
        switch r.via {
        case .page: return "\(who) asked for live help\(r.page.map { " on \(SafeText.clean($0))" } ?? "")\(ago)"
        case .helpDesk: return "\(who) asked for a co-browse (through the help desk)\(ago)"
        }
    }

    /// "45 s", "12 m", "3 h": how long a session has run.
    static func age(since: Date, now: Date) -> String {
        let s = max(0, Int(now.timeIntervalSince(since)))
        return s < 60 ? "\(s) s" : s < 3600 ? "\(s / 60) m" : "\(s / 3600) h"
    }

    private func header(_ cols: [(String, Int)], y: Int, on sheet: inout CellGrid) {
        var x = 2
        for (name, width) in cols { sheet.write(name, x: x, y: y, pen: theme.hint, maxX: x + width); x += width + 1 }
    }

    private func line(_ values: [String], cols: [(String, Int)], selected: Bool, y: Int, on sheet: inout CellGrid) {
        let pen = selected ? theme.selection : theme.base
        if selected { sheet.fill(CellRect(x: 0, y: y, width: sheet.width, height: 1), with: pen.cell(" ")) }
        sheet.write(selected ? "▶" : " ", x: 0, y: y, pen: pen)
        var x = 2
        for (value, (_, width)) in zip(values, cols) { sheet.write(value, x: x, y: y, pen: pen, maxX: min(sheet.width, x + width)); x += width + 1 }
    }

    private func footer(_ model: ConsoleModel, on sheet: inout CellGrid, suggestion: String? = nil) {
        let h = sheet.height
        MessageLine(theme: theme).draw(model.visibleMessage(now: model.now), fallback: suggestion, y: h - 2, on: &sheet)
        HintBar(theme: theme).draw(ConsoleView.hintPieces(model, width: sheet.width), y: h - 1, on: &sheet)
    }
}

/// The line above the key hints: engine errors (unmissable), notices, or the newest activity.
struct MessageLine {
    var theme: Theme

    func draw(_ message: StatusMessage?, fallback: String?, y: Int, on sheet: inout CellGrid) {
        if let message {
            let pen = message.kind == .error ? theme.error : theme.notice
            sheet.bar(y, text: (message.kind == .error ? " ✖ " : " ") + message.text, pen: pen)
        } else {
            sheet.bar(y, text: fallback.map { " \($0)" } ?? "", pen: theme.base)
        }
    }
}
