import Foundation

/// One co-browse session as a pure state machine (DESIGN principle 1):
/// `handle(event, now)` changes the state and returns the effects the hub must
/// carry out. No sockets, no clock, no disk in here, so every rule — consent,
/// control escalation, timeouts, heartbeats, reconnects, redaction — is a
/// unit test with made-up dates.
///
///     linkMinted ─linkOpened─▶ linkOpened ─consent(allow)─▶ active ─▶ ended ─▶ (survey window) ─▶ closed
///          └─ link lifetime ─▶ ended        └─ consent(deny) ─▶ ended
///
/// After the end of a session the customer took part in, their connection stays
/// open for `policy.surveyWindow`: only `survey` (once) and `leave` are taken,
/// then the machine asks the hub to close it.
public struct SessionMachine: Sendable {
    public internal(set) var summary: SessionSummary
    /// The current scene, already redacted: what late joiners and reconnecting consoles get.
    public private(set) var scene: Scene?
    /// `scene`'s size estimate, kept as deltas apply so none of them measures the whole page.
    private var sceneBytes = 0
    /// What the redactor made of `scene`'s nodes, so a full scene sent again is not scanned again.
    private let redactionMemo = RedactionMemo()
    public let policy: SessionPolicy
    let redactor: Redactor

    /// Last thing that counts as the session being used (scene changes, notes, requests, answers).
    var lastActivity: Date

    // The customer's connection. `summary.customerConnected` is what agents are
    // told; it only turns false after `policy.disconnectNotice`, so a blip is no news.
    private var socketConnected = false
    private var socketLostAt: Date?
    var lastHeard: Date
    private var disconnectAnnounced = false
    /// Times the customer dropped (an absence the feed announced), before and after consent.
    public private(set) var drops = 0
    /// After the second drop the customer is offered other ways, once they are back.
    private var alternativesOwed = false
    private var retryOffered = false
    private var heartbeat = Heartbeat()
    private var lastQualityReport: Date?
    private var lastFullSceneAt: Date?

    private struct Pending<T: Sendable>: Sendable { var value: T; var at: Date; var by: String }
    private var pendingMode: Pending<ControlMode>?
    private var pendingExtension: Pending<Int>?
    private var pendingQualityCheck: Pending<Bool>?

    /// Annotations, pointer, actions, screenshots, viewers (SessionMachine+Control.swift).
    var control = ControlState()
    /// The page the agent shows (SessionMachine+Presenting.swift).
    var presenting = PresentingState_()
    /// A hand-off offered or not yet acknowledged (SessionMachine+HandOff.swift).
    var handOffs = HandOffState()

    /// Open survey window: the customer's connection closes at this time (or on the survey).
    private var surveyClosesAt: Date?
    /// Whether the customer's connection is up during the survey window (they may drop and come back).
    private var surveyCustomerConnected = false

    /// Page events in the current minute, so an error loop on the page cannot bury the feed.
    private var pageEventsSince: Date?
    private var pageEventsCount = 0
    private var pageEventsCapNoted = false

    /// Redactions already reported (kind, node, page), so a full scene every few
    /// seconds with the same masked card number is one audit row, not hundreds.
    private var reportedRedactions: Set<String> = []
    private var sceneAsSent: SceneAsSent = .unknown
    /// When the feed last said where the customer is (title-only changes are throttled).
    private var lastNavigationRowAt: Date?

    private enum RecordingState { case notStarted, started, finished }
    private var recordingState = RecordingState.notStarted

    /// Number changes (not level changes) reach agents and customer at most this often.
    static let qualityReportInterval: TimeInterval = 5
    static let engine = "engine"

    public init(summary: SessionSummary, policy: SessionPolicy = .init(), redactor: Redactor = .init(), now: Date) {
        self.summary = summary
        self.policy = policy
        self.redactor = redactor
        self.lastActivity = now
        self.lastHeard = now
        // Restored from the store after an engine restart: whatever socket there was is gone.
        if summary.customerConnected && summary.status != .ended { socketLostAt = now }
    }

    var customer: String { summary.ticket.customer }

    // MARK: - Events

    public mutating func handle(_ event: SessionEvent, now: Date) -> [SessionEffect] {
        respond(to: event, now) + recordingEffects()
    }

    /// A recording starts once the session is active with the customer's
    /// consent to it (a session restored after an engine restart starts a new
    /// one), and finishes after everything its ending told the room.
    private mutating func recordingEffects() -> [SessionEffect] {
        switch (summary.status, recordingState) {
        case (.active, .notStarted) where summary.recording:
            recordingState = .started
            return [.startRecording]
        case (.ended, .started):
            recordingState = .finished
            return [.finishRecording(reason: "session ended: \(summary.endReason?.title ?? "ended")")]
        default:
            return []
        }
    }

