import Dispatch
import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMSimulation
import GGMEstimation

/// One line of the benchmark report.
///
/// Every figure comes with a baseline measured in the same run, so the ratio (not the absolute
/// time, which depends on the machine and its load) is what a reader compares across runs.
struct BenchResult: Codable {
    var suite: String
    var name: String
    var p: Int
    /// What was measured, in words (data, settings).
    var setting: String
    /// The measured value: seconds for the estimators, observations (windows) per second for the stream.
    var value: Double
    var unit: String
    /// The same-run baseline, in the same unit.
    var baseline: Double?
    var baselineName: String?
    /// `value / baseline` (a speed-up for rates, a multiple of the yardstick for times; see `ratioMeaning`).
    var ratio: Double?
    var ratioMeaning: String?
    var notes: String?
}

/// Shared measurement settings.
struct BenchSettings {
    var repetitions: Int = 3
    var quick: Bool = false
    var seed: UInt64 = 1
    /// Minimum wall time of one throughput measurement.
    var minimumSeconds: Double { quick ? 0.05 : 0.3 }
}

enum BenchClock {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func seconds(since start: UInt64) -> Double { Double(now() - start) * 1e-9 }

    /// Best and median wall time of `repetitions` runs of `body`.
    static func time(repetitions: Int, _ body: () throws -> Void) rethrows -> (best: Double, median: Double) {
        var times: [Double] = []
        for _ in 0..<Swift.max(1, repetitions) {
            let start = now()
            try body()
            times.append(seconds(since: start))
        }
        times.sort()
        return (times[0], times[times.count / 2])
    }

    /// The best rate (steps per second) over `repetitions` measurements; each measurement runs
    /// `step` in batches, doubling the batch until it lasts at least `minimumSeconds`.
    static func rate(repetitions: Int, minimumSeconds: Double, initialBatch: Int = 16, _ step: () throws -> Void) rethrows -> Double {
        var best = 0.0
        var batch = Swift.max(1, initialBatch)
        for _ in 0..<Swift.max(1, repetitions) {
            while true {
                let start = now()
                for _ in 0..<batch { try step() }
                let t = seconds(since: start)
                if t >= minimumSeconds {
                    best = Swift.max(best, Double(batch) / t)
                    break
                }
                batch *= t < minimumSeconds / 8 ? 8 : 2
            }
        }
        return best
    }
}

/// Test networks and data for the benchmarks.
enum BenchData {
    /// A random sparse precision with about `degree` neighbours per node (so about `degree + 1`
    /// nonzeros per row): Erdos-Renyi edges with weights `+-U(0.2, 0.4)`, diagonal
    /// `1 + sum_j |Omega_ij|` (strictly diagonally dominant, hence positive definite without
    /// an eigenvalue computation: O(p^2) to build even at p = 1000).
    static func sparsePrecision(p: Int, degree: Double, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        let probability = Swift.min(1, degree / Double(Swift.max(p - 1, 1)))
        var omega = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for j in (i + 1)..<p where rng.nextUniformOpen() < probability {
                let v = (rng.nextUniformOpen() < 0.5 ? -1.0 : 1.0) * (0.2 + 0.2 * rng.nextUniformOpen())
                omega[i, j] = v
                omega[j, i] = v
            }
        }
        for i in 0..<p {
            var s = 1.0
            for j in 0..<p where j != i { s += Swift.abs(omega[i, j]) }
            omega[i, i] = s
        }
        return omega
    }

    /// `n` draws from `N(0, precision^{-1})` as rows.
    static func sample(precision: Matrix, n: Int, seed: UInt64) throws -> Matrix {
        var rng = SeededGenerator(seed: seed &+ 1)
        return try GaussianSampler(precision: precision).sample(n, using: &rng)
    }

    /// The fit-scale matrix the estimators see for a standardized fit (the correlation matrix).
    static func correlation(_ s: Matrix) -> Matrix {
        let p = s.rows
        var r = s
        for i in 0..<p { for j in 0..<p { r[i, j] = s[i, j] / (s[i, i] * s[j, j]).squareRoot() } }
        return r
    }
}

