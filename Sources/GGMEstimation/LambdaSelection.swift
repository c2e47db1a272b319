import Foundation
import GGMCore

/// One point of a lambda path.
public struct LambdaPathPoint: Codable, Sendable, Equatable {
    public var lambda: Double
    /// Edges of the estimated network (nonzero upper off-diagonal precision entries).
    public var edges: Int
    /// `-2 loglik + log(n) * df` (see ``LambdaSelection``).
    public var bic: Double
    public var converged: Bool

    public init(lambda: Double, edges: Int, bic: Double, converged: Bool) {
        self.lambda = lambda
        self.edges = edges
        self.bic = bic
        self.converged = converged
    }
}

/// Choosing the penalty.
///
/// **Theory rule** (the default, no tuning): `lambda = c sqrt(log p / n)` on the correlation scale,
/// the rate at which the largest spurious sample correlation grows (Meinshausen & Buhlmann 2006;
/// Ravikumar et al. 2011). Default `c = 1.1` (``NetworkEstimator/defaultTheoryConstant``), chosen by
/// simulation (docs/LAMBDA.md; `LambdaExperimentTests`): random sparse precision graphs of mean
/// degree 3, p in {50, 100, 200} x n in {100, 250, 500}, 3 replicates, standardized fits. Means over
/// the 27 fits, design 1 = entries +-U(0.3, 0.6), design 2 = +-U(0.15, 0.35):
///
///     c                      0.7    0.9    1.0    1.1    1.2    1.3    1.5    BIC
///     F1  glasso   design 1  0.32   0.48   0.57   0.64   0.69   0.71   0.70   0.60
///     F1  glasso   design 2  0.29   0.44   0.51   0.56   0.59   0.60   0.56   0.48
///     F1  nodewise design 1  0.46   0.62   0.68   0.72   0.73   0.73   0.69   0.65
///     F1  nodewise design 2  0.38   0.52   0.57   0.60   0.61   0.60   0.54   0.49
///     KL/p glasso   design 1 0.041  0.041  0.044  0.048  0.053  0.057  0.066  0.059
///     KL/p glasso   design 2 0.038  0.036  0.037  0.040  0.043  0.045  0.051  0.049
///
/// F1 peaks at c = 1.2-1.3 (sparser graphs, fewer false edges), the Kullback-Leibler loss of the
/// precision (what the detectors' calibration feels) at c = 0.7-1.0; c = 1.1 is within a few percent
/// of both. The literature's usual range is [0.5, 1]; with standardized data our designs favour the
/// upper end. The BIC rule selects sparser-than-F1-optimal graphs here (edge precision 0.75-0.89).
///
/// **BIC** (data-driven): over a log-spaced grid of lambdas from `lambda_max = max_{i != j} |R_ij|`
/// (where the estimate is diagonal) down to `bicMinimumRatio * lambda_max`, warm-started along the
/// path, minimize
///
///     glasso:    n (tr(S T) - log det T) + log(n) |E|
///     nodewise:  sum_j n log(sigma_j^2) + log(n) * #{nonzero b_jk}
///
/// (Yuan & Lin 2007; the node-wise version sums the p regressions' BICs). The path stops early once
/// the BIC has risen for 3 consecutive lambdas above its running minimum (small lambdas are the
/// expensive ones and, past the minimum, cannot win unless BIC is multimodal), or when the estimator
/// breaks down at a small lambda (a perfect node-wise fit when p > n).
public struct LambdaSelection: Codable, Sendable, Equatable {
    /// The chosen lambda.
    public var lambda: Double
    /// The computed path, from the largest lambda down.
    public var path: [LambdaPathPoint]
    /// Index of the chosen point in `path`.
    public var chosenIndex: Int

    public init(lambda: Double, path: [LambdaPathPoint], chosenIndex: Int) {
        self.lambda = lambda
        self.path = path
        self.chosenIndex = chosenIndex
    }

    /// `c sqrt(log p / n)`.
    public static func theoryLambda(c: Double, dimension p: Int, sampleSize n: Int) -> Double {
        c * (Foundation.log(Double(Swift.max(p, 1))) / Double(Swift.max(n, 1))).squareRoot()
    }

