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
    /// What follows an alarm.
    public var afterAlarm: AlarmPolicy
    /// The reference's memory: refits use the last `memory` observations before the window (a
    /// rolling reference that follows a slowly drifting system); nil: every observation since the
    /// segment started (an expanding reference, the papers' procedure). At least the burn-in: the
    /// first reference is the burn-in's.
    public var memory: Int?
    /// After an alarm, the burn-in of the next reference (M < N): monitoring resumes as soon as
    /// `M` observations give a first reference, scored with thresholds calibrated for that short
    /// reference, and switches to the regular thresholds once the segment holds `N` observations
    /// (ALGORITHMS.md section 18). nil: a full burn-in of `N` after every alarm, during which no
    /// change can be detected.
    public var restartBurnIn: Int?

    public init(burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50,
                thresholds: ThresholdRule = .calibrated(CalibrationSettings()), reportCount: Int = 5,
                afterAlarm: AlarmPolicy = .restart, memory: Int? = nil, restartBurnIn: Int? = nil) {
        self.memory = memory
        self.restartBurnIn = restartBurnIn
        self.afterAlarm = afterAlarm
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
        if let memory {
            guard !fixedReference else {
                throw .invalidConfiguration("a memory applies to a reference the monitor estimates and refits; a fixed reference is never refitted")
            }
            guard memory >= burnIn else {
                throw .invalidConfiguration("memory must be at least the burn-in (\(burnIn) observations), from which the first reference is fitted (got \(memory))")
            }
            guard refitEvery > 0 else {
                throw .invalidConfiguration("a memory needs refits (refit interval 0: the reference is never re-estimated, so it has no memory to roll)")
            }
            guard memory <= 10_000_000, memory.multipliedReportingOverflow(by: max(p, 1)).overflow == false,
                  memory * max(p, 1) <= 1 << 31 else {
                throw .invalidConfiguration("memory \(memory) is too long for \(p) nodes (the monitor keeps \(memory) x \(p) values)")
            }
        }
        if let m = restartBurnIn {
            guard !fixedReference, afterAlarm == .restart else {
                throw .invalidConfiguration("a restart burn-in applies to a monitor that re-estimates its reference after an alarm (not to a fixed reference or the continue-after-alarm policy)")
            }
            guard m >= 2, m < burnIn else {
                throw .invalidConfiguration("the restart burn-in must be at least 2 and shorter than the burn-in (\(burnIn) observations) (got \(m))")
            }
        }
        try thresholds.validate()
    }

    private enum CodingKeys: String, CodingKey { case burnIn, window, refitEvery, thresholds, reportCount, afterAlarm, memory, restartBurnIn }

    /// `afterAlarm`, `memory` and `restartBurnIn` are absent from files of earlier versions
    /// (restart, expanding, a full burn-in).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(burnIn: try c.decode(Int.self, forKey: .burnIn), window: try c.decode(Int.self, forKey: .window),
                  refitEvery: try c.decode(Int.self, forKey: .refitEvery), thresholds: try c.decode(ThresholdRule.self, forKey: .thresholds),
                  reportCount: try c.decode(Int.self, forKey: .reportCount),
                  afterAlarm: try c.decodeIfPresent(AlarmPolicy.self, forKey: .afterAlarm) ?? .restart,
                  memory: try c.decodeIfPresent(Int.self, forKey: .memory),
                  restartBurnIn: try c.decodeIfPresent(Int.self, forKey: .restartBurnIn))
    }
}

/// What a monitor does after an alarm.
public enum AlarmPolicy: String, Codable, Sendable, CaseIterable {
    /// A fresh burn-in from the next observation (with a fixed null: an empty window): the
    /// sequential procedure of the papers, for a stream that moves to a new regime.
    case restart
    /// Keep scoring against the same null (an in-control model the process is expected to come
    /// back to): no alarm again while the excursion lasts; the excursion ends when a whole window
    /// of consecutive steps is below every threshold (``Excursion``), and the next crossing is a
    /// new alarm.
    case `continue`
}

/// An excursion that ended (``AlarmPolicy/continue``): from the alarm that opened it to the last
/// window above a threshold.
public struct Excursion: Codable, Sendable, Equatable {
    /// Index of the alarm that opened the excursion.
    public let alarmIndex: Int
    /// Index of the last observation whose window was above a threshold.
    public let lastAbove: Int
    /// Index at which the end is declared (`lastAbove + w`: a window of quiet steps).
    public let index: Int
    public let label: String?
    /// Steps above a threshold during the excursion (the alarm's included).
    public let stepsAbove: Int

