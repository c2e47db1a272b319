/// The first difference between two lists of node names, such as a reference network's or a
/// saved state's and the data's columns.
///
///     if let m = NodeNameMismatch.first(expected: network.names, found: data.names) {
///         throw RunError("the reference network does not match the data: \(m)")
///     }
///     // the reference network does not match the data: node 3 is "c" there, "d" in the data (5 nodes each)
public struct NodeNameMismatch: Equatable, Sendable, CustomStringConvertible {
    /// 1-based position of the first differing node.
    public var position: Int
    /// The expected name there; `nil` when the expected list is shorter.
    public var expected: String?
    /// The found name there; `nil` when the found list is shorter.
    public var found: String?
    public var expectedCount: Int
    public var foundCount: Int
    /// How the found side is called in ``description`` ("the data").
    public var foundSide: String

    /// The first position where `found` differs from `expected`, or `nil` if they are equal.
    public static func first(expected: [String], found: [String], foundSide: String = "the data") -> NodeNameMismatch? {
        let common = min(expected.count, found.count)
        let k = (0..<common).first { expected[$0] != found[$0] } ?? common
        guard k < max(expected.count, found.count) else { return nil }
        return NodeNameMismatch(position: k + 1, expected: k < expected.count ? expected[k] : nil,
                                found: k < found.count ? found[k] : nil,
                                expectedCount: expected.count, foundCount: found.count, foundSide: foundSide)
    }

    public var description: String {
        let counts = expectedCount == foundCount
            ? "\(expectedCount) node\(expectedCount == 1 ? "" : "s") each"
            : "\(expectedCount) expected, \(foundCount) in \(foundSide)"
        switch (expected, found) {
        case let (e?, f?):
            return "node \(position) is \(quote(e)) there, \(quote(f)) in \(foundSide) (\(counts))"
        case let (e?, nil):
            return "node \(position) (\(quote(e))) is missing from \(foundSide) (\(counts))"
        case let (nil, f?):
            return "node \(position) of \(foundSide) (\(quote(f))) is not expected (\(counts))"
        case (nil, nil):
            return "node \(position) differs (\(counts))"
        }
    }

    private func quote(_ s: String) -> String { "\"\(s)\"" }
}
