import Engine
import Foundation
import XCTest

/// The attacks that used to kill the engine, crash a console or starve it,
/// replayed against the real `cobrowse serve` over the real TLS WebSocket and
/// Unix socket by a peer that sends bytes no codec would (Tests/Hostile/raw_frames.py),
/// with the real console in tmux watching.
final class HostileEndToEndTests: EngineTestCase {
    static var rawFrames: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hostile/raw_frames.py").path
    }

    /// Runs the hostile peer with `lines` on stdin; returns what the engine sent back, a line a frame.
    @discardableResult
    func hostile(_ lines: [String], unix: Bool = false, linger: Double = 1) throws -> [String] {
        let target = unix ? ["--unix", fixture.socket] : ["--ws", "127.0.0.1:\(fixture.port)", "--cacert", fixture.certificate]
        let out = try fixture.runTool("/usr/bin/python3", [Self.rawFrames] + target + ["--linger", "\(linger)"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertTrue(out.stderr.isEmpty || !out.stderr.contains("Traceback"), out.stderr)
        return out.stdout.split(separator: "\n").map(String.init)
    }

    static func frame(_ m: WireMessage) -> String { String(decoding: WireCodec.encode(m), as: UTF8.self) }

    static func overflowingImage(version: Int = 1) -> String {
        #"{"v":1,"type":"scene","body":{"version":\#(version),"source":"page","viewport":{"width":800,"height":600},"scroll":{"x":0,"y":0},"url":"https://x.test/","title":"t","nodes":[{"id":"i","kind":"image","rect":{"x":0,"y":0,"width":10,"height":10},"z":0,"pixels":{"width":4611686018427387903,"height":4,"rgb":""}}]}}"#
    }

    func token(_ link: String) -> String { String(link.split(separator: "/").last!) }

    func testOneUnauthenticatedFrameOnEitherChannelDoesNotKillTheEngine() throws {
        let ws = try hostile([Self.overflowingImage()])
        XCTAssertTrue(ws.contains { $0.contains("handshake-required") }, "\(ws)")
        let unix = try hostile([Self.overflowingImage()], unix: true)
        XCTAssertTrue(unix.contains { $0.contains("handshake-required") }, "\(unix)")
        // The same frame from a customer inside a session.
        let (session, link) = try fixture.invite()
        let inside = try hostile([Self.frame(.hello(Hello(client: "hostile", token: token(link)))),
                                  Self.frame(.consent(Consent(allow: true, access: .viewOnly))), "#drain 0.5",
                                  Self.overflowingImage()])
        XCTAssertTrue(inside.contains { $0.contains("\"invalid\"") && $0.contains("pixels a side") }, "\(inside)")
        // Still serving: a console attaches and a new session starts.
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 100, height: 30)
        try fixture.waitForScreen(console, "the console attached to the session") { $0.contains("T-7") }
        XCTAssertNoThrow(try fixture.invite())
    }

    func testACustomerCannotCrashTheConsoleOrARecordingWithNumbersBeyondBounds() throws {
        let out = try fixture.run(["invite", "--ticket", "T-7", "--record", "--socket", fixture.socket])
        let session = String(try XCTUnwrap(out.stdout.split(separator: "\n").first { $0.hasPrefix("session: ") }).dropFirst("session: ".count))
        let link = String(try XCTUnwrap(out.stdout.split(separator: "\n").last))
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 100, height: 30)
        let page = Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/settings", title: "Settings",
                         nodes: [.text("h", Rect(x: 20, y: 20, width: 400, height: 30), "Hostile pointer test", color: .black)])
        var still = page
        still.version = 2
        still.nodes.append(.text("s", Rect(x: 20, y: 80, width: 400, height: 30), "Still standing", color: .black))
        let replies = try hostile([
            Self.frame(.hello(Hello(client: "hostile", token: token(link)))),
            Self.frame(.consent(Consent(allow: true, access: .viewOnly, record: true))), "#drain 0.5",
            Self.frame(.scene(page)), "#drain 1",
            #"{"v":1,"type":"scene-delta","body":{"baseVersion":1,"version":2,"upserts":[],"removed":[],"pointer":{"x":1e300,"y":1e300},"scroll":{"x":-1e300,"y":0}}}"#,
            #"{"v":1,"type":"scene","body":{"version":2,"source":"page","viewport":{"width":1e300,"height":600},"scroll":{"x":0,"y":0},"url":"u","title":"t","nodes":[],"pointer":{"x":1e300,"y":-1e300}}}"#,
            "#drain 0.5", Self.frame(.scene(still)), "#drain 2",
        ])
        XCTAssertGreaterThanOrEqual(replies.filter { $0.contains("\"invalid\"") }.count, 2, "\(replies)")
        let screen = try fixture.waitForScreen(console, "the console still drawing the customer's page") { $0.contains("Still standing") }
        XCTAssertTrue(screen.contains("Hostile pointer test"), screen)
        // The console is alive and answers keys.
        fixture.sendKeys(console, "?")
        try fixture.waitForScreen(console, "the help screen") { $0.lowercased().contains("keys") }
        fixture.sendKeys(console, "Escape")

        // The recording replays to the end in a trainer's hands.
        _ = try fixture.runTool(EngineFixture.binary, ["wire", "--socket", fixture.socket], stdin: Self.frame(.endSession(EndSession(sessionId: session))))
        let list = try fixture.run(["recordings", "list", "--data", fixture.dir])
        let id = try XCTUnwrap(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init), list.stdout)
        let replay = try fixture.run(["replay", id, "--format", "json", "--data", fixture.dir, "--reason", "end-to-end test"])
        XCTAssertTrue(replay.stdout.contains("Still standing"), replay.stdout)
        XCTAssertFalse(replay.stdout.contains("1e+300"), "a refused number was recorded")
    }

    func testDeltasCannotGrowASceneUntilTheEngineOrTheConsoleStarves() throws {
        let (session, link) = try fixture.invite()
        let console = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 120, height: 40)
        var lines = [Self.frame(.hello(Hello(client: "hostile", token: token(link)))),
                     Self.frame(.consent(Consent(allow: true, access: .viewOnly))), "#drain 0.5",
                     Self.frame(.scene(Scene(viewport: Size(width: 800, height: 600), url: "https://x.test/", title: "Grow",
                                             nodes: [.text("h", Rect(x: 10, y: 10, width: 300, height: 20), "Top of the page", color: .black)])))]
        let filler = String(repeating: "lorem ipsum ", count: 40)
        for round in 0 ..< 40 {
            let nodes = (0 ..< 1_000).map { SceneNode.text("r\(round)-\($0)", Rect(x: 0, y: 2_000 + Double($0), width: 50, height: 1), filler, color: .black) }
            lines.append(Self.frame(.sceneDelta(SceneDelta(baseVersion: round + 1, version: round + 2, upserts: nodes))))
        }
        lines.append("#drain 2")
        let replies = try hostile(lines, linger: 2)
        XCTAssertTrue(replies.contains { $0.contains("too-large") && $0.contains("full scene") }, "\(replies.prefix(20))")
        XCTAssertTrue(replies.contains { $0.contains("\"request-scene\"") })
        try fixture.waitForScreen(console, "the page still on the console") { $0.contains("Top of the page") }
        // A console that attaches now gets the whole (bounded) scene.
        let late = try fixture.startConsole(["console", "--socket", fixture.socket, "--session", session], width: 120, height: 40)
        try fixture.waitForScreen(late, "the page on a late console") { $0.contains("Top of the page") }
        // The engine holds a bounded scene: well under what 40 deltas would have built (about 20 MB of JSON).
        let rss = try XCTUnwrap(Self.residentKB(ofProcessNamed: "serve"))
        XCTAssertLessThan(rss, 400_000, "engine RSS \(rss) kB")
    }

    func testAGuessedLinkFloodFromCurlIsAnswered429AndTheRateIsTheTenantsToSet() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        try f.startEngine(extra: ["--link-lookups-per-second", "1"])
        var codes: [String] = []
        for i in 0 ..< 8 {
            let out = try f.runTool("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f.certificate,
                                                    "https://127.0.0.1:\(f.port)/join/guess\(i)"])
            codes.append(out.stdout)
        }
        XCTAssertEqual(codes.prefix(4), ["404", "404", "404", "404"], "a burst of four times the rate")
        XCTAssertTrue(codes.dropFirst(4).contains("429"), "\(codes)")
        let page = try f.runTool("/usr/bin/env", ["curl", "-s", "-i", "--cacert", f.certificate, "https://127.0.0.1:\(f.port)/join/again"])
        XCTAssertTrue(page.stdout.lowercased().contains("retry-after: 5"), page.stdout)
        XCTAssertTrue(page.stdout.contains("Too many requests"), page.stdout)
        // Assets are not link look-ups: the demo page still loads.
        let demo = try f.runTool("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f.certificate,
                                                 "https://127.0.0.1:\(f.port)/cobrowse.js"])
        XCTAssertEqual(demo.stdout, "200")
    }

    /// VmRSS of the `cobrowse serve` this test started.
    static func residentKB(ofProcessNamed name: String) -> Int? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var best: Int?
        for pid in entries where Int(pid) != nil {
            guard let cmd = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                  cmd.contains("cobrowse\u{0}\(name)\u{0}"), cmd.contains("cobrowse-e2e"),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { continue }
            let kb = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            best = max(best ?? 0, kb)
        }
        return best
    }
}
