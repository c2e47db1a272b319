import Foundation
import GGMCore

/// The graphical lasso (Friedman, Hastie & Tibshirani 2008), diagonal not penalized:
///
///     Theta-hat = argmin_{T > 0}  -log det T + tr(S T) + lambda sum_{i != j} |T_ij|
///
/// **Algorithm.** Block coordinate descent on `W = T^{-1}` (R `glasso`): start from `W = S`
/// (or a warm start), keep `W_jj = S_jj` (the unpenalized diagonal's stationarity condition), and
/// for each column `j` solve the lasso `min (1/2) b^T W_11 b - s_12^T b + lambda ||b||_1` by
/// coordinate descent with active sets (the same kernel as ``NodewiseLasso``), then set
/// `w_12 = W_11 b`. At the end `T_jj = 1 / (W_jj - w_12^T b)`, `T_12 = -b T_jj`, and `T` is
/// symmetrized by averaging `T_jk` and `T_kj` (they agree at the solution).
///
/// **Screening.** The solution is block diagonal along the connected components of the graph
/// `{|S_ij| > lambda}` (Witten, Friedman & Simon 2011; Mazumder & Hastie 2012), so each component
/// is solved on its own (in parallel) and a singleton `i` has `T_ii = 1 / S_ii`. This is exact.
///
/// **Convergence** (R glasso's rule, per component): a sweep over all columns is the last when the
/// mean absolute change of the off-diagonal of `W` is below `tolerance` times the mean `|S_ij|`,
/// `i != j`. The inner lassos stop when no coordinate moves by more than
/// `tolerance * sqrt(W_jj) / sqrt(W_kk)`. Non-convergence is reported (``GraphicalLassoFit/converged``),
/// not thrown; numerical breakdown (non-finite iterates, a non-positive Schur complement, a
/// final precision that is not positive definite) throws ``EstimationError``.
///
/// - Complexity: per sweep of a component of size q, O(q^2 + q * sum_j nnz(b_j)) plus the inner
///   coordinate moves; O(q^3) only when the solution is dense.
public struct GraphicalLasso: Sendable, Codable, Equatable {
    /// The penalty `lambda >= 0` on the off-diagonal entries.
    public var lambda: Double
    /// Relative convergence threshold (R glasso's `thr`).
    public var tolerance: Double
    /// Maximum number of sweeps over the columns.
    public var maxIterations: Int
    /// Whether to split the problem along the connected components of `{|S_ij| > lambda}` (exact; turn off only to test it).
    public var screening: Bool

    public init(lambda: Double, tolerance: Double = 1e-7, maxIterations: Int = 1_000, screening: Bool = true) {
        self.lambda = lambda
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.screening = screening
    }

    /// Fits the graphical lasso to the covariance matrix `s`.
    ///
    /// - Parameter warmStart: a previous fit of the same dimension: its `covariance` (W) and
    ///   `coefficients` (the column lassos' b) start the descent (W's diagonal is reset to `S_jj`).
    ///   If the warm-started descent breaks down on a component, that component is re-solved cold.
    /// - Throws: ``EstimationError`` for invalid input or numerical breakdown.
    public func fit(covariance s: Matrix, warmStart: GraphicalLassoFit? = nil) throws(EstimationError) -> GraphicalLassoFit {
        try EstimationError.validateCovariance(s)
        try EstimationError.validateLambda(lambda)
        guard tolerance > 0, tolerance.isFinite else { throw .invalidParameter(name: "tolerance", value: tolerance) }
        let p = s.rows
        if let w = warmStart {
            guard w.covariance.rows == p, w.coefficients.rows == p else {
                throw .dimensionMismatch(what: "warm start", expected: p, actual: w.covariance.rows)
            }
        }
        return try fitValidated(s, initialCovariance: warmStart?.covariance, initialCoefficients: warmStart?.coefficients)
    }

