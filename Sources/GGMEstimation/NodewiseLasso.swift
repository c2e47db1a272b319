import GGMCore

/// Neighbourhood selection (Meinshausen & Buhlmann 2006): one lasso regression per node, from the
/// covariance (Gram) matrix.
///
/// For each node `j`:
///
///     b_j = argmin_b (1/2) b^T S_{-j,-j} b - S_{-j,j}^T b + lambda ||b||_1
///
/// which equals scikit-learn's `Lasso(alpha: lambda, fit_intercept: false)` objective
/// `(1/(2n)) ||x_j - X_{-j} b||^2 + lambda ||b||_1` when `S = X^T X / n` of centered data.
/// Solved by coordinate descent with active sets (``gramLassoSolve``), warm-startable from a
/// previous fit, the p regressions in parallel.
///
/// - Complexity: per node, O(p) per full sweep plus O(p) per coordinate move; no O(p^3) step.
public struct NodewiseLasso: Sendable, Codable, Equatable {
    /// The penalty `lambda >= 0` (on the scale of `S`).
    public var lambda: Double
    /// Convergence threshold: a node's regression is solved when a full sweep moves no
    /// coefficient by more than `tolerance * sqrt(S_jj) / sqrt(S_kk)` (i.e. `sqrt(S_kk) |delta b_jk| < tolerance sqrt(S_jj)`).
    public var tolerance: Double
    /// Maximum number of coordinate sweeps (full or active-set) per node.
    public var maxIterations: Int

