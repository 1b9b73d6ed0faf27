import Foundation

/// The data directory holds the master key, the TLS key, the database and the
/// recordings: nobody but the engine's user may read any of it. Directories
/// are 0700 and files 0600; what is found looser is tightened (group and
/// others lose their bits, the owner's are kept), and each change is said.
public enum PrivateFiles {
    /// The engine's own subdirectories, whose files are checked too.
    public static let subdirectories = ["tls", "keys", "recordings", "screenshots"]

    /// Creates `directory` (0700) if needed, then tightens it, every file and
    /// directory directly in it, and the files of the engine's subdirectories.
    /// Only what this user owns is touched, never through a symlink, and never a
    /// socket (the engine sets its socket's mode itself, 0660 for a team group).
    /// A shared directory (sticky or owned by someone else, like /tmp) is left as
    /// it is. Returns one line per change or refusal, for the log.
    @discardableResult
    public static func secure(directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var said = [String]()
        var st = stat()
        guard lstat(directory, &st) == 0 else {
            throw StoreError.invalid("cannot read data directory \(directory): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & S_ISVTX != 0 || st.st_uid != geteuid() {
            said.append("data directory \(directory) is shared (\(octal(st.st_mode & 0o7777))): left as it is; use a directory of your own")
        } else {
            try tighten(directory, &said)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            try tighten(path, &said)
            var inner = stat()
            if subdirectories.contains(name), lstat(path, &inner) == 0, inner.st_mode & S_IFMT == S_IFDIR, inner.st_uid == geteuid() {
                for file in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                    try tighten((path as NSString).appendingPathComponent(file), &said)
                }
            }
        }
        return said
    }

    /// Creates the database file 0600 before SQLite does (SQLite would use
    /// 0644 less the umask, and gives its -wal and -shm the database's mode),
    /// and tightens an existing one and its -wal/-shm. Returns what changed.
    @discardableResult
    public static func prepareDatabase(_ path: String) throws -> [String] {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            // open() applied the umask, which can only have taken bits away; make it exactly 0600.
            fchmod(fd, 0o600)
            close(fd)
        } else if errno != EEXIST {
            throw StoreError.invalid("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        return try tightenDatabase(path)
    }

    /// Tightens the database file and its -wal/-shm where they exist.
    @discardableResult
    public static func tightenDatabase(_ path: String) throws -> [String] {
        var said = [String]()
        for p in [path, path + "-wal", path + "-shm"] { try tighten(p, &said) }
        return said
    }

    /// Strips group and other bits from one entry this user owns; a missing entry is fine.
    static func tighten(_ path: String, _ said: inout [String]) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFDIR, st.st_uid == geteuid() else { return }
        let mode = st.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return }
        let tight = mode & ~mode_t(0o077) & ~mode_t(S_ISVTX)
        guard chmod(path, tight) == 0 else {
            throw StoreError.invalid("cannot make \(path) private (chmod \(octal(tight))): \(String(cString: strerror(errno)))")
        }
        said.append("tightened \(path) from \(octal(mode)) to \(octal(tight)): the data directory is for the engine's user only")
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
