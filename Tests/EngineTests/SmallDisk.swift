import Foundation
import XCTest
@testable import Engine

/// A small tmpfs mounted over a directory for one test: a disk that really
/// fills up, so the writer meets a real ENOSPC (and a real short write).
final class SmallDisk {
    let path: String
    private(set) var mounted = false
    private var filler: String { (path as NSString).appendingPathComponent("filler") }

    /// Mounts a tmpfs of `bytes` at `path` (created if needed). A refused mount
    /// fails the test, saying why: these tests need root, as CI has.
    init(at path: String, bytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/usr/bin/mount") ? "/usr/bin/mount" : "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes),mode=0700", "tmpfs", path]
        let err = Pipe()
        mount.standardError = err
        mount.standardOutput = FileHandle.nullDevice
        do { try mount.run() } catch {
            throw KeyError("SmallDisk: cannot run mount (these tests need root, as CI has): \(error)")
        }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            let why = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw KeyError("SmallDisk: mount -t tmpfs refused (status \(mount.terminationStatus); these tests need root, as CI has): \(why)")
        }
        mounted = true
    }

    /// Writes a filler file until the disk says it is full.
    func fill() throws {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw KeyError("cannot create \(filler): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        for size in [65_536, 4_096, 512, 1] {
            let block = [UInt8](repeating: 0xa5, count: size)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) == size {}
        }
        XCTAssertEqual(errno, ENOSPC, "the filler stops at a full disk")
    }

    /// Gives the space back.
    func free() { unlink(filler) }

    func unmount() {
        guard mounted else { return }
        free()
        if umount2(path, Int32(MNT_DETACH)) != 0 { print("SmallDisk: umount \(path): \(String(cString: strerror(errno)))") }
        mounted = false
    }

    deinit { unmount() }
}

