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
    /// The false-alarm probability over `span` observations at this target's rate per observation
    /// (the short reference after an alarm, ``MonitorSettings/restartBurnIn``).
    public func probability(overSpan span: Int) -> Double {
        switch self {
        case let .averageRunLength(a): return RunLength.falseAlarmProbability(averageRunLength: a, horizon: span)
        case let .falseAlarmProbability(q, h): return 1 - Foundation.pow(1 - q, Double(span) / Double(max(h, 1)))
        }
    }

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
    /// A stationary block bootstrap (Politis & Romano 1994) of the burn-in rows, with the
    /// automatic expected block length of Politis & White (2004, corrected 2009): keeps the
    /// serial dependence of the stream as well as what ``bootstrap`` keeps (ALGORITHMS.md section 16).
    case block
    /// ``block`` when the burn-in is serially dependent (``SerialDependence/Assessment/isDependent``)
    /// or heavy-tailed (``NullSampler/excessKurtosisZ(_:)`` above 3), ``gaussian`` otherwise: the default.
    case auto

    /// Whether the calibration needs the burn-in rows.
    public var needsRows: Bool { self != .gaussian }
}

/// A fitted null's dynamics: `x_t = c + B z_t + e_t` (the Gaussian null simulates it).
public struct NullDynamics: Sendable {
    public let coefficients: VARFit
    /// The innovations' mean c.
    public let intercept: [Double]
    public init(coefficients: VARFit, intercept: [Double]) {
        self.coefficients = coefficients
        self.intercept = intercept
    }
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

