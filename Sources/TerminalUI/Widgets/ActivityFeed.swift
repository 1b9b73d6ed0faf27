import Engine
import Foundation

/// The session's activity feed and notes, newest at the bottom, in a framed pane.
public struct ActivityFeed {
    public var theme: Theme
    public var clock: ClockFormat

    public func draw(activity: [ActivityItem], notes: [NoteEntry], filter: String = "", in r: CellRect, into grid: inout CellGrid) {
        guard r.width >= 12, r.height >= 3 else { return }
        let notesHeight = notes.isEmpty ? 0 : min(2 * notes.count + 2, max(4, r.height / 3))
        let feedRect = CellRect(x: r.x, y: r.y, width: r.width, height: r.height - notesHeight)
        grid.frame(feedRect, pen: theme.feed, border: theme.feedTitle, title: filter.isEmpty ? "Activity" : "Activity /\(SafeText.clean(filter))")
        let entries = Self.folded(activity).map { entry in
            // The pane's inner width less the clock ("12:01 ").
            (text: "\(clock.time(entry.item.at)) \(Self.line(entry.item, width: feedRect.width - 2 - 6))\(entry.count > 1 ? " ×\(entry.count)" : "")",
             pen: pen(entry.item.kind))
        }
        drawLines(entries, in: feedRect.inset(1), into: &grid)
        if notesHeight > 0 {
            let notesRect = CellRect(x: r.x, y: feedRect.maxY, width: r.width, height: notesHeight)
            grid.frame(notesRect, pen: theme.feed, border: theme.feedTitle, title: "Notes")
            drawLines(notes.map { (text: "\(clock.time($0.at)) \($0.author): \($0.text)", pen: theme.feed) }, in: notesRect.inset(1), into: &grid)
        }
    }

    /// Runs of the same event (a flapping connection, a repeated refusal) folded into one line with a count.
    static func folded(_ items: [ActivityItem]) -> [(item: ActivityItem, count: Int)] {
        var out: [(item: ActivityItem, count: Int)] = []
        for item in items {
            if let last = out.last, last.item.kind == item.kind, last.item.actor == item.actor, last.item.text == item.text {
                out[out.count - 1] = (item, last.count + 1)
            } else {
                out.append((item, 1))
            }
        }
        return out
    }

    /// One entry as the feed writes it: a navigation is "→ Title · host/path" on one line
    /// (the address shortened to fit; the URL bar and `/` have it whole), the rest "actor: text".
    static func line(_ item: ActivityItem, width: Int) -> String {
        if let (title, url) = item.navigationParts {
            let address = shortAddress(url)
            if title.isEmpty { return "→ " + address }
            let head = "→ " + title
            // The address only where it fits beside the title, cut at the end when it must be;
            // a title that leaves too little room goes alone (the URL bar has the address).
            let room = width - SafeText.displayWidth(head) - 3
            if room >= SafeText.displayWidth(address) { return head + " · " + address }
            return room >= 16 ? head + " · " + String(address.prefix(room - 1)) + "…" : head
        }
        return (item.actor.isEmpty ? "" : item.actor + ": ") + item.text
    }

    /// "https://app.acme.test/settings/billing" → "app.acme.test/settings/billing".
    static func shortAddress(_ url: String) -> String {
        var s = Substring(url)
        for scheme in ["https://", "http://"] where s.hasPrefix(scheme) { s = s.dropFirst(scheme.count) }
        if s.hasSuffix("/") && s.count > 1 { s = s.dropLast() }
        return String(s)
    }

    /// Colour by kind: what needs the agent's attention in the "poor" colour, what went well
    /// in the "good" one, what waits on the customer in the "fair" one, page changes dimmed.
    func pen(_ kind: ActivityItem.Kind) -> Pen {
        func tinted(_ source: Pen, _ style: CellStyle = []) -> Pen { Pen(fg: source.fg, bg: theme.feed.bg, style: theme.feed.style.union(style)) }
        switch kind {
        case .denied, .warning, .disconnected, .ended: return tinted(theme.poor, .bold)
        case .consent, .joined, .reconnected, .modeChanged, .extended: return tinted(theme.good)
        case .modeRequested, .extensionRequested, .linkMinted, .linkOpened: return tinted(theme.fair)
        case .navigation: return theme.feed.with(.dim)
        case .note, .left, .redaction, .info: return theme.feed
        }
    }

    /// Wraps every entry to the pane width (continuation lines indented) and
    /// shows the newest lines that fit.
    private func drawLines(_ entries: [(text: String, pen: Pen)], in r: CellRect, into grid: inout CellGrid) {
        guard r.width > 2, r.height > 0 else { return }
        var wrapped: [(String, Pen)] = []
        for entry in entries.suffix(r.height * 2) {
            let lines = SceneView.wrap(SafeText.glyphs(entry.text), width: r.width, maxLines: 4)
            for (i, line) in lines.enumerated() { wrapped.append(((i == 0 ? "" : " ") + String(line.map(\.character)), entry.pen)) }
        }
        for (i, line) in wrapped.suffix(r.height).enumerated() {
            grid.write(line.0, x: r.x, y: r.y + i, pen: line.1, maxX: r.maxX)
        }
    }
}
