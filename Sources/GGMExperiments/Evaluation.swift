import Foundation
import GGMCore
import GGMDetection
import GGMEstimation
import GGMEvaluation
import GGMSimulation

/// A threshold calibrated for one detector on one `(p, graph)` pair.
public struct CalibratedThreshold: Codable, Sendable, Equatable {
    public let p: Int
    public let graph: GraphKind
    public let detector: EvaluatedDetector
    /// The statistic the threshold applies to: `global` or `local` for the monitor (the combined
    /// detector has one of each), `per-node` or `dense` for a baseline.
    public let statistic: StatisticID
    public let threshold: Double
    /// Share of the simulated null streams that alarm within the horizon at this threshold.
    public let simulatedProbability: Double
}

/// The outcome of an evaluation: its settings, the thresholds and the score table.
public struct EvaluationReport: Codable, Sendable {
    public let settings: EvaluationSettings
    public let thresholds: [CalibratedThreshold]
    public let table: ScoreTable
    public let wallSeconds: Double

    /// Pretty-printed JSON with sorted keys (missing values `null`), newline-terminated.
    public func jsonData() throws -> Data { try PrettyJSON.data(self) }

    /// The settings in one paragraph, then the Markdown table.
    public func markdown() -> String {
        let s = settings
        var text = "Detectors calibrated by Monte Carlo (\(s.calibrationReplicates) null streams per p and graph, "
        text += "burn-in re-estimated) to a false-alarm probability of \(s.falseAlarmProbability) within H = \(s.horizon) "
        text += "monitored observations. N = \(s.burnIn), w = \(s.window), B = \(s.refitEvery), dense window \(s.denseWindow); "
        text += "change after \(s.preChange) monitored observations, d_max = \(s.maxDelay); \(s.replicates) replicates per cell, seed \(s.seed). "
        if let memory = s.memory { text += "Reference memory: the last \(memory) observations before the window (rolling). " }
        if !s.shortWindows.isEmpty {
            text += "Graph detectors on windows \((s.shortWindows + [s.window]).map(String.init).joined(separator: ", ")) at once (one false-alarm budget over all their statistics). "
        }
        if s.varRadius != nil || s.innovationsDF != nil {
            text += "Streams: " + (s.varRadius.map { "a VAR(1) of spectral radius \($0)" } ?? "independent rows")
            text += s.innovationsDF.map { " with Student t innovations (\($0) degrees of freedom, calibrated by resampling \(Evaluation.heavyTailedNullSample) true-null draws). " } ?? ". "
        }
        text += "Localization error: |estimated - true change| for detected changes (the graph detectors estimate the change time; the baselines do not).\n\n"
        return text + table.markdown()
    }
}

/// The evaluation harness: a grid of simulated scenarios, every detector calibrated to one
/// false-alarm target, each replicate stream fed to every detector, the alarms scored.
///
/// Calibration: per `(p, graph)`, under the true pre-change network `Omega_0` of the pair's
/// replicate 0, with the burn-in re-estimated in every simulated stream (``Calibrator``'s recipe).
/// One simulation of the combined monitor gives the maxima of both statistics, from which the
/// global, local and combined thresholds are all derived (``Calibrator/result(maxima:statistics:q:horizon:nominal:nominalAlpha:reference:seed:)``);
/// the baselines are calibrated by the same simulator with the same seed. Thresholds are then
/// fixed (``ThresholdRule/fixed(_:)``) for all replicates and change kinds of the pair;
/// replicates draw their own networks from the same family, so the no-change rows measure how well
/// a threshold calibrated on one network of a family carries over to others.
///
/// Scoring: ``AlarmMatching`` with `d_max` and monitoring from the end of the first burn-in,
/// ``DetectorScore`` with the calibration horizon.
public enum Evaluation {
    /// Runs the grid. `progress` receives one line per calibration and per scenario cell.
    public static func run(_ settings: EvaluationSettings,
                           progress: @Sendable (String) -> Void = { _ in }) throws -> EvaluationReport {
        try settings.validate()
        let clock = ContinuousClock()
        let start = clock.now
        var rows: [ScoreRow] = []
        var thresholds: [CalibratedThreshold] = []
        for p in settings.dimensions {
            for (g, graph) in settings.graphs.enumerated() {
                let detectors = settings.detectors.filter { settings.applies($0, dimension: p) }
                let calibrated = try calibrate(settings, p: p, graph: graph, graphIndex: g, detectors: detectors)
                thresholds += calibrated
                progress("calibrated p=\(p) \(graph.rawValue): "
                         + calibrated.map { "\($0.detector.rawValue)\(settings.statistics(of: $0.detector).count > 1 ? "/" + $0.statistic.rawValue : "") \(String(format: "%.3g", $0.threshold))" }.joined(separator: ", ")
                         + " (\(elapsed(start, clock)))")
                for change in settings.changes {
                    let scenario = "p=\(p) \(graph.rawValue) \(change.rawValue)"
                    let scores = try runCell(settings, p: p, graph: graph, graphIndex: g, change: change,
                                             thresholds: calibrated, scenario: scenario)
                    for (detector, score) in scores {
                        rows.append(ScoreRow(scenario: scenario, detector: detector.rawValue, score: score))
                    }
                    progress("\(scenario): " + scores.map { detector, score in
                        let rate = change == .none ? score.falseAlarmProbability : score.detectionRate
                        return "\(detector.rawValue) \(rate.map { String(format: "%.2f", $0) } ?? "—")"
                    }.joined(separator: ", ") + " (\(elapsed(start, clock)))")
                }
            }
        }
        let seconds = (clock.now - start) / .seconds(1)
        return EvaluationReport(settings: settings, thresholds: thresholds, table: ScoreTable(rows: rows),
                                wallSeconds: seconds)
    }