/// The estimator suite: cold fits and warm-started refits of both estimators on the S&P 500
/// (p = 452, first 250 returns) and on a simulated p = 1000, n = 500 random graph, against one
/// dense Cholesky inverse of the same (ridged) matrix as an O(p^3) yardstick.
enum EstimatorBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        var results: [BenchResult] = []
        let (returns, _) = try SP500.returns()
        let sp = returns.subset(rows: 0..<250)
        let sp2 = returns.subset(rows: 0..<260)
        let simP = settings.quick ? 400 : 1000
        let simOmega = BenchData.sparsePrecision(p: simP, degree: 3, seed: settings.seed)
        let simX = try BenchData.sample(precision: simOmega, n: 510, seed: settings.seed)
        let cases: [(name: String, first: Matrix, second: Matrix, n: Int)] = [
            ("S&P 500 returns", sp.values, sp2.values, 250),
            ("simulated random graph (degree 3)", simX.rows(0..<500), simX, 500),
        ]
        for c in cases {
            let p = c.first.columns
            let s1 = RunningMoments(rows: c.first).covariance()
            let s2 = RunningMoments(rows: c.second).covariance()
            // Yardstick: one dense Cholesky inverse of R + 0.1 I (ridged: S is singular when p > n).
            var ridged = BenchData.correlation(s1)
            for i in 0..<p { ridged[i, i] += 0.1 }
            let chol = try BenchClock.time(repetitions: settings.repetitions) { _ = try ridged.inverseSPD() }
            log("\(c.name) p=\(p): Cholesky inverse \(format(chol.best)) s")
            results.append(BenchResult(suite: "estimators", name: "dense Cholesky inverse (yardstick)", p: p,
                                       setting: "\(c.name), R + 0.1 I", value: chol.best, unit: "s",
                                       baseline: chol.best, baselineName: "Cholesky inverse", ratio: 1,
                                       ratioMeaning: "time / Cholesky inverse time"))
            let theory = LambdaSelection.theoryLambda(c: NetworkEstimator.defaultTheoryConstant, dimension: p, sampleSize: c.n)
            let rules: [(String, LambdaRule)] = [
                ("lambda 0.3", .fixed(0.3)),
                (String(format: "theory lambda %.3f", theory), .theory(c: NetworkEstimator.defaultTheoryConstant)),
            ]
            for method in EstimationMethod.allCases {
                for (ruleName, rule) in rules {
                    let estimator = NetworkEstimator(method: method, lambda: rule)
                    var fit: NetworkFit?
                    let cold = try BenchClock.time(repetitions: settings.repetitions) {
                        fit = try estimator.fit(covariance: s1, sampleSize: c.n)
                    }
                    let previous = fit!
                    var refit: NetworkFit?
                    let warm = try BenchClock.time(repetitions: settings.repetitions) {
                        refit = try estimator.fit(covariance: s2, sampleSize: c.second.rows, warmStart: previous)
                    }
                    var coldRefit: NetworkFit?
                    let coldSecond = try BenchClock.time(repetitions: settings.repetitions) {
                        coldRefit = try estimator.fit(covariance: s2, sampleSize: c.second.rows)
                    }
                    let setting = "\(c.name), n=\(c.n), standardized, \(ruleName)"
                    func row(_ mode: String, _ t: (best: Double, median: Double), _ f: NetworkFit) -> BenchResult {
                        BenchResult(suite: "estimators", name: "\(method.rawValue) \(mode)", p: p, setting: setting,
                                    value: t.best, unit: "s", baseline: chol.best, baselineName: "Cholesky inverse",
                                    ratio: t.best / chol.best, ratioMeaning: "time / Cholesky inverse time",
                                    notes: "median \(format(t.median)) s, \(f.edgeCount) edges, \(f.iterations) sweeps, "
                                        + (f.converged ? "converged" : "NOT converged"))
                    }
                    results.append(row("cold", cold, previous))
                    results.append(row("refit +\(c.second.rows - c.n) rows, cold", coldSecond, coldRefit!))
                    results.append(row("refit +\(c.second.rows - c.n) rows, warm", warm, refit!))
                    log("\(method.rawValue) \(ruleName) p=\(p): cold \(format(cold.best)) s, warm refit \(format(warm.best)) s")
                }
            }
        }
        return results
    }
}

