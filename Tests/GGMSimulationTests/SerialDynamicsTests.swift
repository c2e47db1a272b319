import Foundation
import Testing
import GGMCore
@testable import GGMSimulation

@Suite struct SerialDynamicsTests {
    /// The transition matrix has the requested spectral radius; rows follow it (lag-1 regression).
    @Test func varRowsHaveTheTransition() throws {
        let dynamics = try SerialDynamics(spectralRadius: 0.8)
        let a = dynamics.transition(p: 12, seed: 4)
        #expect(abs(SerialDynamics.spectralRadius(a) - 0.8) < 1e-6)
        let rows = Array(try StreamSimulation(p: 12, segmentLengths: [6000], seed: 4, dynamics: dynamics).rows())
        // Node 0's lag-1 autocovariance over its variance approaches (A Sigma)_00 / Sigma_00 > 0.
        let x = rows.map { $0[0] }
        let mean = x.reduce(0, +) / Double(x.count)
        var c0 = 0.0, c1 = 0.0
        for t in x.indices { c0 += (x[t] - mean) * (x[t] - mean); if t > 0 { c1 += (x[t] - mean) * (x[t - 1] - mean) } }
        #expect(c1 / c0 > 0.3)
        // Same seed, same rows.
        let again = Array(try StreamSimulation(p: 12, segmentLengths: [6000], seed: 4, dynamics: dynamics).rows())
        #expect(again == rows)
        #expect(throws: SimulationError.self) { try SerialDynamics(spectralRadius: 1.0) }
        #expect(throws: SimulationError.self) { try SerialDynamics(spectralRadius: 0.5, innovationDegreesOfFreedom: 2) }
    }

    /// `transition` redraws A per segment; `mean` moves the first p/5 nodes' means; `keepNetwork`
    /// keeps the innovations' network.
    @Test func dynamicsChanges() throws {
        let transition = try SerialDynamics(spectralRadius: 0.6, change: .transition)
        #expect(transition.transition(p: 10, seed: 3, segment: 0) != transition.transition(p: 10, seed: 3, segment: 1))
        let fixed = try SerialDynamics(spectralRadius: 0.6)
        #expect(fixed.transition(p: 10, seed: 3, segment: 0) == fixed.transition(p: 10, seed: 3, segment: 1))
        let shift = 2.0
        let simulation = try StreamSimulation(p: 10, segmentLengths: [3000, 3000], seed: 3,
                                              dynamics: SerialDynamics(spectralRadius: 0.5, change: .mean(shift: shift)),
                                              keepNetwork: true)
        let truth = try simulation.truth()
        #expect(truth.segments[0].precision == truth.segments[1].precision)
        #expect(truth.changes[0].changedEdges.isEmpty)
        let rows = Array(try simulation.rows())
        func mean(_ j: Int, _ range: Range<Int>) -> Double { range.reduce(0) { $0 + rows[$1][j] } / Double(range.count) }
        let sd = 1 / truth.segments[0].precision[0][0].squareRoot()
        // Node 0 moves by 2 innovation sds (its mean's standard error here is a few hundredths of an sd).
        #expect(abs(mean(0, 3000..<6000) - mean(0, 0..<3000) - shift * sd) < 0.25 * shift * sd)
        // Node 5 (not among the first p/5 = 2) does not move.
        #expect(abs(mean(5, 3000..<6000) - mean(5, 0..<3000)) < 0.25 * shift * sd)
        #expect(throws: SimulationError.self) {
            try StreamSimulation(p: 5, segmentLengths: [10, 10], seed: 1, keepNetwork: true)
        }
    }
}
