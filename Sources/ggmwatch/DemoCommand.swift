import ArgumentParser
import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMEstimation
import GGMReport

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch the embedded S&P 500 (452 stocks, 2003-2007) for changes in its network; print the changes and write an HTML report.",
        discussion: """
        Daily log returns of 452 stocks, splits removed and winsorized at 5 robust SDs (--ewma also \
        divides each stock by its causal EWMA volatility). The combined detector (global and local) runs \
        with a reference of one trading year (250 days, fewer days than stocks), windows of one month \
        (22 days), refits every quarter (66 days), and thresholds calibrated by Monte Carlo for an \
        average run length of --arl days, simulating the whole monitor on resampled burn-in days: heavy \
        tails, the dense market factor the sparse reference misses, and the reference's out-of-sample \
        error are part of that null.
        """)

    @Option(name: [.short, .customLong("output")], help: "Where to write the HTML report.")
    var output: String = "ggmwatch-report.html"

    @Option(help: "Target average run length in trading days between false alarms.")
    var arl: Double = SP500Demo.Settings().arl

    @Option(help: "Monte Carlo replicates for the calibration.")
    var replicates: Int = 60

    @Option(help: "Seed of the calibration.")
    var seed: UInt64 = 1

    @Option(help: "Calibration null: bootstrap (resampled burn-in days) or gaussian (the fitted network).")
    var null: NullModel = .bootstrap

    @Option(name: .customLong("burn-in"), help: "Days in each reference (burn-in).")
    var burnIn: Int = SP500Demo.Settings().burnIn

    @Option(help: "Window length in days.")
    var window: Int = SP500Demo.Settings().window

    @Option(help: "Reference memory: N days (refits use the last N days before the window: a rolling reference that follows the market's slow drift; at least --burn-in) or expanding (every day since the last alarm). Default: 250 (one trading year), or the burn-in if longer.",
            transform: ReferenceMemory.parse)
    var memory: ReferenceMemory?

    @Option(name: .customLong("restart-burn-in"), help: "After an alarm, watch again once this many days give a first reference (shorter than --burn-in), with thresholds calibrated for it. Default: a full burn-in after each alarm.")
    var restartBurnIn: Int?

    @Option(help: ArgumentHelp("Several windows at once in days, e.g. 5,11,22 (the longest replaces --window), under one false-alarm budget.", valueName: "w1,w2,..."),
            transform: WindowList.parse)
    var windows: [Int]?

    @Flag(help: "Divide each stock's returns by its causal EWMA volatility (RiskMetrics 0.94) before monitoring.")
    var ewma = false

    @Flag(name: .customLong("no-robust"), help: "Skip split removal and winsorizing (plain log returns), for comparison.")
    var noRobust = false

    @Option(help: "Also write the events as JSON Lines to this file.")
    var events: String?

    @Option(help: "Also write the statistics of every scored window to this CSV file (index, date, global, its threshold, local, its threshold).")
    var trace: String?

    func validate() throws {
        guard arl >= 50, arl <= 1e9 else { throw ValidationError("--arl must be between 50 and 1e9 days.") }
        guard replicates >= 20 else { throw ValidationError("--replicates must be at least 20.") }
        guard burnIn >= 20, burnIn <= 600 else { throw ValidationError("--burn-in must be between 20 and 600 days.") }
        guard window >= 5, window <= 120 else { throw ValidationError("--window must be between 5 and 120 days.") }
        if let windows, let split = WindowList.split(windows) {
            if let problem = MonitorConfiguration.windowsProblem(split.short, window: split.window, memory: nil) {
                throw ValidationError("--windows: \(problem).")
            }
            guard (windows.max() ?? 0) <= 120, (windows.min() ?? 0) >= 2 else { throw ValidationError("--windows: every window between 2 and 120 days.") }
        }
        let window = windows.flatMap(WindowList.split)?.window ?? self.window
        if let m = restartBurnIn, !(m >= window && m < burnIn) {
            throw ValidationError("--restart-burn-in must be at least --window (\(window)) and shorter than --burn-in (\(burnIn)) (got \(m)).")
        }
        if let memory = memory?.observations, memory < burnIn { throw ValidationError("--memory must be at least --burn-in (\(burnIn) days; got \(memory)).") }
    }

    func run() throws {
        AllocatorTuning.keepLargeBlocks()
        HelperThreads.enable()
        try OutputFile.checkWritable(output, what: "the report")
        let start = Date()
        var settings = SP500Demo.Settings(arl: arl, replicates: replicates, seed: seed, null: null, ewma: ewma, robust: !noRobust)
        settings.burnIn = burnIn
        let split = windows.flatMap(WindowList.split)
        settings.window = split?.window ?? window
        settings.shortWindows = split?.short ?? []
        settings.restartBurnIn = restartBurnIn
        settings.memory = memory.map(\.observations) ?? SP500Demo.Settings().memory.map { max($0, burnIn) }
        let record = try SP500Demo.run(settings, command: "ggmwatch " + CommandLine.arguments.dropFirst().joined(separator: " "),
                                       eventsPath: events)
        let monitored = Date().timeIntervalSince(start)
        if let trace {
            func cell(_ v: Double?) -> String { v.map { String($0) } ?? "" }
            var csv = "index,date,global,globalThreshold,local,localThreshold\n"
            for row in record.trace {
                let date = record.labels.flatMap { row.index < $0.count ? $0[row.index] : nil } ?? ""
                csv += [String(row.index), date, cell(row.global), cell(row.globalThreshold), cell(row.local), cell(row.localThreshold)]
                    .joined(separator: ",") + "\n"
            }
            try OutputFile.write(Data(csv.utf8), to: trace, what: "the trace file")
        }
        printTable(record.summaryRows())
        let html = HTMLReport.render(record.document())
        try OutputFile.write(Data(html.utf8), to: output, what: "the report")
        let path = URL(fileURLWithPath: output).standardizedFileURL.path
        print("")
        print("\(record.alarms.count) alarms over \(record.labels?.count ?? 0) trading days; monitored in \(String(format: "%.1f", monitored)) s")
        print("report: \(path)")
    }

    private func printTable(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows.dropFirst() { print(line(row)) }
    }
}

