import Engine
import Foundation

/// Chrome colours and the look of masks and annotations. Page colours come
/// from the scene itself; a theme only decides what the console adds.
public struct Theme: Equatable, Sendable {
    public var name: String
    /// Ignore colours and draw with attributes only (NO_COLOR, colourless terminals).
    public var monochrome: Bool
    public var base: Pen
    public var statusBar: Pen
    public var statusAccent: Pen
    public var urlBar: Pen
    public var feed: Pen
    public var feedTitle: Pen
    public var dialog: Pen
    public var dialogBorder: Pen
    public var selection: Pen
    public var mask: Pen
    public var maskLabel: Pen
    public var cursor: Pen
    public var pointer: Pen
    public var error: Pen
    public var notice: Pen
    public var recording: Pen
    public var good: Pen
    public var fair: Pen
    public var poor: Pen
    public var hint: Pen
    /// A key on the hints line: the text colour on the hint bar, bold (no dimming), so keys stand out as in htop.
    public var hintKey: Pen {
        var style = hint.style.union(.bold)
        style.remove(.dim)
        return Pen(fg: base.fg, bg: hint.bg, style: style)
    }

    /// The built-in dark theme, used when no theme file can be found (the
    /// binary may run far from the repository's themes/).
    public static let dark = Theme(
        name: "dark", monochrome: false,
        base: Pen(fg: RGB(220, 223, 228), bg: RGB(18, 20, 24)),
        statusBar: Pen(fg: RGB(235, 238, 243), bg: RGB(31, 58, 95)),
        statusAccent: Pen(fg: RGB(255, 255, 255), bg: RGB(31, 58, 95), style: .bold),
        urlBar: Pen(fg: RGB(170, 180, 195), bg: RGB(36, 40, 48)),
        feed: Pen(fg: RGB(200, 205, 212), bg: RGB(24, 27, 33)),
        feedTitle: Pen(fg: RGB(255, 255, 255), bg: RGB(45, 50, 60), style: .bold),
        dialog: Pen(fg: RGB(235, 238, 243), bg: RGB(40, 44, 56)),
        dialogBorder: Pen(fg: RGB(120, 170, 255), bg: RGB(40, 44, 56), style: .bold),
        selection: Pen(fg: RGB(18, 20, 24), bg: RGB(120, 170, 255), style: .bold),
        mask: Pen(fg: RGB(120, 120, 130), bg: RGB(50, 50, 58)),
        maskLabel: Pen(fg: RGB(255, 255, 255), bg: RGB(150, 30, 40), style: .bold),
        cursor: Pen(fg: RGB(0, 0, 0), bg: RGB(255, 200, 0), style: .bold),
        pointer: Pen(fg: RGB(255, 80, 80), bg: RGB(18, 20, 24), style: .bold),
        error: Pen(fg: RGB(255, 255, 255), bg: RGB(170, 30, 40), style: .bold),
        notice: Pen(fg: RGB(20, 20, 20), bg: RGB(240, 200, 80)),
        recording: Pen(fg: RGB(255, 90, 90), bg: RGB(31, 58, 95), style: .bold),
        good: Pen(fg: RGB(110, 220, 120), bg: RGB(31, 58, 95), style: .bold),
        fair: Pen(fg: RGB(240, 200, 80), bg: RGB(31, 58, 95), style: .bold),
        poor: Pen(fg: RGB(255, 100, 100), bg: RGB(31, 58, 95), style: .bold),
        hint: Pen(fg: RGB(150, 158, 170), bg: RGB(18, 20, 24))
    )

    /// Attributes only: reverse video marks bars, selection and masks.
    public static let monochromeTheme: Theme = {
        let plain = Pen(fg: .white, bg: .black)
        let rev = Pen(fg: .white, bg: .black, style: .reverse)
        return Theme(name: "monochrome", monochrome: true, base: plain, statusBar: rev, statusAccent: rev.with(.bold),
                     urlBar: plain.with(.underline), feed: plain, feedTitle: rev.with(.bold), dialog: plain, dialogBorder: plain.with(.bold),
                     selection: rev.with(.bold), mask: plain.with(.dim), maskLabel: rev.with(.bold), cursor: rev.with(.bold),
                     pointer: plain.with(.bold), error: rev.with(.bold), notice: rev, recording: rev.with(.bold),
                     good: rev, fair: rev.with(.bold), poor: rev.with([.bold, .underline]), hint: plain.with(.dim))
    }()

    public static let builtIn: [String: Theme] = ["dark": .dark, "monochrome": .monochromeTheme]
}

extension Theme {
    /// Keys a theme file sets: `[element]` tables with `fg`, `bg` ("#rrggbb")
    /// and `bold`/`dim`/`underline`/`reverse`; anything missing keeps the dark
    /// (or, with `monochrome = true`, the monochrome) default.
    static let elements: [(String, WritableKeyPath<Theme, Pen>)] = [
        ("base", \.base), ("status", \.statusBar), ("status_accent", \.statusAccent), ("url", \.urlBar),
        ("feed", \.feed), ("feed_title", \.feedTitle), ("dialog", \.dialog), ("dialog_border", \.dialogBorder),
        ("selection", \.selection), ("mask", \.mask), ("mask_label", \.maskLabel), ("cursor", \.cursor),
        ("pointer", \.pointer), ("error", \.error), ("notice", \.notice), ("recording", \.recording),
        ("good", \.good), ("fair", \.fair), ("poor", \.poor), ("hint", \.hint),
    ]

