import Foundation
import XCTest
@testable import Engine

/// The help desk wired into a running engine: tickets come in over the real
/// TLS gateway, and what a session tells the desk goes out through the outbox
/// the engine started.
final class HelpDeskEngineTests: XCTestCase {
    let secret = "engine-webhook-secret"

    func testARunningEngineTakesSignedTicketsOverTheGatewayAndTellsTheDeskAboutSessions() throws {
        guard let curl = transportWhich("curl") else { return XCTFail("curl is not installed: ./scripts/test installs it") }
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let desk = FakeDesk(.webhook(secret: secret))
        try desk.start()
        defer { desk.shutdown() }
        var config = EngineConfiguration(dataDirectory: dir.file("data"), listenPort: 0)
        config.tickInterval = 5
        config.helpDesk = try HelpDeskConfiguration(kind: .webhook, baseURL: desk.url, webhookSecret: secret)
        let server = EngineServer(configuration: config)
        try server.start()
        var stopped = false
        defer { if !stopped { server.stop() } }

        let body = #"{"event":"ticket.created","ticket":{"id":"T-501","subject":"Export stuck","requester":{"name":"Ana R.","email":"ana@example.com","phone":"+34 600 000"},"tags":["export"],"channel":"web"}}"#
        let bodyFile = dir.file("ticket.json")
        try Data(body.utf8).write(to: URL(fileURLWithPath: bodyFile))
        let url = "https://127.0.0.1:\(server.gatewayPort)/helpdesk/webhook"
        func post(_ headers: [(String, String)]) throws -> String {
            var args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", server.certificatePath,
                        "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@\(bodyFile)"]
            for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
            return try runTool(curl, args + [url]).output
        }
        let ts = String(Int(Date().timeIntervalSince1970))
        XCTAssertEqual(try post([("X-Cobrowse-Timestamp", ts), ("X-Cobrowse-Signature", "sha256=00")]), "401")
        XCTAssertEqual(try post([("X-Cobrowse-Timestamp", ts),
                                 ("X-Cobrowse-Signature", WebhookSignature.header(secret: secret, timestamp: ts, body: Array(body.utf8)))]), "200")

        // A body over 64 KiB is refused before anything reads it.
        let big = dir.file("big.json")
        try Data(repeating: UInt8(ascii: " "), count: 70 * 1024).write(to: URL(fileURLWithPath: big))
        XCTAssertEqual(try runTool(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", server.certificatePath,
                                          "-X", "POST", "-H", "Expect:", "--data-binary", "@\(big)", url]).output, "413")

        let store = try SQLiteStore(path: config.databasePath)
        XCTAssertEqual(try store.ticket(id: "T-501"), Ticket(id: "T-501", subject: "Export stuck", customer: "Ana R."))
        XCTAssertEqual(try store.deskDetails(ticketId: "T-501")?.requesterEmail, "ana@example.com")
        try waitUntil { try store.auditEntries(sessionId: nil).contains { $0.action == "helpdesk.refused" } }

        let outbox = try XCTUnwrap(server.hub.helpDeskOutbox)
        try outbox.sessionEnded(ticket: "T-501", sessionId: "S-1", summary: "Showed where the export button is.", status: .solved)
        try waitUntil { desk.applied.count == 1 }
        XCTAssertEqual(desk.applied[0].json["event"] as? String, "session.ended")
        XCTAssertEqual(desk.applied[0].json["summary"] as? String, "Showed where the export button is.")

        // Stopped while the desk fails: the call waits in the outbox for the next engine.
        desk.answerNext(.serverError, .serverError, .serverError)
        try outbox.internalNote(ticket: "T-501", body: "after the end", key: "late")
        try waitUntil { (try store.outboxEntry(idempotencyKey: "late")?.attempts ?? 0) >= 1 }
        server.stop()
        stopped = true
        XCTAssertEqual(try store.undeliveredOutbox().map(\.idempotencyKey), ["late"])
        XCTAssertFalse(try store.auditEntries(sessionId: nil).contains { $0.detail.contains(secret) })
    }
}
