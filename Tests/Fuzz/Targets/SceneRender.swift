import Engine
import Foundation
import TerminalUI

/// Any scene the engine's validation passes must draw, at any terminal size.
/// Input: columns (2 bytes, big-endian, mod 401), rows (2 bytes, mod 151),
/// a flags byte (bit 0 monochrome theme, bit 1 half-block images), then a
/// scene JSON and NUL-separated delta JSONs (or bytes `StructuredScenes`
/// turns into those). The scene is drawn by
/// `SceneView` straight into the whole size (the agent's cursor on the
/// customer's pointer), and by `ConsoleView` as the workstation after a
/// snapshot with the scene and each valid delta.
public enum SceneRenderTarget {
    static let when = Date(timeIntervalSince1970: 1_767_225_600)

    public static func run(_ input: [UInt8]) {
        guard input.count > 5 else { return }
        let columns = (Int(input[0]) << 8 | Int(input[1])) % 401, rows = (Int(input[2]) << 8 | Int(input[3])) % 151
        let flags = input[4]
        let body = input.dropFirst(5)
        guard let json = StructuredScenes.isJSON(body) ? Array(body) : StructuredScenes.json(from: body) else { return }
        let pieces = parts(json[...])
        let decoder = JSONDecoder()
        guard let scene = try? decoder.decode(Scene.self, from: Data(pieces[0])), passesValidation(scene.nodes, scene.validate) else { return }
        let theme: Theme = flags & 1 == 0 ? .dark : .monochromeTheme
        let symbols: BlitSymbols = flags & 2 == 0 ? .braille : .half

        let view = SceneView(theme: theme, symbols: symbols)
        let area = CellRect(x: 0, y: 0, width: columns, height: rows)
        var page = Layer(.view, width: columns, height: rows)
        var masks = Layer(.masks, width: columns, height: rows)
        var annotations = Layer(.annotations, width: columns, height: rows)
        view.render(scene, area: area, view: &page, masks: &masks, annotations: &annotations, agentCursor: scene.pointer)

        var model = ConsoleModel(options: ConsoleOptions(sessionID: "S-fuzz", symbols: symbols))
        model.handle(.snapshot(SessionSnapshot(summary: summary, scene: scene, activity: [], notes: [])))
        for piece in pieces.dropFirst() {
            guard let d = try? decoder.decode(SceneDelta.self, from: Data(piece)), passesValidation(d.upserts, d.validate) else { continue }
            model.handle(.sceneDelta(d))
        }
        _ = ConsoleView(theme: theme).frame(model, size: GridSize(columns: columns, rows: rows), now: when.addingTimeInterval(90))
    }

    /// Whether validation lets it through. Validation's own traps are the
    /// `scene` target's to find: an image whose pixel count overflows `Int`
    /// traps in `SceneNode.validate`, so such an input counts as refused here
    /// and the fuzzer goes on to what happens after validation.
    static func passesValidation(_ nodes: [SceneNode], _ validate: () throws -> Void) -> Bool {
        for n in nodes {
            if let p = n.pixels, p.width.multipliedReportingOverflow(by: p.height).overflow { return false }
        }
        return (try? validate()) != nil
    }

    static let summary = SessionSummary(
        id: "S-fuzz", ticket: Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."), agentName: "Maria S.",
        status: .active, controlMode: .guided, access: .controlled, recording: true, createdAt: when, startedAt: when,
        deadline: when.addingTimeInterval(45 * 60), customerConnected: true, quality: .good, rttMs: 40, lossPercent: 0)
}
