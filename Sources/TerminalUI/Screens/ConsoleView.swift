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
        case .workstation:
            drawWorkstation(model, size: size, now: now, sheet: &sheet.grid, view: &view, masks: &masks, annotations: &annotations)
        }
        if let dialog = model.dialog { DialogView(theme: theme).draw(dialog, model: model, on: &sheet.grid) }
        return [view, masks, annotations, sheet.layer()]
    }

    public func frame(_ model: ConsoleModel, size: GridSize, now: Date) -> CellGrid {
        Compositor(background: theme.base.cell(" ")).compose(layers(model, size: size, now: now), width: size.columns, height: size.rows)
    }

    /// The page area for this size (the runner tells the model, for cursor steps).
    public func viewArea(_ model: ConsoleModel, size: GridSize) -> CellRect {
        WorkstationLayout(size: size, feedShown: model.feedShown).view
    }

    private func drawWorkstation(_ model: ConsoleModel, size: GridSize, now: Date, sheet: inout CellGrid,
                                 view: inout Layer, masks: inout Layer, annotations: inout Layer) {
        let layout = WorkstationLayout(size: size, feedShown: model.feedShown)
        if let s = model.session {
            StatusBar(theme: theme, watching: model.isReadOnly).draw(s, now: now, into: &sheet, y: layout.status.y)
        }
        if let page = model.scene {
            let title = SafeText.clean(page.title), url = SafeText.clean(page.url)
            sheet.bar(layout.url.y, text: " \(title.isEmpty ? "" : title + " — ")\(url)", pen: theme.urlBar)
            scene.theme = theme
            scene.symbols = model.symbols
            scene.render(page, area: layout.view, view: &view, masks: &masks, annotations: &annotations, agentCursor: model.agentCursor)
        } else {
            sheet.bar(layout.url.y, text: " (no page yet)", pen: theme.urlBar)
            sheet.fill(layout.view, with: theme.base.cell(" "))
            let waiting = model.session?.customerConnected == true ? "Waiting for the customer's page…" : "Waiting for the customer to open the link and consent…"
            let w = SafeText.displayWidth(waiting)
            sheet.write(waiting, x: layout.view.x + max(0, (layout.view.width - w) / 2), y: layout.view.y + layout.view.height / 2, pen: theme.hint)
        }
        if let feed = layout.feed {
            ActivityFeed(theme: theme, clock: clock).draw(activity: model.activity, notes: model.notes, in: feed, into: &sheet)
        }
        let latest = model.activity.last.map { "\(clock.time($0.at)) \($0.text)" }
        MessageLine(theme: theme).draw(model.message, fallback: layout.feed == nil ? latest : nil, y: layout.message.y, on: &sheet)
        let mode = model.symbols == .braille ? "braille" : "half-block"
        let hints = model.isReadOnly
            ? " WATCHING (read-only)  ? help  b \(mode)  f feed  q lobby  Q quit"
            : " ? help  n note  m mode  x +15m  k quality  e end  b \(mode)  f feed  q lobby  Q quit"
        // At 80 columns every key must still fit, quit included: a tighter spelling.
        let compact = model.isReadOnly
            ? " WATCHING read-only  ?help  b \(mode)  f feed  q lobby  Q quit"
            : " ?help n note m mode x +15m k check e end b \(mode == "braille" ? "blit" : "half") f feed q lobby Q quit"
        sheet.bar(layout.hints.y, text: SafeText.displayWidth(hints) <= sheet.width ? hints : compact, pen: theme.hint)
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
