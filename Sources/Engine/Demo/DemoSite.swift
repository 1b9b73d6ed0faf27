import Foundation

/// The demo's customer-facing product: a small SaaS settings app ("Northwind
/// Cloud") drawn as protocol scenes, the way a naive page SDK would send them.
/// It deliberately leaks a card number, an e-mail and an API key into plain
/// page text, so the engine's own redaction is seen at work.
public enum DemoSite {
    public enum Page: String, CaseIterable, Sendable {
        case account, apiKeys = "api-keys", billing, sso

        public var title: String {
            switch self {
            case .account: "Account settings · Northwind Cloud"
            case .apiKeys: "API keys · Northwind Cloud"
            case .billing: "Billing · Northwind Cloud"
            case .sso: "Single sign-on · Northwind Cloud"
            }
        }
        public var path: String { "/settings/\(rawValue)" }
        var navLabel: String {
            switch self { case .account: "Account"; case .apiKeys: "API keys"; case .billing: "Billing"; case .sso: "SSO setup" }
        }
    }

    public static let viewport = Size(width: 1280, height: 800)
    public static let origin = "https://app.northwind.example"

    static let ink = RGB(0x1d, 0x23, 0x30)
    static let muted = RGB(0x5a, 0x62, 0x70)
    static let brand = RGB(0x2f, 0x5b, 0xea)
    static let navBg = RGB(0x15, 0x1b, 0x2b)
    static let sidebarBg = RGB(0xf1, 0xf3, 0xf8)
    static let pageBg = RGB(0xff, 0xff, 0xff)
    static let danger = RGB(0xc8, 0x2b, 0x2b)

    /// A full scene of one page. `typed` is what the customer has typed into the
    /// page's editable field so far (the company name on the account page).
    public static func scene(_ page: Page, version: Int, pointer: Point? = nil, typed: String = "") -> Scene {
        var b = Builder()
        b.box("page", Rect(x: 0, y: 0, width: 1280, height: 800), pageBg, z: 0)
        b.box("nav", Rect(x: 0, y: 0, width: 1280, height: 56), navBg, z: 1)
        b.image("logo", Rect(x: 20, y: 12, width: 32, height: 32), logo)
        b.text("brand", Rect(x: 64, y: 18, width: 200, height: 20), "Northwind Cloud", .white)
        b.text("user", Rect(x: 1040, y: 18, width: 220, height: 20), "Dana Whitfield ▾", RGB(0xd8, 0xde, 0xea))
        b.box("sidebar", Rect(x: 0, y: 56, width: 220, height: 744), sidebarBg, z: 1)
        for (i, p) in Page.allCases.enumerated() {
            let y = 88.0 + Double(i) * 40
            if p == page { b.box("nav-sel-\(i)", Rect(x: 8, y: y - 8, width: 204, height: 36), RGB(0xdd, 0xe5, 0xfb), z: 2) }
            b.text("nav-\(p.rawValue)", Rect(x: 24, y: y, width: 180, height: 20), p.navLabel, p == page ? brand : ink)
        }
        switch page {
        case .account: account(&b, typed: typed)
        case .apiKeys: apiKeys(&b)
        case .billing: billing(&b)
        case .sso: sso(&b)
        }
        return Scene(version: version, viewport: viewport, url: origin + page.path, title: page.title,
                     nodes: b.nodes, pointer: pointer)
    }

    private static func heading(_ b: inout Builder, _ title: String, _ subtitle: String) {
        b.text("h1", Rect(x: 260, y: 84, width: 700, height: 32), title, ink)
        b.text("h1-sub", Rect(x: 260, y: 120, width: 900, height: 20), subtitle, muted)
    }

    private static func account(_ b: inout Builder, typed: String) {
        heading(&b, "Account settings", "Your profile and workspace details.")
        b.field("name", y: 170, label: "Full name", value: "Dana Whitfield")
        b.field("email", y: 240, label: "Work e-mail", value: "dana.whitfield@northwind.example")
        b.field("company", y: 310, label: "Company name", value: typed.isEmpty ? "Northwind Tra" : typed)
        b.field("tz", y: 380, label: "Time zone", value: "Europe/Berlin (UTC+1)")
        b.button("save", Rect(x: 260, y: 460, width: 160, height: 40), "Save settings")
        b.text("help", Rect(x: 260, y: 530, width: 900, height: 20),
               "Questions? Write to support@northwind.example or call +1 415 555 0134.", muted)
    }

