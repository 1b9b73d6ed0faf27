import Foundation
import XCTest

/// The product's own command line, end to end: `serve --smtp` against
/// Debian's aiosmtpd (Tests/Mail/mail_server.py), `tickets add --email`, and
/// `invite --send email` puts the one-time link in the customer's mailbox;
/// the engine's log never holds it, and the outbox listing empties once the
/// mail server took it.
final class LinkByEmailEndToEndTests: XCTestCase {
    var f: EngineFixture!
    var mail: Process?
    var mailbox = ""
    var port = 0

    /// Dana's ticket with her address, and an engine that mails links through the local server.
    override func setUpWithError() throws {
        f = try EngineFixture()
        mailbox = f.dir + "/mailbox"
        let (server, port) = try startMailServer(f, mailbox: mailbox)
        (mail, self.port) = (server, port)
        try f.run(["tickets", "add", "--id", "T-8", "--subject", "Export fails", "--customer", "Dana Whitfield", "--email", "dana@example.com", "--data", f.dir])
        try f.startEngine(extra: ["--smtp", "127.0.0.1:\(port)", "--smtp-from", "support@acme.test"])
    }

    override func tearDown() {
        f?.shutdown()
        mail?.terminate()
        mail?.waitUntilExit()
    }

    /// Debian's aiosmtpd (Tests/Mail/mail_server.py) saving each mail as DIR/N.json; its port.
    func startMailServer(_ f: EngineFixture, mailbox: String) throws -> (Process, Int) {
        try FileManager.default.createDirectory(atPath: mailbox, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Mail/mail_server.py").path
        let ready = f.dir + "/mail-ready"
        let mail = Process()
        mail.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        mail.arguments = [script, "--dir", mailbox]
        FileManager.default.createFile(atPath: ready, contents: nil)
        mail.standardOutput = FileHandle(forWritingAtPath: ready)
        mail.standardError = FileHandle.nullDevice
        try mail.run()
        var port = 0
        try f.waitUntil(timeout: 15, "the mail server") {
            let line = (try? String(contentsOfFile: ready, encoding: .utf8)) ?? ""
            port = line.hasPrefix("READY ") ? Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 : 0
            return port > 0
        }
        return (mail, port)
    }

    func savedMail(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func testInviteSendEmailPutsTheLinkInTheCustomersMailbox() throws {
        let noGateway = try f.run(["invite", "--ticket", "T-8", "--send", "sms", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(noGateway.stderr.contains("no SMS gateway"), noGateway.stderr)
        let noAddress = try f.run(["invite", "--ticket", "T-7", "--send", "email", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(noAddress.stderr.contains("ticket T-7 has no e-mail address for Dana Whitfield"), noAddress.stderr)

        let out = try f.run(["invite", "--ticket", "T-8", "--send", "email", "--socket", f.socket]).stdout
        XCTAssertTrue(out.contains("The link is on its way to the customer by e-mail"), out)
        let link = try XCTUnwrap(out.split(separator: "\n").last.map(String.init), out)
        try f.waitUntil(timeout: 20, "the mail") { FileManager.default.fileExists(atPath: mailbox + "/1.json") }
        let saved = try savedMail(mailbox + "/1.json")
        XCTAssertEqual(saved["rcpt_tos"] as? [String], ["dana@example.com"])
        XCTAssertTrue((saved["body"] as? String)?.contains(link) ?? false, "\(saved)")
        try f.waitUntil(timeout: 10, "the outbox to empty") {
            ((try? f.run(["helpdesk", "outbox", "--data", f.dir]).stdout) ?? "").contains("nothing waiting")
        }
        let token = String(link.split(separator: "/").last ?? "")
        let logs = try FileManager.default.contentsOfDirectory(atPath: f.dir).filter { $0.hasPrefix("serve-") && $0.hasSuffix(".log") }
        let log = try logs.map { try String(contentsOfFile: f.dir + "/" + $0, encoding: .utf8) }.joined()
        XCTAssertTrue(log.contains("links by e-mail through 127.0.0.1:\(port) from support@acme.test"), log)
        XCTAssertFalse(log.contains(token), "the engine's log never holds the link")
        XCTAssertFalse(try f.run(["audit", "--data", f.dir]).stdout.contains(token), "nor does the audit trail")
    }

    /// A customer whose browser dies mid-session gets a new link for the same
    /// session by e-mail 30 s later, on their own: the engine does not wait for the agent.
    func testAKilledCustomerGetsANewLinkByEmailAfterThirtySeconds() throws {
        let out = try f.run(["invite", "--ticket", "T-8", "--send", "email", "--socket", f.socket]).stdout
        let first = try XCTUnwrap(out.split(separator: "\n").last.map(String.init), out)
        let session = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("session: ") }.map { String($0.dropFirst(9)) }, out)

        let customer = try f.spawnCustomer(first)
        try f.waitUntil(timeout: 30, "the session to be active") {
            ((try? f.run(["sessions", "list", "--live", "--data", f.dir]).stdout) ?? "").contains("active")
        }
        kill(customer.processIdentifier, SIGKILL)
        customer.waitUntilExit()

        try f.waitUntil(timeout: 75, "the second mail") { FileManager.default.fileExists(atPath: mailbox + "/2.json") }
        let renewed = try savedMail(mailbox + "/2.json")
        XCTAssertEqual(renewed["rcpt_tos"] as? [String], ["dana@example.com"])
        let body = try XCTUnwrap(renewed["body"] as? String)
        let second = try XCTUnwrap(body.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.contains("/join/") }, body)
        XCTAssertNotEqual(second, first, "a fresh link, for the same session")
        let audit = try f.run(["audit", "--session", session, "--data", f.dir]).stdout
        XCTAssertTrue(audit.contains("link.renewed"), audit)
        XCTAssertFalse(audit.contains(String(second.split(separator: "/").last ?? "")), "the new link is not in the trail either")
    }
}
