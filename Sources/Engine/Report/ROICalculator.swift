import Foundation

/// What the ROI analysis assumes: every figure a flag, each defaulting to the
/// support templates' value. Money in dollars, shares in percent.
public struct ROIInputs: Equatable, Sendable {
    public var licenseMonthly = 350.0
    public var trainingOnce = 2_800.0
    public var hourlyCost = 35.0
    public var ticketCost = 14.50
    public var ticketsPreventedPerSession = 1.7
    /// How long the same issue takes by chat alone.
    public var chatMinutes = 24.0
    public var enterpriseCustomers = 23.0
    /// Monthly revenue of one enterprise customer.
    public var enterpriseValue = 4_200.0
    /// Percent of that revenue kept by co-browsing.
    public var retentionUplift = 2.1
    public var kbArticles = 12.0
    /// Monthly deflection value of one knowledge-base article.
    public var kbValue = 180.0

    public static let standard = ROIInputs()
    public init() {}

    /// Each input once: its flag, its key in JSON, how it prints, and its
    /// bound. The report's inputs section and the command's checks read this.
    public struct Field: Sendable {
        public var flag: String
        public var key: String
        public var value: WritableKeyPath<ROIInputs, Double> & Sendable
        public var decimals: Int
        public var upTo: Double
    }

    /// A billion is past any support team; beyond it the sums stop being money.
    public static let fields: [Field] = [
        Field(flag: "--license-monthly", key: "license_monthly", value: \.licenseMonthly, decimals: 2, upTo: 1e9),
        Field(flag: "--training-once", key: "training_once", value: \.trainingOnce, decimals: 2, upTo: 1e9),
        Field(flag: "--hourly-cost", key: "hourly_cost", value: \.hourlyCost, decimals: 2, upTo: 1e9),
        Field(flag: "--ticket-cost", key: "ticket_cost", value: \.ticketCost, decimals: 2, upTo: 1e9),
        Field(flag: "--tickets-prevented-per-session", key: "tickets_prevented_per_session", value: \.ticketsPreventedPerSession, decimals: 2, upTo: 1e9),
        Field(flag: "--chat-minutes", key: "chat_minutes", value: \.chatMinutes, decimals: 1, upTo: 1e9),
        Field(flag: "--enterprise-customers", key: "enterprise_customers", value: \.enterpriseCustomers, decimals: 0, upTo: 1e9),
        Field(flag: "--enterprise-value", key: "enterprise_value", value: \.enterpriseValue, decimals: 2, upTo: 1e9),
        Field(flag: "--retention-uplift", key: "retention_uplift", value: \.retentionUplift, decimals: 2, upTo: 100),
        Field(flag: "--kb-articles", key: "kb_articles", value: \.kbArticles, decimals: 0, upTo: 1e9),
        Field(flag: "--kb-value", key: "kb_value", value: \.kbValue, decimals: 2, upTo: 1e9),
    ]

    /// The first input out of its bounds, in words for the command line.
    public var problem: String? {
        for f in Self.fields {
            let v = self[keyPath: f.value]
            guard v.isFinite, (0 ... f.upTo).contains(v) else {
                return f.upTo == 100 ? "\(f.flag) is a percent: 0...100, not \(v)" : "\(f.flag) is a number from 0 to 1,000,000,000, not \(v)"
            }
        }
        return nil
    }
}

/// The measured month the calculator works on: from the store, or given.
public struct ROIMeasure: Equatable, Sendable {
    public var sessions: Double
    public var averageMinutes: Double
    public var resolved: Double
    /// Where the three came from, said in the report.
    public var source: String

    public init(sessions: Double, averageMinutes: Double, resolved: Double, source: String) {
        self.sessions = sessions; self.averageMinutes = averageMinutes; self.resolved = resolved; self.source = source
    }

