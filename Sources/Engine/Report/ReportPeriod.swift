import Foundation

/// The stretch of time a report covers: a calendar month, a quarter or a
/// range of days, in UTC, start included and end excluded. Each knows the one
/// before it, so a report can say what changed.
public struct ReportPeriod: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case month, quarter, days }
    public var kind: Kind
    public var start: Date
    public var end: Date
    /// "November 2026", "2026 Q4", "2026-11-03 – 2026-11-16".
    public var label: String

    public struct Problem: Error, CustomStringConvertible { public let description: String }

    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    public var days: Int { calendarDays(from: start, to: end) }

    /// "2026-11".
    public static func month(_ text: String) throws -> ReportPeriod {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
              (1970 ... 9999).contains(y), (1 ... 12).contains(m) else {
            throw Problem(description: "--month takes YYYY-MM (e.g. 2026-11), not \(text)")
        }
        return month(year: y, month: m)
    }

    static func month(year: Int, month: Int) -> ReportPeriod {
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        let name = DateFormatter.monthName(month)
        return ReportPeriod(kind: .month, start: start, end: end, label: "\(name) \(year)")
    }

    /// "2026Q4".
    public static func quarter(_ text: String) throws -> ReportPeriod {
        let up = text.uppercased()
        let parts = up.split(separator: "Q")
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), let q = Int(parts[1]), (1970 ... 9999).contains(y), (1 ... 4).contains(q) else {
            throw Problem(description: "--quarter takes YYYYQN (e.g. 2026Q4), not \(text)")
        }
        return quarter(year: y, quarter: q)
    }

    static func quarter(year: Int, quarter: Int) -> ReportPeriod {
        let start = calendar.date(from: DateComponents(year: year, month: 3 * (quarter - 1) + 1, day: 1))!
        let end = calendar.date(byAdding: .month, value: 3, to: start)!
        return ReportPeriod(kind: .quarter, start: start, end: end, label: "\(year) Q\(quarter)")
    }

    /// From one day to another, both included: "2026-11-03", "2026-11-16".
    public static func days(from: String, to: String) throws -> ReportPeriod {
        guard let a = day(from), let b = day(to) else {
            throw Problem(description: "--from and --to take YYYY-MM-DD (e.g. 2026-11-03), not \(day(from) == nil ? from : to)")
        }
        guard a <= b else { throw Problem(description: "--from \(from) is after --to \(to)") }
        let end = calendar.date(byAdding: .day, value: 1, to: b)!
        guard calendarDays(from: a, to: end) <= 3_660 else { throw Problem(description: "a report covers at most ten years") }
        return ReportPeriod(kind: .days, start: a, end: end, label: "\(from) – \(to)")
    }

    /// The calendar month `now` falls in.
    public static func month(containing now: Date) -> ReportPeriod {
        let c = calendar.dateComponents([.year, .month], from: now)
        return month(year: c.year!, month: c.month!)
    }

    /// The period just before this one, of the same kind and length.
    public var previous: ReportPeriod {
        switch kind {
        case .month:
            let c = Self.calendar.dateComponents([.year, .month], from: Self.calendar.date(byAdding: .month, value: -1, to: start)!)
            return Self.month(year: c.year!, month: c.month!)
        case .quarter:
            let c = Self.calendar.dateComponents([.year, .month], from: Self.calendar.date(byAdding: .month, value: -3, to: start)!)
            return Self.quarter(year: c.year!, quarter: (c.month! - 1) / 3 + 1)
        case .days:
            let s = Self.calendar.date(byAdding: .day, value: -days, to: start)!
            let last = Self.calendar.date(byAdding: .day, value: -1, to: start)!
            return ReportPeriod(kind: .days, start: s, end: start, label: "\(Self.dayText(s)) – \(Self.dayText(last))")
        }
    }

    /// The days of the period that have begun by `now` (a month in progress counts to today).
    public func elapsedDays(now: Date) -> Int {
        guard now < end else { return days }
        guard now > start else { return 0 }
        return calendarDays(from: start, to: Self.calendar.startOfDay(for: now)) + 1
    }

    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1970 ... 9999).contains(y) else { return nil }
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = calendar.date(from: comps), calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: y, month: m, day: d) else { return nil }
        return date
    }

    static func dayText(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}

private func calendarDays(from: Date, to: Date) -> Int {
    ReportPeriod.calendar.dateComponents([.day], from: from, to: to).day ?? 0
}

extension DateFormatter {
    /// English month names, whatever the machine's locale: the reports read as the templates do.
    static func monthName(_ month: Int) -> String {
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][month - 1]
    }
}
