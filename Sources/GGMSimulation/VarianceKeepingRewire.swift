import GGMCore

/// A rewiring that keeps every node's marginal variance: the edges change, `diag(Sigma)` does not.
///
/// The new network is a global redraw (``GlobalChange``) `Omega_new`, rescaled to
/// `Omega' = D^{1/2} Omega_new D^{1/2}`. Since `(D^{1/2} Omega_new D^{1/2})^{-1} = D^{-1/2} Sigma_new D^{-1/2}`,
/// `Sigma'_ii = Sigma_new_ii / D_ii`, so `D_ii = Sigma_new_ii / Sigma_ii` solves the problem in
/// one step; a few fixed-point passes `D_ii <- D_ii * Sigma'_ii / Sigma_ii` then remove the
/// rounding of the inversions, and the result is verified to a relative `1e-10`. The
/// rescaling keeps the new graph and its partial correlations. A detector that looks only
/// at variances (or at the marginal scale of each series) cannot see this change.
public struct VarianceKeepingRewire<Graph: PrecisionGenerator>: Sendable {
    public var graph: Graph

    public init(graph: Graph) { self.graph = graph }

    public func apply(to precision: Matrix, using rng: inout some RandomNumberGenerator) throws(SimulationError) -> PrecisionChange {
        let target: [Double]
        do { target = try precision.inverseSPD().diagonal } catch { throw .notPositiveDefinite(change: .rewireKeepingVariances) }
        let fresh = GlobalChange(graph: graph).redraw(p: precision.rows, using: &rng)
        var d = [Double](repeating: 1, count: precision.rows)
        var after = fresh
        var worst = Double.infinity
        for _ in 0..<8 {
            let sigma: [Double]
            do { sigma = try after.inverseSPD().diagonal } catch { throw .notPositiveDefinite(change: .rewireKeepingVariances) }
            worst = 0
            for i in d.indices {
                worst = Swift.max(worst, Swift.abs(sigma[i] / target[i] - 1))
                d[i] *= sigma[i] / target[i]
            }
            if worst <= 1e-13 { break }
            after = PositiveDefiniteness.rescaled(fresh, by: d)
        }
        guard worst <= 1e-10 else { throw .varianceMismatch(relativeError: worst) }
        return PrecisionChange(kind: .rewireKeepingVariances, before: precision, after: after)
    }
}
