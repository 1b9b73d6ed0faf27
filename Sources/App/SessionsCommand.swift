import ArgumentParser
import Engine
import Foundation
import TerminalUI

/// The sessions the engine's store knows: the team view a supervisor reads in
/// the lobby, for scripts and a shell.
struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Co-browse sessions: who is in one, on which ticket, how it goes.",
        subcommands: [List.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sessions, newest first (as the engine last stored them).")
        @Flag(help: "Only sessions still running (link sent, or active).") var live = false
        @Option(help: ArgumentHelp("Only this agent's sessions.", valueName: "NAME")) var agent: String?
        @Option(help: "text (a table) or json.") var format: Format = .text
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try data.openExistingStore()
            var sessions = try live ? store.allOpenSessions() : store.allSessions()
            if let agent { sessions = sessions.filter { $0.agentName == agent } }
            let now = Date()
            switch format {
            case .json:
                let rows = sessions.map { SessionListing($0, now: now) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            case .text:
                if sessions.isEmpty {
                    print(live ? "no live sessions\(agent.map { " for \($0)" } ?? "")" : "no sessions yet\(agent.map { " for \($0)" } ?? "")")
                    return
                }
                print(pad("SESSION", 20) + pad("AGENT", 16) + pad("TICKET", 10) + pad("CUSTOMER", 20) + pad("STATUS", 12)
                      + pad("MODE", 14) + pad("QUALITY", 9) + pad("ELAPSED", 9) + "REC")
                for s in sessions {
                    let l = SessionListing(s, now: now)
                    print(pad(l.id, 20) + pad(l.agent, 16) + pad(l.ticket, 10) + pad(l.customer, 20) + pad(l.status, 12)
                          + pad(l.mode, 14) + pad(l.quality, 9) + pad(ClockFormat.duration(Double(l.elapsedSeconds)), 9) + (l.recording ? "●" : "-"))
                }
            }
        }
    }
}

/// One session as `sessions list` prints it.
struct SessionListing: Encodable {
    let id, agent, ticket, customer, status, mode, quality: String
    let recording: Bool
    let customerConnected: Bool
    let createdAt: Date
    let startedAt: Date?
    let endedAt: Date?
    /// From the start (or the link, before one) to the end, or to now while it runs.
    let elapsedSeconds: Int

    init(_ s: SessionSummary, now: Date) {
        id = s.id; agent = SafeText.clean(s.agentName); ticket = s.ticket.id; customer = SafeText.clean(s.ticket.customer)
        status = s.status.rawValue; mode = s.controlMode.title; quality = s.quality.rawValue
        recording = s.recording; customerConnected = s.customerConnected
        createdAt = s.createdAt; startedAt = s.startedAt; endedAt = s.endedAt
        elapsedSeconds = max(0, Int((s.endedAt ?? now).timeIntervalSince(s.startedAt ?? s.createdAt)))
    }
}
