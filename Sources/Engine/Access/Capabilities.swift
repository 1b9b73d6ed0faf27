import Foundation

/// What an agent level may do (DESIGN: role-based capability; L1 up to Guided,
/// L2 up to Controlled, Full Control only with a manager's approval).
public struct Capabilities: Equatable, Sendable {
    public let level: AgentLevel

    public init(level: AgentLevel) { self.level = level }

    /// Starting a session from a ticket.
    public var canStartSessions: Bool { [.l1, .l2, .manager].contains(level) }
    /// Attaching read-only to someone else's session.
    public var canWatch: Bool { [.supervisor, .manager].contains(level) }
    /// Replaying recordings.
    public var canReplay: Bool { [.trainer, .supervisor, .manager].contains(level) }

    /// The highest control mode this level may ask a customer for.
    public var maxControlMode: ControlMode {
        switch level {
        case .l1: .guided
        case .l2: .controlled
        case .manager: .fullControl
        case .supervisor, .trainer: .viewOnly
        }
    }

    /// L2 agents may ask for Full Control, but a manager approves before the customer is asked.
    public func needsManagerApproval(for mode: ControlMode) -> Bool {
        mode == .fullControl && level != .manager
    }

    /// Why this level may not ask for `mode` in a session whose customer
    /// allowed `access`; nil when it may.
    public func refusal(toRequest mode: ControlMode, customerAccess: AccessLevel?) -> String? {
        if mode > maxControlMode && !(mode == .fullControl && level == .l2) {
            return maxControlMode == .viewOnly
                ? "\(level.rawValue) participants watch only and cannot ask for control"
                : "\(level.rawValue) agents may ask for \(maxControlMode.title) at most"
        }
        if customerAccess != .controlled && mode > .guided {
            return "The customer allowed view-only access; Guided is the most you can ask for"
        }
        return nil
    }
}
