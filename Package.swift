// swift-tools-version:6.1
import PackageDescription

// Linux only, and it says so by naming no other platform: the engine knows a
// console by SO_PEERCRED, and the system libraries come from Debian (apt).
let package = Package(
    name: "cobrowse",
    products: [
        .executable(name: "cobrowse", targets: ["cobrowse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // STARTTLS for the link sent by e-mail; already in the graph through async-http-client.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        // `serve --metrics`: the engine records through swift-metrics' API into a registry of its own,
        // exported in Prometheus' text format (no process-wide bootstrap: tests run several engines).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Thin shims over the system libraries named on the design card.
        .systemLibrary(
            name: "CNcursesw",
            path: "Sources/CNcursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Everything about sessions; no terminal code.
        .target(
            name: "Engine",
            dependencies: [
                "COpenSSL", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Engine",
            // The browser code: real files, embedded in the binary by the plugin below.
            exclude: ["Web/Assets"],
            plugins: ["WebAssetsPlugin"]
        ),
        // Turns Sources/Engine/Web/Assets into a Swift file at build time.
        .executableTarget(name: "WebAssetEmbedder", path: "Sources/WebAssetEmbedder"),
        .plugin(name: "WebAssetsPlugin", capability: .buildTool(), dependencies: ["WebAssetEmbedder"], path: "Sources/WebAssetsPlugin"),
        // Everything about drawing a terminal; imports Engine's model only.
        .target(
            name: "TerminalUI",
            dependencies: ["Engine", "CNcursesw"],
            path: "Sources/TerminalUI"
        ),
        // The `cobrowse` executable: argument parsing and wiring only.
        .executableTarget(
            name: "cobrowse",
            dependencies: [
                "Engine", "TerminalUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/App"
        ),
        // Fuzzing (scripts/fuzz): the entry points, the libFuzzer binary / replayer, and the corpus replay.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "Engine", "TerminalUI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Fuzz/Targets"
        ),
        .executableTarget(name: "cobrowse-fuzz", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Driver"),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"], path: "Tests/FuzzCorpusTests"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", .product(name: "Logging", package: "swift-log")], path: "Tests/EngineTests"),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "Engine"], path: "Tests/TerminalUITests"),
        .testTarget(name: "AppTests", dependencies: ["cobrowse", "Engine"], path: "Tests/AppTests"),
    ],
    swiftLanguageModes: [.v5]
)
