import Foundation
import GGMCore

/// The local max-norm statistic of Keshavarz & Michailidis (arXiv 2003.06961).
///
/// With `z_r = Omega (x_r - mu)` over the window of the last `w` observations:
///
///     E_uv = (1 / sqrt(w)) sum_r (z_{r,u} z_{r,v} - Omega_uv) / sqrt(Omega_uu Omega_vv + Omega_uv^2)
///     M = max_{u <= v} |E_uv|
///
/// Each `E_uv` is approximately `N(0, 1)` under no change (Isserlis: `Var(z_u z_v) =
/// Omega_uu Omega_vv + Omega_uv^2`), and a change `Delta` of a few edges shifts exactly those
/// entries by about `-sqrt(w) Delta_uv / V_uv`; the argmax names the edge that moved most.
/// ``WindowStatistics`` keeps a running window sum of `z z^T` so each observation costs O(p^2).
public enum LocalStatistic {
    /// The Gumbel threshold `tau(p, alpha) = sqrt(2 log m - log log m - 2 log(2 sqrt(pi) log(1 / (1 - alpha/2))))`
    /// with `m = p (p + 1) / 2`: the nominal level-alpha threshold for `M` (Keshavarz & Michailidis).
    public static func gumbelThreshold(dimension p: Int, alpha: Double) -> Double {
        let m = Double(p) * Double(p + 1) / 2
        let logM = Foundation.log(m)
        let inner = 2 * Double.pi.squareRoot() * Foundation.log(1 / (1 - alpha / 2))
        return (2 * logM - Foundation.log(logM) - 2 * Foundation.log(inner)).squareRoot()
    }

    /// `V_uv = sqrt(Omega_uu Omega_vv + Omega_uv^2)`, the null standard deviation of `z_u z_v`
    /// (Isserlis) that standardizes `E_uv`.
    static func entryStandardDeviation(_ omega: Matrix, _ u: Int, _ v: Int) -> Double {
        (omega[u, u] * omega[v, v] + omega[u, v] * omega[u, v]).squareRoot()
    }

    /// `E_uv` for all `u <= v` on one stored window, recomputed from scratch (reference formula for tests).
    ///
    /// - Complexity: O(w p^2).
    public static func entries(window: Matrix, reference: ReferenceModel) -> Matrix {
        let p = reference.dimension
        let w = window.rows
        var c = Matrix(rows: p, columns: p)
        for r in 0..<w {
            let z = reference.whiten(window.row(r))
            for u in 0..<p { for v in u..<p { c[u, v] += z[u] * z[v] } }
        }
        let omega = reference.precision
        var e = Matrix(rows: p, columns: p)
        for u in 0..<p {
            for v in u..<p {
                let scale = entryStandardDeviation(omega, u, v)
                let value = (c[u, v] - Double(w) * omega[u, v]) / (Double(w).squareRoot() * scale)
                e[u, v] = value
                e[v, u] = value
            }
        }
        return e
    }

    /// `M = max_{u <= v} |E_uv|` on one stored window.
    public static func evaluate(window: Matrix, reference: ReferenceModel) -> Double {
        let e = entries(window: window, reference: reference)
        return e.elements.reduce(0) { max($0, abs($1)) }
    }
}
