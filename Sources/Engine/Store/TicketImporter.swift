import Foundation

/// Why an import file was refused; the message names the file and the line
/// (CSV) or the item (JSON) so the admin can fix it.
public struct TicketImportError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A ticket as an import file gives it, with how to reach its customer.
public struct ImportedTicket: Equatable, Sendable {
    public var ticket: Ticket
    public var contact: CustomerContact
}

/// Reads tickets exported from a help desk: CSV with a header row, or JSON (an
/// array of objects, or `{"tickets": [...]}`), keys id, subject, customer and
/// optional category / status / email / phone. All or nothing: one bad row
/// (an address with a line break in it, say) refuses the file.
public enum TicketImporter {
    public static func load(path: String) throws -> [Ticket] { try loadEntries(path: path).map(\.ticket) }

    public static func loadEntries(path: String) throws -> [ImportedTicket] {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TicketImportError("\(path): cannot read the file")
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": 
            guard let text = String(data: data, encoding: .utf8) else { throw TicketImportError("\(name): not UTF-8 text") }
            return try parseCSVEntries(text, source: name)
        case "json": return try parseJSONEntries(data, source: name)
        default: throw TicketImportError("\(name): expected a .csv or .json file")
        }
    }

    // MARK: CSV

    public static func parseCSV(_ text: String, source: String = "tickets.csv") throws -> [Ticket] {
        try parseCSVEntries(text, source: source).map(\.ticket)
    }

    public static func parseCSVEntries(_ text: String, source: String = "tickets.csv") throws -> [ImportedTicket] {
        let rows = try csvRows(text, source: source)
        guard let (headerLine, header) = rows.first else { throw TicketImportError("\(source): empty file, expected a header line id,subject,customer[,category]") }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func index(_ name: String, required: Bool) throws -> Int? {
            if let i = columns.firstIndex(of: name) { return i }
            if required { throw TicketImportError("\(source) line \(headerLine): header has no \"\(name)\" column (found: \(columns.joined(separator: ", ")))") }
            return nil
        }
        let iId = try index("id", required: true)!, iSubject = try index("subject", required: true)!
        let iCustomer = try index("customer", required: true)!
        let iCategory = try index("category", required: false), iStatus = try index("status", required: false)
        let iEmail = try index("email", required: false), iPhone = try index("phone", required: false)

        var tickets: [ImportedTicket] = []
        var seen: [String: Int] = [:]
        for (line, fields) in rows.dropFirst() {
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue } // blank line
            guard fields.count == columns.count else {
                throw TicketImportError("\(source) line \(line): \(fields.count) fields, the header has \(columns.count)")
            }
            func value(_ i: Int?) -> String? {
                guard let i else { return nil }
                let v = fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            let at = "\(source) line \(line)"
            let t = try ticket(id: value(iId), subject: value(iSubject), customer: value(iCustomer),
                               category: value(iCategory), status: value(iStatus), at: at)
            if let first = seen[t.id] { throw TicketImportError("\(source) line \(line): ticket \(t.id) already appears on line \(first)") }
            seen[t.id] = line
            tickets.append(ImportedTicket(ticket: t, contact: try contact(email: value(iEmail), phone: value(iPhone), at: at)))
        }
        return tickets
    }

    /// RFC 4180 records with the line each starts on: quoted fields may hold
    /// commas, doubled quotes and line breaks.
    static func csvRows(_ text: String, source: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(Int, [String])] = []
        var fields: [String] = [], field = ""
        var line = 1, rowLine = 1
        var inQuotes = false, wasQuoted = false
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() } // Excel's byte-order mark
        var i = chars.startIndex
        func endRow() { fields.append(field); rows.append((rowLine, fields)); fields = []; field = ""; wasQuoted = false }
        while i < chars.endIndex {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.endIndex && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                        throw TicketImportError("\(source) line \(line): a quote inside an unquoted field (quote the whole field and double inner quotes)")
                    }
                    field = ""; inQuotes = true; wasQuoted = true
                case ",": fields.append(field); field = ""; wasQuoted = false
                case "\r": break
                case "\n": endRow(); line += 1; rowLine = line
                default: field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if inQuotes { throw TicketImportError("\(source) line \(rowLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }

    // MARK: JSON

    public static func parseJSON(_ data: Data, source: String = "tickets.json") throws -> [Ticket] {
        try parseJSONEntries(data, source: source).map(\.ticket)
    }

    public static func parseJSONEntries(_ data: Data, source: String = "tickets.json") throws -> [ImportedTicket] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw TicketImportError("\(source): not valid JSON (\(error.localizedDescription))")
        }
        let items: [Any]
        if let a = root as? [Any] { items = a }
        else if let o = root as? [String: Any], let a = o["tickets"] as? [Any] { items = a }
        else { throw TicketImportError("\(source): expected an array of tickets or {\"tickets\": [...]}") }

        var tickets: [ImportedTicket] = []
        var seen: [String: Int] = [:]
        for (n, item) in items.enumerated() {
            let at = "\(source) item \(n + 1)"
            guard let o = item as? [String: Any] else { throw TicketImportError("\(at): expected an object") }
            func string(_ key: String) throws -> String? {
                switch o[key] {
                case nil, is NSNull: return nil
                case let s as String: return s.trimmingCharacters(in: .whitespaces).isEmpty ? nil : s.trimmingCharacters(in: .whitespaces)
                case let n as NSNumber where key == "id": return n.stringValue // help desks often number tickets
                default: throw TicketImportError("\(at): \"\(key)\" must be a string")
                }
            }
            let t = try ticket(id: string("id"), subject: string("subject"), customer: string("customer"),
                               category: string("category"), status: string("status"), at: at)
            if let first = seen[t.id] { throw TicketImportError("\(at): ticket \(t.id) already appears as item \(first)") }
            seen[t.id] = n + 1
            tickets.append(ImportedTicket(ticket: t, contact: try contact(email: string("email"), phone: string("phone"), at: at)))
        }
        return tickets
    }

    /// The customer's address and number, checked as they will be when the link goes out.
    static func contact(email: String?, phone: String?, at: String) throws -> CustomerContact {
        do {
            return CustomerContact(email: try email.map(ContactRules.email), phone: try phone.map(ContactRules.phone))
        } catch let e as ContactError {
            throw TicketImportError("\(at): \(e.message)")
        }
    }

    static func ticket(id: String?, subject: String?, customer: String?, category: String?, status: String?, at: String) throws -> Ticket {
        guard let id else { throw TicketImportError("\(at): missing id") }
        guard let subject else { throw TicketImportError("\(at): ticket \(id) has no subject") }
        guard let customer else { throw TicketImportError("\(at): ticket \(id) has no customer") }
        return Ticket(id: id, subject: subject, customer: customer, category: category, status: status ?? "open")
    }
}
