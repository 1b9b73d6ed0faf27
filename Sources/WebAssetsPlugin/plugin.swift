import Foundation
import PackagePlugin

/// Embeds every file under the target's `Web/Assets` folder in the build
/// (`EmbeddedWebAssets`): the browser code stays real `.js`, `.html` and `.css`
/// files that tools and tests read, and the binary still carries it all.
@main
struct WebAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = target.directoryURL.appending(path: "Web/Assets")
        let files = Self.files(under: folder)
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebAssets.swift")
        let prefix = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        let arguments = [output.path] + files.flatMap { [String($0.path.dropFirst(prefix.count)), $0.path] }
        return [.buildCommand(displayName: "Embedding \(files.count) web assets", executable: try context.tool(named: "WebAssetEmbedder").url,
                              arguments: arguments, inputFiles: files, outputFiles: [output])]
    }

    /// Regular files, sorted, skipping dot files (an editor's swap file is no asset) and Python's bytecode caches.
    static func files(under folder: URL) -> [URL] {
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                        options: [.skipsHiddenFiles]) else { return [] }
        var files: [URL] = []
        for case let url as URL in walk {
            if url.lastPathComponent == "__pycache__" { walk.skipDescendants(); continue }
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url) }
        }
        return files.sorted { $0.path < $1.path }
    }
}
