import Foundation

/// One row a session for analytics platforms: what happened and how it went,
/// never what the customer's page showed, nor who the customer is.
public enum SessionExport {
    public enum Format: String, CaseIterable, Sendable { case csv, jsonl }

    /// The columns, declared once for both forms.
    static let columns: [(name: String, value: (SessionFacts) -> Any?)] = [
        ("session_id", { $0.id }),
        ("ticket_id", { $0.ticketId }),
        ("category", { $0.category }),
        ("agent", { $0.agent }),
        ("initiator", { $0.initiator.rawValue }),
        ("created_at", { stamp($0.createdAt) }),
        ("started_at", { $0.startedAt.map(stamp) }),
        ("ended_at", { $0.endedAt.map(stamp) }),
        ("minutes", { $0.minutes.map { ($0 * 100).rounded() / 100 } }),
        ("end_reason", { $0.endReason?.rawValue }),
        ("highest_mode", { $0.highestMode.rawValue }),
        ("outcome", { $0.outcome?.rawValue }),
        ("survey_stars", { $0.stars }),
        ("recorded", { $0.recorded }),
        ("highlights", { $0.highlights }),
        ("drops", { $0.drops }),
        ("connection_quality", { $0.quality == .unknown ? nil : $0.quality.rawValue.lowercased() }),
        ("quality_complaints", { $0.qualityComplaints }),
        ("redactions", { $0.redactions }),
    ]

    public static func render(_ facts: [SessionFacts], as format: Format) -> String {
        switch format {
        case .csv:
            let header = columns.map(\.name).joined(separator: ",")
            let rows = facts.map { f in columns.map { csvCell($0.value(f)) }.joined(separator: ",") }
            return ([header] + rows).joined(separator: "\n") + "\n"
        case .jsonl:
            return facts.map { f in
                let object = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0.value(f) ?? NSNull()) })
                // Strings, numbers, booleans and null only: serialisation cannot fail.
                let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                return String(decoding: data, as: UTF8.self)
            }.map { $0 + "\n" }.joined()
        }
    }

    static func csvCell(_ v: Any?) -> String {
        switch v {
        case nil: ""
        case let b as Bool: b ? "true" : "false"
        case let d as Double: Report.plain(d)
        case let i as Int: String(i)
        case let s as String: Report.quoted(s)
        default: Report.quoted("\(v!)")
        }
    }

    static func stamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
