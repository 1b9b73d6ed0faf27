import Engine
import Foundation
import NIOCore
import NIOEmbedded

/// Raw bytes as one or more HTTP/1.1 requests into the gateway's pipeline
/// (`CustomerGateway.addHTTPHandlers`, no TLS), answered by a real
/// `EngineHub` over a SQLite store in a temporary directory (one per process).
/// A request for `/ws` may upgrade, and the bytes after it reach the hub as
/// WebSocket frames.
public enum HTTPRequestTarget {
    static let hub: EngineHub = {
        let prefix = "cobrowse-fuzz-hub-", temp = NSTemporaryDirectory()
        // A crashed (or forked and killed) fuzzer leaves its directory behind: remove those of processes gone.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? [] where name.hasPrefix(prefix) {
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temp + name)
            }
        }
        let dir = temp + prefix + "\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: dir + "/cobrowse.sqlite")
            atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "cobrowse-fuzz-hub-\(getpid())") }
            return EngineHub(store: store, publicBaseURL: "https://127.0.0.1:8443", lanes: .inline, logger: quietLogger)
        } catch {
            fatalError("cannot open a store for the hub in \(dir): \(error)")
        }
    }()

    public static func run(_ input: [UInt8]) {
        let channel = gatewayChannel(sink: hub, ids: .shared)
        _ = try? channel.writeInbound(channel.allocator.buffer(bytes: input))
        channel.embeddedEventLoop.run()
        _ = channel.drainOutbound()
        channel.wrapUp()
    }
}
