import Foundation
import GGMCore

/// A local change: a few edges, or every edge of one hub, move by `+-U(delta, 2 delta)` in partial-correlation units.
///
/// The step is the one of ALGORITHMS.md section 10, `delta = strength * sqrt(log p / N)` with
/// N the size of the sample the reference network is learned from (the detectable scale:
/// the estimation error of a partial correlation is of order `sqrt(log p / N)`). Because
/// ggmwatch's generators do not have a unit diagonal, the step is applied to the partial
/// correlation: `Omega'_uv = Omega_uv + s u sqrt(Omega_uu Omega_vv)` with `u ~ U(delta, 2 delta)`
/// and a random sign `s`, so `|r'_uv - r_uv| = u` (on a unit diagonal this is exactly the
/// literature's perturbation of `Omega_uv`). Diagonal entries do not change.
///
/// Positive definiteness is kept by drawing again (other edges and signs) up to
/// `attempts` times until `Omega'` is positive definite with a margin of 1% of its smallest
/// diagonal entry; if no draw qualifies, the last draw's steps are scaled by 0.9, 0.81, ...
/// until it does (so steps can then be below `delta`; the exact entries are reported in the
/// change). This happens only when the step is large next to the network's positive definite
/// margin: measured over 20 seeds, never for the random, banded and hub families at
/// p in {10, 50, 200} and N in {100, 200, 1000}, but for `.hub` targets on scale-free graphs
/// at p = 200 with N <= 200 (hubs of degree 10 and more, whose star already uses most of the margin).
public struct LocalChange: Codable, Sendable, Equatable {
    public enum Target: Codable, Sendable, Equatable {
        /// `count` distinct existing edges chosen uniformly (node pairs chosen uniformly if the graph has fewer edges).
        case edges(count: Int)
        /// Every edge of the node with the highest degree (the lowest index among ties).
        case hub
    }

    public var target: Target
    /// `w0`.
    public var strength: Double
    /// `N`, the reference sample size.
    public var referenceSize: Int
    public var attempts: Int

    public init(target: Target = .edges(count: 5), strength: Double = 1, referenceSize: Int, attempts: Int = 200) {
        precondition(strength > 0 && referenceSize >= 1 && attempts >= 1)
        if case let .edges(count) = target { precondition(count >= 1, "a local change moves at least one edge") }
        self.target = target
        self.strength = strength
        self.referenceSize = referenceSize
        self.attempts = attempts
    }

    /// `delta = strength * sqrt(log p / N)`.
    public func step(p: Int) -> Double {
        strength * (Foundation.log(Double(Swift.max(p, 2))) / Double(referenceSize)).squareRoot()
    }

    public func apply(to precision: Matrix, using rng: inout some RandomNumberGenerator) -> PrecisionChange {
        let p = precision.rows
        precondition(p >= 2, "a local change needs at least two nodes")
        let delta = step(p: p)
        let margin = 0.01 * precision.diagonal.min()!
        let kind: ChangeKind = target == .hub ? .perturbHub : .local
        var last: [(edge: GraphEdge, step: Double)] = []
        for _ in 0..<attempts {
            let pairs = chooseEdges(precision, using: &rng)
            last = pairs.map { ($0, rng.simulationSign() * rng.simulationUniform(delta...(2 * delta))) }
            let after = perturbed(precision, last, factor: 1)
            if PositiveDefiniteness.isPositiveDefinite(after, margin: margin) {
                return PrecisionChange(kind: kind, before: precision, after: after)
            }
        }
        var factor = 0.9
        while true {
            let after = perturbed(precision, last, factor: factor)
            if PositiveDefiniteness.isPositiveDefinite(after, margin: margin) {
                return PrecisionChange(kind: kind, before: precision, after: after)
            }
            factor *= 0.9
        }
    }

    func chooseEdges(_ precision: Matrix, using rng: inout some RandomNumberGenerator) -> [GraphEdge] {
        let p = precision.rows
        let existing = GraphEdge.edges(of: precision)
        switch target {
        case let .edges(count):
            if existing.count >= count { return rng.simulationChoose(count, from: existing) }
            var all: [GraphEdge] = []
            for i in 0..<p { for j in (i + 1)..<p { all.append(GraphEdge(i, j)) } }
            return rng.simulationChoose(count, from: all)
        case .hub:
            let degrees = GraphEdge.degrees(of: precision)
            let hub = degrees.indices.max { degrees[$0] < degrees[$1] || (degrees[$0] == degrees[$1] && $0 > $1) }!
            if degrees[hub] == 0 {
                // No edges at all: the "hub" is node 0, joined anew to every other node.
                return (1..<p).map { GraphEdge(0, $0) }
            }
            return existing.filter { $0.i == hub || $0.j == hub }
        }
    }

    func perturbed(_ precision: Matrix, _ steps: [(edge: GraphEdge, step: Double)], factor: Double) -> Matrix {
        var out = precision
        for (e, s) in steps {
            let v = precision[e.i, e.j] + factor * s * (precision[e.i, e.i] * precision[e.j, e.j]).squareRoot()
            out[e.i, e.j] = v
            out[e.j, e.i] = v
        }
        return out
    }
}
