/// The demo product site, served by the engine under /demo/: the files in
/// Web/Assets/demo. Its pages include the SDK exactly like a customer's own
/// site would: <script src="/cobrowse.js">.
public enum DemoPages {
    /// The file for `path` (already stripped of its query): "/demo/billing" is demo/billing.html,
    /// "/demo/demo.css" demo/demo.css; nil when there is none.
    public static func asset(_ path: String) -> (name: String, bytes: [UInt8])? {
        let rest = path == "/demo" || path == "/demo/" ? "account" : String(path.dropFirst("/demo/".count))
        // Only names of the folder's own kind: no "..", no second level, no dot files.
        guard !rest.isEmpty, !rest.hasPrefix("."), rest.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else { return nil }
        for name in ["demo/\(rest).html", "demo/\(rest)"] where !name.hasSuffix(".html.html") {
            if let bytes = WebAssets.bytes(name) { return (name, bytes) }
        }
        return nil
    }
}
