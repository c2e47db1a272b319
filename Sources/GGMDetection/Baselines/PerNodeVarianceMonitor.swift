import Foundation
import GGMCore

/// Baseline: each series watched on its own for a change of variance, combined by a max over nodes.
///
/// This is what a user does without a network model: one univariate variance monitor per node
/// (a stock's volatility, a sensor's noise), ignoring the dependencies. For the window of the
/// last `w` observations ending at `t`, with the segment's mean `mu_s` and variance `sigma_s^2`:
///
///     y_s = (1 / (w sigma_s^2)) sum_{r = t-w+1..t} (x_r,s - mu_s)^2
///     f(y) = y - 1 - log y            (w f(y_s): Gaussian likelihood ratio for a variance change)
///     S_t = max_s [f(y_s) - g1(w)] / g2(w)
///
/// with `g1`, `g2` the exact null mean and standard deviation of `f` (``GlobalStatistic``), so each
/// node's term is standardized the same way and the max is a calibrated combination across nodes
/// (a Bonferroni-type max whose threshold comes from the Monte Carlo calibration, which accounts
/// for the correlation between the series). It is the global statistic's per-node score with the
/// identity in place of the network: it sees variances, not connections.
///
/// Lifecycle as ``OnlineMonitor``: burn-in of `N` observations (mean and variance per node), a
/// window of `w`, refit every `B` quiet steps from the segment's running sums excluding the
/// window, fresh burn-in after an alarm. The statistic is reported in ``MonitorStep/global``.
///
/// - Complexity: O(p) per observation, O(w p) per refit; memory O(w p).
public struct PerNodeVarianceMonitor: SequentialDetector, BaselineLifecycle, Codable {
    public let configuration: BaselineConfiguration
    public let names: [String]
    public private(set) var observationCount = 0
    public private(set) var phase: MonitorPhase = .burnIn
    public private(set) var segmentStart = 0
    public internal(set) var alarms: [Alarm] = []

    /// Segment sums excluding the window, shifted by the segment's first observation.
    private var segmentCount = 0
    private var shift: [Double] = []
    private var shiftedSum: [Double]
    private var shiftedSquares: [Double]
    /// Reference mean and variance per node.
    private var mean: [Double]
    private var variance: [Double]
    private(set) var referenceSize = 0
    private var ring: WindowRing
    /// `sum_r (x_r,s - mu_s)^2` over the window.
    private var windowSquares: [Double]
    var quietSteps = 0
    private var pushesSinceRecompute = 0

    public init(dimension p: Int, configuration: BaselineConfiguration = BaselineConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        try configuration.validate(dimension: p)
        self.configuration = configuration
        self.names = names ?? (1...max(p, 1)).map { "x\($0)" }
        shiftedSum = [Double](repeating: 0, count: p)
        shiftedSquares = shiftedSum
        mean = shiftedSum
        variance = shiftedSum
        windowSquares = shiftedSum
        ring = WindowRing(window: configuration.window, dimension: p)
    }

    public var dimension: Int { names.count }

    public mutating func update(_ x: [Double], label: String? = nil) throws(MonitorError) -> MonitorStep {
        let p = dimension
        let index = observationCount
        guard x.count == p else { throw .dimensionMismatch(index: index, expected: p, found: x.count) }
        for j in 0..<p where !x[j].isFinite { throw .nonFiniteValue(index: index, node: j) }
        observationCount += 1

        if phase == .burnIn {
            accumulate(x)
            var refitted = false
            if segmentCount >= configuration.burnIn {
                try refit(lastIndex: index)
                phase = .filling
                refitted = true
            }
            return MonitorStep(index: index, phase: .burnIn, global: nil, local: nil,
                               thresholds: nil, alarm: nil, refitted: refitted)
        }

        var evicted: [Double] = []
        if ring.push(x, evicted: &evicted) {
            for j in 0..<p {
                let d = evicted[j] - mean[j]
                windowSquares[j] -= d * d
            }
            accumulate(evicted)
        }
        for j in 0..<p {
            let d = x[j] - mean[j]
            windowSquares[j] += d * d
        }
        pushesSinceRecompute += 1
        if pushesSinceRecompute >= max(configuration.window, 1024) { recomputeWindow() }
        let thresholds = Thresholds(global: configuration.threshold, local: nil)
        guard ring.isFull else {
            return MonitorStep(index: index, phase: .filling, global: nil, local: nil,
                               thresholds: thresholds, alarm: nil, refitted: false)
        }
        let stepPhase = phase
        phase = .monitoring
        let scores = nodeScores()
        let names = self.names
        return try conclude(index: index, label: label, statistic: scores.max() ?? -.infinity, stepPhase: stepPhase,
                            topNodes: scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5)
                                .map { NodeContribution(node: $0, name: names[$0], contribution: scores[$0]) })
    }

    /// Standardized per-node scores `[f(y_s) - g1(w)] / g2(w)` of the current window.
    public func nodeScores() -> [Double] {
        let w = Double(configuration.window)
        let g1 = GlobalStatistic.centering(window: configuration.window)
        let g2 = GlobalStatistic.scaling(window: configuration.window)
        return (0..<dimension).map { s in
            let y = max(windowSquares[s], .leastNormalMagnitude) / (w * variance[s])
            return (y - 1 - Foundation.log(y) - g1) / g2
        }
    }

    private mutating func accumulate(_ x: [Double]) {
        if segmentCount == 0 { shift = x }
        for j in 0..<x.count {
            let d = x[j] - shift[j]
            shiftedSum[j] += d
            shiftedSquares[j] += d * d
        }
        segmentCount += 1
    }

    /// Mean and (maximum-likelihood) variance per node from the segment's sums, window excluded.
    mutating func refit(lastIndex: Int) throws(MonitorError) {
        let n = Double(segmentCount)
        for j in 0..<dimension {
            let m = shiftedSum[j] / n
            let v = shiftedSquares[j] / n - m * m
            guard v > 0, v.isFinite else {
                throw .referenceFitFailed(segmentStart: segmentStart, index: lastIndex,
                                          reason: "node \(names[j]) has zero variance")
            }
            mean[j] = shift[j] + m
            variance[j] = v
        }
        referenceSize = segmentCount
        quietSteps = 0
        recomputeWindow()
    }

    private mutating func recomputeWindow() {
        for j in 0..<dimension { windowSquares[j] = 0 }
        let mean = self.mean
        var sums = windowSquares
        ring.forEach { x in
            var j = 0
            for value in x {
                let d = value - mean[j]
                sums[j] += d * d
                j += 1
            }
        }
        windowSquares = sums
        pushesSinceRecompute = 0
    }

    mutating func restart(after index: Int) {
        segmentStart = index + 1
        segmentCount = 0
        for j in 0..<dimension {
            shiftedSum[j] = 0
            shiftedSquares[j] = 0
        }
        ring.removeAll()
        quietSteps = 0
        phase = .burnIn
    }
}
