import Foundation
import GGMCore
import GGMEstimation

/// What a calibrated threshold should guarantee.
public enum CalibrationTarget: Codable, Sendable, Equatable {
    /// Average run length: mean number of monitored observations to a false alarm.
    case averageRunLength(Double)
    /// Probability of at least one false alarm within `horizon` monitored observations.
    case falseAlarmProbability(Double, horizon: Int)

    /// The equivalent false-alarm probability over `horizon` observations.
    ///
    /// For an ARL target `A` the false alarms after the first window form a rare-event process
    /// that is close to Poisson with rate `1/A`, so `P(alarm within H) = 1 - exp(-H / A)`.
    public func probability(horizon: Int) -> Double {
        switch self {
        case let .averageRunLength(a): return RunLength.falseAlarmProbability(averageRunLength: a, horizon: horizon)
        case let .falseAlarmProbability(q, _): return q
        }
    }

    /// The Monte Carlo horizon: the target's own, or for an ARL target `min(A, 500)` observations
    /// (ten windows and ten refits at the default settings: long enough for the refits' effect and
    /// for the Poisson conversion, short enough to simulate at p = 452 in well under a minute).
    public var horizon: Int { horizon(override: nil) }

    /// The horizon, with an explicit simulation horizon for ARL targets when given.
    public func horizon(override: Int?) -> Int {
        switch self {
        case let .averageRunLength(a): return override ?? Int(max(100, min(a.rounded(), 500)))
        case let .falseAlarmProbability(_, h): return h
        }
    }
}

/// The null distribution the calibration simulates from.
public enum NullModel: String, Codable, Sendable, CaseIterable {
    /// `N(0, Omega-hat^{-1})` with the fitted reference: the model's own null.
    case gaussian
    /// Rows of the (centered) burn-in drawn with replacement: keeps heavy tails and whatever
    /// dependence the sparse reference misses (a dense market factor, say), so the thresholds
    /// account for the model's misfit to the data as well as for its estimation error.
    case bootstrap
}

/// Settings of the Monte Carlo calibration.
public struct CalibrationSettings: Codable, Sendable, Equatable {
    public var target: CalibrationTarget
    /// What null streams are simulated from.
    public var null: NullModel
    /// Number of simulated null streams.
    public var replicates: Int
    /// Seed of the simulation (replicate r uses `SeededGenerator.stream(seed:index: r)`).
    public var seed: UInt64
    /// Simulation horizon for an ARL target (default `min(A, 500)`): shorter is faster, and the
    /// Poisson conversion `q = 1 - exp(-H/A)` still holds once H spans a few refits.
    public var arlHorizon: Int?
    /// Recalibrate after a restart only when `||R||_4^2` or the edge count of the new reference
    /// differ from the calibrated one by more than this relative amount.
    public var recalibrationTolerance: Double

    public init(target: CalibrationTarget = .averageRunLength(5000), null: NullModel = .gaussian,
                replicates: Int = 200, seed: UInt64 = 1, recalibrationTolerance: Double = 0.1,
                arlHorizon: Int? = nil) {
        self.arlHorizon = arlHorizon
        self.target = target
        self.null = null
        self.replicates = replicates
        self.seed = seed
        self.recalibrationTolerance = recalibrationTolerance
    }

    /// Checks the settings (called once, at the boundary).
    public func validate() throws(MonitorError) {
        switch target {
        case let .averageRunLength(a):
            guard a.isFinite, a >= 1 else { throw .invalidConfiguration("the average run length must be a finite number of at least 1 (got \(a))") }
        case let .falseAlarmProbability(q, horizon):
            guard q > 0 && q < 1 else { throw .invalidConfiguration("the false-alarm probability must be in (0, 1) (got \(q))") }
            guard horizon >= 1 else { throw .invalidConfiguration("the calibration horizon must be at least 1 (got \(horizon))") }
        }
        guard replicates >= 2 else { throw .invalidConfiguration("the calibration needs at least 2 replicates (got \(replicates))") }
        guard recalibrationTolerance >= 0, recalibrationTolerance.isFinite else {
            throw .invalidConfiguration("the recalibration tolerance must be a non-negative number (got \(recalibrationTolerance))")
        }
        if let arlHorizon, arlHorizon < 1 { throw .invalidConfiguration("the calibration horizon must be at least 1 (got \(arlHorizon))") }
    }
}

