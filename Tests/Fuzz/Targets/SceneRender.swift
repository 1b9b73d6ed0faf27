import Engine
import Foundation
import TerminalUI

/// Any scene the engine's validation passes must draw, at any terminal size.
/// Input: columns (2 bytes, big-endian, mod 401), rows (2 bytes, mod 151),
/// a flags byte (bit 0 monochrome theme, bit 1 half-block images), then a
/// scene JSON and NUL-separated JSONs of deltas, annotations and agent
/// pointers (or bytes `StructuredScenes` turns into those). The scene is
/// drawn by `SceneView` straight into the whole size (the agent's cursor on
/// the customer's pointer, the marks and pointers on top), and by
/// `ConsoleView` as the workstation after a snapshot with the scene, each
/// valid delta, the marks and the pointers.
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

        // The parts after the scene: deltas, and the marks and pointers the engine relays (validated as it validates them).
        var deltas = [SceneDelta](), marks = [Annotation](), pointers = [AgentPointer]()
        for piece in pieces.dropFirst() {
            if let d = try? decoder.decode(SceneDelta.self, from: Data(piece)) {
                if passesValidation(d.upserts, d.validate) { deltas.append(d) }
            } else if let a = try? decoder.decode(Annotation.self, from: Data(piece)) {
                if relayed("annotate", #"{"op":"add","annotation":"#, piece), marks.count < Annotation.maxPerSession { marks.append(a) }
            } else if let p = try? decoder.decode(AgentPointer.self, from: Data(piece)), relayed("agent-pointer", "", piece) {
                pointers.append(AgentPointer(at: p.at, author: pointers.count % 2 == 0 ? "Dana W." : "Viewer \(pointers.count)"))
            }
        }

        let view = SceneView(theme: theme, symbols: symbols)
        let area = CellRect(x: 0, y: 0, width: columns, height: rows)
        var page = Layer(.view, width: columns, height: rows)
        var masks = Layer(.masks, width: columns, height: rows)
        var annotations = Layer(.annotations, width: columns, height: rows)
        let overlay = SceneOverlay(annotations: marks, pointers: pointers.compactMap { p in p.at.map { .init(author: p.author ?? "", at: $0) } })
        view.render(scene, area: area, view: &page, masks: &masks, annotations: &annotations, agentCursor: scene.pointer, overlay: overlay)

        var model = ConsoleModel(options: ConsoleOptions(sessionID: "S-fuzz", symbols: symbols))
        model.handle(.snapshot(SessionSnapshot(summary: summary, scene: scene, activity: [], notes: [])))
        for d in deltas { model.handle(.sceneDelta(d)) }
        model.handle(.annotations(AnnotationSet(items: marks)))
        for p in pointers { model.handle(.agentPointer(p)) }
        _ = ConsoleView(theme: theme).frame(model, size: GridSize(columns: columns, rows: rows), now: when.addingTimeInterval(90))
    }

    /// Whether the engine takes this body in a `type` frame (the codec validates what it decodes).
    static func relayed(_ type: String, _ prefix: String, _ body: ArraySlice<UInt8>) -> Bool {
        let frame = Array(#"{"v":1,"type":""#.utf8) + Array(type.utf8) + Array(#"","body":"#.utf8) + Array(prefix.utf8) + body
            + Array((prefix.isEmpty ? "}" : "}}").utf8)
        return (try? WireCodec.decode(frame)) != nil
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