    public init(alarmIndex: Int, lastAbove: Int, index: Int, label: String?, stepsAbove: Int) {
        self.alarmIndex = alarmIndex
        self.lastAbove = lastAbove
        self.index = index
        self.label = label
        self.stepsAbove = stepsAbove
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
/// * `lags = .automatic`: the first burn-in is tested for serial dependence (more than half of
///   the columns reject independence in a Ljung-Box test at 5%); a serially independent stream
///   keeps the static model (exactly the statistics of `lags` 0), a dependent one gets a sparse
///   VAR of the order (1 or 2) with the smallest BIC, whose innovations are scored. Scoring a
///   dependent stream as independent rows inflates both statistics (ALGORITHMS.md section 16).
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
    /// What follows an alarm.
    public var afterAlarm: AlarmPolicy
    /// Lags of the dynamic reference (``LagOrder/fixed(_:)`` 0: the static model).
    public var lags: LagOrder
    /// The reference's memory (``MonitorSettings/memory``; nil: expanding).
    public var memory: Int?
    /// The burn-in after an alarm (``MonitorSettings/restartBurnIn``; nil: the full burn-in).
    public var restartBurnIn: Int?
    /// Shorter windows scored beside `window`, each with its global and local statistics
    /// (`global@10`, `local@10`), all under one false-alarm budget (ALGORITHMS.md section 19).
    /// Empty: the one window.
    public var shortWindows: [Int]

    /// The monitor's default reference estimator: node-wise lasso, theory lambda, standardized.
    public static let defaultEstimator = NetworkEstimator(method: .nodewise)

    public init(burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50,
                detector: DetectorKind = .combined, thresholds: ThresholdRule = .calibrated(CalibrationSettings()),
                estimator: NetworkEstimator = MonitorConfiguration.defaultEstimator, reportCount: Int = 5,
                lags: LagOrder = .automatic, afterAlarm: AlarmPolicy = .restart, memory: Int? = nil,
                restartBurnIn: Int? = nil, shortWindows: [Int] = []) {
        self.memory = memory
        self.restartBurnIn = restartBurnIn
        self.shortWindows = shortWindows
        self.lags = lags
        self.afterAlarm = afterAlarm
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
                        reportCount: reportCount, afterAlarm: afterAlarm, memory: memory, restartBurnIn: restartBurnIn)
    }

    /// Checks the settings against the stream's dimension (called once, at the boundary).
    public func validate(dimension p: Int, fixedReference: Bool) throws(MonitorError) {
        try settings.validate(dimension: p, fixedReference: fixedReference)
        if let problem = lags.problem { throw .invalidConfiguration(problem) }
        if let problem = Self.windowsProblem(shortWindows, window: window, memory: memory) { throw .invalidConfiguration(problem) }
    }

    /// What is wrong with a set of short windows beside `window` (nil: nothing).
    public static func windowsProblem(_ shortWindows: [Int], window: Int, memory: Int?) -> String? {
        let all = shortWindows + [window]
        if let duplicate = all.first(where: { w in all.filter { $0 == w }.count > 1 }) {
            return "window \(duplicate) is given twice; give each window length once"
        }
        if let bad = shortWindows.first(where: { $0 < 2 || $0 >= window }) {
            return "every other window must be at least 2 and shorter than the longest, \(window) (got \(bad))"
        }
        if let memory, window > memory {
            return "the window (\(window)) is longer than the memory (\(memory)): the reference would forget rows before they leave the window"
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case burnIn, window, refitEvery, detector, thresholds, estimator, reportCount, lags, afterAlarm, memory, restartBurnIn, shortWindows }

    /// `lags` and `memory` are absent from files of earlier versions (the static model, expanding).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(burnIn: try c.decode(Int.self, forKey: .burnIn), window: try c.decode(Int.self, forKey: .window),
                  refitEvery: try c.decode(Int.self, forKey: .refitEvery), detector: try c.decode(DetectorKind.self, forKey: .detector),
                  thresholds: try c.decode(ThresholdRule.self, forKey: .thresholds),
                  estimator: try c.decode(NetworkEstimator.self, forKey: .estimator),
                  reportCount: try c.decode(Int.self, forKey: .reportCount),
                  lags: try c.decodeIfPresent(LagOrder.self, forKey: .lags) ?? .fixed(0),
                  afterAlarm: try c.decodeIfPresent(AlarmPolicy.self, forKey: .afterAlarm) ?? .restart,
                  memory: try c.decodeIfPresent(Int.self, forKey: .memory),
                  restartBurnIn: try c.decodeIfPresent(Int.self, forKey: .restartBurnIn),
                  shortWindows: try c.decodeIfPresent([Int].self, forKey: .shortWindows) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(burnIn, forKey: .burnIn)
        try c.encode(window, forKey: .window)
        try c.encode(refitEvery, forKey: .refitEvery)
        try c.encode(detector, forKey: .detector)
        try c.encode(thresholds, forKey: .thresholds)
        try c.encode(estimator, forKey: .estimator)
        try c.encode(reportCount, forKey: .reportCount)
        try c.encode(lags, forKey: .lags)
        try c.encode(afterAlarm, forKey: .afterAlarm)
        try c.encodeIfPresent(memory, forKey: .memory)
        try c.encodeIfPresent(restartBurnIn, forKey: .restartBurnIn)
        if !shortWindows.isEmpty { try c.encode(shortWindows, forKey: .shortWindows) }
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
