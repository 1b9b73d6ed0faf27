import Foundation
import XCTest
@testable import Engine

/// One series' value in a text exposition, by its name and exact labels (nil: absent).
func metricValue(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let series = line[..<space], value = line[line.index(after: space)...]
        let (seriesName, labelText): (Substring, Substring)
        if let brace = series.firstIndex(of: "{") {
            (seriesName, labelText) = (series[..<brace], series[series.index(after: brace) ..< series.index(before: series.endIndex)])
        } else {
            (seriesName, labelText) = (series, "")
        }
        guard seriesName == name else { continue }
        var found: [String: String] = [:]
        for pair in labelText.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            found[String(kv[0])] = String(kv[1].dropFirst().dropLast())
        }
        if found == labels { return Double(value) }
    }
    return nil
}

final class EngineMetricsTests: XCTestCase {
    func testEverySeriesIsThereFromTheStartWithItsHelpBeforeItsType() {
        let metrics = EngineMetrics()
        let text = metrics.exposition(.init(liveSessions: [], outboxBacklog: [:]))
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsStarted, ["initiator": "customer-request"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsEnded, ["initiator": "agent", "reason": "customer-lost"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "full-control", "quality": "unknown"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.customerDrops), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "console", "direction": "out"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.bytes, ["channel": "customer", "direction": "in"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.recordingBytes), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "failed"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.storeWriteDuration + "_count"), 0)
        let lines = text.split(separator: "\n").map(String.init)
        for (name, help) in EngineMetrics.help {
            let type = try! XCTUnwrap(lines.firstIndex { $0.hasPrefix("# TYPE \(name) ") }, "no TYPE line for \(name)")
            XCTAssertEqual(lines[type - 1], "# HELP \(name) \(help)")
        }
        XCTAssertTrue(text.hasSuffix("\n") && !text.hasSuffix("\n\n"), "one newline at the end, as the format wants")
        XCTAssertTrue(EngineMetrics.help.keys.allSatisfy { $0.hasPrefix("cobrowse_") })
        XCTAssertTrue([EngineMetrics.Name.sessionsStarted, EngineMetrics.Name.sessionsEnded, EngineMetrics.Name.customerDrops,
                       EngineMetrics.Name.messages, EngineMetrics.Name.bytes, EngineMetrics.Name.recordingBytes].allSatisfy { $0.hasSuffix("_total") })
    }

    func testLiveSessionsAndTheBacklogAreWhatTheSnapshotSaysAtEachScrape() {
        let metrics = EngineMetrics()
        let ticket = Ticket(id: "T-1", subject: "Billing", customer: "Dana W.")
        func session(_ mode: ControlMode, _ quality: ConnectionQuality, _ status: SessionStatus) -> SessionSummary {
            SessionSummary(id: "S-\(UUID().uuidString.prefix(6))", ticket: ticket, agentName: "Maria S.", status: status, controlMode: mode,
                           createdAt: Date(), quality: quality)
        }
        var text = metrics.exposition(.init(liveSessions: [session(.guided, .good, .active), session(.guided, .good, .active),
                                                           session(.viewOnly, .unknown, .linkMinted), session(.controlled, .poor, .ended)],
                                            outboxBacklog: [.pending: 3, .failed: 1]))
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "guided", "quality": "good"]), 2)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "view-only", "quality": "unknown"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "controlled", "quality": "poor"]), 0, "an ended session is not live")
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "pending"]), 3)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "failed"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "sending"]), 0)
        // The next scrape forgets what has gone: a gauge is set each time, not added to.
        text = metrics.exposition(.init(liveSessions: [], outboxBacklog: [:]))
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "guided", "quality": "good"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "pending"]), 0)
    }

    func testCountersTrafficAndTheStoreHistogramAddUp() {
        let metrics = EngineMetrics()
        metrics.sessionStarted(.onboarding)
        metrics.sessionStarted(nil)
        metrics.sessionEnded(.onboarding, reason: .timeLimit)
        metrics.customerDropped()
        metrics.customerTraffic.received(120)
        metrics.customerTraffic.received(30)
        metrics.consoleTraffic.sent(1000)
        metrics.recordingWritten(4096)
        metrics.storeWrite(tookNanoseconds: 3_000_000)
        metrics.storeWrite(tookNanoseconds: 2_000_000_000)
        let text = metrics.exposition(.init(liveSessions: [], outboxBacklog: [:]))
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsStarted, ["initiator": "onboarding"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsStarted, ["initiator": "agent"]), 1, "a session kept before initiators were: the agent's")
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsEnded, ["initiator": "onboarding", "reason": "time-limit"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.customerDrops), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "customer", "direction": "in"]), 2)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.bytes, ["channel": "customer", "direction": "in"]), 150)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "console", "direction": "out"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.bytes, ["channel": "console", "direction": "out"]), 1000)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "customer", "direction": "out"]), 0)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.recordingBytes), 4096)
        let histogram = EngineMetrics.Name.storeWriteDuration
        XCTAssertEqual(metricValue(text, histogram + "_count"), 2)
        XCTAssertEqual(try XCTUnwrap(metricValue(text, histogram + "_sum")), 2.003, accuracy: 1e-9, "in seconds")
        XCTAssertEqual(metricValue(text, histogram + "_bucket", ["le": "0.005"]), 1)
        XCTAssertEqual(metricValue(text, histogram + "_bucket", ["le": "1.0"]), 1)
        XCTAssertEqual(metricValue(text, histogram + "_bucket", ["le": "5.0"]), 2)
        XCTAssertEqual(metricValue(text, histogram + "_bucket", ["le": "+Inf"]), 2)
    }

    func testTwoEnginesInOneProcessCountApart() {
        let first = EngineMetrics(), second = EngineMetrics()
        first.sessionStarted(.agent)
        XCTAssertEqual(metricValue(first.exposition(.init(liveSessions: [], outboxBacklog: [:])), EngineMetrics.Name.sessionsStarted, ["initiator": "agent"]), 1)
        XCTAssertEqual(metricValue(second.exposition(.init(liveSessions: [], outboxBacklog: [:])), EngineMetrics.Name.sessionsStarted, ["initiator": "agent"]), 0)
    }

    func testHelpGoesBeforeEachTypeLineOnly() {
        let text = "# TYPE a_total counter\na_total 1\n# TYPE b gauge\nb 2\n"
        XCTAssertEqual(EngineMetrics.withHelp(text, ["a_total": "What a counts."]),
                       "# HELP a_total What a counts.\n# TYPE a_total counter\na_total 1\n# TYPE b gauge\nb 2\n")
        XCTAssertEqual(EngineMetrics.withHelp("", ["a_total": "x"]), "\n")
    }
}

