import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// The agent hands a live session off from the real console in tmux: `H`,
/// pick the specialist the engine lists, say why, stay. The specialist
/// answers over the real socket under a uid of their own (`cobrowse wire`
/// under setpriv, as the privilege matrix does; needs root); the CLI's
/// refusals are checked against the same engine.
final class HandOffEndToEndTests: XCTestCase {
    func testTheAgentHandsOffFromTheConsoleAndTheCLISaysWhatItRefuses() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.run(["agents", "add", "Sofia Q.", "--uid", "4242", "--level", "specialist", "--data", f.dir])
        try f.run(["agents", "add", "Bo L1", "--uid", "4243", "--level", "L1", "--data", f.dir])
        try f.startEngine()
        let (session, link) = try f.invite()
        try f.spawnCustomer(link, extra: ["--dwell", "30"])
        let agent = try f.startConsole(["console", "--socket", f.socket, "--session", session], width: 80, height: 24)
        try f.waitForScreen(agent, timeout: 30, "the demo page") { $0.contains("Northwind") }

        f.sendKeys(agent, "H")
        try f.waitForScreen(agent, "who may take it") { $0.contains("Hand off to a specialist") && $0.contains("Sofia Q. (specialist)") && !$0.contains("Bo L1") }
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "why") { $0.contains("Hand off to Sofia Q.: why?") }
        f.sendKeys(agent, "API keys rejected: needs the integrations team")
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "stay or leave") { $0.contains("y  stay as a watcher") }
        f.sendKeys(agent, "y")
        try f.waitForScreen(agent, timeout: 15, "the offer in the feed") { $0.contains("Offered the session to Sofia Q.") || $0.contains("asked Sofia Q. to take over") }

        // The same engine, scripted: one hand-off at a time, names it knows, a reason it can carry.
        let again = try f.run(["sessions", "hand-off", session, "--to", "Sofia Q.", "--reason", "again", "--socket", f.socket], expectFailure: true)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already waiting"), again.stderr + again.stdout)
        let nobody = try f.run(["sessions", "hand-off", session, "--to", "Nobody", "--reason", "why", "--socket", f.socket], expectFailure: true)
        XCTAssertTrue(nobody.stderr.contains("There is no agent named Nobody."), nobody.stderr + nobody.stdout)
        let huge = try f.run(["sessions", "hand-off", session, "--to", "Sofia Q.", "--reason", String(repeating: "x", count: 600), "--socket", f.socket],
                             expectFailure: true)
        XCTAssertTrue(huge.stderr.contains("longer than 500 bytes"), huge.stderr + huge.stdout)

        let audit = try f.run(["audit", "--data", f.dir]).stdout
        XCTAssertTrue(audit.contains("handoff.requested"), audit)
        XCTAssertFalse(audit.contains("integrations team"), "the audit row names who and how, not the agent's words")
        // Still Maria's until Sofia takes it; the console carries on.
        f.sendKeys(agent, "?")
        try f.waitForScreen(agent, "the help lists it") { $0.contains("H") && $0.contains("hand off to a specialist") }
    }

    func testTheSpecialistTakesItOverTheCustomerAcknowledgesAndTheFirstAgentWatches() throws {
        XCTAssertEqual(getuid(), 0, "this test switches uids with setpriv and must run as root (./scripts/test does in CI)")
        let team: UInt32 = 4242, sofiaUID = 2011
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.run(["agents", "add", "Sofia Q.", "--uid", "\(sofiaUID)", "--level", "specialist", "--data", f.dir])
        let socket = "/tmp/cbt-handoff-\(UUID().uuidString.prefix(8)).sock"
        defer { unlink(socket) }
        try f.startEngine(extra: ["--socket", socket, "--socket-group", "\(team)"])
        let (session, link) = try f.invite()
        try f.spawnCustomer(link, extra: ["--dwell", "60"])
        let agent = try f.startConsole(["console", "--socket", socket, "--session", session], width: 100, height: 30)
        try f.waitForScreen(agent, timeout: 30, "the demo page") { $0.contains("Northwind") }
        f.sendKeys(agent, "H")
        try f.waitForScreen(agent, "who may take it") { $0.contains("Sofia Q. (specialist)") }
        f.sendKeys(agent, "Enter")
        f.sendKeys(agent, "API keys rejected")
        f.sendKeys(agent, "Enter")
        try f.waitForScreen(agent, "stay or leave") { $0.contains("y  stay as a watcher") }
        f.sendKeys(agent, "y")
        try f.waitForScreen(agent, timeout: 15, "offered") { $0.contains("asked Sofia Q. to take over") || $0.contains("Offered the session to Sofia Q.") }

        // Sofia, under her own uid: her lobby lists it; she takes it over and attaches.
        func frame(_ m: WireMessage) -> String { String(decoding: WireCodec.encode(m), as: UTF8.self) }
        let out = try f.runTool("/usr/bin/setpriv", ["--reuid=\(sofiaUID)", "--regid=\(team)", "--clear-groups", EngineFixture.binary,
                                                     "wire", "--socket", socket, "--pause", "0.3", "--wait", "2"],
                                stdin: [frame(.lobbyRequest), frame(.handOffAnswer(HandOffAnswer(sessionId: session, accept: true))),
                                        frame(.attach(Attach(sessionId: session)))].joined(separator: "\n") + "\n")
        XCTAssertEqual(out.status, 0, out.stderr)
        let frames = out.stdout.split(separator: "\n").compactMap { try? WireCodec.decode(Array($0.utf8)).message }
        XCTAssertTrue(frames.contains { if case let .lobby(l) = $0 { l.handOffs?.first?.reason == "API keys rejected" } else { false } }, out.stdout)
        XCTAssertTrue(frames.contains { if case let .snapshot(s) = $0 { s.summary.agentName == "Sofia Q." } else { false } }, out.stdout)

        let watching = try f.waitForScreen(agent, timeout: 15, "Maria watches") {
            $0.contains("you are watching it read-only") || $0.contains("Customer acknowledged that Sofia Q. is joining")
        }
        XCTAssertFalse(watching.contains("m mode"), "no write keys for a watcher: \(watching)")
        f.sendKeys(agent, "f")
        try f.waitForScreen(agent, timeout: 15, "the scripted customer pressed OK") { $0.contains("Customer acknowledged that Sofia Q.") }
        let text = try f.run(["sessions", "show", session, "--data", f.dir]).stdout
        XCTAssertTrue(text.contains("Agent: Sofia Q. (handed off by Maria S. to Sofia Q.: API keys rejected)"), text)
        let audit = try f.run(["audit", "--data", f.dir]).stdout
        for action in ["handoff.requested", "handoff.accepted", "handoff.acknowledged"] { XCTAssertTrue(audit.contains(action), "\(action): \(audit)") }
        let listed = try f.run(["sessions", "list", "--format", "json", "--data", f.dir]).stdout
        XCTAssertTrue(listed.contains("\"escalated\" : true"), listed)
    }
}
