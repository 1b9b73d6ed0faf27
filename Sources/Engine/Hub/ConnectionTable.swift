import Foundation
import NIOConcurrencyHelpers

/// What the engine knows about one connection: who it speaks as and which
/// session it belongs to. Its hello and, for a console, the requests that
/// belong to no session run on its own lane; once it belongs to a session,
/// its messages go on to that session's lane, in the order they came.
final class Link: @unchecked Sendable {
    let connection: PeerConnection
    /// The unit every bound on unauthenticated peers counts by: a customer's IP, a console's uid.
    let address: String
    let openedAt: Date
    let lane: SerialLane
    private let box = NIOLockedValueBox(State())

    struct State {
        var role: Role = .handshaking
        var sessionId: String?
        /// A console attached read-only (a supervisor's watch, or not the session's agent).
        var watch = false
        /// Frames refused before a hello; a peer that keeps sending them is closed.
        var refusedBeforeHello = 0
        /// Bytes received and not yet handled by the lane.
        var bytesInFlight = 0
        var paused = false
    }

    enum Role: Equatable {
        case handshaking
        case console(Agent)
        case customer
        /// One of the customer's team in the browser viewer page.
        case viewer(String)
        /// The customer watching the page the agent shows, in the viewer page.
        case mirror
        /// The agent's own browser tab showing a page.
        case presenter

        /// Who this connection speaks as in the message table; nil before the hello.
        var sender: MessageSender? {
            switch self {
            case .handshaking: nil
            case .console: .console
            case .customer: .customer
            case .viewer: .viewer
            case .presenter: .presenter
            case .mirror: .mirror
            }
        }
    }

    init(connection: PeerConnection, address: String, openedAt: Date, lane: SerialLane) {
        self.connection = connection
        self.address = address
        self.openedAt = openedAt
        self.lane = lane
    }

    var id: Int { connection.connectionID }
    var state: State { box.withLockedValue { $0 } }
    var role: Role { box.withLockedValue { $0.role } }
    var sessionId: String? { box.withLockedValue { $0.sessionId } }
    var isHandshaking: Bool { role == .handshaking }

    func update(_ change: (inout State) -> Void) { box.withLockedValue(change) }

    /// Joins a session as `role`.
    func bind(_ role: Role, to sessionId: String?, watch: Bool = false) {
        update { $0.role = role; $0.sessionId = sessionId; $0.watch = watch }
    }

    /// Leaves `sessionId` (if still in it), keeping the role.
    func unbind(from sessionId: String) {
        update { if $0.sessionId == sessionId { $0.sessionId = nil } }
    }

    enum Admission { case take, takeAndPause, refuse }

    /// Takes a received frame onto the lane. Past `pauseAt` bytes waiting the
    /// peer is paused; past `refuseAt` (a transport that cannot pause) refused.
    func admit(_ bytes: Int, pauseAt: Int, refuseAt: Int) -> Admission {
        box.withLockedValue { s in
            guard s.bytesInFlight + bytes <= refuseAt else { return .refuse }
            s.bytesInFlight += bytes
            guard s.bytesInFlight > pauseAt, !s.paused else { return .take }
            s.paused = true
            return .takeAndPause
        }
    }

    /// A frame was handled; true when the paused peer may be read again.
    func handled(_ bytes: Int, resumeBelow: Int) -> Bool {
        box.withLockedValue { s in
            s.bytesInFlight -= bytes
            guard s.paused, s.bytesInFlight < resumeBelow else { return false }
            s.paused = false
            return true
        }
    }

    /// Counts a frame refused before the hello; true when the peer has had its allowance.
    func refusedBeforeHello(allowed: Int) -> Bool {
        box.withLockedValue { s in
            s.refusedBeforeHello += 1
            return s.refusedBeforeHello >= allowed
        }
    }
}

/// Every open connection. Its lock guards the table only, for as long as a
/// dictionary lookup takes; no session work runs under it.
final class ConnectionTable: @unchecked Sendable {
    private let box = NIOLockedValueBox([Int: Link]())

    subscript(id: Int) -> Link? { box.withLockedValue { $0[id] } }

    /// Adds a link; returns how many others from its address are still to say hello.
    func add(_ link: Link) -> Int {
        box.withLockedValue { table in
            let pending = table.values.filter { $0.address == link.address && $0.isHandshaking }.count
            table[link.id] = link
            return pending
        }
    }

    func remove(_ id: Int) -> Link? { box.withLockedValue { $0.removeValue(forKey: id) } }

    var all: [Link] { box.withLockedValue { Array($0.values) } }

    func handshaking(openedBefore cutoff: Date) -> [Link] {
        all.filter { $0.isHandshaking && $0.openedAt <= cutoff }
    }

    /// The consoles of the agent called `name`, wherever they are attached.
    func consoles(agentName name: String) -> [Link] {
        all.filter { if case let .console(agent) = $0.role { agent.name == name } else { false } }
    }

    /// The consoles of agents at `level`, wherever they are attached.
    func consoles(level: AgentLevel) -> [Link] {
        all.filter { if case let .console(agent) = $0.role { agent.level == level } else { false } }
    }
}