/// The stream suite: per-observation cost of the incremental window statistics and of the whole
/// monitor, against recomputing the statistic from the stored window at every step.
enum StreamBench {
    static let window = 50

    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        var results: [BenchResult] = []
        let rows = 1_000
        let globalDims = settings.quick ? [100, 452] : [100, 452, 1000]
        for p in globalDims {
            let (reference, data) = try setup(p: p, rows: rows, seed: settings.seed)
            let nnz = Double(reference.sparsePrecision.nonzeroCount) / Double(p)
            let (incremental, scratch) = try engineRate(reference: reference, data: data, detector: .global, settings: settings)
            let recompute = try recomputeRate(reference: reference, data: data, settings: settings) {
                GlobalStatistic.evaluate(window: $0, reference: $1)
            }
            log("global p=\(p): \(Int(incremental)) obs/s, from scratch \(Int(recompute)) obs/s (check \(scratch))")
            results.append(BenchResult(suite: "stream", name: "global statistic update", p: p,
                                       setting: String(format: "w = \(window), %.1f nonzeros per row", nnz),
                                       value: incremental, unit: "obs/s", baseline: recompute,
                                       baselineName: "GlobalStatistic.evaluate on the stored window",
                                       ratio: incremental / recompute, ratioMeaning: "speed-up over recomputation",
                                       notes: p == 1000 ? "target >= 100,000 obs/s" : nil))
        }
        for p in [100, 452] {
            let (reference, data) = try setup(p: p, rows: rows, seed: settings.seed)
            // With the helpers (as `monitor` runs) and on the caller's core alone, alternated so
            // that a change of the machine's speed affects both; the best of each.
            let helpers = HelperThreads.count
            var once = settings
            once.repetitions = 1
            var incremental = 0.0, oneCore = 0.0
            for _ in 0..<Swift.max(1, settings.repetitions) {
                HelperThreads.enable(helpers)
                incremental = Swift.max(incremental, try engineRate(reference: reference, data: data, detector: .local, settings: once).0)
                HelperThreads.enable(0)
                oneCore = Swift.max(oneCore, try engineRate(reference: reference, data: data, detector: .local, settings: once).0)
            }
            HelperThreads.enable(helpers)
            let recompute = try recomputeRate(reference: reference, data: data, settings: settings) {
                LocalStatistic.evaluate(window: $0, reference: $1)
            }
            let (legacy, difference) = legacyLocalRate(reference: reference, data: data, settings: settings)
            let parts = WindowStatistics.localUpdateParts(dimension: p)
            log("local p=\(p): \(Int(incremental)) windows/s (\(parts) part(s)), one core \(Int(oneCore)) windows/s, 0.8 update \(Int(legacy)) windows/s (statistics agree to \(difference)), from scratch \(Int(recompute)) windows/s")
            /// The incremental rate against `baseline`.
            func against(_ name: String, setting: String, baseline: Double, _ baselineName: String, _ meaning: String,
                         notes: String?) -> BenchResult {
                BenchResult(suite: "stream", name: name, p: p, setting: setting, value: incremental, unit: "windows/s",
                            baseline: baseline, baselineName: baselineName, ratio: incremental / baseline,
                            ratioMeaning: meaning, notes: notes)
            }
            let allEntries = "w = \(window), all p(p+1)/2 entries"
            results += [
                against("local statistic update across cores",
                        setting: "w = \(window), \(parts) part(s): the caller and \(parts - 1) helper thread(s)",
                        baseline: oneCore, "the same update on one core (helpers off)", "speed-up over one core",
                        notes: parts == 1 ? "below 20,000 entries (p < 200) the update is not split" : nil),
                against("local statistic update", setting: allEntries, baseline: recompute,
                        "LocalStatistic.evaluate on the stored window", "speed-up over recomputation",
                        notes: p == 452 ? "target >= 30,000 windows/s" : nil),
                against("local statistic update against 0.8's", setting: allEntries, baseline: legacy,
                        "0.8's update (raw cross sums, a centre and a scale per entry)", "speed-up over 0.8",
                        notes: String(format: "largest relative difference of the statistic %.1e", difference)),
            ]
        }
        for p in [100, 452] {
            let result = try monitorRate(p: p, settings: settings)
            log("monitor p=\(p): \(Int(result.value)) obs/s")
            results.append(result)
        }
        for p in settings.quick ? [100] : [100, 452] {
            let result = try windowsMonitorRate(p: p, settings: settings)
            log("monitor with windows 10,25,50 p=\(p): \(Int(result.value)) obs/s (\(result.ratio.map { String(format: "%.2f", $0) } ?? "-") of one window)")
            results.append(result)
        }
        for p in settings.quick ? [100] : [100, 452] {
            let result = try laggedMonitorRate(p: p, settings: settings)
            log("monitor with lags p=\(p): \(Int(result.value)) obs/s (\(result.ratio.map { String(format: "%.2f", $0) } ?? "-") of the static model)")
            results.append(result)
        }
        return results
    }

    /// Timed `update`s of a monitor after its first burn-in and fill (thresholds that never fire),
    /// with the share of the time spent in refitting steps.
    static func timedRun(_ monitor: inout OnlineMonitor, _ observations: [[Double]], settings: BenchSettings) throws
        -> (rate: Double, refitShare: Double, steps: Int) {
        var t = 0
        while monitor.phase != .monitoring {
            _ = try monitor.update(observations[t % observations.count])
            t += 1
        }
        var refitSeconds = 0.0, totalSeconds = 0.0, steps = 0
        let rate = try BenchClock.rate(repetitions: settings.repetitions, minimumSeconds: Swift.max(settings.minimumSeconds, 0.5),
                                       initialBatch: 100) {
            let start = BenchClock.now()
            let step = try monitor.update(observations[t % observations.count])
            let dt = BenchClock.seconds(since: start)
            totalSeconds += dt
            if step.refitted { refitSeconds += dt }
            if step.alarm != nil { throw ValidationErrorText("unexpected alarm in the monitor benchmark") }
            steps += 1
            t += 1
        }
        return (rate, refitSeconds / Swift.max(totalSeconds, 1e-12), steps)
    }

    /// The monitor with a dynamic reference (`lags` 1) on VAR(1) rows (spectral radius 0.7),
    /// against the same monitor with the static model (`lags` 0) on the same rows in the same run:
    /// the cost of the lag regressions, the innovations and the window recomputed at each refit.
    static func laggedMonitorRate(p: Int, settings: BenchSettings) throws -> BenchResult {
        let simulation = try StreamSimulation(p: p, segmentLengths: [3_000], graph: .random, seed: settings.seed &+ UInt64(p),
                                              dynamics: SerialDynamics(spectralRadius: 0.7))
        let observations = Array(try simulation.rows())
        func run(_ lags: LagOrder) throws -> (rate: Double, refitShare: Double, steps: Int) {
            let configuration = MonitorConfiguration(detector: .combined, thresholds: .fixed(global: 1e300, local: 1e300), lags: lags)
            var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
            return try timedRun(&monitor, observations, settings: settings)
        }
        let lagged = try run(.fixed(1))
        let staticModel = try run(.fixed(0))
        return BenchResult(suite: "stream", name: "OnlineMonitor.update with lags 1 (combined, with refits)", p: p,
                           setting: "VAR(1) rows, radius 0.7; burn-in 500, w = 50, refit every 50, thresholds never fire",
                           value: lagged.rate, unit: "obs/s", baseline: staticModel.rate,
                           baselineName: "the same monitor with lags 0 on the same rows",
                           ratio: lagged.rate / staticModel.rate, ratioMeaning: "speed relative to the static model",
                           notes: String(format: "refits %.0f%% of the time with lags, %.0f%% without",
                                         100 * lagged.refitShare, 100 * staticModel.refitShare))
    }

    /// The whole monitor with windows 10, 25 and 50 (combined detector, default refits) against
    /// the same monitor with the one window of 50 on the same rows in the same run: the cost of
    /// the short windows' sums (one whitening shared, O(k p^2) local updates).
    static func windowsMonitorRate(p: Int, settings: BenchSettings) throws -> BenchResult {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let data = try BenchData.sample(precision: omega, n: 2_000, seed: settings.seed &+ 7 &+ UInt64(p))
        let observations = (0..<data.rows).map { data.row($0) }
        func run(_ short: [Int]) throws -> (rate: Double, refitShare: Double, steps: Int) {
            var quiet = Thresholds(global: 1e300, local: 1e300)
            for w in short { quiet[StatisticID.global.window(w)] = 1e300; quiet[StatisticID.local.window(w)] = 1e300 }
            let configuration = MonitorConfiguration(detector: .combined, thresholds: .fixed(quiet), shortWindows: short)
            var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
            return try timedRun(&monitor, observations, settings: settings)
        }
        let several = try run([10, 25])
        let one = try run([])
        return BenchResult(suite: "stream", name: "OnlineMonitor.update with windows 10,25,50 (combined, with refits)", p: p,
                           setting: "burn-in 500, refit every 50, thresholds never fire",
                           value: several.rate, unit: "obs/s", baseline: one.rate,
                           baselineName: "the same monitor with the one window of 50 on the same rows",
                           ratio: several.rate / one.rate, ratioMeaning: "speed relative to one window",
                           notes: String(format: "refits %.0f%% of the time with three windows, %.0f%% with one",
                                         100 * several.refitShare, 100 * one.refitShare))
    }

    /// A sparse reference (about 5 nonzeros per row) and `rows` observations drawn from it.
    static func setup(p: Int, rows: Int, seed: UInt64) throws -> (ReferenceModel, Matrix) {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: seed &+ UInt64(p))
        let data = try BenchData.sample(precision: omega, n: rows, seed: seed &+ UInt64(p))
        return (try ReferenceModel(precision: omega), data)
    }

    /// Observations per second of `WindowStatistics.push` plus reading the statistic, cycling over `data`.
    static func engineRate(reference: ReferenceModel, data: Matrix, detector: DetectorKind,
                           settings: BenchSettings) throws -> (Double, Double) {
        var engine = WindowStatistics(reference: reference, window: window, detector: detector)
        let observations = (0..<data.rows).map { data.row($0) }
        var evicted: [Double] = []
        for t in 0..<window { engine.push(observations[t], evicted: &evicted) }
        var t = window
        var checksum = 0.0
        let rate = BenchClock.rate(repetitions: settings.repetitions, minimumSeconds: settings.minimumSeconds, initialBatch: 256) {
            engine.push(observations[t % observations.count], evicted: &evicted)
            checksum += detector.usesGlobal ? engine.globalStatistic() : engine.localStatistic()
            t += 1
        }
        return (rate, checksum / Double(t))
    }

    /// Windows per second of 0.8's local update (``LocalUpdate08``) on the same rows, and the
    /// largest relative difference between its statistic and ``WindowStatistics``'s over 500 steps.
    static func legacyLocalRate(reference: ReferenceModel, data: Matrix, settings: BenchSettings) -> (Double, Double) {
        let observations = (0..<data.rows).map { data.row($0) }
        var legacy = LocalUpdate08(reference: reference, window: window)
        var engine = WindowStatistics(reference: reference, window: window, detector: .local)
        var evicted: [Double] = []
        var difference = 0.0
        for t in 0..<(window + 500) {
            legacy.push(observations[t % observations.count])
            engine.push(observations[t % observations.count], evicted: &evicted)
            if engine.isFull {
                difference = Swift.max(difference, Swift.abs(legacy.maximum - engine.localStatistic()) / legacy.maximum)
            }
        }
        var t = 0
        var checksum = 0.0
        let rate = BenchClock.rate(repetitions: settings.repetitions, minimumSeconds: settings.minimumSeconds, initialBatch: 256) {
            legacy.push(observations[t % observations.count])
            checksum += legacy.maximum
            t += 1
        }
        return (checksum.isFinite ? rate : 0, difference)
    }

    /// Windows per second when the statistic is recomputed from the stored window at every step.
    static func recomputeRate(reference: ReferenceModel, data: Matrix, settings: BenchSettings,
                              _ evaluate: (Matrix, ReferenceModel) -> Double) throws -> Double {
        var t = 0
        var checksum = 0.0
        let rate = BenchClock.rate(repetitions: settings.repetitions, minimumSeconds: settings.minimumSeconds, initialBatch: 1) {
            let start = t % (data.rows - window)
            checksum += evaluate(data.rows(start..<(start + window)), reference)
            t += 1
        }
        if !checksum.isFinite { throw ValidationErrorText("non-finite statistic in the recomputation baseline") }
        return rate
    }

    /// The whole monitor: combined detector, default settings (burn-in 500, w = 50, refit every 50,
    /// node-wise reference) but thresholds that never fire; timed after the first burn-in and fill.
    static func monitorRate(p: Int, settings: BenchSettings) throws -> BenchResult {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let rows = 2_000
        let data = try BenchData.sample(precision: omega, n: rows, seed: settings.seed &+ 7 &+ UInt64(p))
        let observations = (0..<rows).map { data.row($0) }
        let configuration = MonitorConfiguration(detector: .combined, thresholds: .fixed(global: 1e300, local: 1e300))
        var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
        var t = 0
        while monitor.phase != .monitoring {
            _ = try monitor.update(observations[t % rows])
            t += 1
        }
        var refitSeconds = 0.0
        var totalSeconds = 0.0
        var steps = 0
        let rate = try BenchClock.rate(repetitions: settings.repetitions, minimumSeconds: Swift.max(settings.minimumSeconds, 0.5),
                                       initialBatch: 100) {
            let start = BenchClock.now()
            let step = try monitor.update(observations[t % rows])
            let dt = BenchClock.seconds(since: start)
            totalSeconds += dt
            if step.refitted { refitSeconds += dt }
            if step.alarm != nil { throw ValidationErrorText("unexpected alarm in the monitor benchmark") }
            steps += 1
            t += 1
        }
        // Baseline: both statistics recomputed from the stored window at every step (no refits).
        let reference = try ReferenceModel(precision: omega)
        let global = try recomputeRate(reference: reference, data: data, settings: settings) { GlobalStatistic.evaluate(window: $0, reference: $1) }
        let local = try recomputeRate(reference: reference, data: data, settings: settings) { LocalStatistic.evaluate(window: $0, reference: $1) }
        let baseline = 1 / (1 / global + 1 / local)
        return BenchResult(suite: "stream", name: "OnlineMonitor.update (combined, with refits)", p: p,
                           setting: "burn-in 500, w = 50, node-wise refit every 50, thresholds never fire",
                           value: rate, unit: "obs/s", baseline: baseline,
                           baselineName: "global + local recomputed on the stored window (no refits)",
                           ratio: rate / baseline, ratioMeaning: "speed-up over recomputation",
                           notes: String(format: "refits %.0f%% of the time, %d refits in %d timed steps",
                                         100 * refitSeconds / Swift.max(totalSeconds, 1e-12), monitor.fitCount, steps))
    }
}

