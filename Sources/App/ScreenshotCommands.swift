import ArgumentParser
import Engine
import Foundation
import TerminalUI

/// Screenshots the customer allowed, sealed with their session. Listing shows
/// no content; showing one decrypts it for the session's agent or a manager,
/// draws it as text in the terminal and is audited with the reason.
struct Screenshots: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Screenshots customers allowed: list a session's, show one (decrypted for its agent or a manager; audited).",
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A session's screenshots (ids and times; no content, no audit).")
        @Option(help: "The session.") var session: String
        @OptionGroup var data: DataOptions
        func run() throws {
            let shots = try data.openExistingStore().screenshots(sessionId: session)
            if shots.isEmpty { print("no screenshots in \(session): the agent asks with `s` in the console, the customer allows"); return }
            print(pad("ID", 23) + pad("TAKEN", 21) + "ASKED BY")
            for s in shots { print(pad(s.id, 23) + pad(stamp(s.takenAt), 21) + s.requestedBy) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt one screenshot and draw it as text (masked fields stay masked).")
        @Argument(help: "The screenshot id (SHOT-…).") var id: String
        @Option(help: "The session it belongs to.") var session: String
        @Option(help: "Why you open it (required, audited).") var reason: String
        @Option(help: ArgumentHelp("Size to draw at.", valueName: "COLSxROWS")) var size: String = "100x30"
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason is required: openings are audited") }
            _ = try parseCellSize(size)
        }

        func run() throws {
            let store = try data.openStore()
            let agent = try store.agent(uid: Int(getuid()))
            let actor = agent?.name ?? "uid \(getuid())"
            guard let summary = try store.session(id: session), let shot = try store.screenshots(sessionId: session).first(where: { $0.id == id }) else {
                throw Failure("no screenshot \(id) in session \(session)")
            }
            guard let agent, agent.name == summary.agentName || agent.level == .manager else {
                try store.appendAudit(at: Date(), actor: actor, action: "screenshot.refused", sessionId: session, detail: "id=\(id)")
                throw Failure("\(actor) may not open screenshots of \(summary.agentName)'s session; the session's agent and managers may")
            }
            let vault = ScreenshotVault(dataDirectory: data.dataDirectory, keySource: FileKeySource(dataDirectory: data.dataDirectory), store: store)
            let opened: (header: ScreenshotVault.Header, scene: Scene)
            do { opened = try vault.open(shot) } catch { throw Failure("\(error)") }
            try store.appendAudit(at: Date(), actor: actor, action: "screenshot.opened", sessionId: session, detail: "id=\(id) reason=\(reason)")
            let (cols, rows) = try parseCellSize(size)
            let grid = GridSize(columns: cols, rows: rows)
            var view = Layer(.view, width: grid.columns, height: grid.rows)
            var masks = Layer(.masks, width: grid.columns, height: grid.rows)
            var marks = Layer(.annotations, width: grid.columns, height: grid.rows)
            SceneView(theme: .monochromeTheme).render(opened.scene, area: CellRect(x: 0, y: 0, width: grid.columns, height: grid.rows),
                                                      view: &view, masks: &masks, annotations: &marks, agentCursor: nil)
            print("\(shot.id) · \(opened.scene.title) · \(opened.scene.url) · asked by \(shot.requestedBy) · \(stamp(shot.takenAt))")
            print(Compositor().compose([view, masks], width: grid.columns, height: grid.rows).text)
        }
    }
}
