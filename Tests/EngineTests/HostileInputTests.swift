import Foundation
import Logging
import XCTest
@testable import Engine

/// What an attacker tried against a running engine, each as a regression:
/// nothing here may trap, grow without bound, stall other sessions or vanish
/// from the audit trail.
final class HostileInputTests: HubTestCase {
    // MARK: - Numbers from a peer

    private func rawScene(width: String, height: String) -> [UInt8] {
        Array(#"{"v":1,"type":"scene","body":{"version":1,"source":"page","viewport":{"width":800,"height":600},"scroll":{"x":0,"y":0},"url":"https://x.test/","title":"t","nodes":[{"id":"i","kind":"image","rect":{"x":0,"y":0,"width":10,"height":10},"z":0,"pixels":{"width":\#(width),"height":\#(height),"rgb":""}}]}}"#.utf8)
    }

    func testAnImageWhoseSidesOverflowWhenMultipliedIsRefusedBeforeAndAfterTheHandshake() throws {
        let huge = "\(Int.max / 2)"
        // Before any hello: not even decoded.
        let stranger = connect(.customer(remote: "203.0.113.9:4000"))
        hub.connection(stranger, received: rawScene(width: huge, height: "4"))
        XCTAssertEqual(stranger.errors.last?.code, .handshakeRequired)
        // The same frame on the Unix socket, before the hello.
        let local = connect(.local(uid: 1001, pid: 7))
        hub.connection(local, received: rawScene(width: huge, height: "4"))
        XCTAssertEqual(local.errors.last?.code, .handshakeRequired)
        // From a customer in a session: refused as invalid, the session goes on.
        let (agent, customer, sid) = try activeSession()
        for (w, h) in [(huge, "4"), ("4", huge), (huge, huge), ("-3", "-5"), ("0", "7"), ("129", "1")] {
            hub.connection(customer, received: rawScene(width: w, height: h))
            XCTAssertEqual(customer.errors.last?.code, .invalid, "\(w)×\(h)")
        }
        XCTAssertThrowsError(try SceneNode(id: "i", kind: .image, rect: Rect(x: 0, y: 0, width: 1, height: 1),
                                           pixels: PixelBlock(width: Int.max, height: Int.max, rgb: Data())).validate())
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "Fine",
                                    nodes: [.text("t", Rect(x: 0, y: 0, width: 100, height: 20), "still here", color: .black)])))
        XCTAssertEqual(hub.machineScene(sid)?.title, "Fine")
        XCTAssertTrue(agent.messages.contains { if case .scene = $0 { true } else { false } })
    }

    /// Found by fuzzing: `abs(Int.min)` overflows, so the paint order is checked as a range.
    func testAPaintOrderOfIntMinIsRefusedNotNegated() {
        for z in [Int.min, Int.max, SceneLimits.maxZ + 1] {
            XCTAssertThrowsError(try SceneNode(id: "b", kind: .box, rect: Rect(x: 0, y: 0, width: 1, height: 1), z: z).validate(), "\(z)")
        }
        XCTAssertNoThrow(try SceneNode(id: "b", kind: .box, rect: Rect(x: 0, y: 0, width: 1, height: 1), z: -SceneLimits.maxZ).validate())
    }

    func testPointerScrollAndViewportOutOfBoundsAreRefusedInScenesAndDeltas() throws {
        let (_, customer, sid) = try activeSession()
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "A", nodes: [])))
        let head = #"{"v":1,"type":"scene-delta","body":{"baseVersion":1,"version":2,"upserts":[],"removed":[],"#
        for field in [#""pointer":{"x":1e300,"y":0}"#, #""scroll":{"x":0,"y":-1e300}"#, #""viewport":{"width":1e300,"height":5}"#,
                      #""viewport":{"width":0,"height":5}"#, #""pointer":{"x":1e400,"y":0}"#] {
            hub.connection(customer, received: Array((head + field + "}}").utf8))
            XCTAssertTrue([.invalid, .malformed].contains(customer.errors.last?.code), field)
        }
        hub.connection(customer, received: Array(#"{"v":1,"type":"scene","body":{"version":5,"source":"page","viewport":{"width":800,"height":600},"scroll":{"x":0,"y":0},"url":"u","title":"t","nodes":[],"pointer":{"x":-1e300,"y":1}}}"#.utf8))
        XCTAssertEqual(customer.errors.last?.code, .invalid)
        XCTAssertEqual(hub.machineScene(sid)?.version, 1, "nothing half-applied")
        XCTAssertNil(hub.machineScene(sid)?.pointer)
    }

    // MARK: - Resources

    private func textNodes(_ n: Int, from start: Int, text: String) -> [SceneNode] {
        (start ..< start + n).map { .text("n\($0)", Rect(x: 0, y: Double($0), width: 100, height: 10), text, color: .black) }
    }

    func testDeltasCannotGrowASceneBeyondItsBoundsAndTheConsoleStillGetsIt() throws {
        let (agent, customer, sid) = try activeSession()
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "A", nodes: [])))
        let filler = String(repeating: "lorem ipsum ", count: 20)
        var version = 1
        var refused = false
        for round in 0 ..< 20 {
            customer.clear()
            send(customer, .sceneDelta(SceneDelta(baseVersion: version, version: version + 1, upserts: textNodes(1_000, from: round * 1_000, text: filler))))
            if let e = customer.errors.last {
                XCTAssertEqual(e.code, .tooLarge)
                XCTAssertTrue(customer.messages.contains(.requestScene), "the customer is asked for a full scene")
                refused = true
                break
            }
            version += 1
        }
        XCTAssertTrue(refused, "some delta must have been refused")
        let held = try XCTUnwrap(hub.machineScene(sid))
        XCTAssertLessThanOrEqual(held.estimatedWireBytes, SceneLimits.maxSceneBytes)
        // A console attaching now gets the scene within frames it can read.
        let late = console()
        late.clear()
        send(late, .attach(Attach(sessionId: sid)))
        XCTAssertTrue(late.received.allSatisfy { WireCodec.encode($0).count <= WireProtocol.maxMessageBytes })
        XCTAssertTrue(late.messages.contains { if case let .scene(s) = $0 { s == held } else if case let .snapshot(s) = $0 { s.scene == held } else { false } })
        _ = agent
    }

    func testNodesAfterDeltasAreCountedNotOnlyPerMessage() throws {
        var scene = Scene(viewport: Size(width: 800, height: 600), url: "u", title: "t", nodes: [])
        var version = 1
        var thrown: Error?
        for round in 0 ..< 30 {
            let boxes = (0 ..< 1_000).map { SceneNode.box("b\(round)-\($0)", Rect(x: 0, y: 0, width: 1, height: 1), background: .white) }
            do { scene = try scene.applying(SceneDelta(baseVersion: version, version: version + 1, upserts: boxes)); version += 1 } catch {
                thrown = error
                break
            }
        }
        XCTAssertNotNil(thrown)
        XCTAssertLessThanOrEqual(scene.nodes.count, SceneLimits.maxNodes)
    }

    func testTheSceneSizeEstimateIsNeverBelowTheRealEncoding() throws {
        var rng = SystemRandomNumberGenerator()
        func anyDouble() -> Double {
            switch Int.random(in: 0 ..< 4, using: &rng) {
            case 0: return Double(Int.random(in: -999_999 ... 999_999))
            case 1: return Double.random(in: -999_999 ... 999_999)
            case 2: return Double.random(in: 0 ... 1) * 1e-7
            default: return -Double.random(in: 0 ... 1) / 3
            }
        }
        let texts = ["", "plain", "quote \" and \\ slash /", "tab\tnew\nline\u{01}", "émoji 🎉 wide 漢字", String(repeating: "x", count: 300)]
        for _ in 0 ..< 200 {
            let nodes = (0 ..< Int.random(in: 0 ... 30)).map { i in
                SceneNode(id: "n\(i)-\(texts.randomElement()!.prefix(5))", kind: [.box, .text, .field, .mask].randomElement()!,
                          rect: Rect(x: anyDouble(), y: anyDouble(), width: abs(anyDouble()), height: abs(anyDouble())),
                          z: Int.random(in: -1_000_000 ... 1_000_000), background: Bool.random() ? RGB(1, 2, 3) : nil,
                          foreground: Bool.random() ? .white : nil, border: Bool.random() ? .black : nil,
                          text: Bool.random() ? texts.randomElement()! : nil, label: Bool.random() ? texts.randomElement()! : nil,
                          fieldType: Bool.random() ? "password" : nil, redacted: Bool.random() ? true : nil)
            }
            let scene = Scene(viewport: Size(width: 800, height: 600), scroll: Point(x: anyDouble(), y: anyDouble()),
                              url: "https://x.test/\(texts.randomElement()!)", title: texts.randomElement()!, nodes: nodes,
                              pointer: Bool.random() ? Point(x: anyDouble(), y: anyDouble()) : nil)
            let real = try WireCodec.encoder.encode(scene).count
            XCTAssertGreaterThanOrEqual(scene.estimatedWireBytes, real)
        }
    }

    func testTheSizeKeptAcrossDeltasIsTheSizeOfTheScene() throws {
        var scene = Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "t", nodes: textNodes(50, from: 0, text: "start"))
        var bytes = scene.estimatedWireBytes
        for v in 1 ... 300 {
            let upserts = (0 ..< Int.random(in: 0 ... 40)).map { _ in
                SceneNode.text("n\(Int.random(in: 0 ..< 120))", Rect(x: 0, y: 0, width: 10, height: 10), String(repeating: "x", count: Int.random(in: 0 ... 90)), color: .black)
            }
            let removed = (0 ..< Int.random(in: 0 ... 5)).map { _ in "n\(Int.random(in: 0 ..< 120))" }
            let d = SceneDelta(baseVersion: v, version: v + 1, upserts: upserts, removed: removed,
                               url: Bool.random() ? "https://x.test/\(v)" : nil, title: Bool.random() ? "title \(v)" : nil)
            bytes = try scene.apply(d, bytes: bytes).bytes
            XCTAssertEqual(bytes, scene.estimatedWireBytes, "after delta \(v)")
        }
    }

    /// Found by fuzzing: "a@b.co" becomes "[email address]", so redaction could make a valid text too long for every console.
    func testARedactedTextIsCutBackToTheBoundTheConsolesCheck() throws {
        let (agent, customer, sid) = try activeSession()
        let crowded = String(repeating: "a@b.co ", count: SceneLimits.maxTextLength / 7)
        XCTAssertLessThanOrEqual(crowded.utf8.count, SceneLimits.maxTextLength)
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "b@c.io " + String(repeating: "t", count: 500),
                                    nodes: [.text("t", Rect(x: 0, y: 0, width: 100, height: 10), crowded, color: .black)])))
        let held = try XCTUnwrap(hub.machineScene(sid))
        let text = try XCTUnwrap(held.nodes.first?.text)
        XCTAssertLessThanOrEqual(text.utf8.count, SceneLimits.maxTextLength)
        XCTAssertTrue(text.hasSuffix("…"))
        XCTAssertFalse(text.contains("@b.co"))
        XCTAssertLessThanOrEqual(held.title.utf8.count, SceneLimits.maxTitleLength)
        XCTAssertNoThrow(try held.validate(), "what the consoles get passes the consoles' own check")
        XCTAssertTrue(agent.messages.contains { if case .scene = $0 { true } else { false } })
    }

    func testOneFrameOfEightThousandEmailsIsOneAuditRowAndOneFeedLine() throws {
        let (_, customer, sid) = try activeSession()
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "Contacts", nodes: [])))
        let before = try store.auditEntries(sessionId: sid).count
        // As compact as a page's runs get, so 8,000 of them fit in one frame.
        let runs = (0 ..< 8_000).map { SceneNode(id: "\($0)", kind: .text, rect: Rect(x: 0, y: 0, width: 9, height: 9), text: "\($0)@ex.co") }
        XCTAssertLessThanOrEqual(WireCodec.encode(.sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: runs))).count, WireProtocol.maxMessageBytes)
        send(customer, .sceneDelta(SceneDelta(baseVersion: 1, version: 2, upserts: runs)))
        let rows = try store.auditEntries(sessionId: sid).dropFirst(before)
        XCTAssertEqual(rows.filter { $0.action == "redaction" }.count, 1)
        XCTAssertTrue(rows.contains { $0.detail.contains("count=8000") })
        XCTAssertEqual(try store.activity(sessionId: sid).filter { $0.kind == .redaction }.count, 1)
    }

    func testTitlesAreBoundedAndATickingTitleDoesNotFloodTheFeed() throws {
        let (_, customer, sid) = try activeSession()
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: String(repeating: "T", count: 600), nodes: [])))
        XCTAssertEqual(customer.errors.last?.code, .invalid)
        send(customer, .scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "0", nodes: [])))
        for i in 1 ... 50 {
            clock.advance(0.1)
            send(customer, .sceneDelta(SceneDelta(baseVersion: i, version: i + 1, title: "\(i)")))
        }
        let navigation = try store.activity(sessionId: sid).filter { $0.kind == .navigation }
        XCTAssertLessThanOrEqual(navigation.count, 3, navigation.map(\.text).joined(separator: "\n"))
    }

    func testAGuessedLinkFloodIsRateLimitedAndItsAuditRowsAreCounted() throws {
        var statuses: [Int: Int] = [:]
        for i in 0 ..< 1_500 {
            let r = hub.httpRequest(method: "GET", path: "/join/guess\(i)", headers: [], remote: "198.51.100.7:5555")
            statuses[r.status, default: 0] += 1
        }
        XCTAssertGreaterThan(statuses[429] ?? 0, 1_400)
        XCTAssertLessThanOrEqual(statuses[404] ?? 0, 21)
        let refused = try store.auditEntries(sessionId: nil).filter { $0.action == "link.refused" }
        XCTAssertLessThanOrEqual(refused.count, 20)
        // Another address is served meanwhile.
        XCTAssertEqual(hub.httpRequest(method: "GET", path: "/join/other", headers: [], remote: "192.0.2.1:1").status, 404)
        // The rate refills with time; refusals past the audit budget are counted into one row when the minute is over.
        clock.advance(10)
        for i in 0 ..< 10 { _ = hub.httpRequest(method: "GET", path: "/join/later\(i)", headers: [], remote: "198.51.100.7:5555") }
        clock.advance(61)
        hub.tick()
        let counted = try store.auditEntries(sessionId: nil).filter { $0.action == "refusals.counted" }
        XCTAssertEqual(counted.count, 1)
        XCTAssertTrue(counted[0].actor.contains("198.51.100.7"))
        try store.verifyAuditChain()
    }

    func testACustomerHelloFloodIsRateLimited() throws {
        var codes: [WireErrorCode] = []
        for i in 0 ..< 60 {
            let c = connect(.customer(remote: "198.51.100.8:\(1000 + i)"))
            send(c, .hello(Hello(client: "sdk", token: "guess\(i)")))
            codes += c.errors.map(\.code)
        }
        XCTAssertTrue(codes.contains(.rateLimited))
        XCTAssertLessThanOrEqual(try store.auditEntries(sessionId: nil).filter { $0.action == "link.refused" }.count, 20)
    }

    func testHandshakesTimeOutAndPendingOnesAreBoundedPerAddress() throws {
        let first = connect(.customer(remote: "203.0.113.5:1"))
        var more: [RecordingConnection] = []
        for i in 0 ..< hub.limits.pendingHandshakesPerAddress { more.append(connect(.customer(remote: "203.0.113.5:\(100 + i)"))) }
        XCTAssertFalse(more.dropLast().contains { $0.closed })
        XCTAssertTrue(more.last!.closed, "one over the bound is closed at once")
        XCTAssertFalse(connect(.customer(remote: "203.0.113.6:1")).closed, "another address is not affected")
        clock.advance(hub.limits.handshakeTimeout + 1)
        hub.tick()
        XCTAssertTrue(first.closed)
        XCTAssertEqual(first.errors.last?.code, .handshakeRequired)
    }

    func testAPeerThatKeepsSendingBeforeItsHelloIsClosed() {
        let c = connect(.customer(remote: "203.0.113.7:1"))
        for _ in 0 ..< EngineHub.refusalsBeforeHelloAllowed { hub.connection(c, received: Array("{}".utf8)) }
        XCTAssertTrue(c.closed)
    }

    func testALobbyOfNineThousandTicketsFitsInOneFrame() throws {
        for i in 0 ..< 9_000 {
            try store.addTicket(Ticket(id: "T-\(10_000 + i)", subject: "A subject long enough to matter in a lobby row, \(i)", customer: "Customer \(i)"))
        }
        let c = console()
        send(c, .lobbyRequest)
        guard case let .lobby(lobby) = c.last else { return XCTFail("no lobby: \(c.errors)") }
        XCTAssertLessThanOrEqual(WireCodec.encode(.lobby(lobby)).count, WireProtocol.maxMessageBytes)
        XCTAssertEqual(lobby.tickets.count + (lobby.ticketsNotShown ?? 0), 9_001)
        XCTAssertNotNil(lobby.ticketsNotShown)
    }

    func testASnapshotOfASessionWithManyNotesFitsInFramesAndSaysWhatItLeftOut() throws {
        let (agent, _, sid) = try activeSession()
        // Written straight to the store: each note through the hub is three transactions, and it is the snapshot under test.
        let note = String(repeating: "n", count: AddNote.maxLength)
        for i in 0 ..< 280 { try store.addNote(sessionId: sid, NoteEntry(at: clock.now, author: "Maria S.", text: "\(i) \(note)")) }
        _ = agent
        let late = console()
        late.clear()
        send(late, .attach(Attach(sessionId: sid)))
        guard case let .snapshot(snap)? = late.messages.first else { return XCTFail("no snapshot: \(late.errors)") }
        XCTAssertLessThanOrEqual(WireCodec.encode(.snapshot(snap)).count, WireProtocol.maxMessageBytes)
        XCTAssertTrue(snap.activity.first?.text.contains("not shown here") ?? false)
    }

    // MARK: - The log

    func testRefusedInputNeverReachesTheLogUnredacted() throws {
        let lines = LogLines()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(lines) }
        let c = FakeClock()
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, logger: logger, clock: { c.now })
        let (_, customer, _) = try activeSession()
        let card = "4111111111111111", ssn = "123-45-6789"
        hub.connection(customer, received: Array(#"{"v":1,"type":"scene","body":{"version":1,"source":"page","viewport":{"width":8,"height":6},"scroll":{"x":0,"y":0},"url":"u","title":"t","nodes":[{"id":"a","kind":"box","rect":{"x":0,"y":0,"width":1,"height":1},"z":0,"background":"\#(card)"}]}}"#.utf8))
        hub.connection(customer, received: Array(#"{"v":1,"type":"scene","body":{"version":1,"source":"page","viewport":{"width":8,"height":6},"scroll":{"x":0,"y":0},"url":"u","title":"t","nodes":[{"id":"a","kind":"box","rect":{"x":0,"y":0,"width":1,"height":1},"z":"\#(ssn) \#(card)"}]}}"#.utf8))
        hub.connection(customer, received: Array(#"{"v":1,"type":"survey","body":{"stars":41111111111111111111111111}}"#.utf8))
        hub.connection(customer, received: Array(#"{"v":1,"type":"\#(card)","body":{}}"#.utf8))
        XCTAssertGreaterThanOrEqual(customer.errors.count, 4)
        let log = lines.all.joined(separator: "\n")
        XCTAssertTrue(log.contains("refused a message"), log)
        for secret in [card, ssn, "4111 1111", "41111111111111111111111111"] { XCTAssertFalse(log.contains(secret), "\(secret) in the log:\n\(log)") }
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    init(_ lines: LogLines) { self.lines = lines }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { metadata[key] } set { metadata[key] = newValue } }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        lines.add("\(level) \(message)")
    }
}

/// The engine stopping (SIGTERM, the demo's quit) ends live sessions with a reason, not silently.
final class EngineStopTests: HubTestCase {
    func testStoppingEndsEveryLiveSessionSayingWhy() throws {
        let (agent, customer, sid) = try activeSession()
        XCTAssertEqual(hub.endLiveSessions(), 1)
        let ended = agent.messages.compactMap { if case let .sessionEnded(e) = $0 { e } else { nil } }
        XCTAssertEqual(ended.map(\.reason), [.engineStopped])
        let toCustomer = customer.messages.compactMap { if case let .sessionEnded(e) = $0 { e } else { nil } }
        XCTAssertEqual(toCustomer.first?.reason, .engineStopped)
        XCTAssertNil(toCustomer.first?.surveySeconds, "no survey: the connection goes with the engine")
        XCTAssertTrue(customer.closed)
        XCTAssertEqual(try store.session(id: sid)?.endReason, .engineStopped)
        XCTAssertTrue(try store.auditEntries(sessionId: sid).contains { $0.action == "session.ended" && $0.detail == "reason=engine-stopped" })
        XCTAssertEqual(hub.endLiveSessions(), 0, "nothing left to end")
    }
}