/// Summary of the reference a calibration was run for (to decide when to rerun it).
public struct ReferenceSummary: Codable, Sendable, Equatable {
    public let dimension: Int
    public let rNorm4Squared: Double
    public let edges: Int

    public init(_ reference: ReferenceModel) {
        self.init(precision: reference.precision)
    }

    public init(precision: Matrix) {
        dimension = precision.rows
        rNorm4Squared = GlobalStatistic.rNorm4Squared(SparseMatrix(precision))
        edges = precision.upperOffDiagonalNonzeroCount()
    }

    /// Whether `other` is close enough that the calibrated thresholds still apply.
    public func isClose(to other: ReferenceSummary, tolerance: Double) -> Bool {
        guard dimension == other.dimension else { return false }
        let r = abs(rNorm4Squared - other.rNorm4Squared) / rNorm4Squared
        let e = abs(Double(edges - other.edges)) / Double(max(edges, 1))
        return r <= tolerance && (e <= tolerance || abs(edges - other.edges) <= 2)
    }
}

/// Calibrated thresholds with their Monte Carlo uncertainty and the papers' nominal ones beside them.
public struct CalibrationResult: Codable, Sendable, Equatable {
    public let thresholds: Thresholds
    /// 95% Monte Carlo intervals of each threshold (order-statistic intervals of the simulated
    /// maxima), by statistic.
    public let intervals: [StatisticID: [Double]]
    /// The nominal per-window thresholds of the papers at the same level (empty when the score has none).
    public let nominal: Thresholds
    /// The per-window, per-statistic level used for the nominal thresholds.
    public let nominalAlpha: Double
    /// The common marginal level of each statistic's maximum (the whole budget for one statistic).
    public let marginalLevel: Double
    /// False-alarm probability over `horizon` that the thresholds aim at.
    public let targetProbability: Double
    public let horizon: Int
    public let replicates: Int
    /// Share of simulated streams that alarm within the horizon at the calibrated thresholds.
    public let simulatedProbability: Double
    /// The null the calibration was run for (nil: the score has no summary; recalibrated after every restart).
    public let reference: ReferenceSummary?
    public let seed: UInt64

    public init(thresholds: Thresholds, intervals: [StatisticID: [Double]], nominal: Thresholds, nominalAlpha: Double,
                marginalLevel: Double, targetProbability: Double, horizon: Int, replicates: Int,
                simulatedProbability: Double, reference: ReferenceSummary?, seed: UInt64) {
        self.thresholds = thresholds
        self.intervals = intervals
        self.nominal = nominal
        self.nominalAlpha = nominalAlpha
        self.marginalLevel = marginalLevel
        self.targetProbability = targetProbability
        self.horizon = horizon
        self.replicates = replicates
        self.simulatedProbability = simulatedProbability
        self.reference = reference
        self.seed = seed
    }

    /// Simulated maxima expected above each threshold: `replicates x marginalLevel`.
    public var expectedExceedances: Double { Double(replicates) * marginalLevel }

    /// Whether the Monte Carlo resolves the target: at least ``minimumExceedances`` simulated
    /// maxima are expected above each threshold. Otherwise the threshold is (close to) the
    /// largest simulated maximum and its interval degenerates: more replicates are needed.
    public var resolved: Bool { expectedExceedances >= Self.minimumExceedances }

    /// Replicates that would resolve the target.
    public var replicatesNeeded: Int {
        let needed = (Self.minimumExceedances / marginalLevel).rounded(.up)
        return needed.isFinite && needed < 1e15 ? Int(needed) : Int(1e15)
    }

    public static let minimumExceedances = 5.0

