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
    /// What the customer types: the end of the account page's company name ("Northwind Traders" becomes "… GmbH").
    static let typedEnding = " GmbH"
    let companyName = (DemoSite.node(DemoSite.typingField, on: .account)?.text ?? "") + typedEnding

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
        let target = DemoSite.mainControl(on: page).map { Point(x: $0.rect.x + $0.rect.width / 2, y: $0.rect.y + $0.rect.height / 2) } ?? Point(x: 640, y: 400)
        pointer = Point(x: pointer.x + (target.x - pointer.x) * 0.35, y: pointer.y + (target.y - pointer.y) * 0.35)
        var delta = SceneDelta(baseVersion: base, version: version, pointer: pointer)
        // On the account page the customer finishes the company name, one letter a step, from what the page holds.
        if page == .account, tick > 3, typed.count < companyName.count {
            let start = companyName.count - Self.typedEnding.count
            typed = String(companyName.prefix(max(typed.count + 1, start + 1)))
            let scene = fullScene()
            if let field = scene.nodes.first(where: { $0.id == DemoSite.typingField }) { delta.upserts = [field] }
        }
        return .delta(delta)
    }
}
