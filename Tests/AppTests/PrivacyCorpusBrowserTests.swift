import Engine
import Foundation
import XCTest

/// The shared privacy corpus (Tests/Privacy/redaction-corpus.json) through
/// the SDK in headless Chromium: a page of the cases, on a site of its own
/// that includes cobrowse.js, is captured after consent, and what the page
/// itself put on the WebSocket (before the engine could redact anything) must
/// hide exactly what the corpus says; RedactionCorpusTests holds the engine to
/// the same answers.
final class PrivacyCorpusBrowserTests: BrowserTestCase {
    struct Corpus: Decodable {
        struct Case: Decodable { var id: String; var text: String; var hidden: [String] }
        var cases: [Case]
    }

    func testTheSDKHidesWhatTheCorpusSaysAndNothingElse() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Privacy/redaction-corpus.json")
        let corpus = try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: file))

        // The tenant's site: another origin, plain HTTP, one paragraph a case on one line each.
        let site = fixture.dir + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let paragraphs = corpus.cases.map { "<p>\($0.id): \(CustomerPages.escape($0.text))</p>" }.joined(separator: "\n")
        try """
            <!doctype html><html><head><meta charset="utf-8"><title>Corpus</title>
            <style>body{font:12px sans-serif;white-space:nowrap;margin:8px} p{margin:2px 0}</style></head><body>
            \(paragraphs)
            <script src="https://127.0.0.1:\(fixture.port)/cobrowse.js"></script>
            </body></html>
            """.write(toFile: site + "/corpus.html", atomically: true, encoding: .utf8)
        let server = try startBrowser(Self.browserScript("static_server"), [site])
        let port = try XCTUnwrap(Int(try server.waitForLine(timeout: 20, "\n").split(separator: "\n")[0]))

        let invited = try fixture.run(["invite", "--ticket", "T-7", "--url", "http://127.0.0.1:\(port)/corpus.html", "--socket", fixture.socket])
        let link = try XCTUnwrap(invited.stdout.split(separator: "\n").last.map(String.init), invited.stderr)
        let out = fixture.dir + "/sent.json"
        let browser = try startBrowser(Self.browserScript("corpus"), [link, out, String(corpus.cases.count)])
        let log = try browser.waitForExit(timeout: 90)
        XCTAssertEqual(browser.status, 0, log)
        let sent = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(Set(sent.keys), Set(corpus.cases.map(\.id)), "every case was captured:\n\(log)")
        for c in corpus.cases {
            guard let text = sent[c.id] else { continue }
            if c.hidden.isEmpty { XCTAssertEqual(text, c.text, "\(c.id): nothing is private here") }
            for secret in c.hidden { XCTAssertFalse(text.contains(secret), "\(c.id): the SDK sent \(secret) as \(text)") }
            if !c.hidden.isEmpty { XCTAssertFalse(containsCardNumber(text), "\(c.id): \(text)") }
        }
    }
}
