import Engine
import Foundation

public enum ConsoleScreen: Equatable, Sendable {
    case lobby
    case workstation
}

/// Modal overlays. While one is open it receives every key.
public enum ConsoleDialog: Equatable, Sendable {
    case help
    case confirmEnd
    case modeMenu(selected: Int)
    /// The one-time link to hand to the customer (shown once, right after minting).
    case link(url: String, ticketID: String)
    case note(draft: String)
}

public struct StatusMessage: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case info, error }
    public var kind: Kind
    public var text: String
    public init(_ kind: Kind, _ text: String) { self.kind = kind; self.text = text }
}

/// One selectable line of the lobby.
public enum LobbyRow: Equatable, Sendable {
    case session(SessionSummary)
    case ticket(Ticket)
}

/// The console as a pure state machine: engine messages and keys in, wire
/// messages (and quit) out. No terminal, no clock, no I/O — the runner feeds
/// it and the screens draw it.
public struct ConsoleModel: Equatable, Sendable {
    public static let feedLimit = 500
    public static let extensionMinutes = 15

    public let options: ConsoleOptions
    public private(set) var screen: ConsoleScreen = .lobby
    public private(set) var agent: Agent?
    public private(set) var lobby: Lobby?
    public private(set) var lobbySelection = 0
    public private(set) var session: SessionSummary?
    public private(set) var scene: Scene?
    public private(set) var activity: [ActivityItem] = []
    public private(set) var notes: [NoteEntry] = []
    public private(set) var dialog: ConsoleDialog?
    public private(set) var message: StatusMessage?
    public private(set) var symbols: BlitSymbols
    /// The agent's highlighted cursor, in page coordinates so it stays on the
    /// same element whatever the console's size.
    public private(set) var agentCursor: Point?
    /// Small terminals hide the activity feed until `f` shows it.
    public private(set) var feedShown = false
    /// A full scene has been requested after a delta that did not fit.
    public private(set) var awaitingScene = false
    /// Cells the page is drawn into, set by the runner after layout; the
    /// cursor moves one cell per arrow key.
    public var viewCells = GridSize(columns: 80, rows: 18)

    public init(options: ConsoleOptions = ConsoleOptions()) {
        self.options = options
        symbols = options.symbols
    }

    /// What to send when the link is up: attach straight away or ask for the lobby.
    public func startupCommands() -> [ConsoleCommand] {
        if let id = options.sessionID { return [.send(.attach(Attach(sessionId: id, watch: options.watch)))] }
        return [.send(.lobbyRequest)]
    }

    public var lobbyRows: [LobbyRow] {
        guard let lobby else { return [] }
        return lobby.sessions.filter { $0.status != .ended }.map(LobbyRow.session) + lobby.tickets.map(LobbyRow.ticket)
    }

    public var isReadOnly: Bool { options.watch }
    public var sessionEnded: Bool { session?.status == .ended }

    // MARK: - engine messages

    @discardableResult
    public mutating func handle(_ message: WireMessage) -> [ConsoleCommand] {
        switch message {
        case let .welcome(w):
            if let a = w.agent { agent = a }
        case let .lobby(l):
            lobby = l
            agent = l.agent
            lobbySelection = min(lobbySelection, max(0, lobbyRows.count - 1))
        case let .sessionStarted(started):
            dialog = .link(url: started.link, ticketID: started.session.ticket.id)
            return [.send(.attach(Attach(sessionId: started.session.id, watch: false)))]
        case let .snapshot(snap):
            screen = .workstation
            session = snap.summary
            scene = snap.scene
            activity = Array(snap.activity.suffix(Self.feedLimit))
            notes = snap.notes
            awaitingScene = false
            agentCursor = nil
            if case .help? = dialog { dialog = nil }
        case let .summary(s):
            if session?.id == s.id { session = s }
            if var l = lobby, let i = l.sessions.firstIndex(where: { $0.id == s.id }) { l.sessions[i] = s; lobby = l }
        case let .activity(item):
            guard screen == .workstation else { break }
            activity.append(item)
            if activity.count > Self.feedLimit { activity.removeFirst(activity.count - Self.feedLimit) }
        case let .note(n):
            guard screen == .workstation else { break }
            notes.append(n)
        case let .scene(s):
            guard screen == .workstation else { break }
            scene = s
            awaitingScene = false
        case let .sceneDelta(d):
            guard screen == .workstation else { break }
            if let current = scene, let next = try? current.applying(d) {
                scene = next
            } else if !awaitingScene {
                // A lost message must never leave a silently wrong picture: ask for a full scene, once.
                awaitingScene = true
                return [.send(.requestScene)]
            }
        case let .quality(q):
            if var s = session { s.quality = q.quality; s.rttMs = q.rttMs; s.lossPercent = q.lossPercent; session = s }
        case let .sessionEnded(e):
            if var s = session, s.id == e.sessionId {
                s.status = .ended; s.endReason = e.reason; session = s
                self.message = StatusMessage(.info, "Session ended: \(e.reason.title). Press q for the lobby.")
                if dialog == .confirmEnd { dialog = nil }
            }
        case let .error(e):
            self.message = StatusMessage(.error, "\(e.code.rawValue): \(e.message)")
        case let .notice(n):
            self.message = StatusMessage(.info, n.text)
        default:
            break
        }
        return []
    }

    // MARK: - keys

    public mutating func handle(key: ConsoleKey) -> [ConsoleCommand] {
        if key == .interrupt { return quitCommands() }
        if let dialog { return handleDialog(dialog, key) }
        switch screen {
        case .lobby: return handleLobby(key)
        case .workstation: return handleWorkstation(key)
        }
    }

    private mutating func quitCommands() -> [ConsoleCommand] {
        screen == .workstation ? [.send(.detach), .quit] : [.quit]
    }

