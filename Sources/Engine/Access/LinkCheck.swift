import Foundation

/// What a customer's link is worth right now. Pure: the store finds the
/// record, this decides. A link that is not `.valid` gets a clear page and an
/// audit row, never a session.
public enum LinkCheck {
    public enum Outcome: Equatable, Sendable {
        case valid
        case unknown
        case used
        case expired

        /// The sentence on the page the customer sees.
        public var customerMessage: String {
            switch self {
            case .valid: "Your support agent is waiting. Review what they will be able to see, then allow or deny."
            case .unknown: "This link is not valid. Please check that you copied all of it, or ask your support agent for a new one."
            case .used: "This link has already been used. Each link works only once — ask your support agent for a new one."
            case .expired: "This link has expired. Links are valid for a short time only — ask your support agent for a new one."
            }
        }

        /// The protocol error for an SDK that presents this token (nil when valid).
        public var errorCode: WireErrorCode? {
            switch self {
            case .valid: nil
            case .unknown: .notFound
            case .used: .linkUsed
            case .expired: .linkExpired
            }
        }

        /// The action word of the audit row written for this outcome.
        public var auditAction: String {
            switch self {
            case .valid: "link.accepted"
            case .unknown: "link.unknown"
            case .used: "link.reused"
            case .expired: "link.expired"
            }
        }
    }

    public static func evaluate(_ record: LinkRecord?, now: Date) -> Outcome {
        guard let record else { return .unknown }
        // Used beats expired: the customer should hear the link already served its purpose.
        if record.usedAt != nil { return .used }
        if now >= record.expiresAt { return .expired }
        return .valid
    }
}
