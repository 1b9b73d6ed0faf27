import Engine
import Foundation

/// Draws the whole console for a model at a size and time: the one function
/// the runner calls each frame and the golden tests call with a fixed clock.
public final class ConsoleView {
    public static let minimumSize = GridSize(columns: 60, rows: 16)

    public var theme: Theme
    public var clock: ClockFormat
    private let scene: SceneView

    public init(theme: Theme, clock: ClockFormat = ClockFormat()) {
        self.theme = theme; self.clock = clock
        scene = SceneView(theme: theme)
    }

    public func layers(_ model: ConsoleModel, size: GridSize, now: Date) -> [Layer] {
        if size.columns < Self.minimumSize.columns || size.rows < Self.minimumSize.rows {
            var sheet = ChromeSheet(size: size)
            TooSmallScreen(theme: theme).draw(need: Self.minimumSize, have: size, on: &sheet.grid)
            return [sheet.layer()]
        }
        var sheet = ChromeSheet(size: size)
        var view = Layer(.view, width: size.columns, height: size.rows)
        var masks = Layer(.masks, width: size.columns, height: size.rows)
        var annotations = Layer(.annotations, width: size.columns, height: size.rows)
        switch model.screen {
        case .lobby:
            LobbyScreen(theme: theme).draw(model, on: &sheet.grid)
        case .dashboard:
            DashboardScreen(theme: theme).draw(model, on: &sheet.grid)
        case .workstation:
            drawWorkstation(model, size: size, now: now, sheet: &sheet.grid, view: &view, masks: &masks, annotations: &annotations)
        }
        if let dialog = model.dialog { DialogView(theme: theme, clock: clock).draw(dialog, model: model, on: &sheet.grid) }
        return [view, masks, annotations, sheet.layer()]
    }

    public func frame(_ model: ConsoleModel, size: GridSize, now: Date) -> CellGrid {
        Compositor(background: theme.base.cell(" ")).compose(layers(model, size: size, now: now), width: size.columns, height: size.rows)
    }

    /// The page area for this size (the runner tells the model, for cursor steps).
    public func viewArea(_ model: ConsoleModel, size: GridSize) -> CellRect {
        let view = WorkstationLayout(size: size, feedShown: model.feedShown).view
        // Only the customer's pane takes the cursor and the mouse; none while it is hidden.
        return PageLayout(view: view, mode: model.viewMode, terminalColumns: size.columns).customer ?? CellRect(x: view.x, y: view.y, width: 0, height: 0)
    }

    /// The bar above the pages: the customer's title and address; in split view
    /// what is where; with the shown page only, its title and address.
    private func urlBar(_ model: ConsoleModel, _ pages: PageLayout) -> String {
        func describe(_ page: Scene?) -> String? {
            guard let page else { return nil }
            let title = SafeText.clean(page.title), url = SafeText.clean(page.url)
            return "\(title.isEmpty ? "" : title + " — ")\(url)"
        }
        let customer = model.customerFirstName
        switch model.viewMode {
        case .customer:
            return " " + (describe(model.scene) ?? "(no page yet)")
        case .split:
            let (first, second) = pages.stacked ? ("above", "below") : ("left", "right")
            return " Split view: \(customer)'s page \(first), the page \(model.isReadOnly ? "the agent shows" : "you show") \(second) · V next view"
        case .shown:
            let who = model.isReadOnly ? "Agent shows" : "You show"
            return " \(who) · " + (describe(model.mirror.scene) ?? "(waiting for the page)") + " · what \(customer) sees in the mirror"
        }
    }

    /// "Customer · Billing — https://…" over a pane, cut with "…" when it does not fit.
    private func paneTitle(_ who: String, _ page: Scene?, in r: CellRect, pen: Pen, on sheet: inout CellGrid) {
        var text = " \(who)"
        if let page {
            let title = SafeText.clean(page.title), url = SafeText.clean(page.url)
            text += " · " + (title.isEmpty ? url : "\(title) — \(url)")
        } else {
            text += " · (no page yet)"
        }
        sheet.bar(r.y, x: r.x, width: r.width, text: SafeText.fitted(text, width: r.width), pen: pen)
    }

