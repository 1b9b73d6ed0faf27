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
        struct Case: Decodable { var id: String; var text: String; var parts: [String]?; var hidden: [String] }
        var cases: [Case]
    }

    func testTheSDKHidesWhatTheCorpusSaysAndNothingElse() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Privacy/redaction-corpus.json")
        let corpus = try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: file))

        // A case in parts is written as the page would split it: each part an inline element of its own, side by side.
        let paragraphs = corpus.cases.map { (c: Corpus.Case) -> String in
            let inline = (c.parts ?? []).enumerated().map { (i: Int, part: String) -> String in
                let tag = i % 2 == 0 ? "span" : "b"
                return "<\(tag)>\(CustomerPages.escape(part))</\(tag)>"
            }
            return "<p>\(c.id): \(c.parts == nil ? CustomerPages.escape(c.text) : inline.joined())</p>"
        }.joined(separator: "\n")
        let capture = try captured(page: paragraphs, cases: corpus.cases.count)
        let sent = capture.cases
        XCTAssertEqual(Set(sent.keys), Set(corpus.cases.map(\.id)), "every case was captured")
        for c in corpus.cases {
            guard let text = sent[c.id] else { continue }
            if c.hidden.isEmpty { XCTAssertEqual(text, c.text, "\(c.id): nothing is private here") }
            for secret in c.hidden { XCTAssertFalse(text.contains(secret), "\(c.id): the SDK sent \(secret) as \(text)") }
            if !c.hidden.isEmpty { XCTAssertFalse(containsCardNumber(text), "\(c.id): \(text)") }
            // A case in parts went as a run a part: the number is hidden in every run, not one digit of it left (the cases' digits are all secret).
            if c.parts != nil, !c.hidden.isEmpty {
                let runs = capture.runs[c.id] ?? []
                XCTAssertGreaterThanOrEqual(runs.count, c.parts?.count ?? 0, "\(c.id): each part is a run of its own: \(runs)")
                for run in runs { XCTAssertFalse(run.contains { $0.isNumber }, "\(c.id): the run \(run) keeps digits of \(c.hidden)") }
            }
        }
    }

    /// A tenant that is private by default: only what is revealed goes as text; block > mask > reveal.
    func testPrivateByDefaultSendsOnlyWhatIsRevealedAndBlockedPartsNotAtAll() throws {
        let page = """
            <h1 data-cobrowse-reveal>Account overview</h1>
            <p>Quarterly revenue 48200 dollars</p>
            <div data-cobrowse-reveal><p>Plan: Team with 14 seats</p><p data-cobrowse-mask>Internal note: churn risk</p></div>
            <section data-cobrowse-block style="background:#fee;border:1px solid red"><p data-cobrowse-reveal>Blocked though revealed</p></section>
            <p class="open">Selector revealed line</p>
            <div class="vault">Vault contents here</div>
            <label for="company">Company</label><input id="company" class="open" value="Northwind Traders">
            <label for="nick">Nickname</label><input id="nick" value="Secret nickname">
            """
        let sent = try captured(page: page, cases: 0,
                                script: #"data-cobrowse-privacy="private-by-default" data-cobrowse-reveal=".open" data-cobrowse-block=".vault""#)
        let all = sent.texts.joined(separator: " | ")
        for shown in ["Account overview", "Plan: Team with 14 seats", "Selector revealed line", "Northwind Traders"] {
            XCTAssertTrue(sent.texts.contains(shown), "\(shown) is revealed: \(all)")
        }
        for hidden in ["Quarterly", "48200", "churn", "Blocked", "Vault", "Secret nickname", "Nickname"] {
            XCTAssertFalse(all.contains(hidden), "\(hidden) is not revealed: \(all)")
        }
        XCTAssertTrue(sent.texts.contains { $0.hasPrefix("\u{2022}") }, "unrevealed text goes as bullets of its length: \(all)")
        XCTAssertTrue(sent.labels.contains("marked private"), "the masked note is a labelled box: \(sent.labels)")
    }

    /// An open shadow root is captured like the page, masked like the page; the light children its slot takes come too.
    func testOpenShadowRootsAreCapturedAndMasked() throws {
        let page = """
            <acct-card><span>Slotted plain words</span></acct-card>
            <script>
            customElements.define('acct-card', class extends HTMLElement {
              constructor() { super(); const r = this.attachShadow({ mode: 'open' }); const p = document.createElement('p');
                p.textContent = 'Shadow card 4111 1111 1111 1111 on file'; r.append(p, document.createElement('slot')); }
            });
            </script>
            """
        let sent = try captured(page: page, cases: 0)
        let all = sent.texts.joined(separator: " | ")
        XCTAssertTrue(sent.texts.contains { $0.hasPrefix("Shadow card ") && $0.hasSuffix(" on file") }, "the shadow root's text: \(all)")
        XCTAssertTrue(sent.texts.contains("Slotted plain words"), all)
        XCTAssertFalse(all.contains("4111"), "the card number in the shadow root is masked: \(all)")
    }

    /// A same-origin frame is part of the page: its text goes, masked by the same rules; its password and card never leave the page.
    func testASameOriginFrameIsCapturedAndMaskedLikeThePage() throws {
        let frame = """
            <!doctype html><html><body style="font:12px sans-serif">
            <p>Billing frame greeting</p><p>Card on file 4111 1111 1111 1111 expires soon</p>
            <label for="pw">Password</label> <input id="pw" type="password" value="hunter2-secret">
            <label for="cc">Card number</label> <input id="cc" value="4111111111111111">
            </body></html>
            """
        let sent = try captured(page: #"<p>Page words</p><iframe src="frame.html" width="400" height="140"></iframe>"#, cases: 0,
                                files: ["frame.html": frame], waitingFor: "Billing frame greeting")
        let all = sent.texts.joined(separator: " | ")
        XCTAssertTrue(sent.texts.contains("Page words") && sent.texts.contains("Billing frame greeting"), all)
        XCTAssertTrue(sent.texts.contains { $0.hasPrefix("Card on file \u{2022}") }, all)
        XCTAssertTrue(sent.labels.contains("password") && sent.labels.contains("payment field"), "\(sent.labels)")
        XCTAssertTrue(sent.raw.contains("Billing frame greeting"), "the raw frames are the ones read")
        XCTAssertFalse(sent.raw.contains("4111") || sent.raw.contains("hunter2"), "the frame's secrets reached the socket: \(all)")
    }
}

