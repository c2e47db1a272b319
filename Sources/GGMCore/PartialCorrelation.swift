extension Matrix {
    /// The partial correlation of nodes `u` and `v` of this precision matrix `Omega`:
    /// `r_uv = -Omega_uv / sqrt(Omega_uu Omega_vv)`, the correlation of `x_u` and `x_v` given all
    /// other nodes (the usual sign convention), and `r_uu = 1` on the diagonal.
    ///
    /// Note the sign: the residual correlation `Corr(e_u, e_v)` of ALGORITHMS.md section 1 is `-r_uv`.
    /// The diagonal entries `Omega_uu`, `Omega_vv` must be positive.
    ///
    /// - Complexity: O(1).
    @inlinable
    public func partialCorrelation(_ u: Int, _ v: Int) -> Double {
        u == v ? 1 : -self[u, v] / (self[u, u] * self[v, v]).squareRoot()
    }
}
