import XCTest
@testable import Engine

/// Protocol v1 codec: every message round-trips; anything malformed gets a
/// clear `WireError` and nothing else.
final class CodecTests: XCTestCase {
    let when = Date(timeIntervalSince1970: 1_700_000_000.123)
    let maria = Agent(name: "maria", uid: 1001, level: .l2)
    let ticket = Ticket(id: "T-1", subject: "Billing", customer: "Dana Lee", category: "billing")

    var scene: Scene {
        Scene(version: 3, viewport: Size(width: 1280, height: 720), scroll: Point(x: 0, y: 40),
              url: "https://app.example/billing", title: "Billing",
              nodes: [.box("bg", Rect(x: 0, y: 0, width: 1280, height: 720), background: RGB(250, 250, 250), border: RGB(1, 2, 3)),
                      .text("t", Rect(x: 10, y: 10, width: 200, height: 20), "Pay now — ünïcødé ✓", color: .black),
                      .field("f", Rect(x: 10, y: 40, width: 200, height: 24), label: "Name", value: "Dana"),
                      SceneNode(id: "img", kind: .image, rect: Rect(x: 0, y: 80, width: 2, height: 1),
                                pixels: PixelBlock(width: 2, height: 1, rgb: Data([255, 0, 0, 0, 0, 255]))),
                      .mask("m", Rect(x: 10, y: 70, width: 200, height: 24), reason: "payment field")],
              pointer: Point(x: 5, y: 6))
    }

    var summary: SessionSummary {
        SessionSummary(id: "S-1", ticket: ticket, agentName: "maria", status: .active, controlMode: .guided, access: .controlled,
                       recording: true, createdAt: when, startedAt: when, deadline: when.addingTimeInterval(2700),
                       customerConnected: true, quality: .fair, rttMs: 180, lossPercent: 1, pendingModeRequest: .controlled)
    }

    /// One of every message type.
    var everyMessage: [WireMessage] {
        let item = ActivityItem(at: when, kind: .consent, actor: "Dana Lee", text: "Customer allowed view-only access")
        let note = NoteEntry(at: when, author: "maria", text: "asked about invoice")
        return [
            .hello(Hello(client: "cobrowse.js 1.0", token: "tok", resumeKey: "rk")),
            .welcome(Welcome(server: "cobrowse", role: .customer, agent: maria, sessionId: "S-1", agentName: "maria",
                             resumeKey: "rk", recordingRequested: true, consentGiven: false)),
            .error(ErrorReply(code: .linkUsed, message: "This link has already been used.")),
            .lobbyRequest,
            .startSession(StartSession(ticketId: "T-1", record: true)),
            .attach(Attach(sessionId: "S-1", watch: true)),
            .detach,
            .addNote(AddNote(text: "hello")),
            .requestMode(ModeRequest(mode: .controlled)),
            .requestExtension(ExtensionRequest(minutes: 15)),
            .endSession(EndSession(sessionId: "S-1")),
            .requestScene,
            .lobby(Lobby(agent: maria, tickets: [ticket], sessions: [summary])),
            .sessionStarted(SessionStarted(session: summary, link: "https://127.0.0.1:8443/j/abc")),
            .snapshot(SessionSnapshot(summary: summary, scene: scene, activity: [item], notes: [note])),
            .summary(summary),
            .activity(item),
            .note(note),
            .consent(Consent(allow: true, access: .controlled, record: true)),
            .scene(scene),
            .sceneDelta(SceneDelta(baseVersion: 3, version: 4, upserts: [.text("t", Rect(x: 1, y: 2, width: 3, height: 4), "x", color: .white)],
                                   removed: ["img"], viewport: Size(width: 800, height: 600), scroll: Point(x: 1, y: 2),
                                   url: "https://app.example/sso", title: "SSO", pointer: Point(x: 9, y: 9))),
            .pong(Ping(seq: 7)),
            .modeAnswer(ModeAnswer(mode: .guided, accept: false)),
            .extensionAnswer(ExtensionAnswer(accept: true)),
            .leave,
            .ping(Ping(seq: 8)),
            .modeRequest(ModeRequest(mode: .fullControl)),
            .extensionRequest(ExtensionRequest(minutes: 10)),
            .quality(QualityReport(quality: .poor, rttMs: nil, lossPercent: 20)),
            .notice(Notice(text: "Your agent is looking at the page")),
            .sessionEnded(SessionEnded(sessionId: "S-1", reason: .timeLimit)),
            .qualityCheck,
            .survey(Survey(stars: 4, comment: "Quick fix — thanks ✓")),
            .pageEvent(PageEvent(kind: .network, text: "GET /api/cart → 500")),
            .qualityAnswer(QualityAnswer(ok: false)),
        ]
    }

