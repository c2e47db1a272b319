import Foundation
import GGMCore

/// Which sparse precision estimator to use.
public enum EstimationMethod: String, Codable, Sendable, CaseIterable {
    /// Neighbourhood selection: p node-wise lassos, symmetrized by averaging (``NodewiseLasso``).
    case nodewise
    /// The graphical lasso (``GraphicalLasso``): a symmetric positive definite estimate.
    case glasso
}

/// How the penalty is chosen.
public enum LambdaRule: Codable, Sendable, Equatable {
    /// This value, on the scale of the fitted matrix (the correlation matrix when standardizing).
    case fixed(Double)
    /// The theory rate `lambda = c sqrt(log p / n)` (see ``LambdaSelection/theoryLambda(c:dimension:sampleSize:)``).
    case theory(c: Double)
    /// The minimum of BIC over a warm-started path (see ``NetworkEstimator/selectLambda(covariance:sampleSize:)``).
    case bic
}

/// The estimation front used by the monitor: validates the covariance, standardizes, picks lambda,
/// runs the chosen estimator (warm-started) and returns the network on the original scale.
///
/// With `standardize` (the default) the estimator is fit to the correlation matrix
/// `R = D^{-1/2} S D^{-1/2}`, `D = diag(S)`, and the result is rescaled back:
/// `Omega = D^{-1/2} Theta D^{-1/2}`. Then lambda means the same thing for every node whatever
/// its units. Without it, the estimator is fit directly to `S` (as the fixtures are).
public struct NetworkEstimator: Codable, Sendable, Equatable {
    /// The default constant of the theory rule, `c = 1.1`: within 2-7% of the best edge-recovery F1 and
    /// 2-17% of the best Kullback-Leibler loss in our simulation (see ``LambdaSelection`` and docs/LAMBDA.md).
    public static let defaultTheoryConstant = 1.1

    public var method: EstimationMethod
    public var lambda: LambdaRule
    public var standardize: Bool
    /// Convergence tolerance passed to the estimator (see ``NodewiseLasso/tolerance``, ``GraphicalLasso/tolerance``).
    /// Default 1e-5: on the S&P 500 burn-in (p = 452, n = 250) the precision is then within about 1e-4
    /// of the fully converged one in partial-correlation units `|dOmega_ij| / sqrt(Omega_ii Omega_jj)`
    /// (1e-3 at R glasso's default 1e-4), far below the statistical error ~ 1/sqrt(n).
    public var tolerance: Double
    /// Sweep limit passed to the estimator.
    public var maxIterations: Int
    /// Number of lambdas on the BIC path.
    public var bicGridSize: Int
    /// The BIC path runs from lambda_max down to `bicMinimumRatio * lambda_max`.
    public var bicMinimumRatio: Double

    public init(method: EstimationMethod = .glasso,
                lambda: LambdaRule = .theory(c: NetworkEstimator.defaultTheoryConstant),
                standardize: Bool = true,
                tolerance: Double = 1e-5,
                maxIterations: Int = 1_000,
                bicGridSize: Int = 20,
                bicMinimumRatio: Double = 0.01) {
        self.method = method
        self.lambda = lambda
        self.standardize = standardize
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.bicGridSize = bicGridSize
        self.bicMinimumRatio = bicMinimumRatio
    }

    /// Estimates the network from a covariance matrix of `n` observations.
    ///
    /// - Parameters:
    ///   - covariance: the ML covariance `S` (p x p, finite, positive diagonal).
    ///   - n: the number of observations behind `S` (used by the theory and BIC rules).
    ///   - warmStart: a previous fit of the same method and dimension (for instance the last
    ///     reference); it is converted to the current scale, so warm starts work across the
    ///     standardization even though `diag(S)` changed. A fit of another method or dimension is ignored.
    /// - Throws: ``EstimationError`` for invalid input or numerical breakdown.
    public func fit(covariance: Matrix, sampleSize n: Int, warmStart: NetworkFit? = nil) throws(EstimationError) -> NetworkFit {
        try validate(covariance: covariance, sampleSize: n)
        let (r, scale) = fitScale(covariance)
        let p = covariance.rows
        var selection: LambdaSelection?
        let raw: RawFit
        switch lambda {
        case .fixed(let v):
            try EstimationError.validateLambda(v)
            raw = try fitRaw(r, lambda: v, warmStart: warmStart.flatMap { convertWarmStart($0, to: scale) })
        case .theory(let c):
            guard c >= 0, c.isFinite else { throw .invalidParameter(name: "theory constant c", value: c) }
            let unit = standardize ? 1 : (0..<p).reduce(0.0) { $0 + r[$1, $1] } / Double(Swift.max(p, 1))
            let v = LambdaSelection.theoryLambda(c: c, dimension: p, sampleSize: n) * unit
            raw = try fitRaw(r, lambda: v, warmStart: warmStart.flatMap { convertWarmStart($0, to: scale) })
        case .bic:
            let (sel, best) = try bicPath(r, sampleSize: n)
            selection = sel
            raw = best
        }
        var fit = makeFit(raw, scale: scale)
        fit.lambdaSelection = selection
        return fit
    }