/// The S&P 500 demonstration: preprocessing, monitor settings and the run, shared by `demo` and tests.
enum SP500Demo {
    struct Settings {
        var arl: Double = 500
        var replicates: Int = 60
        var seed: UInt64 = 1
        var null: NullModel = .bootstrap
        var ewma = false
        var robust = true
        var burnIn = 250
        var window = 22
        /// Reference memory in days (nil: expanding since the last alarm): one trading year, rolling
        /// (README, the demo in detail: the expanding reference ages and alarms on the drift).
        var memory: Int? = 250
        /// Days of the first reference after an alarm (nil: a full burn-in).
        var restartBurnIn: Int? = nil
        /// Shorter windows scored beside `window` (empty: one window).
        var shortWindows: [Int] = []
        /// Refits every quarter: three windows.
        var refitEvery: Int { 3 * window }
        /// Simulation horizon of the calibration (days after the burn-in).
        var horizon = 250
    }

    static func configuration(_ s: Settings) -> MonitorConfiguration {
        let calibration = CalibrationSettings(target: .averageRunLength(s.arl), null: s.null, replicates: s.replicates,
                                              seed: s.seed, recalibrationTolerance: 0.25, arlHorizon: s.horizon)
        return MonitorConfiguration(burnIn: s.burnIn, window: s.window, refitEvery: s.refitEvery, detector: .combined,
                                    thresholds: .calibrated(calibration), estimator: MonitorConfiguration.defaultEstimator,
                                    reportCount: 5, memory: s.memory, restartBurnIn: s.restartBurnIn,
                                    shortWindows: s.shortWindows)
    }

