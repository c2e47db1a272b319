import GGMCore
import Testing
@testable import GGMSimulation

/// Every family, several sizes and seeds: symmetric, positive definite, and the documented structure.
@Suite struct GraphGeneratorTests {
    static let sizes = [10, 50, 200]
    static let seeds: [UInt64] = [1, 2, 3]

    @Test(arguments: GraphKind.allCases, GraphGeneratorTests.sizes)
    func symmetricPositiveDefinite(kind: GraphKind, p: Int) throws {
        for seed in Self.seeds {
            var rng = SeededGenerator(seed: seed)
            let omega = kind.precision(p: p, using: &rng)
            #expect(omega.rows == p && omega.columns == p)
            #expect(omega.isSymmetric())
            #expect(omega.elements.allSatisfy { $0.isFinite })
            _ = try omega.cholesky()
            // Sparse: at most a few percent of the pairs are edges at p = 200.
            if p == 200 { #expect(GraphEdge.edges(of: omega).count < 600, "\(kind) has \(GraphEdge.edges(of: omega).count) edges") }
        }
    }

    /// The shifted families have smallest eigenvalue `margin` (0.1): PD with margin 0.099, not with 0.101 + bisection slack.
    @Test(arguments: [GraphKind.random, .hub, .block, .scaleFree], GraphGeneratorTests.sizes)
    func smallestEigenvalueIsTheMargin(kind: GraphKind, p: Int) {
        var rng = SeededGenerator(seed: 11)
        let omega = kind.precision(p: p, using: &rng)
        #expect(PositiveDefiniteness.isPositiveDefinite(omega, margin: 0.099))
        // The bisection stops within 1e-6 relative of the shift (diagonal ~ 2-5), so lambda_min < 0.1 + 1e-5.
        #expect(!PositiveDefiniteness.isPositiveDefinite(omega, margin: 0.1 + 1e-4))
    }

    /// Partial correlations of edges are clearly nonzero: every |r| above 0.1, median between 0.15 and 0.7.
    @Test(arguments: [GraphKind.random, .hub, .block, .scaleFree], [10, 50])
    func partialCorrelationsAreClearlyNonzero(kind: GraphKind, p: Int) {
        var rng = SeededGenerator(seed: 5)
        let omega = kind.precision(p: p, using: &rng)
        let r = GraphEdge.edges(of: omega).map { abs(PositiveDefiniteness.partialCorrelation(omega, $0.i, $0.j)) }.sorted()
        #expect(!r.isEmpty)
        #expect(r.first! > 0.1)
        #expect(r[r.count / 2] > 0.15 && r[r.count / 2] < 0.7)
    }

    @Test(arguments: GraphGeneratorTests.sizes)
    func bandedHasBandwidthTwoAndTheCaiValues(p: Int) {
        var rng = SeededGenerator(seed: 1)
        let omega = GraphKind.banded.precision(p: p, using: &rng)
        for i in 0..<p {
            for j in 0..<p {
                let expected: Double = switch abs(i - j) { case 0: 1; case 1: 0.6; case 2: 0.3; default: 0 }
                #expect(omega[i, j] == expected)
            }
        }
        // Eigenvalues lie in (0.1, 2.8) (Toeplitz symbol bound); at p = 200 the smallest is within 0.01 of 0.1.
        #expect(PositiveDefiniteness.isPositiveDefinite(omega, margin: 0.0999))
        if p == 200 { #expect(!PositiveDefiniteness.isPositiveDefinite(omega, margin: 0.11)) }
    }

    @Test(arguments: GraphGeneratorTests.sizes)
    func blockHasNoCrossBlockEdges(p: Int) {
        let generator = BlockGraph()
        let blocks = generator.blocks(p: p)
        #expect(blocks.count == 4)
        #expect(blocks.map(\.count).reduce(0, +) == p)
        var blockOf = [Int](repeating: -1, count: p)
        for (b, range) in blocks.enumerated() { for i in range { blockOf[i] = b } }
        for seed in Self.seeds {
            var rng = SeededGenerator(seed: seed)
            let omega = generator.precision(p: p, using: &rng)
            let edges = GraphEdge.edges(of: omega)
            #expect(edges.allSatisfy { blockOf[$0.i] == blockOf[$0.j] })
            // Every block has edges inside it.
            for b in blocks.indices { #expect(edges.contains { blockOf[$0.i] == b }) }
        }
    }

    @Test(arguments: GraphGeneratorTests.sizes)
    func hubsAreJoinedToTheirWholeGroupAndNothingElse(p: Int) {
        let generator = HubGraph()
        let groups = generator.groups(p: p)
        #expect(groups.count == p / 10)
        var rng = SeededGenerator(seed: 9)
        let omega = generator.precision(p: p, using: &rng)
        let degrees = GraphEdge.degrees(of: omega)
        let edges = Set(GraphEdge.edges(of: omega))
        for g in groups {
            #expect(degrees[g.lowerBound] == g.count - 1)
            for member in g.dropFirst() {
                #expect(degrees[member] == 1)
                #expect(edges.contains(GraphEdge(g.lowerBound, member)))
            }
        }
        #expect(edges.count == p - groups.count)
    }

    /// Erdos-Renyi at p = 200: edges ~ Binomial(19900, 3/199), mean 300, sd 17; accept 300 +- 5 sd.
    @Test func randomGraphHasTheRequestedAverageDegree() {
        for seed in Self.seeds {
            var rng = SeededGenerator(seed: seed)
            let omega = RandomGraph(averageDegree: 3).precision(p: 200, using: &rng)
            let count = GraphEdge.edges(of: omega).count
            #expect(abs(count - 300) <= 85, "\(count) edges")
        }
    }

    /// Preferential attachment with one edge per node grows a tree whose largest degree far exceeds the mean (2).
    @Test func scaleFreeIsATreeWithHubs() {
        var rng = SeededGenerator(seed: 4)
        let omega = GraphKind.scaleFree.precision(p: 200, using: &rng)
        #expect(GraphEdge.edges(of: omega).count == 199)
        // Connected: a union-find over the edges leaves one component.
        var parent = Array(0..<200)
        func root(_ i: Int) -> Int { var i = i; while parent[i] != i { i = parent[i] }; return i }
        for e in GraphEdge.edges(of: omega) { parent[root(e.i)] = root(e.j) }
        #expect(Set((0..<200).map(root)).count == 1)
        #expect(GraphEdge.degrees(of: omega).max()! >= 10)
    }

    @Test func nodeRescalingKeepsGraphAndPartialCorrelations() {
        var a = SeededGenerator(seed: 3)
        var b = SeededGenerator(seed: 3)
        let plain = RandomGraph().precision(p: 30, using: &a)
        let scaled = RandomGraph(nodeScales: 0.5...2).precision(p: 30, using: &b)
        #expect(plain != scaled)
        for i in 0..<30 {
            let ratio = scaled[i, i] / plain[i, i]
            #expect(ratio > 0.5 && ratio < 2)
            for j in 0..<30 where j != i {
                #expect((plain[i, j] == 0) == (scaled[i, j] == 0))
                #expect(abs(PositiveDefiniteness.partialCorrelation(plain, i, j) - PositiveDefiniteness.partialCorrelation(scaled, i, j)) < 1e-12)
            }
        }
    }

    /// A star with weights v has lambda_min = -||v||: the bisection finds it to its relative tolerance.
    @Test func minimalShiftOfAStarIsTheNormOfItsWeights() {
        let v = [0.3, -0.7, 0.5, 0.9, -0.2]
        var a = Matrix(rows: 6, columns: 6)
        for (k, w) in v.enumerated() { a[0, k + 1] = w; a[k + 1, 0] = w }
        let exact = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let c = PositiveDefiniteness.minimalDiagonalShift(a, relativeTolerance: 1e-9)
        #expect(c >= exact && c - exact < 1e-8)
        #expect(PositiveDefiniteness.minimalDiagonalShift(Matrix.identity(4)) == 0)
    }

    @Test(arguments: GraphKind.allCases)
    func sameSeedSameMatrixOtherSeedOtherMatrix(kind: GraphKind) {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = kind.precision(p: 50, using: &a)
        #expect(first == kind.precision(p: 50, using: &b))
        if kind == .banded {
            #expect(first == kind.precision(p: 50, using: &c), "the banded family is deterministic")
        } else {
            #expect(first != kind.precision(p: 50, using: &c))
        }
    }
}
