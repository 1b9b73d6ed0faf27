import Foundation
import Logging

/// A session's recording: started and finished when the machine says so,
/// fed with everything the room is told. A recording reports trouble with
/// its writes (a full disk) and their resumption; the room hears it.
extension SessionRuntime {
    func startRecording() {
        guard recording == nil, let service = hub.recordingService else { return }
        let summary = machine.summary
        let at = now
        do {
            let started = try service.startRecording(session: summary, at: at)
            recording = started
            // Called on the recording's own queue with its lock released; the room is told on the session's lane.
            started.onTrouble { [weak self, weak hub] trouble in
                // A recording may report after its engine is gone (a test that ended); nobody is left to tell.
                guard let self, hub != nil else { return }
                self.async { self.recordingTrouble(trouble) }
            }
            try started.append(.summary(summary), at: at)
            if let scene = machine.scene { try started.append(.scene(scene), at: at) }
        } catch {
            logger.error("session \(id): recording could not start: \(error)")
            broadcast(.error(ErrorReply(code: .internalError, message: "recording could not start: \(error)")))
        }
    }

    func finishRecording(reason: String) {
        guard let finishing = recording else { return }
        recording = nil
        do { try finishing.finish(at: now, reason: reason) } catch {
            // The recording keeps retrying its ending on its own (it is held by its service).
            logger.error("session \(id): recording could not be finished yet: \(error)")
            broadcast(.error(ErrorReply(code: .internalError, message: "recording could not be finished yet (retrying): \(error)")))
        }
    }

    func record(_ message: WireMessage) {
        guard let recorder = recording else { return }
        let at = now
        do { try recorder.append(message, at: at) } catch {
            // A recording rides out a full disk itself and says so through its trouble
            // handler; one that still refuses an event is closed or broken. The session
            // goes on unrecorded, the recording gets an ending that says why, and the agent is told.
            recording = nil
            logger.error("session \(id): recording stopped: \(error)")
            do { try recorder.finish(at: at, reason: "recording stopped: \(error)") } catch {
                logger.error("session \(id): recording could not be finished: \(error)")
            }
            let item = ActivityItem(at: at, kind: .warning, actor: "engine", text: "Recording stopped: \(error)")
            hub.writer.enqueue(.activity(sessionId: id, item))
            // No longer recorded, so these do not come back here.
            broadcast(.activity(item))
            broadcast(.error(ErrorReply(code: .internalError, message: "recording stopped: \(error)")))
        }
    }

    private func recordingTrouble(_ trouble: RecordingTrouble) {
        if trouble.isWarning {
            logger.warning("session \(id): \(trouble.message)")
        } else {
            logger.notice("session \(id): \(trouble.message)")
        }
        let item = ActivityItem(at: now, kind: trouble.isWarning ? .warning : .info, actor: "engine", text: trouble.message)
        // Likely the same full disk: the row waits for the store, the consoles hear it now.
        hub.writer.enqueue(.activity(sessionId: id, item))
        broadcast(.activity(item))
        if case .resumed = trouble {} else {
            broadcast(.error(ErrorReply(code: .internalError, message: trouble.message)))
        }
    }
}
