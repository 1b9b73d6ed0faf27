import Foundation

// Writes the Swift file that carries the browser code (Sources/Engine/Web/Assets)
// inside the binary, so an installed `cobrowse` serves it with no source tree.
// Each file is one base64 string literal: Swift compiles a long string in
// milliseconds, where a byte-array literal of the same size takes the type
// checker tens of seconds.
//
//   WebAssetEmbedder OUTPUT.swift NAME PATH [NAME PATH]...

let args = Array(CommandLine.arguments.dropFirst())
guard args.count % 2 == 1 else {
    FileHandle.standardError.write(Data("usage: WebAssetEmbedder OUTPUT.swift [NAME PATH]...\n".utf8))
    exit(64)
}
var out = """
    // Made at build time from Sources/Engine/Web/Assets by the WebAssets plugin.
    // Edit the files there, not this.

    enum EmbeddedWebAssets {
        /// Each file of the folder by its path there ("viewer.js", "demo/billing.html"), base64.
        static let base64: [String: String] = [

    """
for i in stride(from: 1, to: args.count, by: 2) {
    let (name, path) = (args[i], args[i + 1])
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("WebAssetEmbedder: cannot read \(path)\n".utf8))
        exit(66)
    }
    // Names are paths of the tree: only these characters, so nothing needs escaping.
    guard name.allSatisfy({ $0.isLetter || $0.isNumber || "._-/".contains($0) }) else {
        FileHandle.standardError.write(Data("WebAssetEmbedder: \(name): asset names are letters, digits, . _ - and /\n".utf8))
        exit(65)
    }
    out += "        \"\(name)\": \"\(data.base64EncodedString())\",\n"
}
out += args.count == 1 ? "        :\n    ]\n}\n" : "    ]\n}\n"
do { try out.write(toFile: args[0], atomically: true, encoding: .utf8) } catch {
    FileHandle.standardError.write(Data("WebAssetEmbedder: cannot write \(args[0]): \(error)\n".utf8))
    exit(73)
}
