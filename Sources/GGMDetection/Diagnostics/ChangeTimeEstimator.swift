import Foundation
import GGMCore

/// Estimates when a detected change happened (ALGORITHMS.md section 7, "When").
///
/// The alarm time is not the change time. Given the reference `(mu, Omega)` in force before the
/// alarm and the recent observations `x_a, ..., x_t` (t = alarm), every split `k` is scored by
/// the node-wise pseudo-likelihood ratio of the segment after it:
///
///     LLR(k) = ((t - k + 1) / 2) sum_s f(y_s(k)),    y_s(k) = (1 / ((t - k + 1) Omega_ss)) sum_{r=k..t} z_{r,s}^2
///
/// with `z_r = Omega (x_r - mu)` and `f(y) = y - 1 - log y`: the log-likelihood ratio of "each
/// node's residual variance moved to y_s from k on" against "no change" (the before segment is
/// the reference itself). The estimate is the maximizing `k`: the maximum likelihood change
/// time for a known pre-change model and a free post-change residual variance per node. Splits
/// leaving fewer than `minimumSegment` observations after them are not considered (their
/// variance estimates are too noisy). With `entries`, the local statistic's strongest entries are
/// scanned as well (see ``estimate(recent:firstIndex:reference:entries:minimumSegment:)``).
///
/// - Complexity: O(L (nnz + p + E)) for L recent observations and E `entries`, in one pass from
///   the alarm backwards: the sums over `r = k..t` are suffix sums, each split adding one row.
public enum ChangeTimeEstimator {
    public struct Estimate: Codable, Sendable, Equatable {
        /// Index of the first observation after the change (0-based data row).
        public let index: Int
        /// The maximized pseudo-likelihood ratio.
        public let logLikelihoodRatio: Double
    }

    /// - Parameters:
    ///   - recent: the recent observations, oldest first (rows), ending with the alarm observation.
    ///   - firstIndex: data index of `recent`'s first row.
    ///   - entries: local entries `(u, v)` to scan as well (the alarm's strongest ones). For each,
    ///     `c_r = (z_{r,u} z_{r,v} - Omega_uv) / sqrt(Omega_uu Omega_vv + Omega_uv^2)` has mean 0 and
    ///     variance 1 under no change, and a change of that entry shifts its mean; the split adds
    ///     the mean-shift log-likelihood ratio `(sum_{r=k..t} c_r)^2 / (2 (t - k + 1))` of each entry
    ///     to the node-wise one, so changes confined to a few edges are localized too.
    public static func estimate(recent: Matrix, firstIndex: Int, reference: ReferenceModel,
                                entries: [(u: Int, v: Int)] = [], minimumSegment: Int = 5) -> Estimate? {
        let n = recent.rows
        let p = reference.dimension
        guard n >= 1 else { return nil }
        let minimum = max(1, min(minimumSegment, n))
        let omega = reference.precision
        let scales = entries.map { 1 / LocalStatistic.entryStandardDeviation(omega, $0.u, $0.v) }
        // Suffix sums of z_s^2 / Omega_ss and of the entries' standardized products, from the alarm backwards.
        var suffix = [Double](repeating: 0, count: p)
        var entrySums = [Double](repeating: 0, count: entries.count)
        var best: Estimate?
        for k in stride(from: n - 1, through: 0, by: -1) {
            let z = reference.whiten(recent.row(k))
            for s in 0..<p { suffix[s] += z[s] * z[s] / reference.precisionDiagonal[s] }
            for (e, entry) in entries.enumerated() {
                entrySums[e] += (z[entry.u] * z[entry.v] - omega[entry.u, entry.v]) * scales[e]
            }
            let m = n - k
            guard m >= minimum else { continue }
            var total = 0.0
            for s in 0..<p { total += GlobalStatistic.contrast(max(suffix[s] / Double(m), 1e-300)) }
            var llr = 0.5 * Double(m) * total
            for sum in entrySums { llr += sum * sum / (2 * Double(m)) }
            if best == nil || llr > best!.logLikelihoodRatio {
                best = Estimate(index: firstIndex + k, logLikelihoodRatio: llr)
            }
        }
        return best
    }
}
