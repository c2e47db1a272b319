import GGMCore

/// Alarm thresholds in force for the statistics of a window (nil: that statistic is not used).
public struct Thresholds: Codable, Sendable, Equatable {
    public var global: Double?
    public var local: Double?

    public init(global: Double?, local: Double?) {
        self.global = global
        self.local = local
    }
}

/// How the monitor sets its alarm thresholds.
public enum ThresholdRule: Codable, Sendable, Equatable {
    /// The papers' per-window rule at level `alpha`: `z_{1-alpha}` for the global statistic and the
    /// Gumbel `tau(p, alpha)` for the local one; the combined detector splits alpha equally
    /// (Bonferroni), each statistic at `alpha / 2`. A per-window level, not a false-alarm rate:
    /// with overlapping windows the monitor alarms far more often than `alpha` per stream.
    case nominal(alpha: Double)
    /// Explicit thresholds (nil: that statistic never alarms).
    case fixed(global: Double?, local: Double?)
    /// Thresholds calibrated by Monte Carlo under the fitted null for a false-alarm target
    /// (see ``Calibrator``); rerun when a restart brings a reference that differs enough.
    case calibrated(CalibrationSettings)

    /// The thresholds for a `p`-node reference and the given detector (nil for `.calibrated`,
    /// which the monitor resolves by simulation).
    public func thresholds(dimension p: Int, detector: DetectorKind) -> Thresholds? {
        switch self {
        case let .nominal(alpha):
            let level = detector == .combined ? alpha / 2 : alpha
            return Thresholds(
                global: detector.usesGlobal ? SpecialFunctions.normalUpperQuantile(level) : nil,
                local: detector.usesLocal ? LocalStatistic.gumbelThreshold(dimension: p, alpha: level) : nil)
        case let .fixed(global, local):
            return Thresholds(global: detector.usesGlobal ? global : nil, local: detector.usesLocal ? local : nil)
        case .calibrated:
            return nil
        }
    }
}
