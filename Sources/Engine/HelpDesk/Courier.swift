import Foundation

/// What a courier made of one outbox row.
public struct CourierAnswer: Equatable, Sendable {
    public var outcome: DeskOutcome
    /// When delivered: what the far side said, as the feed quotes it ("250 2.0.0 Ok: queued", "SM…, queued").
    public var receipt: String?
    public init(_ outcome: DeskOutcome, receipt: String? = nil) { self.outcome = outcome; self.receipt = receipt }
}

/// The seam the outbox sender calls once per row: the help desk, the mail
/// server and the SMS gateway each carry their own rows. A courier never
/// throws: whatever went wrong is an answer (retry or failed) with a reason an
/// operator can read, and nothing in that reason is a secret or a link.
public protocol Courier: Sendable {
    /// Builds the row's call and sends it. Runs on the sender's task, never on an event loop.
    func carry(_ entry: OutboxEntry, now: Date) async -> CourierAnswer
}

/// The help desk's courier: a pure adapter builds the vendor's request, a transport sends it.
public struct DeskCourier: Courier {
    let desk: HelpDesk
    let transport: DeskTransport

    public init(desk: HelpDesk, transport: DeskTransport) { self.desk = desk; self.transport = transport }

    public func carry(_ entry: OutboxEntry, now: Date) async -> CourierAnswer {
        let request: DeskRequest
        do { request = try desk.request(ticket: entry.ticketId, call: entry.call, idempotencyKey: entry.idempotencyKey, now: now) } catch {
            return CourierAnswer(.failed(reason: "not sendable: \(error)"))
        }
        do {
            let response = try await transport.send(request)
            return CourierAnswer(DeskOutcome.of(response, now: Date()), receipt: "HTTP \(response.status)")
        } catch {
            return CourierAnswer(.retry(after: nil, reason: "no answer from the desk: \(OutboxText.mask(String(describing: error)))"))
        }
    }
}

/// Which courier carries each kind of row; a kind with none waits (with the reason) until an engine that has one starts.
public struct OutboxCouriers: Sendable {
    public var helpDesk: Courier?
    public var email: Courier?
    public var sms: Courier?
    public init(helpDesk: Courier? = nil, email: Courier? = nil, sms: Courier? = nil) {
        self.helpDesk = helpDesk; self.email = email; self.sms = sms
    }

    public var isEmpty: Bool { helpDesk == nil && email == nil && sms == nil }

    func courier(for channel: OutboxChannel) -> Courier? {
        switch channel {
        case .helpDesk: helpDesk
        case .email: email
        case .sms: sms
        }
    }

    /// What an engine must be started with to carry a row of this kind.
    static func missing(_ channel: OutboxChannel) -> String {
        switch channel {
        case .helpDesk: "this engine has no help desk (serve --helpdesk)"
        case .email: "this engine has no mail server (serve --smtp HOST:PORT)"
        case .sms: "this engine has no SMS gateway (serve --sms-url URL)"
        }
    }
}

/// How a row that tells a session's feed ended: the sender reports it, the hub writes the feed line.
public enum OutboxSettlement: Equatable, Sendable {
    case accepted(receipt: String?)
    case failed(reason: String)
}
