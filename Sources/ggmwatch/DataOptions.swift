import ArgumentParser
import GGMData


/// Where observations come from: a CSV file, standard input, or the embedded S&P 500 returns.
///
/// Shared by the commands with `@OptionGroup var data: DataOptions`. Standardization is
/// left to each command.
struct DataOptions: ParsableArguments {
    @Argument(help: "CSV file of observations (rows are time points, columns are nodes), or - for standard input.")
    var data: String?

    @Flag(help: "Use the embedded S&P 500 daily log returns (2003-2007, 452 stocks; splits removed, winsorized at 5 robust SDs).")
    var sp500 = false

    @Option(help: "First row to use, by row label (an ISO date such as 2005-01-03), inclusive.")
    var from: String?

    @Option(help: "Last row to use, by row label, inclusive.")
    var to: String?

    @Flag(name: .customLong("ewma-scale"), help: "With --sp500: divide each stock's returns by its causal EWMA volatility (RiskMetrics, lambda 0.94), so that volatility clustering does not pass for rewiring.")
    var ewmaScale = false

    @Option(help: "Missing cells (empty, NA, NaN): error, skip-row (drop the row), previous (carry the last value forward).")
    var missing: MissingValuePolicy = .error

    mutating func validate() throws {
        if sp500 == (data != nil) {
            throw ValidationError(sp500 ? "Give either a data file or --sp500, not both." : "Give a data file (or - for standard input), or --sp500.")
        }
        if let from, let to, from > to {
            throw ValidationError("--from \(from) is after --to \(to).")
        }
        if ewmaScale && !sp500 {
            throw ValidationError("--ewma-scale applies to the embedded S&P 500 prices (--sp500).")
        }
        if sp500 && missing != .error {
            throw ValidationError("--missing applies to data files; the S&P 500 data have no missing values.")
        }
    }

    /// The whole data set (for fit and calibrate), restricted to `--from`/`--to`.
    func loadDataset() throws -> Dataset {
        try loadDatasetWithNotes().dataset
    }

    /// The data set and human-readable notes on what was done to it (rows dropped, splits removed).
    func loadDatasetWithNotes() throws -> (dataset: Dataset, notes: [String]) {
        try Self.loadDatasetWithNotes(path: data, sp500: sp500, from: from, to: to, missing: missing, ewmaScale: ewmaScale)
    }

    /// Loads a data file (or the S&P 500 returns) restricted to a label range, with notes.
    static func loadDatasetWithNotes(path: String?, sp500: Bool, from: String?, to: String?,
                                     missing: MissingValuePolicy = .error,
                                     ewmaScale: Bool = false) throws -> (dataset: Dataset, notes: [String]) {
        if sp500 {
            let (returns, report) = try SP500.returns(from: from, to: to, options: sp500Options(ewmaScale: ewmaScale))
            return (returns, [report.description])
        }
        let (full, report) = try Dataset.loadWithReport(csv: path ?? "-", missing: missing)
        var dataset = full
        if from != nil || to != nil { dataset = try full.rows(from: from, to: to) }
        try dataset.validateForModelling()
        var notes: [String] = []
        if !report.skippedLines.isEmpty {
            notes.append("\(report.skippedLines.count) rows with missing values skipped (lines \(report.skippedLines.prefix(10).map(String.init).joined(separator: ", "))\(report.skippedLines.count > 10 ? ", ..." : ""))")
        }
        if report.filledCells > 0 { notes.append("\(report.filledCells) missing cells filled with the previous value") }
        return (dataset, notes)
    }

    /// The documented S&P 500 preprocessing, with the optional EWMA volatility scaling.
    static func sp500Options(ewmaScale: Bool) -> PreprocessingOptions {
        var options = PreprocessingOptions.standard
        if ewmaScale { options.volatilityScaling = .riskMetrics }
        return options
    }

    /// A stream of observations for the monitor: the file or standard input read row by row,
    /// or the S&P 500 returns from memory; restricted to `--from`/`--to` by label.
    func openStream() throws -> any ObservationSource {
        if sp500 {
            let (returns, _) = try SP500.returns(from: from, to: to, options: Self.sp500Options(ewmaScale: ewmaScale))
            return returns.stream()
        }
        let reader = try ObservationReader(path: data ?? "-", missing: missing)
        if from != nil || to != nil { return try LabelRangeSource(reader, from: from, to: to) }
        return reader
    }

    /// The group of each node: the S&P 500 sectors with `--sp500`, or those of a `node,group` CSV.
    /// Nodes missing from the file have no group; nil when no groups are known.
    func nodeGroups(names: [String], groupsPath: String?) throws -> [String?]? {
        if let groupsPath {
            let map = try GroupMap.load(csv: groupsPath)
            return names.map { map.group(of: $0) }
        }
        if sp500 {
            let map = try SP500.groups()
            return names.map { map.group(of: $0) }
        }
        return nil
    }
}
