import Foundation

/// The browser code (Sources/Engine/Web/Assets: the SDK, the gateway's pages'
/// scripts and styles, the demo site) as the binary carries it. The files are
/// the source; the build embeds them (the WebAssets plugin), so an installed
/// `cobrowse` needs no source tree and serves exactly what the tree holds.
public enum WebAssets {
    private static let files: [String: [UInt8]] = EmbeddedWebAssets.base64.reduce(into: [:]) { out, entry in
        // The plugin wrote this base64 itself; a file it cannot be read back from is a broken build.
        guard let data = Data(base64Encoded: entry.value) else { preconditionFailure("the embedded asset \(entry.key) is not base64") }
        out[entry.key] = Array(data)
    }

    /// Every asset's path in the folder, sorted ("cobrowse.js", "demo/billing.html", …).
    public static var names: [String] { files.keys.sorted() }

    /// The asset's bytes, or nil when the folder has no such file.
    public static func bytes(_ name: String) -> [UInt8]? { files[name] }

    /// An asset the engine cannot run without (its own pages' scripts): missing means the build is broken.
    static func required(_ name: String) -> [UInt8] {
        guard let bytes = files[name] else { preconditionFailure("\(name) is missing from Sources/Engine/Web/Assets") }
        return bytes
    }

    public static func text(_ name: String) -> String? { files[name].map { String(decoding: $0, as: UTF8.self) } }

    /// What the gateway says a file is, by its extension.
    public static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}