    private mutating func handleLobby(_ key: ConsoleKey) -> [ConsoleCommand] {
        let rows = lobbyRows
        switch key {
        case .up, .character("k"): lobbySelection = max(0, lobbySelection - 1)
        case .down, .character("j"): lobbySelection = min(max(0, rows.count - 1), lobbySelection + 1)
        case .home: lobbySelection = 0
        case .end: lobbySelection = max(0, rows.count - 1)
        case .enter, .character("r"):
            guard lobbySelection < rows.count else { return [] }
            message = nil
            switch rows[lobbySelection] {
            case let .session(s):
                return [.send(.attach(Attach(sessionId: s.id, watch: options.watch)))]
            case let .ticket(t):
                if options.watch { message = StatusMessage(.error, "Read-only console: cannot start sessions"); return [] }
                message = StatusMessage(.info, "Starting a session for \(t.id)…")
                return [.send(.startSession(StartSession(ticketId: t.id, record: key == .character("r"))))]
            }
        case .character("g"): return [.send(.lobbyRequest)]
        case .character("?"): dialog = .help
        case .character("q"), .character("Q"): return [.quit]
        default: break
        }
        return []
    }

    private mutating func handleWorkstation(_ key: ConsoleKey) -> [ConsoleCommand] {
        switch key {
        case .character("q"), .escape:
            screen = .lobby
            session = nil; scene = nil; activity = []; notes = []; message = nil; agentCursor = nil; awaitingScene = false
            return [.send(.detach), .send(.lobbyRequest)]
        case .character("Q"): return quitCommands()
        case .character("?"): dialog = .help
        case .character("b"): symbols = symbols == .braille ? .half : .braille
        case .character("f"): feedShown.toggle()
        case .up, .down, .left, .right: moveCursor(key)
        case .character("n"), .character("m"), .character("x"), .character("k"), .character("e"):
            if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
            switch key {
            case .character("n"): dialog = .note(draft: "")
            case .character("m"):
                let current = ControlMode.allCases.firstIndex(of: session?.controlMode ?? .viewOnly) ?? 0
                dialog = .modeMenu(selected: min(ControlMode.allCases.count - 1, current + 1))
            case .character("x"):
                message = StatusMessage(.info, "Asked the customer for \(Self.extensionMinutes) more minutes…")
                return [.send(.requestExtension(ExtensionRequest(minutes: Self.extensionMinutes)))]
            case .character("k"):
                // The mid-session quality check: the answer arrives as an activity item.
                message = StatusMessage(.info, "Asked the customer whether the screen quality is okay…")
                return [.send(.qualityCheck)]
            default: dialog = .confirmEnd
            }
        default: break
        }
        return []
    }

    /// Why an action that touches the customer's session is not allowed now, if it is not.
    private func actionRefusal() -> String? {
        if options.watch { return "Read-only: you are watching this session" }
        if session == nil { return "No session attached" }
        if sessionEnded { return "This session has ended" }
        return nil
    }

    private mutating func moveCursor(_ key: ConsoleKey) {
        guard let viewport = scene?.viewport, viewCells.columns > 0, viewCells.rows > 0 else { return }
        let stepX = viewport.width / Double(viewCells.columns), stepY = viewport.height / Double(viewCells.rows)
        var p = agentCursor ?? Point(x: viewport.width / 2, y: viewport.height / 2)
        switch key {
        case .left: p.x -= stepX
        case .right: p.x += stepX
        case .up: p.y -= stepY
        case .down: p.y += stepY
        default: break
        }
        p.x = min(max(0, p.x), viewport.width - 1); p.y = min(max(0, p.y), viewport.height - 1)
        agentCursor = p
    }

    private mutating func handleDialog(_ open: ConsoleDialog, _ key: ConsoleKey) -> [ConsoleCommand] {
        switch open {
        case .help, .link:
            if [.enter, .escape, .character("q"), .character("?"), .character(" ")].contains(key) { dialog = nil }
        case .confirmEnd:
            switch key {
            case .character("y"), .character("Y"):
                dialog = nil
                message = StatusMessage(.info, "Ending the session…")
                return [.send(.endSession(EndSession(sessionId: session?.id)))]
            case .character("n"), .character("N"), .escape: dialog = nil
            default: break
            }
        case let .modeMenu(selected):
            let modes = ControlMode.allCases
            switch key {
            case .up, .character("k"): dialog = .modeMenu(selected: max(0, selected - 1))
            case .down, .character("j"): dialog = .modeMenu(selected: min(modes.count - 1, selected + 1))
            case .escape: dialog = nil
            case .enter: return requestMode(modes[selected])
            case let .character(c):
                if let n = c.wholeNumberValue, (1...modes.count).contains(n) { return requestMode(modes[n - 1]) }
            default: break
            }
        case let .note(draft):
            switch key {
            case .escape: dialog = nil
            case .backspace: dialog = .note(draft: String(draft.dropLast()))
            case .enter:
                dialog = nil
                let text = draft.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { return [] }
                return [.send(.addNote(AddNote(text: String(text.prefix(AddNote.maxLength)))))]
            case let .character(c):
                if draft.count < AddNote.maxLength, !(c.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) {
                    dialog = .note(draft: draft + String(c))
                }
            case .tab: dialog = .note(draft: draft + " ")
            default: break
            }
        }
        return []
    }

    private mutating func requestMode(_ mode: ControlMode) -> [ConsoleCommand] {
        dialog = nil
        if mode == session?.controlMode {
            message = StatusMessage(.info, "Already in \(mode.title)")
            return []
        }
        message = StatusMessage(.info, "Asked the customer to allow \(mode.title)…")
        return [.send(.requestMode(ModeRequest(mode: mode)))]
    }
}
