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

extension Matrix {
    /// Whether this symmetric matrix is positive definite by Gershgorin's theorem alone: every
    /// diagonal entry positive and larger than the magnitudes of the rest of its row, with a margin
    /// of 1e-12 of the sum for its rounding. O(n^2), against O(n^3 / 3) for a Cholesky factor; false
    /// says nothing (factor the matrix to know). A sparse network fitted with a penalty usually
    /// passes (the p = 5,000 in-control model of ALGORITHMS.md section 22 does, every row by a
    /// factor of at least 1.9).
    public var isPositiveDefiniteByDominance: Bool {
        guard isSquare else { return false }
        let n = rows
        return elements.withUnsafeBufferPointer { e in
            for i in 0..<n {
                let row = e.baseAddress! + i * n
                var off = 0.0
                for j in 0..<n where j != i { off += Swift.abs(row[j]) }
                let d = row[i]
                guard d > 0, d.isFinite, off.isFinite, d > off * (1 + 1e-12) else { return false }
            }
            return true
        }
    }
}
