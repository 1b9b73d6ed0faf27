import Engine
import Foundation

/// The two chrome rows above the customer's page: who and what (ticket,
/// customer, recording) and how it is going (mode, quality, timers, presence).
public struct StatusBar {
    public var theme: Theme
    public var watching: Bool

    /// The scene's source when there is one: "Web" (page mode) or "Desktop" (screen mode).
    public var source: SceneSource? = nil
    /// The view mode's label when it is not the customer view ("Split", "Mirror").
    public var viewMode: String? = nil
    /// The agent is showing the customer a page (mirror mode).
    public var showing = false

    public init(theme: Theme, watching: Bool, source: SceneSource? = nil, viewMode: String? = nil, showing: Bool = false) {
        self.theme = theme; self.watching = watching; self.source = source; self.viewMode = viewMode; self.showing = showing
    }

    public static func label(_ source: SceneSource) -> String { source == .screen ? "Desktop" : "Web" }

    public func draw(_ s: SessionSummary, now: Date, into grid: inout CellGrid, y: Int) {
        let w = grid.width
        let bar = theme.statusBar, accent = theme.statusAccent
        grid.bar(y, text: "", pen: bar)
        grid.bar(y + 1, text: "", pen: bar)

        // Row 1: ticket, subject, customer — view mode, source, showing and recording indicator right-aligned.
        let rec = s.recording ? "● REC" : "○ not recording"
        let labels = [viewMode, source.map(Self.label), showing ? "▶ Showing" : nil].compactMap { $0 }
        let src = labels.isEmpty ? "" : labels.joined(separator: " · ") + " │ "
        let recWidth = SafeText.displayWidth(rec) + 2
        let right = recWidth + SafeText.displayWidth(src)
        grid.write([(" \(s.ticket.id) ", accent), ("\(s.ticket.subject)", bar), (" · \(s.ticket.customer)", bar)],
                   x: 0, y: y, maxX: w - right - 1)
        if !src.isEmpty { grid.write(src, x: w - right + 1, y: y, pen: accent) }
        grid.write(rec, x: w - recWidth + 1, y: y, pen: s.recording ? theme.recording : bar)

        // Row 2: mode │ quality │ elapsed │ left │ presence.
        var pieces: [(String, Pen)] = [(" \(s.controlMode.title)", accent)]
        if s.awaitingManager == true {
            pieces.append((" (asked: \((s.pendingModeRequest ?? .fullControl).title) · Waiting for a manager's approval)", theme.fair))
        } else if let pending = s.pendingModeRequest {
            pieces.append((" (asked: \(pending.title))", bar))
        }
        if watching { pieces.append((" · watching", bar)) }
        pieces.append((" │ ", bar))
        let qPen: Pen = switch s.quality { case .good: theme.good; case .fair: theme.fair; case .poor: theme.poor; case .unknown: bar }
        // No figure until a few pings have come back: the first ones meet a page still loading.
        var quality = s.quality == .unknown ? (s.customerConnected && s.status == .active ? "measuring…" : "quality —") : s.quality.rawValue
        if let rtt = s.rttMs { quality += " \(rtt) ms" }
        if let loss = s.lossPercent, loss > 0 { quality += " \(loss)% loss" }
        pieces.append((quality, qPen))
        pieces.append((" │ ", bar))
        if s.status == .ended {
            pieces.append(("ENDED: \(s.endReason?.title ?? "ended")", theme.poor))
        } else if let started = s.startedAt {
            pieces.append(("\(ClockFormat.duration(now.timeIntervalSince(started))) elapsed", bar))
            if let deadline = s.deadline {
                let left = deadline.timeIntervalSince(now)
                pieces.append((" │ ", bar))
                pieces.append(("\(ClockFormat.duration(left)) left", left < 300 ? theme.poor : bar))
            }
        } else {
            pieces.append((s.status == .linkOpened ? "customer is reading the consent page" : "waiting for the customer", bar))
        }
        pieces.append((" │ ", bar))
        pieces.append((s.customerConnected ? "● customer connected" : "○ customer disconnected", s.customerConnected ? theme.good : theme.poor))
        grid.write(pieces, x: 0, y: y + 1, maxX: w)
    }
}
