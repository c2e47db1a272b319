extension Cholesky {
    /// The smallest eigenvalue of a symmetric matrix, to relative accuracy `tolerance` of its
    /// scale, by bisection on `t` with the Cholesky factorization of `A - t I` (which exists
    /// exactly when `t` is below the smallest eigenvalue), starting from Gershgorin's bounds.
    ///
    /// For diagnostics (say why a matrix is not positive definite): O(n^3 / 3) per bisection
    /// step, about 50 steps.
    public static func smallestEigenvalue(of a: Matrix, tolerance: Double = 1e-10) -> Double {
        let n = a.rows
        guard n > 0, a.isSquare else { return .nan }
        var lo = Double.infinity
        var hi = Double.infinity
        var scale = 0.0
        for i in 0..<n {
            var radius = 0.0
            for j in 0..<n where j != i { radius += abs(a[i, j]) }
            lo = min(lo, a[i, i] - radius)
            hi = min(hi, a[i, i])
            scale = max(scale, abs(a[i, i]) + radius)
        }
        guard lo.isFinite, hi.isFinite else { return .nan }
        // lambda_min is in [lo, hi]: Gershgorin below, the smallest diagonal entry above.
        let target = tolerance * max(scale, .leastNormalMagnitude)
        var shifted = a
        while hi - lo > target {
            let mid = (lo + hi) / 2
            shifted = a
            for i in 0..<n { shifted[i, i] -= mid }
            if (try? Cholesky(shifted)) != nil { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
