import Foundation
import GRDB

/// One recording as the index knows it. The file holds the events; the row
/// holds who, when, how long to keep it, and the wrapped key (so destroying
/// the row's key and the file header's copy shreds the recording).
public struct RecordingRecord: Equatable, Sendable {
    public var id: String
    public var sessionId: String
    public var ticketId: String
    public var agentName: String
    /// Relative to the data directory.
    public var path: String
    public var wrappedKey: [UInt8]?
    public var createdAt: Date
    public var endedAt: Date?
    public var complete: Bool
    public var bytes: Int64
    public var retainUntil: Date
    public var deletedAt: Date?
    public var deleteReason: String?
    /// Why the recording ended and what any gap cost ("session ended; disk full: 1234 ms lost (56 events)");
    /// nil while recording, for an engine that died, and for rows older than this column.
    public var ending: String?

    public init(id: String, sessionId: String, ticketId: String, agentName: String, path: String, wrappedKey: [UInt8]?,
                createdAt: Date, endedAt: Date? = nil, complete: Bool = false, bytes: Int64 = 0, retainUntil: Date,
                deletedAt: Date? = nil, deleteReason: String? = nil, ending: String? = nil) {
        self.id = id; self.sessionId = sessionId; self.ticketId = ticketId; self.agentName = agentName; self.path = path
        self.wrappedKey = wrappedKey; self.createdAt = createdAt; self.endedAt = endedAt; self.complete = complete
        self.bytes = bytes; self.retainUntil = retainUntil; self.deletedAt = deletedAt; self.deleteReason = deleteReason
        self.ending = ending
    }
}

/// A moment of a recording marked for training, with a stretch to play.
public struct Highlight: Equatable, Sendable {
    public var id: Int64
    public var recordingId: String
    /// Seconds from the start of the recording.
    public var at: TimeInterval
    public var duration: TimeInterval
    public var title: String
    public var tags: [String]
    public var author: String
    public var createdAt: Date
    public init(id: Int64 = 0, recordingId: String, at: TimeInterval, duration: TimeInterval, title: String, tags: [String],
                author: String, createdAt: Date) {
        self.id = id; self.recordingId = recordingId; self.at = at; self.duration = duration; self.title = title
        self.tags = tags; self.author = author; self.createdAt = createdAt
    }
}

/// The recordings index: a protocol so another store can implement it.
public protocol RecordingIndex: AnyObject, Sendable {
    func insertRecording(_ record: RecordingRecord) throws
    func recording(id: String) throws -> RecordingRecord?
    /// Newest first; deleted ones only when asked.
    func recordings(includeDeleted: Bool) throws -> [RecordingRecord]
    /// The final chunk is on disk: the row is complete, with its end, size and ending.
    func markRecordingFinished(id: String, endedAt: Date, bytes: Int64, ending: String?) throws
    /// Crypto-shredding, index half: the wrapped key is set to NULL and the row kept as a tombstone.
    func destroyRecordingKey(id: String, at: Date, reason: String) throws
    /// Not yet deleted and past their retention deadline.
    func expiredRecordings(now: Date) throws -> [RecordingRecord]
    @discardableResult
    func addHighlight(_ highlight: Highlight) throws -> Highlight
    func highlights(recordingId: String?) throws -> [Highlight]
}

extension RecordingIndex {
    public func markRecordingFinished(id: String, endedAt: Date, bytes: Int64) throws {
        try markRecordingFinished(id: id, endedAt: endedAt, bytes: bytes, ending: nil)
    }
}

extension SQLiteStore: RecordingIndex {
    public func insertRecording(_ record: RecordingRecord) throws {
        try db.write { try RecordingRow(record).insert($0) }
    }

    public func recording(id: String) throws -> RecordingRecord? {
        try db.read { try RecordingRow.fetchOne($0, key: id) }?.model
    }

    public func recordings(includeDeleted: Bool) throws -> [RecordingRecord] {
        try db.read { db in
            var request = RecordingRow.order(Column("createdAt").desc, Column("id"))
            if !includeDeleted { request = request.filter(Column("deletedAt") == nil) }
            return try request.fetchAll(db)
        }.map(\.model)
    }

