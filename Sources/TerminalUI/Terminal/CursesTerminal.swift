import CNcursesw
import Engine
import Foundation

/// The one place that talks to ncurses: start/stop, size, keys, and drawing a
/// composed grid by touching only the cells that changed since the last frame.
public final class CursesTerminal {
    public let depth: ColorDepth
    private var lastFrame: CellGrid?
    /// Which colours each extended pair number currently holds; when
    /// `alloc_pair` recycles a number for new colours, cells still showing the
    /// old pair would change colour, so the next frame is redrawn in full.
    private var pairColours: [Int32: Int64] = [:]
    private var forceFullRedraw = false
    private var running = true
    private let synchronizedOutput: Bool

    /// Frames go out as 24-bit escape sequences written here, not through ncurses.
    private let writesColoursItself: Bool
    private var mouse = MouseDecoder()
    private var mouseEnabled: Bool
    private let mouseKeyIsSGR: Bool
    /// Events read while looking past an Esc for a mouse report that turned out not to be one.
    private var pending: [Event] = []
    /// How long the rest of a report that has begun may take to arrive (a slow link splits it).
    private static let reportByteMs: Int32 = 200

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, mouse: Bool = false) {
        _ = cb_set_locale()
        initscr()
        raw()
        noecho()
        nonl()
        keypad(cb_stdscr(), true)
        curs_set(0)
        // Esc answers at once, unless the user's ESCDELAY says otherwise (a slow
        // link, or a busy machine, may split an escape sequence such as a mouse report).
        if getenv("ESCDELAY") == nil { set_escdelay(25) }
        // The console reads mouse reports itself (see MouseReport): ncurses is not asked for them.
        mouseEnabled = mouse
        mouseKeyIsSGR = cb_mouse_key_is_sgr() != 0
        if mouseEnabled { cb_write_raw(MouseReport.enable) }
        let hasColors = has_colors()
        if hasColors && environment["NO_COLOR"].map({ $0.isEmpty }) ?? true {
            start_color()
            use_default_colors()
        }
        depth = ColorDepth.detect(environment: environment, hasColors: hasColors, colors: Int(cb_colors()), hasRGB: cb_has_rgb() != 0)
        // Direct colour the terminfo cannot express: the console writes the cells itself (DirectColorWriter);
        // ncurses keeps the keyboard and the terminal's modes, and clears the screen once now, not over a frame later.
        writesColoursItself = depth == .direct && !ColorDepth.terminfoIsDirect(environment: environment, colors: Int(cb_colors()), hasRGB: cb_has_rgb() != 0)
        if writesColoursItself { refresh() }
        let term = environment["TERM"] ?? ""
        synchronizedOutput = !(term == "linux" || term.hasPrefix("vt") || term == "dumb")
    }

    deinit { stop() }

    /// Mouse reporting on or off while running (off, the terminal selects text again).
    public func setMouse(_ on: Bool) {
        guard on != mouseEnabled else { return }
        mouseEnabled = on
        cb_write_raw(on ? MouseReport.enable : MouseReport.disable)
    }

    /// Puts text on the clipboard of the terminal the agent sits at (OSC 52), which works
    /// over SSH and inside tmux (with set-clipboard on) where no local clipboard is reachable.
    public func copyToClipboard(_ text: String) {
        OSC52.sequence(text).withCString { cb_write_raw($0) }
    }

    /// Restores the terminal. Safe to call more than once.
    public func stop() {
        guard running else { return }
        running = false
        if mouseEnabled { cb_write_raw(MouseReport.disable) }
        endwin()
    }

    public var size: GridSize {
        GridSize(columns: Int(cb_getmaxx(cb_stdscr())), rows: Int(cb_getmaxy(cb_stdscr())))
    }

    /// Waits up to `timeoutMs` for a key. `.resize` events are reported separately so the caller re-lays out.
    public enum Input: Equatable { case key(ConsoleKey), resize, none }

    public func read(timeoutMs: Int32) -> Input {
        switch readEvent(timeoutMs: timeoutMs) {
        case let .key(k): .key(k)
        case .resize: .resize
        case .mouse, .none: .none
        }
    }

    /// Like `read`, with mouse events (only when the terminal was started with `mouse: true`).
    public enum Event: Equatable { case key(ConsoleKey), mouse(ConsoleMouse), resize, none }

    public func readEvent(timeoutMs: Int32) -> Event {
        let event = nextEvent(timeoutMs: timeoutMs)
        // After a resize the terminal's contents are not what the last frame says: draw all of it.
        if event == .resize {
            lastFrame = nil
            // ncurses repaints its (blank) screen after a resize; let it do so now, before the full frame.
            if writesColoursItself { refresh() }
        }
        return event
    }

    private func nextEvent(timeoutMs: Int32) -> Event {
        if !pending.isEmpty { return pending.removeFirst() }
        guard let raw = readRaw(timeoutMs: timeoutMs) else { return .none }
        if mouseEnabled {
            if raw == .keyCode(cb_key_mouse()) { return mouseKeyIsSGR ? sgrReport() : x10Report() }
            if raw == .character(27) { return afterEscape() }
        }
        return Self.event(for: raw)
    }

    /// What one `wget_wch` returned: a function key code, or a character.
    private enum Raw: Equatable { case keyCode(Int32), character(Int32) }

    private func readRaw(timeoutMs: Int32) -> Raw? {
        wtimeout(cb_stdscr(), timeoutMs)
        var ch: Int32 = 0
        let r = cb_get_key(cb_stdscr(), &ch)
        if r == ERR { return nil }
        return r == cb_key_code_yes() ? .keyCode(ch) : .character(ch)
    }

    /// An Esc: the start of an SGR mouse report (`ESC [ <`), or a key on its own.
    /// Only what has already arrived is looked at, so Esc is not delayed.
    private func afterEscape() -> Event {
        guard let next = readRaw(timeoutMs: 0) else { return .key(.escape) }
        guard next == .character(91) /* [ */ else { pending.append(Self.event(for: next)); return .key(.escape) }
        guard let third = readRaw(timeoutMs: 0) else { pending.append(.key(.character("["))); return .key(.escape) }
        guard third == .character(60) /* < */ else {
            pending += [.key(.character("[")), Self.event(for: third)]
            return .key(.escape)
        }
        return sgrReport()
    }

    /// The rest of an SGR report, "b;x;y" and M or m. A broken report is dropped whole:
    /// it was the terminal's, not keys the agent typed.
    private func sgrReport() -> Event {
        var body = ""
        while body.count <= MouseReport.longestBody, let raw = readRaw(timeoutMs: Self.reportByteMs) {
            guard case let .character(c) = raw, let scalar = Unicode.Scalar(UInt32(c)) else { pending.append(Self.event(for: raw)); return .none }
            let character = Character(scalar)
            if character == "M" || character == "m" {
                return MouseReport.sgr(body: body, final: character).flatMap { mouse.decode($0) }.map(Event.mouse) ?? .none
            }
            body.append(character)
        }
        return .none
    }

    /// The three bytes of an X10 report after ncurses matched `ESC [ M`.
    private func x10Report() -> Event {
        var bytes: [UInt32] = []
        while bytes.count < 3, let raw = readRaw(timeoutMs: Self.reportByteMs) {
            guard case let .character(c) = raw else { pending.append(Self.event(for: raw)); return .none }
            bytes.append(UInt32(bitPattern: c))
        }
        return MouseReport.x10(bytes).flatMap { mouse.decode($0) }.map(Event.mouse) ?? .none
    }

    private static func event(for raw: Raw) -> Event {
        switch raw {
        case let .keyCode(code):
            switch code {
            case cb_key_resize(): return .resize
            case cb_key_up(): return .key(.up)
            case cb_key_down(): return .key(.down)
            case cb_key_left(): return .key(.left)
            case cb_key_right(): return .key(.right)
            case Int32(KEY_SLEFT): return .key(.shiftLeft)
            case Int32(KEY_SRIGHT): return .key(.shiftRight)
            case Int32(KEY_SR): return .key(.shiftUp)
            case Int32(KEY_SF): return .key(.shiftDown)
            case cb_key_enter(): return .key(.enter)
            case cb_key_backspace(): return .key(.backspace)
            case cb_key_ppage(): return .key(.pageUp)
            case cb_key_npage(): return .key(.pageDown)
            case cb_key_home(): return .key(.home)
            case cb_key_end(): return .key(.end)
            default: return .none
            }
        case let .character(ch):
            switch ch {
            case 3: return .key(.interrupt)
            case 9: return .key(.tab)
            case 10, 13: return .key(.enter)
            case 27: return .key(.escape)
            case 8, 127: return .key(.backspace)
            default:
                guard ch >= 32, let scalar = Unicode.Scalar(UInt32(ch)) else { return .none }
                return .key(.character(Character(scalar)))
            }
        }
    }

    /// Sends a composed frame: only changed cells are written, wrapped in
    /// synchronized output so the terminal never shows half a frame.
    public func present(_ grid: CellGrid) {
        if forceFullRedraw { lastFrame = nil; forceFullRedraw = false; clearok(cb_stdscr(), true) }
        let changes = GridDiff.changes(from: lastFrame, to: grid)
        lastFrame = grid
        guard !changes.isEmpty else { return }
        if writesColoursItself {
            let bytes = (synchronizedOutput ? "\u{1b}[?2026h" : "") + DirectColorWriter.frame(changes) + (synchronizedOutput ? "\u{1b}[?2026l" : "")
            bytes.withCString { cb_write_raw($0) }
            return
        }
        let win = cb_stdscr()!
        var wide: [wchar_t] = Array(repeating: 0, count: 8)
        for change in changes {
            let cell = change.cell
            if cell.style.contains(.wideTail) { continue }
            // The bottom-right cell cannot be written without scrolling on some terminals; ncurses returns ERR but draws it.
            var n = 0
            for s in cell.glyph.unicodeScalars where n < 6 { wide[n] = wchar_t(bitPattern: s.value); n += 1 }
            wide[n] = 0
            let pair = pairNumber(fg: cell.fg, bg: cell.bg)
            _ = wide.withUnsafeBufferPointer { cb_put_cell(win, Int32(change.y), Int32(change.x), $0.baseAddress, attributes(cell.style), pair) }
        }
        if synchronizedOutput { cb_write_raw("\u{1b}[?2026h") }
        wnoutrefresh(win)
        doupdate()
        if synchronizedOutput { cb_write_raw("\u{1b}[?2026l") }
    }

    private func attributes(_ style: CellStyle) -> UInt32 {
        var a = cb_a_normal()
        if style.contains(.bold) { a |= cb_a_bold() }
        if style.contains(.dim) { a |= cb_a_dim() }
        if style.contains(.underline) { a |= cb_a_underline() }
        if style.contains(.reverse) { a |= cb_a_reverse() }
        if style.contains(.italic) { a |= cb_a_italic() }
        return a
    }

    /// An extended pair for the colours, allocated on demand. `alloc_pair`
    /// finds an existing pair or recycles the least recently allocated one
    /// when the table is full, so pairs never run out.
    private func pairNumber(fg: RGB, bg: RGB) -> Int32 {
        if depth == .monochrome { return 0 }
        let f = depth.colorNumber(fg), b = depth.colorNumber(bg)
        let pair = alloc_pair(f, b)
        guard pair > 0 else { return 0 }
        let key = Int64(f) << 32 | Int64(UInt32(bitPattern: b))
        if let old = pairColours[pair], old != key { forceFullRedraw = true }
        pairColours[pair] = key
        return pair
    }
}