    /// A period's sessions as a month's: counts scaled by 30.4375 days over the days measured.
    public static func measured(_ sessions: [SessionFacts], period: ReportPeriod, now: Date) -> ROIMeasure {
        let held = sessions.filter(\.started)
        let days = max(1, period.elapsedDays(now: now))
        let scale = 30.4375 / Double(days)
        let minutes = Share.mean(held.compactMap(\.minutes)) ?? 0
        let resolved = Double(held.filter { $0.outcome == .resolved }.count)
        let note = scale == 1 ? "" : String(format: ", scaled to a month (× 30.4375 / %d days)", days)
        return ROIMeasure(sessions: Double(held.count) * scale, averageMinutes: minutes, resolved: resolved * scale,
                          source: "measured: \(held.count) sessions in \(period.label)\(note)")
    }
}

/// The ROI analysis as a what-if calculator. Every figure is printed with the
/// formula that produced it, and the arithmetic is the formulas' (the
/// templates' example numbers are illustrations that do not all follow).
public struct ROICalculator: Equatable, Sendable {
    public var inputs: ROIInputs
    public var measure: ROIMeasure

    public init(inputs: ROIInputs, measure: ROIMeasure) { self.inputs = inputs; self.measure = measure }

    public var agentHours: Double { measure.sessions * measure.averageMinutes / 60 }
    public var laborMonthly: Double { agentHours * inputs.hourlyCost }
    public var costsMonthly: Double { inputs.licenseMonthly + laborMonthly }
    public var ticketsPreventedValue: Double { measure.sessions * inputs.ticketsPreventedPerSession * inputs.ticketCost }
    /// Never negative: a session longer than chat saves no time, it does not cost the benefit back.
    public var minutesSavedPerResolved: Double { max(0, inputs.chatMinutes - measure.averageMinutes) }
    public var hoursSaved: Double { measure.resolved * minutesSavedPerResolved / 60 }
    public var timeSavedValue: Double { hoursSaved * inputs.hourlyCost }
    public var retentionValue: Double { inputs.enterpriseCustomers * inputs.enterpriseValue * inputs.retentionUplift / 100 }
    public var kbValueMonthly: Double { inputs.kbArticles * inputs.kbValue }
    public var benefitsMonthly: Double { ticketsPreventedValue + timeSavedValue + retentionValue + kbValueMonthly }
    public var netMonthly: Double { benefitsMonthly - costsMonthly }
    /// Net over costs; nil when nothing costs anything.
    public var roiMultiple: Double? { costsMonthly > 0 ? netMonthly / costsMonthly : nil }
    /// The first year: twelve months' net, less the one-time training.
    public var annualNet: Double { 12 * netMonthly - inputs.trainingOnce }
    public var annualCosts: Double { 12 * costsMonthly + inputs.trainingOnce }
    public var annualMultiple: Double? { annualCosts > 0 ? annualNet / annualCosts : nil }

