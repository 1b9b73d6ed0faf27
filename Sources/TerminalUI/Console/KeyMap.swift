import Engine

/// What a key, or a `:` command, does in the console.
public enum ConsoleAction: Equatable, Sendable {
    // Anywhere
    case help, palette, messages, filter, mouse, pages, quit
    // The lobby
    case selectPrevious, selectNext, selectFirst, selectLast, open, openRecorded, recordings, refresh, approvals, handOffs, sort, dashboard
    // The dashboard
    case monthBack, monthForward, backToLobby
    // A session
    case moveCursor, click, type, scrollUp, scrollDown, annotate, pointer, note, mode, screenshot, handOver, handOff, invite,
         extend, quality, end, present, cycleView, symbols, feed, escape, leave, outcome
    // Annotate mode
    case tool(AnnotationTool), placePoint, undo, clearMarks, leaveAnnotate
}

/// Where a key is read: each situation has its own table.
public enum KeyContext: Equatable, Sendable, CaseIterable {
    case lobby
    /// An agent's live session.
    case session
    /// A supervisor's read-only console.
    case watching
    /// A session that has ended, still on screen.
    case ended
    case annotate
    /// The operations dashboard.
    case dashboard
}

/// The words a key shows on the hints line: in full, and when room is short.
public struct HintWords: Equatable, Sendable {
    public let long: String
    public let short: String
    public init(_ long: String, _ short: String) { self.long = long; self.short = short }
}

/// One key of one table. The table drives dispatch, the hints line, `?` help
/// and the `:` palette, so what the agent is told and what a key does cannot
/// disagree.
public struct KeyBinding: Equatable, Sendable {
    public let keys: [ConsoleKey]
    /// The keys as hints and help write them ("PgUp PgDn").
    public let label: String
    public let action: ConsoleAction
    public let help: String
    /// The words on the hints line, or nil to leave the key to `?`.
    public let hint: HintWords?
    /// Lower shows first when the hints line is short; 0 always shows.
    public let priority: Int
    /// The name the `:` palette knows it by.
    public let command: String?

    init(_ keys: [ConsoleKey], _ label: String, _ action: ConsoleAction, _ help: String,
         hint: HintWords? = nil, priority: Int = 20, command: String? = nil) {
        self.keys = keys; self.label = label; self.action = action; self.help = help
        self.hint = hint; self.priority = priority; self.command = command
    }

    /// Acts on the customer's page, so it waits while only the agent's shown page is on screen.
    public var actsOnCustomerPage: Bool {
        switch action {
        case .moveCursor, .click, .type, .scrollUp, .scrollDown, .annotate: true
        default: false
        }
    }
}

public enum KeyMap {
    static let arrows: [ConsoleKey] = [.up, .down, .left, .right, .shiftUp, .shiftDown, .shiftLeft, .shiftRight]

    /// The keys every screen shares, last on the hints line.
    static let common: [KeyBinding] = [
        KeyBinding([.character("/")], "/", .filter, "filter the list or the feed", hint: HintWords("/ filter", "/find"), priority: 15, command: "filter"),
        KeyBinding([.character(":")], ":", .palette, "commands by name (Tab completes)", hint: HintWords(": command", ":cmd"), priority: 16),
        KeyBinding([.character("M")], "M", .messages, "the last messages", priority: 20, command: "messages"),
        KeyBinding([.character("?")], "?", .help, "this help", hint: HintWords("? help", "?help"), priority: 0, command: "help"),
    ]

    public static func bindings(_ context: KeyContext) -> [KeyBinding] {
        switch context {
        case .lobby: lobby
        case .session: session
        case .watching: watching
        case .ended: ended
        case .annotate: annotate
        case .dashboard: dashboard
        }
    }

    static let lobby: [KeyBinding] = [
        KeyBinding([.up, .character("k")], "↑ k", .selectPrevious, "select the line above", hint: HintWords("↑↓ select", "↑↓"), priority: 1),
        KeyBinding([.down, .character("j")], "↓ j", .selectNext, "select the line below"),
        KeyBinding([.home], "Home", .selectFirst, "the first line"),
        KeyBinding([.end], "End", .selectLast, "the last line"),
        KeyBinding([.enter], "Enter", .open, "attach to a session / start one for a ticket (asks)",
                   hint: HintWords("Enter attach/start", "⏎ open"), priority: 1, command: "open"),
        KeyBinding([.character("r")], "r", .openRecorded, "start a session with recording requested (asks)",
                   hint: HintWords("r start+record", "r rec"), priority: 3, command: "record"),
        KeyBinding([.character("o")], "o", .sort, "sort: waiting, age, waiting on, customer…",
                   hint: HintWords("o sort", "o sort"), priority: 5, command: "sort"),
        KeyBinding([.character("R")], "R", .recordings, "recordings: replay one here (asks why; audited)",
                   hint: HintWords("R recordings", "R recs"), priority: 6, command: "recordings"),
        KeyBinding([.character("A")], "A", .approvals, "answer a Full Control request (managers)",
                   hint: HintWords("A approvals", "A approve"), priority: 2, command: "approvals"),
        KeyBinding([.character("H")], "H", .handOffs, "answer a hand-off to you",
                   hint: HintWords("H hand-offs", "H take"), priority: 2, command: "handoffs"),
        KeyBinding([.character("D")], "D", .dashboard, "the operations dashboard: this month's figures",
                   hint: HintWords("D dashboard", "D dash"), priority: 6, command: "dashboard"),
        KeyBinding([.character("g")], "g", .refresh, "refresh the lobby now", hint: HintWords("g refresh", "g"), priority: 7, command: "refresh"),
    ] + common + [
        KeyBinding([.character("q"), .character("Q")], "q Q", .quit, "quit (asks while sessions are live)",
                   hint: HintWords("q quit", "q quit"), priority: 0, command: "quit"),
    ]