    private static func apiKeys(_ b: inout Builder) {
        heading(&b, "API keys", "Keys give full access to your workspace. Keep them secret.")
        b.box("keys-table", Rect(x: 260, y: 170, width: 960, height: 170), RGB(0xf8, 0xf9, 0xfc), border: RGB(0xdd, 0xe1, 0xe8))
        b.text("keys-h", Rect(x: 280, y: 184, width: 900, height: 20), "Name              Key                                   Created", muted)
        b.text("key-1", Rect(x: 280, y: 224, width: 900, height: 20),
               "Production        sk_live_51HxQf2eZvKYlo2CkT9rZ8wPq3           2026-03-02", ink)
        b.text("key-2", Rect(x: 280, y: 264, width: 900, height: 20),
               "Staging           sk_test_4eC39HqLyjWDarjtT1zdp7dc             2026-05-19", ink)
        b.button("new-key", Rect(x: 260, y: 370, width: 180, height: 40), "Create new key")
        b.text("warn", Rect(x: 260, y: 430, width: 900, height: 20), "Rotating a key revokes the old one after 24 hours.", danger)
    }

    private static func billing(_ b: inout Builder) {
        heading(&b, "Billing", "Plan: Team · 14 seats · renews on 1 December 2026.")
        b.text("card-on-file", Rect(x: 260, y: 170, width: 900, height: 20),
               "Card on file: 4242 4242 4242 4242 (Visa), expires 08/29", ink)
        b.field("cc-name", y: 220, label: "Name on card", value: "Dana Whitfield")
        var number = SceneNode.field("cc-number", Rect(x: 260, y: 310, width: 420, height: 40), label: "Card number",
                                     value: "4242 4242 4242 4242", type: "cc-number")
        number.z = 3
        b.nodes.append(number)
        b.label("cc-number-label", y: 290, "Card number")
        var cvc = SceneNode.field("cc-csc", Rect(x: 700, y: 310, width: 120, height: 40), label: "CVC", value: "123", type: "cc-csc")
        cvc.z = 3
        b.nodes.append(cvc)
        b.label("cc-csc-label", y: 290, x: 700, "CVC")
        b.field("address", y: 380, label: "Billing address", value: "Hauptstraße 5, 10115 Berlin")
        b.button("update-card", Rect(x: 260, y: 460, width: 200, height: 40), "Update payment")
        b.text("invoice", Rect(x: 260, y: 530, width: 900, height: 20), "Last invoice: €588.00 on 1 November 2026 — paid.", muted)
    }

    private static func sso(_ b: inout Builder) {
        heading(&b, "Single sign-on", "Connect your identity provider with SAML 2.0.")
        b.field("entity", y: 170, label: "Identity provider entity ID", value: "https://idp.northwind.example/saml")
        b.field("acs", y: 240, label: "Assertion consumer service URL", value: "https://app.northwind.example/sso/acs")
        b.field("cert", y: 310, label: "Signing certificate", value: "idp-signing-2026.pem (uploaded)")
        b.button("test-sso", Rect(x: 260, y: 390, width: 180, height: 40), "Test connection")
        b.text("sso-error", Rect(x: 260, y: 450, width: 900, height: 20),
               "Last test failed: audience mismatch (expected urn:northwind:cloud).", danger)
    }

    /// A small brand mark, so the blitter has a picture to draw.
    static let logo: PixelBlock = {
        let n = 24
        var rgb = Data(capacity: n * n * 3)
        for y in 0 ..< n {
            for x in 0 ..< n {
                let dx = Double(x) - 11.5, dy = Double(y) - 11.5
                let inside = dx * dx + dy * dy < 130
                let t = Double(x + y) / Double(2 * n)
                if inside {
                    rgb.append(contentsOf: [UInt8(47 + 80 * t), UInt8(91 + 60 * t), 234])
                } else {
                    rgb.append(contentsOf: [navBg.r, navBg.g, navBg.b])
                }
            }
        }
        return PixelBlock(width: n, height: n, rgb: rgb)
    }()

    /// Collects nodes with sensible z and ids.
    struct Builder {
        var nodes: [SceneNode] = []

        mutating func box(_ id: String, _ r: Rect, _ bg: RGB, border: RGB? = nil, z: Int = 2) {
            nodes.append(.box(id, r, background: bg, border: border, z: z))
        }
        mutating func text(_ id: String, _ r: Rect, _ s: String, _ color: RGB) {
            nodes.append(.text(id, r, s, color: color, z: 4))
        }
        mutating func image(_ id: String, _ r: Rect, _ p: PixelBlock) {
            nodes.append(SceneNode(id: id, kind: .image, rect: r, z: 3, pixels: p))
        }
        mutating func label(_ id: String, y: Double, x: Double = 260, _ s: String) {
            text(id, Rect(x: x, y: y, width: 400, height: 18), s, DemoSite.muted)
        }
        mutating func field(_ id: String, y: Double, label: String, value: String) {
            self.label("\(id)-label", y: y, label)
            var f = SceneNode.field(id, Rect(x: 260, y: y + 20, width: 560, height: 40), label: label, value: value)
            f.z = 3
            nodes.append(f)
        }
        mutating func button(_ id: String, _ r: Rect, _ title: String) {
            box(id, r, DemoSite.brand, z: 3)
            nodes.append(.text("\(id)-label", Rect(x: r.x + 16, y: r.y + 10, width: r.width - 32, height: 20), title, color: .white, z: 4))
        }
    }
}
