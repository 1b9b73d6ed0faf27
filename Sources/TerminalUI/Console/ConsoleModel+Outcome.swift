import Engine
import Foundation

/// How a session went for its ticket: asked when the agent ends it (and with
/// `o` on an ended one), sent with the end, answered by the engine's wrap-up.
extension ConsoleModel {
    /// The End dialog (`ending`) and "how did it go?" for an ended session share these keys.
    mutating func handleOutcomeMenu(_ key: ConsoleKey, ending: Bool) -> [ConsoleCommand] {
        switch key {
        case .character("r"), .character("R"):
            dialog = nil
            return sendOutcome(.resolved)
        case .character("f"), .character("F"): dialog = .prompt(.followUpPlan, draft: "")
        case .character("e"), .character("E"): dialog = .prompt(.escalateTo, draft: "")
        case .character("y"), .character("Y"):
            guard ending else { return [] }
            dialog = nil
            message = StatusMessage(.info, "Ending the session… (o then says how it went)")
            return [.send(.endSession(EndSession(sessionId: session?.id)))]
        case .character("l"), .character("L"):
            guard ending, customerGone else { return [] }
            dialog = nil
            message = StatusMessage(.info, "Ending the session: customer lost… (o then says how it went)")
            return [.send(.endSession(EndSession(sessionId: session?.id, customerLost: true)))]
        case .character("n"), .character("N"), .escape: dialog = nil
        default: break
        }
        return []
    }

    /// The customer dropped and has not come back: the session may end as "customer lost".
    var customerGone: Bool { session.map { $0.status == .active && !$0.customerConnected } ?? false }

    /// `o` on an ended session.
    mutating func askOutcome() -> [ConsoleCommand] {
        guard let s = session, !isReadOnly else {
            message = StatusMessage(.error, isReadOnly ? "Read-only: the session's agent says how it went" : "No session attached")
            return []
        }
        guard sessionEnded else { message = StatusMessage(.error, "The session is still live: e ends it and asks how it went"); return [] }
        guard !outcomeGiven.contains(s.id) else { message = StatusMessage(.info, "The outcome of \(s.ticket.id) is on the ticket already"); return [] }
        dialog = .sayOutcome
        return []
    }

    mutating func outcomePromptAnswered(_ purpose: PromptPurpose, _ text: String) -> [ConsoleCommand] {
        let said = text.trimmingCharacters(in: .whitespaces)
        guard !said.isEmpty else { message = StatusMessage(.error, "\(purpose.title) — it cannot be empty"); return [] }
        switch purpose {
        case .followUpPlan: dialog = .prompt(.followUpOwner(plan: said), draft: agent?.name ?? session?.agentName ?? "")
        case let .followUpOwner(plan): dialog = .prompt(.followUpDue(plan: plan, owner: said), draft: Self.dayIn(days: 7, from: now))
        case let .followUpDue(plan, owner): return sendOutcome(.followUp(plan: plan, owner: owner, due: said))
        case .escalateTo: dialog = .prompt(.escalateReason(to: said), draft: "")
        case let .escalateReason(to): return sendOutcome(.escalated(to: to, reason: said))
        default: break
        }
        return []
    }

    /// Checked as the engine checks it, so a bad date is said here and the prompt stays open.
    mutating func sendOutcome(_ outcome: SessionOutcome) -> [ConsoleCommand] {
        do { try outcome.validate() } catch {
            message = StatusMessage(.error, ((error as? WireError)?.message ?? "\(error)").replacingOccurrences(of: "the outcome: ", with: ""))
            return []
        }
        dialog = nil
        guard let s = session else { return [] }
        outcomeAsked.insert(s.id)
        message = StatusMessage(.info, sessionEnded ? "Telling \(s.ticket.id): \(outcome.kind.title)…" : "Ending the session: \(outcome.kind.title)…")
        return [.send(.endSession(EndSession(sessionId: s.id, outcome: outcome)))]
    }

    mutating func wrapUpArrived(_ w: WrapUp) {
        outcomeAsked.remove(w.sessionId)
        outcomeGiven.insert(w.sessionId)
        let whereTo = w.sentTo.map { "the wrap-up goes to \($0)" } ?? "the wrap-up stays with the engine"
        message = StatusMessage(.info, "\(w.ticketId): \(w.outcome?.kind.title ?? "no outcome") recorded; \(whereTo). q: lobby")
        dialog = .wrapUp(w)
    }

    /// YYYY-MM-DD, `days` after `date` (UTC): the follow-up's suggested due date.
    static func dayIn(days: Int, from date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date.addingTimeInterval(Double(days) * 86_400))
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