    /// `max_{i != j} |S_ij|`: the smallest lambda at which both estimators return a diagonal precision.
    public static func lambdaMax(_ s: Matrix) -> Double {
        let p = s.rows
        var m = 0.0
        for i in 0..<p { for j in (i + 1)..<p { m = Swift.max(m, Swift.abs(s[i, j])) } }
        return m
    }

    /// `count` log-spaced values from `maximum` down to `maximum * minimumRatio`.
    public static func grid(maximum: Double, minimumRatio: Double, count: Int) -> [Double] {
        guard count > 1, maximum > 0 else { return [maximum] }
        let lo = Foundation.log(maximum * minimumRatio), hi = Foundation.log(maximum)
        return (0..<count).map { Foundation.exp(hi + (lo - hi) * Double($0) / Double(count - 1)) }
    }

    /// How many consecutive increases of BIC above its running minimum end the path.
    static let patience = 3
}

extension NetworkEstimator {
    /// The BIC path on the fit-scale matrix `r`; returns the selection and the fit at the chosen lambda.
    func bicPath(_ r: Matrix, sampleSize n: Int) throws(EstimationError) -> (selection: LambdaSelection, best: RawFit) {
        guard bicGridSize >= 1 else { throw .invalidParameter(name: "bicGridSize", value: Double(bicGridSize)) }
        guard bicMinimumRatio > 0, bicMinimumRatio <= 1 else { throw .invalidParameter(name: "bicMinimumRatio", value: bicMinimumRatio) }
        let lambdaMax = LambdaSelection.lambdaMax(r)
        let lambdas = LambdaSelection.grid(maximum: lambdaMax, minimumRatio: bicMinimumRatio, count: bicGridSize)
        var path: [LambdaPathPoint] = []
        var best: (index: Int, bic: Double, fit: RawFit)?
        var previous: RawFit?
        var risesSinceMinimum = 0
        for lambda in lambdas {
            let raw: RawFit
            do {
                raw = try fitRaw(r, lambda: lambda, warmStart: previous)
            } catch {
                // A breakdown at a small lambda (e.g. a perfect node-wise fit when p > n) ends the path.
                if path.isEmpty { throw error }
                break
            }
            previous = raw
            let (bic, edges, converged) = NetworkEstimator.bic(raw, covariance: r, sampleSize: n)
            path.append(LambdaPathPoint(lambda: lambda, edges: edges, bic: bic, converged: converged))
            if best == nil || bic < best!.bic {
                best = (path.count - 1, bic, raw)
                risesSinceMinimum = 0
            } else {
                risesSinceMinimum += 1
                if risesSinceMinimum >= LambdaSelection.patience { break }
            }
        }
        let chosen = best!
        return (LambdaSelection(lambda: path[chosen.index].lambda, path: path, chosenIndex: chosen.index), chosen.fit)
    }

    /// BIC, edge count and convergence of a raw fit on the fit-scale matrix `s`.
    static func bic(_ raw: RawFit, covariance s: Matrix, sampleSize n: Int) -> (Double, Int, Bool) {
        let logN = Foundation.log(Double(n)), dn = Double(n)
        switch raw {
        case .glasso(let f):
            let t = f.precision
            let p = t.rows
            var penalty = 0.0
            for i in 0..<p { for j in 0..<p where i != j { penalty += Swift.abs(t[i, j]) } }
            let negLogLik = f.objective - f.lambda * penalty   // tr(S T) - log det T
            let edges = t.upperOffDiagonalNonzeroCount()
            return (dn * negLogLik + logN * Double(edges), edges, f.converged)
        case .nodewise(let f):
            let p = f.residualVariance.count
            var bic = 0.0
            for j in 0..<p {
                let v = f.residualVariance[j]
                bic += v > 0 ? dn * Foundation.log(v) : .infinity
            }
            var nonzeros = 0
            for v in f.coefficients.elements where v != 0 { nonzeros += 1 }
            bic += logN * Double(nonzeros)
            return (bic, f.precision.upperOffDiagonalNonzeroCount(), f.converged)
        }
    }
}
