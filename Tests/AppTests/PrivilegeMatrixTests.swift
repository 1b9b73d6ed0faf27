import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// Every role and level against every action, asserted at the engine over the
/// real Unix socket with real peer uids: `cobrowse serve --socket-group` lets
/// the team's uids connect, and each agent speaks through `cobrowse wire` run
/// under their own uid (setpriv). The console plays no part: the engine alone
/// decides. Needs root (as CI and `./scripts/test` run) to switch uids.
final class PrivilegeMatrixTests: XCTestCase {
    static let team: UInt32 = 4242
    /// Other agents of the team, each with a uid of their own (the owner, Maria S. L2, is this process's uid).
    static let others: [(name: String, uid: Int, level: String)] = [
        ("Sam One", 2001, "L1"), ("Lena Two", 2002, "L2"), ("Lee Boss", 2003, "manager"),
        ("Sue Visor", 2004, "supervisor"), ("Tia Trainer", 2005, "trainer"),
    ]

    var fixture: EngineFixture!
    var teamSocket = ""

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "this test switches uids with setpriv and must run as root (./scripts/test does in CI)")
        fixture = try EngineFixture()
        for a in Self.others { try fixture.run(["agents", "add", a.name, "--uid", "\(a.uid)", "--level", a.level, "--data", fixture.dir]) }
        teamSocket = "/tmp/cbt-team-\(UUID().uuidString.prefix(8)).sock"
        try fixture.startEngine(extra: ["--socket", teamSocket, "--socket-group", "\(Self.team)"])
    }

    override func tearDown() {
        fixture?.shutdown()
        unlink(teamSocket)
    }

    // MARK: - Talking to the engine as someone

    /// Runs `cobrowse wire` as `uid` (nil: this process) with one frame a line; returns every frame it printed.
    func wire(as uid: Int?, _ lines: [String], wait: Double = 1) throws -> [WireFrame] {
        let args = ["wire", "--socket", teamSocket, "--pause", "0.25", "--wait", "\(wait)"]
        let out: EngineFixture.Output
        if let uid {
            out = try fixture.runTool("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(Self.team)", "--clear-groups", EngineFixture.binary] + args,
                                      stdin: lines.joined(separator: "\n") + "\n")
        } else {
            out = try fixture.runTool(EngineFixture.binary, args, stdin: lines.joined(separator: "\n") + "\n")
        }
        XCTAssertEqual(out.status, 0, "wire as \(uid.map(String.init) ?? "owner") failed: \(out.stderr)")
        return out.stdout.split(separator: "\n").compactMap { try? WireCodec.decode(Array($0.utf8)) }
    }

    func frame(_ message: WireMessage) -> String { String(decoding: WireCodec.encode(message), as: UTF8.self) }

    /// The error answering input line `n` (1-based), if any.
    func error(_ frames: [WireFrame], line n: Int) -> ErrorReply? {
        for f in frames where f.re == n { if case let .error(e) = f.message { return e } }
        return nil
    }

    func activeSession() throws -> (id: String, link: String) {
        let (session, link) = try fixture.invite()
        fixture.socket = teamSocket
        try fixture.spawnCustomer(link)
        try fixture.waitUntil(timeout: 20, "the customer's consent") {
            let frames = (try? self.wire(as: nil, [self.frame(.attach(Attach(sessionId: session)))], wait: 0.3)) ?? []
            return frames.contains { if case let .snapshot(s) = $0.message { return s.summary.status == .active && s.scene != nil }; return false }
        }
        return (session, link)
    }

    // MARK: - The matrix

    func testEveryRoleAgainstEveryWrite() throws {
        let (sid, _) = try activeSession()
        // The owner moves the session to Guided first (the scripted customer acknowledges).
        let guided = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))), frame(.requestMode(ModeRequest(mode: .guided)))], wait: 2)
        XCTAssertNil(error(guided, line: 2))

        let anchor = AnnotationAnchor(nodeId: "brand", fx: 0.5, fy: 0.5, pageX: 100, pageY: 28)
        let writes: [(String, WireMessage)] = [
            ("note", .addNote(AddNote(text: "matrix"))),
            ("annotate", .annotate(AnnotationCommand(op: .add, annotation: Annotation(id: "m1", tool: .circle, at: anchor, to: anchor)))),
            ("pointer", .agentPointer(AgentPointer(at: anchor))),
            ("screenshot", .requestScreenshot),
            ("invite-viewer", .inviteViewer(InviteViewer(name: "Kim"))),
            ("extension", .requestExtension(ExtensionRequest(minutes: 5))),
            ("quality-check", .qualityCheck),
            ("click", .controlAction(ControlAction(id: "c1", kind: .click, target: "brand"))),
            ("hand-over", .handOver(HandOver(to: "Kim"))),
            ("mode", .requestMode(ModeRequest(mode: .controlled))),
            ("end", .endSession(EndSession(sessionId: sid))),
        ]

        // Who attaches how, what the attach gives, and what each write then gives (nil: accepted).
        struct Row { var who: String; var uid: Int?; var watch: Bool; var attach: WireErrorCode?; var expected: [String: WireErrorCode?] }
        let refusedAll = Dictionary(uniqueKeysWithValues: writes.map { ($0.0, Optional(WireErrorCode.notAllowed)) })
        let notAttached = Dictionary(uniqueKeysWithValues: writes.map { ($0.0, $0.0 == "end" ? Optional(WireErrorCode.notAllowed) : Optional(WireErrorCode.badState)) })
        let rows = [
            Row(who: "supervisor (watch)", uid: 2004, watch: true, attach: nil, expected: refusedAll),
            Row(who: "manager (watch)", uid: 2003, watch: true, attach: nil, expected: refusedAll),
            Row(who: "trainer (watch)", uid: 2005, watch: true, attach: .notAllowed, expected: notAttached),
            Row(who: "L1 agent, not the owner", uid: 2001, watch: false, attach: .notAllowed, expected: notAttached),
            Row(who: "L2 agent, not the owner", uid: 2002, watch: false, attach: .notAllowed, expected: notAttached),
            Row(who: "L2 agent watching", uid: 2002, watch: true, attach: .notAllowed, expected: notAttached),
        ]
        for row in rows {
            let frames = try wire(as: row.uid, [frame(.attach(Attach(sessionId: sid, watch: row.watch)))] + writes.map { frame($0.1) })
            XCTAssertEqual(error(frames, line: 1)?.code, row.attach, "\(row.who): attach")
            for (i, w) in writes.enumerated() {
                XCTAssertEqual(error(frames, line: i + 2)?.code, row.expected[w.0]!, "\(row.who): \(w.0) → \(error(frames, line: i + 2)?.message ?? "accepted")")
            }
        }

        // The owner: in Guided, drawing, pointing, notes, screenshots and viewers work; acting on the page does not.
        let owner = try wire(as: nil, [frame(.attach(Attach(sessionId: sid)))] + writes.dropLast(2).map { frame($0.1) }, wait: 2)
        for (i, w) in writes.dropLast(2).enumerated() {
            let e = error(owner, line: i + 2)
            switch w.0 {
            case "click": XCTAssertEqual(e?.code, .notAllowed, "owner in Guided: click needs Controlled")
            case "hand-over": XCTAssertEqual(e?.code, .notFound, "Kim was invited but is not connected")
            default: XCTAssertNil(e, "owner: \(w.0) → \(e?.message ?? "")")
            }
        }
        XCTAssertTrue(owner.contains { if case let .viewerInvited(v) = $0.message { return v.link.contains("/view/") }; return false })
        XCTAssertTrue(owner.contains { if case let .annotations(a) = $0.message { return a.items.first?.author == "Maria S." }; return false },
                      "the engine names the author")

        // Every refused write of an attached watcher is audited.
        let audit = try fixture.run(["audit", "--data", fixture.dir, "--session", sid]).stdout
        for name in ["Sue Visor", "Lee Boss"] {
            let refused = audit.split(separator: "\n").filter { $0.contains(name) && $0.contains("write.refused") }
            XCTAssertEqual(refused.count, writes.count, "\(name): one audit row per refused write:\n\(audit)")
        }
    }

    func testLevelCapsAndTheManagerApprovalPath() throws {
        let (sid, _) = try activeSession()
        // L1 owns a session of their own: Guided at most.
        let started = try wire(as: 2001, [frame(.startSession(StartSession(ticketId: "T-7")))])
        guard case let .sessionStarted(s1)? = started.first(where: { $0.re == 1 })?.message else { return XCTFail("\(started)") }
        try fixture.spawnCustomer(s1.link)
        Thread.sleep(forTimeInterval: 4)
        let l1 = try wire(as: 2001, [frame(.attach(Attach(sessionId: s1.session.id))), frame(.requestMode(ModeRequest(mode: .controlled))),
                                     frame(.requestMode(ModeRequest(mode: .fullControl, reason: "x")))])
        XCTAssertEqual(error(l1, line: 2)?.code, .notAllowed)
        XCTAssertTrue(error(l1, line: 2)?.message.contains("Guided") ?? false, error(l1, line: 2)?.message ?? "")
        XCTAssertEqual(error(l1, line: 3)?.code, .notAllowed)

        // L2 owner: Controlled (the customer acknowledges), then Full Control through a manager.
        let controlled = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))), frame(.requestMode(ModeRequest(mode: .controlled)))], wait: 2)
        XCTAssertNil(error(controlled, line: 2))
        let noReason = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))), frame(.requestMode(ModeRequest(mode: .fullControl)))])
        XCTAssertEqual(error(noReason, line: 2)?.code, .invalid, "Full Control needs a reason for the manager")

        // A manager's console that is connected gets the request pushed to it.
        final class Box: @unchecked Sendable { var frames: [WireFrame] = [] }
        let box = Box()
        let managerDone = expectation(description: "manager console")
        DispatchQueue.global().async {
            box.frames = (try? self.wire(as: 2003, [self.frame(.lobbyRequest)], wait: 4)) ?? []
            managerDone.fulfill()
        }
        Thread.sleep(forTimeInterval: 1)
        let ask = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))),
                                     frame(.requestMode(ModeRequest(mode: .fullControl, reason: "customer cannot use a mouse")))])
        XCTAssertNil(error(ask, line: 2))
        wait(for: [managerDone], timeout: 20)
        let pushed = box.frames
        guard let request = pushed.compactMap({ if case let .approvalRequest(r) = $0.message { return r }; return nil }).first else {
            return XCTFail("the manager's console got no approval-request: \(pushed.map(\.message.type))")
        }
        XCTAssertEqual(request.reason, "customer cannot use a mouse")
        XCTAssertEqual(request.agentName, "Maria S.")
        XCTAssertEqual(request.ticket.id, "T-7")

        // Others may not approve; the manager sees it in the lobby and approves.
        let sup = try wire(as: 2004, [frame(.approvalAnswer(ApprovalAnswer(sessionId: sid, approve: true)))])
        XCTAssertEqual(error(sup, line: 1)?.code, .notAllowed)
        let boss = try wire(as: 2003, [frame(.lobbyRequest), frame(.approvalAnswer(ApprovalAnswer(sessionId: sid, approve: true)))], wait: 2)
        guard case let .lobby(lobby)? = boss.first(where: { $0.re == 1 })?.message else { return XCTFail("\(boss)") }
        XCTAssertEqual(lobby.approvals?.map(\.sessionId), [sid])
        XCTAssertNil(error(boss, line: 2))

        // The customer acknowledged; in Full Control a click goes to the page without a per-action preview.
        let act = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))), frame(.controlAction(ControlAction(id: "f1", kind: .click, target: "brand")))], wait: 2)
        guard case let .snapshot(snap)? = act.first(where: { $0.re == 1 })?.message else { return XCTFail("\(act)") }
        XCTAssertEqual(snap.summary.controlMode, .fullControl)
        let states = act.compactMap { if case let .actionUpdate(u) = $0.message { return u.state }; return nil }
        XCTAssertEqual(states, [.sent, .performed], "\(act.map(\.message.type))")

        let audit = try fixture.run(["audit", "--data", fixture.dir, "--session", sid]).stdout
        for action in ["mode.approval-requested", "approval.refused", "mode.approved", "action.allowed", "action.performed"] {
            XCTAssertTrue(audit.contains(action), "\(action) audited:\n\(audit)")
        }
    }

    func testControlledClickIsAllowedByTheCustomerAndTheScreenshotIsSealed() throws {
        let (sid, _) = try activeSession()
        _ = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))), frame(.requestMode(ModeRequest(mode: .controlled)))], wait: 2)
        let out = try wire(as: nil, [frame(.attach(Attach(sessionId: sid))),
                                     frame(.controlAction(ControlAction(id: "k1", kind: .click, target: "brand"))),
                                     frame(.requestScreenshot)], wait: 2)
        let states = out.compactMap { if case let .actionUpdate(u) = $0.message { return u.state }; return nil }
        XCTAssertEqual(states, [.waiting, .sent, .performed], "\(out.map(\.message.type))")
        XCTAssertTrue(out.contains { if case let .activity(a) = $0.message { return a.text.contains("stored encrypted") }; return false },
                      "the allowed screenshot is sealed with the session")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixture.dir + "/screenshots")) ?? []
        XCTAssertEqual(files.filter { $0.hasSuffix(".cbshot") }.count, 1)
        let sealed = try String(decoding: Data(contentsOf: URL(fileURLWithPath: fixture.dir + "/screenshots/" + files[0])), as: UTF8.self)
        XCTAssertFalse(sealed.contains("Northwind"), "the picture is encrypted, not plain JSON")

        // The session's agent opens it with a reason: drawn as text, masks kept, the opening audited.
        let shotId = String(files[0].dropLast(".cbshot".count))
        let list = try fixture.run(["screenshots", "list", "--session", sid, "--data", fixture.dir]).stdout
        XCTAssertTrue(list.contains(shotId) && list.contains("Maria S."), list)
        let shown = try fixture.run(["screenshots", "show", shotId, "--session", sid, "--reason", "ticket T-7 follow-up", "--data", fixture.dir]).stdout
        XCTAssertTrue(shown.contains("Northwind Cloud"), shown)
        XCTAssertFalse(containsCardNumber(shown), shown)
        let noReason = try fixture.run(["screenshots", "show", shotId, "--session", sid, "--data", fixture.dir], expectFailure: true)
        XCTAssertNotEqual(noReason.status, 0)
        let audit = try fixture.run(["audit", "--data", fixture.dir, "--session", sid]).stdout
        XCTAssertTrue(audit.contains("screenshot.opened") && audit.contains("ticket T-7 follow-up"), audit)
    }
}