/// The memory suite: a long stream through one monitor, peak resident memory read from
/// `/proc/self/status` (VmHWM) at checkpoints. Run it alone (`--suite memory`): the peak is
/// process-wide, so a suite run before it would set the peak.
enum MemoryBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        let p = 50
        let total = settings.quick ? 100_000 : 1_000_000
        let checkpoints = settings.quick ? [10_000, 100_000] : [100_000, 1_000_000]
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed)
        let sampler = try GaussianSampler(precision: omega)
        var rng = SeededGenerator(seed: settings.seed &+ 99)
        let configuration = MonitorConfiguration(thresholds: .fixed(global: 1e300, local: 1e300))
        var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
        var results: [BenchResult] = []
        let before = ProcessMemory.read()
        results.append(BenchResult(suite: "memory", name: "peak RSS before the stream", p: p, setting: "after setup",
                                   value: before.peakMiB, unit: "MiB", notes: String(format: "current %.1f MiB", before.currentMiB)))
        let start = BenchClock.now()
        for t in 0..<total {
            let x = sampler.sample(using: &rng)
            _ = try monitor.update(x)
            if checkpoints.contains(t + 1) {
                let m = ProcessMemory.read()
                let seconds = BenchClock.seconds(since: start)
                log(String(format: "memory: %d rows, peak %.1f MiB, current %.1f MiB, %.1f s", t + 1, m.peakMiB, m.currentMiB, seconds))
                results.append(BenchResult(suite: "memory", name: "peak RSS after \(t + 1) rows", p: p,
                                           setting: "OnlineMonitor, default settings, thresholds never fire",
                                           value: m.peakMiB, unit: "MiB", baseline: before.peakMiB, baselineName: "peak before the stream",
                                           ratio: m.peakMiB / before.peakMiB, ratioMeaning: "peak / peak before the stream",
                                           notes: String(format: "current %.1f MiB, %d fits, %.0f obs/s (incl. simulation)",
                                                         m.currentMiB, monitor.fitCount, Double(t + 1) / seconds)))
            }
        }
        return results
    }
}

