import Engine
import Foundation

/// A customer on a SaaS billing page, as the SDK would send it. The card
/// number field is a mask node: no digits of it exist anywhere in the fixture.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01 00:00:00 UTC
    static let startedAt = t0.addingTimeInterval(60)
    /// 12:03 into the session, 32:57 before the 45-minute limit.
    static let now = startedAt.addingTimeInterval(12 * 60 + 3)

    static let ticket = Ticket(id: "TCK-1042", subject: "Card update fails at checkout", customer: "Dana Whitfield", category: "billing")

    static func summary(recording: Bool = true, connected: Bool = true) -> SessionSummary {
        SessionSummary(id: "S-7f3a9c", ticket: ticket, agentName: "Maria S.", status: .active, controlMode: .viewOnly,
                       access: .controlled, recording: recording, createdAt: t0, startedAt: startedAt,
                       deadline: startedAt.addingTimeInterval(45 * 60), customerConnected: connected,
                       quality: .good, rttMs: 42, lossPercent: 0)
    }

    static func banner(width: Int = 64, height: Int = 16) -> PixelBlock {
        var bytes = [UInt8]()
        for _ in 0..<height {
            for x in 0..<width {
                let t = Double(x) / Double(width - 1)
                bytes += [UInt8(99 + (236 - 99) * t), UInt8(102 + (72 - 102) * t), UInt8(241 + (153 - 241) * t)]
            }
        }
        return PixelBlock(width: width, height: height, rgb: Data(bytes))
    }

    static let hostileText = "Totally normal \u{1b}[2J\u{1b}]0;pwned\u{07} text"

    static func scene(version: Int = 3) -> Scene {
        let ink = RGB(17, 24, 39), muted = RGB(75, 85, 99)
        return Scene(version: version, viewport: Size(width: 1280, height: 720), url: "https://app.acme.test/settings/billing",
                     title: "Billing — Acme Cloud", nodes: [
                        .box("page", Rect(x: 0, y: 0, width: 1280, height: 720), background: RGB(245, 246, 248), z: 0),
                        .box("nav", Rect(x: 0, y: 0, width: 1280, height: 56), background: RGB(31, 41, 55), z: 1),
                        .text("brand", Rect(x: 24, y: 16, width: 200, height: 24), "Acme Cloud", color: .white, z: 2),
                        .box("sidebar", Rect(x: 0, y: 56, width: 230, height: 664), background: .white, z: 1),
                        .text("nav-account", Rect(x: 24, y: 84, width: 180, height: 20), "Account", color: muted, z: 2),
                        .text("nav-billing", Rect(x: 24, y: 124, width: 180, height: 20), "Billing", color: RGB(67, 56, 202), z: 2),
                        .text("nav-keys", Rect(x: 24, y: 164, width: 180, height: 20), "API keys", color: muted, z: 2),
                        .text("nav-sso", Rect(x: 24, y: 204, width: 180, height: 20), "Single sign-on", color: muted, z: 2),
                        .text("h1", Rect(x: 260, y: 76, width: 400, height: 36), "Billing", color: ink, z: 2),
                        .text("intro", Rect(x: 260, y: 124, width: 900, height: 44),
                              "Your plan renews on the 1st of every month. Update the card used for invoices below.", color: muted, z: 2),
                        SceneNode(id: "banner", kind: .image, rect: Rect(x: 260, y: 200, width: 980, height: 120), z: 2, pixels: banner()),
                        .field("name", Rect(x: 560, y: 360, width: 420, height: 38), label: "Name on card", value: "Dana Whitfield"),
                        .mask("card", Rect(x: 560, y: 430, width: 420, height: 38), reason: "card number"),
                        .field("expiry", Rect(x: 560, y: 500, width: 200, height: 38), label: "Expiry", value: ""),
                        .box("save", Rect(x: 560, y: 600, width: 120, height: 40), background: RGB(37, 99, 235), z: 2),
                        .text("save-label", Rect(x: 584, y: 610, width: 80, height: 20), "Save", color: .white, z: 3),
                        .text("hostile", Rect(x: 260, y: 660, width: 600, height: 20), hostileText, color: muted, z: 2),
                     ], pointer: Point(x: 600, y: 380))
    }

    static func activity() -> [ActivityItem] {
        [
            ActivityItem(at: t0, kind: .linkMinted, actor: "Maria S.", text: "One-time link created"),
            ActivityItem(at: t0.addingTimeInterval(40), kind: .linkOpened, actor: "customer", text: "Link opened"),
            ActivityItem(at: startedAt, kind: .consent, actor: "customer", text: "Allowed controlled access, recording on"),
            ActivityItem(at: startedAt.addingTimeInterval(300), kind: .navigation, actor: "customer", text: "Opened Billing"),
            ActivityItem(at: startedAt.addingTimeInterval(320), kind: .redaction, actor: "engine", text: "Card number field masked"),
        ]
    }

    static func notes() -> [NoteEntry] {
        [NoteEntry(at: startedAt.addingTimeInterval(400), author: "Maria S.", text: "Card form rejects the expiry; check the browser's autofill.")]
    }

    static func snapshot() -> SessionSnapshot {
        SessionSnapshot(summary: summary(), scene: scene(), activity: activity(), notes: notes())
    }

    static func lobby() -> Lobby {
        Lobby(agent: Agent(name: "Maria S.", uid: 1001, level: .l2),
              tickets: [ticket,
                        Ticket(id: "TCK-1043", subject: "SSO login loops back to the sign-in page", customer: "Ravi Patel", category: "identity"),
                        Ticket(id: "TCK-1051", subject: "Where do I rotate an API key?", customer: "Lena Okafor", category: "onboarding")],
              sessions: [summary(),
                         SessionSummary(id: "S-0000ended", ticket: ticket, agentName: "Maria S.", status: .ended, createdAt: t0)],
              suggestions: ["TCK-1043": "single sign-on setup: show them where"])
    }
}
