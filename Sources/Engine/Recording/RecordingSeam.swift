import Foundation

/// One session's recording as the hub sees it: every message the session's
/// consoles received (scenes and deltas already redacted, activity, notes,
/// summaries), in order, so a replay shows exactly what the agent saw.
public protocol SessionRecording: AnyObject {
    func append(_ message: WireMessage, at: Date) throws
    /// The session ended normally: flush and mark the recording complete.
    func finish(at: Date) throws
}

/// Starts recordings. The hub calls it when a session turns active with the
/// customer's recording consent; a failure is reported to the agent and the
/// session goes on unrecorded.
public protocol RecordingService: AnyObject {
    func startRecording(session: SessionSummary, at: Date) throws -> SessionRecording
}