    func decode(_ json: String) throws -> WireFrame { try WireCodec.decode(Array(json.utf8)) }

    func wireError(_ json: String) -> WireError? {
        do { _ = try decode(json); return nil } catch { return error as? WireError }
    }

    // MARK: Round trips

    func testEveryMessageTypeRoundTrips() throws {
        let messages = everyMessage
        XCTAssertEqual(Set(messages.map(\.type)).count, 35, "one sample of each of the 35 types")
        for (i, m) in messages.enumerated() {
            let frame = WireFrame(m, id: i, re: i % 3 == 0 ? nil : i - 1)
            let bytes = WireCodec.encode(frame)
            XCTAssertEqual(try WireCodec.decode(bytes), frame, m.type)
            let json = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            XCTAssertEqual(json?["v"] as? Int, 1)
            XCTAssertEqual(json?["type"] as? String, m.type)
        }
    }

    func testSurveyPageEventAndQualityMessagesOnTheWire() throws {
        XCTAssertEqual(try decode(#"{"v":1,"type":"survey","body":{"stars":5}}"#).message, .survey(Survey(stars: 5)))
        XCTAssertEqual(try decode(#"{"v":1,"type":"quality-check"}"#).message, .qualityCheck)
        XCTAssertEqual(try decode(#"{"v":1,"type":"quality-answer","body":{"ok":true}}"#).message, .qualityAnswer(QualityAnswer(ok: true)))
        XCTAssertEqual(try decode(#"{"v":1,"type":"page-event","body":{"kind":"error","text":"x"}}"#).message,
                       .pageEvent(PageEvent(kind: .error, text: "x")))
        for stars in [0, 6, -1] {
            XCTAssertEqual(wireError(#"{"v":1,"type":"survey","id":3,"body":{"stars":\#(stars)}}"#)?.code, .invalid, "\(stars) stars")
        }
        let long = String(repeating: "é", count: 501) // 1002 bytes
        XCTAssertEqual(wireError(#"{"v":1,"type":"survey","body":{"stars":3,"comment":"\#(long)"}}"#)?.code, .invalid)
        XCTAssertNotNil(try? decode(#"{"v":1,"type":"survey","body":{"stars":3,"comment":"\#(String(repeating: "é", count: 500))"}}"#))
        XCTAssertEqual(wireError(#"{"v":1,"type":"page-event","body":{"kind":"error","text":"\#(long)"}}"#)?.code, .invalid)
        XCTAssertEqual(wireError(#"{"v":1,"type":"page-event","body":{"kind":"console","text":"x"}}"#)?.code, .malformed)
        XCTAssertEqual(wireError(#"{"v":1,"type":"survey","body":{"stars":"five"}}"#)?.code, .malformed)
        // The survey window is announced to the customer only; consoles decode it as before.
        let ended = try decode(#"{"v":1,"type":"session-ended","body":{"sessionId":"S-1","reason":"agent-ended"}}"#).message
        XCTAssertEqual(ended, .sessionEnded(SessionEnded(sessionId: "S-1", reason: .agentEnded)))
    }

    func testBodylessMessagesNeedNoBody() throws {
        XCTAssertEqual(try decode(#"{"v":1,"type":"leave"}"#).message, .leave)
        XCTAssertEqual(try decode(#"{"v":1,"type":"request-scene","id":4}"#), WireFrame(.requestScene, id: 4))
    }

    // MARK: Malformed input

    func testNotAFrame() {
        for junk in ["", "not json", "[1,2]", "{\"v\":1}", "{\"type\":\"hello\"}", "{\"v\":\"1\",\"type\":\"hello\"}", "\u{0}\u{1}"] {
            XCTAssertEqual(wireError(junk)?.code, .malformed, junk)
        }
        XCTAssertThrowsError(try WireCodec.decode([UInt8]([0xff, 0xfe, 0x7b]))) { XCTAssertEqual(($0 as? WireError)?.code, .malformed) }
    }

    func testWrongVersion() {
        let e = wireError(#"{"v":2,"type":"hello","id":5,"body":{"protocolVersion":2,"client":"x"}}"#)
        XCTAssertEqual(e?.code, .unsupportedVersion)
        XCTAssertEqual(e?.re, 5, "the reply names the request")
        XCTAssertTrue(e?.message.contains("speaks 1") ?? false)
    }

    func testUnknownType() {
        let e = wireError(#"{"v":1,"type":"teleport","id":9,"body":{}}"#)
        XCTAssertEqual(e?.code, .unknownType)
        XCTAssertEqual(e?.re, 9)
        XCTAssertTrue(e?.message.contains("teleport") ?? false)
    }

    func testMissingAndWrongFields() {
        let missing = wireError(#"{"v":1,"type":"hello","id":3,"body":{"protocolVersion":1}}"#)
        XCTAssertEqual(missing?.code, .malformed)
        XCTAssertEqual(missing?.message, "hello: missing field body.client")
        XCTAssertEqual(missing?.re, 3)
        XCTAssertEqual(wireError(#"{"v":1,"type":"consent"}"#)?.message, "consent: missing field body")
        XCTAssertEqual(wireError(#"{"v":1,"type":"consent","body":{"allow":"yes","access":"view-only","record":false}}"#)?.message,
                       "consent: wrong type at body.allow")
        XCTAssertEqual(wireError(#"{"v":1,"type":"consent","body":{"allow":true,"access":"admin","record":false}}"#)?.code, .malformed)
        XCTAssertEqual(wireError(#"{"v":1,"type":"pong","body":{"seq":null}}"#)?.code, .malformed)
    }

    func testOversized() {
        let big = [UInt8](repeating: 0x20, count: WireProtocol.maxMessageBytes + 1)
        XCTAssertThrowsError(try WireCodec.decode(big)) { XCTAssertEqual(($0 as? WireError)?.code, .tooLarge) }
        let note = #"{"v":1,"type":"add-note","body":{"text":"\#(String(repeating: "x", count: AddNote.maxLength + 1))"}}"#
        XCTAssertEqual(wireError(note)?.code, .invalid)
    }

    func testInvalidScenes() throws {
        func sceneJSON(_ nodes: String, viewport: String = #"{"width":800,"height":600}"#) -> String {
            #"{"v":1,"type":"scene","id":2,"body":{"version":1,"source":"page","viewport":\#(viewport),"scroll":{"x":0,"y":0},"url":"https://x","title":"t","nodes":[\#(nodes)]}}"#
        }
        let rect = #""rect":{"x":0,"y":0,"width":10,"height":10},"z":0"#
        XCTAssertNoThrow(try decode(sceneJSON(#"{"id":"a","kind":"text",\#(rect),"text":"hi"}"#)))
        let cases: [(String, WireErrorCode)] = [
            (sceneJSON(#"{"id":"a","kind":"text",\#(rect)}"#), .invalid),                                        // text without text
            (sceneJSON(#"{"id":"","kind":"box",\#(rect)}"#), .invalid),                                          // empty id
            (sceneJSON(#"{"id":"i","kind":"image",\#(rect),"pixels":{"width":2,"height":2,"rgb":"AAAA"}}"#), .invalid), // 3 bytes for 4 pixels
            (sceneJSON(#"{"id":"i","kind":"image",\#(rect)}"#), .invalid),                                       // no pixels
            (sceneJSON("", viewport: #"{"width":0,"height":600}"#), .invalid),                                   // empty viewport
            (sceneJSON(#"{"id":"a","kind":"box","rect":{"x":0,"y":0,"width":-1,"height":10},"z":0}"#), .invalid), // negative size
            (sceneJSON(##"{"id":"a","kind":"box",\##(rect),"background":"#zzzzzz"}"##), .malformed),                // bad colour
            (sceneJSON(#"{"id":"a","kind":"hologram",\#(rect)}"#), .malformed),                                  // unknown node kind
            (#"{"v":1,"type":"scene-delta","body":{"baseVersion":4,"version":4,"upserts":[],"removed":[]}}"#, .invalid), // version must grow
        ]
        for (json, code) in cases {
            let e = wireError(json)
            XCTAssertEqual(e?.code, code, json)
        }
        XCTAssertEqual(wireError(sceneJSON(#"{"id":"a","kind":"text",\#(rect)}"#))?.re, 2)
    }

    func testErrorReplyCarriesTheRequestId() throws {
        let e = WireError(.notAllowed, "no", re: 12)
        XCTAssertEqual(e.reply, WireFrame(.error(ErrorReply(code: .notAllowed, message: "no")), re: 12))
        XCTAssertEqual(try WireCodec.decode(WireCodec.encode(e.reply)), e.reply)
    }

    // MARK: Length-prefix framing

    func testFramerSplitsAndJoins() {
        let a = WireCodec.encode(.ping(Ping(seq: 1))), b = WireCodec.encode(.leave)
        XCTAssertEqual(Array(LengthPrefixFramer.frame([1, 2, 3]).prefix(4)), [0, 0, 0, 3])
        var f = LengthPrefixFramer()
        f.append(LengthPrefixFramer.frame(a) + LengthPrefixFramer.frame(b))
        XCTAssertEqual(f.next(), .frame(a))
        XCTAssertEqual(f.next(), .frame(b))
        XCTAssertNil(f.next())

        // Byte by byte: nothing until the last byte of each frame.
        var g = LengthPrefixFramer()
        var outputs: [LengthPrefixFramer.Output] = []
        for byte in LengthPrefixFramer.frame(a) + LengthPrefixFramer.frame(b) {
            g.append([byte])
            while let o = g.next() { outputs.append(o) }
        }
        XCTAssertEqual(outputs, [.frame(a), .frame(b)])
        XCTAssertEqual(LengthPrefixFramer.frame([]).count, 4)
        var h = LengthPrefixFramer()
        h.append(LengthPrefixFramer.frame([]))
        XCTAssertEqual(h.next(), .frame([]))
    }

    func testFramerSkipsAnOversizedFrameAndStaysInStep() {
        let small = WireCodec.encode(.leave)
        let big = [UInt8](repeating: 0x41, count: 100)
        var f = LengthPrefixFramer(limit: 64)
        f.append(LengthPrefixFramer.frame(big) + LengthPrefixFramer.frame(small))
        XCTAssertEqual(f.next(), .oversized(length: 100))
        XCTAssertEqual(f.next(), .frame(small))
        XCTAssertNil(f.next())

        // The oversized body arrives in pieces after its header.
        var g = LengthPrefixFramer(limit: 64)
        let stream = LengthPrefixFramer.frame(big) + LengthPrefixFramer.frame(small)
        g.append(stream[0..<14])
        XCTAssertEqual(g.next(), .oversized(length: 100))
        XCTAssertNil(g.next())
        g.append(stream[14..<60])
        XCTAssertNil(g.next())
        g.append(stream[60..<106])
        XCTAssertNil(g.next(), "small frame not complete yet")
        g.append(stream[106...])
        XCTAssertEqual(g.next(), .frame(small))
        XCTAssertEqual(try WireCodec.decode(small).message, .leave)
    }

    func testFramerKeepsEveryFrameInOrderWhateverTheChunkingAndWithManyFramesInOneRead() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 50 {
            let limit = 300
            var stream: [UInt8] = []
            var expected: [LengthPrefixFramer.Output] = []
            for _ in 0 ..< Int.random(in: 1 ... 2_000, using: &rng) {
                let n = Bool.random(using: &rng) ? Int.random(in: 0 ... 40, using: &rng) : Int.random(in: 0 ... 600, using: &rng)
                let payload = (0 ..< n).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                stream += LengthPrefixFramer.frame(payload)
                expected.append(n > limit ? .oversized(length: n) : .frame(payload))
            }
            var f = LengthPrefixFramer(limit: limit)
            var got: [LengthPrefixFramer.Output] = []
            var i = 0
            while i < stream.count {
                let n = Bool.random(using: &rng) ? stream.count : Int.random(in: 1 ... 5_000, using: &rng)
                f.append(stream[i ..< min(stream.count, i + n)])
                i += n
                while let o = f.next() { got.append(o) }
            }
            XCTAssertEqual(got, expected)
        }
    }
}