    /// A sentence for users when the target is not resolved (nil when it is).
    public var resolutionWarning: String? {
        guard !resolved else { return nil }
        return String(format: "the false-alarm target %.3g over %d observations is too small for %d Monte Carlo replicates (%.2f simulated maxima expected above each threshold, at least %.0f needed): the thresholds are about the largest simulated maxima; use at least %d replicates (--replicates) or a larger target",
                      targetProbability, horizon, replicates, expectedExceedances, Self.minimumExceedances, replicatesNeeded)
    }

    public var globalInterval: [Double]? { intervals[.global] }
    public var localInterval: [Double]? { intervals[.local] }
}

/// Draws null observations: Gaussian from a fitted precision, or rows of a sample with replacement.
public enum NullSampler: Sendable {
    case gaussian(GaussianSampler, mean: [Double]?)
    /// Centered rows to resample.
    case bootstrap(Matrix)

    /// The null of `model` for a fitted `precision` (and `mean`, for a fixed reference) and the
    /// burn-in `rows` it came from. The bootstrap falls back to the Gaussian null without rows.
    public static func make(_ model: NullModel, precision: Matrix?, mean: [Double]? = nil,
                            rows: Matrix?) throws -> NullSampler {
        if model == .bootstrap, let rows, rows.rows >= 2 {
            let mean = (0..<rows.columns).map { j in (0..<rows.rows).reduce(0.0) { $0 + rows[$1, j] } / Double(rows.rows) }
            var centered = rows
            for i in 0..<rows.rows { for j in 0..<rows.columns { centered[i, j] -= mean[j] } }
            return .bootstrap(centered)
        }
        guard let precision else {
            throw MonitorError.calibrationFailed("this score has no network to simulate a Gaussian null from; use the bootstrap null")
        }
        return .gaussian(try Calibrator.simulationNull(precision), mean: mean)
    }

    /// One replicate's draws. For the bootstrap, the burn-in rows are split at random, per
    /// replicate, into a pool for the simulated burn-in (two thirds) and a disjoint pool for the
    /// monitored observations (one third): the reference re-estimated in the simulation never
    /// sees the rows it is then scored on, as with real future data. (Drawing both from the
    /// whole sample scores the reference on rows it was fitted to and makes the statistics look
    /// far better than on fresh data when p is close to or above n.) The smaller pools make the
    /// simulated reference slightly worse than the real one: conservative thresholds.
    struct Replicate {
        let sampler: NullSampler
        var burnInPool: [Int] = []
        var monitorPool: [Int] = []

        init(_ sampler: NullSampler, rng: inout SeededGenerator) {
            self.sampler = sampler
            if case let .bootstrap(rows) = sampler {
                var order = Array(0..<rows.rows)
                for i in stride(from: order.count - 1, to: 0, by: -1) {
                    let j = Int(rng.next() % UInt64(i + 1))
                    order.swapAt(i, j)
                }
                let cut = max(1, min(rows.rows - 1, (2 * rows.rows + 2) / 3))
                burnInPool = Array(order[..<cut])
                monitorPool = Array(order[cut...])
            }
        }

        func sample(burnIn: Bool, using rng: inout SeededGenerator) -> [Double] {
            switch sampler {
            case let .gaussian(gaussian, mean):
                var x = gaussian.sample(using: &rng)
                if let mean { for j in x.indices { x[j] += mean[j] } }
                return x
            case let .bootstrap(rows):
                let pool = burnIn ? burnInPool : monitorPool
                return rows.row(pool[Int(rng.next() % UInt64(pool.count))])
            }
        }
    }
}

/// Everything a pending calibration needs, detached from the monitor that asked for it
/// (``SequentialMonitor/calibrationRequest``): run it on any thread, then
/// ``SequentialMonitor/install(_:)`` the result.
public struct CalibrationRequest<Score: WindowScore>: Sendable {
    /// A fresh monitor with the same score and lifecycle that never alarms.
    public let template: SequentialMonitor<Score>
    /// The calibration's settings, seed included.
    public let settings: CalibrationSettings
    /// The fitted network to simulate a Gaussian null from, when the score has one.
    public let precision: Matrix?
    /// The fixed reference's mean (the Gaussian null is drawn around it).
    public let mean: [Double]?
    /// The burn-in rows the bootstrap null resamples.
    public let burnInRows: Matrix?
    /// The score's nominal thresholds at a per-window level.
    public let nominal: @Sendable (Double) -> Thresholds?
    /// The fitted null's summary (to decide reuse after a restart).
    public let reference: ReferenceSummary?