    static func elapsed(_ start: ContinuousClock.Instant, _ clock: ContinuousClock) -> String {
        String(format: "%.0f s", (clock.now - start) / .seconds(1))
    }

    /// Seed of replicate `r` of the `(p, graph)` pair (shared by all change kinds: paired design).
    static func streamSeed(_ settings: EvaluationSettings, p: Int, graphIndex: Int, replicate r: Int) -> UInt64 {
        var g = SeededGenerator.stream(seed: settings.seed, index: (p * 16 + graphIndex) * 100_000 + r)
        return g.next()
    }

    /// Innovations drawn from the true heavy-tailed null for its calibration by resampling.
    static let heavyTailedNullSample = 20_000

    /// Thresholds of every applicable detector for the pair `(p, graph)`.
    static func calibrate(_ settings: EvaluationSettings, p: Int, graph: GraphKind, graphIndex: Int,
                          detectors: [EvaluatedDetector]) throws -> [CalibratedThreshold] {
        let seed = streamSeed(settings, p: p, graphIndex: graphIndex, replicate: 0)
        let null = try StreamSimulation(p: p, segmentLengths: [settings.burnIn], graph: graph, change: .global, seed: seed)
            .truth().segments[0].precisionMatrix
        let q = settings.falseAlarmProbability
        let horizon = settings.horizon
        let calibrationSeed = seed &+ 1
        // The true null: the network (and, for dependent streams, the true VAR) of replicate 0.
        var dynamics: NullDynamics?
        if let serial = try settings.dynamics() {
            let a = serial.transition(p: p, seed: seed)
            var entries: [(node: Int, from: Int, lag: Int, value: Double)] = []
            for i in 0..<p { for k in a.rowStart[i]..<a.rowStart[i + 1] { entries.append((i, a.columnIndex[k], 1, a.values[k])) } }
            dynamics = NullDynamics(coefficients: try VARFit(dimension: p, lags: 1, entries: entries),
                                    intercept: [Double](repeating: 0, count: p))
        }
        let gaussian = try Calibrator.simulationNull(null)
        let sampler: NullSampler
        if let serial = try settings.dynamics(), serial.innovationDegreesOfFreedom != nil {
            // Heavy tails: the true null's innovations, a large sample of them resampled (the
            // Gaussian sampler has no tails to give).
            var rng = SeededGenerator.stream(seed: calibrationSeed, index: 7)
            var draws: [Double] = []
            draws.reserveCapacity(heavyTailedNullSample * p)
            for _ in 0..<heavyTailedNullSample {
                let factor = serial.tFactor(using: &rng)
                draws.append(contentsOf: gaussian.sample(using: &rng).map { $0 * factor })
            }
            sampler = .bootstrap(Matrix(rows: heavyTailedNullSample, columns: p, elements: draws), dynamics: dynamics)
        } else {
            sampler = .gaussian(gaussian, mean: nil, dynamics: dynamics)
        }
        func thresholds<Score>(_ template: SequentialMonitor<Score>, for detectors: [EvaluatedDetector]) throws -> [CalibratedThreshold] {
            let maxima = try Calibrator.simulateMaxima(template: template, sampler: sampler, horizon: horizon,
                                                       replicates: settings.calibrationReplicates, seed: calibrationSeed)
            return detectors.flatMap { detector in
                let ids = settings.statistics(of: detector)
                let result = Calibrator.result(maxima: maxima, statistics: ids, q: q, horizon: horizon,
                                               nominal: Thresholds(), nominalAlpha: 0, reference: nil, seed: calibrationSeed)
                return ids.map { id in
                    CalibratedThreshold(p: p, graph: graph, detector: detector, statistic: id,
                                        threshold: result.thresholds[id]!, simulatedProbability: result.simulatedProbability)
                }
            }
        }
        var out: [CalibratedThreshold] = []
        // One simulation of the combined monitor gives the global, local and combined thresholds.
        let network = detectors.filter(\.usesNetwork)
        if !network.isEmpty {
            out += try thresholds(OnlineMonitor(dimension: p, configuration: settings.monitorConfiguration(.combined, thresholds: .none)),
                                  for: network)
        }
        for detector in detectors where !detector.usesNetwork {
            let baseline = baselineConfiguration(settings, detector, threshold: nil)
            switch detector {
            case .dense: out += try thresholds(DenseCovarianceMonitor(dimension: p, configuration: baseline), for: [detector])
            case .pca: out += try thresholds(pcaMonitor(settings, p: p, thresholds: .none), for: [detector])
            default: out += try thresholds(PerNodeVarianceMonitor(dimension: p, configuration: baseline), for: [detector])
            }
        }
        return out
    }

