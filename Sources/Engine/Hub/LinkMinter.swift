import Foundation
import NIOConcurrencyHelpers

/// Mints one-time links: the token goes into the URL, only its hash into the
/// store, with the policy's lifetime. One place for every kind of link.
final class LinkMinter: @unchecked Sendable {
    private let store: SessionStore
    private let lifetime: TimeInterval
    private let clock: @Sendable () -> Date
    private let base = NIOLockedValueBox("")

    init(store: SessionStore, lifetime: TimeInterval, baseURL: String, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.lifetime = lifetime
        self.clock = clock
        base.withLockedValue { $0 = baseURL }
    }

    /// e.g. "https://127.0.0.1:8443"; the engine sets it once the gateway listens.
    var baseURL: String {
        get { base.withLockedValue { $0 } }
        set { base.withLockedValue { $0 = newValue } }
    }

    /// Stores a new link of `purpose` (nil: the customer's consent link) and returns its URL.
    func mint(_ purpose: LinkPurpose?, session: String, viewerName: String? = nil) throws -> String {
        let minted = OneTimeLink.mint()
        let now = clock()
        try store.insertLink(LinkRecord(tokenHash: minted.hash, sessionId: session, createdAt: now,
                                        expiresAt: now.addingTimeInterval(lifetime), viewerName: viewerName, purpose: purpose))
        return "\(baseURL)/\(Self.path(purpose))/\(minted.token)"
    }

    static func path(_ purpose: LinkPurpose?) -> String {
        switch purpose {
        case nil: "join"
        case .viewer?, .mirror?: "view"
        case .presenter?: "present"
        }
    }
}