    public init(target: CalibrationTarget = .averageRunLength(5000), null: NullModel = .auto,
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
    /// The null simulated (``NullModel/auto`` resolved; nil in files of earlier versions).
    public var null: NullModel?
    /// The block bootstrap's expected block length, when the null was ``NullModel/block``.
    public var blockLength: Double?

    public init(thresholds: Thresholds, intervals: [StatisticID: [Double]], nominal: Thresholds, nominalAlpha: Double,
                marginalLevel: Double, targetProbability: Double, horizon: Int, replicates: Int,
                simulatedProbability: Double, reference: ReferenceSummary?, seed: UInt64,
                null: NullModel? = nil, blockLength: Double? = nil) {
        self.null = null
        self.blockLength = blockLength
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

/// Draws null observations: Gaussian from a fitted precision, or rows of a sample resampled
/// singly or in blocks. With a fitted dynamics (a lagged reference) the draws are innovations,
/// fed through the fitted VAR `x_t = c + B z_t + e_t`: the Gaussian null is the fitted model, the
/// bootstraps resample the burn-in's own innovations (a sieve bootstrap, Kreiss 1992), so the
/// simulated streams have the fitted dynamics and the innovations' tails and remaining dependence.
public enum NullSampler: Sendable {
    case gaussian(GaussianSampler, mean: [Double]?, dynamics: NullDynamics?)
    /// Centered rows (innovations, with dynamics) to resample.
    case bootstrap(Matrix, dynamics: NullDynamics? = nil)
    /// Centered rows (innovations, with dynamics) in time order, resampled in blocks of this expected length.
    case block(Matrix, blockLength: Double, dynamics: NullDynamics? = nil, heavyTailed: Bool = false)

    /// The null of `model` for a fitted `precision` (and `mean`, for a fixed reference; and the
    /// fitted `dynamics`) and the burn-in `rows` it came from. The bootstraps fall back to the
    /// Gaussian null without rows; ``NullModel/auto`` is resolved here.
    public static func make(_ model: NullModel, precision: Matrix?, mean: [Double]? = nil,
                            rows: Matrix?, dynamics: NullDynamics? = nil) throws -> NullSampler {
        var model = model
        if model == .auto {
            // The block bootstrap when the burn-in is serially dependent or heavy-tailed (where
            // the Gaussian null's thresholds are far too low), the Gaussian null otherwise.
            model = rows.map { rows in
                guard rows.rows >= 8 else { return false }
                return SerialDependence.assess(rows: rows).isDependent || (excessKurtosisZ(centered(rows)) ?? 0) > heavyTailZ
            } == true ? .block : .gaussian
        }
        if model == .bootstrap || model == .block, let rows, let sample = resampled(rows, dynamics: dynamics), sample.rows >= 2 {
            let centered = centered(sample)
            if model == .block {
                return .block(centered, blockLength: SerialDependence.blockLength(rows: sample), dynamics: dynamics,
                              heavyTailed: Self.excessKurtosisZ(centered).map { $0 > Self.heavyTailZ } ?? false)
            }
            return .bootstrap(centered, dynamics: dynamics)
        }
        guard let precision else {
            throw MonitorError.calibrationFailed("this score has no network to simulate a Gaussian null from; use the bootstrap null")
        }
        return .gaussian(try Calibrator.simulationNull(precision), mean: mean, dynamics: dynamics)
    }

    /// `rows` minus their column means.
    static func centered(_ rows: Matrix) -> Matrix {
        let mean = (0..<rows.columns).map { j in (0..<rows.rows).reduce(0.0) { $0 + rows[$1, j] } / Double(rows.rows) }
        var out = rows
        for i in 0..<rows.rows { for j in 0..<rows.columns { out[i, j] -= mean[j] } }
        return out
    }

    /// What a bootstrap resamples: the rows, or with dynamics their innovations `x_t - c - B z_t`
    /// (the first L rows have no lags and give none).
    static func resampled(_ rows: Matrix, dynamics: NullDynamics?) -> Matrix? {
        guard let dynamics else { return rows }
        let fit = dynamics.coefficients, l = fit.lags, p = rows.columns
        guard fit.dimension == p, rows.rows > l else { return nil }
        var out: [Double] = []
        out.reserveCapacity((rows.rows - l) * p)
        for t in l..<rows.rows {
            var z: [Double] = []
            for age in 1...l { z.append(contentsOf: rows.row(t - age)) }
            let predicted = fit.predict(z)
            for j in 0..<p { out.append(rows[t, j] - dynamics.intercept[j] - predicted[j]) }
        }
        return Matrix(rows: rows.rows - l, columns: p, elements: out)
    }

    /// The Gaussian null of a static model (rows independent).
    public static func gaussian(_ sampler: GaussianSampler, mean: [Double]?) -> NullSampler {
        .gaussian(sampler, mean: mean, dynamics: nil)
    }

    /// The null simulated.
    public var model: NullModel {
        switch self {
        case .gaussian: return .gaussian
        case .bootstrap: return .bootstrap
        case .block: return .block
        }
    }

    /// The expected block length of a block bootstrap.
    public var blockLength: Double? {
        if case let .block(_, b, _, _) = self { return b }
        return nil
    }

    var dynamics: NullDynamics? {
        switch self {
        case let .gaussian(_, _, d), let .bootstrap(_, d), let .block(_, _, d, _): return d
        }
    }

    /// The block bootstrap splits its sample into disjoint pools only when it has fewer than this
    /// many rows per node, or heavy tails (see ``Replicate``).
    static let blockSplitRatio = 5

    /// Mardia's multivariate kurtosis `b2 = mean(d_i^4)` (d the Mahalanobis radius under the sample
    /// covariance) standardized under normality, `(b2 - p(p+2)) / sqrt(8 p (p+2) / n)` (nil with
    /// fewer than 5 rows per node or a singular covariance).
    static func excessKurtosisZ(_ centered: Matrix) -> Double? {
        let n = centered.rows, p = centered.columns
        guard n >= blockSplitRatio * p, let factor = try? Cholesky(RunningMoments(rows: centered).covariance()) else { return nil }
        var b2 = 0.0
        for t in 0..<n {
            let d2 = factor.solveLower(centered.row(t)).reduce(0) { $0 + $1 * $1 }
            b2 += d2 * d2
        }
        b2 /= Double(n)
        let pd = Double(p)
        return (b2 - pd * (pd + 2)) / (8 * pd * (pd + 2) / Double(n)).squareRoot()
    }

    /// Heavy tails are declared above this standardized kurtosis.
    static let heavyTailZ = 3.0

    /// Steps a simulated VAR runs before its draws are used (its start is forgotten).
    static let dynamicsWarmUp = 200

    /// One replicate's draws. For the bootstraps, the burn-in rows are split at random, per
    /// replicate, into a pool for the simulated burn-in (two thirds) and a disjoint pool for the
    /// monitored observations (one third): the reference re-estimated in the simulation never
    /// sees the rows it is then scored on, as with real future data. (Drawing both from the
    /// whole sample scores the reference on rows it was fitted to and makes the statistics look
    /// far better than on fresh data when p is close to or above n.) The smaller pools make the
    /// simulated reference slightly worse than the real one: conservative thresholds.
    ///
    /// The block bootstrap resamples by the stationary bootstrap: a block starts at a uniformly
    /// drawn row of the pool and continues row by row (wrapping around the pool) until it ends,
    /// with probability 1 / blockLength at each step. With at least 5 rows per node its burn-in
    /// and monitored draws come from the whole sample: the simulated reference's error relative
    /// to the resampled distribution is then that of a fresh sample (the bootstrap principle),
    /// where a split double-counts it (the monitored third's own deviation persists over the
    /// whole horizon): on VAR(1) null streams (p = 20, n = 500, target 0.095) the split gave a
    /// realized false-alarm rate of 0 in 40 streams, the whole sample 0.075. Below 5 rows per
    /// node the resampled distribution is too degenerate for that, and the pools are contiguous
    /// stretches (the monitored third starting at a random row, circularly), as for ``bootstrap``.
    /// With heavy tails (``excessKurtosisZ(_:)`` above 3) the whole sample is optimistic instead:
    /// the few extreme rows that drive the maxima are also in the simulated reference's fit, which
    /// absorbs part of them (t5 innovations: 0.28 against a target of 0.095); then a random
    /// contiguous fifth of the sample is kept for the monitored draws (measured 0.17 with a burn-in,
    /// 0.05 with an in-control sample).
    struct Replicate {
        let sampler: NullSampler
        var burnInPool: [Int] = []
        var monitorPool: [Int] = []
        /// Block bootstrap: the current position in each pool (nil: start a block).
        private var burnInPosition: Int?
        private var monitorPosition: Int?
        /// With dynamics: the last L simulated observations.
        private var lagged: RowRing?
        /// Gaussian draws made ahead (one pass of ``GaussianSampler/lanesPerPass``) and how many of them were handed out.
        private var pending: [[Double]] = []
        private var drawn = 0

        init(_ sampler: NullSampler, rng: inout SeededGenerator) {
            self.sampler = sampler
            switch sampler {
            case let .bootstrap(rows, _):
                var order = Array(0..<rows.rows)
                for i in stride(from: order.count - 1, to: 0, by: -1) {
                    let j = Int(rng.next() % UInt64(i + 1))
                    order.swapAt(i, j)
                }
                let cut = max(1, min(rows.rows - 1, (2 * rows.rows + 2) / 3))
                burnInPool = Array(order[..<cut])
                monitorPool = Array(order[cut...])
            case let .block(rows, _, _, heavyTailed):
                let n = rows.rows
                if heavyTailed && n >= NullSampler.blockSplitRatio * rows.columns {
                    let monitored = max(1, min(n - 1, n / 5))
                    let start = Int(rng.next() % UInt64(n))
                    monitorPool = (0..<monitored).map { (start + $0) % n }
                    burnInPool = (monitored..<n).map { (start + $0) % n }
                } else if n >= NullSampler.blockSplitRatio * rows.columns {
                    monitorPool = Array(0..<n)
                    burnInPool = monitorPool
                } else {
                    let monitored = max(1, min(n - 1, n - (2 * n + 2) / 3))
                    let start = Int(rng.next() % UInt64(n))
                    monitorPool = (0..<monitored).map { (start + $0) % n }
                    burnInPool = (monitored..<n).map { (start + $0) % n }
                }
            case .gaussian:
                break
            }
            if let dynamics = sampler.dynamics {
                lagged = RowRing(capacity: dynamics.coefficients.lags, dimension: dynamics.coefficients.dimension)
                for _ in 0..<dynamics.coefficients.lags { lagged!.push(dynamics.intercept) }
                for _ in 0..<NullSampler.dynamicsWarmUp { _ = sample(burnIn: true, using: &rng) }
            }
        }

        mutating func sample(burnIn: Bool, using rng: inout SeededGenerator) -> [Double] {
            var x = draw(burnIn: burnIn, using: &rng)
            if let dynamics = sampler.dynamics, let ring = lagged {
                let predicted = dynamics.coefficients.predict(lags: ring, missing: dynamics.intercept)
                for j in x.indices { x[j] += dynamics.intercept[j] + predicted[j] }
                lagged!.push(x)
            }
            return x
        }

        /// One row of the null: an observation, or with dynamics an innovation.
        private mutating func draw(burnIn: Bool, using rng: inout SeededGenerator) -> [Double] {
            switch sampler {
            case let .gaussian(gaussian, mean, dynamics):
                // Drawn sixteen at a time, one pass over the factor (the same numbers, in the same
                // order, as one at a time: nothing else draws from `rng` between two rows of a
                // Gaussian replicate).
                if drawn == pending.count {
                    pending = gaussian.sample(count: GaussianSampler.lanesPerPass, using: &rng)
                    drawn = 0
                }
                var x = pending[drawn]
                drawn += 1
                if dynamics == nil, let mean { for j in x.indices { x[j] += mean[j] } }
                return x
            case let .bootstrap(rows, _):
                let pool = burnIn ? burnInPool : monitorPool
                return rows.row(pool[Int(rng.next() % UInt64(pool.count))])
            case let .block(rows, blockLength, _, _):
                let pool = burnIn ? burnInPool : monitorPool
                let previous = burnIn ? burnInPosition : monitorPosition
                let position: Int
                if let previous, Double(rng.next() >> 11) * 0x1p-53 >= 1 / blockLength {
                    position = (previous + 1) % pool.count
                } else {
                    position = Int(rng.next() % UInt64(pool.count))
                }
                if burnIn { burnInPosition = position } else { monitorPosition = position }
                return rows.row(pool[position])
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
    /// The burn-in rows the bootstrap nulls resample (in time order).
    public let burnInRows: Matrix?
    /// The fitted null's dynamics (the Gaussian null simulates them).
    public var dynamics: NullDynamics? = nil
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
            sampler = try NullSampler.make(settings.null, precision: precision, mean: mean, rows: burnInRows,
                                           dynamics: dynamics)
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
        var result = Calibrator.result(maxima: maxima, statistics: ids, q: targetProbability, horizon: horizon,
                                       nominal: nominal(perWindow) ?? Thresholds(),
                                       nominalAlpha: perWindow / Double(max(ids.count, 1)),
                                       reference: reference, seed: settings.seed)
        result.null = sampler.model
        result.blockLength = sampler.blockLength
        return result
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

    /// Rows a replicate feeds its monitor at once, once the window is full (``WindowStatistics/blockCapacity``).
    static let replicateBlock = WindowStatistics.blockCapacity

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
                var draws = NullSampler.Replicate(sampler, rng: &rng)
                func record(_ statistics: StatisticMap) {
                    for (k, id) in ids.enumerated() {
                        if let value = statistics[id] { maxima[k] = max(maxima[k], value) }
                    }
                }
                while monitored < horizon {
                    // Once the window is full the rows go in blocks (the same statistics, fewer
                    // passes over the local entries); the draws are the same rows in the same order.
                    let room = monitor.blockRoom(limit: Swift.min(replicateBlock, horizon - monitored))
                    if room > 1 {
                        let rows = (0..<room).map { _ in draws.sample(burnIn: false, using: &rng) }
                        for statistics in try monitor.updateBlock(rows) { record(statistics) }
                        monitored += room
                        continue
                    }
                    let step = try monitor.update(draws.sample(burnIn: monitor.phase == .burnIn, using: &rng))
                    if step.phase != .burnIn { monitored += 1 }
                    record(step.statistics)
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
