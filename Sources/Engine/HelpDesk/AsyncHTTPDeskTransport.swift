import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The desk's HTTP through async-http-client, on its own event loops (never
/// the gateway's): a slow desk cannot hold up a customer.
public final class AsyncHTTPDeskTransport: DeskTransport {
    private let client: HTTPClient
    private let timeout: TimeAmount
    /// A desk's answer is a small JSON object; more is not read.
    static let maxResponseBytes = 256 * 1024

    public init(timeout: TimeInterval = 30) {
        var config = HTTPClient.Configuration()
        // A redirect could carry the credential elsewhere; a desk API does not redirect.
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(10), read: .seconds(Int64(timeout)))
        // A desk that is down fails the call at once: the outbox keeps the row and owns the backoff.
        config.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.timeout = .seconds(Int64(timeout))
    }

    public func send(_ request: DeskRequest) async throws -> DeskResponse {
        var r = HTTPClientRequest(url: request.url)
        r.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { r.headers.add(name: name, value: value) }
        r.body = .bytes(ByteBuffer(bytes: request.body))
        let response = try await client.execute(r, timeout: timeout)
        var body = try await response.body.collect(upTo: Self.maxResponseBytes)
        return DeskResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                            body: body.readBytes(length: body.readableBytes) ?? [])
    }

    /// Closes the connections; call once, after the sender stopped.
    public func shutdown() {
        let done = DispatchSemaphore(value: 0)
        client.shutdown { _ in done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }
}
