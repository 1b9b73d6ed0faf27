@testable import Engine
import XCTest

/// A delta is applied to the session's scene in place, measuring and
/// comparing only what it touches. It must do exactly what the protocol says
/// a delta does (removals, then upserts in order), refuse without changing
/// anything, and know whether the picture changed.
final class SceneDeltaTests: XCTestCase {
    func testApplyingInPlaceIsWhatTheProtocolSaysADeltaDoes() throws {
        var rng = SystemRandomNumberGenerator()
        var scene = Scene(viewport: Size(width: 1280, height: 800), url: "https://x.test/", title: "t",
                          nodes: (0 ..< 60).map { .text("n\($0)", Rect(x: 0, y: Double($0), width: 10, height: 10), "row \($0)", color: .black) })
        var bytes = scene.estimatedWireBytes
        for v in 1 ... 600 {
            let many = Int.random(in: 0 ..< 8, using: &rng) == 0
            let upserts = (0 ..< Int.random(in: 0 ... (many ? 40 : 4), using: &rng)).map { _ in
                SceneNode.text("n\(Int.random(in: 0 ..< 80, using: &rng))", Rect(x: 0, y: 0, width: 10, height: 10),
                               ["row", "changed", "x"][Int.random(in: 0 ..< 3, using: &rng)], color: .black)
            }
            let removed = Int.random(in: 0 ..< 5, using: &rng) == 0 ? ["n\(Int.random(in: 0 ..< 80, using: &rng))"] : []
            let d = SceneDelta(baseVersion: scene.version, version: scene.version + 1, upserts: upserts, removed: removed,
                               url: Int.random(in: 0 ..< 9, using: &rng) == 0 ? "https://x.test/\(v % 3)" : nil,
                               pointer: Bool.random(using: &rng) ? Point(x: Double(v % 4), y: 1) : nil)
            let expected = Self.reference(scene, d)
            let before = scene
            let applied = try scene.apply(d, bytes: bytes)
            bytes = applied.bytes
            XCTAssertEqual(scene, expected, "delta \(v)")
            XCTAssertEqual(bytes, scene.estimatedWireBytes, "delta \(v)")
            var unmoved = scene
            unmoved.version = before.version
            XCTAssertEqual(applied.changedPicture, unmoved != before, "delta \(v)")
        }
    }

    func testARefusedDeltaLeavesTheSceneAsItWas() throws {
        var scene = Scene(viewport: Size(width: 1280, height: 800), url: "https://x.test/", title: "t",
                          nodes: [.text("a", Rect(x: 0, y: 0, width: 10, height: 10), "a", color: .black)])
        let before = scene
        let huge = String(repeating: "x", count: SceneLimits.maxTextLength)
        let tooMuch = SceneDelta(baseVersion: 1, version: 2, upserts: (0 ..< 120).map {
            .text("big\($0)", Rect(x: 0, y: 0, width: 10, height: 10), huge, color: .black)
        }, pointer: Point(x: 5, y: 5))
        XCTAssertThrowsError(try scene.apply(tooMuch, bytes: scene.estimatedWireBytes))
        XCTAssertEqual(scene, before)
        XCTAssertThrowsError(try scene.apply(SceneDelta(baseVersion: 7, version: 8), bytes: nil))
        XCTAssertEqual(scene, before)
        let moved = try scene.apply(SceneDelta(baseVersion: 1, version: 2), bytes: nil)
        XCTAssertFalse(moved.changedPicture, "a delta that only moves the version is not the customer doing anything")
        XCTAssertEqual(scene.version, 2)
    }

    /// The protocol's words, done the slow way.
    static func reference(_ scene: Scene, _ d: SceneDelta) -> Scene {
        var s = scene
        s.version = d.version
        if let v = d.viewport { s.viewport = v }
        if let p = d.scroll { s.scroll = p }
        if let u = d.url { s.url = u }
        if let t = d.title { s.title = t }
        if let p = d.pointer { s.pointer = p }
        s.nodes.removeAll { d.removed.contains($0.id) }
        for n in d.upserts {
            if let i = s.nodes.firstIndex(where: { $0.id == n.id }) { s.nodes[i] = n } else { s.nodes.append(n) }
        }
        return s
    }
}
