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

/// A full page that changed a little goes to the consoles as a delta: the
/// delta must turn the consoles' scene into exactly the new page.
final class SceneDiffTests: XCTestCase {
    func testTheDeltaBetweenTwoPagesTurnsOneIntoTheOther() throws {
        var rng = SystemRandomNumberGenerator()
        var said = 0, whole = 0
        for round in 0 ..< 800 {
            let old = Self.page(rows: 40, version: 10, rng: &rng)
            var new = old
            new.version = 11 + Int.random(in: 0 ..< 3, using: &rng)
            for _ in 0 ..< Int.random(in: 0 ... 4, using: &rng) {
                let i = Int.random(in: 0 ..< new.nodes.count, using: &rng)
                switch Int.random(in: 0 ..< 6, using: &rng) {
                case 0: new.nodes.remove(at: i)
                case 1: new.nodes.append(.text("new\(round)-\(i)", Rect(x: 1, y: 1, width: 5, height: 5), "added", color: .black))
                case 2: new.nodes.swapAt(i, (i + 1) % new.nodes.count)
                case 3: new.pointer = Bool.random(using: &rng) ? nil : Point(x: 3, y: 4)
                case 4: new.title = "Title \(i)"
                default: new.nodes[i].text = "changed \(i)"
                }
            }
            if Int.random(in: 0 ..< 10, using: &rng) == 0 { new.nodes = (0 ..< 40).map { .text("n\($0)", Rect(x: 0, y: 0, width: 1, height: 1), "all new", color: .black) } }
            guard let d = old.delta(to: new) else { whole += 1; continue }
            said += 1
            XCTAssertEqual(try old.applying(d), new, "round \(round)")
            XCTAssertLessThanOrEqual(d.upserts.count + d.removed.count, new.nodes.count / 2)
        }
        XCTAssertGreaterThan(said, 400)
        XCTAssertGreaterThan(whole, 50, "moved nodes, a lost pointer and a new page go whole")
    }

    static func page(rows: Int, version: Int, rng: inout SystemRandomNumberGenerator) -> Scene {
        Scene(version: version, viewport: Size(width: 1280, height: 800), url: "https://x.test/", title: "t",
              nodes: (0 ..< rows).map { .text("n\($0)", Rect(x: 0, y: Double($0), width: 10, height: 10), "row \($0)", color: .black) },
              pointer: Point(x: 1, y: 2))
    }
}

extension SessionMachineTests {
    func testAPageThatChangedALittleReachesTheConsolesAsADelta() throws {
        let page = Scene(version: 1, viewport: Size(width: 1280, height: 800), url: "https://app.test/orders", title: "Orders",
                         nodes: (0 ..< 30).map { .text("n\($0)", Rect(x: 0, y: Double($0) * 20, width: 200, height: 16), "Order \($0)", color: .black) },
                         pointer: Point(x: 1, y: 1))
        var m = active()
        _ = m.handle(.scene(page), now: at(15))
        var next = page
        next.version = 2
        next.nodes[4].text = "Order 4 · shipped"
        let out = m.handle(.scene(next), now: at(20))
        let relayed = out.compactMap { effect -> WireMessage? in if case let .toConsoles(msg) = effect { msg } else { nil } }
        XCTAssertEqual(relayed, [.sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: [next.nodes[4]]))])
        XCTAssertEqual(m.scene, next)
    }

}
