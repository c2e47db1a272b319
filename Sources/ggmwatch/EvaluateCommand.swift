import ArgumentParser
import Foundation
import GGMCore
import GGMExperiments
import GGMSimulation

extension ScenarioChange: ExpressibleByArgument {}
extension EvaluatedDetector: ExpressibleByArgument {}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compare ggmwatch's detectors with per-series and dense-covariance baselines on simulated scenarios.",
        discussion: """
        Runs a grid of scenarios (p, graph family, kind of change), replicate streams per cell, with every \
        detector calibrated by Monte Carlo to one false-alarm target: a probability --false-alarm-prob of a \
        false alarm within --horizon monitored observations (or --arl, converted as 1 - exp(-H / ARL)). \
        Detectors: global, local and combined (the online monitor), per-node (each series alone, a \
        variance likelihood ratio per node, max over nodes) and dense (full-covariance window likelihood \
        ratio, only where --dense-window exceeds p), and on request pca (principal-component T^2 and SPE         charts, 90% of the variance, alarm after --pca-run-length consecutive points above a limit: the         process engineers' monitor). --var-radius R makes the streams serially dependent (a VAR(1)).         Progress goes to standard error, the Markdown table \
        to standard output, everything (settings, thresholds, scores) to --output as JSON.

        The default grid is p in {50, 100, 200}, graphs random, banded, hub, block, changes none, global, \
        local, perturb-hub, rewire-keeping-variances, 50 replicates per cell. --quick runs a small grid (p = 50, random \
        and hub, 20 replicates) in well under a minute.
        """)

    @Flag(help: "A small grid: p = 50, random and hub graphs, 20 replicates, 100 calibration streams.")
    var quick = false

    @Option(name: .customLong("nodes"), parsing: .upToNextOption, help: "Numbers of nodes p, e.g. --nodes 50 100.")
    var dimensions: [Int] = []

    @Option(parsing: .upToNextOption, help: "Graph families: \(GraphKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var graphs: [GraphKind] = []

    @Option(parsing: .upToNextOption, help: "Changes: \(ScenarioChange.allCases.map(\.rawValue).joined(separator: ", ")).")
    var changes: [ScenarioChange] = []

    @Option(parsing: .upToNextOption, help: "Detectors: \(EvaluatedDetector.allCases.map(\.rawValue).joined(separator: ", ")).")
    var detectors: [EvaluatedDetector] = []

    @Option(help: "Replicate streams per scenario cell.")
    var replicates: Int?

    @Option(name: .customLong("calibration-replicates"), help: "Simulated null streams per calibration.")
    var calibrationReplicates: Int?

    @Option(help: "Seed of the whole evaluation.")
    var seed: UInt64 = 1

    @Option(name: .customLong("false-alarm-prob"), help: "Target probability of a false alarm within --horizon (default 0.1).")
    var falseAlarmProbability: Double?

    @Option(help: "Horizon H (monitored observations) of the target; no-change streams are monitored for H.")
    var horizon: Int?

    @Option(help: "Target average run length instead of --false-alarm-prob: q = 1 - exp(-H / ARL).")
    var arl: Double?

    @Option(name: .customLong("burn-in"), help: "Burn-in N of every detector.")
    var burnIn: Int?

    @Option(help: "Window w of the monitor and the per-node baseline; d_max defaults to 2w.")
    var window: Int?

    @Option(name: .customLong("dense-window"), help: "Window of the dense baseline (it runs only where this exceeds p; default 2w).")
    var denseWindow: Int?

    @Option(name: .customLong("max-delay"), help: "d_max: alarms within this many observations after a change detect it (default 2w).")
    var maxDelay: Int?

    @Option(name: .customLong("var-radius"), parsing: .unconditional, help: "Serially dependent streams: a VAR(1) with a sparse transition of this spectral radius (0 to 0.99), innovations from each segment's network.")
    var varRadius: Double?

    @Option(name: .customLong("innovations-df"), parsing: .unconditional, help: "Heavy-tailed streams: Student t innovations with this many degrees of freedom and the same covariance, e.g. 5 (the rows themselves, or the VAR's innovations with --var-radius); calibrated on 20,000 draws of the true null.")
    var innovationsDF: Double?

    @Option(help: ArgumentHelp("The graph detectors on several windows at once, e.g. 10,25,50 (the longest acts as --window), under one false-alarm budget.", valueName: "w1,w2,..."),
            transform: WindowList.parse)
    var windows: [Int]?

    @Option(parsing: .unconditional, help: "Every detector's reference memory: refits use the last N observations before the window (default: expanding). At least the burn-in.")
    var memory: Int?

    @Option(name: .customLong("pca-run-length"), parsing: .unconditional, help: "Run rule of the PCA charts (--detectors pca): alarm when this many consecutive points exceed a limit (default 3).")
    var pcaRunLength: Int?

    @Option(help: "Write settings, thresholds and scores as JSON to this file.")
    var output: String?

    @Flag(help: "No progress messages on standard error.")
    var quiet = false

    func validate() throws {
        if arl != nil && falseAlarmProbability != nil { throw ValidationError("Give --arl or --false-alarm-prob, not both.") }
        if let arl, !(arl >= 10 && arl.isFinite) { throw ValidationError("--arl must be at least 10 observations.") }
        if let q = falseAlarmProbability, !(q > 0 && q < 1) { throw ValidationError("--false-alarm-prob must be in (0, 1).") }
        if let horizon, horizon < 1 { throw ValidationError("--horizon must be positive.") }
        if let replicates, replicates < 1 { throw ValidationError("--replicates must be at least 1.") }
        if let calibrationReplicates, calibrationReplicates < 20 { throw ValidationError("--calibration-replicates must be at least 20.") }
        if let p = dimensions.first(where: { $0 < 4 }) { throw ValidationError("--nodes must be at least 4 (got \(p)).") }
        if let window, window < 2 { throw ValidationError("--window must be at least 2.") }
        if let burnIn, burnIn < 2 { throw ValidationError("--burn-in must be at least 2.") }
        if let nu = innovationsDF, !(nu > 2 && nu.isFinite) { throw ValidationError("--innovations-df must be more than 2 (got \(nu)).") }
        if let maxDelay, maxDelay < 1 { throw ValidationError("--max-delay must be positive.") }
    }

    /// The grid: the quick or full defaults, overridden by the options given.
    func settings() -> EvaluationSettings {
        var s = quick ? EvaluationSettings.quick : EvaluationSettings.full
        if !dimensions.isEmpty { s.dimensions = dimensions }
        if !graphs.isEmpty { s.graphs = graphs }
        if !changes.isEmpty { s.changes = changes }
        if !detectors.isEmpty { s.detectors = detectors }
        if let replicates { s.replicates = replicates }
        if let calibrationReplicates { s.calibrationReplicates = calibrationReplicates }
        s.seed = seed
        if let burnIn { s.burnIn = burnIn }
        let split = windows.flatMap(WindowList.split)
        if let split { s.shortWindows = split.short }
        if let window = split?.window ?? window {
            s.window = window
            s.refitEvery = window
            s.denseWindow = 2 * window
            s.maxDelay = 2 * window
        }
        if let denseWindow { s.denseWindow = denseWindow }
        if let maxDelay { s.maxDelay = maxDelay }
        s.postChange = max(s.postChange, s.maxDelay)
        if let horizon { s.horizon = horizon }
        if let varRadius { s.varRadius = varRadius }
        if let pcaRunLength { s.pcaRunLength = pcaRunLength }
        if let innovationsDF { s.innovationsDF = innovationsDF }
        if let memory { s.memory = memory }
        if let q = falseAlarmProbability { s.falseAlarmProbability = q }
        if let arl { s.falseAlarmProbability = RunLength.falseAlarmProbability(averageRunLength: arl, horizon: s.horizon) }
        return s
    }

    func run() throws {
        try OutputFile.checkWritable(output, what: "the evaluation output")
        let quiet = self.quiet
        let report = try Evaluation.run(settings()) { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        print(report.markdown(), terminator: "")
        if let output {
            try OutputFile.write(try report.jsonData(), to: output, what: "the evaluation output")
        }
        if !quiet {
            FileHandle.standardError.write(Data(String(format: "done in %.0f s\n", report.wallSeconds).utf8))
        }
    }
}
