import ArgumentParser
import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMEstimation
import GGMReport
import GGMSegmentation

/// `ggmwatch segment`: every network change of a recorded stream at once, and each segment's network.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Offline segmentation: find all the network change points of a recorded stream and the network of each segment.",
        discussion: """
        The cost of a segment is the cross-validated Gaussian (pseudo-)likelihood of its rows: \
        each fold's rows under the network the estimator fits to the segment's other rows, from the \
        segment's Gram matrix (node-wise lasso by default, the monitor's model; --method glasso for \
        the full likelihood), with one penalty c sqrt(log p / n) for every segment. Splits are \
        proposed by binary segmentation with optimistic search (--search seeded: seeded binary \
        segmentation; --search exact: the exact optimum by dynamic programming, up to \(SegmentationSettings.exactRowLimit) rows), \
        and kept when their cross-validated gain is positive in every fold (--agreeing-folds), or \
        until exactly --changes K are found. Each change point gets a bootstrap interval and a \
        stability score. Segments may be shorter than the number of nodes. See docs/ALGORITHMS.md \
        section 20.

        Examples:
          ggmwatch segment --sp500
          ggmwatch segment data.csv --changes 2 --json > segments.json
          ggmwatch segment data.csv --min-segment 50 --report segments.html
        """
    )

    @OptionGroup var data: DataOptions

    @Option(help: "Search: \(SegmentationSettings.Search.allCases.map(\.rawValue).joined(separator: ", ")).")
    var search: SegmentationSettings.Search = SegmentationSettings().search

    @Option(help: "Penalty of each segment's fit: segment (c sqrt(log p / n_segment)) or stream (c sqrt(log p / n), the same for all).")
    var penalty: SegmentationSettings.PenaltyScaling = SegmentationSettings().penaltyScaling

    @Option(help: "Estimator of each segment's network (its likelihood is the cost): nodewise or glasso.")
    var method: EstimationMethod = SegmentationSettings().method

    @Option(parsing: .unconditional, help: "Exactly this many change points (default: chosen by cross-validation).")
    var changes: Int?

    @Option(name: .customLong("max-changes"), parsing: .unconditional, help: "At most this many change points when they are chosen by cross-validation.")
    var maxChanges: Int?

    @Option(name: .customLong("min-segment"), parsing: .unconditional, help: "Shortest segment in rows (default: max(20, n / 100)).")
    var minSegment: Int?

    @Option(parsing: .unconditional, help: "Interleaved folds of the cross-validated gain.")
    var folds: Int = SegmentationSettings().folds

    @Option(name: .customLong("agreeing-folds"), parsing: .unconditional, help: "A split is kept when its cross-validated gain is positive in at least this many folds (default: all).")
    var agreeingFolds: Int?

    @Option(name: .customLong("theory-constant"), parsing: .unconditional, help: "c of the penalty c sqrt(log p / n) on the correlation scale (n: the stream's rows with --penalty stream, the segment's with --penalty segment).")
    var theoryConstant: Double = SegmentationSettings().theoryConstant

    @Option(parsing: .unconditional, help: "Bootstrap replicates of each change point's location (0: no intervals).")
    var bootstrap: Int = SegmentationSettings().bootstrapReplicates

    @Option(parsing: .unconditional, help: "Coverage of the bootstrap intervals.")
    var confidence: Double = SegmentationSettings().confidence

    @Option(parsing: .unconditional, help: "Seed of the bootstrap.")
    var seed: UInt64 = SegmentationSettings().seed

    @Flag(help: "Write one JSON object {\"changePoints\": [...], \"segments\": [...], ...} to standard output instead of the table.")
    var json = false

    @Option(help: "Also write an HTML report (each change point's profile and gain curve, the data, the networks side by side).")
    var report: String?

    @Option(help: "CSV of node,group rows (default with --sp500: the GICS sectors).")
    var groups: String?

    @Option(parsing: .unconditional, help: "How many changed edges and nodes the table lists per change.")
    var top = 5

    func validate() throws {
        if let changes, changes < 0 { throw ValidationError("--changes must be 0 or more (got \(changes)).") }
        if let maxChanges, maxChanges < 0 { throw ValidationError("--max-changes must be 0 or more (got \(maxChanges)).") }
        if changes != nil && maxChanges != nil { throw ValidationError("Give --changes or --max-changes, not both.") }
        if let minSegment, minSegment < 2 { throw ValidationError("--min-segment must be at least 2 (got \(minSegment)).") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2 (got \(folds)).") }
        if let agreeingFolds, agreeingFolds < 1 || agreeingFolds > folds {
            throw ValidationError("--agreeing-folds must be between 1 and --folds (\(folds)) (got \(agreeingFolds)).")
        }
        guard theoryConstant > 0, theoryConstant.isFinite else { throw ValidationError("--theory-constant must be a positive number (got \(theoryConstant)).") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more (got \(bootstrap)).") }
        guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must be between 0 and 1 (got \(confidence)).") }
        guard top >= 0 else { throw ValidationError("--top must be non-negative (got \(top)).") }
    }

    var settings: SegmentationSettings {
        SegmentationSettings(search: search, penaltyScaling: penalty, method: method, theoryConstant: theoryConstant, changes: changes, maxChanges: maxChanges,
                             folds: folds, agreeingFolds: agreeingFolds, minSegment: minSegment, bootstrapReplicates: bootstrap, confidence: confidence, seed: seed)
    }

    func run() throws {
        AllocatorTuning.keepLargeBlocks()
        try OutputFile.checkWritable(report, what: "the report")
        let (dataset, notes) = try data.loadDatasetWithNotes()
        let groupMap = try GroupMap.load(path: groups, sp500: data.sp500)
        let heartbeat = Heartbeat()
        heartbeat.begin("segment: searching \(dataset.rowCount) rows of \(dataset.columnCount) nodes (\(search.rawValue), \(method.rawValue))")
        let start = Date()
        let result: Segmentation
        do {
            result = try Segmenter(settings: settings).segment(dataset.values, names: dataset.names)
        } catch {
            heartbeat.end()
            throw RunError(error.description)
        }
        heartbeat.end()
        let seconds = Date().timeIntervalSince(start)
        var stderr = StandardErrorStream()
        for note in notes { print(note, to: &stderr) }
        let view = SegmentationView(result: result, dataset: dataset, groups: groupMap.map { $0.groups(for: dataset.names) }, seconds: seconds)
        if json {
            let data = try PrettyJSON.data(view.json())
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(view.table(top: top))
        }
        if let report {
            let source = data.sp500 ? "the embedded S&P 500 returns" : (data.data ?? "-")
            let html = HTMLReport.render(view.document(source: source, command: "ggmwatch " + CommandLine.arguments.dropFirst().joined(separator: " ")),
                                         options: HTMLReport.Options(terms: .segmentation))
            try OutputFile.write(Data(html.utf8), to: report, what: "the report")
            print("wrote \(report)", to: &stderr)
        }
    }
}

extension SegmentationSettings.Search: ExpressibleByArgument {}
extension SegmentationSettings.PenaltyScaling: ExpressibleByArgument {}
