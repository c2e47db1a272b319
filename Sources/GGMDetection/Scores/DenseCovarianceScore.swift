import Foundation
import GGMCore
import GGMEstimation

/// Baseline: a window likelihood ratio for a change of the full covariance, ignoring sparsity.
///
/// With the segment's mean `mu` and covariance `Sigma_0` (maximum likelihood, no penalty), the
/// observations are standardized, `u_r = L^{-1} (x_r - mu)` with `Sigma_0 = L L^T` (note: not the
/// network scores' `z = Omega (x - mu)`), and the window of the last `w` observations gives
/// `S = (1/w) sum_r u_r u_r^T`. The statistic is the Gaussian log-likelihood ratio of a free
/// covariance against `Sigma_0` (known mean):
///
///     D_t = w [ tr(S) - log det(S) - p ]
///
/// approximately chi-square with `p (p + 1) / 2` degrees of freedom under no change (Anderson,
/// *An Introduction to Multivariate Statistical Analysis*, section 10.8). It needs `w > p`
/// (otherwise `S` is singular) and a burn-in longer than `p` (``validate(burnIn:)``). This is the
/// classical test with no sparsity assumption: it spends its power on all `p (p + 1) / 2`
/// entries at once. Statistic `dense`.
///
/// - Complexity: O(p^2) per observation to standardize and update the window sums, plus
///   O(p^3 / 3) for the Cholesky factor of `S`; O(p^3 + w p^2) per refit. Memory O(p^2 + w p).
public struct DenseCovarianceScore: WindowScore {
    public let window: Int
    public let dimension: Int
    public var statisticIDs: [StatisticID] { [.dense] }

    private var moments: RunningMoments
    private var mean: [Double]
    /// Lower Cholesky factor of the reference covariance.
    private var factor: Matrix
    public private(set) var referenceSampleSize = 0
    private var ring: RowRing
    /// `sum_r u_r u_r^T` over the window (full p x p, row-major).
    private var windowProducts: [Double]
    private var pushesSinceRecompute = 0

    public init(dimension p: Int, window: Int) {
        self.window = window
        self.dimension = p
        moments = RunningMoments(dimension: p)
        mean = [Double](repeating: 0, count: p)
        factor = Matrix.identity(p)
        ring = RowRing(capacity: window, dimension: p)
        windowProducts = [Double](repeating: 0, count: p * p)
    }

    /// The settings this statistic needs: a window and a burn-in longer than p.
    public func validate(burnIn: Int) -> String? {
        if window <= dimension {
            return "the dense covariance likelihood ratio needs a window longer than the number of nodes (window \(window), \(dimension) nodes)"
        }
        if burnIn <= dimension {
            return "the dense covariance likelihood ratio needs a burn-in longer than the number of nodes (burn-in \(burnIn), \(dimension) nodes)"
        }
        return nil
    }

    public var count: Int { ring.count }

    public func unfitted() -> DenseCovarianceScore { DenseCovarianceScore(dimension: dimension, window: window) }
    public var segmentCount: Int { moments.count }

    public mutating func accumulate(_ x: [Double]) { moments.add(x) }
    public var supportsForgetting: Bool { true }
    public mutating func forget(_ x: [Double]) { moments.remove(x) }

    public mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError) {
        do {
            factor = try Cholesky(moments.covariance()).lower
        } catch {
            throw ScoreFitError("the sample covariance is singular: \(error)")
        }
        mean = moments.mean
        referenceSampleSize = moments.count
        recomputeWindow()
    }

    public mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        let didEvict = ring.push(x, evicted: &evicted)
        if didEvict { addProducts(standardize(evicted), sign: -1) }
        addProducts(standardize(x), sign: 1)
        pushesSinceRecompute += 1
        if pushesSinceRecompute >= max(window, 1024) { recomputeWindow() }
        return didEvict
    }

    public func statistics() -> StatisticMap { StatisticMap([.dense: windowStatistic()]) }

    /// `w [tr(S) - log det(S) - p]` of the current (full) window; `+infinity` when `S` is singular.
    public func windowStatistic() -> Double {
        let p = dimension
        let w = Double(window)
        var s = Matrix(rows: p, columns: p, elements: windowProducts)
        for k in s.elements.indices { s.elements[k] /= w }
        var trace = 0.0
        for i in 0..<p { trace += s[i, i] }
        guard let cholesky = try? Cholesky(s) else { return .infinity }
        return w * (trace - cholesky.logDeterminant - Double(p))
    }

    public func evidence(top k: Int, names: [String]) -> ScoreEvidence { ScoreEvidence() }

    /// `L^{-1} (x - mu)` by forward substitution.
    private func standardize(_ x: [Double]) -> [Double] {
        let p = dimension
        var z = [Double](repeating: 0, count: p)
        factor.elements.withUnsafeBufferPointer { l in
            for i in 0..<p {
                var s = x[i] - mean[i]
                let row = i * p
                for k in 0..<i { s -= l[row + k] * z[k] }
                z[i] = s / l[row + i]
            }
        }
        return z
    }

    private mutating func addProducts(_ z: [Double], sign: Double) {
        let p = dimension
        windowProducts.withUnsafeMutableBufferPointer { c in
            for u in 0..<p {
                let zu = sign * z[u]
                let row = u * p
                for v in 0..<p { c[row + v] += zu * z[v] }
            }
        }
    }

    private mutating func recomputeWindow() {
        for k in windowProducts.indices { windowProducts[k] = 0 }
        var rows: [[Double]] = []
        ring.forEach { rows.append(Array($0)) }
        for x in rows { addProducts(standardize(x), sign: 1) }
        pushesSinceRecompute = 0
    }

    public mutating func reset(keepingNull: Bool) {
        ring.removeAll()
        for k in windowProducts.indices { windowProducts[k] = 0 }
        pushesSinceRecompute = 0
        guard !keepingNull else { return }
        moments = RunningMoments(dimension: dimension)
    }
}
