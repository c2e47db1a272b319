/// The interface shared by the online monitor and the baseline detectors, so that all of them are
/// fed, calibrated and scored identically.
///
/// One observation per ``update(_:label:)`` call, as ``OnlineMonitor``. Every conforming detector
/// has the same lifecycle: a burn-in (``MonitorPhase/burnIn``) estimating its null, a window that
/// fills, then one scored window per observation; an alarm restarts it with a fresh burn-in.
///
/// A detector reports its statistics in ``MonitorStep``: the monitor in `global` and `local`;
/// a baseline, which has a single statistic, in `global` (with `local` nil), and its threshold in
/// `thresholds.global`; its alarms have `firedBy == [.global]` and carry the baseline's
/// statistic and threshold in `globalStatistic` and `globalThreshold`.
public protocol SequentialDetector: Sendable {
    /// Node names, one per coordinate of an observation.
    var names: [String] { get }
    /// Processes one observation.
    mutating func update(_ x: [Double], label: String?) throws(MonitorError) -> MonitorStep
}

extension OnlineMonitor: SequentialDetector {}