    private mutating func respond(to event: SessionEvent, _ now: Date) -> [SessionEffect] {
        if summary.status == .ended { return afterEnd(event, now) }
        switch event {
        case .linkOpened: return linkOpened(now)
        case let .customerConnected(resumed): return customerConnected(resumed: resumed, now)
        case let .consent(c): return consent(c, now)
        case let .scene(s): return scene(s, now)
        case let .sceneDelta(d): return sceneDelta(d, now)
        case let .pong(seq): return pong(seq, now)
        case .customerDisconnected:
            socketConnected = false
            socketLostAt = now
            return []
        case .customerLeft: return end(.customerEnded, actor: customer, now)
        // No survey: the connection goes with the engine.
        case .engineStopping: return end(.engineStopped, actor: Self.engine, now, offeringSurvey: false)
        case let .modeRequested(mode, agent, reason): return modeRequested(mode, by: agent, reason: reason, now)
        case let .managerAnswered(approve, manager): return managerAnswered(approve: approve, by: manager, now)
        case let .annotate(command, name): return annotate(command, by: name, now)
        case let .agentPointer(at, name): return agentPointer(at, by: name, now)
        case let .controlAction(action, name): return controlAction(action, by: name, now)
        case let .actionAnswered(answer): return actionAnswered(answer, now)
        case let .actionResult(result): return actionResult(result, now)
        case let .screenshotRequested(agent): return screenshotRequested(by: agent, now)
        case let .screenshotAnswered(allow): return screenshotAnswered(allow: allow, now)
        case let .viewerInviteRequested(name, agent): return viewerInviteRequested(name, by: agent, now)
        case let .viewerJoined(name): return viewerJoined(name, now)
        case let .viewerLeft(name): return viewerLeft(name, now)
        case let .handOver(target, name): return handOver(to: target, by: name, now)
        case let .presentRequested(agent): return presentRequested(by: agent, now)
        case .presenterJoined: return presenterJoined(now)
        case let .presentedScene(s): return presentedScene(s, now)
        case let .presentedDelta(d): return presentedDelta(d, now)
        case let .presentingStopped(name): return presentingStopped(by: name, now)
        case let .modeAnswered(answer): return modeAnswered(answer, now)
        case let .extensionRequested(minutes, agent): return extensionRequested(minutes, by: agent, now)
        case let .extensionAnswered(accept): return extensionAnswered(accept, now)
        case let .noteAdded(note): return noteAdded(note, now)
        case let .agentEnded(by): return end(.agentEnded, actor: by, now)
        case let .agentGaveUp(by):
            guard drops > 0 else { return [.reject(.badState, "The customer has not dropped: end the session the usual way.")] }
            return end(.customerLost, actor: by, now)
        case let .consoleAttached(name, role):
            consoleJoined(name, role: role)
            var out: [SessionEffect] = [activity(.joined, name, role == .supervisor ? "Supervisor \(name) is watching (read-only)" : "\(name) joined as \(role.rawValue)", now)]
            if role == .supervisor { out.append(.audit(action: "supervisor.attached", actor: name, detail: "read-only")) }
            // The console that just attached needs the marks too (its snapshot has only the scene).
            if !control.annotations.isEmpty { out.append(.toConsoles(.annotations(AnnotationSet(items: control.annotations)))) }
            return out + participantBroadcast()
        case let .consoleDetached(name, role):
            consoleLeft(name)
            return [activity(.left, name, role == .supervisor ? "Supervisor \(name) stopped watching" : "\(name) left", now)] + participantBroadcast()
        case .sceneRequested:
            if let scene { return [.toConsoles(.scene(scene))] }
            return summary.status == .active ? [.toCustomer(.requestScene)] : []
        case .tick: return tick(now)
        case .survey: return [.reject(.badState, "The survey opens when the session ends.")]
        case let .pageEvent(e): return pageEvent(e, now)
        case let .qualityCheckRequested(agent): return qualityCheckRequested(by: agent, now)
        case let .qualityAnswered(ok): return qualityAnswered(ok, now)
        case let .handOffRequested(to, target, reason, stay, agent): return handOffRequested(to: to, target: target, reason: reason, stay: stay, by: agent, now)
        case let .handOffAnswered(accept, agent): return handOffAnswered(accept: accept, by: agent, now)
        case .handOffAcknowledged: return handOffAcknowledged(now)
        }
    }

    /// The survey window after the end is open: the customer may still (re)connect and rate.
    public func surveyOpen(at now: Date) -> Bool {
        summary.status == .ended && (surveyClosesAt.map { now < $0 } ?? false)
    }

    /// After the end only the survey window is alive: the clock closes it, the
    /// customer may rate once or leave; everything else is refused.
    private mutating func afterEnd(_ event: SessionEvent, _ now: Date) -> [SessionEffect] {
        let surveyOpen = surveyClosesAt.map { now < $0 } ?? false
        switch event {
        case .tick:
            guard let closes = surveyClosesAt, now >= closes else { return [] }
            surveyClosesAt = nil
            defer { surveyCustomerConnected = false }
            return surveyCustomerConnected ? [.closeCustomer] : []
        case .customerDisconnected:
            // The window stays open: a customer whose connection dropped may come back to rate.
            surveyCustomerConnected = false
            return []
        case .customerConnected where surveyOpen:
            surveyCustomerConnected = true
            var again = SessionEnded(sessionId: summary.id, reason: summary.endReason ?? .agentEnded)
            again.surveySeconds = max(1, Int(surveyClosesAt!.timeIntervalSince(now).rounded(.down)))
            return [.toCustomer(.sessionEnded(again))]
        // A console going away is no one's mistake after the end.
        case .consoleDetached: return []
        case .customerLeft where surveyOpen:
            surveyClosesAt = nil
            return [.closeCustomer]
        case let .survey(s) where surveyOpen && surveyCustomerConnected:
            return survey(s, now)
        default:
            return [.reject(.badState, "This session has ended (\(summary.endReason?.title ?? "ended")).")]
        }
    }

