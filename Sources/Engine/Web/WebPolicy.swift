/// The landing page named by `invite --url`, and the CSP of the gateway's own
/// pages that run scripts (the consent page and the demo site).
public enum LandingURL {
    public static let maxLength = 2_048

    public static func isValid(_ s: String) -> Bool {
        guard s.utf8.count <= maxLength, !s.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } == true }) else { return false }
        let lower = s.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return false }
        let rest = s[s.index(s.firstIndex(of: ":")!, offsetBy: 3)...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !authority.isEmpty && !authority.contains("@")
    }
}

public enum WebPolicy {
    /// The request's Host header when it is a plain host[:port] (anything else is ignored).
    public static func host(in headers: [(String, String)]) -> String? {
        guard let h = headers.first(where: { $0.0.lowercased() == "host" })?.1, !h.isEmpty, h.utf8.count <= 255 else { return nil }
        let ok = h.unicodeScalars.allSatisfy { c in
            (c.value >= 0x30 && c.value <= 0x39) || (c.value >= 0x41 && c.value <= 0x5a) || (c.value >= 0x61 && c.value <= 0x7a)
                || c == "." || c == ":" || c == "-" || c == "[" || c == "]"
        }
        return ok ? h : nil
    }

    /// Same strict policy as the gateway's default, plus the WebSocket back to
    /// this engine and data: images (none inline scripts or styles).
    public static func pageCSP(host: String?) -> String {
        let ws = host.map { " wss://\($0)" } ?? ""
        return "default-src 'self'; connect-src 'self'\(ws); img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    }
}