    /// The PCA charts under the common lifecycle, their window the run rule.
    static func pcaMonitor(_ settings: EvaluationSettings, p: Int, thresholds: ThresholdRule) throws(MonitorError) -> SequentialMonitor<PCAScore> {
        try SequentialMonitor(score: PCAScore(dimension: p, window: settings.pcaRunLength),
                              settings: MonitorSettings(burnIn: settings.burnIn, window: settings.pcaRunLength,
                                                        refitEvery: settings.refitEvery, thresholds: thresholds,
                                                        memory: settings.memory),
                              minimumDimension: 1)
    }

    static func baselineConfiguration(_ settings: EvaluationSettings, _ detector: EvaluatedDetector,
                                      threshold: Double?) -> BaselineConfiguration {
        BaselineConfiguration(burnIn: settings.burnIn, window: detector == .dense ? settings.denseWindow : settings.window,
                              refitEvery: settings.refitEvery, threshold: threshold, memory: settings.memory)
    }

    /// The alarms of `detector` with the calibrated thresholds on one stream.
    static func alarms(_ settings: EvaluationSettings, _ detector: EvaluatedDetector, p: Int,
                       thresholds: [CalibratedThreshold], stream: Matrix) throws(MonitorError) -> [AlarmRecord] {
        var fixed = Thresholds()
        for t in thresholds where t.detector == detector { fixed[t.statistic] = t.threshold }
        func run<Score>(_ monitor: SequentialMonitor<Score>) throws(MonitorError) -> [AlarmRecord] {
            var monitor = monitor
            var alarms: [AlarmRecord] = []
            for t in 0..<stream.rows {
                // Localization uses the alarm's change-time estimate (the baselines give none).
                if let alarm = try monitor.update(stream.row(t)).alarm {
                    alarms.append(AlarmRecord(index: alarm.index, estimatedChange: alarm.estimatedChange))
                }
            }
            return alarms
        }
        if let kind = detector.networkDetector {
            return try run(OnlineMonitor(dimension: p, configuration: settings.monitorConfiguration(kind, thresholds: .fixed(fixed))))
        }
        if detector == .pca { return try run(pcaMonitor(settings, p: p, thresholds: .fixed(fixed))) }
        let baseline = baselineConfiguration(settings, detector, threshold: fixed[detector.statistics[0]])
        switch detector {
        case .dense: return try run(DenseCovarianceMonitor(dimension: p, configuration: baseline))
        default: return try run(PerNodeVarianceMonitor(dimension: p, configuration: baseline))
        }
    }

    /// Scores of every applicable detector on the replicates of one cell, in the settings' detector order.
    static func runCell(_ settings: EvaluationSettings, p: Int, graph: GraphKind, graphIndex: Int,
                        change: ScenarioChange, thresholds: [CalibratedThreshold],
                        scenario: String) throws -> [(EvaluatedDetector, DetectorScore)] {
        let detectors = settings.detectors.filter { settings.applies($0, dimension: p) }
        let lengths = change == .none
            ? [settings.burnIn + settings.horizon]
            : [settings.burnIn + settings.preChange, settings.postChange]
        let kind = change.changeKind ?? .global
        let outcomes: [Result<[StreamEvaluation], EvaluationRunError>] = parallelMap(settings.replicates) { r in
            let seed = streamSeed(settings, p: p, graphIndex: graphIndex, replicate: r)
            do {
                let simulation = try StreamSimulation(p: p, segmentLengths: lengths, graph: graph, change: kind, seed: seed,
                                                      dynamics: settings.dynamics())
                let stream = try simulation.generate()
                let n = stream.observations.rows
                var evaluations: [StreamEvaluation] = []
                for detector in detectors {
                    let alarms = try alarms(settings, detector, p: p, thresholds: thresholds, stream: stream.observations)
                    evaluations.append(try AlarmMatching.evaluate(
                        changePoints: stream.truth.changePoints, alarms: alarms, streamLength: n,
                        maxDelay: settings.maxDelay, monitoringStart: settings.burnIn))
                }
                return .success(evaluations)
            } catch {
                return .failure(.failed(scenario: scenario, detector: "replicate \(r + 1)", reason: "\(error)"))
            }
        }
        let perReplicate = try outcomes.map { try $0.get() }
        return try detectors.enumerated().map { k, detector in
            (detector, try DetectorScore(evaluations: perReplicate.map { $0[k] }, horizon: settings.horizon))
        }
    }
}