    public func markRecordingFinished(id: String, endedAt: Date, bytes: Int64, ending: String?) throws {
        let changed = try db.write { db in
            try RecordingRow.filter(key: id).updateAll(db, Column("endedAt").set(to: millis(endedAt)),
                                                       Column("complete").set(to: true), Column("bytes").set(to: bytes),
                                                       Column("ending").set(to: ending))
        }
        guard changed == 1 else { throw StoreError.notFound("recording \(id)") }
    }

    public func destroyRecordingKey(id: String, at: Date, reason: String) throws {
        let changed = try db.write { db in
            try RecordingRow.filter(key: id).updateAll(db, Column("wrappedKey").set(to: nil as Data?),
                                                       Column("deletedAt").set(to: millis(at)), Column("deleteReason").set(to: reason))
        }
        guard changed == 1 else { throw StoreError.notFound("recording \(id)") }
    }

    public func expiredRecordings(now: Date) throws -> [RecordingRecord] {
        try db.read { db in
            try RecordingRow.filter(Column("deletedAt") == nil).filter(Column("retainUntil") <= millis(now))
                .order(Column("createdAt")).fetchAll(db)
        }.map(\.model)
    }

    @discardableResult
    public func addHighlight(_ h: Highlight) throws -> Highlight {
        do {
            return try db.write { db in
                var row = HighlightRow(id: nil, recordingId: h.recordingId, atMs: Int64((h.at * 1000).rounded()),
                                       durationMs: Int64((h.duration * 1000).rounded()), title: h.title,
                                       tags: h.tags.joined(separator: ","), author: h.author, createdAt: millis(h.createdAt))
                try row.insert(db)
                row.id = db.lastInsertedRowID
                return row.model
            }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw StoreError.notFound("recording \(h.recordingId)")
        }
    }

    public func highlights(recordingId: String?) throws -> [Highlight] {
        try db.read { db in
            var request = HighlightRow.order(Column("recordingId"), Column("atMs"), Column("id"))
            if let recordingId { request = request.filter(Column("recordingId") == recordingId) }
            return try request.fetchAll(db)
        }.map(\.model)
    }
}

struct RecordingRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "recording"
    var id: String
    var sessionId: String
    var ticketId: String
    var agentName: String
    var path: String
    var wrappedKey: Data?
    var createdAt: Millis
    var endedAt: Millis?
    var complete: Bool
    var bytes: Int64
    var retainUntil: Millis
    var deletedAt: Millis?
    var deleteReason: String?
    var ending: String?

    init(_ r: RecordingRecord) {
        id = r.id; sessionId = r.sessionId; ticketId = r.ticketId; agentName = r.agentName; path = r.path
        wrappedKey = r.wrappedKey.map { Data($0) }; createdAt = millis(r.createdAt); endedAt = r.endedAt.map(millis)
        complete = r.complete; bytes = r.bytes; retainUntil = millis(r.retainUntil); deletedAt = r.deletedAt.map(millis)
        deleteReason = r.deleteReason; ending = r.ending
    }

    var model: RecordingRecord {
        RecordingRecord(id: id, sessionId: sessionId, ticketId: ticketId, agentName: agentName, path: path,
                        wrappedKey: wrappedKey.map { Array($0) }, createdAt: date(createdAt), endedAt: endedAt.map(date),
                        complete: complete, bytes: bytes, retainUntil: date(retainUntil), deletedAt: deletedAt.map(date),
                        deleteReason: deleteReason, ending: ending)
    }
}

struct HighlightRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "highlight"
    var id: Int64?
    var recordingId: String
    var atMs: Int64
    var durationMs: Int64
    var title: String
    var tags: String
    var author: String
    var createdAt: Millis

    var model: Highlight {
        Highlight(id: id ?? 0, recordingId: recordingId, at: Double(atMs) / 1000, duration: Double(durationMs) / 1000, title: title,
                  tags: tags.split(separator: ",").map(String.init), author: author, createdAt: date(createdAt))
    }
}