    /// The fit without input checks.
    func fitValidated(_ s: Matrix, initialCovariance: Matrix?, initialCoefficients: Matrix?) throws(EstimationError) -> GraphicalLassoFit {
        let p = s.rows
        let components = screening ? GraphicalLasso.components(of: s, threshold: lambda) : [Array(0..<p)]
        var precision = Matrix(rows: p, columns: p)
        var w = Matrix(rows: p, columns: p)
        var beta = Matrix(rows: p, columns: p)
        for i in 0..<p {
            precision[i, i] = 1 / s[i, i]
            w[i, i] = s[i, i]
        }
        let blocks = components.filter { $0.count > 1 }.sorted { $0.count > $1.count }
        let settings = self
        let solved: [Result<ComponentSolution, EstimationError>] = parallelMap(blocks.count) { b in
            let idx = blocks[b]
            do throws(EstimationError) {
                return .success(try settings.solveComponent(s, indices: idx, initialCovariance: initialCovariance,
                                                            initialCoefficients: initialCoefficients))
            } catch {
                // A warm start far from the new solution can leave W_11 indefinite; retry from W = S.
                guard initialCovariance != nil || initialCoefficients != nil else { return .failure(error) }
                do throws(EstimationError) {
                    return .success(try settings.solveComponent(s, indices: idx, initialCovariance: nil, initialCoefficients: nil))
                } catch {
                    return .failure(error)
                }
            }
        }
        var iterations = 0
        var converged = true
        for (b, result) in solved.enumerated() {
            let sol: ComponentSolution
            switch result {
            case .success(let x): sol = x
            case .failure(let e): throw e
            }
            let idx = blocks[b], q = idx.count
            for a in 0..<q {
                for c in 0..<q {
                    precision[idx[a], idx[c]] = sol.precision[a * q + c]
                    w[idx[a], idx[c]] = sol.covariance[a * q + c]
                    beta[idx[a], idx[c]] = sol.coefficients[a * q + c]
                }
            }
            iterations = Swift.max(iterations, sol.sweeps)
            converged = converged && sol.converged
        }
        let objective = try GraphicalLasso.objective(precision: precision, covariance: s, lambda: lambda)
        return GraphicalLassoFit(precision: precision, covariance: w, coefficients: beta, lambda: lambda,
                                 iterations: iterations, converged: converged, objective: objective,
                                 componentSizes: components.map(\.count).filter { $0 > 1 })
    }

    struct ComponentSolution: Sendable {
        var precision: [Double]
        var covariance: [Double]
        var coefficients: [Double]
        var sweeps: Int
        var converged: Bool
    }

    /// Block coordinate descent on one connected component (`indices` into `s`).
    func solveComponent(_ sFull: Matrix, indices: [Int], initialCovariance: Matrix?, initialCoefficients: Matrix?) throws(EstimationError) -> ComponentSolution {
        let q = indices.count
        var s = [Double](repeating: 0, count: q * q)
        for a in 0..<q { for c in 0..<q { s[a * q + c] = sFull[indices[a], indices[c]] } }
        var w = s
        var beta = [Double](repeating: 0, count: q * q)
        if let w0 = initialCovariance {
            for a in 0..<q { for c in 0..<q where a != c { w[a * q + c] = w0[indices[a], indices[c]] } }
        }
        if let b0 = initialCoefficients {
            for a in 0..<q { for c in 0..<q where a != c { beta[a * q + c] = b0[indices[a], indices[c]] } }
        }
        var meanAbsOff = 0.0
        for a in 0..<q { for c in 0..<q where a != c { meanAbsOff += Swift.abs(s[a * q + c]) } }
        meanAbsOff /= Double(q * (q - 1))
        let shr = tolerance * meanAbsOff * Double(q * (q - 1))  // bound on the summed change per sweep
        let lambda = self.lambda
        let tol = tolerance
        let maxSweeps = Swift.max(1, maxIterations)
        let innerMax = 10_000

        var sweeps = 0
        var converged = false
        var failure: EstimationError?
        s.withUnsafeBufferPointer { sb in
            w.withUnsafeMutableBufferPointer { wb in
                beta.withUnsafeMutableBufferPointer { bb in
                    let S = sb.baseAddress!, W = wb.baseAddress!, B = bb.baseAddress!
                    let r = UnsafeMutablePointer<Double>.allocate(capacity: q)
                    let wNew = UnsafeMutablePointer<Double>.allocate(capacity: q)
                    let active = UnsafeMutablePointer<Int>.allocate(capacity: q)
                    defer { r.deallocate(); wNew.deallocate(); active.deallocate() }
                    while sweeps < maxSweeps {
                        sweeps += 1
                        var change = 0.0
                        for j in 0..<q {
                            let b = B + j * q
                            // r = s_12 - W_11 b  (rows of W for the support of b)
                            r.update(from: S + j * q, count: q)
                            for l in 0..<q where b[l] != 0 {
                                let bl = b[l], row = W + l * q
                                for k in 0..<q { r[k] -= bl * row[k] }
                            }
                            _ = gramLassoSolve(gram: UnsafePointer(W), dimension: q, excluded: j, coefficients: b, residual: r,
                                               lambda: lambda, threshold: tol * W[j * q + j].squareRoot(),
                                               maxSweeps: innerMax, active: active)
                            // w_12 = W_11 b, computed afresh from the support.
                            for k in 0..<q { wNew[k] = 0 }
                            for l in 0..<q where b[l] != 0 {
                                let bl = b[l], row = W + l * q
                                for k in 0..<q { wNew[k] += bl * row[k] }
                            }
                            let rowJ = W + j * q
                            for k in 0..<q where k != j {
                                let v = wNew[k]
                                change += Swift.abs(v - rowJ[k])
                                rowJ[k] = v
                                W[k * q + j] = v
                            }
                            if !change.isFinite { failure = .nonFiniteIterate(node: indices[j]); return }
                        }
                        if change < shr { converged = true; break }
                    }
                }
            }
        }
        if let failure { throw failure }
        // Recover T from the column lassos: T_jj = 1 / (W_jj - w_12^T b), T_12 = -b T_jj; then average T and T^T.
        var t = [Double](repeating: 0, count: q * q)
        for j in 0..<q {
            var dot = 0.0
            for k in 0..<q where k != j { dot += w[j * q + k] * beta[j * q + k] }
            let pivot = w[j * q + j] - dot
            guard pivot > 0, pivot.isFinite else { throw .nonPositivePivot(node: indices[j], value: pivot) }
            let tjj = 1 / pivot
            t[j * q + j] = tjj
            for k in 0..<q where k != j { t[k * q + j] = -beta[j * q + k] * tjj }  // column j of T
        }
        for a in 0..<q {
            for c in (a + 1)..<q {
                let v = 0.5 * (t[a * q + c] + t[c * q + a])
                t[a * q + c] = v
                t[c * q + a] = v
            }
        }
        return ComponentSolution(precision: t, covariance: w, coefficients: beta, sweeps: sweeps, converged: converged)
    }

