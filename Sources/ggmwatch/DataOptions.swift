import ArgumentParser
import Foundation
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

    @Option(help: ArgumentHelp(DataOptions.fromHelp))
    var from: String?

    @Option(help: ArgumentHelp(DataOptions.toHelp))
    var to: String?

    @Flag(name: .customLong("ewma-scale"), help: "With --sp500: divide each stock's returns by its causal EWMA volatility (RiskMetrics, lambda 0.94), so that volatility clustering does not pass for rewiring.")
    var ewmaScale = false

    @OptionGroup(title: "Data file format")
    var format: InputFormatOptions

    /// The policy for missing cells (`--missing`).
    var missing: MissingValuePolicy { format.missing }

    /// The row-selection rule of every command (`LabelRange`), for the help of `--from`.
    static let fromHelp = "First row to use, by row label, inclusive (such as an ISO date, 2005-01-03). Every command keeps the rows with --from <= label <= --to, comparing labels as numbers when both are numbers and as text otherwise (ISO dates sort correctly). Labels must be in ascending order over the whole input (the rows after --to are read to check it): a label smaller than the one before it is an error naming its line."
    static let toHelp = "Last row to use, by row label, inclusive (see --from)."

    mutating func validate() throws {
        if sp500 == (data != nil) {
            throw ValidationError(sp500 ? "Give either a data file or --sp500, not both." : "Give a data file (or - for standard input), or --sp500.")
        }
        try Self.validateRange(from: from, to: to)
        if ewmaScale && !sp500 {
            throw ValidationError("--ewma-scale applies to the embedded S&P 500 prices (--sp500).")
        }
        if sp500 && missing != .error {
            throw ValidationError("--missing applies to data files; the S&P 500 data have no missing values.")
        }
        if sp500, let option = format.fileOnlyOptionGiven {
            throw ValidationError("\(option) applies to data files, not to --sp500.")
        }
    }

    /// `--from` after `--to` (by the selection rule's order) selects nothing.
    static func validateRange(from: String?, to: String?) throws {
        if let from, let to, LabelRange.precedes(to, from) {
            throw ValidationError("--from \(from) is after --to \(to).")
        }
    }

    /// The whole data set (for fit and calibrate), restricted to `--from`/`--to`.
    func loadDataset() throws -> Dataset {
        try loadDatasetWithNotes().dataset
    }

    /// The data set and human-readable notes on what was done to it (S&P 500 preprocessing).
    /// Warnings and the counts of skipped rows and filled cells of a data file go to standard
    /// error as soon as the input is read.
    func loadDatasetWithNotes() throws -> (dataset: Dataset, notes: [String]) {
        try Self.loadDatasetWithNotes(path: data, sp500: sp500, from: from, to: to, read: format.readOptions, ewmaScale: ewmaScale)
    }

    /// Loads a data file (or the S&P 500 returns) restricted to a label range, with notes.
    static func loadDatasetWithNotes(path: String?, sp500: Bool, from: String?, to: String?,
                                     read options: CSVReadOptions = .automatic,
                                     ewmaScale: Bool = false) throws -> (dataset: Dataset, notes: [String]) {
        if sp500 {
            let (returns, report) = try SP500.returns(from: from, to: to, options: sp500Options(ewmaScale: ewmaScale))
            return (returns, [report.description])
        }
        let reader = try ObservationReader(path: path ?? "-", options: options)
        let range = LabelRange(from: from, to: to)
        let dataset: Dataset
        do {
            if range.isUnbounded {
                dataset = try reader.readAll()
            } else {
                var source = try LabelRangeSource(reader, range: range)
                dataset = try Dataset(reading: &source)
            }
        } catch {
            InputMessages.printWarnings(reader.warnings)
            throw error
        }
        InputMessages.printWarnings(reader.warnings)
        InputMessages.printEndOfInput(reader)
        try dataset.validateForModelling()
        return (dataset, [])
    }

    /// The documented S&P 500 preprocessing, with the optional EWMA volatility scaling.
    static func sp500Options(ewmaScale: Bool) -> PreprocessingOptions {
        var options = PreprocessingOptions.standard
        if ewmaScale { options.volatilityScaling = .riskMetrics }
        return options
    }

    /// A stream of observations for the monitor: the file or standard input read row by row,
    /// or the S&P 500 returns from memory; restricted to `--from`/`--to` by label.
    ///
    /// For a file the stream prints format warnings to standard error as they are found and the
    /// skipped rows and filled cells at the end of input; its `skippedRows` counts the rows
    /// dropped by `--missing skip-row`.
    func openStream() throws -> any ObservationSource { try openStreamAndReader().source }

    /// ``openStream()`` and the file reader underneath it (nil for the embedded data).
    func openStreamAndReader() throws -> (source: any ObservationSource, reader: ObservationReader?) {
        if sp500 {
            let (returns, _) = try SP500.returns(from: from, to: to, options: Self.sp500Options(ewmaScale: ewmaScale))
            return (returns.stream(), nil)
        }
        let reader = try ObservationReader(path: data ?? "-", options: format.readOptions)
        let range = LabelRange(from: from, to: to)
        let source: any ObservationSource = range.isUnbounded ? reader : try LabelRangeSource(reader, range: range)
        var reporting = ReportingSource(base: source, reader: reader)
        reporting.printNewWarnings()
        return (reporting, reader)
    }

    /// The group of each node: the S&P 500 sectors with `--sp500`, or those of a `node,group` CSV.
    /// Nodes missing from the file have no group; nil when no groups are known.
    func nodeGroups(names: [String], groupsPath: String?) throws -> [String?]? {
        try GroupMap.load(path: groupsPath, sp500: sp500)?.groups(for: names)
    }
}

