import GGMCore

/// Hub precision matrices: the nodes form groups, and in each group one hub is joined to every other member.
///
/// The nodes `0..<p` are cut into `max(1, p / groupSize)` contiguous groups
/// (``groups(p:)``); the first node of each group is its hub. Edge entries are `+-U(weights)`
/// and the diagonal is `|lambda_min(A)| + margin`. Each group is a star, so
/// `lambda_min(A) = -max_g ||v_g||` (the norm of the hub's weights), and a hub's partial
/// correlations satisfy `sum r^2 < 1`; groups of 10 give hub partial correlations near 0.3.
/// Non-hub nodes have degree 1 and hubs degree `group size - 1`.
public struct HubGraph: PrecisionGenerator, Codable, Equatable {
    public var groupSize: Int
    public var weights: ClosedRange<Double>
    public var margin: Double

    public init(groupSize: Int = 10, weights: ClosedRange<Double> = 0.5...1, margin: Double = 0.1) {
        precondition(groupSize >= 2 && weights.lowerBound > 0 && margin > 0)
        self.groupSize = groupSize
        self.weights = weights
        self.margin = margin
    }

    /// The groups of nodes; the hub of each is its `lowerBound`.
    public func groups(p: Int) -> [Range<Int>] {
        contiguousGroups(p: p, count: Swift.max(1, p / groupSize))
    }

    /// The hub nodes.
    public func hubs(p: Int) -> [Int] { groups(p: p).map(\.lowerBound) }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        precondition(p >= 1, "a network needs at least one node")
        var edges: [GraphEdge] = []
        for g in groups(p: p) { for member in g.dropFirst() { edges.append(GraphEdge(g.lowerBound, member)) } }
        return verified(shiftedPrecision(p: p, edges: edges, weights: weights, margin: margin, using: &rng))
    }
}
