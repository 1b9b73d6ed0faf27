import Foundation

/// `dashboard-request`: a month's operations dashboard for a console. It runs
/// on the console's own lane, never an event loop, so reading a month of
/// sessions from the store holds up only the console that asked.
extension EngineHub {
    func dashboard(_ request: DashboardRequest, for agent: Agent) throws -> OperationsDashboard {
        let period = try request.period(now: clock())
        let team = MessageKind.dashboardRequest.answersWithTheTeam(for: agent.level)
        // Outcomes and surveys queued a moment ago count, as they do in the lobby.
        writer.waitUntilTried()
        let recordings: RecordingIndex? = recordingDesk.map { $0.library.store } ?? (store as? RecordingIndex)
        var facts = try SessionFacts.read(period, from: store, recordings: recordings)
        if !team { facts = facts.filter { $0.agent == agent.name } }
        let agents = team ? try store.allAgents() : [agent]
        let open = try (team ? store.allOpenSessions() : store.openSessions(agentName: agent.name)).map(liveSummary)
        let active = open.filter { $0.status == .active }
        let live = LiveNow(modes: ControlMode.allCases.map { mode in ModeCount(mode: mode, sessions: active.filter { $0.controlMode == mode }.count) },
                           waitingForConsent: open.filter { $0.status == .linkMinted || $0.status == .linkOpened }.count)
        let c = ReportPeriod.calendar.dateComponents([.year, .month], from: period.start)
        return OperationsDashboard(month: String(format: "%04d-%02d", c.year!, c.month!), label: period.label,
                                   agentOnly: team ? nil : agent.name, live: live,
                                   figures: Dashboard(period: period, sessions: facts, agents: agents).figures)
    }
}