    /// Runs the BIC path on the (standardized, if `standardize`) covariance and returns it with the chosen lambda.
    public func selectLambda(covariance: Matrix, sampleSize n: Int) throws(EstimationError) -> LambdaSelection {
        try validate(covariance: covariance, sampleSize: n)
        return try bicPath(fitScale(covariance).matrix, sampleSize: n).selection
    }

    // MARK: - Internals

    enum RawFit {
        case nodewise(NodewiseLassoFit)
        case glasso(GraphicalLassoFit)
    }

    func validate(covariance: Matrix, sampleSize n: Int) throws(EstimationError) {
        try EstimationError.validateCovariance(covariance)
        guard n >= 2 else { throw .invalidSampleSize(n) }
        guard tolerance > 0, tolerance.isFinite else { throw .invalidParameter(name: "tolerance", value: tolerance) }
        guard maxIterations >= 1 else { throw .invalidParameter(name: "maxIterations", value: Double(maxIterations)) }
    }

    /// The matrix the estimator sees (R or S) and the scale `s_j` with `x_fit,j = x_j / s_j`.
    func fitScale(_ s: Matrix) -> (matrix: Matrix, scale: [Double]) {
        let p = s.rows
        guard standardize else { return (s, [Double](repeating: 1, count: p)) }
        let d = s.diagonal.map { $0.squareRoot() }
        // Written once, entry by entry (no copy of S to overwrite).
        let r = Matrix(rowsOf: s, with: d) { i, e, db, out in
            let di = db[i]
            for j in 0..<p { out[j] = e[j] / (di * db[j]) }
            out[i] = 1
        }
        return (r, d)
    }

    /// A previous fit's warm-start state expressed on the new fit scale (nil when not usable).
    ///
    /// With `rho_i = s_new,i / s_old,i`: `W_new,ij = W_old,ij / (rho_i rho_j)` and
    /// `b_new,jk = b_old,jk rho_k / rho_j` (a coefficient of `x_j` on `x_k` scales as `s_k / s_j`).
    func convertWarmStart(_ warm: NetworkFit, to scale: [Double]) -> RawFit? {
        let p = scale.count
        guard warm.method == method, warm.precision.rows == p, warm.scale.count == p else { return nil }
        switch method {
        case .nodewise:
            guard let old = warm.coefficients else { return nil }
            // Written into fresh storage in one pass (the warm fit stays as it is, no copy first).
            // A zero times the positive finite scales is the same zero, so every entry can go
            // through the formula: the result is the support's rescaling, bit for bit.
            let c = Matrix(rowsOf: old, with: scale) { j, b, scale, out in
                for k in 0..<p { out[k] = b[k] * scale[k] / scale[j] }
            }
            return .nodewise(NodewiseLassoFit(coefficients: c, residualVariance: [Double](repeating: 1, count: p),
                                              lambda: warm.lambda, iterations: 0, converged: false))
        case .glasso:
            guard let w = warm.glassoCovariance, let b = warm.glassoCoefficients else { return nil }
            let rho = (0..<p).map { scale[$0] / warm.scale[$0] }
            var w2 = w, b2 = b
            for i in 0..<p {
                for j in 0..<p {
                    w2[i, j] = w[i, j] / (rho[i] * rho[j])
                    b2[i, j] = b[i, j] * rho[j] / rho[i]
                }
            }
            return .glasso(GraphicalLassoFit(precision: warm.precision, covariance: w2, coefficients: b2, lambda: warm.lambda,
                                             iterations: 0, converged: false, objective: .nan, componentSizes: []))
        }
    }

    /// Fits the chosen estimator on the fit-scale matrix.
    ///
    /// Consumes `warmStart`: a node-wise warm start's coefficients become the fit's storage.
    func fitRaw(_ r: Matrix, lambda: Double, warmStart: consuming RawFit?) throws(EstimationError) -> RawFit {
        switch method {
        case .nodewise:
            var warmCoefficients: Matrix?
            switch consume warmStart {
            case .nodewise(let w)?: warmCoefficients = w.coefficients
            default: break
            }
            let fit = NodewiseLasso(lambda: lambda, tolerance: tolerance, maxIterations: maxIterations)
                .fitValidated(r, initialCoefficients: consume warmCoefficients)
            for (j, v) in fit.residualVariance.enumerated() where !(v > 0) || !v.isFinite {
                throw .nonPositiveResidualVariance(node: j, value: v)
            }
            return .nodewise(fit)
        case .glasso:
            var w0: Matrix?, b0: Matrix?
            if case .glasso(let w)? = consume warmStart { w0 = w.covariance; b0 = w.coefficients }
            let fit = try GraphicalLasso(lambda: lambda, tolerance: tolerance, maxIterations: maxIterations)
                .fitValidated(r, initialCovariance: w0, initialCoefficients: b0)
            return .glasso(fit)
        }
    }

