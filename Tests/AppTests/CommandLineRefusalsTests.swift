import Foundation
import XCTest

/// What the command line refuses before it starts anything, and says why.
final class CommandLineRefusalsTests: XCTestCase {
    func testAnUnknownThemeIsRefusedWithTheListOfThemes() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        for command in [["demo"], ["console", "--socket", f.socket]] {
            let out = try f.run(command + ["--theme", "neon"], expectFailure: true)
            XCTAssertNotEqual(out.status, 0)
            XCTAssertTrue(out.stderr.contains("no theme 'neon'; the themes are: dark, high-contrast, light, monochrome"), out.stderr)
        }
    }

    func testANegativePauseGetsItsRangeNotMissingValue() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let out = try f.run(["demo", "--customer-pause", "-3"], expectFailure: true)
        XCTAssertTrue(out.stderr.contains("--customer-pause must be 0.1 to 60 seconds"), out.stderr)
        XCTAssertFalse(out.stderr.contains("Missing value"), out.stderr)
    }

    func testReadingCommandsDoNotCreateAStore() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let empty = f.dir + "/nothing-here"
        for command in [["audit"], ["agents", "list"], ["tickets", "list"], ["recordings", "list"], ["screenshots", "list", "--session", "S-1"]] {
            let out = try f.run(command + ["--data", empty], expectFailure: true)
            XCTAssertNotEqual(out.status, 0, "\(command)")
            XCTAssertTrue(out.stderr.contains("no engine data in \(empty)"), "\(command): \(out.stderr)")
            XCTAssertFalse(out.stdout.contains("intact"), out.stdout)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty), "nothing was created")
    }

    func testSessionsListShowsTheTeamsLiveSessionsAsTextAndJSON() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let (session, _) = try f.invite()
        let table = try f.run(["sessions", "list", "--live", "--data", f.dir]).stdout
        let row = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix(session) }, table)
        for column in ["Maria S.", "T-7", "link-minted", "View Only"] { XCTAssertTrue(row.contains(column), "\(column): \(row)") }
        XCTAssertTrue(table.hasPrefix("SESSION"), table)
        let json = try f.run(["sessions", "list", "--live", "--format", "json", "--data", f.dir]).stdout
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], json)
        XCTAssertEqual(rows.first?["id"] as? String, session)
        XCTAssertEqual(rows.first?["agent"] as? String, "Maria S.")
        XCTAssertNotNil(rows.first?["elapsedSeconds"] as? Int)
        XCTAssertEqual(try f.run(["sessions", "list", "--live", "--agent", "Nobody", "--data", f.dir]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines), "no live sessions for Nobody")
        let refused = try f.run(["sessions", "list", "--format", "xml", "--data", f.dir], expectFailure: true)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("xml"), refused.stderr)
        let empty = try f.run(["sessions", "list", "--data", f.dir + "/none"], expectFailure: true)
        XCTAssertTrue(empty.stderr.contains("no engine data"), empty.stderr)
    }

    func testSessionsEndTellsTheTicketHowItWentAndShowPrintsTheWrapUpWithoutTheCardThePageShowed() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine()
        let (session, link) = try f.invite()
        try f.spawnCustomer(link, extra: ["--dwell", "30"])
        // The scripted customer consents and walks the demo site, whose billing page shows a card number.
        let deadline = Date().addingTimeInterval(30)
        var active = false
        while !active, Date() < deadline {
            let json = try f.run(["sessions", "list", "--live", "--format", "json", "--data", f.dir]).stdout
            active = json.contains("\"status\" : \"active\"")
            if !active { Thread.sleep(forTimeInterval: 0.3) }
        }
        XCTAssertTrue(active, "the customer never consented")
        Thread.sleep(forTimeInterval: 2)

        let refused = try f.run(["sessions", "end", session, "--outcome", "follow-up", "--plan", "call back", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(refused.stderr.contains("--outcome follow-up needs --owner"), refused.stderr)
        let ended = try f.run(["sessions", "end", session, "--outcome", "follow-up", "--plan", "Call back once the bank unblocks the card",
                               "--owner", "Maria S.", "--due", "2026-12-08", "--socket", f.socket])
        let text = ended.stdout
        XCTAssertTrue(text.contains("Co-browse session \(session) on ticket T-7"), text)
        XCTAssertTrue(text.contains("Outcome: Follow-up needed: Call back once the bank unblocks the card (Maria S., by 2026-12-08); recorded by Maria S."), text)
        XCTAssertTrue(text.contains("Agent: Maria S."), text)
        XCTAssertFalse(text.contains("4242 4242 4242 4242") || text.contains("4242424242424242"), text)
        XCTAssertTrue(try f.run(["tickets", "list", "--data", f.dir]).stdout.split(separator: "\n").contains { $0.contains("T-7") && $0.contains("pending") })

        let shown = try f.run(["sessions", "show", session, "--data", f.dir]).stdout
        XCTAssertEqual(shown.trimmingCharacters(in: .whitespacesAndNewlines), text.trimmingCharacters(in: .whitespacesAndNewlines))
        let json = try f.run(["sessions", "show", session, "--format", "json", "--data", f.dir]).stdout
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        XCTAssertEqual(object["ticketId"] as? String, "T-7")
        XCTAssertEqual((object["outcome"] as? [String: Any])?["kind"] as? String, "follow-up")

        let again = try f.run(["sessions", "end", session, "--outcome", "resolved", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(again.stderr.contains("already has an outcome (Follow-up needed)"), again.stderr)

        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        XCTAssertTrue(try f.run(["sessions", "list", "--from", today, "--to", today, "--data", f.dir]).stdout.contains(session))
        XCTAssertFalse(try f.run(["sessions", "list", "--from", "2099-01-01", "--data", f.dir]).stdout.contains(session))
        let badDay = try f.run(["sessions", "list", "--from", "2026-02-30", "--data", f.dir], expectFailure: true)
        XCTAssertTrue(badDay.stderr.contains("--from must be a day"), badDay.stderr)
    }

    func testSuggestionRulesAndOnboardingReachTheEngine() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        let bad = f.dir + "/bad-rules.txt"
        try "Shopify setup | shopify | shopify app\nthis line has no pipes\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try f.run(["serve", "--data", f.dir, "--listen", "127.0.0.1:0", "--suggestion-rules", bad], expectFailure: true)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--suggestion-rules \(bad): line 2:"), refused.stderr)

        let good = f.dir + "/rules.txt"
        try "Billing walk-through | billing |\n".write(toFile: good, atomically: true, encoding: .utf8)
        try f.startEngine(extra: ["--suggestion-rules", good])
        let out = try f.run(["invite", "--ticket", "T-7", "--onboarding", "--socket", f.socket]).stdout
        let session = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("session: ") }.map { String($0.dropFirst(9)) }, out)
        let noDesk = try f.run(["invite", "--ticket", "T-7", "--send", "helpdesk", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(noDesk.stderr.contains("this engine has no help desk"), noDesk.stderr)
        let badChannel = try f.run(["invite", "--ticket", "T-7", "--send", "pigeon", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(badChannel.stderr.contains("pigeon"), badChannel.stderr)
        let json = try f.run(["sessions", "list", "--format", "json", "--data", f.dir]).stdout
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], json)
        XCTAssertEqual(rows.first { $0["id"] as? String == session }?["initiator"] as? String, "onboarding")
    }

    func testTheMailAndSMSFlagsAreCheckedAndTicketsAddRefusesAHostileAddress() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let token = f.dir + "/sms-token"
        try "AC0123:secret-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        let serve = ["serve", "--data", f.dir, "--listen", "127.0.0.1:0"]
        for (flags, says) in [(["--smtp", "mail.acme.test"], "--smtp mail.acme.test: expected HOST:PORT"),
                              (["--smtp-from", "support@acme.test"], "--smtp-from and --smtp-ca-file need --smtp HOST:PORT"),
                              (["--smtp", "127.0.0.1:2525", "--smtp-from", "support@acme.test\r\nBcc: x@evil.test"], "--smtp-from: the e-mail address holds a line break"),
                              (["--sms-url", "https://api.twilio.com", "--sms-token-file", token], "--sms-url needs --sms-from +E164"),
                              (["--sms-url", "http://sms.example.com", "--sms-token-file", token, "--sms-from", "+15555550100"], "--sms-url must be https (plain http only to this machine)"),
                              (["--sms-url", "https://api.twilio.com", "--sms-from", "+15555550100"], "--sms-url needs --sms-token-file")] {
            let out = try f.run(serve + flags, expectFailure: true)
            XCTAssertNotEqual(out.status, 0, "\(flags)")
            XCTAssertTrue(out.stderr.contains(says), "\(flags): \(out.stderr)")
            XCTAssertFalse(out.stderr.contains("secret-token"), "the token is never said back")
        }
        let add = ["tickets", "add", "--id", "T-1", "--subject", "Export", "--customer", "Dana Whitfield", "--data", f.dir]
        let hostile = try f.run(add + ["--email", "dana@example.com\r\nBcc: all@example.com"], expectFailure: true)
        XCTAssertTrue(hostile.stderr.contains("the e-mail address holds a line break"), hostile.stderr)
        let huge = try f.run(add + ["--email", String(repeating: "a", count: 5000) + "@example.com"], expectFailure: true)
        XCTAssertTrue(huge.stderr.contains("at most 254"), huge.stderr)
        let notE164 = try f.run(add + ["--phone", "555-0123"], expectFailure: true)
        XCTAssertTrue(notE164.stderr.contains("E.164"), notE164.stderr)
        let added = try f.run(add + ["--email", "dana@example.com", "--phone", "+1 555 555 0123"])
        XCTAssertTrue(added.stdout.contains("ticket T-1 added; dana@example.com; +15555550123"), added.stdout)
    }
}
