import ArgumentParser
import Engine
import Foundation

/// `cobrowse report dashboard|roi`: what a support manager shows their
/// director, computed from the store, as text, JSON or CSV.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Operations reports from the engine's store: the dashboard, the monthly summary, the ROI analysis, the compliance audit, and a row a session for analytics.",
        subcommands: [DashboardReport.self, MonthlyReport.self, ROIReport.self, AuditReport.self, ExportReport.self]
    )
}

/// Which stretch of time a report covers; the current month when none is given.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A calendar month (UTC).", valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp("A quarter.", valueName: "YYYYQN")) var quarter: String?
    @Option(help: ArgumentHelp("First day, with --to (both included).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Last day, with --from.", valueName: "YYYY-MM-DD")) var to: String?
    @Option(help: ArgumentHelp("text (80 columns), json (one object) or csv (one table a section).", valueName: "FORMAT"))
    var format: String = "text"

    func period(now: Date) throws -> ReportPeriod {
        let given = [month != nil, quarter != nil, from != nil || to != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give one of --month, --quarter or --from/--to") }
        do {
            if let month { return try ReportPeriod.month(month) }
            if let quarter { return try ReportPeriod.quarter(quarter) }
            if from != nil || to != nil {
                guard let from, let to else { throw ValidationError("--from and --to go together") }
                return try ReportPeriod.days(from: from, to: to)
            }
        } catch let p as ReportPeriod.Problem { throw ValidationError(p.description) }
        return ReportPeriod.month(containing: now)
    }

    func reportFormat() throws -> Report.Format {
        guard let f = Report.Format(rawValue: format) else { throw ValidationError("--format is text, json or csv, not \(format)") }
        return f
    }

    func validate() throws {
        _ = try period(now: Date())
        _ = try reportFormat()
    }
}

struct DashboardReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Sessions, resolution, mode usage, use cases, quality and agent adoption for a period.")
    @OptionGroup var period: PeriodOptions
    @Option(help: ArgumentHelp("Tickets one session is taken to prevent (an input, not measured).", valueName: "N"))
    var ticketsPreventedPerSession = ROIInputs.standard.ticketsPreventedPerSession
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (0 ... 1_000).contains(ticketsPreventedPerSession) else { throw ValidationError("--tickets-prevented-per-session is 0...1000") }
    }

    func run() throws {
        let store = try data.openExistingStore()
        let p = try period.period(now: Date())
        let dashboard = Dashboard(period: p, sessions: try SessionFacts.read(p, from: store, recordings: store),
                                  agents: try store.allAgents(), ticketsPreventedPerSession: ticketsPreventedPerSession)
        print(dashboard.report.rendered(try period.reportFormat()), terminator: "")
    }
}

struct MonthlyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monthly",
        abstract: "The period against the one before (↑/↓ %), the targets with ✓/✗, and recommendations that name the figure behind them.")
    @OptionGroup var period: PeriodOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let store = try data.openExistingStore()
        let now = Date()
        let p = try period.period(now: now)
        let summary = MonthlySummary(period: p, sessions: try SessionFacts.read(p, from: store, recordings: store),
                                     before: try SessionFacts.read(p.previous, from: store, recordings: store),
                                     agents: try store.allAgents(), now: now)
        print(summary.report.rendered(try period.reportFormat()), terminator: "")
    }
}