    private func emptyPaneMessage(_ text: String, in area: CellRect, on sheet: inout CellGrid) {
        sheet.fill(area, with: theme.base.cell(" "))
        guard !area.isEmpty else { return }
        let lines = SceneView.wrap(SafeText.glyphs(text), width: max(1, area.width - 2), maxLines: max(1, area.height))
        let top = area.y + max(0, (area.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let w = line.reduce(0) { $0 + $1.width }
            sheet.write(String(line.map(\.character)), x: area.x + max(0, (area.width - w) / 2), y: top + i, pen: theme.hint, maxX: area.maxX)
        }
    }

    private func drawWorkstation(_ model: ConsoleModel, size: GridSize, now: Date, sheet: inout CellGrid,
                                 view: inout Layer, masks: inout Layer, annotations: inout Layer) {
        let layout = WorkstationLayout(size: size, feedShown: model.feedShown)
        if let s = model.session {
            StatusBar(theme: theme, watching: model.isReadOnly, source: model.scene?.source,
                      viewMode: model.viewMode.statusLabel, showing: model.mirror.isShowing).draw(s, now: now, into: &sheet, y: layout.status.y)
        }
        let pages = PageLayout(view: layout.view, mode: model.viewMode, terminalColumns: size.columns)
        sheet.bar(layout.url.y, text: urlBar(model, pages), pen: theme.urlBar)
        scene.theme = theme
        scene.symbols = model.symbols
        if let area = pages.customer {
            if let title = pages.customerTitle {
                paneTitle("Customer", model.scene, in: title, pen: theme.feedTitle, on: &sheet)
            }
            if let page = model.scene {
                scene.render(page, area: area, view: &view, masks: &masks, annotations: &annotations, agentCursor: model.agentCursor,
                             overlay: Self.overlay(model))
            } else {
                let waiting = model.session?.customerConnected == true ? "Waiting for the customer's page…" : "Waiting for the customer to open the link and consent…"
                emptyPaneMessage(waiting, in: area, on: &sheet)
            }
        }
        if let area = pages.shown {
            if let title = pages.shownTitle {
                paneTitle(model.isReadOnly ? "Agent shows" : "You show", model.mirror.scene, in: title, pen: theme.statusAccent, on: &sheet)
            }
            if let divider = pages.divider {
                for y in divider.y..<divider.maxY { sheet.set(divider.x, y, theme.urlBar.cell("│")) }
            }
            if let page = model.mirror.scene {
                // The shown page carries no marks and no cursor: those belong to the customer's page.
                scene.render(page, area: area, view: &view, masks: &masks, annotations: &annotations, agentCursor: nil)
            } else {
                emptyPaneMessage(model.mirror.awaitingFull ? "Catching up: the next full picture of your page comes within a few seconds…"
                                                      : "Waiting for the page you show…", in: area, on: &sheet)
            }
        }
        if var feed = layout.feed {
            let people = ParticipantsPanel.height(for: model.participants.count)
            if people > 0 && feed.height - people >= 6 {
                ParticipantsPanel(theme: theme).draw(model.participants, in: CellRect(x: feed.x, y: feed.y, width: feed.width, height: people), into: &sheet)
                feed = CellRect(x: feed.x, y: feed.y + people, width: feed.width, height: feed.height - people)
            } else if people > 0 {
                peopleInURLBar(model, y: layout.url.y, on: &sheet)
            }
            ActivityFeed(theme: theme, clock: clock).draw(activity: model.shownActivity, notes: model.notes, filter: model.feedFilter, in: feed, into: &sheet)
        } else if !model.participants.isEmpty {
            peopleInURLBar(model, y: layout.url.y, on: &sheet)
        }
        // Without a feed pane, the newest activity on the message line, written as the feed writes it.
        let latest = model.activity.last.map { "\(clock.time($0.at)) \(ActivityFeed.line($0, width: sheet.width - 8))" }
        let message = model.visibleMessage(now: model.now)
        if message == nil, let action = model.actionStatus, action.visible(now: now) {
            let pen: Pen = switch action.state {
            case .waiting: theme.notice
            case .sent, .performed: theme.base.with(.bold)
            case .denied, .expired, .failed: theme.error
            }
            sheet.bar(layout.message.y, text: " " + action.line(now: now), pen: pen)
        } else if message == nil, let waiting = model.handOffWaitingLine {
            // Said until the customer acknowledges the specialist: why annotating and control wait.
            sheet.bar(layout.message.y, text: " " + waiting, pen: theme.notice)
        } else {
            MessageLine(theme: theme).draw(message, fallback: layout.feed == nil ? latest : nil, y: layout.message.y, on: &sheet)
        }
        HintBar(theme: theme).draw(Self.hintPieces(model, width: sheet.width), y: layout.hints.y, on: &sheet)
    }

    /// "3 here · control: Maria S." at the right end of the URL bar.
    private func peopleInURLBar(_ model: ConsoleModel, y: Int, on sheet: inout CellGrid) {
        let text = " " + ParticipantsPanel.summary(model.participants) + " "
        let w = SafeText.displayWidth(text)
        guard w < sheet.width / 2 else { return }
        sheet.write(text, x: sheet.width - w, y: y, pen: theme.statusAccent)
    }

    /// The model's marks, the other participants' pointers and the mark being drawn.
    static func overlay(_ model: ConsoleModel) -> SceneOverlay {
        let me = model.isReadOnly ? nil : (model.agent?.name ?? model.session?.agentName)
        let pointers = model.pointers.compactMap { author, at in
            // Our own pointer comes back from the engine; the cursor already shows it.
            author == me && model.agentCursor != nil ? nil : SceneOverlay.Pointer(author: author, at: at)
        }
        var draft: SceneOverlay.Draft?
        if let a = model.annotate, let first = a.first, let cursor = model.agentCursor {
            draft = SceneOverlay.Draft(tool: a.tool, from: first, to: cursor)
        }
        return SceneOverlay(annotations: model.annotations, pointers: pointers, draft: draft)
    }

    /// The key bar: what the agent can do now, from the key table, as much as fits (help, lobby and quit always).
    static func hints(_ model: ConsoleModel, width: Int) -> String {
        hintPieces(model, width: width).map(\.text).joined()
    }

    static func hintPieces(_ model: ConsoleModel, width: Int) -> [HintPiece] {
        var lead: (long: String, short: String) = ("", "")
        switch model.keyContext {
        case .annotate:
            guard let a = model.annotate else { break }
            let step: (String, String)
            if a.tool.spansTwoPoints {
                step = a.first == nil ? ("Enter sets the 1st point", "Enter 1st point") : ("Enter sets the 2nd point", "Enter 2nd point")
            } else if a.tool == .label {
                step = ("Enter, then type the label", "Enter + text")
            } else {
                step = ("Enter marks the spot", "Enter marks")
            }
            let ro = model.isReadOnly ? " (read-only)" : ""
            let tools = AnnotateState.toolKeys.map { "\($0.0)" }.joined(separator: " ")
            lead = (" ✎ ANNOTATE\(ro)  \(a.tool.title): move with ←↑↓→ (Shift ×8) or the mouse, \(step.0)  │  tools \(tools)  │",
                    " ✎\(ro) \(a.tool.title): \(step.1) │ tools \(tools) │")
        case .watching: lead = (" WATCHING (read-only)", " WATCHING read-only")
        case .ended: lead = (" SESSION ENDED", " ENDED")
        case .lobby, .session, .dashboard: break
        }
        return hintLine(lead: lead, items: offeredHints(model), width: width)
    }

    /// The offered keys of the current table as (long, short, priority): help first, leaving and quitting last.
    static func offeredHints(_ model: ConsoleModel) -> [(String, String, Int)] {
        let bindings = KeyMap.bindings(model.keyContext)
        func rank(_ b: KeyBinding) -> Int { b.action == .help ? 0 : [.leave, .backToLobby, .quit].contains(b.action) ? 2 : 1 }
        return bindings.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .compactMap { _, b in model.hintWords(b).map { ($0.long, $0.short, b.priority) } }
    }

    /// The items in full when they fit. Otherwise the least important are dropped until the
    /// line fits, in full spellings or in short ones, whichever keeps more keys, and the line
    /// says that some were left out.
    static func hintLine(lead: (long: String, short: String), items: [(String, String, Int)], width: Int) -> [HintPiece] {
        func line(_ lead: String, _ kept: [String], separator: String, cut: Bool) -> [HintPiece] {
            var pieces = [HintPiece(text: lead.isEmpty ? " " : lead + separator, key: false)]
            for (i, item) in kept.enumerated() {
                if i > 0 { pieces.append(HintPiece(text: separator, key: false)) }
                pieces += HintPiece.split(item)
            }
            if cut { pieces.append(HintPiece(text: " …? more", key: false)) }
            return pieces
        }
        func measure(_ pieces: [HintPiece]) -> Int { SafeText.displayWidth(pieces.map(\.text).joined()) }
        let full = line(lead.long, items.map(\.0), separator: "  ", cut: false)
        if measure(full) <= width { return full }
        func fitted(_ lead: String, _ spelling: KeyPath<(String, String, Int), String>, separator: String) -> (line: [HintPiece], kept: Int) {
            var keep = items
            func render() -> [HintPiece] { line(lead, keep.map { $0[keyPath: spelling] }, separator: separator, cut: keep.count < items.count) }
            while measure(render()) > width, let worst = keep.indices.filter({ keep[$0].2 > 0 }).max(by: { keep[$0].2 < keep[$1].2 }) {
                keep.remove(at: worst)
            }
            return (render(), keep.count)
        }
        let long = fitted(lead.long, \.0, separator: "  ")
        let short = fitted(lead.short, \.1, separator: " ")
        return long.kept >= short.kept && measure(long.line) <= width ? long.line : short.line
    }
}

/// A piece of the hints line: a key (highlighted, as htop does) or the words around it.
struct HintPiece: Equatable {
    let text: String
    let key: Bool

