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
        case let .averageRunLength(a): return 1 - Foundation.exp(-Double(horizon) / a)
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
        case let .averageRunLength(a): return override ?? max(100, min(Int(a.rounded()), 500))
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
    /// 95% Monte Carlo intervals of each threshold (order-statistic intervals of the simulated maxima).
    public let globalInterval: [Double]?
    public let localInterval: [Double]?
    /// The nominal per-window thresholds of the papers at the same level: `z_{1-alpha}` and the Gumbel `tau(p, alpha)`.
    public let nominal: Thresholds
    /// The per-window level used for the nominal thresholds.
    public let nominalAlpha: Double
    /// False-alarm probability over `horizon` that the thresholds aim at.
    public let targetProbability: Double
    public let horizon: Int
    public let replicates: Int
    /// Share of simulated streams that alarm within the horizon at the calibrated thresholds.
    public let simulatedProbability: Double
    public let reference: ReferenceSummary
    public let seed: UInt64
}

/// Monte Carlo calibration of the alarm thresholds under the fitted null (ALGORITHMS.md section 6).
///
/// Each replicate simulates the whole procedure under `N(0, Omega-hat^{-1})`: a burn-in of `N`
/// observations from which the reference is *re-estimated* with the monitor's own estimator
/// (so the reference's estimation error, which inflates both statistics on fresh data, is part of
/// the null), then `H` monitored observations with the monitor's refits, recording the maxima of
/// the statistics over the horizon. The threshold for a false-alarm probability `q` over `H` is
/// the `1 - q` quantile of the maxima; the combined detector gives both statistics the same
/// marginal level `a`, chosen so that the joint rate `P(max T >= h_T or max M >= h_M)` equals `q`
/// (a split of the budget that accounts for the dependence between the two statistics).
/// With a fixed reference no estimation error exists and the burn-in is skipped.
///
/// Replicates run in parallel across cores; each has its own seeded generator, so results do
/// not depend on scheduling.
public enum Calibrator {
    /// Simulated maxima of the statistics over the horizon, one entry per replicate.
    public struct Maxima: Sendable {
        public var global: [Double]
        public var local: [Double]
    }

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

    /// Draws null observations: Gaussian from a fitted precision, or rows of a sample with replacement.
    public enum NullSampler: Sendable {
        case gaussian(GaussianSampler)
        /// Centered rows to resample.
        case bootstrap(Matrix)

