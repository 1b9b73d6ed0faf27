import Foundation

/// What the engine writes to its log about a peer's input. A refusal may
/// quote what the peer sent (a decoder's message names the bad value), and
/// the log is read by more people than the session is: so the text goes
/// through the redactor, long runs of digits go whatever they are, and the
/// line is cut short.
public enum LogText {
    public static let maxLength = 300

    public static func safe(_ text: String, _ redactor: Redactor) -> String {
        var out = redactor.redact(text: text).value
        out = out.replacingOccurrences(of: "[0-9][0-9 .,-]{7,}[0-9]", with: "[digits]", options: .regularExpression)
        if out.count > maxLength { out = String(out.prefix(maxLength)) + "…" }
        return out
    }
}
