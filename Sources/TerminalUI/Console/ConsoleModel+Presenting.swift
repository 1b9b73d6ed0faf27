import Engine
import Foundation

/// How the workstation shows the pages of a session ("View modes").
public enum ViewMode: Equatable, Sendable, CaseIterable {
    /// The customer's page (the default; the only one while nothing is shown).
    case customer
    /// The customer's page and the page the agent shows them, side by side (stacked below 120 columns).
    case split
    /// Only the page the agent shows: what the customer sees in their mirror.
    case shown

    /// The status bar's word for it (nothing for the default view).
    public var statusLabel: String? {
        switch self {
        case .customer: nil
        case .split: "Split"
        case .shown: "Mirror"
        }
    }

    var next: ViewMode {
        switch self {
        case .customer: .split
        case .split: .shown
        case .shown: .customer
        }
    }
}

/// Mirror mode on the console: the agent's own page (their presenter tab)
/// shown to the customer, kept beside the customer's for split view.
public struct MirrorState: Equatable, Sendable {
    /// `start-presenting` is on its way: an error now belongs to it.
    public internal(set) var linkRequested = false
    /// `stop-presenting` is on its way.
    public internal(set) var stopRequested = false
    /// The presenter link the engine minted, until the agent's browser opens it (P shows it again).
    public internal(set) var link: String?
    /// The engine says a page is being shown.
    public internal(set) var active = false
    /// Who shows it (the session's agent).
    public internal(set) var by: String?
    /// The shown page as the engine redacted it; nil until the first full scene
    /// arrives, and again after a delta that did not fit (until the next full one).
    public internal(set) var scene: Scene?
    /// A delta did not fit: the next full scene (the presenter SDK sends one every few seconds) puts it right.
    public internal(set) var awaitingFull = false

    public init() {}

    /// Something is shown, or about to be (a link waits, or the page has not arrived yet).
    public var isShowing: Bool { active || scene != nil }
}

extension ConsoleModel {
    /// The customer as the dialogs name them ("Dana" for "Dana Whitfield").
    var customerFirstName: String {
        let name = SafeText.clean(session?.ticket.customer ?? "").split(separator: " ").first.map(String.init) ?? ""
        return name.isEmpty ? "the customer" : name
    }

    mutating func resetMirror() {
        mirror = MirrorState()
        viewMode = .customer
        if dialog == .confirmStopPresenting { dialog = nil }
    }

    // MARK: - keys

    /// `P`: ask for a presenter link; while a link waits, show it again; while showing, stop (after a confirmation).
    mutating func presentKey() -> [ConsoleCommand] {
        // Watching consoles are not offered it (the engine refuses a watcher's request anyway).
        if let refusal = actionRefusal() { message = StatusMessage(.error, refusal); return [] }
        if mirror.active {
            dialog = .confirmStopPresenting
            return []
        }
        if let link = mirror.link {
            dialog = .presenterLink(url: link, customer: customerFirstName)
            return []
        }
        if mirror.linkRequested {
            message = StatusMessage(.info, "Waiting for the engine's presenter link…")
            return []
        }
        mirror.linkRequested = true
        message = StatusMessage(.info, "Asking the engine for a link to show \(customerFirstName) a page…")
        return [.send(.startPresenting)]
    }

    mutating func handlePresenterLinkDialog(_ key: ConsoleKey) -> [ConsoleCommand] {
        switch key {
        case .enter, .escape, .character("q"), .character(" "), .character("P"):
            dialog = nil
        case .character("c"):
            if let url = mirror.link { return copyLink(url) }
        case .character("s"), .character("S"):
            // Not opened yet: cancel it. The engine then refuses the link when the browser opens it.
            dialog = nil
            mirror.link = nil
            message = StatusMessage(.info, "Cancelled: that presenter link no longer shows anything")
            return [.send(.stopPresenting)]
        default: break
        }
        return []
    }

    mutating func handleConfirmStop(_ key: ConsoleKey) -> [ConsoleCommand] {
        switch key {
        case .character("y"), .character("Y"):
            dialog = nil
            mirror.stopRequested = true
            message = StatusMessage(.info, "Stopping: \(customerFirstName)'s mirror closes…")
            return [.send(.stopPresenting)]
        case .character("n"), .character("N"), .escape, .character("q"):
            dialog = nil
        default: break
        }
        return []
    }

    /// `V`: customer view → split view → shown page only → customer view. The
    /// two views with the shown page are offered only while there is one.
    mutating func cycleViewMode() {
        if viewMode == .customer && mirror.scene == nil {
            if mirror.active {
                message = StatusMessage(.info, "Your page has not arrived yet: open a page in the presenter tab (it comes within a few seconds)")
            } else if isReadOnly {
                message = StatusMessage(.info, "Nothing is being shown: the session's agent shows the customer a page with P")
            } else {
                message = StatusMessage(.info, "Nothing is being shown: press P to show the customer a page")
            }
            return
        }
        viewMode = viewMode.next
        let narrowHint = "V: next view"
        switch viewMode {
        case .customer: message = StatusMessage(.info, "Customer view: \(customerFirstName)'s page · \(narrowHint)")
        case .split: message = StatusMessage(.info, "Split view: \(customerFirstName)'s page and the page you show · \(narrowHint)")
        case .shown: message = StatusMessage(.info, "Shown page only: what \(customerFirstName) sees in the mirror · \(narrowHint)")
        }
    }

    // MARK: - engine messages

    mutating func presenterLinkArrived(_ p: PresenterLink) {
        mirror.linkRequested = false
        mirror.link = p.link
        message = StatusMessage(.info, "Open the presenter link in your own browser; P shows it again")
        dialog = .presenterLink(url: p.link, customer: customerFirstName)
    }

    mutating func presentingChanged(_ state: PresentingState) {
        let who = SafeText.clean(state.by)
        if state.active {
            mirror.active = true
            mirror.by = state.by
            mirror.link = nil // used: the presenter tab is open
            mirror.linkRequested = false
            if case .presenterLink? = dialog { dialog = nil }
            message = StatusMessage(.info, isReadOnly ? "\(who) is showing the customer a page: V for split view"
                                                      : "\(customerFirstName) now sees the page you show: V for split view, P to stop")
        } else {
            let wasMine = mirror.stopRequested
            resetMirror()
            message = StatusMessage(.info, wasMine || who == myName ? "You stopped showing your page: back to the customer's view"
                                                                     : "\(who) stopped showing a page: back to the customer's view")
        }
    }

    mutating func presentedSceneArrived(_ s: Scene) {
        // A console that attached while a page was being shown learns of it here.
        mirror.active = true
        mirror.scene = s
        mirror.awaitingFull = false
    }

    mutating func presentedDeltaArrived(_ d: SceneDelta) {
        if let current = mirror.scene, let next = try? current.applying(d) {
            mirror.scene = next
            return
        }
        // Against another version: never a silently wrong picture. Drop it and
        // wait for the next full scene (the presenter SDK re-sends one every few seconds).
        mirror.scene = nil
        mirror.awaitingFull = mirror.active
    }

    /// An error while a presenting request is on its way is the engine's answer to it.
    mutating func presentingRefused(_ e: ErrorReply) {
        if mirror.linkRequested {
            mirror.linkRequested = false
            if dialog == nil { dialog = .refused(title: "Cannot show a page", text: e.message) }
        } else if mirror.stopRequested {
            mirror.stopRequested = false
            if dialog == nil { dialog = .refused(title: "Could not stop showing the page", text: e.message) }
        }
    }
}
