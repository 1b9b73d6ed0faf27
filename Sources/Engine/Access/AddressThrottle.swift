import Foundation

/// How much an address that has not proved anything may ask of the engine.
/// The one-time-link paths and customer hellos cost a database read and an
/// audit row each; without these bounds one client could fill the disk or
/// hold the engine busy (docs/protocol.md, "Bounds").
public struct GatewayLimits: Sendable, Equatable {
    /// Every HTTP request of one address (pages, assets).
    public var requestsPerSecond: Double
    public var requestBurst: Double
    /// Requests that look up a one-time link (`/join/`, `/view/`, `/present/`, a hello with a token or key).
    public var linkLookupsPerSecond: Double
    public var linkLookupBurst: Double
    /// Customers asking for live help from a page (each one a ticket in every agent's lobby).
    public var customerRequestsPerMinute: Double
    public var customerRequestBurst: Double
    /// Audit rows for refused links, per address and minute; the rest are counted into one row.
    public var refusalAuditsPerMinute: Int
    /// Connections of one address (or local uid) that have not finished their handshake.
    public var pendingHandshakesPerAddress: Int
    /// Open TCP connections of one address on the gateway, whatever they are doing (TLS, HTTP, WebSocket).
    public var connectionsPerAddress: Int
    /// A connection that sends no hello within this long is closed.
    public var handshakeTimeout: TimeInterval
    /// Addresses remembered at once; the stalest are forgotten first.
    public var trackedAddresses: Int

    public init(requestsPerSecond: Double = 50, requestBurst: Double = 100,
                linkLookupsPerSecond: Double = 5, linkLookupBurst: Double = 20,
                customerRequestsPerMinute: Double = 1, customerRequestBurst: Double = 3,
                refusalAuditsPerMinute: Int = 20, pendingHandshakesPerAddress: Int = 16, connectionsPerAddress: Int = 256,
                handshakeTimeout: TimeInterval = 10, trackedAddresses: Int = 10_000) {
        self.requestsPerSecond = requestsPerSecond; self.requestBurst = requestBurst
        self.linkLookupsPerSecond = linkLookupsPerSecond; self.linkLookupBurst = linkLookupBurst
        self.customerRequestsPerMinute = customerRequestsPerMinute; self.customerRequestBurst = customerRequestBurst
        self.refusalAuditsPerMinute = refusalAuditsPerMinute; self.pendingHandshakesPerAddress = pendingHandshakesPerAddress
        self.connectionsPerAddress = connectionsPerAddress
        self.handshakeTimeout = handshakeTimeout; self.trackedAddresses = trackedAddresses
    }
}

/// Token buckets and audit budgets per client address. Sans-I/O: the caller
/// passes the time and holds whatever lock it needs.
public struct AddressThrottle: Sendable {
    public enum Cost: Sendable { case request, linkLookup, customerRequest }

    /// Refusals that were counted instead of written, per address, to be
    /// written as one row each when their minute is over.
    public struct Suppressed: Equatable, Sendable {
        public var address: String
        public var count: Int
        public var since: Date
    }

    private struct Entry {
        var requests: Double
        var lookups: Double
        var customerRequests: Double
        var refilledAt: Date
        var auditWindowStart: Date
        var auditsInWindow: Int
        var suppressed: Int
        var lastSeen: Date
    }

    public let limits: GatewayLimits
    private var entries: [String: Entry] = [:]

    public init(limits: GatewayLimits = .init()) { self.limits = limits }

    /// The host part of "203.0.113.7:51234" or "[::1]:51234": the unit of every bound.
    public static func address(of remote: String) -> String {
        if remote.hasPrefix("["), let end = remote.firstIndex(of: "]") { return String(remote[remote.index(after: remote.startIndex)..<end]) }
        if let colon = remote.lastIndex(of: ":"), remote.firstIndex(of: ":") == colon { return String(remote[..<colon]) }
        return remote
    }

    /// Takes one token of the kind; false: the address is over its rate.
    public mutating func allow(_ cost: Cost, from address: String, now: Date) -> Bool {
        var e = entry(address, now)
        let dt = max(0, now.timeIntervalSince(e.refilledAt))
        e.requests = min(limits.requestBurst, e.requests + dt * limits.requestsPerSecond)
        e.lookups = min(limits.linkLookupBurst, e.lookups + dt * limits.linkLookupsPerSecond)
        e.customerRequests = min(limits.customerRequestBurst, e.customerRequests + dt * limits.customerRequestsPerMinute / 60)
        e.refilledAt = now
        var allowed = e.requests >= 1
        if allowed { e.requests -= 1 }
        switch cost {
        case .request: break
        case .linkLookup:
            if allowed { allowed = e.lookups >= 1; if allowed { e.lookups -= 1 } }
        case .customerRequest:
            if allowed { allowed = e.customerRequests >= 1; if allowed { e.customerRequests -= 1 } }
        }
        entries[address] = e
        return allowed
    }

    /// Whether a refusal from this address gets its own audit row; false: it was counted instead.
    public mutating func mayAuditRefusal(from address: String, now: Date) -> Bool {
        var e = entry(address, now)
        if now.timeIntervalSince(e.auditWindowStart) >= 60, e.suppressed == 0 {
            e.auditWindowStart = now
            e.auditsInWindow = 0
        }
        let allowed = e.auditsInWindow < limits.refusalAuditsPerMinute
        if allowed { e.auditsInWindow += 1 } else { e.suppressed += 1 }
        entries[address] = e
        return allowed
    }

    /// The counted refusals whose minute is over; their windows start again.
    public mutating func takeSuppressed(now: Date) -> [Suppressed] {
        var out: [Suppressed] = []
        for (address, var e) in entries where e.suppressed > 0 && now.timeIntervalSince(e.auditWindowStart) >= 60 {
            out.append(Suppressed(address: address, count: e.suppressed, since: e.auditWindowStart))
            e.suppressed = 0
            e.auditWindowStart = now
            e.auditsInWindow = 0
            entries[address] = e
        }
        return out.sorted { $0.address < $1.address }
    }

    private mutating func entry(_ address: String, _ now: Date) -> Entry {
        if var e = entries[address] { e.lastSeen = now; return e }
        if entries.count >= limits.trackedAddresses { forgetStalest() }
        return Entry(requests: limits.requestBurst, lookups: limits.linkLookupBurst, customerRequests: limits.customerRequestBurst, refilledAt: now,
                     auditWindowStart: now, auditsInWindow: 0, suppressed: 0, lastSeen: now)
    }

    /// Drops the tenth of the table seen longest ago, keeping any with counted refusals still to write.
    private mutating func forgetStalest() {
        let stale = entries.filter { $0.value.suppressed == 0 }.sorted { $0.value.lastSeen < $1.value.lastSeen }
        for (address, _) in stale.prefix(max(1, entries.count / 10)) { entries[address] = nil }
        if entries.count >= limits.trackedAddresses, let oldest = entries.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
            entries[oldest.key] = nil
        }
    }
}

/// Open connections per address, counted as the gateway accepts and closes
/// them: a client that opens thousands of sockets and sits in the TLS
/// handshake holds no more than its share.
final class ConnectionsPerAddress: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [String: Int] = [:]
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts one more connection from `address`; false (not counted) when it is over the limit.
    func admit(_ address: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let n = open[address, default: 0]
        guard n < limit else { return false }
        open[address] = n + 1
        return true
    }

    func release(_ address: String) {
        lock.lock(); defer { lock.unlock() }
        let n = (open[address] ?? 1) - 1
        open[address] = n > 0 ? n : nil
    }

    func count(_ address: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        return open[address] ?? 0
    }
}