    /// The dashboard has no list to filter: `/` is left out.
    static let dashboard: [KeyBinding] = [
        KeyBinding([.left], "←", .monthBack, "the month before", hint: HintWords("←→ month", "←→"), priority: 1, command: "previous"),
        KeyBinding([.right], "→", .monthForward, "the month after", command: "next"),
        KeyBinding([.character("g")], "g", .refresh, "ask the engine for the figures again", hint: HintWords("g refresh", "g"), priority: 5, command: "refresh"),
    ] + common.filter { $0.action != .filter } + [
        KeyBinding([.escape, .character("q")], "Esc q", .backToLobby, "back to the lobby",
                   hint: HintWords("Esc/q lobby", "q lobby"), priority: 0, command: "lobby"),
        KeyBinding([.character("Q")], "Q", .quit, "quit the console (asks while sessions are live)",
                   hint: HintWords("Q quit", "Q quit"), priority: 0, command: "quit"),
    ]

    /// Keys a session shows whoever is watching it.
    static let viewing: [KeyBinding] = [
        KeyBinding(arrows, "← ↑ → ↓", .moveCursor, "move your cursor (Shift: ×8)"),
        KeyBinding([.character("V")], "V", .cycleView, "view: customer, split, shown", hint: HintWords("V view", "V view"), priority: 1, command: "view"),
        KeyBinding([.character("b")], "b", .symbols, "braille / half-block images", hint: HintWords("b blit", "b blit"), priority: 13, command: "blit"),
        KeyBinding([.character("f")], "f", .feed, "show/hide the activity feed", hint: HintWords("f feed", "f feed"), priority: 6, command: "feed"),
        KeyBinding([.character("z")], "z", .mouse, "mouse on/off (off: select text)", command: "mouse"),
        KeyBinding([.character("U")], "U", .pages, "the pages visited, addresses whole", command: "pages"),
        KeyBinding([.escape], "Esc", .escape, "close a dialog or tool"),
    ]

    static let session: [KeyBinding] = [
        KeyBinding([.character("a")], "a", .annotate, "annotate: c w o r t s tools",
                   hint: HintWords("a annotate", "a draw"), priority: 1, command: "annotate"),
        KeyBinding([.enter], "Enter", .click, "click under the cursor", hint: HintWords("Enter click", "⏎ click"), priority: 2, command: "click"),
        KeyBinding([.character("i")], "i", .type, "type into the field there", hint: HintWords("i type", "i type"), priority: 3, command: "type"),
        KeyBinding([.pageUp], "PgUp", .scrollUp, "scroll the page up", hint: HintWords("PgUp/PgDn scroll", "PgUp/Dn"), priority: 7),
        KeyBinding([.pageDown], "PgDn", .scrollDown, "scroll the page down"),
        KeyBinding([.character("p")], "p", .pointer, "show/hide your pointer", hint: HintWords("p pointer", "p ptr"), priority: 14, command: "pointer"),
        KeyBinding([.character("n")], "n", .note, "add a note to the session", hint: HintWords("n note", "n note"), priority: 4, command: "note"),
        KeyBinding([.character("m")], "m", .mode, "ask for a control mode", hint: HintWords("m mode", "m mode"), priority: 2, command: "mode"),
        KeyBinding([.character("s")], "s", .screenshot, "ask for a screenshot", hint: HintWords("s screenshot", "s shot"), priority: 9, command: "screenshot"),
        KeyBinding([.character("h")], "h", .handOver, "hand over control", hint: HintWords("h hand over", "h hand"), priority: 10, command: "handover"),
        KeyBinding([.character("H")], "H", .handOff, "hand off to a specialist",
                   hint: HintWords("H hand off", "H off"), priority: 17, command: "handoff"),
        KeyBinding([.character("v")], "v", .invite, "invite a viewer", hint: HintWords("v invite", "v invite"), priority: 8, command: "invite"),
        KeyBinding([.character("x")], "x", .extend, "ask for \(ConsoleModel.extensionMinutes) more minutes",
                   hint: HintWords("x +\(ConsoleModel.extensionMinutes)m", "x +\(ConsoleModel.extensionMinutes)m"), priority: 7, command: "extend"),
        KeyBinding([.character("k")], "k", .quality, "ask: is the quality okay?", hint: HintWords("k quality", "k check"), priority: 11, command: "quality"),
        KeyBinding([.character("e")], "e", .end, "end the session (asks)", hint: HintWords("e end", "e end"), priority: 5, command: "end"),
        KeyBinding([.character("A")], "A", .approvals, "answer approvals (managers)", hint: HintWords("A approvals", "A approve"), priority: 1, command: "approvals"),
        KeyBinding([.character("P")], "P", .present, "show a page / stop showing", hint: HintWords("P show a page", "P show"), priority: 12, command: "present"),
    ] + viewing + common + [
        KeyBinding([.character("q")], "q", .leave, "back to the lobby (asks)", hint: HintWords("q lobby", "q lobby"), priority: 0, command: "lobby"),
        KeyBinding([.character("Q")], "Q", .quit, "quit the console (asks)", hint: HintWords("Q quit", "Q quit"), priority: 0, command: "quit"),
    ]

