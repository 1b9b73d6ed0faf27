import Foundation

/// Messages to a console that must fit in one frame. A console's framer
/// skips a frame over `WireProtocol.maxMessageBytes` whole, so a snapshot or a
/// lobby that grew past it would leave the agent looking at nothing: these
/// trim what the store keeps anyway (the oldest feed items and notes, tickets
/// past the cap) and say so, and send a large scene on its own.
enum ConsoleFrames {
    /// Room left for the frame's envelope (`id`, `re`).
    static let budget = WireProtocol.maxMessageBytes - 1024

    static func fits(_ message: WireMessage) -> Bool { WireCodec.encode(message).count <= budget }

    /// The snapshot in one frame when it fits; otherwise the snapshot without
    /// its scene (and without the oldest feed items and notes, as far as
    /// needed), then the scene in a frame of its own.
    static func fitting(_ snapshot: SessionSnapshot) -> [WireMessage] {
        if fits(.snapshot(snapshot)) { return [.snapshot(snapshot)] }
        var lean = snapshot
        let scene = lean.scene
        lean.scene = nil
        let feed = lean.activity.count, notes = lean.notes.count
        while !fits(.snapshot(lean)), !lean.activity.isEmpty { lean.activity.removeFirst(max(1, lean.activity.count / 4)) }
        while !fits(.snapshot(lean)), !lean.notes.isEmpty { lean.notes.removeFirst(max(1, lean.notes.count / 4)) }
        let leftOut = (feed - lean.activity.count, notes - lean.notes.count)
        if leftOut != (0, 0) {
            lean.activity.insert(ActivityItem(at: lean.activity.first?.at ?? snapshot.summary.createdAt, kind: .info, actor: "engine",
                                              text: "\(leftOut.0) older feed item(s) and \(leftOut.1) older note(s) are not shown here; they are kept with the session"),
                                 at: 0)
        }
        var out: [WireMessage] = [.snapshot(lean)]
        if let scene { out.append(.scene(scene)) }
        return out
    }

    /// The lobby with at most `Lobby.maxTickets` tickets, fewer if that still does not fit.
    static func fitting(_ lobby: Lobby) -> Lobby {
        var out = lobby
        var shown = min(lobby.tickets.count, Lobby.maxTickets)
        func show(_ n: Int) {
            out.tickets = Array(lobby.tickets.prefix(n))
            // Suggestions only for the tickets listed.
            let ids = Set(out.tickets.map(\.id))
            out.suggestions = lobby.suggestions.map { $0.filter { ids.contains($0.key) } }.flatMap { $0.isEmpty ? nil : $0 }
            out.requested = lobby.requested.map { $0.filter { ids.contains($0.key) } }.flatMap { $0.isEmpty ? nil : $0 }
        }
        show(shown)
        while !fits(.lobby(out)), shown > 0 {
            shown /= 2
            show(shown)
        }
        let notShown = lobby.tickets.count - shown
        out.ticketsNotShown = notShown > 0 ? notShown : nil
        // Still too big (a very large team): fewer of the team's sessions; the console says how many it lists.
        while !fits(.lobby(out)), let team = out.team, !team.isEmpty {
            out.team = Array(team.prefix(team.count / 2))
        }
        return out
    }
}