/// A tenant's page on a site of its own, consented to in Chromium, and what its SDK sent.
extension BrowserTestCase {
    struct Sent: Decodable { var cases: [String: String]; var runs: [String: [String]]; var texts: [String]; var labels: [String]; var raw: String }

    /// Serves `page` on a site of its own (another origin, plain HTTP) with the SDK's script tag
    /// (and `script`'s attributes), consents in Chromium, and returns what the SDK sent.
    func captured(page body: String, cases: Int, script: String = "", files: [String: String] = [:], waitingFor: String = "") throws -> Sent {
        let site = try tenantSite(page: body, script: script, files: files)
        let invited = try fixture.run(["invite", "--ticket", "T-7", "--url", site.url, "--socket", fixture.socket])
        let link = try XCTUnwrap(invited.stdout.split(separator: "\n").last.map(String.init), invited.stderr)
        return try consentAndCapture(link, into: site.dir, cases: cases, waitingFor: waitingFor)
    }

    /// The page, written to a folder of its own and served by Tests/Browser/static_server.py.
    func tenantSite(page body: String, script: String = "", files: [String: String] = [:]) throws -> (dir: String, url: String) {
        let site = fixture.dir + "/site-\(browsers.count)"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try """
            <!doctype html><html><head><meta charset="utf-8"><title>Tenant page</title>
            <style>body{font:12px sans-serif;white-space:nowrap;margin:8px} p{margin:2px 0}</style></head><body>
            \(body)
            <script src="https://127.0.0.1:\(fixture.port)/cobrowse.js" \(script)></script>
            </body></html>
            """.write(toFile: site + "/page.html", atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(toFile: site + "/" + name, atomically: true, encoding: .utf8) }
        let server = try startBrowser(Self.browserScript("static_server"), [site])
        let port = try XCTUnwrap(Int(try server.waitForLine(timeout: 20, "\n").split(separator: "\n")[0]))
        return (site, "http://127.0.0.1:\(port)/page.html")
    }

    /// Consents on `link` in Chromium (Tests/Browser/corpus.py) and reads back what the page sent.
    func consentAndCapture(_ link: String, into site: String, cases: Int, waitingFor: String = "") throws -> Sent {
        let out = site + "/sent.json"
        let browser = try startBrowser(Self.browserScript("corpus"), [link, out, String(cases)] + (waitingFor.isEmpty ? [] : [waitingFor]))
        let log = try browser.waitForExit(timeout: 90)
        XCTAssertEqual(browser.status, 0, log)
        return try JSONDecoder().decode(Sent.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
    }
}