/// Resident memory of this process from `/proc/self/status` (Linux; zeros elsewhere).
struct ProcessMemory {
    var peakMiB: Double
    var currentMiB: Double

    static func read() -> ProcessMemory {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return ProcessMemory(peakMiB: 0, currentMiB: 0)
        }
        func field(_ name: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) } ?? 0
                return digits / 1024   // kB -> MiB
            }
            return 0
        }
        return ProcessMemory(peakMiB: field("VmHWM"), currentMiB: field("VmRSS"))
    }
}

/// A plain error with a message.
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Formats seconds with 4 significant digits.
func format(_ seconds: Double) -> String { String(format: "%.4g", seconds) }

/// The report as a markdown table per suite.
enum BenchReport {
    static func markdown(_ results: [BenchResult]) -> String {
        var out: [String] = []
        var suites: [String] = []
        for r in results where !suites.contains(r.suite) { suites.append(r.suite) }
        for suite in suites {
            let rows = results.filter { $0.suite == suite }
            out.append("### \(suite)")
            out.append("")
            switch suite {
            case "estimators":
                out.append("Best wall time of each estimator call; ratio = time / one dense Cholesky inverse of the same-size")
                out.append("matrix (R + 0.1 I: S itself is singular when p > n), an O(p^3) yardstick measured in the same run.")
            case "stream":
                out.append("Throughput of one update (push + reading the statistic); baseline = recomputing the statistic")
                out.append("from the stored window at every step (O(w nnz) global, O(w p^2) local), measured in the same run.")
            case "segment":
                out.append("Offline segmentation: a segment's moments from the cumulative Grams against summing its rows")
                out.append("(ratio = speed-up), and the whole search against one cold fit of the whole stream (ratio = multiple).")
            case "scale":
                out.append("Rewritten parts against what they replaced, in the same run (ratio = speed-up): the node-wise lasso,")
                out.append("the Gram update, the calibration's Gaussian draws, the search for re-centred entries after a refit,")
                out.append("a node-wise fit's network on the data's scale, the CSV reader's numbers (Eisel-Lemire against strtod),")
                out.append("and writing plus reading a network file (sparse against dense rows).")
            case "serve":
                out.append("Sustained rows/s through the service (every batch stored before its reply), against the same rows")
                out.append("through `ggmwatch monitor` in the same run (ratio = service / monitor).")
            default:
                out.append("Peak resident memory (VmHWM) while one monitor processes a simulated stream at p = 50.")
            }
            out.append("")
            out.append("| benchmark | p | setting | value | baseline | ratio | notes |")
            out.append("|---|---:|---|---:|---:|---:|---|")
            for r in rows {
                let value = r.unit == "s" ? "\(format(r.value)) s" : String(format: r.unit == "MiB" ? "%.1f" : "%.0f", r.value) + " " + r.unit
                let baseline = r.baseline.map { b in r.unit == "s" ? "\(format(b)) s" : String(format: r.unit == "MiB" ? "%.1f" : "%.0f", b) } ?? ""
                let ratio = r.ratio.map { String(format: "%.3g", $0) } ?? ""
                out.append("| \(r.name) | \(r.p > 0 ? String(r.p) : "-") | \(r.setting) | \(value) | \(baseline) | \(ratio) | \(r.notes ?? "") |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
