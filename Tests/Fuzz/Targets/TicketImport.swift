import Engine
import Foundation

/// A help-desk export, read the way `cobrowse tickets import` reads it:
/// as CSV when it is UTF-8, and as JSON, whatever the bytes are.
public enum TicketImportTarget {
    public static func run(_ input: [UInt8]) {
        if let text = String(bytes: input, encoding: .utf8) { _ = try? TicketImporter.parseCSV(text, source: "fuzz.csv") }
        _ = try? TicketImporter.parseJSON(Data(input), source: "fuzz.json")
    }
}
