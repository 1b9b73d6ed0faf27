import ArgumentParser
import Engine
import Foundation

/// `cobrowse policy check FILE`: what a tenant's policy file would do, or why it would stop the engine.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check a tenant's policy file before `serve --policy` uses it.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a policy file and say what it does; exits non-zero with the reason when the engine would refuse it.")
        @Argument(help: ArgumentHelp("The policy file (JSON, see docs/policy.md).", valueName: "FILE")) var file: String

        func run() throws {
            let privacy = try PolicyFile.read(file, option: "policy check")
            print("\(file): valid")
            for line in privacy.explained { print("  \(line)") }
        }
    }
}

/// Reads a policy file for `serve --policy` and `policy check`, with one wording for what is wrong.
enum PolicyFile {
    /// A policy is a few kilobytes of rules; anything near this is not one.
    static let maxBytes = 1 << 20

    static func read(_ path: String, option: String) throws -> TenantPrivacy {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure("\(option): cannot read \(path): \(error.localizedDescription)")
        }
        guard bytes.count <= maxBytes else { throw Failure("\(option) \(path): larger than \(maxBytes) bytes") }
        do { return try TenantPrivacy(policyJSON: Array(bytes)) } catch {
            throw Failure("\(option) \(path): \(error)")
        }
    }
}
