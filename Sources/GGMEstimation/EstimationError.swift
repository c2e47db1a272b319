import GGMCore

/// Errors raised by the estimators: invalid input, found once at the boundary, and numerical breakdown.
///
/// Non-convergence is *not* an error: fits report `iterations` and `converged` as data.
public enum EstimationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The covariance matrix is not square.
    case notSquare(rows: Int, columns: Int)
    /// Two inputs that must agree in size do not (`what` names the input).
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    /// An entry of the input is NaN or infinite.
    case nonFiniteEntry(row: Int, column: Int, value: Double)
    /// A diagonal entry (a node's variance) is zero or negative: the node is constant or the input is not a covariance.
    case nonPositiveVariance(node: Int, value: Double)
    /// The sample size must be at least 2.
    case invalidSampleSize(Int)
    /// A tuning parameter is out of its range (`name` says which).
    case invalidParameter(name: String, value: Double)
    /// Numerical breakdown: the Schur complement `W_jj - w_12^T beta` of node `node` was not positive.
    case nonPositivePivot(node: Int, value: Double)
    /// Numerical breakdown: node `node`'s residual variance `sigma_j^2` from the node-wise lasso is not positive (perfect fit).
    case nonPositiveResidualVariance(node: Int, value: Double)
    /// Numerical breakdown: an iterate became NaN or infinite while solving for node `node`.
    case nonFiniteIterate(node: Int)
    /// The estimated precision matrix is not positive definite (Cholesky pivot `index` was `pivot`).
    case precisionNotPositiveDefinite(index: Int, pivot: Double)

    public var description: String {
        switch self {
        case let .notSquare(rows, columns):
            return "covariance matrix must be square, got \(rows)x\(columns)"
        case let .dimensionMismatch(what, expected, actual):
            return "\(what) has dimension \(actual), expected \(expected)"
        case let .nonFiniteEntry(row, column, value):
            return "covariance entry (\(row), \(column)) is not finite (\(value))"
        case let .nonPositiveVariance(node, value):
            return "node \(node) has variance \(value) (must be positive: is the series constant?)"
        case let .invalidSampleSize(n):
            return "sample size must be at least 2, got \(n)"
        case let .invalidParameter(name, value):
            return "invalid \(name): \(value)"
        case let .nonPositivePivot(node, value):
            return "graphical lasso broke down at node \(node): Schur complement W_jj - w12'beta = \(value) is not positive"
        case let .nonPositiveResidualVariance(node, value):
            return "node-wise lasso broke down at node \(node): residual variance \(value) is not positive (perfect fit; increase lambda)"
        case let .nonFiniteIterate(node):
            return "numerical breakdown: non-finite values while solving for node \(node)"
        case let .precisionNotPositiveDefinite(index, pivot):
            return "estimated precision matrix is not positive definite (Cholesky pivot \(index) is \(pivot))"
        }
    }
}

extension EstimationError {
    /// Checks that `s` is a square covariance matrix with finite entries and a positive diagonal.
    static func validateCovariance(_ s: Matrix) throws(EstimationError) {
        guard s.isSquare else { throw .notSquare(rows: s.rows, columns: s.columns) }
        let p = s.rows
        if let k = s.elements.withUnsafeBufferPointer({ DenseScan.firstNonFinite($0) }) {
            throw .nonFiniteEntry(row: k / p, column: k % p, value: s.elements[k])
        }
        for i in 0..<p where !(s.elements[i * p + i] > 0) {
            throw .nonPositiveVariance(node: i, value: s.elements[i * p + i])
        }
    }

    static func validateLambda(_ lambda: Double) throws(EstimationError) {
        guard lambda >= 0, lambda.isFinite else { throw .invalidParameter(name: "lambda", value: lambda) }
    }
}