    /// ``makeFit(_:scale:)`` of a node-wise fit, for the benchmark's comparison with the dense
    /// assembly it replaced.
    @_spi(Benchmark) public func networkFit(nodewise raw: NodewiseLassoFit, scale: [Double]) -> NetworkFit {
        makeFit(.nodewise(raw), scale: scale)
    }

    /// The network on the original scale.
    ///
    /// Consumes `raw`, so a node-wise fit's coefficients are rescaled in their own storage, and
    /// forms the node-wise precision on the original scale in one pass (no p x p copies: at
    /// p = 5,000 each is 200 MB of fresh pages).
    func makeFit(_ raw: consuming RawFit, scale: [Double]) -> NetworkFit {
        let p = scale.count
        // Zeros stay zeros (a sparse network): only nonzero entries are rescaled, with the same
        // operations as a dense pass, so the result is the same bit for bit.
        func rescalePrecision(_ t: Matrix) -> Matrix {
            var o = t
            o.elements.withUnsafeMutableBufferPointer { ob in
                for i in 0..<p { for j in 0..<p where ob[i * p + j] != 0 { ob[i * p + j] = ob[i * p + j] / (scale[i] * scale[j]) } }
            }
            return o
        }
        switch consume raw {
        case .nodewise(var f):
            let (precision, support) = f.precisionAndSupport(rescaledBy: scale)
            // The nonzero coefficients, found by the precision's row scan (no second p x p scan).
            f.coefficients.elements.withUnsafeMutableBufferPointer { bb in
                for index in support {
                    let (j, k) = index.quotientAndRemainder(dividingBy: p)
                    bb[index] = bb[index] * scale[j] / scale[k]
                }
            }
            let rv = (0..<p).map { f.residualVariance[$0] * scale[$0] * scale[$0] }
            return NetworkFit(method: .nodewise, lambda: f.lambda, precision: precision,
                              iterations: f.iterations, converged: f.converged, standardized: standardize, scale: scale,
                              coefficients: f.coefficients, residualVariance: rv)
        case .glasso(let f):
            return NetworkFit(method: .glasso, lambda: f.lambda, precision: rescalePrecision(f.precision),
                              iterations: f.iterations, converged: f.converged, standardized: standardize, scale: scale,
                              glassoCovariance: f.covariance, glassoCoefficients: f.coefficients, objective: f.objective)
        }
    }
}

/// An estimated network: the precision matrix on the original scale, with how it was obtained.
public struct NetworkFit: Codable, Sendable, Equatable {
    public var method: EstimationMethod
    /// The penalty used, on the fit scale (correlation scale when `standardized`).
    public var lambda: Double
    /// The estimated precision `Omega` on the original scale of the data.
    public var precision: Matrix
    /// The estimator's sweep count (see ``NodewiseLassoFit/iterations`` and ``GraphicalLassoFit/iterations``).
    public var iterations: Int
    public var converged: Bool
    /// Whether the fit was made on the correlation scale.
    public var standardized: Bool
    /// The scale `s_j` of the fit: `x_fit,j = x_j / s_j` (`sqrt(S_jj)` when standardized, else 1).
    public var scale: [Double]
    /// Node-wise only: row j = regression of node j on the others, on the original scale.
    public var coefficients: Matrix?
    /// Node-wise only: the residual variances `sigma_j^2` on the original scale.
    public var residualVariance: [Double]?
    /// Graphical lasso warm-start state on the fit scale: the covariance iterate `W`.
    public var glassoCovariance: Matrix?
    /// Graphical lasso warm-start state on the fit scale: the column lassos' coefficients (row j for column j).
    public var glassoCoefficients: Matrix?
    /// Graphical lasso only: its objective on the fit scale.
    public var objective: Double?
    /// The BIC path when lambda was chosen by ``LambdaRule/bic``.
    public var lambdaSelection: LambdaSelection?

    public init(method: EstimationMethod, lambda: Double, precision: Matrix, iterations: Int, converged: Bool,
                standardized: Bool, scale: [Double], coefficients: Matrix? = nil, residualVariance: [Double]? = nil,
                glassoCovariance: Matrix? = nil, glassoCoefficients: Matrix? = nil, objective: Double? = nil,
                lambdaSelection: LambdaSelection? = nil) {
        self.method = method
        self.lambda = lambda
        self.precision = precision
        self.iterations = iterations
        self.converged = converged
        self.standardized = standardized
        self.scale = scale
        self.coefficients = coefficients
        self.residualVariance = residualVariance
        self.glassoCovariance = glassoCovariance
        self.glassoCoefficients = glassoCoefficients
        self.objective = objective
        self.lambdaSelection = lambdaSelection
    }

    /// The number of nodes p.
    public var dimension: Int { precision.rows }

    /// Number of edges: nonzero entries in the upper off-diagonal of the precision.
    public var edgeCount: Int { precision.upperOffDiagonalNonzeroCount() }

    /// The edges `(i, j)`, `i < j`, with nonzero precision entry.
    public var edges: [(Int, Int)] {
        let p = dimension
        var out: [(Int, Int)] = []
        for i in 0..<p { for j in (i + 1)..<p where precision[i, j] != 0 { out.append((i, j)) } }
        return out
    }
}