    // MARK: Link and consent

    private mutating func linkOpened(_ now: Date) -> [SessionEffect] {
        guard summary.status == .linkMinted else { return [.reject(.badState, "The link was already opened.")] }
        if now >= linkExpiry { return end(.linkExpired, actor: Self.engine, now) }
        summary.status = .linkOpened
        lastActivity = now
        return [activity(.linkOpened, customer, "Customer opened the link", now),
                .audit(action: "link.opened", actor: customer, detail: ""),
                .persist(summary), .toConsoles(.summary(summary))]
    }

    private var linkExpiry: Date { summary.createdAt.addingTimeInterval(policy.linkLifetime) }

    private mutating func customerConnected(resumed: Bool, _ now: Date) -> [SessionEffect] {
        var out: [SessionEffect] = []
        // An SDK may connect without the consent page having been counted as opened.
        if summary.status == .linkMinted {
            out += linkOpened(now)
            if summary.status == .ended { return out }
        }
        // Each page load of a multi-page site reconnects the SDK within moments: that is a
        // navigation (the page gets its own row), not a reconnect. Only an absence the feed
        // announced is worth announcing the end of.
        let absenceAnnounced = disconnectAnnounced
        socketConnected = true
        socketLostAt = nil
        lastHeard = now
        heartbeat.reset()
        disconnectAnnounced = false
        retryOffered = false
        summary.customerConnected = true
        if resumed {
            if absenceAnnounced { out.append(activity(.reconnected, customer, "Customer reconnected", now)) }
            out += alternativesForTheCustomer()
        } else {
            out.append(activity(.joined, customer, "Customer connected", now))
        }
        out += [.persist(summary), .toConsoles(.summary(summary))]
        if resumed && summary.status == .active {
            // Consoles may have missed deltas while the customer was away: heal with a full scene.
            out.append(.toCustomer(.requestScene))
            lastFullSceneAt = now
            // A question the customer had not answered went with the page they left: ask the new page again.
            if let mode = summary.pendingModeRequest { out.append(.toCustomer(.modeRequest(ModeRequest(mode: mode)))) }
        }
        if summary.status == .active { out += controlReplay() }
        return out
    }

    private mutating func consent(_ c: Consent, _ now: Date) -> [SessionEffect] {
        switch summary.status {
        case .linkOpened where socketConnected: break
        case .active: return [.reject(.badState, "The customer has already given consent.")]
        default: return [.reject(.badState, "Consent can only be given once the customer is connected.")]
        }
        lastHeard = now
        guard c.allow else {
            return [activity(.denied, customer, "Customer denied the session", now),
                    .audit(action: "consent", actor: customer, detail: "deny")]
                + end(.customerDenied, actor: customer, now)
        }
        summary.status = .active
        summary.startedAt = now
        summary.deadline = now.addingTimeInterval(policy.maxDuration)
        summary.access = c.access
        // Recording needs both: the agent asked for it and the customer agreed.
        summary.recording = summary.recording && c.record
        lastActivity = now
        lastFullSceneAt = now
        let access = c.access == .viewOnly ? "view-only" : "controlled"
        return [activity(.consent, customer, "Customer allowed \(access) access\(summary.recording ? ", recording on" : "")", now),
                .audit(action: "consent", actor: customer, detail: "allow access=\(c.access.rawValue) record=\(summary.recording)"),
                .persist(summary), .toConsoles(.summary(summary)),
                .toCustomer(.requestScene)]
    }

    // MARK: Scenes (every one through the redactor first)

    private mutating func scene(_ s: Scene, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Scenes are accepted only while the session is active.")] }
        lastHeard = now
        if let unchanged = unchangedPage(s, now) { return unchanged }
        let r = redactor.redact(scene: s, memo: redactionMemo)
        let next = r.value
        // Masks can be longer than what they hide: the page as the consoles get it must still fit a frame.
        do { try next.checkSize() } catch { return [.reject(.tooLarge, "\(error)")] }
        var out = redactionEffects(r.hits, on: next, now)
        out += navigationEffects(from: scene.map(PageAddress.init), to: next, now)
        out += marksAfterNavigation(from: scene.map(PageAddress.init), to: next)
        if scene.map({ !Self.samePicture($0, next) }) ?? true { lastActivity = now }
        // Every console holds the scene the engine holds (a console that lost
        // track asks for it whole): a page that changed a little reaches them as a delta.
        let relay = scene.flatMap { $0.delta(to: next) }.map(WireMessage.sceneDelta) ?? .scene(next)
        scene = next
        sceneBytes = next.estimatedWireBytes
        sceneAsSent = r.hits.isEmpty && next.nodes == s.nodes ? .same : .differs(s)
        lastFullSceneAt = now
        out.append(.toConsoles(relay))
        return out
    }