    public init(lambda: Double, tolerance: Double = 1e-7, maxIterations: Int = 10_000) {
        self.lambda = lambda
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// Fits all p regressions.
    ///
    /// - Parameters:
    ///   - s: a `p x p` covariance matrix with positive diagonal.
    ///   - warmStart: a previous fit of the same dimension; its coefficients start the descent.
    /// - Throws: ``EstimationError`` for invalid input (non-square, non-finite, non-positive variance, bad lambda).
    public func fit(covariance s: Matrix, warmStart: NodewiseLassoFit? = nil) throws(EstimationError) -> NodewiseLassoFit {
        try validate(s, warmStart: warmStart)
        return fitValidated(s, initialCoefficients: warmStart?.coefficients)
    }

    /// ``fit(covariance:warmStart:)`` with the active phases run as the plain algorithm (every
    /// coordinate move updates the whole residual, as ggmwatch 0.9 did): the benchmark's same-run
    /// baseline. The same solution up to rounding.
    @_spi(Benchmark)
    public func fitPlain(covariance s: Matrix, warmStart: NodewiseLassoFit? = nil) throws(EstimationError) -> NodewiseLassoFit {
        try validate(s, warmStart: warmStart)
        return fitValidated(s, initialCoefficients: warmStart?.coefficients, covarianceUpdates: false)
    }

    private func validate(_ s: Matrix, warmStart: NodewiseLassoFit?) throws(EstimationError) {
        try EstimationError.validateCovariance(s)
        try EstimationError.validateLambda(lambda)
        if let w = warmStart, w.coefficients.rows != s.rows {
            throw .dimensionMismatch(what: "warm start", expected: s.rows, actual: w.coefficients.rows)
        }
    }

    /// The fit without input checks (the caller validated `s`); `initialCoefficients` rows start each regression.
    func fitValidated(_ s: Matrix, initialCoefficients: consuming Matrix?, covarianceUpdates: Bool = true) -> NodewiseLassoFit {
        let p = s.rows
        // A warm start's storage becomes the fit's when the caller gave it up.
        var coefficients = (consume initialCoefficients) ?? Matrix(rows: p, columns: p)
        for j in 0..<p { coefficients.elements[j * p + j] = 0 }
        var residualVariance = [Double](repeating: 0, count: p)
        let lambda = self.lambda, tolerance = self.tolerance, maxSweeps = Swift.max(1, maxIterations)
        // The diagonal of S, contiguous: every regression reads it once per sweep.
        let diagonal = s.diagonal
        let results: [(sweeps: Int, converged: Bool)] = s.elements.withUnsafeBufferPointer { sb in
            diagonal.withUnsafeBufferPointer { db in
                coefficients.elements.withUnsafeMutableBufferPointer { cb in
                    residualVariance.withUnsafeMutableBufferPointer { rvb in
                        let gram = UnsafeSendable(sb.baseAddress!), diag = UnsafeSendable(db.baseAddress!)
                        let coef = SharedMutableBuffer(cb)
                        let rv = SharedMutableBuffer(rvb)
                        return parallelMap(p) { j in
                            NodewiseLasso.solveNode(
                                j, gram: gram.pointer, diagonal: diag.pointer, p: p,
                                coefficients: coef.base.baseAddress! + j * p, residualVariance: rv, lambda: lambda,
                                tolerance: tolerance, maxSweeps: maxSweeps, covarianceUpdates: covarianceUpdates)
                        }
                    }
                }
            }
        }
        let sweeps = results.reduce(0) { $0 + $1.sweeps }
        let converged = results.allSatisfy(\.converged)
        return NodewiseLassoFit(coefficients: coefficients, residualVariance: residualVariance,
                                lambda: lambda, iterations: sweeps, converged: converged)
    }

    private static func solveNode(
        _ j: Int, gram s: UnsafePointer<Double>, diagonal: UnsafePointer<Double>, p: Int,
        coefficients b: UnsafeMutablePointer<Double>,
        residualVariance rv: SharedMutableBuffer, lambda: Double, tolerance: Double, maxSweeps: Int,
        covarianceUpdates: Bool
    ) -> (sweeps: Int, converged: Bool) {
        let r = UnsafeMutablePointer<Double>.allocate(capacity: p)
        let active = UnsafeMutablePointer<Int>.allocate(capacity: p)
        defer { r.deallocate(); active.deallocate() }
        // r = S_{., j} - S b over the warm-start support.
        // Four rows at a time, each entry's subtractions in the order of l (``ResidualRows``).
        r.update(from: s + j * p, count: p)
        var warm = ResidualRows()
        for l in 0..<p where b[l] != 0 {
            warm.append(b[l], s + l * p)
            if warm.count == ResidualRows.width { warm.apply(to: r, count: p) }
        }
        warm.apply(to: r, count: p)
        let sjj = s[j * p + j]
        let result = gramLassoSolve(gram: s, dimension: p, excluded: j, coefficients: b, residual: r,
                                    lambda: lambda, threshold: tolerance * sjj.squareRoot(),
                                    maxSweeps: maxSweeps, active: active, diagonal: diagonal,
                                    covarianceUpdates: covarianceUpdates)
        // sigma_j^2 = S_jj - 2 b^T S_{-j,j} + b^T S_{-j,-j} b, over the support of b.
        var count = 0
        for k in 0..<p where b[k] != 0 { active[count] = k; count += 1 }
        var cross = 0.0, quad = 0.0
        for a in 0..<count {
            let k = active[a]
            cross += b[k] * s[k * p + j]
            var t = 0.0
            let row = s + k * p
            for c in 0..<count { t += row[active[c]] * b[active[c]] }
            quad += b[k] * t
        }
        rv[j] = sjj - 2 * cross + quad
        return result
    }
}

/// A pointer that parallel workers only read (the Gram matrix).
typealias UnsafeSendable = SendablePointer<Double>

/// The result of ``NodewiseLasso/fit(covariance:warmStart:)``.
public struct NodewiseLassoFit: Codable, Sendable, Equatable {
    /// Row `j` holds the regression coefficients of node `j` on the others (diagonal 0).
    public var coefficients: Matrix
    /// `sigma_j^2 = S_jj - 2 b_j^T S_{-j,j} + b_j^T S_{-j,-j} b_j`, the mean squared residual of node `j`.
    public var residualVariance: [Double]
    /// The penalty used.
    public var lambda: Double
    /// Total number of coordinate sweeps (full and active-set), summed over the p nodes.
    public var iterations: Int
    /// Whether every node's regression met the tolerance within `maxIterations` sweeps.
    public var converged: Bool