    public func report(period: ReportPeriod) -> Report {
        let i = inputs, m = measure
        func money(_ x: Double) -> String { Report.Value.money(x).text }
        func num(_ x: Double, _ d: Int = 1) -> String { Report.Value.number(x, decimals: d).text }
        let multiple: Report.Value = roiMultiple.map { .number($0, decimals: 1) } ?? .unavailable("the program costs nothing")
        return Report(name: "roi", title: "CO-BROWSE ROI ANALYSIS — \(period.label)", period: period, sections: [
            Report.Section(key: "measured", title: "Measured month", figures: [
                Report.Figure("source", "From", .text(m.source)),
                Report.Figure("sessions", "Sessions", .number(m.sessions, decimals: 1)),
                Report.Figure("average_minutes", "Average session", .minutes(m.averageMinutes)),
                Report.Figure("resolved", "Resolved in session", .number(m.resolved, decimals: 1)),
            ]),
            Report.Section(key: "costs", title: "Cost of the co-browse program", figures: [
                Report.Figure("license_monthly", "Platform license", .money(i.licenseMonthly), "per month"),
                Report.Figure("training_once", "Agent training and certification", .money(i.trainingOnce), "one-time"),
                Report.Figure("agent_hours", "Agent time for sessions", .number(agentHours, decimals: 1),
                              "hours = \(num(m.sessions)) sessions × \(num(m.averageMinutes)) min ÷ 60"),
                Report.Figure("labor_monthly", "Monthly co-browse labor cost", .money(laborMonthly),
                              "\(num(agentHours)) h × \(money(i.hourlyCost))/h"),
                Report.Figure("costs_monthly_detail", "Total monthly cost", .money(costsMonthly),
                              "\(money(i.licenseMonthly)) + \(money(laborMonthly))"),
            ]),
            Report.Section(key: "benefits", title: "Benefits", figures: [
                Report.Figure("tickets_prevented_value", "Monthly tickets prevented", .money(ticketsPreventedValue),
                              "\(num(m.sessions)) sessions × \(num(i.ticketsPreventedPerSession)) × \(money(i.ticketCost))"),
                Report.Figure("minutes_saved_per_resolved", "Time saved per resolved session", .minutes(minutesSavedPerResolved),
                              "\(num(i.chatMinutes)) min by chat − \(num(m.averageMinutes)) min, never below 0"),
                Report.Figure("hours_saved", "Total time saved", .number(hoursSaved, decimals: 1),
                              "hours = \(num(m.resolved)) resolved × \(num(minutesSavedPerResolved)) min ÷ 60"),
                Report.Figure("time_saved_value", "Value of time saved", .money(timeSavedValue),
                              "\(num(hoursSaved)) h × \(money(i.hourlyCost))/h: agent capacity freed"),
                Report.Figure("retention_value", "Revenue protected by retention", .money(retentionValue),
                              "\(num(i.enterpriseCustomers, 0)) customers × \(money(i.enterpriseValue)) × \(num(i.retentionUplift))%"),
                Report.Figure("kb_value", "Knowledge-base value", .money(kbValueMonthly),
                              "\(num(i.kbArticles, 0)) articles × \(money(i.kbValue))"),
            ]),
            Report.Section(key: "result", title: "Return", figures: [
                Report.Figure("benefits_monthly", "Total monthly benefits", .money(benefitsMonthly),
                              [ticketsPreventedValue, timeSavedValue, retentionValue, kbValueMonthly].map(money).joined(separator: " + ")),
                Report.Figure("costs_monthly", "Total monthly costs", .money(costsMonthly)),
                Report.Figure("net_monthly", "Net monthly return", .money(netMonthly), "\(money(benefitsMonthly)) − \(money(costsMonthly))"),
                Report.Figure("roi_multiple", "Monthly ROI (net ÷ costs)", multiple,
                              roiMultiple.map { _ in "\(money(netMonthly)) ÷ \(money(costsMonthly))" }),
                Report.Figure("annual_net", "First-year net return", .money(annualNet),
                              "12 × \(money(netMonthly)) − \(money(i.trainingOnce)) one-time"),
                Report.Figure("annual_multiple", "First-year ROI (net ÷ costs)", annualMultiple.map { .number($0, decimals: 1) } ?? .unavailable("the program costs nothing"),
                              annualMultiple.map { _ in "\(money(annualNet)) ÷ (12 × \(money(costsMonthly)) + \(money(i.trainingOnce)))" }),
            ], topLevelInJSON: true),
            Report.Section(key: "inputs", title: "Inputs (flags)", figures: ROIInputs.fields.map { f in
                Report.Figure(f.key, f.flag, .number(i[keyPath: f.value], decimals: f.decimals), f.upTo == 100 ? "percent" : nil)
            } + [
                Report.Figure("sessions", "--sessions", .number(m.sessions, decimals: 1), m.source),
                Report.Figure("avg_minutes", "--avg-minutes", .number(m.averageMinutes, decimals: 1)),
                Report.Figure("resolved", "--resolved", .number(m.resolved, decimals: 1)),
            ]),
        ])
    }
}
