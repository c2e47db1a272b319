import GGMCore

/// Positive definiteness checks and repairs for precision matrices, built on Cholesky only.
///
/// ggmwatch has no eigen-solver, but `A + c I` is positive definite exactly when
/// `c > -lambda_min(A)`, and Cholesky tells which side of that threshold `c` is on.
/// Bisection on `c` therefore finds `-lambda_min(A)` to any relative accuracy, which is all
/// the classic recipe "diagonal = |lambda_min| + margin" needs.
public enum PositiveDefiniteness {
    /// Whether `a - margin * I` is positive definite (so `lambda_min(a) > margin`), by Cholesky.
    ///
    /// - Complexity: O(p^3 / 3).
    public static func isPositiveDefinite(_ a: Matrix, margin: Double = 0) -> Bool {
        guard a.isSquare, a.isSymmetric(tolerance: 1e-12 * Swift.max(1, maxAbs(a))) else { return false }
        var shifted = a
        if margin != 0 { for i in 0..<a.rows { shifted[i, i] -= margin } }
        return (try? Cholesky(shifted)) != nil
    }

    /// The smallest `c >= 0` with `a + c I` positive semidefinite, that is `max(0, -lambda_min(a))`,
    /// found by bisection with Cholesky.
    ///
    /// The returned value `c` is on the safe side: `a + c I` is positive definite (when
    /// `c > 0`) and `c - (-lambda_min) <= relativeTolerance * c`. The bracket starts from
    /// `max_ij |a_ij|` below when the diagonal is zero (a 2 x 2 principal submatrix has
    /// eigenvalue `-|a_ij|`, and eigenvalues interlace) and the Gershgorin bound above.
    ///
    /// - Complexity: O(p^3 log(1 / relativeTolerance)), about 20 Cholesky factorizations.
    public static func minimalDiagonalShift(_ a: Matrix, relativeTolerance: Double = 1e-6) -> Double {
        precondition(a.isSquare, "only square matrices have a diagonal shift")
        let p = a.rows
        if isPositiveDefinite(a) { return 0 }
        var hi = 0.0
        for i in 0..<p {
            var radius = -a[i, i]
            for j in 0..<p where j != i { radius += Swift.abs(a[i, j]) }
            hi = Swift.max(hi, radius)
        }
        hi = hi * (1 + 1e-9) + 1e-300
        while !isPositiveDefinite(shift(a, by: hi)) { hi *= 2 }
        var lo = 0.0
        while hi - lo > relativeTolerance * hi {
            let mid = 0.5 * (lo + hi)
            if isPositiveDefinite(shift(a, by: mid)) { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// The precision matrix with off-diagonal part `offDiagonal` (its diagonal is ignored) and
    /// constant diagonal `-lambda_min(offDiagonal) + margin`, so that its smallest eigenvalue is
    /// `margin` (up to the bisection tolerance, on the larger side).
    ///
    /// This is the usual recipe of the simulation literature (e.g. the `huge` R package):
    /// `Omega = A + (|lambda_min(A)| + margin) I`.
    public static func shiftedToPositiveDefinite(offDiagonal: Matrix, margin: Double) -> Matrix {
        precondition(margin > 0, "the margin must be positive")
        var a = offDiagonal
        for i in 0..<a.rows { a[i, i] = 0 }
        let c = minimalDiagonalShift(a)
        return shift(a, by: c + margin)
    }

    /// `D^{1/2} a D^{1/2}` for the diagonal `D = diag(scales)`: node `i` is rescaled by `sqrt(scales[i])`.
    ///
    /// Positive definiteness, the graph and every partial correlation are unchanged.
    public static func rescaled(_ a: Matrix, by scales: [Double]) -> Matrix {
        precondition(a.isSquare && scales.count == a.rows, "one scale per node")
        let root = scales.map { $0.squareRoot() }
        var out = a
        for i in 0..<a.rows { for j in 0..<a.columns { out[i, j] = a[i, j] * (root[i] * root[j]) } }
        return out
    }

    /// The partial correlation of nodes `i` and `j`: `r_ij = -Omega_ij / sqrt(Omega_ii Omega_jj)`
    /// (the correlation of `x_i` and `x_j` given all other nodes).
    ///
    /// Note the sign: the residual correlation `Corr(e_i, e_j)` of ALGORITHMS.md section 1 is `-r_ij`.
    /// The same as ``Matrix/partialCorrelation(_:_:)`` (so `1` for `i == j`).
    public static func partialCorrelation(_ precision: Matrix, _ i: Int, _ j: Int) -> Double {
        precision.partialCorrelation(i, j)
    }

    static func shift(_ a: Matrix, by c: Double) -> Matrix {
        var out = a
        for i in 0..<a.rows { out[i, i] += c }
        return out
    }

    static func maxAbs(_ a: Matrix) -> Double {
        a.elements.reduce(0) { Swift.max($0, Swift.abs($1)) }
    }
}
