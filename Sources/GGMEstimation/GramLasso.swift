import GGMCore

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
/// Covariance updates on the active set (glmnet's "covariance updating"): during the sweeps over
/// the active set only the residuals of active coordinates are read, so a move updates those
/// (O(|A|) per move, not O(n)); the other residuals are brought up to date once, when the phase
/// ends, by the net change of each active coefficient (O(|A| n) per phase instead of per sweep).
/// The iterates are the plain algorithm's up to rounding: the residuals of inactive coordinates
/// are summed in another order.
///
/// `covarianceUpdates: false` runs the active phases as the plain algorithm (every move updates
/// the whole residual), the same-run baseline of `ggmwatch bench`.
///
/// - Returns: the number of sweeps (full or active) and whether the threshold was met.
@inline(__always)
func gramLassoSolve(
    gram v: UnsafePointer<Double>, dimension n: Int, excluded: Int,
    coefficients b: UnsafeMutablePointer<Double>, residual r: UnsafeMutablePointer<Double>,
    lambda: Double, threshold: Double, maxSweeps: Int,
    active: UnsafeMutablePointer<Int>, diagonal: UnsafePointer<Double>? = nil,
    covarianceUpdates: Bool = true
) -> (sweeps: Int, converged: Bool) {
    // The diagonal of V, contiguous (read once per coordinate per sweep: a strided read of V would
    // touch a new cache line each time). Callers solving many problems on one V pass it in.
    let ownDiagonal: UnsafeMutablePointer<Double>?
    if diagonal == nil {
        ownDiagonal = .allocate(capacity: Swift.max(n, 1))
        for k in 0..<n { ownDiagonal![k] = v[k * n + k] }
    } else {
        ownDiagonal = nil
    }
    defer { ownDiagonal?.deallocate() }
    let diag = diagonal ?? UnsafePointer(ownDiagonal!)
    /// The coordinate step on `b_k`; returns its move `d` (0 when it stays), the residuals untouched.
    @inline(__always)
    func step(_ k: Int) -> Double {
        let vkk = diag[k]
        let old = b[k]
        let z = r[k] + vkk * old
        let new: Double
        if z > lambda { new = (z - lambda) / vkk } else if z < -lambda { new = (z + lambda) / vkk } else { new = 0 }
        if new == old { return 0 }
        b[k] = new
        return new - old
    }
    /// A step with every residual updated; returns the move's size `sqrt(V_kk) |d|`.
    @inline(__always)
    func update(_ k: Int) -> Double {
        let d = step(k)
        if d == 0 { return 0 }
        let row = v + k * n
        for l in 0..<n { r[l] -= d * row[l] }
        return Swift.abs(d) * diag[k].squareRoot()
    }

    // Scratch for an active phase: each active coefficient at its start, then the active residuals.
    let start = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
    let kept = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
    defer { start.deallocate(); kept.deallocate() }

    var sweeps = 0
    /// Sweeps over `active[0..<count]` until they settle, residuals kept on the active set only,
    /// then the other residuals by each active coefficient's net change over the phase.
    func activePhase(_ count: Int) {
        guard covarianceUpdates else {
            // The plain algorithm (ggmwatch 0.9, kept as the benchmark's baseline): every move
            // updates the whole residual.
            while sweeps < maxSweeps {
                var m = 0.0
                for a in 0..<count { m = Swift.max(m, update(active[a])) }
                sweeps += 1
                if m < threshold { return }
            }
            return
        }
        for a in 0..<count { start[a] = b[active[a]] }
        while sweeps < maxSweeps {
            var m = 0.0
            for a in 0..<count {
                let k = active[a]
                let d = step(k)
                if d == 0 { continue }
                let row = v + k * n
                for c in 0..<count {
                    let l = active[c]
                    r[l] -= d * row[l]
                }
                m = Swift.max(m, Swift.abs(d) * diag[k].squareRoot())
            }
            sweeps += 1
            if m < threshold { break }
        }
        for a in 0..<count { kept[a] = r[active[a]] }
        for a in 0..<count {
            let k = active[a]
            let d = b[k] - start[a]
            if d == 0 { continue }
            let row = v + k * n
            for l in 0..<n { r[l] -= d * row[l] }
        }
        for a in 0..<count { r[active[a]] = kept[a] }
    }

    while sweeps < maxSweeps {
        // Full sweep (KKT check).
        // A coordinate at zero with |r_k| <= lambda stays at zero and is not active: the sweep
        // skips such runs four at a time and updates the others in order, as one by one would.
        var maxChange = 0.0
        var activeCount = 0
        let bound = SIMD4<Double>(repeating: lambda)
        var k = 0
        while k < n {
            if k + 4 <= n {
                let rk = SIMD4<Double>.load(r + k), bk = SIMD4<Double>.load(b + k)
                let idle = (rk .<= bound) .& (rk .>= -bound) .& (bk .== .zero)
                if all(idle) { k += 4; continue }
            }
            if k != excluded, b[k] != 0 || !(Swift.abs(r[k]) <= lambda) {
                let c = update(k)
                if c > maxChange { maxChange = c }
                if b[k] != 0 { active[activeCount] = k; activeCount += 1 }
            }
            k += 1
        }
        sweeps += 1
        if maxChange < threshold { return (sweeps, true) }
        activePhase(activeCount)
    }
    return (sweeps, false)
}
