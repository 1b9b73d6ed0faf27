import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTPS GET over the same OpenSSL TLS 1.3 stack, as a browser opening a
/// link would do it. For the scripted customer and tests.
public enum HTTPSFetch {
    public static let maxBodyBytes = 8 << 20

    public static func get(url: String, trustedCertificate: String,
                           timeout: TimeInterval = 10) throws -> (status: Int, headers: [(String, String)], body: String) {
        guard let parsed = URL(string: url), parsed.scheme == "https", let host = parsed.host else {
            throw TransportError("not an https URL: \(url)")
        }
        let port = parsed.port ?? 443
        // URL.host drops the brackets of an IPv6 literal; the Host header needs them back.
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (parsed.port.map { ":\($0)" } ?? "")
        var target = parsed.path.isEmpty ? "/" : parsed.path
        if let query = parsed.query { target += "?" + query }

        let tls = try TLSContext.client(trusting: trustedCertificate)
        let outcome = OneShot<FetchHandler.Response>()
        let logger = Logger(label: "cobrowse.https-fetch")
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(max(timeout, 0.1) * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(OpenSSLHandler(context: tls, mode: .client(serverName: host), logger: logger))
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(FetchHandler(target: target, host: hostHeader, outcome: outcome))
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            throw TransportError("cannot connect to \(host):\(port): \(error)")
        }
        defer { channel.close(promise: nil) }
        switch outcome.wait(timeout: timeout) {
        case let .success(response)?:
            return (response.status, response.headers, String(decoding: response.body, as: UTF8.self))
        case let .failure(error)?:
            throw TransportError("GET \(url) failed: \(error)")
        case nil:
            throw TransportError("GET \(url): no answer within \(WireClient.seconds(timeout))")
        }
    }
}

/// Writes one GET once the channel is up and collects the response.
final class FetchHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
    }

    private let target: String
    private let host: String
    private let outcome: OneShot<Response>
    private var response: Response?

    init(target: String, host: String, outcome: OneShot<Response>) {
        self.target = target
        self.host = host
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "User-Agent", value: "cobrowse-fetch/1")
        headers.add(name: "Accept", value: "text/html,*/*")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            response = Response(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: [])
        case var .body(chunk):
            response?.body.append(contentsOf: chunk.readBytes(length: chunk.readableBytes) ?? [])
            if (response?.body.count ?? 0) > HTTPSFetch.maxBodyBytes {
                outcome.fulfill(.failure(TransportError("response body over \(HTTPSFetch.maxBodyBytes) bytes")))
                context.close(promise: nil)
            }
        case .end:
            if let response { outcome.fulfill(.success(response)) }
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        outcome.fulfill(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outcome.fulfill(.failure(TransportError("the connection closed before a complete response")))
        context.fireChannelInactive()
    }
}
