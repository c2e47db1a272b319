import ArgumentParser
import Foundation
import GGMCore

/// `ggmwatch bench`: speed and memory benchmarks, each figure against a baseline measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the estimators, the streaming statistics and the monitor's memory.",
        discussion: """
        Prints a markdown table per suite. Figures depend on the machine and its load, so each is \
        reported with a same-run baseline and their ratio:
          estimators  node-wise and graphical lasso, cold and warm-started refits, on the S&P 500 \
        (p = 452, first 250 returns) and a simulated p = 1000, n = 500 random graph; baseline one \
        dense Cholesky inverse of a matrix of the same size (O(p^3)).
          stream      per-observation throughput of the incremental global (p = 100, 452, 1000) and \
        local (p = 100, 452) statistics and of the whole monitor (p = 100, 452); baseline recomputing \
        the statistic from the stored window at every step.
          scale       the rewritten parts of a refit, of the calibration and of the network file \
        against what they replaced: the node-wise lasso on the S&P 500 (cold and warm), the Gram \
        update by a batch of rows and the calibration's Gaussian draws (p = 452; on packed panels \
        and sixteen draws per pass also at 5,000), the local statistic for rows in blocks of eight \
        as a calibration replicate feeds them (p = 452, 5,000), a running monitor taking rows in \
        blocks against one at a time (p = 452, 3,000, 4,000, 5,000), the search for re-centred entries \
        (p = 452), a node-wise fit's network on the data's scale (p = 452, \
        5,000), the CSV reader's numbers (17-digit cells, Eisel-Lemire against strtod) and the \
        network file's write and read, sparse (the default) against dense (p = 452, 2,000; sparse \
        alone at p = 5,000).
          serve       sustained rows/s through `ggmwatch serve` (in-process, loopback HTTP, SQLite) with \
        100 streams at p = 20 and 10 at p = 200, batch latency p50/p99; baseline the same rows through \
        `ggmwatch monitor`, two processes at a time.
          memory      peak resident memory while one monitor reads 1,000,000 simulated rows at p = 50 \
        (run it alone: the peak is process-wide).
        Build in release: swift run -c release ggmwatch bench
        """
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case estimators, stream, segment, scale, serve, memory, all
    }

    @Option(help: "Which benchmarks: \(Suite.allValueStrings.joined(separator: ", ")) (all = memory, then estimators, stream, segment, scale and serve).")
    var suite: Suite = .all

    @Option(help: "Repetitions of each measurement (the best is reported).")
    var repetitions = 3

    @Flag(help: "Smaller problems and shorter runs (a smoke test, not for reporting).")
    var quick = false

    @Option(help: "Seed of the simulated networks and data.")
    var seed: UInt64 = 1

    @Flag(help: "Print the results as JSON instead of markdown.")
    var json = false

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1 (got \(repetitions)).") }
    }

    func run() throws {
        // As `monitor`: the stream suite measures the local update with and without helpers.
        HelperThreads.enable()
        let settings = BenchSettings(repetitions: repetitions, quick: quick, seed: seed)
        var stderr = StandardErrorStream()
        let log: (String) -> Void = { print($0, to: &stderr) }
        var results: [BenchResult] = []
        if suite == .memory || suite == .all { results += try MemoryBench.run(settings, log: log) }
        if suite == .estimators || suite == .all { results += try EstimatorBench.run(settings, log: log) }
        if suite == .stream || suite == .all { results += try StreamBench.run(settings, log: log) }
        if suite == .segment || suite == .all { results += try SegmentBench.run(settings, log: log) }
        if suite == .scale || suite == .all { results += try ScaleBench.run(settings, log: log) }
        if suite == .serve || suite == .all {
            let collected = BenchResults()
            try runBlocking { collected.results = try await ServeBench.run(settings, log: { line in
                var stderr = StandardErrorStream()
                print(line, to: &stderr)
            }) }
            results += collected.results
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print(BenchReport.markdown(results))
        }
    }
}

/// Results handed back from the async service bench.
final class BenchResults: @unchecked Sendable {
    var results: [BenchResult] = []
}
