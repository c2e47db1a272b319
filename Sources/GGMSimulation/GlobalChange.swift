import GGMCore

/// A global change: the whole network is redrawn from the same family and its nodes relabeled.
///
/// The relabeling (a uniformly random permutation `pi`, `Omega'_{pi(i) pi(j)} = Omega_new_ij`) makes
/// the change real for every family, including the deterministic banded one and the hub and
/// block families whose groups are otherwise contiguous: after it, hubs, blocks and bands sit
/// on different nodes. The spectrum is that of a fresh draw, so positive definiteness holds.
public struct GlobalChange<Graph: PrecisionGenerator>: Sendable {
    public var graph: Graph

    public init(graph: Graph) { self.graph = graph }

    public func apply(to precision: Matrix, using rng: inout some RandomNumberGenerator) -> PrecisionChange {
        let after = redraw(p: precision.rows, using: &rng)
        return PrecisionChange(kind: .global, before: precision, after: after)
    }

    /// A fresh draw of `graph` on `p` nodes, nodes permuted uniformly at random.
    func redraw(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        let fresh = graph.precision(p: p, using: &rng)
        let pi = rng.simulationPermutation(p)
        var out = Matrix(rows: p, columns: p)
        for i in 0..<p { for j in 0..<p { out[pi[i], pi[j]] = fresh[i, j] } }
        return out
    }
}
