/// Draws from a multivariate normal `N(mu, Omega^{-1})` given its precision matrix `Omega`.
///
/// With `Omega = L L^T`, `x = mu + L^{-T} z` for standard normal `z` has
/// covariance `L^{-T} L^{-1} = Omega^{-1}`: one back substitution per draw, no inverse formed.
///
/// - Complexity: O(p^3) once to factor, O(p^2) per draw.
public struct GaussianSampler: Sendable {
    public let mean: [Double]
    public let factor: Cholesky

    /// A sampler for `N(mean, precision^{-1})`; `mean` defaults to zero.
    public init(precision: Matrix, mean: [Double]? = nil) throws(NumericalError) {
        self.factor = try Cholesky(precision)
        self.mean = mean ?? [Double](repeating: 0, count: precision.rows)
        precondition(self.mean.count == precision.rows, "mean and precision dimensions differ")
    }

    public var dimension: Int { mean.count }

    /// One draw.
    public func sample(using rng: inout some RandomNumberGenerator) -> [Double] {
        let z = rng.standardNormals(dimension)
        var x = factor.solveUpper(z)
        for i in 0..<dimension { x[i] += mean[i] }
        return x
    }

    /// `n` draws as the rows of an `n x p` matrix.
    public func sample(_ n: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        var out = Matrix(rows: n, columns: dimension)
        for t in 0..<n {
            let x = sample(using: &rng)
            for j in 0..<dimension { out[t, j] = x[j] }
        }
        return out
    }
}
