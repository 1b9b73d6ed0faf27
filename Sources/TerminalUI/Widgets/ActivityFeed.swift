import Engine
import Foundation

/// The session's activity feed and notes, newest at the bottom, in a framed pane.
public struct ActivityFeed {
    public var theme: Theme
    public var clock: ClockFormat

    public func draw(activity: [ActivityItem], notes: [NoteEntry], in r: CellRect, into grid: inout CellGrid) {
        guard r.width >= 12, r.height >= 3 else { return }
        let notesHeight = notes.isEmpty ? 0 : min(2 * notes.count + 2, max(4, r.height / 3))
        let feedRect = CellRect(x: r.x, y: r.y, width: r.width, height: r.height - notesHeight)
        grid.frame(feedRect, pen: theme.feed, border: theme.feedTitle, title: "Activity")
        let lines = activity.map { "\(clock.time($0.at)) \($0.actor.isEmpty ? "" : $0.actor + ": ")\($0.text)" }
        drawLines(lines, in: feedRect.inset(1), into: &grid)
        if notesHeight > 0 {
            let notesRect = CellRect(x: r.x, y: feedRect.maxY, width: r.width, height: notesHeight)
            grid.frame(notesRect, pen: theme.feed, border: theme.feedTitle, title: "Notes")
            drawLines(notes.map { "\(clock.time($0.at)) \($0.author): \($0.text)" }, in: notesRect.inset(1), into: &grid)
        }
    }

    /// Wraps every entry to the pane width (continuation lines indented) and
    /// shows the newest lines that fit.
    private func drawLines(_ entries: [String], in r: CellRect, into grid: inout CellGrid) {
        guard r.width > 2, r.height > 0 else { return }
        var wrapped: [String] = []
        for entry in entries.suffix(r.height * 2) {
            let lines = SceneView.wrap(SafeText.glyphs(entry), width: r.width, maxLines: 4)
            for (i, line) in lines.enumerated() { wrapped.append((i == 0 ? "" : " ") + String(line.map(\.character))) }
        }
        for (i, line) in wrapped.suffix(r.height).enumerated() {
            grid.write(line, x: r.x, y: r.y + i, pen: theme.feed, maxX: r.maxX)
        }
    }
}
