import Engine

/// A key press as the console understands it, decoupled from ncurses key
/// codes so the state machine is testable without a terminal.
public enum ConsoleKey: Equatable, Sendable {
    case character(Character)
    case enter
    case escape
    case backspace
    case tab
    case up, down, left, right
    /// Shift+← / Shift+→ (curses KEY_SLEFT / KEY_SRIGHT).
    case shiftLeft, shiftRight
    /// Shift+↑ / Shift+↓ (curses KEY_SR / KEY_SF).
    case shiftUp, shiftDown
    case pageUp, pageDown, home, end
    /// Ctrl-C (raw mode delivers it as a key, not a signal).
    case interrupt
}

/// A mouse event in screen cells (0-based column and row), as the runner
/// decodes it from ncurses; the model maps cells onto the page itself.
public enum ConsoleMouse: Equatable, Sendable {
    /// Button 1 went down.
    case press(x: Int, y: Int)
    /// The pointer moved with button 1 held (terminals that report motion).
    case drag(x: Int, y: Int)
    /// Button 1 came up.
    case release(x: Int, y: Int)
    case wheelUp(x: Int, y: Int)
    case wheelDown(x: Int, y: Int)

    public var position: (x: Int, y: Int) {
        switch self {
        case let .press(x, y), let .drag(x, y), let .release(x, y), let .wheelUp(x, y), let .wheelDown(x, y): (x, y)
        }
    }
}

/// What the state machine asks the runner to do.
public enum ConsoleCommand: Equatable, Sendable {
    case send(WireMessage)
    /// Open the recordings shelf (the runner owns it).
    case openRecordings
    /// Put text on the clipboard of the agent's own terminal (OSC 52: works over SSH too).
    case copyToClipboard(String)
    /// Mouse reporting on or off (off lets the terminal select text).
    case setMouse(Bool)
    case quit
}

/// The connection to the engine. `poll()` never blocks: it returns what has
/// arrived since the last call. `closedReason` becomes non-nil once the link
/// is gone (the console then exits and prints it).
public protocol ConsoleLink: AnyObject {
    func send(_ message: WireMessage)
    func poll() -> [WireMessage]
    var closedReason: String? { get }
}

public struct ConsoleOptions: Equatable, Sendable {
    /// Attach to this session at start instead of showing the lobby.
    public var sessionID: String?
    /// Read-only (supervisor) attachment: no notes, mode requests or ending.
    public var watch: Bool
    /// Theme name (looked up in $COBROWSE_THEMES, ./themes, next to the binary) or a path to a .toml file.
    public var theme: String?
    public var symbols: BlitSymbols
    /// Take the mouse (click, drag, wheel); off leaves the terminal's own text selection alone.
    public var mouse: Bool
    /// The engine stops with this console (`cobrowse demo`): quitting ends its live sessions, so the question says so.
    public var quitEndsSessions: Bool

    public init(sessionID: String? = nil, watch: Bool = false, theme: String? = nil, symbols: BlitSymbols = .braille, mouse: Bool = true,
                quitEndsSessions: Bool = false) {
        self.sessionID = sessionID; self.watch = watch; self.theme = theme; self.symbols = symbols; self.mouse = mouse
        self.quitEndsSessions = quitEndsSessions
    }
}
