import Foundation
import XCTest
@testable import Engine

/// The gateway's pages are HTML files with slots: names and subjects from
/// outside go in as text, and no slot is ever left for a customer to see.
final class PageTemplateTests: XCTestCase {
    let hostile = Ticket(id: "T-<1>", subject: "{{{body}}} <script>alert(1)</script> & \"quotes\"", customer: "Dana {{title}}")

    func testEveryPageFillsEverySlotAndKeepsOutsideTextAsText() {
        let pages = [
            CustomerPages.consent(agentName: "Maria <b>S.</b>", ticket: hostile, recording: true, landingURL: "/demo/?a=\"x\""),
            CustomerPages.consent(agentName: "Maria S.", ticket: hostile, recording: false),
            CustomerPages.message(title: "Link <not> valid", body: "{{text}} & more"),
            ViewerPage.page(viewerName: "Lee {{viewer}}", agentName: "Maria S.", ticket: hostile),
            ViewerPage.page(viewerName: "Dana", agentName: "Maria S.", ticket: hostile, mirror: true),
            PresenterPage.page(agentName: "Maria S.", ticket: hostile, customer: "Dana <i>W</i>"),
        ]
        for page in pages {
            XCTAssertTrue(page.hasPrefix("<!doctype html>"), page)
            XCTAssertFalse(page.contains("<script>alert"), page)
            XCTAssertFalse(page.contains("<b>S.</b>") || page.contains("<i>W</i>") || page.contains("<not>"), page)
            // A page's own script, after the connect module: each of them talks to the engine itself.
            let own = page.contains("/consent.js") || page.contains("/viewer.js") || page.contains("/presenter.js") ? 2 : 0
            XCTAssertEqual(page.components(separatedBy: "<script").count - 1, own, page)
            if own == 2 { XCTAssertTrue(page.contains("<script src=\"/cobrowse-connect.js\"></script>\n<script src="), page) }
            // What is left of braces came from outside, as text: no slot of a template survives.
            for slot in ["{{landing}}", "{{agent}}", "{{ticket}}", "{{subject}}", "{{{recording}}}", "{{heading}}", "{{intro}}", "{{mirror}}", "{{customer}}"] {
                XCTAssertFalse(page.contains(slot), "\(slot) left in:\n\(page)")
            }
        }
        XCTAssertTrue(pages[0].contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"), pages[0])
        XCTAssertTrue(pages[0].contains("id=\"record\""), "recording asked")
        XCTAssertTrue(pages[1].contains("not recorded"))
        XCTAssertTrue(pages[0].contains("data-landing=\"/demo/?a=&quot;x&quot;\""), pages[0])
        XCTAssertTrue(pages[4].contains("data-mirror=\"1\"") && pages[3].contains("data-mirror=\"\""))
    }
}
