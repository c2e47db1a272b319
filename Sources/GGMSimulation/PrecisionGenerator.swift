import GGMCore

/// A family of sparse precision matrices (networks) on `p` nodes.
///
/// A generator is a pure function of its parameters, `p` and the injected generator: the
/// same seed gives the same matrix. Every result is symmetric positive definite, which
/// each conforming type checks with Cholesky before returning.
public protocol PrecisionGenerator: Sendable {
    /// A symmetric positive definite `p x p` precision matrix drawn from the family.
    func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix
}

extension PrecisionGenerator {
    /// Checks the contract every generator promises; a failure is a bug in the generator.
    func verified(_ omega: Matrix) -> Matrix {
        precondition(omega.isSymmetric(), "\(Self.self) produced a non-symmetric precision matrix")
        precondition(PositiveDefiniteness.isPositiveDefinite(omega), "\(Self.self) produced a matrix that is not positive definite")
        return omega
    }
}

/// Symmetric off-diagonal entries `+-U(weights)` on `edges`, zero diagonal.
func signedWeights(p: Int, edges: [GraphEdge], weights: ClosedRange<Double>, using rng: inout some RandomNumberGenerator) -> Matrix {
    var a = Matrix(rows: p, columns: p)
    for e in edges {
        let v = rng.simulationSign() * rng.simulationUniform(weights)
        a[e.i, e.j] = v
        a[e.j, e.i] = v
    }
    return a
}

/// The precision of the edge-list generators: entries `+-U(weights)` on `edges` (``signedWeights(p:edges:weights:using:)``)
/// and the diagonal `|lambda_min(A)| + margin` (``PositiveDefiniteness/shiftedToPositiveDefinite(offDiagonal:margin:)``).
func shiftedPrecision(p: Int, edges: [GraphEdge], weights: ClosedRange<Double>, margin: Double,
                      using rng: inout some RandomNumberGenerator) -> Matrix {
    let a = signedWeights(p: p, edges: edges, weights: weights, using: &rng)
    return PositiveDefiniteness.shiftedToPositiveDefinite(offDiagonal: a, margin: margin)
}

/// `0..<p` cut into `count` contiguous groups whose sizes differ by at most one (larger groups first).
func contiguousGroups(p: Int, count: Int) -> [Range<Int>] {
    precondition(count >= 1 && count <= Swift.max(p, 1))
    var out: [Range<Int>] = []
    var start = 0
    for g in 0..<count {
        let size = p / count + (g < p % count ? 1 : 0)
        out.append(start..<(start + size))
        start += size
    }
    return out
}
