import GGMCore

/// The sign-flip scenario: chosen edges with partial correlation `+r` become `-r`, and nothing else changes.
///
/// With `r_uv = -Omega_uv / sqrt(Omega_uu Omega_vv)`, flipping the sign of `Omega_uv` flips
/// `r_uv` and leaves every other entry alone. Node variances barely move, so a detector
/// watching residual variances (the global statistic) is nearly blind to it, while the
/// local statistic sees the two entries move by `2 r sqrt(w)` standard deviations.
///
/// A base network must be prepared first (``prepare(_:using:)``): it picks `edgeCount`
/// disjoint edges (existing ones when possible), sets their partial correlation to exactly
/// `partialCorrelation`, and checks that the network is positive definite with either sign
/// on those edges. If not, the other edges of the chosen edges' endpoints (and only those)
/// are shrunk by factors 0.9 until it is: with those entries at zero the chosen edges are
/// isolated 2 x 2 blocks, positive definite because `|r| < 1`, and the rest is a principal
/// submatrix of the original positive definite matrix, so this ends.
/// The rest of the network is untouched; ``Prepared/shrinkFactor`` reports the factor used.
public struct EdgeFlip: Codable, Sendable, Equatable {
    public var partialCorrelation: Double
    public var edgeCount: Int

    public init(partialCorrelation: Double = 0.4, edgeCount: Int = 2) {
        precondition(partialCorrelation > 0 && partialCorrelation < 1 && edgeCount >= 1)
        self.partialCorrelation = partialCorrelation
        self.edgeCount = edgeCount
    }

    /// A network prepared for flips: `precision` with `edges` set to partial correlation `+partialCorrelation`.
    public struct Prepared: Sendable, Equatable {
        public let precision: Matrix
        public let edges: [GraphEdge]
        /// The factor applied to the other edges of the chosen nodes (1 when none was needed).
        public let shrinkFactor: Double
    }

    /// Prepares `precision` (needs `p >= 2 * edgeCount` so the edges can be disjoint).
    public func prepare(_ precision: Matrix, using rng: inout some RandomNumberGenerator) -> Prepared {
        let p = precision.rows
        precondition(p >= 2 * edgeCount, "\(edgeCount) disjoint edges need at least \(2 * edgeCount) nodes")
        let existing = rng.simulationChoose(precision.rows * precision.rows, from: GraphEdge.edges(of: precision))
        var chosen: [GraphEdge] = []
        var used = Set<Int>()
        for e in existing where chosen.count < edgeCount && !used.contains(e.i) && !used.contains(e.j) {
            chosen.append(e)
            used.formUnion([e.i, e.j])
        }
        if chosen.count < edgeCount {
            let free = rng.simulationChoose(p, from: (0..<p).filter { !used.contains($0) })
            var k = 0
            while chosen.count < edgeCount {
                chosen.append(GraphEdge(free[k], free[k + 1]))
                k += 2
            }
        }
        chosen.sort()
        var base = precision
        for e in chosen { setPartialCorrelation(&base, e, partialCorrelation) }
        let margin = 0.01 * precision.diagonal.min()!
        func bothSignsPositiveDefinite(_ m: Matrix) -> Bool {
            PositiveDefiniteness.isPositiveDefinite(m, margin: margin)
                && PositiveDefiniteness.isPositiveDefinite(flipped(m, chosen), margin: margin)
        }
        let chosenSet = Set(chosen)
        let endpoints = Array(used.union(chosen.flatMap { [$0.i, $0.j] })).sorted()
        var factor = 1.0
        while !bothSignsPositiveDefinite(base) {
            factor *= 0.9
            for u in endpoints {
                for j in 0..<p where j != u && !chosenSet.contains(GraphEdge(u, j)) {
                    let v = precision[u, j] * factor
                    base[u, j] = v
                    base[j, u] = v
                }
            }
        }
        return Prepared(precision: base, edges: chosen, shrinkFactor: factor)
    }

    /// The change that flips the sign of `edges` in `precision`. Fails when the flipped matrix is not positive definite
    /// (it never does on a network from ``prepare(_:using:)``).
    public func flip(_ precision: Matrix, edges: [GraphEdge]) throws(SimulationError) -> PrecisionChange {
        let after = flipped(precision, edges)
        guard PositiveDefiniteness.isPositiveDefinite(after) else { throw .notPositiveDefinite(change: .flipEdges) }
        return PrecisionChange(kind: .flipEdges, before: precision, after: after)
    }

    func flipped(_ m: Matrix, _ edges: [GraphEdge]) -> Matrix {
        var out = m
        for e in edges {
            out[e.i, e.j] = -m[e.i, e.j]
            out[e.j, e.i] = -m[e.j, e.i]
        }
        return out
    }

    func setPartialCorrelation(_ m: inout Matrix, _ e: GraphEdge, _ r: Double) {
        let v = -r * (m[e.i, e.i] * m[e.j, e.j]).squareRoot()
        m[e.i, e.j] = v
        m[e.j, e.i] = v
    }
}
