import Foundation

/// The demo customer's script, pure: which page, where the pointer is, what
/// is typed. The scripted customer plays it live; `bench recording` plays it
/// on a simulated clock.
public struct DemoWalk {
    public enum Output { case full(Scene), delta(SceneDelta), none }

    public private(set) var page = DemoSite.Page.account
    var version = 1
    var tick = 0
    var typed = ""
    var pointer = Point(x: 640, y: 400)
    let companyName = "Northwind Traders GmbH"

    public init() {}

    public func fullScene() -> Scene {
        DemoSite.scene(page, version: version, pointer: pointer, typed: typed)
    }

    public mutating func step(dwellSteps: Int, loop: Bool) -> Output {
        tick += 1
        if tick >= dwellSteps {
            guard let i = DemoSite.Page.allCases.firstIndex(of: page) else { return .none }
            let next = DemoSite.Page.allCases.index(after: i)
            if next == DemoSite.Page.allCases.endIndex, !loop { return .none }
            page = next == DemoSite.Page.allCases.endIndex ? .account : DemoSite.Page.allCases[next]
            tick = 0
            typed = ""
            version += 1
            return .full(fullScene())
        }
        let base = version
        version += 1
        // Drift the pointer towards the page's main control.
        let target: Point
        switch page {
        case .account: target = Point(x: 420, y: 350)
        case .apiKeys: target = Point(x: 560, y: 234)
        case .billing: target = Point(x: 470, y: 330)
        case .sso: target = Point(x: 350, y: 410)
        }
        pointer = Point(x: pointer.x + (target.x - pointer.x) * 0.35, y: pointer.y + (target.y - pointer.y) * 0.35)
        var delta = SceneDelta(baseVersion: base, version: version, pointer: pointer)
        if page == .account, tick > 3, typed.count < companyName.count {
            typed = String(companyName.prefix(max(typed.count + 1, 13)))
            let scene = fullScene()
            if let field = scene.nodes.first(where: { $0.id == "company" }) { delta.upserts = [field] }
        }
        return .delta(delta)
    }
}
