import Foundation
import GGMCore

/// The global (KMA) statistic of Keshavarz, Michailidis & Atchade (JMLR 2020).
///
/// For the window of the last `w` observations and a reference `(mu, Omega)`,
/// with `z_r = Omega (x_r - mu)`:
///
///     y_s = (1 / (w Omega_ss)) sum_r z_{r,s}^2
///     f(y) = y - 1 - log y
///     T = sum_s [f(y_s) - g1(w)] / (g2(w) ||R||_4^2)
///
/// `g1(w) = log(w/2) - psi(w/2)` and `g2(w) = sqrt(psi'(w/2) - 2/w)` are the exact mean and
/// standard deviation of `f(Y)` for `w Y ~ chi^2_w`, and `||R||_4^2 = sqrt(sum_ij r_ij^4)` over
/// the partial correlations `r_ij = Omega_ij / sqrt(Omega_ii Omega_jj)` (diagonal included)
/// accounts for the dependence between the node-wise residuals. Under no change `T` is
/// approximately `N(0, 1)`; the paper alarms when `T >= z_{1-alpha}`.
///
/// This type holds the pure formulas; ``WindowStatistics`` updates them in O(nnz + p) per observation.
public enum GlobalStatistic {
    /// `g1(w) = log(w/2) - digamma(w/2)`: exact mean of `f(Y)` when `w Y ~ chi^2_w`.
    public static func centering(window w: Int) -> Double {
        let h = Double(w) / 2
        return Foundation.log(h) - SpecialFunctions.digamma(h)
    }

    /// `g2(w) = sqrt(trigamma(w/2) - 2/w)`: exact standard deviation of `f(Y)` when `w Y ~ chi^2_w`.
    public static func scaling(window w: Int) -> Double {
        (SpecialFunctions.trigamma(Double(w) / 2) - 2 / Double(w)).squareRoot()
    }

    /// `f(y) = y - 1 - log y`, the per-node likelihood-ratio contrast (divided by w).
    @inlinable
    public static func contrast(_ y: Double) -> Double { y - 1 - Foundation.log(y) }

    /// `||R||_4^2 = sqrt(sum_{i,j} r_ij^4)` with `r_ij = Omega_ij / sqrt(Omega_ii Omega_jj)`, diagonal included.
    ///
    /// - Complexity: O(nnz) for a sparse precision.
    public static func rNorm4Squared(_ precision: SparseMatrix) -> Double {
        var diag = [Double](repeating: 0, count: precision.dimension)
        for i in 0..<precision.dimension {
            for k in precision.rowStart[i]..<precision.rowStart[i + 1] where precision.columnIndex[k] == i {
                diag[i] = precision.values[k]
            }
        }
        var s = 0.0
        for i in 0..<precision.dimension {
            for k in precision.rowStart[i]..<precision.rowStart[i + 1] {
                let r = precision.values[k] / (diag[i] * diag[precision.columnIndex[k]]).squareRoot()
                let r2 = r * r
                s += r2 * r2
            }
        }
        return s.squareRoot()
    }

    /// The statistic on one stored window (rows of `window`), recomputed from scratch.
    ///
    /// This is the reference formula used by tests; the monitor uses the incremental ``WindowStatistics``.
    /// - Complexity: O(w (nnz + p)).
    public static func evaluate(window: Matrix, reference: ReferenceModel) -> Double {
        let w = window.rows
        var sums = [Double](repeating: 0, count: reference.dimension)
        for r in 0..<w {
            let z = reference.whiten(window.row(r))
            for s in 0..<z.count { sums[s] += z[s] * z[s] }
        }
        let g1 = centering(window: w)
        let g2 = scaling(window: w)
        var total = 0.0
        for s in 0..<sums.count {
            total += contrast(sums[s] / (Double(w) * reference.precisionDiagonal[s])) - g1
        }
        return total / (g2 * reference.rNorm4Squared)
    }
}
