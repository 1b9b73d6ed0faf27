import Foundation

/// Who is at the other end of a connection, as far as the transport knows.
public enum PeerIdentity: Equatable, Sendable {
    /// A console on the Unix socket; the uid comes from SO_PEERCRED.
    case local(uid: Int, pid: Int)
    /// A customer (or a foreign peer) on the TLS gateway.
    case customer(remote: String)
}

/// One live connection. Transports implement it; the hub only sends encoded
/// payloads (one protocol frame each) and closes. Thread-safe.
public protocol PeerConnection: AnyObject, Sendable {
    var connectionID: Int { get }
    var peer: PeerIdentity { get }
    /// Sends one encoded frame (the transport adds its own framing).
    func send(_ payload: [UInt8])
    /// Sends what is queued, then closes.
    func close()
    /// Stops taking bytes from the peer until `resumeReading` (TCP pushes
    /// back on the sender): the engine has not yet handled what it sent.
    func pauseReading()
    func resumeReading()
}

extension PeerConnection {
    public func pauseReading() {}
    public func resumeReading() {}
}

/// A plain HTTP response from the gateway; the transport adds security headers.
public struct GatewayResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]
    public init(status: Int, contentType: String = "text/html; charset=utf-8", body: [UInt8], headers: [(String, String)] = []) {
        self.status = status; self.contentType = contentType; self.body = body; self.headers = headers
    }
    public static func html(_ status: Int, _ html: String) -> GatewayResponse {
        GatewayResponse(status: status, body: Array(html.utf8))
    }
}

/// What the transports deliver to the engine. Called from NIO event-loop
/// threads; the implementation serialises.
public protocol ConnectionSink: AnyObject, Sendable {
    func connectionOpened(_ connection: PeerConnection)
    /// One complete frame's payload (the framing is already removed).
    func connection(_ connection: PeerConnection, received payload: [UInt8])
    func connectionClosed(_ connection: PeerConnection)
    /// An HTTP request on the gateway that is not the WebSocket upgrade.
    /// `remote` is the client's "host:port", the unit of the gateway's rate limits.
    func httpRequest(method: String, path: String, headers: [(String, String)], remote: String) -> GatewayResponse
    /// A peer that had stopped reading reads again; `droppedFrames` frames
    /// were not sent to it meanwhile (only consoles are dropped for).
    func connectionCaughtUp(_ connection: PeerConnection, droppedFrames: Int)
    /// A POST on the gateway (the help desk's webhooks), body already bounded.
    /// Answered through `respond`, from any thread: the sink does its writes off the event loop.
    func httpPost(path: String, headers: [(String, String)], body: [UInt8], remote: String,
                  respond: @escaping @Sendable (GatewayResponse) -> Void)
}

extension ConnectionSink {
    public func connectionCaughtUp(_ connection: PeerConnection, droppedFrames: Int) {}
    public func httpPost(path: String, headers: [(String, String)], body: [UInt8], remote: String,
                         respond: @escaping @Sendable (GatewayResponse) -> Void) {
        respond(GatewayResponse(status: 405, contentType: "text/plain; charset=utf-8", body: Array("this address only answers GET\n".utf8)))
    }
}
