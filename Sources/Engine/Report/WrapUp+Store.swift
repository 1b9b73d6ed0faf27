import Foundation

extension WrapUp {
    /// The wrap-up of a stored session, or nil when there is no such session.
    /// `recordings` is asked for the session's recording when the engine keeps any.
    public static func read(sessionId: String, from store: SessionStore, recordings: RecordingIndex?, redactor: Redactor, now: Date) throws -> WrapUp? {
        guard let summary = try store.session(id: sessionId) else { return nil }
        let recording = try recordings?.recordings(includeDeleted: false).first { $0.sessionId == sessionId }?.id
        let sources = Sources(summary: summary, audits: try store.auditEntries(sessionId: sessionId), notes: try store.notes(sessionId: sessionId),
                              participants: try store.participants(sessionId: sessionId), survey: try store.survey(sessionId: sessionId),
                              outcome: try store.outcome(sessionId: sessionId), recordingId: recording,
                              handOffs: try store.handOffs(sessionId: sessionId))
        return WrapUp(sources, redactor: redactor, now: now)
    }
}
