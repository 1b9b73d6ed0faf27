import Foundation

/// One session's recording as the hub sees it: every message the session's
/// consoles received (scenes and deltas already redacted, activity, notes,
/// summaries), in order, so a replay shows exactly what the agent saw.
public protocol SessionRecording: AnyObject {
    func append(_ message: WireMessage, at: Date) throws
    /// The recording ends: flush and mark it complete, with why it ended
    /// ("session ended", "engine stopped") as its ending.
    func finish(at: Date, reason: String?) throws
    /// Where the recording reports trouble with its writes (a full disk) and
    /// their resumption, as it happens. Called on the recording's own queue,
    /// never under its lock, so the handler may take the caller's locks.
    func onTrouble(_ handler: @escaping @Sendable (RecordingTrouble) -> Void)
}

extension SessionRecording {
    /// Finishes with no ending recorded.
    public func finish(at: Date) throws { try finish(at: at, reason: nil) }
    /// A recording that never has trouble to report.
    public func onTrouble(_ handler: @escaping @Sendable (RecordingTrouble) -> Void) {}
}

/// Starts recordings. The hub calls it when a session turns active with the
/// customer's recording consent; a failure is reported to the agent and the
/// session goes on unrecorded.
public protocol RecordingService: AnyObject {
    func startRecording(session: SessionSummary, at: Date) throws -> SessionRecording
}
