import Foundation

/// What one answer (or no answer) from the desk means for its outbox row.
public enum DeskOutcome: Equatable, Sendable {
    case delivered
    /// Try again no earlier than `after` seconds (the desk's Retry-After), or on the backoff when nil.
    case retry(after: TimeInterval?, reason: String)
    /// Sending it again would not help (a 4xx other than 429).
    case failed(reason: String)

    public static func of(_ response: DeskResponse, now: Date) -> DeskOutcome {
        switch response.status {
        case 200 ..< 300:
            return .delivered
        case 429:
            return .retry(after: retryAfter(response.header("Retry-After"), now: now), reason: "HTTP 429: the desk is rate-limiting")
        case 500...:
            return .retry(after: retryAfter(response.header("Retry-After"), now: now), reason: "HTTP \(response.status)\(message(response).map { ": \($0)" } ?? "")")
        default:
            return .failed(reason: "HTTP \(response.status)\(message(response).map { ": \($0)" } ?? "")")
        }
    }

    /// Seconds, or an HTTP date; nil when absent or unreadable.
    static func retryAfter(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// The desk's own words for a refusal (Zendesk `error`/`description`, Freshdesk `description`/`errors[].message`/`message`),
    /// masked and cut short: a reason an operator reads, with nothing in it that could be a secret or a link.
    static func message(_ response: DeskResponse) -> String? {
        guard !response.body.isEmpty else { return nil }
        var parts: [String] = []
        if let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] {
            for key in ["error", "description", "message"] {
                if let s = object[key] as? String { parts.append(s) }
                if let o = object[key] as? [String: Any], let s = (o["message"] ?? o["title"]) as? String { parts.append(s) }
            }
            if let errors = object["errors"] as? [[String: Any]] {
                for e in errors.prefix(3) {
                    let field = e["field"] as? String
                    if let m = e["message"] as? String { parts.append(field.map { "\($0): \(m)" } ?? m) }
                }
            }
        } else {
            parts.append(String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        let text = parts.joined(separator: "; ").split(whereSeparator: \.isNewline).joined(separator: " ")
        guard !text.isEmpty else { return nil }
        return OutboxText.mask(String(text.prefix(200)))
    }
}

/// Hides what must never show in a listing or a reason: one-time links
/// (the path after /j/, /join/, /view/, /present/) and anything that looks like a token.
public enum OutboxText {
    public static func mask(_ text: String) -> String {
        var out = text
        for prefix in ["/j/", "/join/", "/view/", "/present/"] {
            out = replace(out, pattern: NSRegularExpression.escapedPattern(for: prefix) + "[A-Za-z0-9_\\-.~%]+", with: prefix + "…")
        }
        // Long runs of letters and digits (API keys, tokens, base64 credentials) are not words a support team writes.
        // A path's slashes split it into words, so an address keeps its readable parts.
        out = replace(out, pattern: "(?<![A-Za-z0-9_\\-])(?=[A-Za-z0-9_\\-=]*[0-9])(?=[A-Za-z0-9_\\-=]*[A-Za-z])[A-Za-z0-9_\\-=]{20,}", with: "[hidden]")
        out = replace(out, pattern: "(?i)(token|key|secret|password|authorization)([=:]\\s*)\\S+", with: "$1$2[hidden]")
        return out
    }

    private static func replace(_ s: String, pattern: String, with template: String) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return s }
        return re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
    }
}

/// When a row that could not be sent is tried next.
public struct OutboxBackoff: Sendable {
    public var base: TimeInterval
    public var maximum: TimeInterval
    /// A Retry-After beyond this is capped: the row is tried then, and waits again if told.
    public var longestRetryAfter: TimeInterval
    /// Transient failures after which the row is given up as failed.
    public var maxAttempts: Int

    public init(base: TimeInterval = 2, maximum: TimeInterval = 300, longestRetryAfter: TimeInterval = 3600, maxAttempts: Int = 25) {
        self.base = base; self.maximum = maximum; self.longestRetryAfter = longestRetryAfter; self.maxAttempts = maxAttempts
    }

    /// `attempts` counts the one that just failed (1 for the first).
    public func delay(attempts: Int, retryAfter: TimeInterval?) -> TimeInterval {
        if let retryAfter { return min(retryAfter, longestRetryAfter) }
        return min(maximum, base * pow(2, Double(max(0, attempts - 1))))
    }
}
