import Foundation
import NIOPosix
import XCTest
@testable import Engine

/// The hub counts what its sessions do, from the machine's own figures.
final class MetricsHubTests: HubTestCase {
    var metrics: EngineMetrics!

    override func setUpWithError() throws {
        try super.setUpWithError()
        metrics = EngineMetrics()
        let c = clock!
        hub = EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, metrics: metrics, clock: { c.now })
    }

    private var scrape: String {
        metrics.exposition(.init(liveSessions: hub.liveSessionSummaries(), outboxBacklog: try! store.outboxBacklog()))
    }

    func testASessionIsCountedStartedLiveDroppedAndEndedWithItsReason() throws {
        let (agent, customer, sid) = try activeSession()
        var text = scrape
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsStarted, ["initiator": "auto-suggestion"]), 1, "billing is a suggested category")
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "view-only", "quality": "unknown"]), 1)
        XCTAssertGreaterThan(try XCTUnwrap(metricValue(text, EngineMetrics.Name.storeWriteDuration + "_count")), 0,
                             "the feed rows went through the store writer")

        hub.connectionClosed(customer)
        clock.advance(5); hub.tick()
        XCTAssertEqual(metricValue(scrape, EngineMetrics.Name.customerDrops), 0, "a blip is not a drop")
        clock.advance(6); hub.tick()
        XCTAssertEqual(metricValue(scrape, EngineMetrics.Name.customerDrops), 1)

        send(agent, .endSession(EndSession(sessionId: sid)), id: 9)
        text = scrape
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.sessionsEnded, ["initiator": "auto-suggestion", "reason": "agent-ended"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.liveSessions, ["mode": "view-only", "quality": "unknown"]), 0)
        // Asking again for an ended session ends nothing more.
        send(agent, .endSession(EndSession(sessionId: sid)), id: 10)
        XCTAssertEqual(metricValue(scrape, EngineMetrics.Name.sessionsEnded, ["initiator": "auto-suggestion", "reason": "agent-ended"]), 1)
    }

    func testTheOutboxBacklogIsCountedByState() throws {
        let outbox = HelpDeskOutbox(desk: .zendesk, store: store)
        try outbox.internalNote(ticket: "T-1", body: "first")
        try outbox.internalNote(ticket: "T-1", body: "second")
        let due = try store.dueOutbox(now: Date().addingTimeInterval(60), limit: 10)
        try store.markFailed(id: try XCTUnwrap(due.first).id, at: Date(), reason: "401 from the desk")
        XCTAssertEqual(try store.outboxBacklog(), [.pending: 1, .failed: 1])
        let text = scrape
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "pending"]), 1)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.outboxBacklog, ["state": "failed"]), 1)
    }
}

/// Recording bytes are what reached the file, header and chunks, across recordings.
final class RecordingMetricsTests: XCTestCase {
    func testBytesWrittenAreTheRecordingFilesSizes() throws {
        let fixture = try RecordingFixture()
        let metrics = EngineMetrics()
        fixture.service.metrics = metrics
        let (first, _) = try fixture.record(seconds: 30)
        let (second, _) = try fixture.record(seconds: 5)
        let onDisk = fixture.bytes(first).count + fixture.bytes(second).count
        XCTAssertGreaterThan(onDisk, 0)
        let text = metrics.exposition(.init(liveSessions: [], outboxBacklog: [:]))
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.recordingBytes), Double(onDisk))
    }
}

