import Foundation
import NIOCore

/// Where `serve --metrics` listens: a loopback address only. The figures say
/// how many sessions run, in which modes, and how much traffic each side
/// makes, to anyone who can reach the port, without a login; a scraper on the
/// same machine (or a node exporter's sidecar, an SSH tunnel) reaches loopback,
/// a customer or a stranger on the network does not.
public struct MetricsEndpoint: Equatable, Sendable {
    public let host: String
    public let port: Int

    /// Why an address was refused, in words for the operator.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464` (port 0: any free one).
    /// `gatewayPort`: the customer gateway's, which the metrics never share.
    public init(_ text: String, gatewayPort: Int? = nil) throws {
        let (host, portText): (Substring, Substring)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Refusal(message: "\(text) is not HOST:PORT (an IPv6 address goes in brackets: [::1]:9464)")
            }
            host = text[text.index(after: text.startIndex) ..< close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Refusal(message: "\(text) is not HOST:PORT (e.g. 127.0.0.1:9464)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0 ... 65535).contains(port) else {
            throw Refusal(message: "\(text): the port must be 0...65535")
        }
        let name = host == "localhost" ? "127.0.0.1" : String(host)
        guard Self.isLoopback(name) else {
            throw Refusal(message: "\(host) is not a loopback address: the metrics are served on 127.0.0.0/8 or [::1] only, for a scraper on this machine (they carry no login)")
        }
        if let gatewayPort, port != 0, port == gatewayPort {
            throw Refusal(message: "port \(port) is the customer gateway's: the metrics listen on a port of their own, never where customers connect")
        }
        self.host = name
        self.port = port
    }

    /// A numeric IPv4 address in 127.0.0.0/8, or ::1. Names other than
    /// `localhost` are refused rather than resolved: what a name resolves to can change.
    static func isLoopback(_ host: String) -> Bool {
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        switch address {
        case let .v4(v4):
            // s_addr is in network order: its first byte in memory is the address's first octet.
            return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { $0[0] } == 127
        case let .v6(v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) } == Array(repeating: 0, count: 15) + [1]
        default:
            return false
        }
    }

    /// `http://127.0.0.1:9464/metrics`, with the port actually bound.
    public func url(port bound: Int) -> String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(bound)/metrics"
    }
}