        /// The null of `model` for a fitted `precision` and the burn-in `rows` it came from.
        public static func make(_ model: NullModel, precision: Matrix, rows: Matrix?) throws -> NullSampler {
            switch model {
            case .gaussian:
                return .gaussian(try simulationNull(precision))
            case .bootstrap:
                guard let rows, rows.rows >= 2 else { return .gaussian(try simulationNull(precision)) }
                let mean = (0..<rows.columns).map { j in (0..<rows.rows).reduce(0.0) { $0 + rows[$1, j] } / Double(rows.rows) }
                var centered = rows
                for i in 0..<rows.rows { for j in 0..<rows.columns { centered[i, j] -= mean[j] } }
                return .bootstrap(centered)
            }
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
                case let .gaussian(gaussian):
                    return gaussian.sample(using: &rng)
                case let .bootstrap(rows):
                    let pool = burnIn ? burnInPool : monitorPool
                    return rows.row(pool[Int(rng.next() % UInt64(pool.count))])
                }
            }
        }
    }

    /// Runs the null simulation and returns the maxima of both statistics over the horizon
    /// (those of a statistic the configured detector does not use are `-infinity`).
    public static func simulateMaxima(null precision: Matrix, configuration: MonitorConfiguration,
                                      fixedReference: Bool, horizon: Int, replicates: Int,
                                      seed: UInt64) throws -> Maxima {
        try simulateMaxima(sampler: .gaussian(simulationNull(precision)), reference: precision,
                           configuration: configuration, fixedReference: fixedReference,
                           horizon: horizon, replicates: replicates, seed: seed)
    }

    /// Runs the simulation from any null sampler (`reference`: the fixed reference when `fixedReference`).
    public static func simulateMaxima(sampler: NullSampler, reference precision: Matrix, configuration: MonitorConfiguration,
                                      fixedReference: Bool, horizon: Int, replicates: Int,
                                      seed: UInt64) throws -> Maxima {
        let config = {
            var c = configuration
            c.thresholds = .fixed(global: nil, local: nil)
            return c
        }()
        let p = precision.rows
        let reference = fixedReference ? try ReferenceModel(precision: precision) : nil
        let results: [Result<(Double, Double), MonitorError>] = parallelMap(replicates) { r in
            var rng = SeededGenerator.stream(seed: seed, index: r)
            do throws(MonitorError) {
                var monitor: OnlineMonitor
                if let reference {
                    monitor = try OnlineMonitor(reference: reference, configuration: config)
                } else {
                    monitor = try OnlineMonitor(dimension: p, configuration: config)
                }
                var maxG = -Double.infinity
                var maxL = -Double.infinity
                var monitored = 0
                let draws = NullSampler.Replicate(sampler, rng: &rng)
                while monitored < horizon {
                    let step = try monitor.update(draws.sample(burnIn: monitor.phase == .burnIn, using: &rng))
                    if step.phase != .burnIn { monitored += 1 }
                    if let g = step.global { maxG = max(maxG, g) }
                    if let l = step.local { maxL = max(maxL, l) }
                }
                return .success((maxG, maxL))
            } catch {
                return .failure(error)
            }
        }
        var maxima = Maxima(global: [], local: [])
        for r in results {
            let (g, l) = try r.get()
            maxima.global.append(g)
            maxima.local.append(l)
        }
        return maxima
    }

    /// Calibrated thresholds for the monitor `configuration` under the null `N(0, precision^{-1})`.
    public static func calibrate(null precision: Matrix, burnIn rows: Matrix? = nil, configuration: MonitorConfiguration,
                                 fixedReference: Bool, settings: CalibrationSettings) throws -> CalibrationResult {
        let horizon = settings.target.horizon(override: settings.arlHorizon)
        let q = settings.target.probability(horizon: horizon)
        let sampler = try NullSampler.make(settings.null, precision: precision, rows: rows)
        let maxima = try simulateMaxima(sampler: sampler, reference: precision, configuration: configuration,
                                        fixedReference: fixedReference, horizon: horizon,
                                        replicates: settings.replicates, seed: settings.seed)
        return result(maxima: maxima, q: q, horizon: horizon, precision: precision,
                      configuration: configuration, settings: settings)
    }

    /// Thresholds from simulated maxima (split for the combined detector), with Monte Carlo intervals.
    ///
    /// One simulation with the combined detector serves all three detectors: pass the same
    /// maxima with a configuration whose `detector` is global, local or combined.
    public static func result(maxima: Maxima, q: Double, horizon: Int, precision: Matrix,
                       configuration: MonitorConfiguration, settings: CalibrationSettings) -> CalibrationResult {
        let detector = configuration.detector
        let n = maxima.global.count
        let sortedG = maxima.global.sorted()
        let sortedL = maxima.local.sorted()
        var level = q
        if detector == .combined {
            // Bisection on the common marginal level a in [q/2, q] so that the joint rate is q.
            var lo = q / 2
            var hi = q
            for _ in 0..<50 {
                let mid = (lo + hi) / 2
                let hG = upperQuantile(sortedG, mid)
                let hL = upperQuantile(sortedL, mid)
                let joint = jointRate(maxima, hG, hL)
                if joint > q { hi = mid } else { lo = mid }
            }
            level = lo
        }
        let hG = detector.usesGlobal ? upperQuantile(sortedG, level) : nil
        let hL = detector.usesLocal ? upperQuantile(sortedL, level) : nil
        let simulated = jointRate(maxima, hG ?? .infinity, hL ?? .infinity)
        let perWindow = q / Double(max(horizon, 1))
        let nominalLevel = detector == .combined ? perWindow / 2 : perWindow
        let p = precision.rows
        let nominal = Thresholds(
            global: detector.usesGlobal ? SpecialFunctions.normalUpperQuantile(nominalLevel) : nil,
            local: detector.usesLocal ? LocalStatistic.gumbelThreshold(dimension: p, alpha: nominalLevel) : nil)
        let summary = ReferenceSummary(precision: precision)
        return CalibrationResult(
            thresholds: Thresholds(global: hG, local: hL),
            globalInterval: detector.usesGlobal ? quantileInterval(sortedG, level) : nil,
            localInterval: detector.usesLocal ? quantileInterval(sortedL, level) : nil,
            nominal: nominal, nominalAlpha: nominalLevel,
            targetProbability: q, horizon: horizon, replicates: n,
            simulatedProbability: simulated, reference: summary, seed: settings.seed)
    }

    /// Share of replicates where either maximum reaches its threshold.
    static func jointRate(_ m: Maxima, _ hG: Double, _ hL: Double) -> Double {
        var count = 0
        for r in m.global.indices where m.global[r] >= hG || m.local[r] >= hL { count += 1 }
        return Double(count) / Double(max(m.global.count, 1))
    }

    /// The empirical `1 - a` quantile of sorted values (linear interpolation between order statistics).
    static func upperQuantile(_ sorted: [Double], _ a: Double) -> Double {
        let n = sorted.count
        guard n > 0 else { return .infinity }
        let position = (1 - a) * Double(n - 1)
        let i = Int(position.rounded(.down))
        let frac = position - Double(i)
        if i + 1 >= n { return sorted[n - 1] }
        return sorted[i] + frac * (sorted[i + 1] - sorted[i])
    }

    /// A distribution-free 95% interval for the `1 - a` quantile: order statistics at
    /// `n(1 - a) -+ 1.96 sqrt(n a (1 - a))` (normal approximation to the binomial count).
    static func quantileInterval(_ sorted: [Double], _ a: Double) -> [Double] {
        let n = Double(sorted.count)
        let center = n * (1 - a)
        let half = 1.96 * (n * a * (1 - a)).squareRoot()
        let lo = max(0, min(sorted.count - 1, Int((center - half).rounded(.down))))
        let hi = max(0, min(sorted.count - 1, Int((center + half).rounded(.up))))
        return [sorted[lo], sorted[hi]]
    }
}