    /// The SDK sends the whole page again every few seconds (the engine asks
    /// for it), so a lost delta heals itself. When the page is what the
    /// consoles already have, redacting, recording and fanning it out again
    /// buys nothing: they get a delta that only moves their version (and the
    /// pointer, scroll and viewport, which change without the page changing).
    private mutating func unchangedPage(_ s: Scene, _ now: Date) -> [SessionEffect]? {
        guard let current = scene, s.version > current.version, s.source == current.source,
              s.pointer != nil || current.pointer == nil else { return nil }
        switch sceneAsSent {
        case .unknown: return nil
        case .same:
            guard s.url == current.url, s.title == current.title, s.nodes == current.nodes else { return nil }
        case let .differs(sent):
            guard s.url == sent.url, s.title == sent.title, s.nodes == sent.nodes else { return nil }
        }
        // The pointer moving or the page scrolling is the customer being there.
        if s.pointer != current.pointer || s.scroll != current.scroll || s.viewport != current.viewport { lastActivity = now }
        var next = current
        next.version = s.version
        next.viewport = s.viewport
        next.scroll = s.scroll
        next.pointer = s.pointer
        scene = next
        if case var .differs(sent) = sceneAsSent { sent.version = s.version; sceneAsSent = .differs(sent) }
        let delta = SceneDelta(baseVersion: current.version, version: s.version,
                               viewport: s.viewport == current.viewport ? nil : s.viewport,
                               scroll: s.scroll == current.scroll ? nil : s.scroll,
                               pointer: s.pointer == current.pointer ? nil : s.pointer)
        return [.toConsoles(.sceneDelta(delta))]
    }

    private mutating func sceneDelta(_ d: SceneDelta, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Scenes are accepted only while the session is active.")] }
        lastHeard = now
        // A delta against anything but what we hold would leave consoles with a wrong picture: ask for a full one.
        guard var next = scene, d.baseVersion == next.version else {
            lastFullSceneAt = now
            return [.toCustomer(.requestScene)]
        }
        let r = redactor.redact(delta: d, memo: redactionMemo)
        let before = PageAddress(next)
        // The page as sent, before the current one changes under it.
        var sent = sceneAsSent
        if case .same = sent, !r.hits.isEmpty { sent = .differs(next) }
        // The machine lets go of its scene so the delta changes the only copy in place.
        scene = nil
        sceneAsSent = .unknown
        let applied: Scene.Applied
        do { applied = try next.apply(r.value, bytes: sceneBytes) } catch {
            scene = next
            sceneAsSent = sent
            // Deltas may not grow a scene past what one frame can carry: the customer starts over with a full one.
            lastFullSceneAt = now
            return [.reject(.tooLarge, "\(error); send a full scene"), .toCustomer(.requestScene)]
        }
        sceneBytes = applied.bytes
        scene = next
        Self.follow(d, &sent)
        sceneAsSent = sent
        var out = redactionEffects(r.hits, on: next, now)
        out += navigationEffects(from: before, to: next, now)
        out += marksAfterNavigation(from: before, to: next)
        if applied.changedPicture { lastActivity = now }
        out.append(.toConsoles(.sceneDelta(r.value)))
        return out
    }

