/// The fuzz targets by name: what `scripts/fuzz`, the `cobrowse-fuzz`
/// replayer and `FuzzCorpusTests` all run. Each entry point must return
/// normally on every input; a trap is a bug in the code under test (or a
/// broken invariant the target checks, which says what it expected).
public struct FuzzTarget {
    public let name: String
    /// The largest input worth generating (libFuzzer's `-max_len`); seeds stay below it.
    public let maxLength: Int
    /// A libFuzzer dictionary in Tests/Fuzz/Dictionaries (without `.dict`), if one helps.
    public let dictionary: String?
    /// What the input is, for `cobrowse-fuzz list`.
    public let summary: String
    public let run: ([UInt8]) -> Void

    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "wire-codec-socket", maxLength: 8_192, dictionary: "json",
                   summary: "a byte stream on the console socket (length-prefixed frames) through the socket's handlers and the codec",
                   run: WireCodecSocketTarget.run),
        FuzzTarget(name: "wire-codec-websocket", maxLength: 8_192, dictionary: "json",
                   summary: "WebSocket frames after the gateway's /ws upgrade, through the WebSocket handler and the codec",
                   run: WireCodecWebSocketTarget.run),
        FuzzTarget(name: "http-request", maxLength: 4_096, dictionary: "http",
                   summary: "raw bytes as HTTP requests into the gateway's HTTP pipeline, answered by a real hub",
                   run: HTTPRequestTarget.run),
        FuzzTarget(name: "scene", maxLength: 32_768, dictionary: "json",
                   summary: "a scene JSON, then NUL-separated delta JSONs (or bytes that build them): validate, apply, redact",
                   run: SceneTarget.run),
        FuzzTarget(name: "scene-wire", maxLength: 32_768, dictionary: "json",
                   summary: "a scene or delta frame's JSON (or bytes that build a scene): the codec's short way must agree with JSONDecoder and JSONEncoder",
                   run: SceneWireTarget.run),
        FuzzTarget(name: "scene-render", maxLength: 32_768, dictionary: "json",
                   summary: "terminal size and options (5 bytes), a scene JSON, NUL-separated deltas, marks and pointers: render what validates",
                   run: SceneRenderTarget.run),
        FuzzTarget(name: "recording-reader", maxLength: 65_536, dictionary: "json",
                   summary: "recording file bytes, or chunk plaintexts sealed with the fuzzer's known key",
                   run: RecordingReaderTarget.run),
        FuzzTarget(name: "theme", maxLength: 4_096, dictionary: "toml",
                   summary: "a theme file (TOML subset): parse, then draw a console with it",
                   run: ThemeTarget.run),
        FuzzTarget(name: "ticket-import", maxLength: 8_192, dictionary: "csv",
                   summary: "a ticket export, read both as CSV and as JSON",
                   run: TicketImportTarget.run),
    ]

    /// One line of `list`: name, max length, dictionary (or -), summary; tab-separated for scripts/fuzz.
    public var listing: String { [name, String(maxLength), dictionary ?? "-", summary].joined(separator: "\t") }

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
