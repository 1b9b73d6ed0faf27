import Foundation
import NIOCore
import NIOPosix
import XCTest
@testable import Engine

final class TransportLocalChannelTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var dir: TransportTempDir!
    var servers: [LocalChannelServer] = []

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        dir = try TransportTempDir()
    }

    override func tearDownWithError() throws {
        servers.forEach { $0.stop() }
        try group.syncShutdownGracefully()
        dir.remove()
    }

    private func startServer(_ sink: TransportEchoSink, path: String? = nil) throws -> (LocalChannelServer, String) {
        let path = path ?? dir.file("engine.sock")
        let server = LocalChannelServer()
        try server.start(path: path, sink: sink, group: group)
        servers.append(server)
        return (server, path)
    }

    func testRoundTripCarriesThePeerUIDAndRepliesMatchRequests() throws {
        let sink = TransportEchoSink()
        let (_, path) = try startServer(sink)
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        defer { client.close() }

        XCTAssertEqual(client.welcome.server, "echo")
        XCTAssertEqual(sink.peers, [.local(uid: Int(getuid()), pid: Int(getpid()))])

        // Unsolicited traffic stays queued while a request waits for its own reply.
        client.send(.addNote(AddNote(text: "first")))
        let reply = try client.request(.addNote(AddNote(text: "second")), timeout: 5)
        XCTAssertEqual(reply, .addNote(AddNote(text: "second")))
        XCTAssertEqual(client.next(timeout: 5), .addNote(AddNote(text: "first")))
        XCTAssertEqual(client.poll(), [])
        XCTAssertNil(client.closedReason)
    }

    func testSocketFileIsOwnerOnly() throws {
        let (_, path) = try startServer(TransportEchoSink())
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
    }

    func testOversizedFrameGetsAnErrorAndTheConnectionStaysUp() throws {
        let (_, path) = try startServer(TransportEchoSink())
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        defer { client.close() }

        // Straight through the framing handler: a valid prefix announcing 2 MiB.
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20)
        try client.channel.writeAndFlush(big).wait()
        guard case let .error(error)? = client.next(timeout: 10) else { return XCTFail("expected an error reply") }
        XCTAssertEqual(error.code, .tooLarge)

        let reply = try client.request(.addNote(AddNote(text: "still here")), timeout: 5)
        XCTAssertEqual(reply, .addNote(AddNote(text: "still here")))
    }

    func testMalformedFrameIsAnsweredByTheSinkAndTheConnectionStaysUp() throws {
        let (_, path) = try startServer(TransportEchoSink())
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        defer { client.close() }
        try client.channel.writeAndFlush(Array("{not json".utf8)).wait()
        guard case let .error(error)? = client.next(timeout: 5) else { return XCTFail("expected an error reply") }
        XCTAssertEqual(error.code, .malformed)
        XCTAssertEqual(try client.request(.lobbyRequest, timeout: 5), .lobbyRequest)
    }

    func testASecondEngineOnALivePathFailsClearly() throws {
        let (_, path) = try startServer(TransportEchoSink())
        let second = LocalChannelServer()
        XCTAssertThrowsError(try second.start(path: path, sink: TransportEchoSink(), group: group)) { error in
            XCTAssertEqual("\(error)", "an engine is already running on \(path)")
        }
        // The first one is untouched.
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        client.close()
    }

    func testAStaleSocketFileIsReplaced() throws {
        let path = dir.file("stale.sock")
        // A socket file nobody listens on, as a killed engine leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try XCTUnwrap(LocalChannelServer.unixAddress(path))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))

        _ = try startServer(TransportEchoSink(), path: path)
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        client.close()
    }

    func testAPathThatIsNotASocketIsLeftAlone() throws {
        let path = dir.file("notes.txt")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        XCTAssertThrowsError(try LocalChannelServer().start(path: path, sink: TransportEchoSink(), group: group))
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep me".utf8))
    }

    func testNoEngineAndRefusalAreReportedInWords() throws {
        let missing = dir.file("none.sock")
        XCTAssertThrowsError(try LocalChannelClient.connect(path: missing, hello: Hello(client: "t"), timeout: 2)) { error in
            XCTAssertEqual("\(error)", "no engine is running at \(missing)")
        }
        let (_, path) = try startServer(TransportEchoSink())
        XCTAssertThrowsError(try LocalChannelClient.connect(path: path, hello: Hello(client: "t", token: "refuse-me"), timeout: 5)) { error in
            XCTAssertEqual("\(error)", "this link was already used")
            XCTAssertEqual((error as? TransportError)?.code, .linkUsed)
        }
    }

    func testClosingEitherSideIsSeen() throws {
        let sink = TransportEchoSink()
        let (server, path) = try startServer(sink)
        let client = try LocalChannelClient.connect(path: path, hello: Hello(client: "test"), timeout: 5)
        server.stop()
        XCTAssertNil(client.next(timeout: 5))
        XCTAssertEqual(client.closedReason, "the engine closed the connection")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        client.close()
        XCTAssertEqual(sink.closedCount, 1)
    }
}
