import GGMCore

/// Block (cluster) precision matrices: random edges inside `blockCount` clusters, none across.
///
/// The nodes `0..<p` are cut into `min(blockCount, p)` contiguous blocks (``blocks(p:)``).
/// Inside a block of size m each pair is an edge with probability
/// `min(1, withinDegree / (m - 1))`, so small blocks are complete and large ones have about
/// `withinDegree` neighbours per node. Entries `+-U(weights)`, diagonal `|lambda_min(A)| + margin`.
public struct BlockGraph: PrecisionGenerator, Codable, Equatable {
    public var blockCount: Int
    public var withinDegree: Double
    public var weights: ClosedRange<Double>
    public var margin: Double

    public init(blockCount: Int = 4, withinDegree: Double = 4, weights: ClosedRange<Double> = 0.5...1, margin: Double = 0.1) {
        precondition(blockCount >= 1 && withinDegree >= 0 && weights.lowerBound > 0 && margin > 0)
        self.blockCount = blockCount
        self.withinDegree = withinDegree
        self.weights = weights
        self.margin = margin
    }

    /// The blocks of nodes.
    public func blocks(p: Int) -> [Range<Int>] {
        contiguousGroups(p: p, count: Swift.min(blockCount, Swift.max(p, 1)))
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        precondition(p >= 1, "a network needs at least one node")
        var edges: [GraphEdge] = []
        for block in blocks(p: p) where block.count > 1 {
            let probability = Swift.min(1, withinDegree / Double(block.count - 1))
            for i in block {
                for j in (i + 1)..<block.upperBound where rng.nextUniformOpen() < probability { edges.append(GraphEdge(i, j)) }
            }
        }
        return verified(shiftedPrecision(p: p, edges: edges, weights: weights, margin: margin, using: &rng))
    }
}