    /// A watching console offers no write keys. `a` is kept, unadvertised: the engine,
    /// not the console, is the one that refuses a watcher's marks, and says so.
    static let watching: [KeyBinding] = viewing + [
        KeyBinding([.character("a")], "a", .annotate, "annotate (the engine refuses)"),
    ] + common + [
        KeyBinding([.character("q")], "q", .leave, "back to the lobby (detach)", hint: HintWords("q lobby", "q lobby"), priority: 0, command: "lobby"),
        KeyBinding([.character("Q")], "Q", .quit, "quit the console", hint: HintWords("Q quit", "Q quit"), priority: 0, command: "quit"),
    ]

    static let ended: [KeyBinding] = viewing + common + [
        KeyBinding([.character("o")], "o", .outcome, "say how it went (the ticket's outcome)", hint: HintWords("o outcome", "o outcome"), priority: 1, command: "outcome"),
        KeyBinding([.character("q")], "q", .leave, "back to the lobby", hint: HintWords("q lobby", "q lobby"), priority: 0, command: "lobby"),
        KeyBinding([.character("Q")], "Q", .quit, "quit the console", hint: HintWords("Q quit", "Q quit"), priority: 0, command: "quit"),
    ]

    static let annotate: [KeyBinding] = AnnotateState.toolKeys.map { key, tool in
        KeyBinding([.character(key)], String(key), .tool(tool), "the \(tool.title.lowercased()) tool", priority: 30)
    } + [
        KeyBinding(arrows, "← ↑ → ↓", .moveCursor, "move (Shift: ×8); or drag"),
        KeyBinding([.enter], "Enter", .placePoint, "place a point (a label: its text)"),
        KeyBinding([.character("u")], "u", .undo, "undo your last mark", hint: HintWords("u undo", "u undo"), priority: 2, command: "undo"),
        KeyBinding([.character("C")], "C", .clearMarks, "clear every mark", hint: HintWords("C clear", "C clear"), priority: 3, command: "clear"),
        KeyBinding([.escape], "Esc", .leaveAnnotate, "drop the 1st point, then leave", hint: HintWords("Esc leave", "Esc leave"), priority: 0),
        KeyBinding([.character("q")], "q", .leaveAnnotate, "leave annotate mode"),
        KeyBinding([.character("b")], "b", .symbols, "braille / half-block images", command: "blit"),
        KeyBinding([.character("f")], "f", .feed, "show/hide the activity feed", command: "feed"),
    ] + common.map { KeyBinding($0.keys, $0.label, $0.action, $0.help, priority: $0.priority, command: $0.command) } + [
        KeyBinding([.character("Q")], "Q", .quit, "quit the console (asks)", command: "quit"),
    ]

    /// The binding a key has in a context.
    public static func binding(for key: ConsoleKey, in context: KeyContext) -> KeyBinding? {
        bindings(context).first { $0.keys.contains(key) }
    }

    /// The binding a palette command names, in a context.
    public static func binding(command: String, in context: KeyContext) -> KeyBinding? {
        bindings(context).first { $0.command == command }
    }

    /// The palette's commands for a context that begin with `prefix`, in table order.
    public static func completions(_ prefix: String, in context: KeyContext) -> [String] {
        let p = prefix.lowercased()
        return bindings(context).compactMap(\.command).filter { $0.hasPrefix(p) }
    }
}
