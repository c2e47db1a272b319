import GGMEstimation

/// The lifecycle settings of a ``SequentialMonitor``, whatever it scores: burn-in, window,
/// refits, thresholds and how much each alarm reports.
public struct MonitorSettings: Codable, Sendable, Equatable {
    /// Observations used to estimate the null at the start and after each alarm (N).
    public var burnIn: Int
    /// Window length (w).
    public var window: Int
    /// Refit the null after this many quiet steps (B); 0 disables refits.
    public var refitEvery: Int
    /// How thresholds are set.
    public var thresholds: ThresholdRule
    /// How many nodes and edges each alarm reports.
    public var reportCount: Int

    public init(burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50,
                thresholds: ThresholdRule = .calibrated(CalibrationSettings()), reportCount: Int = 5) {
        self.burnIn = burnIn
        self.window = window
        self.refitEvery = refitEvery
        self.thresholds = thresholds
        self.reportCount = reportCount
    }

    /// Checks the settings against the stream's dimension (called once, at the boundary).
    public func validate(dimension p: Int, fixedReference: Bool, minimumDimension: Int = 2) throws(MonitorError) {
        guard window >= 2 else { throw .invalidConfiguration("window must be at least 2 (got \(window))") }
        guard p >= minimumDimension else {
            throw .invalidConfiguration("the stream needs at least \(minimumDimension) node\(minimumDimension == 1 ? "" : "s") (got \(p))")
        }
        // Bounds that keep the window and the history addressable (w p doubles each) without overflow.
        guard window <= 10_000_000, window.multipliedReportingOverflow(by: 3 * max(p, 1)).overflow == false,
              window * 3 * max(p, 1) <= 1 << 31 else {
            throw .invalidConfiguration("window \(window) is too long for \(p) nodes (the window and its history would hold \(window) x \(p) x 3 values)")
        }
        if !fixedReference {
            guard burnIn >= 2 else { throw .invalidConfiguration("burn-in must be at least 2 observations (got \(burnIn))") }
        }
        guard refitEvery >= 0 else { throw .invalidConfiguration("refit interval must be non-negative (got \(refitEvery))") }
        guard reportCount >= 0 else { throw .invalidConfiguration("report count must be non-negative (got \(reportCount))") }
        try thresholds.validate()
    }
}

/// Settings of the network monitor (``OnlineMonitor``, ALGORITHMS.md section 5): the lifecycle
/// settings and the network score's (detector and estimator).
///
/// The defaults are the `ggmwatch monitor` command's, and their reasoning:
/// * `detector = .combined`: the global statistic sees changes spread over many nodes, the local
///   one changes confined to a few edges (the global statistic's blind spot); together, under one
///   false-alarm budget, they lose little on either (see the README's evaluation table).
/// * `thresholds = .calibrated(CalibrationSettings())`: a Monte Carlo calibration for an average
///   run length of 5,000 monitored observations. The papers' nominal per-window levels
///   (``ThresholdRule/nominal(alpha:)``) are not false-alarm rates: with overlapping windows they
///   alarm far more often than alpha per stream.
/// * `window = 50`: the normal approximation of the global statistic and the Gumbel
///   approximation of the local one are reasonable from about w = 50 (at w = 50 the nominal
///   5% global level is 6.3%), and a change is typically seen within one window.
/// * `burnIn = 500`: the reference's estimation error inflates both statistics (at p = 60 their
///   null mean is 1.7 after a 200-observation burn-in, 1.1 after 600); 500 observations give a
///   usable reference for up to a few hundred nodes, and the refits keep improving it.
/// * `estimator`: node-wise lasso at the theory rate `1.1 sqrt(log p / n)` on standardized data
///   (``defaultEstimator``). The global statistic scores each node's residual variance, which the
///   node-wise regressions estimate directly; measured on random sparse graphs (p = 100, N = 500,
///   w = 50, 120 null windows) its null mean of T was 0.84 against 6.5 with the graphical lasso at
///   the same lambda (whose penalty shrinks the diagonal of the precision).
/// * `refitEvery = 50` (= w): the reference is refreshed once per window length, so the data of
///   the segment is used as it accumulates while the refit cost (one warm-started fit) is
///   amortized over 50 observations.
public struct MonitorConfiguration: Codable, Sendable, Equatable {
    public var burnIn: Int
    public var window: Int
    public var refitEvery: Int
    /// Which statistics raise alarms.
    public var detector: DetectorKind
    public var thresholds: ThresholdRule
    /// How the reference network is estimated.
    public var estimator: NetworkEstimator
    public var reportCount: Int

    /// The monitor's default reference estimator: node-wise lasso, theory lambda, standardized.
    public static let defaultEstimator = NetworkEstimator(method: .nodewise)

    public init(burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50,
                detector: DetectorKind = .combined, thresholds: ThresholdRule = .calibrated(CalibrationSettings()),
                estimator: NetworkEstimator = MonitorConfiguration.defaultEstimator, reportCount: Int = 5) {
        self.burnIn = burnIn
        self.window = window
        self.refitEvery = refitEvery
        self.detector = detector
        self.thresholds = thresholds
        self.estimator = estimator
        self.reportCount = reportCount
    }

    /// The lifecycle part.
    public var settings: MonitorSettings {
        MonitorSettings(burnIn: burnIn, window: window, refitEvery: refitEvery, thresholds: thresholds,
                        reportCount: reportCount)
    }

    /// Checks the settings against the stream's dimension (called once, at the boundary).
    public func validate(dimension p: Int, fixedReference: Bool) throws(MonitorError) {
        try settings.validate(dimension: p, fixedReference: fixedReference)
    }
}

/// Errors of a monitor.
public enum MonitorError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case dimensionMismatch(index: Int, expected: Int, found: Int)
    case nonFiniteValue(index: Int, node: Int)
    case referenceFitFailed(segmentStart: Int, index: Int, reason: String)
    /// A statistic came out NaN or infinite: no number is reported silently.
    case nonFiniteStatistic(index: Int, statistic: StatisticID, value: Double)
    case calibrationFailed(String)
    /// A calibration was stopped by its caller.
    case cancelled
    /// ``SequentialMonitor/install(_:)`` without a pending request, or for another one.
    case noCalibrationPending

    public var description: String {
        switch self {
        case let .invalidConfiguration(message): return "invalid monitor settings: \(message)"
        case let .dimensionMismatch(index, expected, found):
            return "observation \(index) has \(found) values, expected \(expected)"
        case let .nonFiniteValue(index, node):
            return "observation \(index) has a non-finite value at node \(node + 1)"
        case let .referenceFitFailed(start, index, reason):
            return "could not estimate the reference network from observations \(start)...\(index): \(reason)"
        case let .nonFiniteStatistic(index, statistic, value):
            return "observation \(index): the \(statistic) statistic is \(value) (the data are degenerate at this scale, or the reference is singular); no alarm decision is possible"
        case let .calibrationFailed(reason): return "the Monte Carlo calibration failed: \(reason)"
        case .cancelled: return "the calibration was cancelled"
        case .noCalibrationPending: return "the monitor is not waiting for thresholds"
        }
    }
}
