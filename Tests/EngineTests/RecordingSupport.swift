import Foundation
import XCTest
@testable import Engine

/// A data directory with a real SQLite index, a real master key file and the
/// encrypted recording service, removed after each test.
final class RecordingFixture {
    let dir: String
    let store: SQLiteStore
    let keys: FileKeySource
    let service: EncryptedRecordingService
    var now = Date(timeIntervalSince1970: 1_800_000_000)

    init(policy: RecordingPolicy = RecordingPolicy(backgroundFlush: false)) throws {
        dir = NSTemporaryDirectory() + "rec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteStore(path: dir + "/cobrowse.sqlite")
        keys = FileKeySource(dataDirectory: dir)
        service = EncryptedRecordingService(dataDirectory: dir, index: store, keySource: keys, policy: policy)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    var keyRing: KeyRing { KeyRing(source: keys) }

    func library(policy: RecordingAccessPolicy = .init()) -> RecordingLibrary {
        RecordingLibrary(dataDirectory: dir, store: store, keySource: keys, policy: policy, clock: { [unowned self] in self.now })
    }

    func summary(agent: String = "Maria S.") -> SessionSummary {
        SessionSummary(id: "S-1", ticket: Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."),
                       agentName: agent, status: .active, recording: true, createdAt: now, startedAt: now)
    }

    /// Records a scripted session: summary, a full scene, then a pointer delta
    /// every half second, a page change every 20 s, activity and a note.
    /// Returns the writer (unfinished) and every message appended.
    func record(seconds: Double, finish: Bool = true) throws -> (RecordingWriter, [WireMessage]) {
        let start = now
        let writer = try service.startRecording(session: summary(), at: start) as! RecordingWriter
        var sent = [WireMessage]()
        func add(_ m: WireMessage, _ t: Double) throws { try writer.append(m, at: start.addingTimeInterval(t)); sent.append(m) }
        try add(.summary(summary()), 0)
        var version = 1
        let pages = DemoSite.Page.allCases
        try add(.scene(DemoSite.scene(pages[0], version: version)), 0)
        var t = 0.5
        var step = 0
        while t < seconds {
            step += 1
            if step % 40 == 0 {
                version += 1
                try add(.scene(DemoSite.scene(pages[(step / 40) % pages.count], version: version)), t)
                try add(.activity(ActivityItem(at: start.addingTimeInterval(t), kind: .navigation, actor: "customer", text: "page \(step / 40)")), t)
            } else {
                try add(.sceneDelta(SceneDelta(baseVersion: version, version: version + 1, pointer: Point(x: Double(step % 50) * 10, y: 300))), t)
                version += 1
            }
            if step == 30 { try add(.note(NoteEntry(at: start.addingTimeInterval(t), author: "Maria S.", text: "asked about invoices")), t) }
            if step == 50 {
                try add(.activity(ActivityItem(at: start.addingTimeInterval(t), kind: .modeChanged, actor: "customer", text: "Guided")), t)
            }
            t += 0.5
        }
        if finish { try writer.finish(at: start.addingTimeInterval(seconds)) }
        return (writer, sent)
    }

    func path(_ writer: RecordingWriter) -> String { dir + "/recordings/\(writer.recordingId).cbrec" }

    /// Reads the recording eagerly, and checks the lazy opening (what the library
    /// uses) ends the same way and decodes to the same events.
    func scan(_ writer: RecordingWriter, file: StaticString = #filePath, line: UInt = #line) throws -> RecordingScan {
        var reader = try RecordingReader(path: path(writer), keyRing: keyRing)
        let scan = reader.scan()
        var again = try RecordingReader(path: path(writer), keyRing: keyRing)
        let lazy = again.openLazily()
        XCTAssertEqual(lazy.failure, scan.failure, "lazy opening fails the same way", file: file, line: line)
        XCTAssertEqual(lazy.chunks, scan.chunks, file: file, line: line)
        XCTAssertEqual(lazy.trailer, scan.trailer, file: file, line: line)
        XCTAssertEqual(lazy.complete, scan.complete, file: file, line: line)
        let full = lazy.scan()
        XCTAssertEqual(full.events, scan.events, file: file, line: line)
        XCTAssertEqual(full.failure, scan.failure, file: file, line: line)
        XCTAssertEqual(full.chunks, scan.chunks, file: file, line: line)
        return scan
    }

    func bytes(_ writer: RecordingWriter) -> [UInt8] { Array(FileManager.default.contents(atPath: path(writer))!) }

    /// (start, end) byte ranges of each chunk on disk.
    func chunkRanges(_ bytes: [UInt8]) throws -> [Range<Int>] {
        var offset = try RecordingFormat.parseHeader(bytes).chunksStart
        var ranges = [Range<Int>]()
        while case let .frame(f) = RecordingFormat.frame(in: bytes, at: offset) {
            ranges.append(offset ..< f.end)
            offset = f.end
        }
        return ranges
    }

    func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! Int
    }
}
