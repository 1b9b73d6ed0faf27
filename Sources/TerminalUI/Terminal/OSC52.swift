import Foundation

/// The terminal clipboard escape (`OSC 52 ; c ; base64 BEL`): the only way to reach the
/// agent's own clipboard from a console running over SSH.
public enum OSC52 {
    /// Terminals cap what they accept (xterm: 100 000 bytes of base64); links are far below.
    public static let maxBytes = 74_000

    public static func sequence(_ text: String) -> String {
        // Control characters would end the sequence early; a link has none, anything else is cut at them.
        let clean = String(text.unicodeScalars.prefix { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        let bytes = Data(clean.utf8.prefix(maxBytes))
        return "\u{1b}]52;c;" + bytes.base64EncodedString() + "\u{07}"
    }
}
