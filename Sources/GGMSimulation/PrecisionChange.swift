import GGMCore

/// One change of network: the precision matrix before and after, and exactly what differs.
public struct PrecisionChange: Codable, Sendable, Equatable {
    /// How the change was made.
    public let kind: ChangeKind
    public let before: Matrix
    public let after: Matrix
    /// Nodes whose row of the precision matrix differs (diagonal or any edge), ascending, 0-based.
    public let changedNodes: [Int]
    /// Node pairs `i < j` whose off-diagonal entry differs (edges that appeared, disappeared or moved), ascending.
    public let changedEdges: [EdgeChange]

    /// The change from `before` to `after`, with the differing nodes and edges found by exact comparison.
    public init(kind: ChangeKind, before: Matrix, after: Matrix) {
        precondition(before.isSquare && after.rows == before.rows && after.columns == before.columns,
                     "a change maps a p x p precision matrix to another")
        self.kind = kind
        self.before = before
        self.after = after
        let p = before.rows
        var nodes = Set<Int>()
        var edges: [EdgeChange] = []
        for i in 0..<p {
            if before[i, i] != after[i, i] { nodes.insert(i) }
            for j in (i + 1)..<p where before[i, j] != after[i, j] {
                edges.append(EdgeChange(edge: GraphEdge(i, j), before: before[i, j], after: after[i, j]))
                nodes.insert(i)
                nodes.insert(j)
            }
        }
        changedNodes = nodes.sorted()
        changedEdges = edges
    }

    /// Whether the off-diagonal pattern (the graph) differs, not only the strengths.
    public var changesGraph: Bool {
        changedEdges.contains { $0.kind == .appeared || $0.kind == .disappeared }
    }
}

/// The precision entry of one node pair before and after a change.
public struct EdgeChange: Codable, Sendable, Equatable {
    public let edge: GraphEdge
    public let before: Double
    public let after: Double

    public init(edge: GraphEdge, before: Double, after: Double) {
        self.edge = edge
        self.before = before
        self.after = after
    }

    public enum Kind: String, Codable, Sendable {
        case appeared, disappeared, signChanged, strengthChanged
    }

    public var kind: Kind {
        if before == 0 { return .appeared }
        if after == 0 { return .disappeared }
        return (before < 0) != (after < 0) ? .signChanged : .strengthChanged
    }
}

extension EdgeChange {
    /// Flat JSON: `{"i": 0, "j": 3, "before": -0.8, "after": 0.8, "kind": "signChanged"}` (`kind` is written, not read).
    enum CodingKeys: String, CodingKey { case i, j, before, after, kind }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let i = try c.decode(Int.self, forKey: .i)
        let j = try c.decode(Int.self, forKey: .j)
        guard i != j else {
            throw DecodingError.dataCorruptedError(forKey: .j, in: c, debugDescription: "an edge joins two different nodes")
        }
        self.init(edge: GraphEdge(i, j), before: try c.decode(Double.self, forKey: .before), after: try c.decode(Double.self, forKey: .after))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(edge.i, forKey: .i)
        try c.encode(edge.j, forKey: .j)
        try c.encode(before, forKey: .before)
        try c.encode(after, forKey: .after)
        try c.encode(kind, forKey: .kind)
    }
}