    public init(toml text: String, fallbackName: String) throws {
        let values = try TOMLSubset.parse(text)
        let mono: Bool
        if case let .bool(b)? = values["monochrome"] { mono = b } else { mono = false }
        self = mono ? .monochromeTheme : .dark
        monochrome = mono
        if case let .string(n)? = values["name"] { name = n } else { name = fallbackName }
        for (key, path) in Theme.elements {
            var pen = self[keyPath: path]
            if case let .string(s)? = values["\(key).fg"] {
                guard let c = RGB(hex: s) else { throw TOMLSubset.ParseError(line: 0, message: "\(key).fg: '\(s)' is not #rrggbb") }
                pen.fg = c
            }
            if case let .string(s)? = values["\(key).bg"] {
                guard let c = RGB(hex: s) else { throw TOMLSubset.ParseError(line: 0, message: "\(key).bg: '\(s)' is not #rrggbb") }
                pen.bg = c
            }
            for (attr, style) in [("bold", CellStyle.bold), ("dim", .dim), ("underline", .underline), ("reverse", .reverse)] {
                if case let .bool(on)? = values["\(key).\(attr)"] { if on { pen.style.insert(style) } else { pen.style.remove(style) } }
            }
            self[keyPath: path] = pen
        }
    }
}

/// Finds a theme by name or path: an explicit path first, then
/// $COBROWSE_THEMES, ./themes and themes/ next to the executable, then the
/// built-ins — so the console always starts, and says why a theme was not used.
public struct ThemeLoader {
    public var environment: [String: String]
    public var currentDirectory: String
    public var executablePath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                currentDirectory: String = FileManager.default.currentDirectoryPath,
                executablePath: String? = Bundle.main.executablePath) {
        self.environment = environment; self.currentDirectory = currentDirectory; self.executablePath = executablePath
    }

    public var searchDirectories: [String] {
        var dirs: [String] = []
        if let env = environment["COBROWSE_THEMES"], !env.isEmpty { dirs.append(contentsOf: env.split(separator: ":").map(String.init)) }
        dirs.append((currentDirectory as NSString).appendingPathComponent("themes"))
        if let exe = executablePath {
            let dir = ((exe as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
            dirs.append((dir as NSString).appendingPathComponent("themes"))
            dirs.append((dir as NSString).appendingPathComponent("../share/cobrowse/themes"))
        }
        return dirs
    }

    public struct Loaded: Equatable {
        public var theme: Theme
        /// The file it came from, or "built-in".
        public var source: String
        /// Why the request could not be honoured as asked, to show the agent.
        public var warning: String?
    }

    /// The theme to use. With no request, NO_COLOR picks monochrome and
    /// anything else dark; NO_COLOR always turns a colour theme monochrome.
    public func load(_ request: String?) -> Loaded {
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let name = request ?? (noColor ? "monochrome" : "dark")
        var candidates: [String] = []
        if name.contains("/") || name.hasSuffix(".toml") { candidates.append(name) }
        else { candidates = searchDirectories.map { ($0 as NSString).appendingPathComponent("\(name).toml") } }
        for path in candidates {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                let theme = try Theme(toml: String(decoding: data, as: UTF8.self), fallbackName: stem)
                return Loaded(theme: noColor && !theme.monochrome ? .monochromeTheme : theme, source: path, warning: nil)
            } catch {
                return Loaded(theme: fallback(noColor, name), source: "built-in", warning: "theme \(path): \(error); using built-in")
            }
        }
        if Theme.builtIn[name] != nil { return Loaded(theme: fallback(noColor, name), source: "built-in", warning: nil) }
        return Loaded(theme: fallback(noColor, name), source: "built-in",
                      warning: "theme '\(name)' not found in \(searchDirectories.joined(separator: ", ")); using built-in")
    }

    /// Every theme a name can ask for: the built-ins and the .toml files in the search directories.
    public var availableNames: [String] {
        var names = Set(Theme.builtIn.keys)
        for dir in searchDirectories {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasSuffix(".toml") {
                names.insert((file as NSString).deletingPathExtension)
            }
        }
        return names.sorted()
    }

    /// Why `request` names no theme there is, before anything starts; nil when it names one (or none).
    public func refusal(_ request: String?) -> String? {
        guard let name = request, !name.contains("/"), !name.hasSuffix(".toml") else {
            if let path = request, !FileManager.default.fileExists(atPath: path) { return "no theme file at \(path)" }
            return nil
        }
        guard !availableNames.contains(name) else { return nil }
        return "no theme '\(name)'; the themes are: \(availableNames.joined(separator: ", ")) (or a path to a .toml file)"
    }

    private func fallback(_ noColor: Bool, _ name: String) -> Theme { noColor ? .monochromeTheme : (Theme.builtIn[name] ?? .dark) }
}