    /// The Monte Carlo horizon and the target false-alarm probability over it.
    public var horizon: Int { settings.target.horizon(override: settings.arlHorizon) }
    public var targetProbability: Double { settings.target.probability(horizon: horizon) }

    /// Simulates the whole procedure under the null and returns the calibrated thresholds.
    ///
    /// - Parameter isCancelled: polled between replicates; when it returns true the run stops
    ///   with ``MonitorError/cancelled``.
    public func run(isCancelled: @Sendable () -> Bool = { false }) throws(MonitorError) -> CalibrationResult {
        let sampler: NullSampler
        do {
            sampler = try NullSampler.make(settings.null, precision: precision, mean: mean, rows: burnInRows)
        } catch let error as MonitorError {
            throw error
        } catch {
            throw .calibrationFailed("no positive definite null to simulate from: \(error)")
        }
        let maxima = try Calibrator.simulateMaxima(template: template, sampler: sampler, horizon: horizon,
                                                   replicates: settings.replicates, seed: settings.seed,
                                                   isCancelled: isCancelled)
        let ids = template.score.statisticIDs
        let perWindow = targetProbability / Double(max(horizon, 1))
        return Calibrator.result(maxima: maxima, statistics: ids, q: targetProbability, horizon: horizon,
                                 nominal: nominal(perWindow) ?? Thresholds(),
                                 nominalAlpha: perWindow / Double(max(ids.count, 1)),
                                 reference: reference, seed: settings.seed)
    }
}

/// Monte Carlo calibration of the alarm thresholds under the fitted null (ALGORITHMS.md section 6).
///
/// Each replicate simulates the whole procedure under the null (`N(0, Omega-hat^{-1})`, or the
/// burn-in rows resampled): a burn-in of `N` observations from which the null is *re-estimated*
/// with the monitor's own score (so the estimation error, which inflates the statistics on fresh
/// data, is part of the null), then `H` monitored observations with the monitor's refits,
/// recording the maxima of the statistics over the horizon. The threshold for a false-alarm
/// probability `q` over `H` is the `1 - q` quantile of the maxima; with several statistics (the
/// combined detector) each gets the same marginal level `a`, chosen so that the joint rate
/// `P(max T >= h_T or max M >= h_M ...)` equals `q` (a split of the budget that accounts for the
/// dependence between the statistics). With a fixed null the burn-in is skipped.
///
/// One simulator serves every ``WindowScore``. Replicates run in parallel across cores; each has
/// its own seeded generator, so results do not depend on scheduling.
public enum Calibrator {
    /// Simulated maxima over the horizon: per statistic, one entry per replicate.
    public typealias Maxima = [StatisticID: [Double]]

    /// A positive definite version of a fitted precision to simulate from.
    ///
    /// A node-wise estimate is symmetric but not always positive definite. When its Cholesky
    /// factorization fails, the diagonal is inflated, `Omega + delta diag(Omega)` with delta
    /// doubling from 1e-4, until it succeeds; that is the smallest such inflation on that grid
    /// (it shrinks the partial correlations by at most the factor 1 / (1 + delta)).
    public static func simulationNull(_ precision: Matrix) throws -> GaussianSampler {
        if let sampler = try? GaussianSampler(precision: precision) { return sampler }
        var delta = 1e-4
        while delta < 1e3 {
            var inflated = precision
            for i in 0..<precision.rows { inflated[i, i] *= 1 + delta }
            if let sampler = try? GaussianSampler(precision: inflated) { return sampler }
            delta *= 2
        }
        return try GaussianSampler(precision: Matrix.diagonal(precision.diagonal))
    }

