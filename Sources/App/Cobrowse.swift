import ArgumentParser
import Engine
import Foundation

@main
struct Cobrowse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cobrowse",
        abstract: "Terminal co-browse console: see, guide and (with permission) control a customer's browser.",
        discussion: """
        Start with `cobrowse demo`: an engine, a scripted customer and the console in one command.
        A deployment runs `cobrowse serve`, registers agents and tickets, and agents work in `cobrowse console`.
        """,
        subcommands: [Demo.self, Serve.self, Agents.self, Tickets.self, Invite.self, Sessions.self, Console.self,
                      ScriptedCustomerCommand.self, AuditCommand.self, BenchCommand.self,
                      Recordings.self, Replay.self, Highlights.self, Screenshots.self, WireCommand.self,
                      HelpDeskCommand.self, PolicyCommand.self, ReportCommand.self]
    )
}

/// Where the engine keeps its data, shared by every subcommand that opens it.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("Engine data directory (database, keys, socket).", valueName: "DIR"))
    var dataDirectory: String = Defaults.dataDirectory

    func openStore() throws -> SQLiteStore {
        let config = EngineConfiguration(dataDirectory: dataDirectory)
        for line in try config.prepareDataDirectory() { FileHandle.standardError.write(Data("cobrowse: \(line)\n".utf8)) }
        return try SQLiteStore(path: config.databasePath)
    }

    /// For commands that only read: a data directory that holds no store is
    /// an error, not a new empty store that then reports on nothing.
    func openExistingStore() throws -> SQLiteStore {
        let config = EngineConfiguration(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: config.databasePath) else {
            throw Failure("no engine data in \(dataDirectory) (no \((config.databasePath as NSString).lastPathComponent)); give --data the engine's data directory")
        }
        return try SQLiteStore(path: config.databasePath)
    }
}

struct SocketOptions: ParsableArguments {
    @Option(name: .customLong("socket"), help: ArgumentHelp("The engine's Unix socket.", valueName: "PATH"))
    var socketPath: String = Defaults.socketPath
}

enum Defaults {
    static var dataDirectory: String {
        if let d = ProcessInfo.processInfo.environment["COBROWSE_DATA"], !d.isEmpty { return d }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? FileManager.default.currentDirectoryPath
        return (home as NSString).appendingPathComponent(".cobrowse")
    }

    static var socketPath: String {
        if let s = ProcessInfo.processInfo.environment["COBROWSE_SOCKET"], !s.isEmpty { return s }
        return (dataDirectory as NSString).appendingPathComponent("engine.sock")
    }
}

/// A one-line error for the user; ArgumentParser prints it as "Error: …" and exits non-zero.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func parseHostPort(_ s: String) throws -> (String, Int) {
    let host: String, portText: Substring
    if s.hasPrefix("[") {
        guard let close = s.firstIndex(of: "]") else { throw Failure("bad --listen \(s): expected HOST:PORT") }
        host = String(s[s.index(after: s.startIndex) ..< close])
        portText = s[s.index(after: close)...].dropFirst()
    } else {
        guard let colon = s.lastIndex(of: ":") else { throw Failure("bad --listen \(s): expected HOST:PORT") }
        host = String(s[..<colon])
        portText = s[s.index(after: colon)...]
    }
    guard let port = Int(portText), (0 ... 65535).contains(port), !host.isEmpty else {
        throw Failure("bad --listen \(s): expected HOST:PORT with a port from 0 to 65535")
    }
    return (host, port)
}

/// Connects to the engine as the calling user (the engine reads our uid).
func connectToEngine(_ socketPath: String, client: String) throws -> LocalChannelClient {
    do {
        return try LocalChannelClient.connect(path: socketPath, hello: Hello(client: client), timeout: 10)
    } catch {
        throw Failure("\(error)")
    }
}
