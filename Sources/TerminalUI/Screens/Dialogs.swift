import Engine

/// Modal overlays, centred over whatever screen is below.
struct DialogView {
    var theme: Theme
    var clock = ClockFormat()

    func draw(_ dialog: ConsoleDialog, model: ConsoleModel, on sheet: inout CellGrid) {
        switch dialog {
        case .help:
            let keys = Self.helpEntries(model.keyContext)
            func column(_ keys: ArraySlice<(String, String)>) -> [String] {
                // Keys padded to the widest key of their column, so two columns fit 80 wide.
                let pad = min(9, keys.map { SafeText.displayWidth($0.0) }.max() ?? 0)
                return keys.map { "\($0.0.padding(toLength: pad, withPad: " ", startingAt: 0)) \($0.1)" }
            }
            let entries = keys.map { "\($0.0.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.1)" }
            var lines = entries
            // Too many for one column on a short terminal: two columns side by side.
            if entries.count + 4 > sheet.height {
                let half = (keys.count + 1) / 2
                let left = column(keys.prefix(half)), right = column(keys.dropFirst(half))
                let colWidth = left.map { SafeText.displayWidth($0) }.max() ?? 0
                lines = left.enumerated().map { i, l in
                    i < right.count ? l + String(repeating: " ", count: colWidth - SafeText.displayWidth(l) + 2) + right[i] : l
                }
            }
            box(title: "Keys", lines: lines + ["", "Any of Enter/Esc/? closes this help."], on: &sheet)
        case let .palette(draft):
            let w = min(sheet.width - 4, 60)
            let matches = model.paletteMatches
            let shown = matches.isEmpty ? ["no command begins so here"] : [matches.prefix(12).joined(separator: "  ")]
            let listed = SceneView.wrap(SafeText.glyphs(shown[0]), width: max(1, w - 4), maxLines: 3).map { String($0.map(\.character)) }
            box(title: "Command", lines: [":" + Self.tail(draft, width: max(1, w - 5)) + "▏", ""] + listed + ["", "Tab completes · Enter runs · Esc cancels"],
                minWidth: w, highlight: 0, on: &sheet)
        case let .filter(draft):
            let w = min(sheet.width - 4, 60)
            let what = model.screen == .lobby ? "sessions and tickets" : "the activity feed"
            box(title: "Filter \(what)", lines: ["/" + Self.tail(draft, width: max(1, w - 5)) + "▏", "",
                                                "Applies as you type · Enter keeps it · Esc clears it"], minWidth: w, highlight: 0, on: &sheet)
        case .pages:
            let w = min(sheet.width - 4, 100)
            let visits = model.activity.compactMap { item in item.navigationParts.map { (at: item.at, title: $0.title, url: $0.url) } }
            var lines = visits.isEmpty ? ["The customer has not moved to another page yet."] : []
            for v in visits.suffix(max(1, (sheet.height - 6) / 2)) {
                lines.append("\(clock.time(v.at)) \(v.title.isEmpty ? "(untitled)" : SafeText.clean(v.title))")
                lines += Self.linkLines(v.url, width: w - 4).map { "  " + $0 }
            }
            box(title: "Pages visited (newest last)", lines: lines + ["", "Enter/Esc/U closes"], minWidth: w, on: &sheet)
        case .messages:
            let w = min(sheet.width - 4, 76)
            let recent = model.messageHistory.suffix(max(1, min(12, sheet.height - 6)))
            var lines = recent.isEmpty ? ["No messages yet."] : []
            for m in recent {
                let text = "\(clock.time(m.at)) \(m.message.kind == .error ? "✖ " : "")\(m.message.text)"
                lines += SceneView.wrap(SafeText.glyphs(text), width: max(1, w - 4), maxLines: 2).map { String($0.map(\.character)) }
            }
            box(title: "Messages (newest last)", lines: lines + ["", "Enter/Esc/M closes"], minWidth: w, on: &sheet)
        case let .prompt(purpose, draft):
            let w = min(sheet.width - 4, 72)
            box(title: purpose.title, lines: [Self.tail(draft, width: max(1, w - 4)) + "▏", "", purpose.hint], minWidth: w, highlight: 0, on: &sheet)
        case let .approval(r):
            let w = min(sheet.width - 4, 72)
            var lines = ["\(r.agentName) asks for \(r.mode.title) on \(r.ticket.id) (requested \(clock.time(r.requestedAt)))",
                         "Ticket:   \(r.ticket.subject)", "Customer: \(r.ticket.customer)", "Reason:"]
            lines += SceneView.wrap(SafeText.glyphs(r.reason), width: max(1, w - 6), maxLines: 4).map { "  " + String($0.map(\.character)) }
            let more = model.approvals.filter { $0.sessionId != r.sessionId }.count
            if more > 0 { lines.append("(\(more) more waiting)") }
            lines += ["", "After your approval the customer still has to accept.", "y  approve      n  deny      Esc  later (A reopens)"]
            box(title: "Full Control approval", lines: lines, minWidth: w, on: &sheet)
        case let .handOver(selected):
            var lines = ["Who gets control (annotations, pointer, actions)?", ""]
            for (i, p) in model.handOverCandidates.enumerated() {
                lines.append("\(i == selected ? "▶" : " ") \(p.name) (\(p.kind.rawValue))\(p.controller ? "  — holds control" : "")")
            }
            lines += ["", "↑↓ choose · Enter hand over · Esc cancel"]
            box(title: "Hand over control", lines: lines, highlight: 2 + selected, on: &sheet)
        case let .handOffPick(selected):
            let targets = model.handOffTargets
            let ticket = model.session.map { "\($0.ticket.id) with \(SafeText.clean($0.ticket.customer))" } ?? "this session"
            var lines = ["Who takes over \(ticket)?", ""]
            if targets.isEmpty {
                lines.append(model.lobby == nil ? "Asking the engine who can take it…" : "Nobody can: the engine knows no other L2 agent, specialist or manager")
            }
            // A short terminal shows the part of the list around the selection.
            let room = max(1, sheet.height - 8)
            let first = max(0, min(selected - room + 1, targets.count - room))
            for (i, t) in targets.enumerated().dropFirst(first).prefix(room) {
                lines.append("\(i == selected ? "▶" : " ") \(SafeText.clean(t.name)) (\(t.level.rawValue))")
            }
            lines += ["", "↑↓ choose · Enter next: why · Esc cancel"]
            box(title: "Hand off to a specialist", lines: lines, highlight: targets.isEmpty ? nil : 2 + selected - first, on: &sheet)
        case let .handOffStay(to, reason):
            let w = min(sheet.width - 4, 72)
            var lines = ["Hand the session to \(SafeText.clean(to)):"]
            lines += SceneView.wrap(SafeText.glyphs(reason), width: max(1, w - 6), maxLines: 3).map { "  " + String($0.map(\.character)) }
            lines += ["", "They take it from their lobby; the customer is told who joins.", "Control starts again from View Only.", "",
                      "y  stay as a watcher    n  leave once taken    Esc  cancel"]
            box(title: "Stay on as a watcher?", lines: lines, minWidth: w, on: &sheet)
        case let .handOffOffer(o):
            let w = min(sheet.width - 4, 72)
            let waiting = LobbyScreen.age(since: o.requestedAt, now: model.now)
            var lines = ["\(SafeText.clean(o.from)) hands you \(o.ticket.id) (waiting \(waiting))",
                         "Ticket:   \(SafeText.clean(o.ticket.subject))", "Customer: \(SafeText.clean(o.ticket.customer))", "Why:"]
            lines += SceneView.wrap(SafeText.glyphs(o.reason), width: max(1, w - 6), maxLines: 4).map { "  " + String($0.map(\.character)) }
            let more = model.handOffs.filter { $0.sessionId != o.sessionId }.count
            if more > 0 { lines.append("(\(more) more waiting)") }
            lines += ["", "\(SafeText.clean(o.from)) \(o.stay ? "stays as a watcher" : "leaves once you take it"); the customer acknowledges you first.",
                      "y / Enter  take it over    n  decline    Esc  later (H reopens)"]
            box(title: "Hand-off to you", lines: lines, minWidth: w, on: &sheet)
        case let .viewerLink(name, url):
            let chunks = Self.linkLines(url, width: sheet.width)
            box(title: "Viewer link for \(name)", lines: ["Send this link to \(name) (works once; they watch in a browser):", ""] + chunks + [
                "", "The customer's overlay shows who is watching.", "c  copy the link (to your terminal's clipboard) · Enter  close",
            ], on: &sheet)
        case let .presenterLink(url, customer):
            // The link on lines of its own, whole (split only where it must be): it is copied exactly.
            let chunks = Self.linkLines(url, width: sheet.width)
            let w = min(sheet.width - 4, 72)
            let explain = SceneView.wrap(SafeText.glyphs("Press Start there, then open the page to show (any page with cobrowse.js; the demo site has it). \(customer) watches it in a viewer page; V here shows it beside theirs."),
                                         width: max(1, w - 4), maxLines: 3).map { String($0.map(\.character)) }
            box(title: "Show \(customer) a page", lines: ["Open this link in your own browser to show \(customer) a page:", ""] + chunks + [""] + explain + [
                "", "Works once. c  copy · Enter  close · P  show it again later · s  cancel it",
            ], minWidth: w, on: &sheet)
        case .confirmStopPresenting:
            let customer = model.customerFirstName
            box(title: "Stop showing your page?", lines: ["\(customer)'s mirror of your page closes and your presenter tab", "stops sharing. Their own page stays as it is.", "",
                                                          "y  stop showing      n / Esc  keep showing"], on: &sheet)
        case let .refused(title, text):
            let w = min(sheet.width - 4, 64)
            let wrapped = SceneView.wrap(SafeText.glyphs(text), width: max(1, w - 4), maxLines: 6).map { String($0.map(\.character)) }
            box(title: title, lines: wrapped + ["", "Enter  close"], minWidth: w, on: &sheet)
        case let .confirmStart(ticket, record):
            box(title: "Start a session?", lines: ["Start a co-browse session for \(ticket.id) with \(ticket.customer)?",
                                                   "A one-time link is minted for the customer\(record ? ", with recording requested" : "").", "",
                                                   "y  start it (the link is shown to you)",
                                                   "h  start it and reply the link on the help desk",
                                                   "e  start it and e-mail the link    s  text it (SMS)",
                                                   "n / Esc  not now"], on: &sheet)
        case .confirmLeave:
            let customer = model.session?.ticket.customer ?? "The customer"
            box(title: "Leave the session?", lines: ["\(customer) stays connected and the session goes on;", "you can come back to it from the lobby.", "",
                                                     "y  leave it      n / Esc  stay"], on: &sheet)
        case let .confirmQuit(live):
            let n = live.count == 1 ? "a live session" : "\(live.count) live sessions"
            let lines = model.options.quitEndsSessions
                ? ["You have \(n). Quitting the demo stops its engine,", "which ends \(live.count == 1 ? "it" : "them") and closes the recordings.", "",
                   "y  quit (ends \(live.count == 1 ? "it" : "them"))   e  end and quit   n / Esc  stay"]
                : ["You have \(n). End \(live.count == 1 ? "it" : "them") before quitting,", "or leave \(live.count == 1 ? "it" : "them") running on the engine?", "",
                   "e  end and quit   d  quit, \(live.count == 1 ? "it goes" : "they go") on   n / Esc  stay"]
            box(title: "Quit?", lines: lines, on: &sheet)
        case .confirmEnd:
            let t = model.session.map { "\($0.ticket.id) with \(SafeText.clean($0.ticket.customer))" } ?? "this session"
            box(title: "End session?", lines: ["End the co-browse session \(t)?", "The customer's view closes for good. How did it go?", "",
                                               "r  resolved   f  follow-up needed   e  escalated",
                                               "y  end now, say how later          n / Esc  keep going"]
                    + (model.customerGone ? ["l  end: the customer is lost (they dropped)"] : []), on: &sheet)
        case .sayOutcome:
            let t = model.session.map { "\($0.ticket.id) with \(SafeText.clean($0.ticket.customer))" } ?? "this session"
            box(title: "How did it go?", lines: ["How did the session on \(t) go?", "It goes back to the ticket with the engine's wrap-up.", "",
                                                 "r  resolved   f  follow-up needed   e  escalated   Esc  later"], on: &sheet)
        case let .wrapUp(w):
            let width = min(sheet.width - 4, 96)
            var lines: [String] = []
            for line in w.text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += SceneView.wrap(SafeText.glyphs(String(line)), width: max(1, width - 4), maxLines: 3).map { String($0.map(\.character)) }
            }
            let room = max(3, sheet.height - 6)
            if lines.count > room { lines = Array(lines.prefix(room - 1)) + ["… (cobrowse sessions show \(w.sessionId) prints it all)"] }
            let title = w.sentTo.map { "Written back to \($0)" } ?? "Wrap-up of \(w.ticketId) (no help desk: it stays with the engine)"
            box(title: title, lines: lines + ["", "Enter/Esc closes · cobrowse sessions show \(w.sessionId) prints it again"], minWidth: width, on: &sheet)
        case let .modeMenu(selected):
            let current = model.session?.controlMode ?? .viewOnly
            var lines = ["Ask the customer for a control mode:", ""]
            var why: [String] = []
            for (i, m) in ControlMode.allCases.enumerated() {
                let refusal = model.modeRefusal(m)
                if let refusal, !why.contains(refusal) { why.append(refusal) }
                lines.append("\(i == selected ? "▶" : " ") \(i + 1) \(m.title)\(m == current ? "  (current)" : refusal != nil ? "  (not now)" : "")")
            }
            lines += [""] + why.map { "Not now: \($0)." } + ["The customer must acknowledge any change.", "1-4 ask at once · ↑↓ choose, Enter ask · Esc cancel"]
            box(title: "Control mode", lines: lines, highlight: 2 + selected, on: &sheet)
        case let .link(url, ticket):
            // The link is shown whole (split over lines if it must be), never truncated: it has to be copied exactly.
            let chunks = Self.linkLines(url, width: sheet.width)
            box(title: "One-time link for \(ticket)", lines: ["Send this link to the customer (works once, expires unused):", ""] + chunks + [
                "", "The customer will see who you are and can allow or deny.", "c  copy the link (to your terminal's clipboard) · Enter  close",
            ], highlight: nil, on: &sheet)
        case let .note(draft):
            let w = min(sheet.width - 4, 72)
            let inner = max(1, w - 4)
            box(title: "Note (stored with the session)", lines: [Self.tail(draft, width: inner) + "▏", "", "Enter  save · Esc  cancel"], minWidth: w, highlight: 0, on: &sheet)
        }
    }

    /// The tail of a long draft, so the caret stays visible.
    static func tail(_ draft: String, width inner: Int) -> String {
        var shown: [Character] = []
        var width = 0
        for g in SafeText.glyphs(draft).reversed() { if width + g.width > inner - 1 { break }; shown.insert(g.character, at: 0); width += g.width }
        return String(shown)
    }

    /// The help for a key table: every key it answers, as the table declares it.
    static func helpEntries(_ context: KeyContext) -> [(String, String)] {
        KeyMap.bindings(context).map { ($0.label, $0.help) }
    }

    /// A link on lines of its own, whole, split only where the width forces it: links are copied exactly.
    static func linkLines(_ url: String, width: Int) -> [String] {
        let room = max(8, width - 4)
        var lines: [String] = []
        var rest = Substring(SafeText.clean(url))
        while !rest.isEmpty { lines.append(String(rest.prefix(room))); rest = rest.dropFirst(room) }
        return lines
    }

    private func box(title: String, lines: [String], minWidth: Int = 0, highlight: Int? = nil, on sheet: inout CellGrid) {
        sheet.dialogBox(title: title, lines: lines, minWidth: minWidth, highlight: highlight, theme: theme)
    }
}

extension CellGrid {
    /// A centred box with a title and lines, as every dialog and shelf draws it;
    /// `highlight` marks the selected line.
    mutating func dialogBox(title: String, lines: [String], minWidth: Int = 0, highlight: Int? = nil, theme: Theme) {
        let contentWidth = max(minWidth - 4, lines.map { SafeText.displayWidth($0) }.max() ?? 0, SafeText.displayWidth(title) + 4)
        let w = min(width, contentWidth + 4), h = min(height, lines.count + 2)
        let r = CellRect(x: (width - w) / 2, y: max(0, (height - h) / 2), width: w, height: h)
        frame(r, pen: theme.dialog, border: theme.dialogBorder, title: title)
        for (i, line) in lines.enumerated() where i < h - 2 {
            let pen = i == highlight ? theme.selection : theme.dialog
            if i == highlight { fill(CellRect(x: r.x + 1, y: r.y + 1 + i, width: w - 2, height: 1), with: pen.cell(" ")) }
            write(line, x: r.x + 2, y: r.y + 1 + i, pen: pen, maxX: r.maxX - 1)
        }
    }
}
