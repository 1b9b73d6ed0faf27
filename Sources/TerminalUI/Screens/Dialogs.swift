import Engine

/// Modal overlays, centred over whatever screen is below.
struct DialogView {
    var theme: Theme

    func draw(_ dialog: ConsoleDialog, model: ConsoleModel, on sheet: inout CellGrid) {
        switch dialog {
        case .help:
            let keys = model.screen == .lobby ? Self.lobbyKeys : Self.workstationKeys
            box(title: "Keys", lines: keys.map { "\($0.0.padding(toLength: 8, withPad: " ", startingAt: 0)) \($0.1)" } + ["", "Any of Enter/Esc/? closes this help."], on: &sheet)
        case .confirmEnd:
            let t = model.session.map { "\($0.ticket.id) with \($0.ticket.customer)" } ?? "this session"
            box(title: "End session?", lines: ["End the co-browse session \(t)?", "The customer's view closes for good.", "", "y  end it now      n / Esc  keep going"], on: &sheet)
        case let .modeMenu(selected):
            let current = model.session?.controlMode ?? .viewOnly
            var lines = ["Ask the customer for a control mode:", ""]
            for (i, m) in ControlMode.allCases.enumerated() {
                lines.append("\(i == selected ? "▶" : " ") \(i + 1) \(m.title)\(m == current ? "  (current)" : "")")
            }
            lines += ["", "The customer must acknowledge any change.", "↑↓/1-4 choose · Enter ask · Esc cancel"]
            box(title: "Control mode", lines: lines, highlight: 2 + selected, on: &sheet)
        case let .link(url, ticket):
            // The link is shown whole (split over lines if it must be), never truncated: it has to be copied exactly.
            let room = max(8, sheet.width - 4)
            var chunks: [String] = []
            var rest = Substring(SafeText.clean(url))
            while !rest.isEmpty { chunks.append(String(rest.prefix(room))); rest = rest.dropFirst(room) }
            box(title: "One-time link for \(ticket)", lines: ["Send this link to the customer (works once, expires unused):", ""] + chunks + [
                "", "The customer will see who you are and can allow or deny.", "Enter  close",
            ], highlight: nil, on: &sheet)
        case let .note(draft):
            let w = min(sheet.width - 4, 72)
            let inner = max(1, w - 4)
            // Show the tail of a long draft so the caret stays visible.
            let glyphs = SafeText.glyphs(draft)
            var shown: [Character] = []
            var width = 0
            for g in glyphs.reversed() { if width + g.width > inner - 1 { break }; shown.insert(g.character, at: 0); width += g.width }
            box(title: "Note (stored with the session)", lines: [String(shown) + "▏", "", "Enter  save · Esc  cancel"], minWidth: w, highlight: 0, on: &sheet)
        }
    }

    static let lobbyKeys: [(String, String)] = [
        ("↑ ↓", "select a session or ticket"), ("Enter", "attach to a session / start one for a ticket"),
        ("r", "start a session with recording requested"), ("R", "recordings: replay one here (asks why; audited)"), ("g", "refresh the lobby"), ("?", "this help"), ("q Q", "quit"),
    ]
    static let workstationKeys: [(String, String)] = [
        ("n", "add a note to the session"), ("m", "ask for a control mode"), ("x", "ask for 15 more minutes"),
        ("k", "ask the customer: is the screen quality okay?"),
        ("e", "end the session (asks first)"), ("b", "switch braille / half-block pictures"), ("f", "show/hide the activity feed"),
        ("← ↑ → ↓", "move your highlighted cursor"), ("?", "this help"), ("q Esc", "back to the lobby (detach)"), ("Q", "quit the console"),
    ]

    private func box(title: String, lines: [String], minWidth: Int = 0, highlight: Int? = nil, on sheet: inout CellGrid) {
        let contentWidth = max(minWidth - 4, lines.map { SafeText.displayWidth($0) }.max() ?? 0, SafeText.displayWidth(title) + 4)
        let w = min(sheet.width, contentWidth + 4), h = min(sheet.height, lines.count + 2)
        let r = CellRect(x: (sheet.width - w) / 2, y: max(0, (sheet.height - h) / 2), width: w, height: h)
        sheet.frame(r, pen: theme.dialog, border: theme.dialogBorder, title: title)
        for (i, line) in lines.enumerated() where i < h - 2 {
            let pen = i == highlight ? theme.selection : theme.dialog
            if i == highlight { sheet.fill(CellRect(x: r.x + 1, y: r.y + 1 + i, width: w - 2, height: 1), with: pen.cell(" ")) }
            sheet.write(line, x: r.x + 2, y: r.y + 1 + i, pen: pen, maxX: r.maxX - 1)
        }
    }
}
