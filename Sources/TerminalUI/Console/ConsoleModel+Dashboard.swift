import Engine
import Foundation

/// The operations dashboard as the console holds it: which month it last
/// asked for, and the engine's latest answer.
public struct DashboardState: Equatable, Sendable {
    /// "2026-11"; nil: the engine's current month.
    public internal(set) var month: String?
    public internal(set) var shown: OperationsDashboard?
    /// A request is out and not answered yet.
    public internal(set) var loading = false
}

/// `D` in the lobby: the dashboard screen. The engine computes every figure
/// (and decides whose sessions they are); the console asks for a month and
/// draws what comes back.
extension ConsoleModel {
    mutating func openDashboard() -> [ConsoleCommand] {
        screen = .dashboard
        dashboard = DashboardState()
        return askForDashboard(month: nil)
    }

    /// ← and →: the month before or after the one on screen.
    mutating func moveDashboardMonth(by months: Int) -> [ConsoleCommand] {
        let current = dashboard.shown?.month ?? dashboard.month ?? Self.monthText(containing: now)
        guard let next = Self.month(current, movedBy: months) else { return [] }
        return askForDashboard(month: next)
    }

    mutating func refreshDashboard() -> [ConsoleCommand] { askForDashboard(month: dashboard.month ?? dashboard.shown?.month) }

    mutating func closeDashboard() -> [ConsoleCommand] {
        screen = .lobby
        dashboard = DashboardState()
        // The lobby may have moved on while the figures were up.
        return [.send(.lobbyRequest)]
    }

    private mutating func askForDashboard(month: String?) -> [ConsoleCommand] {
        dashboard.month = month
        dashboard.loading = true
        return [.send(.dashboardRequest(DashboardRequest(month: month)))]
    }

    mutating func dashboardArrived(_ d: OperationsDashboard) {
        guard screen == .dashboard else { return }
        dashboard.shown = d
        dashboard.month = d.month
        dashboard.loading = false
    }

    /// "2026-11" moved by `months` ("2026-12"); nil when it is not a month.
    static func month(_ text: String, movedBy months: Int) -> String? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1 ... 12).contains(m) else { return nil }
        let index = y * 12 + (m - 1) + months
        let (year, month) = (index / 12, index % 12 + 1)
        guard (1970 ... 9999).contains(year) else { return nil }
        return String(format: "%04d-%02d", year, month)
    }

    /// The month `date` falls in, in UTC as the engine's reports count months.
    static func monthText(containing date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }
}