    static func run(_ s: Settings, command: String, eventsPath: String? = nil) throws -> MonitorRecord {
        var options = PreprocessingOptions.standard
        if s.ewma { options.volatilityScaling = .riskMetrics }
        if !s.robust {
            options.splitDetector = nil
            options.winsorizeAt = nil
        }
        let (monitored, report) = try SP500.returns(options: options)
        let (raw, _) = try SP500.returns()
        let names = monitored.names
        let groups = try GroupMap.load(path: nil, sp500: true)?.groups(for: names) ?? names.map { _ in nil }
        // The raw returns aligned with the monitored rows (EWMA scaling drops its warm-up days).
        let offset = raw.rowLabels?.firstIndex(of: monitored.rowLabels?.first ?? "") ?? 0
        let panel = raw.values.rows(offset..<(offset + monitored.rowCount))

        let monitor = try OnlineMonitor(dimension: names.count, configuration: configuration(s), names: names)
        var driver = MonitorDriver(monitor: monitor, groups: groups)
        var record = MonitorRecord(
            title: "S&P 500 network monitor, 2003-2007",
            subtitle: "\(names.count) stocks, daily returns; combined detector, reference of \(s.burnIn) days\(s.memory.map { " (memory \($0) days)" } ?? ""), windows of \((s.shortWindows + [s.window]).map(String.init).joined(separator: ", ")) days, thresholds for an average run length of \(Int(s.arl)) days",
            command: command, names: names, labels: monitored.rowLabels, groups: groups)
        record.panelData = panel
        record.panelValueName = "log return"
        record.panelWindow = s.window
        var events: [MonitorEvent] = []
        for t in 0..<monitored.rowCount {
            let output = try driver.feed(monitored.values.row(t), label: monitored.rowLabels?[t])
            record.trace += output.steps.filter(\.evaluated).map(TraceRow.init)
            events += output.events
        }
        // The input ends inside the burn-in after the last alarm: the network since then, provisional.
        events += driver.finish()
        for event in events { record.add(event) }
        if let eventsPath {
            try OutputFile.write(Data((events.map { try $0.jsonLine() }.joined(separator: "\n") + "\n").utf8), to: eventsPath, what: "the events file")
        }
        let final = driver.monitor
        let edges = final.network.map { "\($0.edgeCount) edges at lambda \(String(format: "%.3f", $0.lambda)) in the last fit" } ?? "no fit"
        record.notes = [
            "Data: \(report.rows) daily log returns of \(report.columns) stocks" + (s.robust
                ? "; \(report.splits.count) unadjusted stock splits detected and removed (e.g. \(report.splits.prefix(4).map(\.description).joined(separator: "; "))); \(report.winsorizedCells) cells winsorized at 5 robust SDs"
                : "; no split removal and no winsorizing (--no-robust)") + (s.ewma ? "; each stock divided by its causal EWMA volatility (RiskMetrics 0.94)" : "") + ".",
            "Reference: node-wise lasso at the theory rate lambda = \(NetworkEstimator.defaultTheoryConstant) sqrt(log p / n) on standardized returns (\(edges)), estimated from \(s.burnIn) days (p = \(names.count) \(names.count > s.burnIn ? ">" : "<=") n = \(s.burnIn)), refitted every \(s.refitEvery) quiet days from \(s.memory.map { "the last \($0) days before the current window (a rolling memory)" } ?? "all days since the last change except the current window"), re-estimated from a fresh burn-in after each alarm\(s.restartBurnIn.map { " (monitoring again after \($0) days, with thresholds calibrated for that short reference, until the new segment holds \(s.burnIn) days)" } ?? "").",
            "Thresholds: \(final.calibrationCount) Monte Carlo calibration(s) with \(s.replicates) replicates of the whole procedure on \(s.null == .bootstrap ? "resampled burn-in days (heavy tails and the dense market factor included)" : "Gaussian data from the fitted network"), for an average run length of \(Int(s.arl)) days (a \(s.horizon)-day horizon). " + (final.calibration.map { c in
                String(format: "Last calibration: global %.2f (nominal %.2f), local %.2f (nominal Gumbel %.2f).", c.thresholds.global ?? .nan, c.nominal.global ?? .nan, c.thresholds.local ?? .nan, c.nominal.local ?? .nan)
            } ?? ""),
            "Dates were reconstructed from the NYSE calendar (the source has none): accurate to a day or two. A Gaussian graphical model is an approximation for returns; alarms mark periods where the dependence between stocks departs from the reference more than the calibrated null allows.",
        ]
        return record
    }
}
