import CNcursesw

/// ncurses mouse masks and the decoding of its events into `ConsoleMouse`.
/// The BUTTON* names are C macros Swift cannot import, so the bits are
/// computed here from NCURSES_MOUSE_VERSION exactly as curses.h does.
public struct MouseDecoder: Equatable, Sendable {
    static let shift: UInt32 = NCURSES_MOUSE_VERSION > 1 ? 5 : 6
    static func mask(button: UInt32, _ bits: UInt32) -> UInt32 { bits << ((button - 1) * shift) }

    public static let button1Released = mask(button: 1, 0o01)
    public static let button1Pressed = mask(button: 1, 0o02)
    public static let button1Clicked = mask(button: 1, 0o04)
    /// The wheel: button 4 up, button 5 down (xterm's convention).
    public static let button4Pressed = mask(button: 4, 0o02)
    public static let button5Pressed = NCURSES_MOUSE_VERSION > 1 ? mask(button: 5, 0o02) : 0
    public static let reportPosition = mask(button: NCURSES_MOUSE_VERSION > 1 ? 6 : 5, 0o10)

    /// What the console asks ncurses for: button 1 press/release (drags), wheel, motion.
    public static let wanted = button1Pressed | button1Released | button1Clicked | button4Pressed | button5Pressed | reportPosition

    /// Button 1 is down (motion then means a drag).
    public private(set) var buttonDown = false

    public init() {}

    /// One ncurses event (cell coordinates, button state bits) as a console event, if it is one.
    public mutating func decode(x: Int, y: Int, bstate: UInt32) -> ConsoleMouse? {
        if bstate & Self.button1Pressed != 0 { buttonDown = true; return .press(x: x, y: y) }
        if bstate & Self.button1Released != 0 {
            guard buttonDown else { return nil }
            buttonDown = false
            return .release(x: x, y: y)
        }
        // With click detection off this should not come, but a terminal may still send it: a press and release at once.
        if bstate & Self.button1Clicked != 0 { buttonDown = false; return .release(x: x, y: y) }
        if bstate & Self.button4Pressed != 0 { return .wheelUp(x: x, y: y) }
        if Self.button5Pressed != 0 && bstate & Self.button5Pressed != 0 { return .wheelDown(x: x, y: y) }
        if bstate & Self.reportPosition != 0 || bstate == 0 { return buttonDown ? .drag(x: x, y: y) : nil }
        return nil
    }
}
