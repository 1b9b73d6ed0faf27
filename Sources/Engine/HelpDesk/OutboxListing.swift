import Foundation

/// `cobrowse helpdesk outbox`: the rows not delivered and why, as a support
/// lead reads them. Bodies are shortened and masked: a reply may hold a link.
public enum OutboxListing {
    public static func text(_ rows: [OutboxEntry]) -> String {
        if rows.isEmpty { return "outbox: nothing waiting; every call reached the desk, the mail server or the SMS gateway\n" }
        let f = ISO8601DateFormatter()
        var out = "ID     STATE     BY         TICKET      WHAT              TRIES  NEXT / REASON\n"
        for r in rows {
            let why: String
            switch r.state {
            case .failed: why = r.lastError ?? "failed"
            case .pending, .sending: why = "next try \(f.string(from: r.nextAttemptAt))" + (r.lastError.map { " (last: \($0))" } ?? "")
            case .delivered: why = "delivered"
            }
            out += pad(String(r.id), 7) + pad(r.state.rawValue, 10) + pad(r.route, 11) + pad(r.ticketId, 12)
                + pad(what(r.call), 18) + pad(String(r.attempts), 7) + OutboxText.mask(why) + "\n"
            if let body = body(r.call) { out += "       " + (r.recipient.map { "to \($0): " } ?? "") + body + "\n" }
        }
        let failed = rows.filter { $0.state == .failed }.count
        out += "\(rows.count - failed) pending, \(failed) failed\n"
        return out
    }

    public static func json(_ rows: [OutboxEntry]) -> String {
        let f = ISO8601DateFormatter()
        let objects: [[String: Any]] = rows.map { r in
            var o: [String: Any] = ["id": r.id, "state": r.state.rawValue, "desk": r.route, "ticket": r.ticketId, "what": what(r.call),
                                    "attempts": r.attempts, "createdAt": f.string(from: r.createdAt), "nextAttemptAt": f.string(from: r.nextAttemptAt)]
            if let e = r.lastError { o["reason"] = OutboxText.mask(e) }
            if let b = body(r.call) { o["body"] = b }
            if let to = r.recipient { o["to"] = to }
            return o
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func what(_ call: DeskCall) -> String { OutboxSender.kind(call) }

    /// The first 80 characters, masked; nil for a call with no text.
    static func body(_ call: DeskCall) -> String? {
        let text: String?
        switch call {
        case let .publicReply(b), let .internalNote(b), let .email(_, _, b), let .sms(_, b): text = b
        case let .event(_, _, t): text = t
        case .setStatus: text = nil
        }
        guard let text, !text.isEmpty else { return nil }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        let masked = OutboxText.mask(line)
        return masked.count > 80 ? String(masked.prefix(79)) + "…" : masked
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.prefix(width - 1)) + " " : s + String(repeating: " ", count: width - s.count)
    }
}
