import ArgumentParser
import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMEstimation

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate alarm thresholds by Monte Carlo for a false-alarm target, beside the papers' nominal ones.",
        discussion: """
        Estimates the reference from the first --burn-in rows of the data exactly as `monitor` does (or \
        takes --reference net.json as a fixed reference), then simulates the monitor under the fitted \
        null N(0, Omega^-1): each replicate re-estimates the reference from a simulated burn-in (so the \
        reference's estimation error is part of the null), monitors --horizon observations with the \
        monitor's refits, and records the maxima of the statistics. The thresholds are quantiles of the \
        maxima; the combined detector splits the false-alarm budget between its two statistics.
        """)

    @Argument(help: "CSV file of observations, or - for standard input (omit with --sp500 or --reference).")
    var dataPath: String?

    @Flag(help: "Use the embedded S&P 500 returns.")
    var sp500 = false

    @Flag(name: .customLong("ewma-scale"), help: "With --sp500: divide returns by their causal EWMA volatility.")
    var ewmaScale = false

    @Option(help: ArgumentHelp(DataOptions.fromHelp))
    var from: String?

    @Option(help: ArgumentHelp(DataOptions.toHelp))
    var to: String?

    @OptionGroup(title: "Data file format")
    var format: InputFormatOptions

    @Option(help: "Fixed reference network (JSON written by `ggmwatch fit`); no data needed.")
    var reference: String?

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var thresholdOptions: ThresholdOptions

    @Flag(name: .customLong("in-control"), help: "The data are in-control data: the reference is fitted on all of them and the thresholds are those `monitor --in-control` uses (no refits, monitoring continues after an alarm).")
    var inControl = false

    @Option(help: "Also write the calibration as JSON to this file.")
    var output: String?

    func validate() throws {
        let sources = [dataPath != nil, sp500, reference != nil].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("Give exactly one of a data file, --sp500 or --reference.") }
        try DataOptions.validateRange(from: from, to: to)
        if dataPath == nil, let option = format.fileOnlyOptionGiven ?? (format.missing != .error ? "--missing" : nil) {
            throw ValidationError("\(option) applies to data files.")
        }
        if inControl && dataPath == nil && !sp500 { throw ValidationError("--in-control needs the in-control data (a file or --sp500).") }
        if thresholdOptions.alpha != nil || thresholdOptions.threshold != nil || thresholdOptions.localThreshold != nil {
            throw ValidationError("calibrate computes thresholds: use --arl or --false-alarm-prob/--horizon.")
        }
    }

    func run() throws {
        AllocatorTuning.keepLargeBlocks()
        try OutputFile.checkWritable(output, what: "the calibration output")
        let rule = try thresholdOptions.rule(detector: detection.detector, severalWindows: !detection.windowSet.short.isEmpty)
        guard case let .calibrated(settings) = rule else { return }
        var configuration = detection.configuration(thresholds: rule)
        // The monitor itself says what its first calibration needs (the fitted reference and, for
        // the bootstrap null, the burn-in rows): the same request `monitor` runs.
        var monitor: OnlineMonitor
        var description: String
        if let reference {
            let network = try NetworkFile.load(path: reference)
            monitor = try OnlineMonitor(reference: network.referenceModel(path: reference),
                                        configuration: configuration, names: network.names)
            description = "fixed reference \(reference) (p = \(network.names.count))"
        } else {
            let dataset = try DataOptions.loadDatasetWithNotes(path: dataPath, sp500: sp500, from: from, to: to,
                                                             read: format.readOptions, ewmaScale: ewmaScale).dataset
            if inControl {
                configuration.burnIn = dataset.rowCount
                configuration.refitEvery = 0
                configuration.afterAlarm = .continue
            }
            guard dataset.rowCount >= configuration.burnIn else {
                throw RunError("the data has \(dataset.rowCount) rows, fewer than the burn-in of \(configuration.burnIn)")
            }
            monitor = try OnlineMonitor(dimension: dataset.columnCount, configuration: configuration, names: dataset.names)
            for t in 0..<configuration.burnIn { _ = try monitor.update(dataset.values.row(t)) }
            let fit = monitor.network
            description = (inControl ? "in-control reference fitted on all \(configuration.burnIn) rows" : "reference fitted on the first \(configuration.burnIn) rows")
                + " (p = \(dataset.columnCount), \(fit?.edgeCount ?? 0) edges, lambda \(String(format: "%.4f", fit?.lambda ?? .nan)))"
                + (DynamicsNote.describe(monitor.score).map { "; \($0)" } ?? "")
        }
        guard let request = monitor.calibrationRequest else {
            throw RunError("the monitor did not ask for a calibration (its threshold rule is not calibrated)")
        }
        let start = Date()
        let progress = CalibrationProgress(prefix: "calibrate")
        let replicates = settings.replicates
        let result = try request.run(isCancelled: { progress.tick(of: replicates); return false })
        let seconds = Date().timeIntervalSince(start)

        func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "—" }
        func interval(_ x: [Double]?) -> String { x.map { "[\(f($0[0])), \(f($0[1]))]" } ?? "—" }
        print("Calibration for the \(configuration.detector.rawValue) detector, \(description)")
        print("burn-in \(configuration.burnIn), window \(configuration.window), refit every \(configuration.refitEvery); \(result.replicates) replicates, seed \(result.seed), \(String(format: "%.1f", seconds)) s")
        switch settings.target {
        case let .averageRunLength(a):
            print("target: average run length \(String(format: "%.6g", a)) observations = false-alarm probability \(String(format: "%.4f", result.targetProbability)) within \(result.horizon) (1 - exp(-H/ARL))")
        case let .falseAlarmProbability(q, h):
            print("target: false-alarm probability \(q) within \(h) monitored observations")
        }
        print("")
        print("| statistic | calibrated | 95% Monte Carlo interval | nominal (paper) at per-window level \(String(format: "%.2e", result.nominalAlpha)) |")
        print("|---|---|---|---|")
        if configuration.detector.usesGlobal {
            print("| global T | \(f(result.thresholds.global)) | \(interval(result.globalInterval)) | z = \(f(result.nominal.global)) |")
        }
        if configuration.detector.usesLocal {
            print("| local M | \(f(result.thresholds.local)) | \(interval(result.localInterval)) | Gumbel tau = \(f(result.nominal.local)) |")
        }
        print("")
        print("simulated false-alarm probability at these thresholds: \(String(format: "%.3f", result.simulatedProbability))")
        if let null = result.null {
            print("null simulated: \(null.rawValue)" + (result.blockLength.map { String(format: " (stationary block bootstrap, expected block length %.1f)", $0) } ?? ""))
        }
        if let warning = result.resolutionWarning { FileHandle.standardError.write("warning: \(warning)\n") }
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try OutputFile.write(try encoder.encode(result), to: output, what: "the calibration output")
        }
    }
}
