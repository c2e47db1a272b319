import Foundation
import GGMCore
import Testing
@testable import GGMSimulation

@Suite struct ChangeTests {
    /// Flipping: exactly the two chosen entries (and their mirrors) change, partial correlations 0.4 -> -0.4.
    @Test(arguments: GraphKind.allCases, [10, 50, 200])
    func flipEdgesChangesExactlyTwoEntries(kind: GraphKind, p: Int) throws {
        var rng = SeededGenerator(seed: UInt64(p))
        let base = kind.precision(p: p, using: &rng)
        let flip = EdgeFlip()
        let prepared = flip.prepare(base, using: &rng)
        #expect(prepared.edges.count == 2)
        #expect(Set([prepared.edges[0].i, prepared.edges[0].j, prepared.edges[1].i, prepared.edges[1].j]).count == 4, "disjoint edges")
        let change = try flip.flip(prepared.precision, edges: prepared.edges)
        #expect(change.changedEdges.map(\.edge) == prepared.edges)
        #expect(change.changedNodes == prepared.edges.flatMap { [$0.i, $0.j] }.sorted())
        var differing = 0
        for i in 0..<p { for j in 0..<p where change.before[i, j] != change.after[i, j] { differing += 1 } }
        #expect(differing == 4)
        for e in prepared.edges {
            #expect(abs(PositiveDefiniteness.partialCorrelation(change.before, e.i, e.j) - 0.4) < 1e-12)
            #expect(abs(PositiveDefiniteness.partialCorrelation(change.after, e.i, e.j) + 0.4) < 1e-12)
        }
        #expect(change.changedEdges.allSatisfy { $0.kind == .signChanged })
        #expect(change.after.isSymmetric())
        _ = try change.after.cholesky()
        // Flipping back is positive definite too and restores the base.
        let back = try flip.flip(change.after, edges: prepared.edges)
        #expect(back.after == prepared.precision)
    }

    /// Preparation uses existing edges and alters only entries touching the four chosen nodes.
    @Test(arguments: GraphKind.allCases)
    func flipPreparationIsLocalToTheChosenNodes(kind: GraphKind) {
        var rng = SeededGenerator(seed: 8)
        let base = kind.precision(p: 50, using: &rng)
        let prepared = EdgeFlip().prepare(base, using: &rng)
        let edges = Set(GraphEdge.edges(of: base))
        #expect(prepared.edges.allSatisfy(edges.contains))
        #expect(prepared.shrinkFactor > 0 && prepared.shrinkFactor <= 1)
        let chosenNodes = Set(prepared.edges.flatMap { [$0.i, $0.j] })
        let change = PrecisionChange(kind: .flipEdges, before: base, after: prepared.precision)
        #expect(change.before.diagonal == change.after.diagonal)
        #expect(change.changedEdges.allSatisfy { chosenNodes.contains($0.edge.i) || chosenNodes.contains($0.edge.j) })
        // Shrunk edges keep their sign and shrink by exactly the reported factor.
        for e in change.changedEdges where !prepared.edges.contains(e.edge) {
            #expect(abs(e.after - prepared.shrinkFactor * e.before) <= 1e-15 * abs(e.before))
        }
    }

