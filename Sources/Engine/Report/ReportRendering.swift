import Foundation

extension Report {
    public enum Format: String, CaseIterable, Sendable { case text, json, csv }

    public func rendered(_ format: Format) -> String {
        switch format {
        case .text: text()
        case .json: json()
        case .csv: csv()
        }
    }

    // MARK: Text

    static let width = 80

    /// As the templates read: a title, a rule, and each section's figures as
    /// "Label: value (detail)", then its tables; nothing wider than 80 columns.
    public func text() -> String {
        var lines = [title, String(repeating: "=", count: min(Self.width, title.count))]
        for s in sections {
            lines.append("")
            lines.append(s.title.uppercased() + ":")
            for f in s.figures {
                var line = "  \(f.label): \(f.value.text)"
                if case let .unavailable(why) = f.value { line += " (\(why))" } else if let d = f.detail { line += " (\(d))" }
                lines += Self.wrapped(line, indent: "      ")
            }
            for t in s.tables { lines += Self.table(t) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func table(_ t: Table) -> [String] {
        guard !t.rows.isEmpty else { return ["  \(t.empty)"] }
        let cells = t.rows.map { $0.map(\.text) }
        var widths = t.columns.indices.map { i in max(t.columns[i].count, cells.map { $0[i].count }.max() ?? 0) }
        // The widest column gives way, a cell at a time, when the table would pass 80 columns.
        while 2 + widths.reduce(0, +) + 3 * (widths.count - 1) > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] -= 1
        }
        func row(_ values: [String]) -> String {
            "  " + values.enumerated().map { i, v in
                let cut = v.count > widths[i] ? String(v.prefix(widths[i] - 1)) + "…" : v
                return i == 0 ? cut.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cut.count) + cut
            }.joined(separator: " | ")
        }
        return [row(t.columns), "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-")] + cells.map(row)
    }

    static func wrapped(_ line: String, indent: String) -> [String] {
        guard line.count > width else { return [line] }
        let lead = String(line.prefix { $0 == " " })
        var out: [String] = []
        var current = lead
        for word in line.dropFirst(lead.count).split(separator: " ") {
            if current.count + 1 + word.count > width, current.count > lead.count {
                out.append(current)
                current = indent + word
            } else {
                current += (current.count > lead.count && current != indent ? " " : "") + word
            }
        }
        out.append(current)
        return out
    }

    // MARK: CSV

    /// One table a section (its figures as figure,value,detail), then one per data table; a blank line between.
    public func csv() -> String {
        var blocks: [[String]] = []
        for s in sections {
            if !s.figures.isEmpty {
                var b = ["section,figure,label,value,detail"]
                for f in s.figures {
                    let why: String? = if case let .unavailable(w) = f.value { w } else { f.detail }
                    b.append([s.key, f.key, f.label, f.value.number.map(Self.plain) ?? csvText(f.value), why ?? ""]
                        .map(Self.quoted).joined(separator: ","))
                }
                blocks.append(b)
            }
            for t in s.tables {
                var b = [(["table"] + t.columns).map(Self.quoted).joined(separator: ",")]
                for r in t.rows { b.append(([t.key] + r.map { $0.number.map(Self.plain) ?? csvText($0) }).map(Self.quoted).joined(separator: ",")) }
                blocks.append(b)
            }
        }
        return blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    private func csvText(_ v: Value) -> String {
        if case .unavailable = v { return "" }
        return v.text
    }

    static func plain(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.4f", x).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    static func quoted(_ s: String) -> String {
        // A cell a spreadsheet would run as a formula is quoted as text.
        var v = s
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: JSON

    /// One object: the report, its period, and each section's figures by key
    /// (a number, or null with a "why"), its tables as lists of rows.
    public func json() -> String {
        var top: [String: Any] = ["report": name, "title": title,
                                  "period": ["label": period.label, "from": ReportPeriod.dayText(period.start),
                                             "to": ReportPeriod.dayText(period.end.addingTimeInterval(-1))]]
        for s in sections {
            var section: [String: Any] = [:]
            for f in s.figures {
                let (value, why) = Self.jsonValue(f.value)
                let target = s.topLevelInJSON
                if target { top[f.key] = value } else { section[f.key] = value }
                if let why { if target { top[f.key + "_why"] = why } else { section[f.key + "_why"] = why } }
            }
            for t in s.tables {
                section[t.key] = t.rows.map { r in
                    Dictionary(uniqueKeysWithValues: zip(t.columns.map(Self.jsonKey), r.map { Self.jsonValue($0).0 }))
                }
            }
            if !section.isEmpty { top[s.key] = section }
        }
        let data = (try? JSONSerialization.data(withJSONObject: top, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func jsonValue(_ v: Value) -> (Any, String?) {
        switch v {
        case let .unavailable(why): (NSNull(), why)
        case let .text(s): (s, nil)
        case let .count(n): (n, nil)
        default: (v.number.map { ($0 * 10_000).rounded() / 10_000 } ?? NSNull(), nil)
        }
    }

    static func jsonKey(_ column: String) -> String {
        column.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .replacingOccurrences(of: #"_+"#, with: "_", options: .regularExpression).trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }
}
