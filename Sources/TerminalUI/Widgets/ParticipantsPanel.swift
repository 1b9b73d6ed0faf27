import Engine

/// Who takes part in the session and who holds control: a framed pane above
/// the activity feed, or one line in the URL bar when there is no feed.
public struct ParticipantsPanel {
    public var theme: Theme

    public init(theme: Theme) { self.theme = theme }

    /// Rows the pane takes for this many participants (frame included).
    public static func height(for count: Int) -> Int { count == 0 ? 0 : min(count, 5) + 2 }

    public static func kindTitle(_ kind: Participant.Kind) -> String {
        switch kind {
        case .agent: "agent"
        case .watcher: "watching, read-only"
        case .viewer: "viewer in a browser"
        }
    }

    public static func line(_ p: Participant) -> String {
        "\(p.controller ? "◆" : "·") \(SafeText.clean(p.name)) — \(kindTitle(p.kind))\(p.controller ? " · has control" : "")"
    }

    /// "3 here · control: Maria S." for the narrow layout.
    public static func summary(_ items: [Participant]) -> String {
        let holder = items.first(where: \.controller).map { " · control: \(SafeText.clean($0.name))" } ?? ""
        return "\(items.count) here\(holder)"
    }

    public func draw(_ items: [Participant], in r: CellRect, into grid: inout CellGrid) {
        guard !items.isEmpty, r.width >= 12, r.height >= 3 else { return }
        grid.frame(r, pen: theme.feed, border: theme.feedTitle, title: "People (\(items.count))")
        let inner = r.inset(1)
        // The controller first, then in the engine's order.
        let ordered = items.filter(\.controller) + items.filter { !$0.controller }
        for (i, p) in ordered.prefix(inner.height).enumerated() {
            let last = i == inner.height - 1 && ordered.count > inner.height
            let text = last ? "+\(ordered.count - i) more" : Self.line(p)
            grid.write(text, x: inner.x, y: inner.y + i, pen: p.controller ? theme.feed.with(.bold) : theme.feed, maxX: inner.maxX)
        }
    }
}
