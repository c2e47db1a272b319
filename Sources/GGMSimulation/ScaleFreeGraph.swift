import GGMCore

/// Scale-free precision matrices grown by preferential attachment (Barabasi & Albert, Science 1999).
///
/// Start from a complete graph on `edgesPerNode + 1` nodes; every later node joins
/// `edgesPerNode` distinct earlier nodes chosen with probability proportional to their degree.
/// With the default `edgesPerNode = 1` the graph is a tree (as in the `huge` R package).
/// Entries `+-U(weights)`, diagonal `|lambda_min(A)| + margin`.
public struct ScaleFreeGraph: PrecisionGenerator, Codable, Equatable {
    public var edgesPerNode: Int
    public var weights: ClosedRange<Double>
    public var margin: Double

    public init(edgesPerNode: Int = 1, weights: ClosedRange<Double> = 0.5...1, margin: Double = 0.1) {
        precondition(edgesPerNode >= 1 && weights.lowerBound > 0 && margin > 0)
        self.edgesPerNode = edgesPerNode
        self.weights = weights
        self.margin = margin
    }

    public func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        precondition(p >= 1, "a network needs at least one node")
        let seedSize = Swift.min(p, edgesPerNode + 1)
        var edges: [GraphEdge] = []
        // Every edge endpoint once: drawing uniformly from it is drawing proportionally to degree.
        var endpoints: [Int] = []
        for i in 0..<seedSize {
            for j in (i + 1)..<seedSize {
                edges.append(GraphEdge(i, j))
                endpoints += [i, j]
            }
        }
        if seedSize < p {
            for node in seedSize..<p {
                var targets: [Int] = []
                while targets.count < edgesPerNode {
                    let t = endpoints.isEmpty ? rng.simulationIndex(below: node) : endpoints[rng.simulationIndex(below: endpoints.count)]
                    if !targets.contains(t) { targets.append(t) }
                }
                for t in targets {
                    edges.append(GraphEdge(t, node))
                    endpoints += [t, node]
                }
            }
        }
        return verified(shiftedPrecision(p: p, edges: edges, weights: weights, margin: margin, using: &rng))
    }
}