struct ROIReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roi",
        abstract: "The ROI analysis as a what-if calculator: every input a flag, the measured month from the store unless given.",
        discussion: "Every figure is printed with the formula that produced it. --sessions, --avg-minutes and --resolved replace the measured month (all three, or none).")
    @OptionGroup var period: PeriodOptions
    @Option(help: "Platform license per month ($).") var licenseMonthly = ROIInputs.standard.licenseMonthly
    @Option(help: "Agent training and certification, one-time ($).") var trainingOnce = ROIInputs.standard.trainingOnce
    @Option(help: "Loaded agent cost per hour ($).") var hourlyCost = ROIInputs.standard.hourlyCost
    @Option(help: "Average cost of one ticket ($).") var ticketCost = ROIInputs.standard.ticketCost
    @Option(help: "Tickets one session prevents.") var ticketsPreventedPerSession = ROIInputs.standard.ticketsPreventedPerSession
    @Option(help: "Minutes the same issue takes by chat alone.") var chatMinutes = ROIInputs.standard.chatMinutes
    @Option(help: "Enterprise customers using co-browse.") var enterpriseCustomers = ROIInputs.standard.enterpriseCustomers
    @Option(help: "Monthly revenue of one enterprise customer ($).") var enterpriseValue = ROIInputs.standard.enterpriseValue
    @Option(help: "Percent of that revenue kept thanks to co-browse.") var retentionUplift = ROIInputs.standard.retentionUplift
    @Option(help: "Knowledge-base articles written from sessions per month.") var kbArticles = ROIInputs.standard.kbArticles
    @Option(help: "Monthly deflection value of one article ($).") var kbValue = ROIInputs.standard.kbValue
    @Option(help: "Sessions in the month (instead of the store's).") var sessions: Double?
    @Option(help: "Average session minutes (instead of the store's).") var avgMinutes: Double?
    @Option(help: "Sessions resolved in the month (instead of the store's).") var resolved: Double?
    @OptionGroup var data: DataOptions

    var inputs: ROIInputs {
        var i = ROIInputs()
        i.licenseMonthly = licenseMonthly; i.trainingOnce = trainingOnce; i.hourlyCost = hourlyCost; i.ticketCost = ticketCost
        i.ticketsPreventedPerSession = ticketsPreventedPerSession; i.chatMinutes = chatMinutes
        i.enterpriseCustomers = enterpriseCustomers; i.enterpriseValue = enterpriseValue; i.retentionUplift = retentionUplift
        i.kbArticles = kbArticles; i.kbValue = kbValue
        return i
    }

    func validate() throws {
        if let problem = inputs.problem { throw ValidationError(problem) }
        for (name, value) in [("--sessions", sessions), ("--avg-minutes", avgMinutes), ("--resolved", resolved)] {
            guard let value else { continue }
            guard value.isFinite, (0 ... 1e9).contains(value) else { throw ValidationError("\(name) is a number from 0 to 1,000,000,000, not \(value)") }
        }
        let given = [sessions, avgMinutes, resolved].compactMap { $0 }.count
        guard given == 0 || given == 3 else { throw ValidationError("--sessions, --avg-minutes and --resolved go together (all three, or none: the store's)") }
        if let sessions, let resolved, resolved > sessions { throw ValidationError("--resolved (\(resolved)) is more than --sessions (\(sessions))") }
    }

    func run() throws {
        let now = Date()
        let p = try period.period(now: now)
        let measure: ROIMeasure
        if let sessions, let avgMinutes, let resolved {
            measure = ROIMeasure(sessions: sessions, averageMinutes: avgMinutes, resolved: resolved, source: "given: --sessions --avg-minutes --resolved")
        } else {
            let store = try data.openExistingStore()
            measure = ROIMeasure.measured(try SessionFacts.read(p, from: store, recordings: store), period: p, now: now)
        }
        print(ROICalculator(inputs: inputs, measure: measure).report(period: p).rendered(try period.reportFormat()), terminator: "")
    }
}

struct AuditReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The compliance audit of a period's sessions from the hash-chained trail: consent, recording consent, escalations, approvals, openings, deletions, refused writes; exceptions first.",
        discussion: "The report's SHA-256 is written to the audit trail when it is produced, so a report handed to an auditor can be matched to the trail later.")
    @OptionGroup var period: PeriodOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let store = try data.openExistingStore()
        let p = try period.period(now: Date())
        let audit = try ComplianceAudit.read(p, from: store)
        let format = try period.reportFormat()
        let body = audit.report.rendered(format)
        let hash = Digest.sha256Hex(body)
        // The row is the report's receipt: without it the report is not handed out.
        let row: AuditEntry
        do {
            row = try store.appendAudit(at: Date(), actor: NSUserName(), action: "report.audit", sessionId: nil,
                                        detail: "period=\(p.label.replacingOccurrences(of: " ", with: "_")) format=\(format.rawValue) sessions=\(audit.sessions.count) exceptions=\(audit.exceptions.count) sha256=\(hash)")
        } catch {
            throw Failure("the report's hash could not be written to the audit trail, so no report is given: \(error)")
        }
        print(body, terminator: "")
        FileHandle.standardError.write(Data("cobrowse: report sha256 \(hash), audit row \(row.seq)\n".utf8))
    }
}

struct ExportReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "One row a session of the period for analytics platforms (no page content, no customer), as CSV or JSON lines.")
    @Option(help: ArgumentHelp("First day (included).", valueName: "YYYY-MM-DD")) var from: String
    @Option(help: ArgumentHelp("Last day (included).", valueName: "YYYY-MM-DD")) var to: String
    @Option(help: ArgumentHelp("csv or jsonl.", valueName: "FORMAT")) var format: String = "csv"
    @OptionGroup var data: DataOptions

    func validate() throws {
        do { _ = try ReportPeriod.days(from: from, to: to) } catch let p as ReportPeriod.Problem { throw ValidationError(p.description) }
        guard SessionExport.Format(rawValue: format) != nil else { throw ValidationError("--format is csv or jsonl, not \(format)") }
    }

    func run() throws {
        let store = try data.openExistingStore()
        let period = try ReportPeriod.days(from: from, to: to)
        print(SessionExport.render(try SessionFacts.read(period, from: store, recordings: store), as: SessionExport.Format(rawValue: format)!), terminator: "")
    }
}
