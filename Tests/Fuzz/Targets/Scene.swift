import Engine
import Foundation

/// A scene JSON, then NUL-separated scene-delta JSONs (or bytes that
/// `StructuredScenes` turns into those), as the engine takes them from a customer: each is validated; a valid scene is redacted, and
/// each valid delta is redacted and applied to it, as `SessionMachine` does.
/// What the engine relays to consoles must pass the consoles' own validation.
public enum SceneTarget {
    static let redactor = Redactor()

    public static func run(_ input: [UInt8]) {
        if StructuredScenes.isJSON(input[...]) {
            runJSON(input[...])
        } else if let json = StructuredScenes.json(from: input[...]) {
            runJSON(json[...])
        }
    }

    static func runJSON(_ input: ArraySlice<UInt8>) {
        let pieces = parts(input)
        let decoder = JSONDecoder()
        let deltas = pieces.dropFirst().compactMap { piece -> SceneDelta? in
            guard let d = try? decoder.decode(SceneDelta.self, from: Data(piece)), (try? d.validate()) != nil else { return nil }
            let relayed = redactor.redact(delta: d).value
            mustValidate("a redacted delta") { try relayed.validate() }
            return relayed
        }
        guard let first = pieces.first, let scene = try? decoder.decode(Scene.self, from: Data(first)),
              (try? scene.validate()) != nil
        else { return }
        var current = redactor.redact(scene: scene).value
        mustValidate("a redacted scene") { try current.validate() }
        // A session's redactor remembers what it made of each node: whatever comes,
        // what it remembers must be what a fresh redaction makes.
        let memo = RedactionMemo()
        mustAgree("the first scene") { redactor.redact(scene: scene, memo: memo) == redactor.redact(scene: scene) }
        for (d, raw) in zip(deltas, rawDeltas(pieces.dropFirst(), decoder)) {
            mustAgree("a delta") { redactor.redact(delta: raw, memo: memo) == redactor.redact(delta: raw) }
            guard let next = try? current.applying(d) else { continue }
            current = redactor.redact(scene: next).value
        }
        mustAgree("the scene sent again") { redactor.redact(scene: scene, memo: memo) == redactor.redact(scene: scene) }
    }

    /// The valid deltas as the customer sent them, before redaction.
    static func rawDeltas(_ pieces: ArraySlice<ArraySlice<UInt8>>, _ decoder: JSONDecoder) -> [SceneDelta] {
        pieces.compactMap { piece in
            guard let d = try? decoder.decode(SceneDelta.self, from: Data(piece)), (try? d.validate()) != nil else { return nil }
            return d
        }
    }

    static func mustAgree(_ what: String, _ same: () -> Bool) {
        if !same() { fatalError("the redaction memo disagrees with a fresh redaction on \(what)") }
    }

    static func mustValidate(_ what: String, _ check: () throws -> Void) {
        do { try check() } catch { fatalError("\(what) of a valid one is refused by the consoles' validation: \(error)") }
    }
}
