import ArgumentParser
import Engine
import Foundation
import TerminalUI

/// The sessions the engine's store knows: the team view a supervisor reads in
/// the lobby, for scripts and a shell.
struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Co-browse sessions: who is in one, on which ticket, how it goes.",
        subcommands: [List.self, Show.self, End.self, HandOff.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sessions, newest first (as the engine last stored them).")
        @Flag(help: "Only sessions still running (link sent, or active).") var live = false
        @Option(help: ArgumentHelp("Only this agent's sessions.", valueName: "NAME")) var agent: String?
        @Option(help: ArgumentHelp("Only sessions created on or after this day (UTC).", valueName: "YYYY-MM-DD")) var from: String?
        @Option(help: ArgumentHelp("Only sessions created on or before this day (UTC).", valueName: "YYYY-MM-DD")) var to: String?
        @Option(help: "text (a table) or json.") var format: Format = .text
        @OptionGroup var data: DataOptions

        func validate() throws {
            for (name, day) in [("--from", from), ("--to", to)] {
                if let day, Self.start(of: day) == nil { throw ValidationError("\(name) must be a day, YYYY-MM-DD (got \"\(day)\")") }
            }
            if let f = from.flatMap(Self.start), let t = to.flatMap(Self.start), f > t { throw ValidationError("--from \(from!) is after --to \(to!)") }
        }

        /// Midnight UTC at the start of a YYYY-MM-DD day.
        static func start(of day: String) -> Date? {
            guard let c = SessionOutcome.dueDate(day) else { return nil }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar.date(from: c)
        }

        func run() throws {
            let store = try data.openExistingStore()
            var sessions = try live ? store.allOpenSessions() : store.allSessions()
            if let agent { sessions = sessions.filter { $0.agentName == agent } }
            if let start = from.flatMap(Self.start) { sessions = sessions.filter { $0.createdAt >= start } }
            if let end = to.flatMap(Self.start)?.addingTimeInterval(86_400) { sessions = sessions.filter { $0.createdAt < end } }
            let now = Date()
            let escalated = try store.handedOffSessionIDs()
            switch format {
            case .json:
                let rows = sessions.map { SessionListing($0, now: now, escalated: escalated.contains($0.id)) }
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
                    let l = SessionListing(s, now: now, escalated: escalated.contains(s.id))
                    print(pad(l.id, 20) + pad(l.agent, 16) + pad(l.ticket, 10) + pad(l.customer, 20) + pad(l.status, 12)
                          + pad(l.mode, 14) + pad(l.quality, 9) + pad(ClockFormat.duration(Double(l.elapsedSeconds)), 9) + (l.recording ? "●" : "-"))
                }
            }
        }
    }
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a session's wrap-up: the note the engine writes back to its ticket.",
            discussion: "Who, when and how long; each control mode and the time in it; annotations, clicks, typing, scrolls and screenshots (counted, never what was typed); the notes; who took part; the connection and drops; the recording; the survey; the outcome. Every free text is redacted again.")
        @Argument(help: "The session id (as `sessions list` shows it).") var id: String
        @Option(help: "text or json.") var format: Format = .text
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try data.openExistingStore()
            guard let wrapUp = try WrapUp.read(sessionId: id, from: store, recordings: store, redactor: Redactor(), now: Date()) else {
                throw Failure("no session \(id) in \(data.dataDirectory)")
            }
            switch format {
            case .text: print(wrapUp.text)
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(wrapUp), as: UTF8.self))
            }
        }
    }

    struct End: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a session and say how it went for its ticket, or say it for a session that has ended.",
            discussion: "The outcome sets the ticket's status (resolved: solved; follow-up: pending; escalated: open) and is given once. The engine answers with the wrap-up, printed here.")
        @Argument(help: "The session id.") var id: String
        @Option(help: "resolved, follow-up or escalated.") var outcome: SessionOutcome.Kind
        @Option(help: "Follow-up: what happens next.") var plan: String?
        @Option(help: "Follow-up: who does it.") var owner: String?
        @Option(help: ArgumentHelp("Follow-up: by when.", valueName: "YYYY-MM-DD")) var due: String?
        @Option(help: ArgumentHelp("Escalated: to whom (a person or a team).", valueName: "NAME")) var to: String?
        @Option(help: "Escalated: why.") var reason: String?
        @OptionGroup var socket: SocketOptions

        /// The outcome the options say, checked as the engine checks it.
        func said() throws -> SessionOutcome {
            let followUp = [("--plan", plan), ("--owner", owner), ("--due", due)], escalated = [("--to", to), ("--reason", reason)]
            func none(_ options: [(String, String?)]) throws {
                if let extra = options.first(where: { $0.1 != nil }) { throw ValidationError("\(extra.0) does not go with --outcome \(outcome.rawValue)") }
            }
            func all(_ options: [(String, String?)]) throws {
                if let missing = options.first(where: { $0.1 == nil }) { throw ValidationError("--outcome \(outcome.rawValue) needs \(missing.0)") }
            }
            let o: SessionOutcome
            switch outcome {
            case .resolved: try none(followUp + escalated); o = .resolved
            case .followUp: try none(escalated); try all(followUp); o = .followUp(plan: plan!, owner: owner!, due: due!)
            case .escalated: try none(followUp); try all(escalated); o = .escalated(to: to!, reason: reason!)
            }
            do { try o.validate() } catch { throw ValidationError((error as? WireError)?.message ?? "\(error)") }
            return o
        }

        func validate() throws { _ = try said() }

        func run() throws {
            let client = try connectToEngine(socket.socketPath, client: "cobrowse-sessions-end")
            defer { client.close() }
            let reply: WireMessage
            do { reply = try client.request(.endSession(EndSession(sessionId: id, outcome: try said())), timeout: 10) } catch {
                throw Failure("\(error)")
            }
            switch reply {
            case let .wrapUp(w): print(w.text)
            case let .error(e): throw Failure(e.message)
            default: throw Failure("unexpected reply from the engine: \(reply.type)")
            }
        }
    }
}