    /// The connected components of the graph with an edge `i - j` when `|S_ij| > threshold`, each sorted.
    ///
    /// - Complexity: O(p^2) (union-find over the upper triangle).
    public static func components(of s: Matrix, threshold: Double) -> [[Int]] {
        let p = s.rows
        var parent = Array(0..<p)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        s.elements.withUnsafeBufferPointer { e in
            for i in 0..<p {
                for j in (i + 1)..<p where Swift.abs(e[i * p + j]) > threshold {
                    let a = find(i), b = find(j)
                    if a != b { parent[Swift.max(a, b)] = Swift.min(a, b) }
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in 0..<p { groups[find(i), default: []].append(i) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// The graphical lasso objective `-log det T + tr(S T) + lambda sum_{i != j} |T_ij|`.
    ///
    /// - Throws: ``EstimationError/precisionNotPositiveDefinite(index:pivot:)`` when `T` is not positive definite.
    public static func objective(precision t: Matrix, covariance s: Matrix, lambda: Double) throws(EstimationError) -> Double {
        let chol: Cholesky
        do { chol = try Cholesky(t) } catch {
            if case let .notPositiveDefinite(index, pivot) = error { throw .precisionNotPositiveDefinite(index: index, pivot: pivot) }
            throw .notSquare(rows: t.rows, columns: t.columns)
        }
        let p = t.rows
        var trace = 0.0, penalty = 0.0
        for i in 0..<p {
            for j in 0..<p {
                let tij = t.elements[i * p + j]
                trace += s.elements[j * p + i] * tij
                if i != j { penalty += Swift.abs(tij) }
            }
        }
        return -chol.logDeterminant + trace + lambda * penalty
    }
}

/// The result of ``GraphicalLasso/fit(covariance:warmStart:)``.
public struct GraphicalLassoFit: Codable, Sendable, Equatable {
    /// The estimated precision `T` (symmetric positive definite).
    public var precision: Matrix
    /// The estimated covariance `W` (the block coordinate descent's iterate; `W = T^{-1}` at convergence), `W_jj = S_jj`.
    public var covariance: Matrix
    /// Row `j` holds column `j`'s lasso coefficients `b` (`w_12 = W_11 b`, `T_12 = -b T_jj`); warm-start state.
    public var coefficients: Matrix
    /// The penalty used.
    public var lambda: Double
    /// Sweeps over the columns, the maximum over the connected components.
    public var iterations: Int
    /// Whether every component met the tolerance within `maxIterations` sweeps.
    public var converged: Bool
    /// `-log det T + tr(S T) + lambda sum_{i != j} |T_ij|` at the returned `T`.
    public var objective: Double
    /// Sizes of the non-trivial connected components of `{|S_ij| > lambda}` (singletons omitted).
    public var componentSizes: [Int]

    public init(precision: Matrix, covariance: Matrix, coefficients: Matrix, lambda: Double, iterations: Int,
                converged: Bool, objective: Double, componentSizes: [Int]) {
        self.precision = precision
        self.covariance = covariance
        self.coefficients = coefficients
        self.lambda = lambda
        self.iterations = iterations
        self.converged = converged
        self.objective = objective
        self.componentSizes = componentSizes
    }
}
