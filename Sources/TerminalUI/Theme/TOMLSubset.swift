/// The slice of TOML that theme files use: `[table]` headers, `key = value`
/// with strings, booleans and integers, `#` comments. Small on purpose — a
/// full TOML library would cost more build time than themes are worth.
public enum TOMLSubset {
    public enum Value: Equatable, Sendable {
        case string(String)
        case bool(Bool)
        case int(Int)
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Flattens tables into dotted keys: `[status]\nfg = "#fff"` → "status.fg".
    public static func parse(_ text: String) throws -> [String: Value] {
        var out: [String: Value] = [:]
        var table = ""
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw ParseError(line: n + 1, message: "bad table header") }
                table = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard !table.isEmpty else { throw ParseError(line: n + 1, message: "empty table name") }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw ParseError(line: n + 1, message: "expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let rhs = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw ParseError(line: n + 1, message: "empty key") }
            let value: Value
            if rhs.hasPrefix("\""), rhs.hasSuffix("\""), rhs.count >= 2 { value = .string(String(rhs.dropFirst().dropLast())) }
            else if rhs == "true" { value = .bool(true) }
            else if rhs == "false" { value = .bool(false) }
            else if let i = Int(rhs) { value = .int(i) }
            else { throw ParseError(line: n + 1, message: "unsupported value '\(rhs.prefix(20))'") }
            out[table.isEmpty ? key : "\(table).\(key)"] = value
        }
        return out
    }

    /// Drops a `#` comment unless it is inside a string ("#rrggbb" colours are strings).
    private static func stripComment(_ line: String) -> String {
        var inString = false
        for (i, ch) in zip(line.indices, line) {
            if ch == "\"" { inString.toggle() }
            if ch == "#" && !inString { return String(line[..<i]) }
        }
        return line
    }
}

import Foundation
