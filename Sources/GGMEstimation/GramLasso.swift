/// The lasso kernel shared by ``NodewiseLasso`` and ``GraphicalLasso``: coordinate descent on
///
///     minimize over b (b_excluded = 0):   (1/2) b^T V b - u^T b + lambda ||b||_1
///
/// where `V` is a symmetric `n x n` Gram-type matrix given in full (row-major), and coordinate
/// `excluded` is left out (it is the response node). The caller keeps the *partial residual*
/// `r = u - V b` (entries `k != excluded` are meaningful) and passes it in; the kernel keeps it
/// up to date, so checking one coordinate costs O(1) and moving one costs O(n) (one contiguous
/// row of `V`).
///
/// Coordinate step (Friedman, Hastie & Tibshirani 2007, 2010):
/// `b_k <- S(r_k + V_kk b_k, lambda) / V_kk` with `S(z, t) = sign(z) max(|z| - t, 0)`.
///
/// Active sets (glmnet's strategy): one full sweep over all coordinates, then sweeps over the
/// nonzero coordinates only until they settle, then another full sweep, which doubles as the
/// KKT check: the problem is solved when a full sweep moves no coordinate by more than the
/// threshold. A coordinate's move is measured as `sqrt(V_kk) |delta b_k|` (the change of the
/// fitted values' scale, in the response's units).
///
/// - Returns: the number of sweeps (full or active) and whether the threshold was met.
@inline(__always)
func gramLassoSolve(
    gram v: UnsafePointer<Double>, dimension n: Int, excluded: Int,
    coefficients b: UnsafeMutablePointer<Double>, residual r: UnsafeMutablePointer<Double>,
    lambda: Double, threshold: Double, maxSweeps: Int,
    active: UnsafeMutablePointer<Int>
) -> (sweeps: Int, converged: Bool) {
    @inline(__always)
    func update(_ k: Int) -> Double {
        let vkk = v[k * n + k]
        let old = b[k]
        let z = r[k] + vkk * old
        let new: Double
        if z > lambda { new = (z - lambda) / vkk } else if z < -lambda { new = (z + lambda) / vkk } else { new = 0 }
        if new == old { return 0 }
        let d = new - old
        b[k] = new
        let row = v + k * n
        for l in 0..<n { r[l] -= d * row[l] }
        return Swift.abs(d) * vkk.squareRoot()
    }

    var sweeps = 0
    while sweeps < maxSweeps {
        // Full sweep (KKT check).
        var maxChange = 0.0
        var activeCount = 0
        for k in 0..<n where k != excluded {
            let c = update(k)
            if c > maxChange { maxChange = c }
            if b[k] != 0 { active[activeCount] = k; activeCount += 1 }
        }
        sweeps += 1
        if maxChange < threshold { return (sweeps, true) }
        // Sweeps over the active set until it settles.
        while sweeps < maxSweeps {
            var m = 0.0
            for a in 0..<activeCount {
                let c = update(active[a])
                if c > m { m = c }
            }
            sweeps += 1
            if m < threshold { break }
        }
    }
    return (sweeps, false)
}