    /// Feeds `replicates` null streams to copies of `template` (a monitor that never alarms) and
    /// records each statistic's maximum over the first `horizon` observations after the burn-in.
    /// Replicate `r` draws with `SeededGenerator.stream(seed: seed, index: r)`.
    public static func simulateMaxima<Score: WindowScore>(
        template: SequentialMonitor<Score>, sampler: NullSampler, horizon: Int, replicates: Int, seed: UInt64,
        isCancelled: @Sendable () -> Bool = { false }
    ) throws(MonitorError) -> Maxima {
        let ids = template.score.statisticIDs
        let results: [Result<[Double], MonitorError>] = parallelMap(replicates) { r in
            if isCancelled() { return .failure(.cancelled) }
            var rng = SeededGenerator.stream(seed: seed, index: r)
            do throws(MonitorError) {
                var monitor = template
                var maxima = [Double](repeating: -.infinity, count: ids.count)
                var monitored = 0
                let draws = NullSampler.Replicate(sampler, rng: &rng)
                while monitored < horizon {
                    let step = try monitor.update(draws.sample(burnIn: monitor.phase == .burnIn, using: &rng))
                    if step.phase != .burnIn { monitored += 1 }
                    for (k, id) in ids.enumerated() {
                        if let value = step.statistics[id] { maxima[k] = max(maxima[k], value) }
                    }
                }
                return .success(maxima)
            } catch {
                return .failure(error)
            }
        }
        var out: Maxima = [:]
        for id in ids { out[id] = [] }
        for result in results {
            let values: [Double]
            switch result {
            case let .success(v): values = v
            case let .failure(error): throw error
            }
            for (k, id) in ids.enumerated() { out[id]!.append(values[k]) }
        }
        return out
    }

    /// Thresholds for `statistics` from simulated maxima, with Monte Carlo intervals.
    ///
    /// One simulation of the combined detector serves the global, local and combined detectors
    /// alike: pass the same maxima with `[.global]`, `[.local]` or `[.global, .local]`.
    public static func result(maxima: Maxima, statistics ids: [StatisticID], q: Double, horizon: Int,
                              nominal: Thresholds, nominalAlpha: Double, reference: ReferenceSummary?,
                              seed: UInt64) -> CalibrationResult {
        let sorted = ids.map { (maxima[$0] ?? []).sorted() }
        let n = maxima[ids.first ?? .global]?.count ?? 0
        func thresholds(at level: Double) -> [Double] { sorted.map { Quantile.upper(sorted: $0, level) } }
        var level = q
        if ids.count > 1 {
            // Bisection on the common marginal level a in [q/k, q] so that the joint rate is q.
            var lo = q / Double(ids.count)
            var hi = q
            for _ in 0..<50 {
                let mid = (lo + hi) / 2
                if jointRate(maxima, ids, thresholds(at: mid)) > q { hi = mid } else { lo = mid }
            }
            level = lo
        }
        let h = thresholds(at: level)
        var calibrated = Thresholds()
        var intervals: [StatisticID: [Double]] = [:]
        for (k, id) in ids.enumerated() {
            calibrated[id] = h[k]
            intervals[id] = Quantile.upperInterval(sorted: sorted[k], level)
        }
        return CalibrationResult(
            thresholds: calibrated, intervals: intervals, nominal: nominal, nominalAlpha: nominalAlpha,
            marginalLevel: level, targetProbability: q, horizon: horizon, replicates: n,
            simulatedProbability: jointRate(maxima, ids, h), reference: reference, seed: seed)
    }

    /// Share of replicates where any maximum reaches its threshold.
    static func jointRate(_ m: Maxima, _ ids: [StatisticID], _ h: [Double]) -> Double {
        let columns = ids.map { m[$0] ?? [] }
        let n = columns.first?.count ?? 0
        var count = 0
        for r in 0..<n where columns.indices.contains(where: { columns[$0][r] >= h[$0] }) { count += 1 }
        return Double(count) / Double(max(n, 1))
    }
}
