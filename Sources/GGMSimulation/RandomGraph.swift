import GGMCore

/// Erdos-Renyi sparse precision matrices: each pair of nodes is joined independently.
///
/// Each pair `i < j` is an edge with probability `min(1, averageDegree / (p - 1))`; edge
/// entries are `+-U(weights)` with a random sign; the diagonal is the constant
/// `|lambda_min(A)| + margin` (see ``PositiveDefiniteness/shiftedToPositiveDefinite(offDiagonal:margin:)``),
/// so the smallest eigenvalue is `margin`. Optionally every node is then rescaled,
/// `D^{1/2} Omega D^{1/2}` with `D_ii ~ U(nodeScales)`, so nodes have different variances
/// (partial correlations and the graph are unchanged).
///
/// Defaults: `averageDegree = 3`, `weights = 0.5...1`, `margin = 0.1`, no rescaling. They
/// give partial correlations of edges typically between 0.15 and 0.45 in magnitude for
/// p from 10 to 200.
///
/// - Complexity: O(p^2) draws and O(p^3) for the positive definite shift.
public struct RandomGraph: PrecisionGenerator, Codable, Equatable {
    public var averageDegree: Double
    public var weights: ClosedRange<Double>
    public var margin: Double
    public var nodeScales: ClosedRange<Double>?

    public init(averageDegree: Double = 3, weights: ClosedRange<Double> = 0.5...1, margin: Double = 0.1,
                nodeScales: ClosedRange<Double>? = nil) {
        precondition(averageDegree >= 0 && weights.lowerBound > 0 && margin > 0)
        self.averageDegree = averageDegree
        self.weights = weights
        self.margin = margin
        self.nodeScales = nodeScales
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        precondition(p >= 1, "a network needs at least one node")
        let probability = p > 1 ? Swift.min(1, averageDegree / Double(p - 1)) : 0
        var edges: [GraphEdge] = []
        for i in 0..<p {
            for j in (i + 1)..<p where rng.nextUniformOpen() < probability { edges.append(GraphEdge(i, j)) }
        }
        var omega = shiftedPrecision(p: p, edges: edges, weights: weights, margin: margin, using: &rng)
        if let nodeScales {
            let d = (0..<p).map { _ in rng.simulationUniform(nodeScales) }
            omega = PositiveDefiniteness.rescaled(omega, by: d)
        }
        return verified(omega)
    }
}
