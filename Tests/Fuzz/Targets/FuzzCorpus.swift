import Foundation

/// The inputs under a path: the file itself, or a directory's files (sorted,
/// not recursive, hidden files such as `.gitkeep` left out).
public enum FuzzCorpus {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) does not exist" }
    }

    public static func files(at url: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw Missing(path: url.path) }
        guard isDirectory.boolValue else { return [url] }
        return try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .map { url.appendingPathComponent($0) }
    }
}