extension Sessions {
    struct HandOff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hand-off",
            abstract: "Hand a live session of yours to an L2 agent, a specialist or a manager (escalation).",
            discussion: "The agent named is offered the session in their lobby and takes it or declines; the customer is told who is joining and acknowledges before the new agent may ask for control. This prints where the hand-off stands.")
        @Argument(help: "The session id.") var id: String
        @Option(help: ArgumentHelp("Who takes it over (an agent's name, as `agents list` shows it).", valueName: "NAME")) var to: String
        @Option(help: "Why: the specialist reads it, the customer sees it, the wrap-up keeps it.") var reason: String
        @Flag(help: "Stay on as a read-only watcher (otherwise you leave the session when it is taken).") var stay = false
        @OptionGroup var socket: SocketOptions

        func validate() throws {
            // The codec's own check, so a bad reason is said before anything is sent.
            let request = WireMessage.handOff(HandOffRequest(sessionId: id, to: to, reason: reason, stay: stay))
            do { _ = try WireCodec.decode(WireCodec.encode(request)) } catch let e as WireError {
                throw ValidationError(e.message.replacingOccurrences(of: "hand-off: ", with: "--to/--reason: "))
            }
        }

        func run() throws {
            let client = try connectToEngine(socket.socketPath, client: "cobrowse-sessions-hand-off")
            defer { client.close() }
            let reply: WireMessage
            do { reply = try client.request(.handOff(HandOffRequest(sessionId: id, to: to, reason: reason, stay: stay)), timeout: 10) } catch {
                throw Failure("\(error)")
            }
            switch reply {
            case let .summary(s):
                let h = s.handOff.map { "Offered to \($0.to) (\($0.stay ? "you stay as a watcher" : "you leave once it is taken")): \($0.reason)" }
                print("\(s.id) on \(s.ticket.id): " + (h ?? "offered"))
                print("It waits in \(to)'s lobby; the customer is told who is joining once it is taken.")
            case let .error(e): throw Failure(e.message)
            default: throw Failure("unexpected reply from the engine: \(reply.type)")
            }
        }
    }
}

extension SessionOutcome.Kind: ExpressibleByArgument {}

/// One session as `sessions list` prints it.
struct SessionListing: Encodable {
    let id, agent, ticket, customer, status, mode, quality, initiator: String
    /// Handed to another agent at least once (an escalation; the initiator stays how it began).
    let escalated: Bool
    let recording: Bool
    let customerConnected: Bool
    let createdAt: Date
    let startedAt: Date?
    let endedAt: Date?
    /// From the start (or the link, before one) to the end, or to now while it runs.
    let elapsedSeconds: Int

    init(_ s: SessionSummary, now: Date, escalated: Bool = false) {
        self.escalated = escalated
        id = s.id; agent = SafeText.clean(s.agentName); ticket = s.ticket.id; customer = SafeText.clean(s.ticket.customer)
        status = s.status.rawValue; mode = s.controlMode.title; quality = s.quality.rawValue
        initiator = (s.initiator ?? .agent).rawValue
        recording = s.recording; customerConnected = s.customerConnected
        createdAt = s.createdAt; startedAt = s.startedAt; endedAt = s.endedAt
        elapsedSeconds = max(0, Int((s.endedAt ?? now).timeIntervalSince(s.startedAt ?? s.createdAt)))
    }
}
