import GGMCore
import GGMEstimation

/// The sequential change-point procedure of Keshavarz, Michailidis & Atchade (JMLR 2020), with
/// the local max-norm detector of Keshavarz & Michailidis as a second statistic: the generic
/// ``SequentialMonitor`` running a ``NetworkScore``.
///
/// ```swift
/// var monitor = try OnlineMonitor(dimension: p, configuration: MonitorConfiguration(), names: names)
/// for (x, label) in rows {
///     for step in try monitor.process(x, label: label) {
///         if let alarm = step.alarm { print(alarm.index, alarm.firedBy) }
///     }
/// }
/// ```
///
/// - Complexity: per observation O(nnz + p) for the global statistic, O(p^2) for the local one,
///   plus O(p^2) amortized to accumulate the sufficient statistics (batched rank-k updates) and
///   one warm-started fit every `B` steps. Memory O(p^2 + (w + N) p), independent of the stream length.
public typealias OnlineMonitor = SequentialMonitor<NetworkScore>

/// The per-node variance baseline monitor (``PerNodeVarianceScore``).
public typealias PerNodeVarianceMonitor = SequentialMonitor<PerNodeVarianceScore>

/// The dense-covariance likelihood-ratio baseline monitor (``DenseCovarianceScore``).
public typealias DenseCovarianceMonitor = SequentialMonitor<DenseCovarianceScore>

extension SequentialMonitor where Score == NetworkScore {
    /// A monitor that estimates its own reference from a burn-in.
    public init(dimension p: Int, configuration: MonitorConfiguration = MonitorConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        if let problem = configuration.lags.problem { throw .invalidConfiguration(problem) }
        if let problem = MonitorConfiguration.windowsProblem(configuration.shortWindows, window: configuration.window,
                                                             memory: configuration.memory) {
            throw .invalidConfiguration(problem)
        }
        try self.init(score: NetworkScore(dimension: p, window: configuration.window, detector: configuration.detector,
                                          estimator: configuration.estimator, lags: configuration.lags,
                                          shortWindows: configuration.shortWindows),
                      settings: configuration.settings, names: names)
    }

    /// A monitor scoring the stream against a fixed, given reference.
    ///
    /// With `dynamics` (a dynamic in-control model) `reference` is the innovations' network and
    /// `dataMean` the data's means (see ``NetworkScore/init(reference:window:detector:estimator:dynamics:dataMean:)``).
    public init(reference: ReferenceModel, configuration: MonitorConfiguration = MonitorConfiguration(),
                names: [String]? = nil, dynamics: VARFit? = nil, dataMean: [Double]? = nil) throws(MonitorError) {
        if let dynamics, dynamics.dimension != reference.dimension {
            throw .invalidConfiguration("the lag coefficients are for \(dynamics.dimension) nodes, the network for \(reference.dimension)")
        }
        // A reference for data far from unit magnitude (precision entries about 1e-300, say) is
        // moved, with the stream, to units where its statistics are computed without overflow.
        let p = reference.dimension
        let scale = UnitScale(magnitudes: reference.precisionDiagonal.map { 1 / $0.squareRoot() })
        var model = reference
        if !scale.isIdentity {
            var omega = reference.precision
            for i in 0..<p { for j in 0..<p { omega[i, j] = omega[i, j] * scale.factor(i) * scale.factor(j) } }
            do {
                model = try ReferenceModel(precision: omega, mean: scale.apply(reference.mean), sampleSize: reference.sampleSize)
            } catch {
                throw .invalidConfiguration("the reference cannot be moved to a safe range of units: \(error)")
            }
        }
        if let problem = MonitorConfiguration.windowsProblem(configuration.shortWindows, window: configuration.window,
                                                             memory: nil) {
            throw .invalidConfiguration(problem)
        }
        try self.init(fixed: NetworkScore(reference: model, window: configuration.window,
                                          detector: configuration.detector, estimator: configuration.estimator,
                                          dynamics: dynamics.map { scale.isIdentity ? $0 : $0.rescaled(scale.factor) },
                                          dataMean: dataMean.map { scale.apply($0) },
                                          shortWindows: configuration.shortWindows),
                      settings: configuration.settings, names: names)
        if !scale.isIdentity { unitScale = scale }
    }

    /// The settings, as given.
    public var configuration: MonitorConfiguration {
        MonitorConfiguration(burnIn: settings.burnIn, window: settings.window, refitEvery: settings.refitEvery,
                             detector: score.detector, thresholds: settings.thresholds, estimator: score.estimator,
                             reportCount: settings.reportCount, lags: fixedReference ? .fixed(0) : score.lagOrder,
                             afterAlarm: settings.afterAlarm, memory: settings.memory,
                             restartBurnIn: settings.restartBurnIn, shortWindows: score.shortWindows)
    }

    /// The reference currently in force (nil during a burn-in).
    public var reference: ReferenceModel? { phase == .burnIn ? nil : score.reference }

    /// The last fitted network (nil with a fixed reference or before the first burn-in completes).
    public var network: NetworkFit? { score.network }
}

extension SequentialMonitor where Score == PerNodeVarianceScore {
    public init(dimension p: Int, configuration: BaselineConfiguration = BaselineConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        try self.init(score: PerNodeVarianceScore(dimension: p, window: configuration.window),
                      settings: configuration.settings(for: .perNode), names: names, minimumDimension: 1)
    }
}

extension SequentialMonitor where Score == DenseCovarianceScore {
    public init(dimension p: Int, configuration: BaselineConfiguration = BaselineConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        try self.init(score: DenseCovarianceScore(dimension: p, window: configuration.window),
                      settings: configuration.settings(for: .dense), names: names, minimumDimension: 1)
    }
}
