/// What the baselines share with ``OnlineMonitor`` once a full window has been scored: alarm and
/// restart with a fresh burn-in, or count a quiet step and refit every `B` of them.
///
/// Each baseline keeps its own statistic, sums and refit; this protocol holds the one decision
/// they make identically, so the two are scored by exactly the same rule.
protocol BaselineLifecycle {
    var configuration: BaselineConfiguration { get }
    var segmentStart: Int { get }
    var referenceSize: Int { get }
    var alarms: [Alarm] { get set }
    var quietSteps: Int { get set }
    mutating func restart(after index: Int)
    mutating func refit(lastIndex: Int) throws(MonitorError)
}

extension BaselineLifecycle {
    /// The step for a scored window: an alarm (then a restart) when `statistic` reaches the
    /// threshold, otherwise a quiet step (then a refit every `refitEvery` quiet steps). The nodes to
    /// report are only computed for an alarm.
    mutating func conclude(index: Int, label: String?, statistic: Double, stepPhase: MonitorPhase,
                           topNodes: @autoclosure () -> [NodeContribution] = []) throws(MonitorError) -> MonitorStep {
        let thresholds = Thresholds(global: configuration.threshold, local: nil)
        if let h = configuration.threshold, statistic >= h {
            let alarm = Alarm(index: index, label: label, estimatedChange: nil, estimatedChangeLabel: nil, firedBy: [.global],
                              globalStatistic: statistic, globalThreshold: h,
                              localStatistic: nil, localThreshold: nil,
                              segmentStart: segmentStart, referenceSampleSize: referenceSize,
                              topNodes: topNodes(), topEdges: [])
            alarms.append(alarm)
            restart(after: index)
            return MonitorStep(index: index, phase: stepPhase == .filling ? .filling : .monitoring,
                               global: statistic, local: nil, thresholds: thresholds, alarm: alarm, refitted: false)
        }
        quietSteps += 1
        var refitted = false
        if configuration.refitEvery > 0 && quietSteps >= configuration.refitEvery {
            try refit(lastIndex: index)
            refitted = true
        }
        return MonitorStep(index: index, phase: .monitoring, global: statistic, local: nil,
                           thresholds: thresholds, alarm: nil, refitted: refitted)
    }
}
