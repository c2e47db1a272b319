import GGMCore

/// An undirected edge `{i, j}` of a graph on nodes `0..<p`, stored with `i < j`.
///
/// In a Gaussian graphical model nodes `i` and `j` are joined exactly when the precision
/// entry `Omega_ij` is nonzero (they are dependent given all other nodes).
public struct GraphEdge: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The smaller node index (0-based).
    public let i: Int
    /// The larger node index (0-based).
    public let j: Int

    /// The edge between `a` and `b` (in either order); `a != b`.
    public init(_ a: Int, _ b: Int) {
        precondition(a != b, "an edge joins two different nodes")
        i = Swift.min(a, b)
        j = Swift.max(a, b)
    }

    public static func < (lhs: GraphEdge, rhs: GraphEdge) -> Bool {
        (lhs.i, lhs.j) < (rhs.i, rhs.j)
    }

    public var description: String { "(\(i), \(j))" }

    /// The edges of the graph of `precision`: pairs `i < j` with `|Omega_ij| > tolerance`, in row order.
    ///
    /// - Complexity: O(p^2).
    public static func edges(of precision: Matrix, tolerance: Double = 0) -> [GraphEdge] {
        precondition(precision.isSquare, "a precision matrix is square")
        var out: [GraphEdge] = []
        for a in 0..<precision.rows {
            for b in (a + 1)..<precision.columns where Swift.abs(precision[a, b]) > tolerance {
                out.append(GraphEdge(a, b))
            }
        }
        return out
    }

    /// The degree of every node of the graph of `precision` (number of nonzero off-diagonal entries in its row).
    public static func degrees(of precision: Matrix, tolerance: Double = 0) -> [Int] {
        precondition(precision.isSquare, "a precision matrix is square")
        let p = precision.rows
        return (0..<p).map { a in
            var d = 0
            for b in 0..<p where b != a && Swift.abs(precision[a, b]) > tolerance { d += 1 }
            return d
        }
    }
}
