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
