import Foundation

/// How far each level may take control, a tenant setting (DESIGN: role-based
/// capability, "L1 after certification"). By default L1 up to Guided, L2 up to
/// Controlled on their own and Full Control with a manager's approval; managers
/// up to Full Control; supervisors and trainers watch only.
public struct ControlCaps: Equatable, Sendable {
    /// The highest mode a level may ask the customer for on its own.
    public var onTheirOwn: [AgentLevel: ControlMode]
    /// Levels that may ask for Full Control with a manager's approval (managers never need one).
    public var fullControlWithApproval: Set<AgentLevel>

    public init(onTheirOwn: [AgentLevel: ControlMode] = [.l1: .guided, .l2: .controlled, .manager: .fullControl, .specialist: .controlled],
                fullControlWithApproval: Set<AgentLevel> = [.l2, .specialist]) {
        self.onTheirOwn = onTheirOwn
        self.fullControlWithApproval = fullControlWithApproval
    }

    /// Reads `L1=controlled` style settings (the `serve --mode-cap` option).
    public mutating func set(_ setting: String) throws {
        let parts = setting.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let level = AgentLevel(rawValue: parts[0]) ?? AgentLevel.allCases.first(where: { $0.rawValue.lowercased() == parts[0].lowercased() }),
              let mode = ControlMode(rawValue: parts[1]) else {
            throw WireError(.invalid, "a mode cap is LEVEL=MODE, e.g. L1=controlled (levels: \(AgentLevel.allCases.map(\.rawValue).joined(separator: ", ")); modes: \(ControlMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard level != .supervisor && level != .trainer || mode == .viewOnly else {
            throw WireError(.invalid, "\(level.rawValue) participants watch only; their cap stays view-only")
        }
        guard mode != .fullControl || level == .manager else {
            throw WireError(.invalid, "Full Control always needs a manager's approval; allow it with --full-control-with-approval \(level.rawValue)")
        }
        onTheirOwn[level] = mode
    }
}

/// What an agent level may do.
public struct Capabilities: Equatable, Sendable {
    public let level: AgentLevel
    public let caps: ControlCaps

    public init(level: AgentLevel, caps: ControlCaps = .init()) { self.level = level; self.caps = caps }

    /// Starting a session from a ticket.
    public var canStartSessions: Bool { [.l1, .l2, .manager, .specialist].contains(level) }
    /// Taking over a live session another agent hands off (escalation): L2 and above, or a specialist.
    public var canTakeHandOffs: Bool { [.l2, .manager, .specialist].contains(level) }
    /// Attaching read-only to someone else's session.
    public var canWatch: Bool { [.supervisor, .manager].contains(level) }
    /// Replaying recordings.
    public var canReplay: Bool { [.trainer, .supervisor, .manager].contains(level) }

    /// The highest control mode this level may ask a customer for on its own.
    public var maxControlMode: ControlMode { caps.onTheirOwn[level] ?? .viewOnly }

    /// Full Control from anyone but a manager goes to a manager first.
    public func needsManagerApproval(for mode: ControlMode) -> Bool {
        mode == .fullControl && level != .manager
    }

    /// Why this level may not ask for `mode` in a session whose customer
    /// allowed `access`; nil when it may.
    public func refusal(toRequest mode: ControlMode, customerAccess: AccessLevel?) -> String? {
        let withApproval = mode == .fullControl && caps.fullControlWithApproval.contains(level)
        if mode > maxControlMode && !withApproval {
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
