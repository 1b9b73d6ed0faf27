import Foundation
import XCTest
@testable import Engine

/// The shared privacy corpus (Tests/Privacy/redaction-corpus.json) through the
/// engine's redactor; PrivacyCorpusBrowserTests runs the same cases through
/// the SDK in Chromium, so the two must give the same answer.
final class RedactionCorpusTests: XCTestCase {
    struct Corpus: Decodable {
        struct Case: Decodable { var id: String; var text: String; var parts: [String]?; var hidden: [String] }
        var cases: [Case]
    }

    static func corpus() throws -> Corpus {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Privacy/redaction-corpus.json")
        return try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: url))
    }

    func testTheEngineHidesWhatTheCorpusSaysAndNothingElse() throws {
        let redactor = Redactor()
        let corpus = try Self.corpus()
        XCTAssertGreaterThan(corpus.cases.count, 20)
        for c in corpus.cases {
            if let parts = c.parts {
                XCTAssertEqual(parts.joined(), c.text, "\(c.id): the parts are the text, split")
                check(c, redactor.redact(scene: Self.line(parts)).value.nodes.compactMap(\.text).joined())
            } else {
                check(c, redactor.redact(text: c.text).value)
            }
        }
    }

    /// A split secret that arrives in two steps (the page adds the second run
    /// later) is hidden when the second run comes, in the delta the consoles get.
    func testASecretCompletedByADeltaIsHiddenInThatDelta() throws {
        let redactor = Redactor(), memo = RedactionMemo()
        for c in try Self.corpus().cases {
            guard let parts = c.parts else { continue }
            let whole = Self.line(parts)
            var first = whole
            first.nodes = [whole.nodes[0]]
            let shown = redactor.redact(scene: first, memo: memo).value
            let delta = SceneDelta(baseVersion: 1, version: 2, upserts: Array(whole.nodes.dropFirst()))
            let now = try shown.applying(redactor.redact(delta: delta, memo: memo).value)
            check(c, now.nodes.compactMap(\.text).joined())
        }
    }

    /// Runs that are far apart, or on other lines, are not one text: nothing is hidden that no line holds.
    func testRunsApartAreNotJoined() {
        var scene = Self.line(["4111 1111 ", "1111 1111"])
        scene.nodes[1].rect.x += 200
        XCTAssertEqual(Redactor().redact(scene: scene).value.nodes.compactMap(\.text), ["4111 1111 ", "1111 1111"])
        scene = Self.line(["4111 1111 ", "1111 1111"])
        scene.nodes[1].rect.y += 40
        XCTAssertEqual(Redactor().redact(scene: scene).value.nodes.compactMap(\.text), ["4111 1111 ", "1111 1111"])
    }

    /// A hostile page: as many runs as a scene may hold on one line, every
    /// run touching the next. It is scanned in bounded windows (the line is
    /// 80 000 characters; scanned whole per run it would never finish), and
    /// the split card in its middle is still found.
    func testAPageOfTouchingRunsIsScannedInWindows() {
        // Filler with a digit, so every run takes part; not next to the card, which the card rule would read as part of a longer number.
        let parts = (0 ..< SceneLimits.maxNodes).map { $0 == 9_000 ? "4111 1111 " : $0 == 9_001 ? "1111 1111" : "a1b " }
        let out = Redactor().redact(scene: Self.line(parts)).value.nodes.compactMap(\.text).joined()
        XCTAssertFalse(out.contains("1111"), "the split card in the middle of the line is hidden")
        XCTAssertTrue(out.hasPrefix("a1b a1b "))
    }

    func check(_ c: Corpus.Case, _ out: String) {
        if c.hidden.isEmpty {
            XCTAssertEqual(out, c.text, "\(c.id): nothing is private here")
        }
        for secret in c.hidden {
            XCTAssertFalse(out.contains(secret), "\(c.id): \(secret) survived as \(out)")
            let digits = secret.filter(\.isNumber)
            if digits.count >= 9 { XCTAssertFalse(out.filter(\.isNumber).contains(digits), "\(c.id): its digits survived in \(out)") }
        }
    }

    /// The parts as a page lays them out: inline runs of one line, each right after the last.
    static func line(_ parts: [String]) -> Scene {
        var x = 100.0
        let nodes = parts.enumerated().map { i, part in
            defer { x += Double(part.utf16.count) * 8 }
            return SceneNode.text("r\(i)", Rect(x: x, y: 100, width: Double(part.utf16.count) * 8, height: 20), part, color: RGB(0, 0, 0), z: 4)
        }
        return Scene(viewport: Size(width: 1280, height: 800), url: "https://shop.example/", title: "Order", nodes: nodes)
    }
}
