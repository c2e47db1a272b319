import Foundation
import GGMCore
import GGMEstimation

/// A segment's fitted Gaussian graphical model and the loss (negative log-likelihood) it assigns to rows.
///
/// The loss is the estimator's own likelihood (docs/ALGORITHMS.md section 20):
/// - node-wise lasso: the negative Gaussian *pseudo*-log-likelihood, the sum over nodes of the
///   conditional negative log-likelihood of `x_j` given the other nodes,
///   `sum_j [ (1/2) log(2 pi sigma_j^2) + (x_j - mu_j - b_j^T (x - mu))^2 / (2 sigma_j^2) ]` per row
///   (the quantity the online monitor scores; no positive definiteness needed);
/// - graphical lasso: the negative Gaussian log-likelihood
///   `(1/2) [ p log(2 pi) - log det Omega + (x - mu)^T Omega (x - mu) ]` per row.
///
/// Over a set of rows with moments `M` both are O(nnz) to O(p^2) from `M`'s scatter about `mu`.
public struct SegmentModel: Sendable {
    public let range: Range<Int>
    public let mean: [Double]
    public let fit: NetworkFit
    /// Node-wise: for each node the nonzero entries of `beta_j = e_j - b_j` (index, value).
    let residualWeights: [[(Int, Double)]]
    let residualVariance: [Double]
    /// Graphical lasso: the nonzero entries of each precision row, and `log det Omega`.
    let precisionRows: [[(Int, Double)]]
    let logDeterminant: Double

    init(range: Range<Int>, mean: [Double], fit: NetworkFit) throws(EstimationError) {
        self.range = range
        self.mean = mean
        self.fit = fit
        let p = fit.dimension
        switch fit.method {
        case .nodewise:
            let b = fit.coefficients!
            var weights: [[(Int, Double)]] = []
            weights.reserveCapacity(p)
            for j in 0..<p {
                var w: [(Int, Double)] = [(j, 1)]
                for k in 0..<p where k != j && b[j, k] != 0 { w.append((k, -b[j, k])) }
                weights.append(w)
            }
            residualWeights = weights
            residualVariance = fit.residualVariance!.map { Swift.max($0, SegmentModel.varianceFloor) }
            precisionRows = []
            logDeterminant = 0
        case .glasso:
            let t = fit.precision
            precisionRows = (0..<p).map { i in (0..<p).compactMap { j in t[i, j] != 0 ? (j, t[i, j]) : nil } }
            do {
                logDeterminant = try t.cholesky().logDeterminant
            } catch {
                throw .precisionNotPositiveDefinite(index: range.lowerBound, pivot: .nan)
            }
            residualWeights = []
            residualVariance = []
        }
    }

    /// Residual and covariance variances are floored at this (the data are standardized to unit
    /// variance first), so that a node constant within a short segment has a finite loss.
    static let varianceFloor = 1e-6

    /// The loss of `count` rows whose scatter about this model's mean, divided by `count`, is `s`.
    func loss(scatter s: Matrix, count: Int) -> Double {
        let n = Double(count)
        let p = fit.dimension
        let log2pi = Foundation.log(2 * Double.pi)
        var total = 0.0
        switch fit.method {
        case .nodewise:
            for j in 0..<p {
                let w = residualWeights[j]
                var q = 0.0
                for (k, bk) in w {
                    var inner = 0.0
                    for (l, bl) in w { inner += bl * s[k, l] }
                    q += bk * inner
                }
                let v = residualVariance[j]
                total += 0.5 * n * (log2pi + Foundation.log(v) + Swift.max(q, 0) / v)
            }
        case .glasso:
            var trace = 0.0
            for i in 0..<p { for (j, t) in precisionRows[i] { trace += t * s[i, j] } }
            total = 0.5 * n * (Double(p) * log2pi - logDeterminant + trace)
        }
        return total
    }

    /// The loss of the rows with moments `m`.
    func loss(_ m: SegmentMoments) -> Double {
        guard m.count > 0 else { return 0 }
        return loss(scatter: m.covariance(about: mean), count: m.count)
    }

    /// The loss of one row.
    func loss(row x: UnsafeBufferPointer<Double>) -> Double {
        let p = fit.dimension
        let log2pi = Foundation.log(2 * Double.pi)
        switch fit.method {
        case .nodewise:
            var total = 0.0
            for j in 0..<p {
                var r = 0.0
                for (k, bk) in residualWeights[j] { r += bk * (x[k] - mean[k]) }
                let v = residualVariance[j]
                total += 0.5 * (log2pi + Foundation.log(v) + r * r / v)
            }
            return total
        case .glasso:
            var q = 0.0
            for i in 0..<p {
                let di = x[i] - mean[i]
                var inner = 0.0
                for (j, t) in precisionRows[i] { inner += t * (x[j] - mean[j]) }
                q += di * inner
            }
            return 0.5 * (Double(p) * log2pi - logDeterminant + q)
        }
    }
}
