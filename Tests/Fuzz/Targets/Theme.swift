import Engine
import Foundation
import TerminalUI

/// A theme file: the TOML subset parser and `Theme(toml:)`; a theme that
/// loads then draws the workstation (a small demo page) at 80x24.
public enum ThemeTarget {
    static let when = Date(timeIntervalSince1970: 1_767_225_600)

    public static func run(_ input: [UInt8]) {
        guard let theme = try? Theme(toml: String(decoding: input, as: UTF8.self), fallbackName: "fuzz") else { return }
        var model = ConsoleModel(options: ConsoleOptions(sessionID: "S-fuzz"))
        model.handle(.snapshot(SessionSnapshot(summary: SceneRenderTarget.summary, scene: page, activity: [], notes: [])))
        _ = ConsoleView(theme: theme).frame(model, size: GridSize(columns: 80, rows: 24), now: when)
    }

    static let page = Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://app.example/billing", title: "Billing",
                            nodes: [.box("bg", Rect(x: 0, y: 0, width: 800, height: 600), background: RGB(245, 246, 248)),
                                    .text("h1", Rect(x: 20, y: 20, width: 300, height: 30), "Billing", color: RGB(17, 24, 39)),
                                    .field("name", Rect(x: 20, y: 80, width: 300, height: 30), label: "Name", value: "Dana"),
                                    .mask("card", Rect(x: 20, y: 130, width: 300, height: 30), reason: "card number")],
                            pointer: Point(x: 30, y: 90))
}
