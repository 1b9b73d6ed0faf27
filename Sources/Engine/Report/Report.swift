import Foundation

/// A report as data: titled sections of figures and tables. One declaration
/// drives every form it takes: text that fits 80 columns and reads like the
/// support templates, CSV (one table a section) and JSON (one object).
public struct Report: Sendable {
    public var name: String
    public var title: String
    public var period: ReportPeriod
    public var sections: [Section]

    public init(name: String, title: String, period: ReportPeriod, sections: [Section]) {
        self.name = name; self.title = title; self.period = period; self.sections = sections
    }

    public struct Section: Sendable {
        public var key: String
        public var title: String
        public var figures: [Figure] = []
        public var tables: [Table] = []
        /// Figures that JSON puts at the top level (the answer of a calculator), not under the section's key.
        public var topLevelInJSON = false

        public init(key: String, title: String, figures: [Figure] = [], tables: [Table] = [], topLevelInJSON: Bool = false) {
            self.key = key; self.title = title; self.figures = figures; self.tables = tables; self.topLevelInJSON = topLevelInJSON
        }
    }

    public struct Figure: Sendable {
        public var key: String
        public var label: String
        public var value: Value
        /// How the figure was reached (a formula, a share), or why it is missing.
        public var detail: String?

        public init(_ key: String, _ label: String, _ value: Value, _ detail: String? = nil) {
            self.key = key; self.label = label; self.value = value; self.detail = detail
        }
    }

    public struct Table: Sendable {
        public var key: String
        public var columns: [String]
        public var rows: [[Value]]
        /// Said instead of an empty table.
        public var empty: String

        public init(key: String, columns: [String], rows: [[Value]], empty: String) {
            self.key = key; self.columns = columns; self.rows = rows; self.empty = empty
        }
    }

    public enum Value: Equatable, Sendable {
        case count(Int)
        case number(Double, decimals: Int)
        /// 0…100.
        case percent(Double)
        case money(Double)
        case minutes(Double)
        case text(String)
        /// The data for the figure does not exist; the reason says which.
        case unavailable(String)

        public var text: String {
            switch self {
            case let .count(n): Self.grouped(Double(n), decimals: 0)
            case let .number(x, d): Self.grouped(x, decimals: d)
            case let .percent(p): String(format: "%.1f%%", p)
            case let .money(m): (m < 0 ? "-$" : "$") + Self.grouped(abs(m), decimals: 2)
            case let .minutes(m): String(format: "%.1f min", m)
            case let .text(s): s
            case .unavailable: "n/a"
            }
        }

        /// The plain number for CSV and JSON; nil for text and what is not available.
        public var number: Double? {
            switch self {
            case let .count(n): Double(n)
            case let .number(x, _), let .percent(x), let .money(x), let .minutes(x): x
            case .text, .unavailable: nil
            }
        }

        static func grouped(_ x: Double, decimals: Int) -> String {
            let s = String(format: "%.\(decimals)f", x)
            let parts = s.split(separator: ".", maxSplits: 1)
            var whole = String(parts[0])
            let negative = whole.hasPrefix("-")
            if negative { whole.removeFirst() }
            var out = ""
            for (i, c) in whole.reversed().enumerated() {
                if i > 0 && i % 3 == 0 { out.append(",") }
                out.append(c)
            }
            return (negative ? "-" : "") + String(out.reversed()) + (parts.count > 1 ? "." + parts[1] : "")
        }
    }

    /// The figure named `key` in any section, for tests and for reports built on others.
    public func figure(_ key: String) -> Figure? {
        for s in sections { if let f = s.figures.first(where: { $0.key == key }) { return f } }
        return nil
    }
}

/// Shares and averages that say "n/a" rather than divide by nothing.
enum Share {
    static func percent(_ part: Int, of whole: Int) -> Report.Value {
        fraction(part, of: whole).map { .percent($0) } ?? .unavailable("no sessions in the period")
    }

    /// 0…100, or nil of nothing.
    static func fraction(_ part: Int, of whole: Int) -> Double? {
        whole > 0 ? 100 * Double(part) / Double(whole) : nil
    }

    static func counted(_ part: Int, of whole: Int) -> String? {
        whole > 0 ? String(format: "%.1f%%", 100 * Double(part) / Double(whole)) : nil
    }

    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
}
