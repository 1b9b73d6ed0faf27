import Engine
import Foundation

/// Small drawing helpers shared by widgets.
extension CellGrid {
    /// A single-line frame with an optional title in the top edge; the inside is filled with `pen`.
    public mutating func frame(_ r: CellRect, pen: Pen, border: Pen, title: String? = nil) {
        guard r.width >= 2, r.height >= 2 else { return }
        fill(r, with: pen.cell(" "))
        for x in r.x + 1..<r.maxX - 1 { set(x, r.y, border.cell("─")); set(x, r.maxY - 1, border.cell("─")) }
        for y in r.y + 1..<r.maxY - 1 { set(r.x, y, border.cell("│")); set(r.maxX - 1, y, border.cell("│")) }
        set(r.x, r.y, border.cell("┌")); set(r.maxX - 1, r.y, border.cell("┐"))
        set(r.x, r.maxY - 1, border.cell("└")); set(r.maxX - 1, r.maxY - 1, border.cell("┘"))
        if let title, r.width > 6 { write(" \(title) ", x: r.x + 2, y: r.y, pen: border, maxX: r.maxX - 2) }
    }

    /// A full-width bar: fill the row, then write `text` from the left.
    public mutating func bar(_ y: Int, x: Int = 0, width: Int? = nil, text: String, pen: Pen) {
        let w = width ?? self.width - x
        fill(CellRect(x: x, y: y, width: w, height: 1), with: pen.cell(" "))
        write(text, x: x, y: y, pen: pen, maxX: x + w)
    }

    /// Writes pieces with their own pens one after another; returns the next column.
    @discardableResult
    public mutating func write(_ pieces: [(String, Pen)], x: Int, y: Int, maxX: Int) -> Int {
        var col = x
        for (text, pen) in pieces where col < maxX { col = write(text, x: col, y: y, pen: pen, maxX: maxX) }
        return col
    }
}

/// Clock formatting for the chrome. Time zone injected so golden screens do not depend on the host.
public struct ClockFormat: Sendable {
    public var timeZone: TimeZone
    public init(timeZone: TimeZone = .current) { self.timeZone = timeZone }

    public func time(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    /// "mm:ss", or "h:mm:ss" past an hour; negative spans print as 00:00.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
}