/// The admin listener answers GET /metrics, and refuses everything else, off the event loop.
final class MetricsListenerTests: XCTestCase {
    func testGetMetricsAnswersTheExpositionAndNothingElseIsServed() throws {
        guard let curl = transportWhich("curl") else { return XCTFail("curl is not installed: ./scripts/test installs it") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listener = MetricsListener()
        defer { listener.stop() }
        let failing = NIOLockedValueBoxFlag()
        let port = try listener.start(try MetricsEndpoint("127.0.0.1:0"), group: group) {
            if failing.value { throw StoreError.invalid("database is locked") }
            return "# TYPE cobrowse_x_total counter\ncobrowse_x_total 7\n"
        }
        XCTAssertGreaterThan(port, 0)
        let url = "http://127.0.0.1:\(port)"
        let ok = try runTool(curl, ["-sS", "-D", "-", "--max-time", "10", url + "/metrics"]).output
        XCTAssertTrue(ok.hasPrefix("HTTP/1.1 200"), ok)
        XCTAssertTrue(ok.lowercased().contains("content-type: text/plain; version=0.0.4\r\n"), ok)
        XCTAssertTrue(ok.hasSuffix("cobrowse_x_total 7\n"), ok)
        func status(_ args: [String]) throws -> String {
            try runTool(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"] + args).output
        }
        XCTAssertEqual(try status([url + "/"]), "404")
        XCTAssertEqual(try status([url + "/metrics/x"]), "404")
        XCTAssertEqual(try status(["-X", "POST", "-d", "x", url + "/metrics"]), "405")
        XCTAssertEqual(try status(["-X", "DELETE", url + "/metrics"]), "405")
        XCTAssertEqual(try status([url + "/metrics?name=x"]), "200")
        // Two requests on one kept-alive connection are each answered.
        let twice = try runTool(curl, ["-sS", "--max-time", "10", url + "/metrics", url + "/metrics"]).output
        XCTAssertEqual(twice.components(separatedBy: "cobrowse_x_total 7").count, 3, twice)
        failing.value = true
        let failed = try runTool(curl, ["-sS", "-D", "-", "--max-time", "10", url + "/metrics"]).output
        XCTAssertTrue(failed.hasPrefix("HTTP/1.1 500") && failed.contains("database is locked"), failed)
    }

    func testAConnectionThatSaysNothingIsClosed() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listener = MetricsListener()
        defer { listener.stop() }
        let port = try listener.start(try MetricsEndpoint("127.0.0.1:0"), group: group, idleLimit: .milliseconds(300)) { "" }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(connected, 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let began = Date()
        var byte: UInt8 = 0
        XCTAssertEqual(recv(fd, &byte, 1, 0), 0, "closed by the listener, not timed out here")
        XCTAssertLessThan(Date().timeIntervalSince(began), 4)
    }

    func testAPortInUseIsAClearError() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let first = MetricsListener(), second = MetricsListener()
        defer { first.stop(); second.stop() }
        let port = try first.start(try MetricsEndpoint("127.0.0.1:0"), group: group) { "" }
        XCTAssertThrowsError(try second.start(try MetricsEndpoint("127.0.0.1:\(port)"), group: group) { "" }) { error in
            XCTAssertTrue("\(error)".contains("cannot serve metrics on 127.0.0.1:\(port)"), "\(error)")
        }
    }
}

/// A flag the render closure reads from the scrape queue.
final class NIOLockedValueBoxFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return flag }
        set { lock.lock(); flag = newValue; lock.unlock() }
    }
}

/// The console socket counts each frame in and out where it crosses the transport.
final class TrafficMetricsTests: XCTestCase {
    func testTheConsoleSocketCountsEveryMessageEachWay() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let dir = try TransportTempDir()
        defer { dir.remove() }
        let metrics = EngineMetrics()
        let server = LocalChannelServer()
        server.traffic = metrics.consoleTraffic
        try server.start(path: dir.file("engine.sock"), sink: TransportEchoSink(), group: group)
        defer { server.stop() }
        let client = try LocalChannelClient.connect(path: dir.file("engine.sock"), hello: Hello(client: "test"), timeout: 5)
        defer { client.close() }
        XCTAssertEqual(try client.request(.addNote(AddNote(text: "first")), timeout: 5), .addNote(AddNote(text: "first")))
        XCTAssertEqual(try client.request(.addNote(AddNote(text: "second")), timeout: 5), .addNote(AddNote(text: "second")))
        let text = metrics.exposition(.init(liveSessions: [], outboxBacklog: [:]))
        // The hello and two notes in; the welcome and two echoes out.
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "console", "direction": "in"]), 3)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "console", "direction": "out"]), 3)
        XCTAssertGreaterThan(try XCTUnwrap(metricValue(text, EngineMetrics.Name.bytes, ["channel": "console", "direction": "in"])), 30)
        XCTAssertGreaterThan(try XCTUnwrap(metricValue(text, EngineMetrics.Name.bytes, ["channel": "console", "direction": "out"])), 30)
        XCTAssertEqual(metricValue(text, EngineMetrics.Name.messages, ["channel": "customer", "direction": "in"]), 0, "the gateway's are apart")
    }
}
