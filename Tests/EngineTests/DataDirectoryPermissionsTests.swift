import Foundation
import XCTest
@testable import Engine

/// The data directory holds keys, the database and recordings: owner only.
/// A looser directory or file found there is tightened when the engine (or the
/// store) opens it; what the engine creates is 0600 whatever the umask.
final class DataDirectoryPermissionsTests: XCTestCase {
    var dir: String!
    var savedUmask: mode_t = 0

    override func setUp() {
        dir = NSTemporaryDirectory() + "perm-\(UUID().uuidString.prefix(8))"
        // The usual umask: left to itself, SQLite would create 0644 files.
        savedUmask = umask(0o022)
    }

    override func tearDown() {
        umask(savedUmask)
        try? FileManager.default.removeItem(atPath: dir)
    }

    func mode(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, "\(path) exists", file: file, line: line)
        return st.st_mode & 0o7777
    }

    func make(_ relative: String, directory: Bool = false, mode: mode_t) throws {
        let path = (dir as NSString).appendingPathComponent(relative)
        if directory {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        }
        XCTAssertEqual(chmod(path, mode), 0)
    }

    func testALooseDataDirectoryAndItsFilesAreTightenedWhenTheEngineStarts() throws {
        try make("", directory: true, mode: 0o755)
        try make("notes.txt", mode: 0o644)
        try make("engine.log", mode: 0o644)
        try make("tls", directory: true, mode: 0o755)
        try make("recordings", directory: true, mode: 0o755)
        try make("recordings/R-old.cbrec", mode: 0o644)
        try make("screenshots", directory: true, mode: 0o750)
        try make("screenshots/P-old.cbshot", mode: 0o640)
        let run = (dir as NSString).appendingPathComponent("run.sh")
        try make("run.sh", mode: 0o755)

        var config = EngineConfiguration(dataDirectory: dir, listenPort: 0)
        config.tickInterval = 5
        let server = EngineServer(configuration: config)
        try server.start()
        defer { server.stop() }

        XCTAssertEqual(mode(dir), 0o700)
        for d in ["tls", "recordings", "screenshots"] { XCTAssertEqual(mode(dir + "/" + d), 0o700, d) }
        for f in ["notes.txt", "engine.log", "recordings/R-old.cbrec", "screenshots/P-old.cbshot", "tls/key.pem", "tls/cert.pem",
                  "cobrowse.sqlite", "cobrowse.sqlite-wal", "cobrowse.sqlite-shm"] {
            XCTAssertEqual(mode(dir + "/" + f), 0o600, f)
        }
        XCTAssertEqual(mode(run), 0o700, "the owner's own bits are kept; only group and others lose theirs")
        XCTAssertEqual(mode(config.socketPath) & 0o077, 0, "the socket stays the engine's own")
    }

    func testPreparingTheDataDirectorySaysWhatItTightened() throws {
        try make("", directory: true, mode: 0o755)
        try make("cobrowse.sqlite", mode: 0o644)
        let said = try EngineConfiguration(dataDirectory: dir).prepareDataDirectory()
        XCTAssertTrue(said.contains { $0.contains(dir) && $0.contains("0755") && $0.contains("0700") }, "\(said)")
        XCTAssertTrue(said.contains { $0.contains("cobrowse.sqlite") && $0.contains("0644") && $0.contains("0600") }, "\(said)")
        XCTAssertEqual(try EngineConfiguration(dataDirectory: dir).prepareDataDirectory(), [], "nothing to say the second time")
    }

    func testAFreshDatabaseAndItsWriteAheadLogAreOwnerOnly() throws {
        try make("", directory: true, mode: 0o700)
        let path = dir + "/cobrowse.sqlite"
        let store = try SQLiteStore(path: path)
        try store.addTicket(Ticket(id: "T-1", subject: "s", customer: "c"))
        for f in [path, path + "-wal", path + "-shm"] { XCTAssertEqual(mode(f), 0o600, f) }
    }

    func testAnExistingLooseDatabaseIsTightenedWhenTheStoreOpensIt() throws {
        try make("", directory: true, mode: 0o700)
        let path = dir + "/cobrowse.sqlite"
        do {
            let store = try SQLiteStore(path: path)
            try store.addTicket(Ticket(id: "T-1", subject: "s", customer: "c"))
        }
        for f in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: f) { chmod(f, 0o644) }
        let store = try SQLiteStore(path: path)
        XCTAssertEqual(try store.ticket(id: "T-1")?.subject, "s")
        try store.addTicket(Ticket(id: "T-2", subject: "s", customer: "c"))
        for f in [path, path + "-wal", path + "-shm"] { XCTAssertEqual(mode(f), 0o600, f) }
    }

    func testASharedStickyDirectoryIsLeftAloneAndSaysSo() throws {
        try make("", directory: true, mode: 0o1777)
        let said = try EngineConfiguration(dataDirectory: dir).prepareDataDirectory()
        XCTAssertEqual(mode(dir), 0o1777, "a shared directory like /tmp is not taken over")
        XCTAssertTrue(said.contains { $0.contains("shared") }, "\(said)")
    }
}