    public init(coefficients: Matrix, residualVariance: [Double], lambda: Double, iterations: Int, converged: Bool) {
        self.coefficients = coefficients
        self.residualVariance = residualVariance
        self.lambda = lambda
        self.iterations = iterations
        self.converged = converged
    }

    /// The precision matrix implied by the regressions, symmetrized by averaging.
    ///
    /// From the Gaussian identities `b_jk = -Omega_jk / Omega_jj` and `sigma_j^2 = 1 / Omega_jj`:
    /// `Omega_jj = 1 / sigma_j^2` and the two estimates `-b_jk / sigma_j^2` and `-b_kj / sigma_k^2`
    /// of `Omega_jk`. **Symmetrization rule:** their average (an edge is kept when either
    /// regression selects it, at half weight when only one does).
    ///
    /// Why averaging rather than the conservative AND rule (keep the smaller magnitude): the
    /// monitor scores each node's residual `z_s / sqrt(Omega_ss)`, and averaging keeps the rows
    /// closest to the regressions that estimated them. Measured on random sparse graphs (p = 100,
    /// N = 500, w = 50, 120 null windows), the null mean of the global statistic was 0.84 with
    /// averaging, 1.18 with the AND rule, and 0.78 with the unsymmetrized regressions.
    ///
    /// The result is symmetric but, as for any node-wise estimate, not guaranteed positive definite.
    ///
    /// Pairs that neither regression selects get `0.5 (-0/sigma_j^2 + -0/sigma_k^2) = -0`; they
    /// are filled as such without the divisions (the support costs O(nnz) divisions).
    public var precision: Matrix { precision(rescaledBy: nil) }

    /// ``precision``, each nonzero entry `(j, k)` divided by `scale_j scale_k` when `scale` is
    /// given (the network on the data's scale when the regressions ran on `x_j / scale_j`).
    ///
    /// The same values, bit for bit, as forming ``precision`` and then dividing its nonzero
    /// entries. The pairs come from each row's nonzero coefficients, read row after row: the
    /// column `b_kj` is read only at the support, so a large sparse fit is not read with stride p.
    func precision(rescaledBy scale: [Double]?) -> Matrix { precisionAndSupport(rescaledBy: scale).precision }

    /// ``precision(rescaledBy:)`` and the coefficients' support: the row-major indices
    /// `j * p + k` of the nonzero coefficients, in order (found by the same row scan).
    func precisionAndSupport(rescaledBy scale: [Double]?) -> (precision: Matrix, support: [Int]) {
        let p = residualVariance.count
        var omega = Matrix(rows: p, columns: p, repeating: -0.0)
        var support: [Int] = []
        omega.elements.withUnsafeMutableBufferPointer { ob in
            coefficients.elements.withUnsafeBufferPointer { bb in
                residualVariance.withUnsafeBufferPointer { rv in
                    /// The pair `j < k`: the average of its two estimates, on both sides.
                    func fill(_ j: Int, _ k: Int) {
                        let a = -bb[j * p + k] / rv[j]
                        let c = -bb[k * p + j] / rv[k]
                        var v = 0.5 * (a + c)
                        if let scale, v != 0 { v = v / (scale[j] * scale[k]) }
                        ob[j * p + k] = v
                        ob[k * p + j] = v
                    }
                    for j in 0..<p {
                        var d = 1 / rv[j]
                        if let scale, d != 0 { d = d / (scale[j] * scale[j]) }
                        ob[j * p + j] = d
                        // Each selected pair once: from its upper row, or from its lower row when
                        // only the lower regression selected it.
                        DenseScan.forEachNonzero(bb, in: (j * p)..<(j * p + p)) { index in
                            let k = index - j * p
                            support.append(index)
                            if k > j { fill(j, k) } else if k < j && !(bb[k * p + j] != 0) { fill(k, j) }
                        }
                    }
                }
            }
        }
        return (omega, support)
    }
}
