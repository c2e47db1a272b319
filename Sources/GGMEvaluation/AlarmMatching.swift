/// Matching the alarms of one stream to its true change points, with a maximum delay `d_max`.
///
/// The rule (ALGORITHMS.md section 8, made precise):
///
/// * change `k` (at `tau_k`) is detected by the first alarm in `[tau_k, min(tau_k + d_max, tau_{k+1}))`;
///   its delay is `alarm - tau_k`. Windows are disjoint, so an alarm detects at most one change,
///   and an alarm after `tau_{k+1}` belongs to change `k + 1` even if change `k` is still undetected;
/// * an alarm with no change in the previous `d_max` observations (no `tau <= a < tau + d_max`)
///   is a false alarm; an alarm at exactly `tau + d_max` is therefore false;
/// * any other alarm follows an already detected change within `d_max` and is *redundant*:
///   not false, and not a second detection.
///
/// Like ruptures' metrics and river's `drift.evaluate`, this is a pure function of
/// (truth, estimate) with an explicit tolerance `d_max`.
public enum AlarmMatching {
    /// Matches `alarms` to `changePoints` on a stream of `streamLength` observations.
    ///
    /// - Parameters:
    ///   - changePoints: True change points, strictly increasing, in `1..<streamLength` (0-based
    ///     index of each new segment's first observation). Empty for a no-change stream.
    ///   - alarms: The detector's alarms, strictly increasing by index, in `monitoringStart..<streamLength`.
    ///   - streamLength: Number of observations in the stream.
    ///   - maxDelay: `d_max >= 1`: alarms with delay `0..<d_max` can detect a change.
    ///   - monitoringStart: First observation at which the detector could alarm (after burn-in);
    ///     observations before it do not count as exposure. A change before it is still scored.
    /// - Throws: ``EvaluationError`` when the input breaks any of the rules above.
    /// - Complexity: O(changes + alarms).
    public static func evaluate(changePoints: [Int], alarms: [AlarmRecord], streamLength: Int, maxDelay: Int,
                                monitoringStart: Int = 0) throws(EvaluationError) -> StreamEvaluation {
        try validateStreamInput(changePoints: changePoints, alarms: alarms, streamLength: streamLength,
                                maxDelay: maxDelay, monitoringStart: monitoringStart)
        var detectingAlarm = [AlarmRecord?](repeating: nil, count: changePoints.count)
        var falseAlarms: [Int] = []
        var redundantAlarms: [Int] = []
        var following = 0  // number of change points at or before the current alarm
        for alarm in alarms {
            while following < changePoints.count, changePoints[following] <= alarm.index { following += 1 }
            // The latest change at or before the alarm is the only one whose window can hold it:
            // if it is more than d_max back, every earlier change is too.
            let k = following - 1
            if k >= 0, alarm.index - changePoints[k] < maxDelay {
                if detectingAlarm[k] == nil { detectingAlarm[k] = alarm } else { redundantAlarms.append(alarm.index) }
            } else {
                falseAlarms.append(alarm.index)
            }
        }
        let changes = zip(changePoints, detectingAlarm).map { tau, alarm in
            StreamEvaluation.ChangeDetection(
                changePoint: tau, alarmIndex: alarm?.index, delay: alarm.map { $0.index - tau },
                localizationError: alarm?.estimatedChange.map { abs($0 - tau) })
        }
        return StreamEvaluation(
            streamLength: streamLength, maxDelay: maxDelay, monitoringStart: monitoringStart, changes: changes,
            falseAlarms: falseAlarms, redundantAlarms: redundantAlarms,
            exposure: exposure(changePoints: changePoints, streamLength: streamLength,
                               maxDelay: maxDelay, monitoringStart: monitoringStart))
    }

    /// The same, for alarms given by index only (no localization).
    public static func evaluate(changePoints: [Int], alarmIndices: [Int], streamLength: Int, maxDelay: Int,
                                monitoringStart: Int = 0) throws(EvaluationError) -> StreamEvaluation {
        try evaluate(changePoints: changePoints, alarms: alarmIndices.map { AlarmRecord(index: $0) },
                     streamLength: streamLength, maxDelay: maxDelay, monitoringStart: monitoringStart)
    }

    /// `|{t in monitoringStart..<n : no tau with tau <= t < tau + d_max}|`, by merging the
    /// (increasing) windows `[tau, tau + d_max)` clipped to the monitored range.
    static func exposure(changePoints: [Int], streamLength n: Int, maxDelay: Int, monitoringStart: Int) -> Int {
        var covered = 0
        var coveredUntil = monitoringStart
        for tau in changePoints {
            let lower = max(tau, coveredUntil)
            let upper = maxDelay >= n - tau ? n : tau + maxDelay  // min(tau + d_max, n) without overflow
            if upper > lower {
                covered += upper - lower
                coveredUntil = upper
            }
        }
        return n - monitoringStart - covered
    }
}
