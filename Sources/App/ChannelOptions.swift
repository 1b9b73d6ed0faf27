import ArgumentParser
import Engine
import Foundation

/// `cobrowse serve`'s ways to send a one-time link without the help desk: a
/// mail server and a Twilio-compatible SMS gateway. The gateway's credential
/// comes from a file, never argv (argv is readable by every user of a shared host).
struct CustomerChannelOptions: ParsableArguments {
    @Option(name: .customLong("smtp"), help: ArgumentHelp("Mail server for links sent by e-mail (invite --send email). STARTTLS is used when offered and required off this machine.", valueName: "HOST:PORT"))
    var smtp: String?
    @Option(name: .customLong("smtp-from"), help: ArgumentHelp("The address links are mailed from (default cobrowse@ the machine's name).", valueName: "ADDR"))
    var smtpFrom: String?
    @Option(name: .customLong("smtp-ca-file"), help: ArgumentHelp("A CA certificate (PEM) to trust for the mail server's STARTTLS instead of the system's.", valueName: "FILE"))
    var smtpCAFile: String?
    @Option(name: .customLong("sms-url"), help: ArgumentHelp("A Twilio-compatible API for links sent by SMS (invite --send sms), e.g. https://api.twilio.com; https only (plain http to this machine only).", valueName: "URL"))
    var smsURL: String?
    @Option(name: .customLong("sms-token-file"), help: ArgumentHelp("File holding ACCOUNT_SID:AUTH_TOKEN for the SMS API.", valueName: "FILE"))
    var smsTokenFile: String?
    @Option(name: .customLong("sms-from"), help: ArgumentHelp("The number texts come from, E.164 (required with --sms-url).", valueName: "+E164"))
    var smsFrom: String?

    /// One line for a token file others can read (the engine still starts).
    var warnings: [String] { [smsTokenFile].compactMap { $0 }.compactMap(HelpDeskConfiguration.looseSecretWarning) }

    func mail() throws -> SMTPConfiguration? {
        guard let smtp else {
            if smtpFrom != nil || smtpCAFile != nil { throw ValidationError("--smtp-from and --smtp-ca-file need --smtp HOST:PORT") }
            return nil
        }
        let (host, port): (String, Int)
        do { (host, port) = try parseHostPort(smtp) } catch { throw ValidationError("--smtp \(smtp): expected HOST:PORT") }
        do {
            return try SMTPConfiguration(host: host, port: port, from: smtpFrom ?? "cobrowse@\(Self.machineDomain)", trustedCAFile: smtpCAFile)
        } catch let e as ContactError {
            throw ValidationError(e.message)
        }
    }

    func sms() throws -> SMSConfiguration? {
        guard let smsURL else {
            if smsTokenFile != nil || smsFrom != nil { throw ValidationError("--sms-token-file and --sms-from need --sms-url URL") }
            return nil
        }
        guard let smsTokenFile else { throw ValidationError("--sms-url needs --sms-token-file (a file holding ACCOUNT_SID:AUTH_TOKEN)") }
        guard let smsFrom else { throw ValidationError("--sms-url needs --sms-from +E164 (the number texts come from)") }
        do {
            let credentials = try HelpDeskConfiguration.readSecret(smsTokenFile, option: "--sms-token-file")
            return try SMSConfiguration(baseURL: smsURL, credentials: credentials, from: smsFrom)
        } catch let e as HelpDeskError {
            throw ValidationError(e.description)
        } catch let e as ContactError {
            throw ValidationError(e.message)
        }
    }

    /// A domain for the default sender: the machine's name when it has a dot, else localhost.
    static var machineDomain: String {
        let name = ProcessInfo.processInfo.hostName.lowercased()
        let plain = name.contains(".") && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return plain ? name : "localhost.localdomain"
    }
}
