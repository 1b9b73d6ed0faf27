import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// `cobrowse serve --metrics`: the real engine, a scripted customer over TLS,
/// the console socket, and Prometheus' view of it all through curl.
final class MetricsEndToEndTests: XCTestCase {
    var fixture: EngineFixture!
    var metricsPort = 0

    override func setUpWithError() throws {
        fixture = try EngineFixture()
        metricsPort = try EngineFixture.freePort()
        try fixture.startEngine(extra: ["--metrics", "127.0.0.1:\(metricsPort)"])
    }

    override func tearDown() {
        fixture?.shutdown()
    }

    private var metricsURL: String { "http://127.0.0.1:\(metricsPort)/metrics" }

    /// One scrape: (status line and headers, body).
    private func scrape(_ url: String? = nil, _ extra: [String] = []) throws -> (head: String, body: String) {
        let out = try fixture.runTool("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "-D", "/dev/stderr"] + extra + [url ?? metricsURL])
        return (out.stderr, out.stdout)
    }

    private func value(_ name: String, _ labels: [String: String] = [:]) throws -> Double {
        let body = try scrape().body
        guard let v = Self.value(body, name, labels) else { throw FixtureError("no \(name)\(labels) in the scrape:\n\(body)") }
        return v
    }

    /// Polls the scrape until `predicate` holds on it; returns that scrape.
    @discardableResult
    private func waitForScrape(_ what: String, timeout: TimeInterval = 30, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try? scrape().body) ?? ""
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.3)
        }
        throw FixtureError("timed out waiting for \(what); the last scrape was:\n\(last)")
    }

    static func value(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = String(line[..<space])
            let wanted = labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
            if Self.normalised(series) == wanted { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    /// `name{b="2",a="1"}` → `name{a="1",b="2"}`: the exposition does not promise an order of labels.
    static func normalised(_ series: String) -> String {
        guard let brace = series.firstIndex(of: "{") else { return series }
        let pairs = series[series.index(after: brace) ..< series.index(before: series.endIndex)].split(separator: ",").map(String.init).sorted()
        return String(series[..<brace]) + "{" + pairs.joined(separator: ",") + "}"
    }

    static func sum(_ text: String, _ name: String, where match: (String) -> Bool = { _ in true }) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && match(String($0)) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    func testASessionIsSeenLiveStartedDroppedAndEndedAndOnlyLoopbackServesIt() throws {
        let first = try scrape()
        XCTAssertTrue(first.head.hasPrefix("HTTP/1.1 200"), first.head)
        XCTAssertTrue(first.head.lowercased().contains("content-type: text/plain; version=0.0.4\r\n"), first.head)
        XCTAssertEqual(Self.sum(first.body, "cobrowse_live_sessions"), 0)
        XCTAssertTrue(first.body.contains("# HELP cobrowse_sessions_started_total "), first.body)

        // The session: an agent's invite on the console socket, the scripted customer on the gateway.
        let (session, link) = try fixture.invite()
        let customer = try fixture.spawnCustomer(link)
        try waitForScrape("the customer's first messages") {
            (Self.value($0, "cobrowse_messages_total", ["channel": "customer", "direction": "in"]) ?? 0) > 0
        }
        var text = try waitForScrape("the session to be live in View Only") {
            Self.sum($0, "cobrowse_live_sessions") { $0.contains("mode=\"view-only\"") } == 1
        }
        XCTAssertEqual(Self.sum(text, "cobrowse_live_sessions"), 1, "one live session, in one mode:\n\(text)")
        XCTAssertEqual(Self.value(text, "cobrowse_sessions_started_total", ["initiator": "auto-suggestion"]), 1,
                       "the billing ticket is one the engine suggests a co-browse for")
        XCTAssertEqual(Self.value(text, "cobrowse_sessions_started_total", ["initiator": "agent"]), 0)
        for channel in ["customer", "console"] {
            for direction in ["in", "out"] {
                let labels = ["channel": channel, "direction": direction]
                XCTAssertGreaterThan(Self.value(text, "cobrowse_messages_total", labels) ?? 0, 0, "\(labels)")
                XCTAssertGreaterThan(Self.value(text, "cobrowse_message_bytes_total", labels) ?? 0, 0, "\(labels)")
            }
        }
        XCTAssertEqual(Self.value(text, "cobrowse_customer_drops_total"), 0)
        XCTAssertEqual(Self.value(text, "cobrowse_outbox_undelivered_rows", ["state": "pending"]), 0, "no desk, no mail: nothing waits")

        // A killed customer is a drop once the agent is told (the 10-second heartbeat window).
        kill(customer.processIdentifier, SIGKILL)
        try waitForScrape("the drop") { Self.value($0, "cobrowse_customer_drops_total") == 1 }

        let ended = try fixture.run(["sessions", "end", session, "--outcome", "resolved", "--socket", fixture.socket])
        XCTAssertTrue(ended.stdout.contains(session), ended.stdout)
        text = try waitForScrape("the end") {
            Self.value($0, "cobrowse_sessions_ended_total", ["initiator": "auto-suggestion", "reason": "agent-ended"]) == 1
        }
        XCTAssertEqual(Self.sum(text, "cobrowse_live_sessions"), 0, text)
        XCTAssertEqual(Self.sum(text, "cobrowse_sessions_ended_total"), 1, "one session, one end")
        XCTAssertEqual(Self.value(text, "cobrowse_session_outcomes_total", ["initiator": "auto-suggestion", "outcome": "resolved"]), 1, text)
        XCTAssertEqual(Self.sum(text, "cobrowse_session_outcomes_total"), 1, "one outcome")
        // The store writer wrote the session's feed rows, each batch timed.
        let writes = try XCTUnwrap(Self.value(text, "cobrowse_store_write_duration_seconds_count"), text)
        XCTAssertGreaterThan(writes, 0)
        XCTAssertEqual(Self.value(text, "cobrowse_store_write_duration_seconds_bucket", ["le": "+Inf"]), writes)
        XCTAssertNotNil(Self.value(text, "cobrowse_store_write_duration_seconds_bucket", ["le": "0.005"]), text)
        XCTAssertNotNil(Self.value(text, "cobrowse_store_write_duration_seconds_sum"), text)

        // Only GET /metrics.
        XCTAssertTrue(try scrape("http://127.0.0.1:\(metricsPort)/").head.hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(try scrape("http://127.0.0.1:\(metricsPort)/join/x").head.hasPrefix("HTTP/1.1 404"))
        let posted = try scrape(nil, ["-X", "POST", "-d", "x=1"])
        XCTAssertTrue(posted.head.hasPrefix("HTTP/1.1 405") && posted.head.lowercased().contains("allow: get"), posted.head)

        // The customer gateway knows nothing of /metrics, over TLS or not.
        let gateway = try scrape("https://127.0.0.1:\(fixture.port)/metrics", ["--cacert", fixture.certificate])
        XCTAssertTrue(gateway.head.hasPrefix("HTTP/1.1 404"), gateway.head)
        XCTAssertFalse(gateway.body.contains("cobrowse_"), gateway.body)
        let plain = try fixture.runTool("/usr/bin/env", ["curl", "-sS", "--max-time", "5", "http://127.0.0.1:\(fixture.port)/metrics"])
        XCTAssertFalse(plain.stdout.contains("cobrowse_"), plain.stdout)
    }

    func testANonLoopbackAddressOrTheGatewaysPortIsRefusedBeforeAnythingStarts() throws {
        let port = try EngineFixture.freePort()
        for (address, says) in [("0.0.0.0:9", "0.0.0.0 is not a loopback address"), ("192.168.1.20:9464", "192.168.1.20 is not a loopback address"),
                                ("[::]:9464", ":: is not a loopback address"), ("127.0.0.1:\(port)", "is the customer gateway's")] {
            let data = fixture.dir + "/refused-\(UUID().uuidString.prefix(6))"
            let out = try fixture.run(["serve", "--data", data, "--listen", "127.0.0.1:\(port)", "--metrics", address], expectFailure: true)
            XCTAssertNotEqual(out.status, 0, address)
            XCTAssertTrue(out.stderr.contains("--metrics: ") && out.stderr.contains(says), "\(address): \(out.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: data), "\(address): the engine did not start at all")
        }
        // A port another engine's metrics hold: the second engine stops before its gateway or socket listen.
        let data = fixture.dir + "/second"
        let out = try fixture.run(["serve", "--data", data, "--listen", "127.0.0.1:\(port)", "--metrics", "127.0.0.1:\(metricsPort)"],
                                  expectFailure: true)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("cannot serve metrics on 127.0.0.1:\(metricsPort)"), out.stderr)
        XCTAssertFalse(EngineFixture.canConnect(port: port), "the second gateway never listened")
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/engine.sock"))
    }
}
