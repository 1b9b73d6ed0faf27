import Foundation

/// The demo's customer-facing product, a small SaaS settings app ("Northwind
/// Cloud"), as protocol scenes for the scripted customer. The site exists
/// once, as the files in Web/Assets/demo that the engine serves and the
/// browser customer walks; the scenes are read from those same files (embedded
/// in the binary) by `DemoMarkup` and placed by `DemoLayout`, once per page.
/// Like a naive page SDK, the scenes carry the page's text as it is (a card
/// number, e-mail addresses, API keys), so the engine's own redaction is seen
/// at work.
public enum DemoSite {
    /// One page of the site, named by its file ("api-keys" is demo/api-keys.html).
    public struct Page: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }

        public static let account = Page("account")
        public static let apiKeys = Page("api-keys")
        public static let billing = Page("billing")
        public static let sso = Page("sso")
        public static let integrations = Page("integrations")

        /// Every page, in the order the site's nav lists them.
        public static var allCases: [Page] { site.order }

        /// The page's `<title>`.
        public var title: String { DemoSite.page(self).title }
        /// Where the engine's gateway serves it ("/demo/", "/demo/billing").
        public var path: String { DemoSite.page(self).path }
        public var description: String { rawValue }
    }

    public static let viewport = Size(width: 1280, height: 800)
    /// The site's pretend origin: the scenes name the served paths on it, as the product's own domain would.
    public static let origin = "https://app.northwind.example"
    /// The field the scripted customer types into (the account page's "Company name").
    public static let typingField = "company"

    /// A page as read from its file: everything in its scene but the version and the pointer.
    struct ReadPage: Sendable {
        let title: String
        let path: String
        let nodes: [SceneNode]
        let firstButton: String?
    }

    struct Site: Sendable {
        let order: [Page]
        let pages: [Page: ReadPage]
    }

    /// The site read once, on first use; every scene after that is a copy of a page read here.
    static let site: Site = read()

    static func page(_ page: Page) -> ReadPage {
        guard let read = site.pages[page] else { preconditionFailure("the demo page \(page) is missing from Sources/Engine/Web/Assets/demo") }
        return read
    }

    /// A full scene of one page. `typed` is what the customer has typed into
    /// the page's editable field so far (the company name on the account page);
    /// empty leaves the value the page's markup gives it.
    public static func scene(_ page: Page, version: Int, pointer: Point? = nil, typed: String = "") -> Scene {
        let read = Self.page(page)
        var nodes = read.nodes
        if !typed.isEmpty, let i = nodes.firstIndex(where: { $0.id == typingField && $0.kind == .field }) { nodes[i].text = typed }
        return Scene(version: version, viewport: viewport, url: origin + read.path, title: read.title, nodes: nodes, pointer: pointer)
    }

    /// A node of the page as its markup places it (the typing field, the page's buttons), for the script to aim at.
    public static func node(_ id: String, on page: Page) -> SceneNode? {
        Self.page(page).nodes.first { $0.id == id }
    }

    /// Where the customer's attention goes on a page: the field they type into, else the page's first button, else its first field.
    public static func mainControl(on page: Page) -> SceneNode? {
        let nodes = Self.page(page).nodes
        return nodes.first { $0.id == typingField && $0.kind == .field }
            ?? Self.page(page).firstButton.flatMap { id in nodes.first { $0.id == id } }
            ?? nodes.first { $0.kind == .field }
    }

    /// The file a served path names ("/demo/" → "account", "/demo/sso" → "sso"), as the gateway resolves it.
    static func fileName(served path: String) -> String? {
        guard let name = DemoPages.asset(path)?.name, name.hasPrefix("demo/"), name.hasSuffix(".html") else { return nil }
        return String(name.dropFirst("demo/".count).dropLast(".html".count))
    }

    /// Reads every page file: the landing page's nav gives the order and each page's served path;
    /// a page file the nav does not name comes after, by name.
    static func read() -> Site {
        let style = DemoStyle(css: WebAssets.text("demo/demo.css") ?? "")
        let files = WebAssets.names.filter { $0.hasPrefix("demo/") && $0.hasSuffix(".html") }
            .map { String($0.dropFirst("demo/".count).dropLast(".html".count)) }
        let landing = DemoElement.document(DemoPages.asset("/demo/").flatMap { String(decoding: $0.bytes, as: UTF8.self) } ?? "")
        var paths: [String: String] = [:]
        var order: [String] = []
        for link in landing.first("nav")?.all("a") ?? [] {
            guard let href = link["href"], let name = fileName(served: href), paths[name] == nil else { continue }
            paths[name] = href
            order.append(name)
        }
        order += files.filter { paths[$0] == nil }.sorted()
        let header = style.colour("header", "background") ?? .white
        let logos = LogoCache(background: header)
        var pages: [Page: ReadPage] = [:]
        for name in order {
            guard let html = WebAssets.text("demo/\(name).html") else { continue }
            let document = DemoElement.document(html)
            var layout = DemoLayout(style: style, viewport: viewport,
                                    linkName: { href in "nav-" + (fileName(served: href) ?? String(href.split(separator: "/").last ?? "link")) },
                                    picture: logos.pixels)
            pages[Page(name)] = ReadPage(title: document.first("title")?.text ?? name, path: paths[name] ?? "/demo/\(name)",
                                         nodes: layout.page(document), firstButton: layout.buttonIDs.first)
        }
        return Site(order: order.map(Page.init).filter { pages[$0] != nil }, pages: pages)
    }

    /// The pictures the pages name, drawn once however many pages show them.
    final class LogoCache {
        let background: RGB
        private var drawn: [String: PixelBlock?] = [:]
        init(background: RGB) { self.background = background }

        func pixels(_ src: String) -> PixelBlock? {
            if let p = drawn[src] { return p }
            let svg = DemoPages.asset(src).flatMap { $0.name.hasSuffix(".svg") ? String(decoding: $0.bytes, as: UTF8.self) : nil }
            let p = svg.flatMap { DemoPicture.pixels(svg: $0, background: background) }
            drawn[src] = .some(p)
            return p
        }
    }
}
