import Engine
import Foundation
import XCTest

/// `serve --policy FILE` on the real engine: the tenant's rules are in the
/// `/cobrowse-rules.json` a foreign client (curl) gets, its pattern is hidden
/// on the real console, and a policy the engine cannot honour stops it.
final class TenantPolicyEndToEndTests: XCTestCase {
    static let policy = #"""
    {"privacy": {"mode": "private-by-default", "mask": ["#order-notes"], "block": [".chat-widget"], "reveal": ["h1"],
                 "patterns": [{"name": "member id", "pattern": "\\bMBR-\\d{8}\\b"}]}}
    """#

    func testTheTenantsRulesReachThePagesAndTheConsole() throws {
        let f = try EngineFixture()
        defer { f.shutdown() }
        let file = f.dir + "/policy.json"
        try Self.policy.write(toFile: file, atomically: true, encoding: .utf8)
        try f.startEngine(extra: ["--policy", file])

        let body = f.dir + "/rules.json"
        let head = try f.runTool("/usr/bin/env", ["curl", "-s", "-D", "-", "-o", body, "--cacert", f.certificate,
                                                  "https://127.0.0.1:\(f.port)/cobrowse-rules.json"])
        XCTAssertTrue(head.stdout.hasPrefix("HTTP/1.1 200"), head.stdout)
        XCTAssertTrue(head.stdout.lowercased().contains("access-control-allow-origin: *"), head.stdout)
        let rules = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: body))) as? [String: Any])
        let tenant = try XCTUnwrap(rules["tenant"] as? [String: Any])
        XCTAssertEqual(tenant["privacy"] as? String, "private-by-default")
        XCTAssertEqual(tenant["block"] as? [String], [".chat-widget"])
        XCTAssertEqual((rules["patterns"] as? [[String: Any]])?.last?["kind"] as? String, "member id")

        // A naive page sends the member id as plain text: the engine hides it by the tenant's rule.
        let (session, link) = try f.invite()
        let console = try f.startConsole(["console", "--socket", f.socket, "--session", session], width: 120, height: 30)
        let page = Scene(viewport: Size(width: 800, height: 600), url: "https://shop.example/account", title: "Account",
                         nodes: [.text("m", Rect(x: 20, y: 20, width: 600, height: 30), "Member MBR-12345678 since 2019", color: .black)])
        let frames = [HostileEndToEndTests.frame(.hello(Hello(client: "naive", token: String(link.split(separator: "/").last!)))),
                      HostileEndToEndTests.frame(.consent(Consent(allow: true, access: .viewOnly))), "#drain 0.5",
                      HostileEndToEndTests.frame(.scene(page)), "#drain 1"]
        let out = try f.runTool("/usr/bin/python3", [HostileEndToEndTests.rawFrames, "--ws", "127.0.0.1:\(f.port)", "--cacert", f.certificate,
                                                     "--linger", "3"], stdin: frames.joined(separator: "\n") + "\n")
        XCTAssertFalse(out.stderr.contains("Traceback"), out.stderr)
        let screen = try f.waitForScreen(console, "the page with the member id hidden") { $0.contains("[member id]") }
        XCTAssertFalse(screen.contains("12345678"), screen)
        XCTAssertFalse(f.logs().contains("MBR-12345678"), "never in a log either")
    }

    func testPolicyCheckSaysWhatAFileDoesOrWhyTheEngineWouldRefuseIt() throws {
        let f = try EngineFixture(agents: false)
        defer { f.shutdown() }
        let good = f.dir + "/good.json", bad = f.dir + "/bad.json"
        try Self.policy.write(toFile: good, atomically: true, encoding: .utf8)
        try #"{"privacy": {"mode": "private", "mask": [".x"]}}"#.write(toFile: bad, atomically: true, encoding: .utf8)

        let ok = try f.run(["policy", "check", good])
        XCTAssertTrue(ok.stdout.contains("valid"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("privacy mode: private-by-default"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("block: .chat-widget"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains(#"pattern "member id""#), ok.stdout)

        let no = try f.run(["policy", "check", bad], expectFailure: true)
        XCTAssertNotEqual(no.status, 0)
        XCTAssertTrue(no.stderr.contains("privacy.mode: private is not one of standard, private-by-default"), no.stderr)
        let missing = try f.run(["policy", "check", f.dir + "/none.json"], expectFailure: true)
        XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)

        // The engine refuses to start on the same file, with the same words, before it listens.
        let serve = try f.run(["serve", "--data", f.dir + "/engine", "--listen", "127.0.0.1:0", "--policy", bad], expectFailure: true)
        XCTAssertNotEqual(serve.status, 0)
        XCTAssertTrue(serve.stderr.contains("--policy \(bad): privacy.mode: private is not one of"), serve.stderr)
    }
}
