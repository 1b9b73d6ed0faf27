import ArgumentParser
import Engine
import Foundation

struct Agents: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register and list support agents (identity on the local socket is the Unix uid).",
        subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an agent for a Unix uid.")
        @Argument(help: "The agent's display name, e.g. \"Maria S.\".") var name: String
        @Option(help: "The Unix uid the agent's console runs as.") var uid: Int
        @Option(help: "L1, L2, manager, supervisor, trainer or specialist (takes sessions handed off to them, as L2 does).") var level: String
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard AgentLevel(rawValue: level) != nil else {
                throw ValidationError("unknown level \(level): use L1, L2, manager, supervisor, trainer or specialist")
            }
            guard uid >= 0 else { throw ValidationError("uid must be 0 or more") }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("the agent needs a name") }
        }

        func run() throws {
            let store = try data.openStore()
            let agent = Agent(name: name, uid: uid, level: AgentLevel(rawValue: level)!)
            do { try store.addAgent(agent) } catch { throw Failure("could not add agent: \(error)") }
            try store.appendAudit(at: Date(), actor: "uid \(getuid())", action: "agent.added", sessionId: nil,
                                  detail: "name=\(name) uid=\(uid) level=\(level)")
            print("agent \(name) (uid \(uid), \(level)) added")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered agents.")
        @OptionGroup var data: DataOptions
        func run() throws {
            let agents = try data.openExistingStore().allAgents()
            if agents.isEmpty { print("no agents yet: cobrowse agents add NAME --uid UID --level L2"); return }
            print(pad("NAME", 24) + pad("UID", 8) + "LEVEL")
            for a in agents { print(pad(a.name, 24) + pad(String(a.uid), 8) + a.level.rawValue) }
        }
    }
}

struct Tickets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Help-desk tickets: every co-browse session starts from one.",
        subcommands: [Add.self, Import.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a ticket.")
        @Option var id: String
        @Option var subject: String
        @Option var customer: String
        @Option var category: String?
        @Option(help: ArgumentHelp("The customer's e-mail address, for a link sent by e-mail (invite --send email).", valueName: "ADDR"))
        var email: String?
        @Option(help: ArgumentHelp("The customer's mobile number in E.164 (+ and the country code), for a link sent by SMS.", valueName: "+E164"))
        var phone: String?
        @OptionGroup var data: DataOptions

        func validate() throws {
            do {
                if let email { _ = try ContactRules.email(email) }
                if let phone { _ = try ContactRules.phone(phone) }
            } catch let e as ContactError {
                throw ValidationError(e.message)
            }
        }

        func run() throws {
            let store = try data.openStore()
            do { try store.addTicket(Ticket(id: id, subject: subject, customer: customer, category: category)) } catch {
                throw Failure("could not add ticket: \(error)")
            }
            do { try store.setCustomerContact(ticketId: id, email: email, phone: phone) } catch {
                throw Failure("ticket \(id) added, but how to reach the customer could not be stored: \(error)")
            }
            // As stored: trimmed, the number in E.164.
            let reached = [try email.map(ContactRules.email), try phone.map(ContactRules.phone)].compactMap { $0 }
            print("ticket \(id) added" + reached.map { "; \($0)" }.joined())
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import tickets from a CSV (id,subject,customer[,category,status,email,phone]) or JSON file.")
        @Argument(help: "FILE.csv or FILE.json") var file: String
        @OptionGroup var data: DataOptions
        func run() throws {
            let tickets: [ImportedTicket]
            do { tickets = try TicketImporter.loadEntries(path: file) } catch { throw Failure("\(error)") }
            let store = try data.openStore()
            var added = 0
            for t in tickets {
                do { try store.addTicket(t.ticket); added += 1 } catch { print("skipped \(t.ticket.id): \(error)"); continue }
                do { try store.setCustomerContact(ticketId: t.ticket.id, email: t.contact.email, phone: t.contact.phone) } catch {
                    print("ticket \(t.ticket.id) added without its e-mail/phone: \(error)")
                }
            }
            print("imported \(added) of \(tickets.count) tickets")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tickets.")
        @OptionGroup var data: DataOptions
        func run() throws {
            let tickets = try data.openExistingStore().allTickets()
            if tickets.isEmpty { print("no tickets yet: cobrowse tickets add --id ID --subject TEXT --customer NAME"); return }
            print(pad("ID", 12) + pad("STATUS", 10) + pad("CUSTOMER", 22) + pad("CATEGORY", 14) + "SUBJECT")
            for t in tickets {
                print(pad(t.id, 12) + pad(t.status, 10) + pad(t.customer, 22) + pad(t.category ?? "-", 14) + t.subject)
            }
        }
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? String(s.prefix(width - 1)) + " " : s + String(repeating: " ", count: width - s.count)
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the hash-chained audit trail and verify that no row was changed or removed.")
    @Option(help: "Only this session's rows.") var session: String?
    @OptionGroup var data: DataOptions

    func run() throws {
        let store = try data.openExistingStore()
        let formatter = ISO8601DateFormatter()
        for e in try store.auditEntries(sessionId: session) {
            print("\(e.seq)\t\(formatter.string(from: e.at))\t\(e.actor)\t\(e.action)\t\(e.sessionId ?? "-")\t\(e.detail)")
        }
        do {
            try store.verifyAuditChain()
            print("audit chain: intact")
        } catch {
            throw Failure("audit chain: \(error)")
        }
    }
}
