/// How a monitor sets its alarm thresholds.
public enum ThresholdRule: Codable, Sendable, Equatable {
    /// The papers' per-window rule at level `alpha`: `z_{1-alpha}` for the global statistic and the
    /// Gumbel `tau(p, alpha)` for the local one; the combined detector splits alpha equally
    /// (Bonferroni), each statistic at `alpha / 2`. A per-window level, not a false-alarm rate:
    /// with overlapping windows the monitor alarms far more often than `alpha` per stream.
    /// Only for scores with nominal thresholds (``WindowScore/nominalThresholds(alpha:)``).
    case nominal(alpha: Double)
    /// Explicit thresholds by statistic (a statistic without one never alarms).
    case fixed(Thresholds)
    /// Thresholds calibrated by Monte Carlo under the fitted null for a false-alarm target
    /// (see ``Calibrator``); rerun when a restart brings a reference that differs enough.
    case calibrated(CalibrationSettings)

    /// Never alarm (every statistic is computed and reported): what the calibration simulates.
    public static var none: ThresholdRule { .fixed(Thresholds()) }

    /// The network monitor's explicit thresholds.
    public static func fixed(global: Double?, local: Double?) -> ThresholdRule {
        .fixed(Thresholds(global: global, local: local))
    }

    /// Checks the rule's values (called once, at the boundary).
    public func validate() throws(MonitorError) {
        switch self {
        case let .nominal(alpha):
            guard alpha > 0 && alpha < 1 else { throw .invalidConfiguration("alpha must be in (0, 1) (got \(alpha))") }
        case let .fixed(thresholds):
            if let (id, value) = thresholds.firstNonFinite {
                throw .invalidConfiguration("the \(id) threshold must be a finite number (got \(value))")
            }
        case let .calibrated(settings):
            try settings.validate()
        }
    }
}

/// The ways a front end lets its user set thresholds (`ggmwatch monitor`'s options, the service's
/// stream settings), turned into a ``ThresholdRule`` with one set of checks. At most one way:
/// a calibrated target (`arl`, or `falseAlarmProb` with `horizon`), a nominal per-window level
/// (`alpha`), or explicit thresholds (`threshold`, `localThreshold`); none gives the calibrated
/// default, an average run length of ``defaultARL``.
public struct ThresholdChoice: Sendable, Equatable {
    public var arl: Double?
    public var falseAlarmProb: Double?
    public var horizon: Int?
    public var alpha: Double?
    public var threshold: Double?
    public var localThreshold: Double?
    public var null: NullModel
    public var replicates: Int
    public var seed: UInt64

    /// The default target: the calibration settings' average run length.
    public static let defaultARL: Double = {
        if case let .averageRunLength(a) = CalibrationSettings().target { return a }
        return 5000
    }()

    public init(arl: Double? = nil, falseAlarmProb: Double? = nil, horizon: Int? = nil, alpha: Double? = nil,
                threshold: Double? = nil, localThreshold: Double? = nil, null: NullModel = CalibrationSettings().null,
                replicates: Int = CalibrationSettings().replicates, seed: UInt64 = 1) {
        self.arl = arl
        self.falseAlarmProb = falseAlarmProb
        self.horizon = horizon
        self.alpha = alpha
        self.threshold = threshold
        self.localThreshold = localThreshold
        self.null = null
        self.replicates = replicates
        self.seed = seed
    }

    /// Whether any way was chosen explicitly.
    public var anyGiven: Bool {
        arl != nil || falseAlarmProb != nil || alpha != nil || threshold != nil || localThreshold != nil
    }

    /// What is wrong, in words, with each setting named by `spell` (the front end's spelling of
    /// the library name: `"falseAlarmProb"` is `--false-alarm-prob` on the command line); nil: nothing.
    public func problem(spell: (String) -> String) -> String? {
        let calibrated = arl != nil || falseAlarmProb != nil
        let explicit = threshold != nil || localThreshold != nil
        guard [calibrated, alpha != nil, explicit].filter({ $0 }).count <= 1 else {
            return "choose one way to set thresholds: \(spell("arl")) or \(spell("falseAlarmProb")) (calibrated), \(spell("alpha")) (nominal), or \(spell("threshold"))/\(spell("localThreshold")) (explicit)"
        }
        if arl != nil && falseAlarmProb != nil { return "give \(spell("arl")) or \(spell("falseAlarmProb")), not both" }
        if let arl, !(arl >= 10 && arl.isFinite) { return "\(spell("arl")) must be at least 10 observations (got \(arl))" }
        if let q = falseAlarmProb {
            guard q > 0 && q < 1 else { return "\(spell("falseAlarmProb")) must be in (0, 1) (got \(q))" }
            guard let horizon, horizon >= 1 else { return "\(spell("falseAlarmProb")) needs \(spell("horizon")) (observations, at least 1)" }
        } else if horizon != nil {
            return "\(spell("horizon")) goes with \(spell("falseAlarmProb"))"
        }
        if let alpha, !(alpha > 0 && alpha < 1) { return "\(spell("alpha")) must be in (0, 1) (got \(alpha))" }
        for (name, value) in [("threshold", threshold), ("localThreshold", localThreshold)] {
            if let value, !value.isFinite { return "\(spell(name)) must be a finite number (got \(value))" }
        }
        guard replicates >= 20 else { return "\(spell("replicates")) must be at least 20 (got \(replicates))" }
        return nil
    }

    /// The rule for a detector; explicit thresholds must cover the statistics the detector uses
    /// and set one window's thresholds only.
    public func rule(detector: DetectorKind, severalWindows: Bool = false, spell: (String) -> String) -> Result<ThresholdRule, ThresholdChoiceError> {
        if let problem = problem(spell: spell) { return .failure(ThresholdChoiceError(message: problem)) }
        if let alpha { return .success(.nominal(alpha: alpha)) }
        if threshold != nil || localThreshold != nil {
            if severalWindows {
                return .failure(ThresholdChoiceError(message: "\(spell("threshold")) and \(spell("localThreshold")) set one window's thresholds; with several windows calibrate them all (\(spell("arl")) or \(spell("falseAlarmProb"))) or use \(spell("alpha"))"))
            }
            if detector.usesGlobal && threshold == nil {
                return .failure(ThresholdChoiceError(message: "the \(detector.rawValue) detector needs \(spell("threshold")) for the global statistic"))
            }
            if detector.usesLocal && localThreshold == nil {
                return .failure(ThresholdChoiceError(message: "the \(detector.rawValue) detector needs \(spell("localThreshold")) for the local statistic"))
            }
            return .success(.fixed(global: threshold, local: localThreshold))
        }
        let target: CalibrationTarget
        if let q = falseAlarmProb, let horizon {
            target = .falseAlarmProbability(q, horizon: horizon)
        } else {
            target = .averageRunLength(arl ?? Self.defaultARL)
        }
        return .success(.calibrated(CalibrationSettings(target: target, null: null, replicates: replicates, seed: seed)))
    }
}

/// Why a ``ThresholdChoice`` gives no rule.
public struct ThresholdChoiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