final class MetricsEndpointTests: XCTestCase {
    func testLoopbackAddressesAreTaken() throws {
        XCTAssertEqual(try MetricsEndpoint("127.0.0.1:9464"), try MetricsEndpoint("localhost:9464"))
        XCTAssertEqual(try MetricsEndpoint("127.0.0.1:9464").host, "127.0.0.1")
        XCTAssertEqual(try MetricsEndpoint("127.8.9.10:0").port, 0)
        XCTAssertEqual(try MetricsEndpoint("[::1]:9464").host, "::1")
        XCTAssertEqual(try MetricsEndpoint("[::1]:9464").url(port: 9464), "http://[::1]:9464/metrics")
        XCTAssertEqual(try MetricsEndpoint("127.0.0.1:0").url(port: 40123), "http://127.0.0.1:40123/metrics")
    }

    func testEveryOtherAddressIsRefusedSayingWhy() {
        for text in ["0.0.0.0:9", "[::]:9464", "10.0.0.5:9464", "192.168.1.20:9464", "203.0.113.7:9464", "metrics.example.com:9464",
                     "128.0.0.1:9464", "[::ffff:127.0.0.1]:9464"] {
            XCTAssertThrowsError(try MetricsEndpoint(text), text) { error in
                XCTAssertTrue("\(error)".contains("is not a loopback address"), "\(text): \(error)")
            }
        }
        for text in ["9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "[::1]9464", "::1:9464"] {
            XCTAssertThrowsError(try MetricsEndpoint(text), text) { error in
                XCTAssertTrue("\(error)".contains("HOST:PORT") || "\(error)".contains("port must be"), "\(text): \(error)")
            }
        }
    }

    func testTheCustomerGatewaysPortIsNeverShared() {
        XCTAssertThrowsError(try MetricsEndpoint("127.0.0.1:8443", gatewayPort: 8443)) { error in
            XCTAssertTrue("\(error)".contains("customer gateway"), "\(error)")
        }
        XCTAssertNoThrow(try MetricsEndpoint("127.0.0.1:9464", gatewayPort: 8443))
    }
}
