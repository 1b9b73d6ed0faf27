import Foundation
import XCTest
@testable import Engine

/// The shared privacy corpus (Tests/Privacy/redaction-corpus.json) through the
/// engine's redactor; PrivacyCorpusBrowserTests runs the same cases through
/// the SDK in Chromium, so the two must give the same answer.
final class RedactionCorpusTests: XCTestCase {
    struct Corpus: Decodable {
        struct Case: Decodable { var id: String; var text: String; var hidden: [String] }
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
            let out = redactor.redact(text: c.text).value
            if c.hidden.isEmpty {
                XCTAssertEqual(out, c.text, "\(c.id): nothing is private here")
            }
            for secret in c.hidden {
                XCTAssertFalse(out.contains(secret), "\(c.id): \(secret) survived as \(out)")
                let digits = secret.filter(\.isNumber)
                if digits.count >= 9 { XCTAssertFalse(out.filter(\.isNumber).contains(digits), "\(c.id): its digits survived in \(out)") }
            }
        }
    }
}