/// How a data file is read: header row, row-label column, separator, missing cells. Shared by
/// every command that reads a CSV of observations; the mechanics are `CSVReadOptions`.
struct InputFormatOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: ArgumentHelp("Whether the first line is a header of node names. Default: detected, a header if any cell other than the label cell is not a number; a first line of distinct integers (101,102,...) is read as data, with a warning."))
    var header: Bool?

    @Option(help: ArgumentHelp("Column of row labels (dates, timestamps, IDs: carried to the outputs and used by --from/--to, never modelled as a node), by header name or 1-based position. Default: the first column if its first value is not a number; a numeric first column of strictly increasing integers is modelled as a node, with a warning.", valueName: "column"))
    var labels: String?

    @Flag(help: "No row labels: every column is a node.")
    var noLabels = false

    @Option(help: ArgumentHelp("Field separator: auto (detected from the first line: the one of comma, semicolon and tab it holds outside quotes; semicolon when it holds both commas and semicolons), comma, semicolon or tab.", valueName: "separator"))
    var separator: SeparatorChoice = .auto

    @Option(help: "Missing cells (empty, NA, NaN): error, skip-row (drop the row; the count goes to standard error at the end of input), previous (carry the last value forward).")
    var missing: MissingValuePolicy = .error

    enum SeparatorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, comma, semicolon, tab
    }

    func validate() throws {
        if labels != nil && noLabels { throw ValidationError("Give --labels or --no-labels, not both.") }
        if let labels {
            guard !labels.isEmpty, labels != "0" else {
                throw ValidationError("--labels takes a header name or a 1-based column position (got '\(labels)').")
            }
        }
    }

    /// The first option given that only a data file can use, for a validation message.
    var fileOnlyOptionGiven: String? {
        if let header { return header ? "--header" : "--no-header" }
        if labels != nil { return "--labels" }
        if noLabels { return "--no-labels" }
        if separator != .auto { return "--separator" }
        return nil
    }

    /// The reader's options.
    var readOptions: CSVReadOptions {
        let labelChoice: CSVReadOptions.Labels = noLabels ? .none : labels.map { CSVReadOptions.Labels(argument: $0) } ?? .auto
        let separatorChoice: CSVReadOptions.Separator? = switch separator {
        case .auto: nil
        case .comma: .comma
        case .semicolon: .semicolon
        case .tab: .tab
        }
        return CSVReadOptions(header: header.map { $0 ? .present : .absent } ?? .auto, labels: labelChoice,
                              separator: separatorChoice, missing: missing)
    }
}

/// A file's stream for the monitor: prints the reader's warnings as they are found and the
/// skipped rows and filled cells at the end of input.
struct ReportingSource: ObservationSource {
    var base: any ObservationSource
    let reader: ObservationReader
    private var printedWarnings = 0
    private var ended = false

    init(base: any ObservationSource, reader: ObservationReader) {
        self.base = base
        self.reader = reader
    }

    var names: [String] { base.names }
    var hasLabels: Bool { base.hasLabels }
    var skippedRows: Int { reader.skippedRows }
    var warnings: [ReadWarning] { reader.warnings }

    mutating func next() throws(DataError) -> Observation? {
        let observation: Observation?
        do {
            observation = try base.next()
        } catch {
            printNewWarnings()
            throw error
        }
        printNewWarnings()
        if observation == nil && !ended {
            ended = true
            InputMessages.printEndOfInput(reader)
        }
        return observation
    }

    mutating func printNewWarnings() {
        let all = reader.warnings
        guard printedWarnings < all.count else { return }
        InputMessages.printWarnings(Array(all[printedWarnings...]))
        printedWarnings = all.count
    }
}

/// The messages about a data file's reading that go to standard error.
enum InputMessages {
    /// A warning with the option that makes the choice explicit.
    static func text(_ warning: ReadWarning) -> String {
        switch warning {
        case .numericFirstLine:
            return "warning: \(warning); give --header to read it as names, or --no-header to keep it as data"
        case .increasingFirstColumn:
            return "warning: \(warning); give --labels 1 to use it as row labels, or --no-labels to keep it as a node"
        }
    }

    static func printWarnings(_ warnings: [ReadWarning]) {
        for w in warnings { FileHandle.standardError.write(Data((text(w) + "\n").utf8)) }
    }

    /// The end-of-input notes: rows skipped and cells filled by the missing-value policy.
    static func endOfInput(_ reader: ObservationReader) -> [String] {
        var notes: [String] = []
        if reader.skippedRows > 0 {
            let n = reader.skippedRows
            let lines = reader.skippedLines.prefix(10).map(String.init).joined(separator: ", ")
            notes.append("skipped \(n) row\(n == 1 ? "" : "s") with missing values (line\(n == 1 ? "" : "s") \(lines)\(n > 10 ? ", ..." : ""))")
        }
        if reader.filledCells > 0 {
            let n = reader.filledCells
            notes.append("filled \(n) missing cell\(n == 1 ? "" : "s") with the previous value")
        }
        return notes
    }

    static func printEndOfInput(_ reader: ObservationReader) {
        for note in endOfInput(reader) { FileHandle.standardError.write(Data((note + "\n").utf8)) }
    }
}
