import Foundation
import NIOCore
import NIOPosix
import XCTest
@testable import Engine

/// A stand-in for the hub: answers `hello` with `welcome` (or an error for
/// the token "refuse-me"), echoes every other message back as a reply, and
/// serves a small page for any HTTP path.
final class TransportEchoSink: ConnectionSink, @unchecked Sendable {
    private let lock = NSLock()
    private var _peers: [PeerIdentity] = []
    private var _closed = 0

    var peers: [PeerIdentity] { lock.lock(); defer { lock.unlock() }; return _peers }
    var closedCount: Int { lock.lock(); defer { lock.unlock() }; return _closed }

    func connectionOpened(_ connection: PeerConnection) {
        lock.lock(); _peers.append(connection.peer); lock.unlock()
    }

    func connection(_ connection: PeerConnection, received payload: [UInt8]) {
        let frame: WireFrame
        do { frame = try WireCodec.decode(payload) } catch let error as WireError {
            connection.send(WireCodec.encode(error.reply))
            return
        } catch { return }
        switch frame.message {
        case let .hello(hello):
            if hello.token == "refuse-me" {
                connection.send(WireCodec.encode(.error(ErrorReply(code: .linkUsed, message: "this link was already used")), re: frame.id))
                connection.close()
            } else {
                connection.send(WireCodec.encode(.welcome(Welcome(server: "echo", role: .agent)), re: frame.id))
            }
        default:
            connection.send(WireCodec.encode(frame.message, re: frame.id))
        }
    }

    func connectionClosed(_ connection: PeerConnection) {
        lock.lock(); _closed += 1; lock.unlock()
    }

    func httpRequest(method: String, path: String, headers: [(String, String)], remote: String) -> GatewayResponse {
        .html(200, "<h1>echo page</h1><p>\(method) \(path)</p>")
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct TransportTempDir {
    let path: String
    init() throws {
        // Short: a Unix socket path must fit in 108 bytes.
        path = "/tmp/cbt-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program with a deadline; returns its exit status and combined output.
func runTool(_ executable: String, _ arguments: [String], stdin: String = "", timeout: TimeInterval = 15) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try? input.fileHandleForWriting.close()
    // Read while it runs, so a chatty program cannot fill the pipe and block.
    final class Box: @unchecked Sendable { var data = Data() }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        box.data = output.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    if done.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        _ = done.wait(timeout: .now() + 5)
        throw TransportError("\(executable) \(arguments.joined(separator: " ")) timed out")
    }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: box.data, as: UTF8.self))
}

func transportWhich(_ name: String) -> String? {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let path = dir + "/" + name
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}