    /// Audit rows and feed lines for newly seen redactions: one of each per
    /// kind per message, however many runs a message carries (a page of 8,000
    /// e-mail addresses is one row that counts them); never the text itself.
    private mutating func redactionEffects(_ hits: [RedactionHit], on scene: Scene, _ now: Date) -> [SessionEffect] {
        guard !hits.isEmpty else { return [] }
        let page = Self.withoutQuery(scene.url)
        if reportedRedactions.count > 10_000 { reportedRedactions.removeAll() }
        var newNodes: [RedactionKind: [String]] = [:]
        var kindOrder: [RedactionKind] = []
        for h in hits {
            let key = "\(h.kind)|\(h.nodeId ?? "")|\(page)"
            guard reportedRedactions.insert(key).inserted else { continue }
            if newNodes[h.kind] == nil { kindOrder.append(h.kind) }
            newNodes[h.kind, default: []].append(h.nodeId ?? "-")
        }
        let place = scene.title.isEmpty ? page : scene.title
        var out: [SessionEffect] = []
        for kind in kindOrder {
            let nodes = newNodes[kind]!
            let named = nodes.prefix(Self.redactionNodesNamed).joined(separator: ",") + (nodes.count > Self.redactionNodesNamed ? ",…" : "")
            out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) count=\(nodes.count) nodes=\(named) page=\(page)"))
            let what = nodes.count == 1 ? Self.withArticle(kind) : "\(nodes.count) × \(kind)"
            out.append(activity(.redaction, Self.engine, "Engine masked \(what) on \(place)", now))
        }
        return out
    }

    /// Node ids an audit row of redactions names before it only counts.
    static let redactionNodesNamed = 20

    /// Where the customer is: what the feed and the marks follow.
    struct PageAddress {
        var url: String
        var title: String
        init(_ scene: Scene) { url = scene.url; title = scene.title }
    }

    private mutating func navigationEffects(from old: PageAddress?, to new: Scene, _ now: Date) -> [SessionEffect] {
        let url = Self.withoutQuery(new.url)
        let newPage = old.map { Self.withoutQuery($0.url) != url } ?? true
        guard newPage || old?.title != new.title else { return [] }
        // A page that rewrites its title every frame (a ticker, a counter) is not a walk through the product.
        if !newPage, let last = lastNavigationRowAt, now.timeIntervalSince(last) < Self.titleChangeQuiet { return [] }
        lastNavigationRowAt = now
        return [activity(.navigation, customer, ActivityItem.navigationText(title: new.title, url: url), now)]
    }

    /// A title-only change reaches the feed at most this often.
    static let titleChangeQuiet: TimeInterval = 5

    // MARK: Heartbeat

    private mutating func pong(_ seq: Int, _ now: Date) -> [SessionEffect] {
        lastHeard = now
        _ = heartbeat.pong(seq: seq, now: now)
        var out: [SessionEffect] = []
        if disconnectAnnounced && socketConnected {
            // The socket was silent, not gone, and the customer is back.
            out += cameBack(now)
        }
        return out + qualityEffects(now)
    }

    private mutating func cameBack(_ now: Date) -> [SessionEffect] {
        disconnectAnnounced = false
        retryOffered = false
        summary.customerConnected = true
        var out: [SessionEffect] = [activity(.reconnected, customer, "Customer reconnected", now), .persist(summary), .toConsoles(.summary(summary))]
        if summary.status == .active { out.append(.toCustomer(.requestScene)); lastFullSceneAt = now }
        return out + alternativesForTheCustomer()
    }

    private mutating func qualityEffects(_ now: Date) -> [SessionEffect] {
        guard socketConnected, !disconnectAnnounced, let m = heartbeat.measure(now: now) else { return [] }
        let levelChanged = m.quality != summary.quality
        let numbersChanged = m.rttMs != summary.rttMs || m.lossPercent != summary.lossPercent
        let quietLongEnough = lastQualityReport.map { now.timeIntervalSince($0) >= Self.qualityReportInterval } ?? true
        guard levelChanged || (numbersChanged && quietLongEnough) else { return [] }
        summary.quality = m.quality
        summary.rttMs = m.rttMs
        summary.lossPercent = m.lossPercent
        lastQualityReport = now
        return [.toCustomer(.quality(QualityReport(quality: m.quality, rttMs: m.rttMs, lossPercent: m.lossPercent))),
                .toConsoles(.summary(summary))]
    }

    // MARK: Control mode (every change acknowledged by the customer)

    private mutating func modeRequested(_ mode: ControlMode, by agent: Agent, reason: String?, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Control can be asked for only once the customer has consented.")] }
        if let refused = refusal(agent, .steer("ask for control")) { return refused }
        if let gate = unacknowledgedRefusal(agent.name, "ask for control") { return [gate] }
        guard pendingMode == nil else { return [.reject(.badState, "A control request is already waiting for the customer.")] }
        guard mode != summary.controlMode else { return [.reject(.badState, "The session is already in \(mode.title).")] }
        let caps = Capabilities(level: agent.level, caps: policy.controlCaps)
        if mode > summary.controlMode, let why = caps.refusal(toRequest: mode, customerAccess: summary.access) {
            return [.reject(.notAllowed, why), .audit(action: "mode.refused", actor: agent.name, detail: "to=\(mode.rawValue) level=\(agent.level.rawValue)")]
        }
        if mode > summary.controlMode && caps.needsManagerApproval(for: mode) {
            return askManagers(mode, by: agent, reason: reason, now)
        }
        return askCustomer(mode, by: agent.name, now)
    }

    /// Every change of mode is acknowledged by the customer.
    mutating func askCustomer(_ mode: ControlMode, by name: String, _ now: Date) -> [SessionEffect] {
        pendingMode = Pending(value: mode, at: now, by: name)
        summary.pendingModeRequest = mode
        lastActivity = now
        return [.toCustomer(.modeRequest(ModeRequest(mode: mode))),
                activity(.modeRequested, name, "\(name) asked the customer for \(mode.title)", now),
                .audit(action: "mode.requested", actor: name, detail: "from=\(summary.controlMode.rawValue) to=\(mode.rawValue)"),
                .toConsoles(.summary(summary))]
    }

    private mutating func modeAnswered(_ answer: ModeAnswer, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "There is no control request in this session.")] }
        lastHeard = now
        let from = summary.controlMode
        if let p = pendingMode, p.value == answer.mode {
            pendingMode = nil
            summary.pendingModeRequest = nil
            lastActivity = now
            guard answer.accept else {
                return [activity(.info, customer, "Customer declined \(answer.mode.title); staying in \(from.title)", now),
                        .audit(action: "mode.declined", actor: customer, detail: "requested=\(answer.mode.rawValue) by=\(p.by)"),
                        .toConsoles(.summary(summary))]
            }
            summary.controlMode = answer.mode
            return [activity(.modeChanged, customer, "Customer allowed \(answer.mode.title) (was \(from.title))", now),
                    .audit(action: "mode.changed", actor: customer, detail: "from=\(from.rawValue) to=\(answer.mode.rawValue) requestedBy=\(p.by)"),
                    .persist(summary), .toConsoles(.summary(summary))] + controlAfterModeChange(now)
        }
        // The customer may always step down, unasked.
        if answer.accept && answer.mode < from {
            summary.controlMode = answer.mode
            lastActivity = now
            return [activity(.modeChanged, customer, "Customer switched to \(answer.mode.title)", now),
                    .audit(action: "mode.changed", actor: customer, detail: "from=\(from.rawValue) to=\(answer.mode.rawValue) requestedBy=customer"),
                    .persist(summary), .toConsoles(.summary(summary))] + controlAfterModeChange(now)
        }
        return [.reject(.badState, "No request for \(answer.mode.title) is waiting.")]
    }

    /// A control request waiting for the customer is withdrawn (the session changed hands).
    mutating func pendingModeRequestLapses() {
        pendingMode = nil
        summary.pendingModeRequest = nil
    }

    /// The customer's page is connected and heard from.
    var customerHere: Bool { socketConnected && !disconnectAnnounced }

    // MARK: Extension (the 45-minute limit moves only with the customer's consent)

    private mutating func extensionRequested(_ minutes: Int, by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Only an active session can be extended.")] }
        if let refused = refusal(agent, .steer("ask for an extension")) { return refused }
        guard (1...policy.maxExtensionMinutes).contains(minutes) else {
            return [.reject(.invalid, "An extension is 1 to \(policy.maxExtensionMinutes) minutes.")]
        }
        guard pendingExtension == nil else { return [.reject(.badState, "An extension request is already waiting for the customer.")] }
        pendingExtension = Pending(value: minutes, at: now, by: agent.name)
        lastActivity = now
        return [.toCustomer(.extensionRequest(ExtensionRequest(minutes: minutes))),
                activity(.extensionRequested, agent.name, "\(agent.name) asked the customer for \(minutes) more minutes", now),
                .audit(action: "extension.requested", actor: agent.name, detail: "minutes=\(minutes)")]
    }

    private mutating func extensionAnswered(_ accept: Bool, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let p = pendingExtension else { return [.reject(.badState, "No extension request is waiting.")] }
        pendingExtension = nil
        lastActivity = now
        lastHeard = now
        guard accept else {
            return [activity(.info, customer, "Customer declined the \(p.value)-minute extension", now),
                    .audit(action: "extension.declined", actor: customer, detail: "minutes=\(p.value)")]
        }
        summary.deadline = (summary.deadline ?? now).addingTimeInterval(TimeInterval(p.value * 60))
        return [activity(.extended, customer, "Session extended by \(p.value) minutes", now),
                .audit(action: "extension.accepted", actor: customer, detail: "minutes=\(p.value)"),
                .persist(summary), .toConsoles(.summary(summary))]
    }

    // MARK: Notes

    private mutating func noteAdded(_ note: NoteEntry, _ now: Date) -> [SessionEffect] {
        // Agents paste things too: notes go through the same redactor as scenes.
        let r = redactor.redact(text: note.text)
        var n = note
        n.text = r.value
        lastActivity = now
        var out: [SessionEffect] = [.storeNote(n), .toConsoles(.note(n)), activity(.note, n.author, "\(n.author) added a note", now)]
        for kind in Set(r.hits.map(\.kind)) {
            out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) in=note"))
        }
        return out
    }

    // MARK: Survey (after the end)

    private mutating func survey(_ s: Survey, _ now: Date) -> [SessionEffect] {
        guard Survey.stars.contains(s.stars) else { return [.reject(.invalid, "A rating is 1 to 5 stars.")] }
        // Accepted once: the window closes with it.
        surveyClosesAt = nil
        let r = s.comment.map { redactor.redact(text: Self.oneLine($0)) }
        let comment = r.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        var out: [SessionEffect] = [
            .storeSurvey(SessionSurvey(at: now, stars: s.stars, comment: comment)),
            activity(.info, customer, "Customer rated the session \(s.stars)/5" + (comment.map { ": \($0)" } ?? ""), now),
            .audit(action: "survey", actor: customer, detail: "stars=\(s.stars) comment=\(comment == nil ? "no" : "yes")"),
        ]
        for kind in Set((r?.hits ?? []).map(\.kind)).sorted(by: { "\($0)" < "\($1)" }) {
            out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) in=survey"))
        }
        out.append(.closeCustomer)
        return out
    }

    // MARK: Page events ("debugging error messages" sessions)

    private mutating func pageEvent(_ e: PageEvent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "Page events are accepted only while the session is active.")] }
        lastHeard = now
        // Not `lastActivity`: a page stuck in an error loop must not keep an idle session alive.
        if pageEventsSince.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            pageEventsSince = now
            pageEventsCount = 0
            pageEventsCapNoted = false
        }
        pageEventsCount += 1
        if pageEventsCount > policy.pageEventsPerMinute {
            guard !pageEventsCapNoted else { return [] }
            pageEventsCapNoted = true
            return [activity(.warning, Self.engine, "More than \(policy.pageEventsPerMinute) page errors this minute; the rest are not shown", now)]
        }
        let r = redactor.redact(text: Self.oneLine(e.text))
        let what = e.kind == .error ? "Page error" : "Request failed"
        // The page itself is in the console's chrome already; the feed line stays short.
        var out: [SessionEffect] = [activity(.warning, customer, "\(what): \(r.value)", now)]
        for kind in Set(r.hits.map(\.kind)).sorted(by: { "\($0)" < "\($1)" }) {
            out.append(.audit(action: "redaction", actor: Self.engine, detail: "kind=\(kind) in=page-event"))
        }
        return out
    }

    // MARK: Mid-session quality check

    private mutating func qualityCheckRequested(by agent: Agent, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active else { return [.reject(.badState, "The quality check needs an active session.")] }
        if let refused = refusal(agent, .steer("ask the customer")) { return refused }
        guard socketConnected && !disconnectAnnounced else { return [.reject(.badState, "The customer is not connected.")] }
        guard pendingQualityCheck == nil else { return [.reject(.badState, "The customer has not answered the last quality check yet.")] }
        pendingQualityCheck = Pending(value: true, at: now, by: agent.name)
        lastActivity = now
        return [.toCustomer(.qualityCheck),
                activity(.info, agent.name, "\(agent.name) asked the customer whether the screen quality is okay", now),
                .audit(action: "quality.check", actor: agent.name, detail: "")]
    }

    private mutating func qualityAnswered(_ ok: Bool, _ now: Date) -> [SessionEffect] {
        guard summary.status == .active, let p = pendingQualityCheck else { return [.reject(.badState, "No quality check is waiting.")] }
        pendingQualityCheck = nil
        lastActivity = now
        lastHeard = now
        let text = ok ? "Customer says the screen quality is okay"
                      : "Customer says the screen quality is NOT okay (link \(summary.quality.rawValue)) — consider a lower detail or another channel"
        return [activity(ok ? .info : .warning, customer, text, now),
                .audit(action: "quality.answer", actor: customer, detail: "ok=\(ok) askedBy=\(p.by)")]
    }

    // MARK: The clock

    private mutating func tick(_ now: Date) -> [SessionEffect] {
        if summary.status == .linkMinted && now >= linkExpiry { return end(.linkExpired, actor: Self.engine, now) }
        if summary.status == .active, let deadline = summary.deadline, now >= deadline { return end(.timeLimit, actor: Self.engine, now) }
        if now.timeIntervalSince(lastActivity) >= policy.inactivityLimit { return end(.inactivity, actor: Self.engine, now) }

        var out: [SessionEffect] = []
        if let p = pendingMode, now.timeIntervalSince(p.at) >= policy.answerTimeout {
            pendingMode = nil
            summary.pendingModeRequest = nil
            out += [activity(.info, customer, "Customer did not answer the request for \(p.value.title); staying in \(summary.controlMode.title)", now),
                    .audit(action: "mode.lapsed", actor: Self.engine, detail: "requested=\(p.value.rawValue) by=\(p.by)"),
                    .toConsoles(.summary(summary))]
        }
        if let p = pendingExtension, now.timeIntervalSince(p.at) >= policy.answerTimeout {
            pendingExtension = nil
            out += [activity(.info, customer, "Customer did not answer the \(p.value)-minute extension request", now),
                    .audit(action: "extension.lapsed", actor: Self.engine, detail: "minutes=\(p.value)")]
        }
        if let p = pendingQualityCheck, now.timeIntervalSince(p.at) >= policy.answerTimeout {
            pendingQualityCheck = nil
            out.append(activity(.info, customer, "Customer did not answer the quality check", now))
        }
        out += controlTimeouts(now)
        out += handOffTimeouts(now)
        out += connectionEffects(now)
        if socketConnected && !disconnectAnnounced, let seq = heartbeat.pingIfDue(now: now, interval: policy.heartbeatInterval) {
            out.append(.toCustomer(.ping(Ping(seq: seq))))
        }
        out += qualityEffects(now)
        if summary.status == .active && socketConnected && !disconnectAnnounced,
           now.timeIntervalSince(lastFullSceneAt ?? .distantPast) >= policy.fullSceneInterval {
            lastFullSceneAt = now
            out.append(.toCustomer(.requestScene))
        }
        return out
    }

    /// Disconnect notice after `disconnectNotice` away (socket gone, or open but
    /// silent), a retry-link hint after `retryLinkAfter`.
    private mutating func connectionEffects(_ now: Date) -> [SessionEffect] {
        guard let awaySince = socketConnected ? lastHeard : socketLostAt else { return [] }
        let away = now.timeIntervalSince(awaySince)
        var out: [SessionEffect] = []
        if away >= policy.disconnectNotice && !disconnectAnnounced {
            disconnectAnnounced = true
            summary.customerConnected = false
            summary.quality = .unknown
            summary.rttMs = nil
            summary.lossPercent = nil
            drops += 1
            let consented = summary.status == .active
            out += [activity(.disconnected, customer, "Customer disconnected", now),
                    .audit(action: "customer.disconnected", actor: Self.engine,
                           detail: (socketConnected ? "heartbeat lost" : "connection closed") + " drop=\(drops) consent=\(consented ? "given" : "not yet")"),
                    .persist(summary), .toConsoles(.summary(summary))]
            if drops == 2 {
                alternativesOwed = true
                out.append(activity(.warning, Self.engine,
                                    "Second drop: offer \(summary.ticket.customer) a phone call, an annotated guide or follow-up by e-mail — or end the session as customer lost", now))
            }
        }
        if away >= policy.retryLinkAfter && !retryOffered && summary.status != .ended {
            // The resume key still works if their page comes back; a fresh link reaches them if it does not.
            retryOffered = true
            out += [.audit(action: "link.renewed", actor: Self.engine, detail: "drop=\(drops) away=\(Int(away))s"),
                    .renewCustomerLink(afterSeconds: Int(policy.retryLinkAfter))]
        }
        return out
    }

    /// Once, when the customer is back after their second drop: the other ways to go on.
    private mutating func alternativesForTheCustomer() -> [SessionEffect] {
        guard alternativesOwed else { return [] }
        alternativesOwed = false
        return [.toCustomer(.notice(Notice(text: "The connection keeps dropping. \(summary.agentName) can call you, send you an annotated guide, or follow up by e-mail instead — just say which.")))]
    }

    // MARK: The end

    private mutating func end(_ reason: EndReason, actor: String, _ now: Date, offeringSurvey: Bool = true) -> [SessionEffect] {
        summary.status = .ended
        summary.endedAt = now
        summary.endReason = reason
        summary.pendingModeRequest = nil
        summary.customerConnected = false
        pendingMode = nil
        pendingExtension = nil
        pendingQualityCheck = nil
        summary.awaitingManager = nil
        summary.controller = nil
        control.annotations = []
        control.pointer = nil
        control.waiting = nil
        control.screenshotAskedBy = nil
        control.managerRequest = nil
        let wasPresenting = presenting.active || presenting.linkMinted
        presenting = PresentingState_()
        let handOffWithdrawn = handOffAtTheEnd()
        // The survey is for a customer who took part and is still there to answer it.
        let offerSurvey = offeringSurvey && socketConnected && !disconnectAnnounced && summary.startedAt != nil && policy.surveyWindow > 0
        socketConnected = false
        let ended = SessionEnded(sessionId: summary.id, reason: reason)
        var out: [SessionEffect] = [activity(.ended, actor, "Session ended: \(reason.title)", now),
                                    .audit(action: "session.ended", actor: actor, detail: "reason=\(reason.rawValue)"),
                                    .persist(summary), .toConsoles(.summary(summary)), .toConsoles(.sessionEnded(ended))]
        if offerSurvey {
            surveyClosesAt = now.addingTimeInterval(policy.surveyWindow)
            surveyCustomerConnected = true
            var toCustomer = ended
            toCustomer.surveySeconds = Int(policy.surveyWindow.rounded(.down))
            out.append(.toCustomer(.sessionEnded(toCustomer)))
        } else {
            out += [.toCustomer(.sessionEnded(ended)), .closeCustomer]
        }
        if wasPresenting { out.append(.closePresenter) }
        return out + handOffWithdrawn + participantsNote(now)
    }

    // MARK: Helpers

    func activity(_ kind: ActivityItem.Kind, _ actor: String, _ text: String, _ now: Date) -> SessionEffect {
        .activity(ActivityItem(at: now, kind: kind, actor: actor, text: text))
    }

    /// Customer-written text for a one-line feed item: no control characters, no runs of whitespace.
    static func oneLine(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { s -> Character in
            (s.properties.generalCategory == .control || s.properties.generalCategory == .format
                || s.properties.generalCategory == .lineSeparator || s.properties.generalCategory == .paragraphSeparator) ? " " : Character(s)
        }
        return String(scalars).split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }

    /// The page without its query or fragment: those often carry tokens and e-mail addresses.
    static func withoutQuery(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }

    /// Same picture apart from the version number: a re-sent full scene is not activity.
    /// The page as the SDK sent it, kept only while the redactor changed it,
    /// so the SDK's unchanged periodic scene is recognised without redacting it.
    enum SceneAsSent: Equatable {
        /// Nothing seen yet, or a delta the engine could not follow unredacted.
        case unknown
        /// What the SDK sent is exactly `scene`.
        case same
        case differs(Scene)
    }

    /// Forgets the page (and the page as sent), so that another copy of this
    /// machine can change its own in place; the next scene from the customer
    /// brings it back, and a delta before that is answered with a request for one.
    public mutating func letGoOfThePage() {
        scene = nil
        sceneAsSent = .unknown
    }

    /// Follows the page as the customer has it through a delta, changed in
    /// place; a delta it cannot follow leaves it unknown.
    static func follow(_ d: SceneDelta, _ asSent: inout SceneAsSent) {
        guard case var .differs(sent) = asSent else { return }
        asSent = .unknown
        do {
            _ = try sent.apply(d, bytes: nil)
            asSent = .differs(sent)
        } catch {}
    }

    static func samePicture(_ a: Scene, _ b: Scene) -> Bool {
        var b = b
        b.version = a.version
        return a == b
    }

    static func withArticle(_ kind: RedactionKind) -> String {
        let words = kind.description
        // "an SSN", "an email address", "an IBAN": the sound, not the letter, picks the article.
        let vowelSound = words.hasPrefix("SSN") || words.hasPrefix("IBAN") || "aeiouAEIOU".contains(words.first ?? "x")
        return (vowelSound ? "an " : "a ") + words
    }
}
