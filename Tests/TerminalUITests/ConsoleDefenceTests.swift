import Engine
import Foundation
import XCTest
@testable import TerminalUI

/// The console trusts no number it is sent, not even the engine's: whatever a
/// scene or a mark holds, drawing it never traps and never runs away.
final class ConsoleDefenceTests: XCTestCase {
    let extremes: [Double] = [1e300, -1e300, .infinity, -.infinity, .nan, Double(Int.max), -Double(Int.max), 1e18, 0, -0.0, 1e-300]

    func testTheProjectionTurnsAnyDoubleIntoACellWithinReach() {
        for (w, h) in [(1, 1), (80, 24), (400, 150)] {
            for viewport in [Size(width: 1e-300, height: 1e-300), Size(width: .nan, height: .infinity), Size(width: 800, height: 600)] {
                let p = SceneProjection(viewport: viewport, area: CellRect(x: 0, y: 0, width: w, height: h))
                for x in extremes {
                    for y in extremes {
                        let raw = p.rawCell(Point(x: x, y: y))
                        XCTAssertLessThanOrEqual(abs(raw.x), p.reach)
                        XCTAssertLessThanOrEqual(abs(raw.y), p.reach)
                        let c = p.cell(Point(x: x, y: y))
                        XCTAssertTrue((0 ..< w).contains(c.x) && (0 ..< h).contains(c.y))
                        let r = p.cells(Rect(x: x, y: y, width: abs(x), height: abs(y)))
                        XCTAssertGreaterThan(r.width, 0)
                        XCTAssertLessThanOrEqual(r.width, 2 * p.reach + 1)
                    }
                }
            }
        }
    }

    /// A scene no engine would pass on, drawn straight: still a picture, not a crash.
    func testAHostileSceneRendersWithoutTrappingAtAnySize() {
        var nodes: [SceneNode] = []
        for (i, v) in extremes.enumerated() {
            nodes.append(.box("b\(i)", Rect(x: v, y: -v, width: abs(v), height: abs(v)), background: RGB(10, 20, 30), border: .white))
            nodes.append(.text("t\(i)", Rect(x: v, y: v, width: 1e9, height: 1e9), "text \(i)", color: .black))
            nodes.append(.field("f\(i)", Rect(x: -v, y: v, width: 5, height: abs(v)), label: "Label", value: "v"))
            nodes.append(.mask("m\(i)", Rect(x: v, y: 0, width: abs(v), height: 50), reason: "card"))
            nodes.append(SceneNode(id: "i\(i)", kind: .image, rect: Rect(x: 0, y: v, width: 1e7, height: 1e7), z: Int.max,
                                   pixels: PixelBlock(width: 2, height: 1, rgb: Data([255, 0, 0, 0, 0, 255]))))
        }
        nodes.append(SceneNode(id: "lying", kind: .image, rect: Rect(x: 0, y: 0, width: 50, height: 50),
                               pixels: PixelBlock(width: 1_000, height: 1_000, rgb: Data([1, 2, 3]))))
        for viewport in [Size(width: 800, height: 600), Size(width: 1e-9, height: 1e300), Size(width: .nan, height: -5)] {
            for pointer in [Point(x: 1e300, y: -1e300), Point(x: .nan, y: .infinity)] {
                let scene = Scene(viewport: viewport, scroll: Point(x: 1e300, y: .nan), url: "u", title: "t", nodes: nodes, pointer: pointer)
                for (w, h) in [(1, 1), (2, 1), (80, 24), (200, 60)] {
                    let view = SceneView(theme: .dark)
                    var v = Layer(.view, width: w, height: h), m = Layer(.masks, width: w, height: h), a = Layer(.annotations, width: w, height: h)
                    view.render(scene, area: CellRect(x: 0, y: 0, width: w, height: h), view: &v, masks: &m, annotations: &a,
                                agentCursor: Point(x: -1e300, y: 1e300))
                    XCTAssertEqual(Compositor().compose([a, m, v], width: w, height: h).width, w)
                }
            }
        }
    }

    func testMarksAnchoredFarOffThePageAreClippedNotTraced() {
        var model = ConsoleModel()
        _ = model.handle(.welcome(Welcome(server: "engine", role: .agent, agent: Agent(name: "Maria S.", uid: 1, level: .l2))))
        _ = model.handle(.snapshot(Fixtures.snapshot()))
        let far = AnnotationAnchor(nodeId: nil, fx: nil, fy: nil, pageX: 999_999, pageY: -999_999)
        let near = AnnotationAnchor(nodeId: nil, fx: nil, fy: nil, pageX: 10, pageY: 10)
        let marks = AnnotationTool.allCases.enumerated().map { i, tool in
            Annotation(id: "a\(i)", tool: tool, at: i % 2 == 0 ? far : near, to: far, text: tool == .label ? "far away" : nil, author: "Maria S.")
        }
        _ = model.handle(.annotations(AnnotationSet(items: marks)))
        let started = Date()
        for (w, h) in [(80, 24), (400, 150)] {
            let grid = ConsoleView(theme: .dark).frame(model, size: GridSize(columns: w, rows: h), now: Date())
            XCTAssertEqual(grid.height, h)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "a mark far away is clipped, not drawn cell by cell to the horizon")
    }
}
