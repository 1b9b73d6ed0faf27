import ArgumentParser
import Engine
import Foundation

/// `cobrowse serve`'s help-desk options. Secrets come from files, never argv
/// (argv is readable by every user of a shared support host).
struct HelpDeskOptions: ParsableArguments {
    @Option(name: .customLong("helpdesk"), help: ArgumentHelp("The help desk to tell about sessions and take tickets from: zendesk, freshdesk or webhook.", valueName: "DESK"))
    var kind: String?
    @Option(name: .customLong("helpdesk-url"), help: ArgumentHelp("The desk's base URL (https://acme.zendesk.com) or the webhook's URL; https only (plain http to this machine only).", valueName: "URL"))
    var url: String?
    @Option(name: .customLong("helpdesk-email"), help: ArgumentHelp("Zendesk: the agent e-mail the API token belongs to.", valueName: "EMAIL"))
    var email: String?
    @Option(name: .customLong("helpdesk-token-file"), help: ArgumentHelp("File holding the Zendesk API token, the Freshdesk API key, or a webhook bearer token.", valueName: "FILE"))
    var tokenFile: String?
    @Option(name: .customLong("helpdesk-webhook-secret-file"), help: ArgumentHelp("File holding the shared secret that signs webhook events and checks the desk's requests to /helpdesk/.", valueName: "FILE"))
    var webhookSecretFile: String?

    /// One line for each secret file others can read (the engine still starts).
    var warnings: [String] {
        [tokenFile, webhookSecretFile].compactMap { $0 }.compactMap(HelpDeskConfiguration.looseSecretWarning)
    }

    /// nil when no desk is configured; a clear error for a bad combination or an unreadable file.
    func configuration() throws -> HelpDeskConfiguration? {
        guard let kindText = kind else {
            if url != nil || email != nil || tokenFile != nil || webhookSecretFile != nil {
                throw ValidationError("--helpdesk-url, --helpdesk-email and the secret files need --helpdesk zendesk|freshdesk|webhook")
            }
            return nil
        }
        guard let kind = HelpDeskKind(rawValue: kindText.lowercased()) else {
            throw ValidationError("--helpdesk must be zendesk, freshdesk or webhook, not \(kindText)")
        }
        guard let url else { throw ValidationError("--helpdesk \(kind.rawValue) needs --helpdesk-url") }
        do {
            let token = try tokenFile.map { try HelpDeskConfiguration.readSecret($0, option: "--helpdesk-token-file") }
            let secret = try webhookSecretFile.map { try HelpDeskConfiguration.readSecret($0, option: "--helpdesk-webhook-secret-file") }
            return try HelpDeskConfiguration(kind: kind, baseURL: url, email: email, token: token, webhookSecret: secret)
        } catch let e as HelpDeskError {
            throw ValidationError(e.description)
        }
    }
}

struct HelpDeskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "helpdesk",
        abstract: "The help desk seam: what the engine still has to tell the desk.",
        subcommands: [Outbox.self])

    struct Outbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the calls to the help desk that are not delivered: pending (and when they are tried next) or failed (and why).")
        enum Format: String, ExpressibleByArgument { case text, json }
        @Option(help: "text (a table) or json.") var format: Format = .text
        @OptionGroup var data: DataOptions

        func run() throws {
            let rows = try data.openExistingStore().undeliveredOutbox()
            switch format {
            case .json: print(OutboxListing.json(rows))
            case .text: print(OutboxListing.text(rows), terminator: "")
            }
        }
    }
}
