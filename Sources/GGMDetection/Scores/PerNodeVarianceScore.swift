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
/// identity in place of the network: it sees variances, not connections. Statistic `per-node`.
///
/// - Complexity: O(p) per observation, O(w p) per refit; memory O(w p).
public struct PerNodeVarianceScore: WindowScore {
    public let window: Int
    public let dimension: Int
    public var statisticIDs: [StatisticID] { [.perNode] }

    /// Segment sums excluding the window, shifted by the segment's first observation.
    public private(set) var segmentCount = 0
    private var shift: [Double] = []
    private var shiftedSum: [Double]
    private var shiftedSquares: [Double]
    /// Reference mean and variance per node.
    private var mean: [Double]
    private var variance: [Double]
    public private(set) var referenceSampleSize = 0
    private var ring: RowRing
    /// `sum_r (x_r,s - mu_s)^2` over the window.
    private var windowSquares: [Double]
    private var pushesSinceRecompute = 0

    public init(dimension p: Int, window: Int) {
        self.window = window
        self.dimension = p
        shiftedSum = [Double](repeating: 0, count: p)
        shiftedSquares = shiftedSum
        mean = shiftedSum
        variance = shiftedSum
        windowSquares = shiftedSum
        ring = RowRing(capacity: window, dimension: p)
    }

    public var count: Int { ring.count }

    public func unfitted() -> PerNodeVarianceScore { PerNodeVarianceScore(dimension: dimension, window: window) }

    public mutating func accumulate(_ x: [Double]) {
        if segmentCount == 0 { shift = x }
        for j in 0..<x.count {
            let d = x[j] - shift[j]
            shiftedSum[j] += d
            shiftedSquares[j] += d * d
        }
        segmentCount += 1
    }

    public var supportsForgetting: Bool { true }

    public mutating func forget(_ x: [Double]) {
        guard segmentCount > 0 else { return }
        for j in 0..<x.count {
            let d = x[j] - shift[j]
            shiftedSum[j] -= d
            shiftedSquares[j] -= d * d
        }
        segmentCount -= 1
    }

    /// Mean and (maximum-likelihood) variance per node from the segment's sums, window excluded.
    public mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError) {
        let n = Double(segmentCount)
        var newMean = mean
        var newVariance = variance
        for j in 0..<dimension {
            let m = shiftedSum[j] / n
            let v = shiftedSquares[j] / n - m * m
            guard v > 0, v.isFinite else { throw ScoreFitError("has zero variance", node: j) }
            newMean[j] = shift[j] + m
            newVariance[j] = v
        }
        mean = newMean
        variance = newVariance
        referenceSampleSize = segmentCount
        recomputeWindow()
    }

    public mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        let p = dimension
        let didEvict = ring.push(x, evicted: &evicted)
        if didEvict {
            for j in 0..<p {
                let d = evicted[j] - mean[j]
                windowSquares[j] -= d * d
            }
        }
        for j in 0..<p {
            let d = x[j] - mean[j]
            windowSquares[j] += d * d
        }
        pushesSinceRecompute += 1
        if pushesSinceRecompute >= max(window, 1024) { recomputeWindow() }
        return didEvict
    }

    public func statistics() -> StatisticMap {
        StatisticMap([.perNode: nodeScores().max() ?? -.infinity])
    }

    /// Standardized per-node scores `[f(y_s) - g1(w)] / g2(w)` of the current window.
    public func nodeScores() -> [Double] {
        let w = Double(window)
        let g1 = GlobalStatistic.centering(window: window)
        let g2 = GlobalStatistic.scaling(window: window)
        return (0..<dimension).map { s in
            let y = max(windowSquares[s], .leastNormalMagnitude) / (w * variance[s])
            return (y - 1 - Foundation.log(y) - g1) / g2
        }
    }

    public func evidence(top k: Int, names: [String]) -> ScoreEvidence {
        let scores = nodeScores()
        return ScoreEvidence(topNodes: scores.indices.sorted { scores[$0] > scores[$1] }.prefix(k)
            .map { NodeContribution(node: $0, name: names[$0], contribution: scores[$0]) })
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

    public mutating func reset(keepingNull: Bool) {
        ring.removeAll()
        for j in 0..<dimension { windowSquares[j] = 0 }
        pushesSinceRecompute = 0
        guard !keepingNull else { return }
        segmentCount = 0
        for j in 0..<dimension {
            shiftedSum[j] = 0
            shiftedSquares[j] = 0
        }
    }
}
