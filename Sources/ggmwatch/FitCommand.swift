import ArgumentParser
import Foundation
import GGMData
import GGMDetection
import GGMEstimation

/// `ggmwatch fit`: estimates a sparse network from data and writes it as JSON.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Estimate a sparse Gaussian graphical model (precision matrix) from data.",
        discussion: """
        Fits the graphical lasso (default: a positive definite network) or the node-wise lasso to the \
        maximum-likelihood covariance (denominator n) of the centered data. By default the data are \
        standardized (the fit is on the correlation matrix, and the precision is scaled back) and \
        lambda is the theory rule c sqrt(log p / n) with c = \(NetworkEstimator.defaultTheoryConstant). \
        The network goes to --output as JSON (names, the precision's diagonal, edges sorted by \
        |partial correlation| with their precision entries, mean, ...: sparse, O(nnz) to write and \
        read; --dense writes the full precision and coefficient matrices instead), readable by \
        `monitor --reference`; a summary goes to standard error.

        With --in-control the data are in-control (Phase I) data: `fit` fits the monitor's model on them         (the node-wise estimator by default, the lags by --lags, auto by default) and calibrates its         thresholds as `monitor --in-control` does, and writes both (with the data's means, the lag         coefficients and the calibration) so that `monitor LIVE.csv --reference model.json` monitors         LIVE.csv from its first row with no recalibration.

        Examples:
          ggmwatch fit --sp500 --from 2003-01-01 --to 2003-12-31 --output net.json
          ggmwatch fit --in-control normal.csv -o model.json
          ggmwatch fit data.csv --method nodewise --select bic --groups groups.csv
        """
    )

    /// How lambda is chosen when it is not given.
    enum Selection: String, ExpressibleByArgument, CaseIterable {
        case theory, bic
    }

    @OptionGroup var data: DataOptions

    @Option(help: "Estimator: \(EstimationMethod.allValueStrings.joined(separator: ", ")) (default glasso; nodewise with --in-control, as the monitor).")
    var method: EstimationMethod?

    @Flag(name: .customLong("in-control"), help: "The data are in-control data: also fit the monitor's lags and calibrate its thresholds, and write them with the network (an in-control model for `monitor --reference`).")
    var inControl = false

    @Option(help: "With --in-control: the statistics that will raise alarms (global, local or combined).")
    var detector: DetectorKind = MonitorConfiguration().detector

    @Option(parsing: .unconditional, help: "With --in-control: the monitor's window length.")
    var window: Int = MonitorConfiguration().window

    @Option(help: "With --in-control: lags of the model (0, a number, or auto).")
    var lags: LagOrder = MonitorConfiguration().lags

    @OptionGroup(title: "Thresholds (with --in-control)")
    var thresholdOptions: ThresholdOptions

    @Option(parsing: .unconditional, help: "Penalty, on the correlation scale (on the covariance scale with --no-standardize).")
    var lambda: Double?

    @Option(help: "Lambda rule when --lambda is not given: theory (c sqrt(log p / n)) or bic (minimum BIC over a path).")
    var select: Selection = .theory

    @Option(parsing: .unconditional, help: "Constant c of the theory rule c sqrt(log p / n) (default \(NetworkEstimator.defaultTheoryConstant)).")
    var theoryConstant: Double?

    @Flag(help: "Fit the covariance of the centered data directly instead of the correlation matrix.")
    var noStandardize = false

    @Option(parsing: .unconditional, help: "Convergence tolerance of the estimator.")
    var tolerance = 1e-5

    @Option(parsing: .unconditional, help: "Maximum number of sweeps of the estimator.")
    var maxIterations = 1_000

    @Option(name: .shortAndLong, help: "JSON output path ('-' or omitted: standard output).")
    var output: String?

    @Option(help: "CSV of node,group rows (default with --sp500: the GICS sectors).")
    var groups: String?

    @Flag(help: "Write the full precision and coefficient matrices (p x p rows) instead of the sparse form (the diagonal and the edges' entries).")
    var dense = false

    @Option(parsing: .unconditional, help: "How many densest nodes and strongest edges the summary lists.")
    var top = 10

    func validate() throws {
        if !inControl && (thresholdOptions.anyGiven || thresholdOptions.null != CalibrationSettings().null) {
            throw ValidationError("threshold options (--arl, --false-alarm-prob, --alpha, --threshold, --null) go with --in-control.")
        }
        if let lambda {
            guard lambda >= 0, lambda.isFinite else { throw ValidationError("--lambda must be a non-negative number (got \(lambda)).") }
            if select == .bic { throw ValidationError("Give either --lambda or --select bic, not both.") }
            if theoryConstant != nil { throw ValidationError("--theory-constant sets the theory rule; it cannot be combined with --lambda.") }
        }
        if let c = theoryConstant {
            guard c > 0, c.isFinite else { throw ValidationError("--theory-constant must be a positive number (got \(c)).") }
            if select == .bic { throw ValidationError("--theory-constant sets the theory rule; it cannot be combined with --select bic.") }
        }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be positive (got \(tolerance)).") }
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1 (got \(maxIterations)).") }
        guard top >= 0 else { throw ValidationError("--top must be non-negative (got \(top)).") }
        guard window >= 2 else { throw ValidationError("--window must be at least 2.") }
    }

    /// The estimator the options describe.
    var estimator: NetworkEstimator {
        let rule: LambdaRule
        if let lambda { rule = .fixed(lambda) }
        else if select == .bic { rule = .bic }
        else { rule = .theory(c: theoryConstant ?? NetworkEstimator.defaultTheoryConstant) }
        return NetworkEstimator(method: method ?? (inControl ? MonitorConfiguration.defaultEstimator.method : .glasso),
                                lambda: rule, standardize: !noStandardize,
                                tolerance: tolerance, maxIterations: maxIterations)
    }

    func run() throws {
        AllocatorTuning.keepLargeBlocks()
        try OutputFile.checkWritable(output, what: "the network file")
        let (dataset, notes) = try data.loadDatasetWithNotes()   // file warnings and skipped rows are printed while reading
        let groupMap = try GroupMap.load(path: groups, sp500: data.sp500)
        if inControl {
            try fitInControl(dataset, notes: notes, groups: groupMap)
            return
        }
        let heartbeat = Heartbeat()
        heartbeat.begin("fit: estimating the network (\(estimator.method.rawValue), p = \(dataset.columnCount), n = \(dataset.rowCount))")
        let outcome = try NetworkFitting.fit(dataset, estimator: estimator)
        heartbeat.end()
        var file = outcome.file
        file.dense = dense
        try file.write(toPath: output)
        var stderr = StandardErrorStream()
        for note in notes { print(note, to: &stderr) }
        print(NetworkSummary(file: outcome.file, seconds: outcome.seconds, groups: groupMap, top: top).text, to: &stderr)
        if let output, output != "-" { print("wrote \(output)", to: &stderr) }
    }

    /// `fit --in-control`: the monitor's model and thresholds from in-control data.
    private func fitInControl(_ dataset: Dataset, notes: [String], groups: GroupMap?) throws {
        let rule = try thresholdOptions.rule(detector: detector)
        let configuration = MonitorConfiguration(burnIn: dataset.rowCount, window: window, refitEvery: 0, detector: detector,
                                                 thresholds: rule, estimator: estimator, lags: lags, afterAlarm: .continue)
        let source = data.sp500 ? "the S&P 500 returns" : (data.data ?? "-")
        let start = Date()
        let monitor = try InControl.monitor(dataset: dataset, path: source, names: dataset.names, configuration: configuration,
                                            restart: false, quiet: false, prefix: "fit")
        var file = try NetworkFile(inControl: monitor, source: source, rows: dataset.rowCount, lambdaRule: estimator.lambda)
        file.dense = dense
        try file.write(toPath: output)
        var stderr = StandardErrorStream()
        for note in notes { print(note, to: &stderr) }
        print(NetworkSummary(file: file, seconds: Date().timeIntervalSince(start), groups: groups, top: top).text, to: &stderr)
        if let note = DynamicsNote.describe(monitor.score) { print(note, to: &stderr) }
        if let output, output != "-" { print("wrote \(output) (the in-control model: network, lags and thresholds)", to: &stderr) }
    }
}

/// Standard error as a `TextOutputStream`, so messages never mix with data written to standard output.
struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
