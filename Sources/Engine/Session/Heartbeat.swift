import Foundation

/// Round-trip and loss of the customer's connection, from the engine's pings.
/// Pure: the machine tells it when pings go out and pongs come back.
struct Heartbeat: Sendable {
    struct Sent: Sendable { var seq: Int; var at: Date; var rtt: TimeInterval? }

    /// How many recent pings the loss figure covers.
    static let window = 10
    /// A ping unanswered this long counts as lost.
    static let lossAfter: TimeInterval = 3
    /// Decided pings before there is a figure at all: the first ones meet a page
    /// still loading, and one slow answer is no verdict on the connection.
    static let minimumDecided = 3

    private(set) var sent: [Sent] = []
    private(set) var nextSeq = 1
    private(set) var lastSentAt: Date?

    /// The seq of a ping to send now, or nil when the last one is recent enough.
    mutating func pingIfDue(now: Date, interval: TimeInterval) -> Int? {
        if let last = lastSentAt, now.timeIntervalSince(last) < interval { return nil }
        let seq = nextSeq
        nextSeq += 1
        lastSentAt = now
        sent.append(Sent(seq: seq, at: now, rtt: nil))
        if sent.count > Self.window { sent.removeFirst(sent.count - Self.window) }
        return seq
    }

    /// Records a pong; false for a seq we never sent (or already answered).
    mutating func pong(seq: Int, now: Date) -> Bool {
        guard let i = sent.firstIndex(where: { $0.seq == seq }), sent[i].rtt == nil else { return false }
        sent[i].rtt = max(0, now.timeIntervalSince(sent[i].at))
        return true
    }

    /// A fresh start after a reconnect: old pings say nothing about the new connection.
    mutating func reset() { sent = []; lastSentAt = nil }

    /// Average round trip of the answered pings and the share of decided pings
    /// that went unanswered; nil ("measuring") until `minimumDecided` pings are decided.
    func measure(now: Date) -> QualityMeasurement? {
        let decided = sent.filter { $0.rtt != nil || now.timeIntervalSince($0.at) >= Self.lossAfter }
        guard decided.count >= Self.minimumDecided else { return nil }
        let rtts = decided.compactMap(\.rtt)
        let lost = decided.count - rtts.count
        let rttMs = rtts.isEmpty ? nil : Int((rtts.reduce(0, +) / Double(rtts.count) * 1000).rounded())
        let loss = Int((Double(lost) * 100 / Double(decided.count)).rounded())
        return QualityMeasurement(rttMs: rttMs, lossPercent: loss)
    }
}

/// One reading of the connection, and the Good / Fair / Poor both sides see.
public struct QualityMeasurement: Equatable, Sendable {
    public var rttMs: Int?
    public var lossPercent: Int

    public init(rttMs: Int?, lossPercent: Int) { self.rttMs = rttMs; self.lossPercent = lossPercent }

    /// Good: rtt < 150 ms and loss < 2 %. Fair: rtt < 400 ms and loss < 10 %. Poor otherwise
    /// (including when nothing came back at all).
    public var quality: ConnectionQuality {
        guard let rtt = rttMs else { return .poor }
        if rtt < 150 && lossPercent < 2 { return .good }
        if rtt < 400 && lossPercent < 10 { return .fair }
        return .poor
    }
}