    @Test func flipOfAnUnpreparedNetworkCanFailWithAnError() {
        // Entries 0.6 on a triangle (eigenvalues 2.2, 0.4, 0.4): flipping one gives a negative sign cycle, eigenvalue -0.2.
        var m = Matrix.identity(3)
        for (i, j) in [(0, 1), (1, 2), (0, 2)] { m[i, j] = 0.6; m[j, i] = 0.6 }
        #expect(throws: SimulationError.notPositiveDefinite(change: .flipEdges)) {
            try EdgeFlip().flip(m, edges: [GraphEdge(0, 1)])
        }
    }

    /// Local: `count` existing edges move by U(delta, 2 delta) in partial correlation, nothing else.
    @Test(arguments: [GraphKind.random, .block, .scaleFree, .banded], [10, 50, 200])
    func localChangeMovesAHandfulOfEdges(kind: GraphKind, p: Int) throws {
        for seed: UInt64 in [1, 2, 3] {
            var rng = SeededGenerator(seed: seed)
            let base = kind.precision(p: p, using: &rng)
            let local = LocalChange(target: .edges(count: 5), strength: 1, referenceSize: 400)
            let delta = local.step(p: p)
            #expect(abs(delta - (log(Double(p)) / 400).squareRoot()) < 1e-15)
            let change = local.apply(to: base, using: &rng)
            #expect(change.kind == .local)
            #expect(change.changedEdges.count == 5)
            #expect(change.before.diagonal == change.after.diagonal)
            let existing = Set(GraphEdge.edges(of: base))
            for e in change.changedEdges {
                #expect(existing.contains(e.edge))
                let step = abs(PositiveDefiniteness.partialCorrelation(change.after, e.edge.i, e.edge.j)
                    - PositiveDefiniteness.partialCorrelation(change.before, e.edge.i, e.edge.j))
                #expect(step >= delta * (1 - 1e-12) && step <= 2 * delta * (1 + 1e-12), "step \(step), delta \(delta)")
            }
            #expect(change.after.isSymmetric())
            _ = try change.after.cholesky()
        }
    }

    /// Hub: every edge of the highest-degree node moves, no other entry does.
    @Test(arguments: [10, 50, 200])
    func perturbHubMovesAllEdgesOfOneHub(p: Int) throws {
        var rng = SeededGenerator(seed: 21)
        let base = GraphKind.hub.precision(p: p, using: &rng)
        let change = LocalChange(target: .hub, strength: 1, referenceSize: 300).apply(to: base, using: &rng)
        #expect(change.kind == .perturbHub)
        // Hub 0 has the highest degree (groups are balanced, ties go to the lowest index).
        let hubEdges = GraphEdge.edges(of: base).filter { $0.i == 0 }
        #expect(change.changedEdges.map(\.edge) == hubEdges)
        #expect(change.changedNodes == [0] + hubEdges.map(\.j))
        #expect(change.before.diagonal == change.after.diagonal)
        _ = try change.after.cholesky()
    }

    /// A scale-free hub of degree 10+ cannot take steps of delta = sqrt(log 200 / 100) = 0.23 on every edge and stay
    /// positive definite: the documented fallback shrinks the steps (below delta) until it is.
    @Test func perturbHubFallbackScalesAllStepsByOneFactor() throws {
        var rng = SeededGenerator(seed: 1)
        let base = GraphKind.scaleFree.precision(p: 200, using: &rng)
        let local = LocalChange(target: .hub, strength: 1, referenceSize: 100)
        let change = local.apply(to: base, using: &rng)
        let delta = local.step(p: 200)
        let steps = change.changedEdges.map {
            abs(PositiveDefiniteness.partialCorrelation(change.after, $0.edge.i, $0.edge.j)
                - PositiveDefiniteness.partialCorrelation(change.before, $0.edge.i, $0.edge.j))
        }
        #expect(steps.count >= 10)
        #expect(steps.min()! < delta, "this seed needs the fallback")
        #expect(steps.allSatisfy { $0 > 0 && $0 <= 2 * delta })
        #expect(PositiveDefiniteness.isPositiveDefinite(change.after, margin: 0.01 * base.diagonal.min()!))
    }

    /// Rewire: many edges change, every marginal variance diag(Omega^{-1}) stays within 1e-8 (relative).
    @Test(arguments: GraphKind.allCases, [10, 50, 200])
    func rewireKeepsMarginalVariances(kind: GraphKind, p: Int) throws {
        var rng = SeededGenerator(seed: 17)
        let base = NodeRescaledGraph(kind).precision(p: p, using: &rng)
        let change = try VarianceKeepingRewire(graph: kind).apply(to: base, using: &rng)
        let before = try base.inverseSPD().diagonal
        let after = try change.after.inverseSPD().diagonal
        for i in 0..<p { #expect(abs(after[i] / before[i] - 1) < 1e-8) }
        #expect(change.changesGraph)
        #expect(change.changedEdges.count >= p / 2)
        #expect(change.after.isSymmetric())
    }

    @Test(arguments: GraphKind.allCases)
    func globalChangeRedrawsTheNetwork(kind: GraphKind) throws {
        var rng = SeededGenerator(seed: 2)
        let base = kind.precision(p: 50, using: &rng)
        let change = GlobalChange(graph: kind).apply(to: base, using: &rng)
        #expect(change.kind == .global)
        #expect(change.changesGraph)
        // Most edges are new: fewer than half of the new edges were edges before.
        let old = Set(GraphEdge.edges(of: base))
        let new = GraphEdge.edges(of: change.after)
        #expect(new.filter(old.contains).count * 2 < new.count)
        _ = try change.after.cholesky()
        // Relabeling keeps the family: same sorted degree sequence for the deterministic banded family.
        if kind == .banded { #expect(GraphEdge.degrees(of: base).sorted() == GraphEdge.degrees(of: change.after).sorted()) }
    }

    @Test func edgeChangeKindsAndFlatJSON() throws {
        let kinds = [EdgeChange(edge: GraphEdge(2, 1), before: 0, after: 0.3),
                     EdgeChange(edge: GraphEdge(0, 1), before: -0.3, after: 0),
                     EdgeChange(edge: GraphEdge(0, 3), before: -0.3, after: 0.3),
                     EdgeChange(edge: GraphEdge(0, 4), before: -0.3, after: -0.5)].map(\.kind)
        #expect(kinds == [.appeared, .disappeared, .signChanged, .strengthChanged])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let change = EdgeChange(edge: GraphEdge(3, 0), before: -0.8, after: 0.8)
        let json = String(decoding: try encoder.encode(change), as: UTF8.self)
        #expect(json == #"{"after":0.8,"before":-0.8,"i":0,"j":3,"kind":"signChanged"}"#)
        #expect(try JSONDecoder().decode(EdgeChange.self, from: Data(json.utf8)) == change)
    }
}
