import Foundation
import XCTest
@testable import Engine

/// docs/protocol.md's "Who may send what" is the message table in prose: it
/// must say exactly what the code enforces, message by message.
final class ProtocolDocTests: XCTestCase {
    static let columns: [MessageSender] = [.console, .customer, .viewer, .presenter, .mirror, .engine]

    static var protocolDoc: String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/protocol.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// The table as the code has it, in the doc's own layout (printed when they differ, to paste).
    static var expectedTable: String {
        let head = "| message | " + columns.map(\.rawValue).joined(separator: " | ") + " |\n|---|" + columns.map { _ in "---|" }.joined() + "\n"
        return head + MessageKind.allCases.map { kind in
            "| `\(kind.rawValue)` | " + columns.map { kind.senders.contains($0) ? "✓" : "" }.joined(separator: " | ") + " |"
        }.joined(separator: "\n")
    }

    func testTheDocsWhoMaySendWhatTableIsTheCodesMessageTable() throws {
        let doc = Self.protocolDoc
        let section = try XCTUnwrap(doc.range(of: "## Who may send what"), "docs/protocol.md has no \"Who may send what\" section")
        let rest = doc[section.upperBound...]
        let body = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var documented: [String: Set<MessageSender>] = [:]
        for line in body.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // "", "`name`", six sender cells, ""
            guard cells.count == Self.columns.count + 3 else { XCTFail("a row with the wrong number of cells: \(line)"); continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            documented[name] = Set(zip(Self.columns, cells[2 ..< 2 + Self.columns.count]).filter { !$0.1.isEmpty }.map(\.0))
        }
        let inCode = Dictionary(uniqueKeysWithValues: MessageKind.allCases.map { ($0.rawValue, $0.senders) })
        XCTAssertEqual(documented, inCode, "docs/protocol.md disagrees with the message table; the code's table is:\n\(Self.expectedTable)")
    }
}
