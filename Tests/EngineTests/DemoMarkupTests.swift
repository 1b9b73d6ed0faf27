import Foundation
import XCTest
@testable import Engine

/// The reader of the demo's markup: tags, attributes, text and references as
/// a browser reads them, and an answer in bounded time for any input at all.
final class DemoMarkupTests: XCTestCase {
    func tag(_ name: String, _ attributes: [String: String] = [:], selfClosing: Bool = false) -> DemoMarkup.Token {
        .start(DemoMarkup.Tag(name: name, attributes: attributes, selfClosing: selfClosing))
    }

    func testTagsAttributesTextAndReferences() {
        let tokens = DemoMarkup.tokens(#"<!doctype html><!-- a <b>comment</b> --><P Class="on" data-x='1 > 0' hidden id=cvc>Fish &amp; chips &lt;b&gt; &#27;[2J &#x41;&#8212;<br/></p>"#)
        XCTAssertEqual(tokens, [
            tag("p", ["class": "on", "data-x": "1 > 0", "hidden": "", "id": "cvc"]),
            .text("Fish & chips <b> \u{1b}[2J A—"),
            tag("br", selfClosing: true),
            .end("p"),
        ])
    }

    func testScriptIsTextAndTitleDecodesReferences() {
        XCTAssertEqual(DemoMarkup.tokens("<script>if (a <b) x = '</p>'</script><title>A &amp; B</title>"), [
            tag("script"), .text("if (a <b) x = '</p>'"), .end("script"), tag("title"), .text("A & B"), .end("title"),
        ])
    }

    func testReferencesItDoesNotKnowStayAsWritten() {
        XCTAssertEqual(DemoMarkup.decodeReferences("a & b &bogus; &#; &#x; &amp"), "a & b &bogus; &#; &#x; &amp")
        // NUL, surrogates and numbers past Unicode are the replacement character, as in a browser; a huge number cannot overflow.
        XCTAssertEqual(DemoMarkup.decodeReferences("&#0;&#55296;&#x110000;&#99999999999999999999999;&#x41"), "\u{fffd}\u{fffd}\u{fffd}\u{fffd}A")
    }

    func testTheTreeClosesWhatTheMarkupLeavesOpenAndIgnoresStrayEndTags() {
        let doc = DemoElement.document("<main><p>one<b>two</p></span><p>three")
        let main = doc.first("main")
        XCTAssertEqual(main?.all("p").map(\.text), ["onetwo", "three"])
        XCTAssertEqual(doc.first("b")?.text, "two")
        XCTAssertEqual(DemoElement.document("<ul><li>a<li>b</ul>").all("li").count, 2)
    }

    /// Hostile and truncated markup: each input ends in time, and the whole site reader (tree and layout) gives a valid scene or none.
    func testHostileMarkupNeverCrashesNorHangs() throws {
        let megabyte = 1 << 20
        var inputs: [(String, String)] = [
            ("an unterminated tag of 1 MB", "<a href=\"" + String(repeating: "x", count: megabyte)),
            ("an unterminated attribute list of 1 MB", "<input " + String(repeating: "a=b ", count: megabyte / 4)),
            ("an unterminated comment of 1 MB", "<!--" + String(repeating: "-", count: megabyte)),
            ("an unterminated script of 1 MB", "<script>" + String(repeating: "<", count: megabyte)),
            ("10,000 nested divs", String(repeating: "<div>", count: 10_000) + "deep" + String(repeating: "</div>", count: 10_000)),
            ("10,000 nested, never closed", String(repeating: "<main><span>", count: 10_000)),
            ("10,000 stray end tags", String(repeating: "</p>", count: 10_000)),
            ("references of every bad kind", String(repeating: "&#;&#x;&#xFFFFFFFFFFFFFFFFFFFF;&#55296;&&&;&#0;&lt", count: 5_000)),
            ("lone angle brackets", String(repeating: "< <> </ </> <! <? <a/ <a =x '\" ", count: 5_000)),
            ("binary", String(decoding: (0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }, as: UTF8.self)),
        ]
        // Every demo page cut short at many points.
        for page in DemoSite.Page.allCases {
            let html = try XCTUnwrap(WebAssets.text("demo/\(page).html"))
            for cut in stride(from: 0, to: html.count, by: 37) { inputs.append(("\(page) cut at \(cut)", String(html.prefix(cut)))) }
        }
        let style = DemoStyle(css: WebAssets.text("demo/demo.css") ?? "")
        for (what, input) in inputs {
            let start = Date()
            let document = DemoElement.document(input)
            var layout = DemoLayout(style: style, viewport: DemoSite.viewport, linkName: { "nav-" + $0 }, picture: { _ in nil })
            let nodes = layout.page(document)
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, what)
            XCTAssertTrue(Set(nodes.map(\.id)).count == nodes.count, "\(what): ids are unique")
            for n in nodes where n.text.map({ $0.utf8.count <= SceneLimits.maxTextLength }) ?? true { XCTAssertNoThrow(try n.validate(), what) }
        }
        let deep = DemoElement.document(String(repeating: "<div>", count: 10_000) + "deep")
        var depth = 0, e = deep
        while let child = e.first("div") { depth += 1; e = child }
        XCTAssertLessThanOrEqual(depth, DemoElement.maxDepth + 2, "nesting stops deepening at the bound")
        XCTAssertEqual(deep.text, "deep", "the content past the bound is kept")
    }

    func testTheStylesheetReaderTakesColoursAndSizes() {
        let css = DemoStyle(css: "/* x */ header{height:56px;background:#151b2b;color:#fff} nav a.on, .x {background:#e8eefc} td{border:1px solid #dde1ea} main{padding:20px 32px} broken{color:#12 } {}}}")
        XCTAssertEqual(css.pixels("header", "height"), 56)
        XCTAssertEqual(css.colour("header", "background"), RGB(0x15, 0x1b, 0x2b))
        XCTAssertEqual(css.colour("header", "color"), .white)
        XCTAssertEqual(css.colour("nav a.on", "background"), RGB(0xe8, 0xee, 0xfc))
        XCTAssertEqual(css.colour(".x", "background"), RGB(0xe8, 0xee, 0xfc))
        XCTAssertEqual(css.colour("td", "border"), RGB(0xdd, 0xe1, 0xea))
        XCTAssertEqual(css.lengths("main", "padding"), [20, 32])
        XCTAssertNil(css.colour("broken", "color"))
        XCTAssertNil(css.colour("absent", "color"))
    }

    func testTheLogoIsDrawnFromItsFile() throws {
        let svg = try XCTUnwrap(WebAssets.text("demo/logo.svg"))
        let logo = try XCTUnwrap(DemoPicture.pixels(svg: svg, background: RGB(0, 0, 0)))
        XCTAssertEqual([logo.width, logo.height], [32, 32])
        XCTAssertEqual(logo.pixel(x: 0, y: 0), RGB(0, 0, 0), "the rounded corner shows what is behind")
        XCTAssertEqual(logo.pixel(x: 16, y: 2), RGB(0x2f, 0x6f, 0xed), "the square's fill")
        XCTAssertEqual(logo.pixel(x: 8, y: 16), .white, "the N's left stroke")
        XCTAssertEqual(logo.pixel(x: 16, y: 16), .white, "the N's diagonal")
        XCTAssertNil(DemoPicture.pixels(svg: "<svg width=\"100000\" height=\"1\">", background: .white), "too big for a scene")
        XCTAssertEqual(DemoPicture.segments("M0 0 Z 5 5").count, 1, "a number after Z ends the path")
    }
}