    /// "a annotate" → key "a" and " annotate"; "?help" → "?" and "help"; "PgUp/Dn" and "↑↓" are all key.
    static func split(_ item: String) -> [HintPiece] {
        if let space = item.firstIndex(of: " ") {
            return [HintPiece(text: String(item[..<space]), key: true), HintPiece(text: String(item[space...]), key: false)]
        }
        guard item.count > 2, let first = item.first, !first.isLetter else { return [HintPiece(text: item, key: true)] }
        return [HintPiece(text: String(first), key: true), HintPiece(text: String(item.dropFirst()), key: false)]
    }
}

/// Draws the hints line: the words in the hint pen, the keys brighter and bold.
struct HintBar {
    var theme: Theme

    func draw(_ pieces: [HintPiece], y: Int, on sheet: inout CellGrid) {
        sheet.bar(y, text: "", pen: theme.hint)
        sheet.write(pieces.map { ($0.text, $0.key ? theme.hintKey : theme.hint) }, x: 0, y: y, maxX: sheet.width)
    }
}

/// Shown instead of a garbled layout when the terminal cannot fit the console.
struct TooSmallScreen {
    var theme: Theme

    func draw(need: GridSize, have: GridSize, on sheet: inout CellGrid) {
        sheet.fill(sheet.bounds, with: theme.base.cell(" "))
        let text = "Terminal too small — need at least \(need.columns)x\(need.rows), have \(have.columns)x\(have.rows)"
        let lines = SceneView.wrap(SafeText.glyphs(text), width: max(1, sheet.width), maxLines: max(1, sheet.height))
        let top = max(0, (sheet.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let s = String(line.map(\.character))
            let x = max(0, (sheet.width - line.reduce(0) { $0 + $1.width }) / 2)
            sheet.write(s, x: x, y: top + i, pen: i == 0 ? theme.base.with(.bold) : theme.base)
        }
    }
}
