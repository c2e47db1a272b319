import Foundation
import Testing
import GGMCore
import GGMEstimation
import GGMSimulation
@testable import GGMDetection

/// Results do not depend on the unit of measurement (issue: data at 1e150 or 1e-155 used to give
/// no output, NaN thresholds or infinite statistics): the monitor moves the stream to a safe range
/// by an exact power-of-two change of units.
@Suite struct UnitScaleTests {
    @Test func powerOfTwoScalingIsExactAndLeavesOrdinaryDataAlone() {
        #expect(UnitScale(magnitudes: [1, 1e-9, 1e9, 0, .nan]).isIdentity)
        let scale = UnitScale(magnitudes: [1e150, 1e-155, 3])
        #expect(scale.exponents[0] == Int((1e150).exponent) && scale.exponents[1] == Int((1e-155).exponent) && scale.exponents[2] == 0)
        let x = [3.25e150, -7.5e-155, 2.0]
        let y = scale.apply(x)
        #expect(y.allSatisfy { abs($0) < 16 && abs($0) > 1e-3 })
        #expect((0..<3).map { y[$0] * scale.factor($0) } == x, "the round trip is exact")
    }

    /// The same seeded stream in three units (1, 1e150 and 1e-150 times the values): identical alarm
    /// indices, and statistics equal to 1e-9 relative (power-of-two scaling is exact; the remaining
    /// difference is the decimal factor's own rounding).
    @Test(arguments: [1e150, 1e-150, 1e-80])
    func theMonitorIsScaleEquivariant(factor: Double) throws {
        let simulation = try StreamSimulation(p: 8, segmentLengths: [400, 300], graph: .random, change: .global, seed: 5)
        let rows = try simulation.generate().observations.rowArrays
        let configuration = MonitorConfiguration(burnIn: 200, window: 30, refitEvery: 25, detector: .combined,
                                                 thresholds: .fixed(global: 4, local: 6))
        func run(_ scale: Double) throws -> (alarms: [Int], statistics: [Double]) {
            var monitor = try OnlineMonitor(dimension: 8, configuration: configuration)
            var alarms: [Int] = [], statistics: [Double] = []
            for row in rows {
                let step = try monitor.update(row.map { $0 * scale })
                if let a = step.alarm { alarms.append(a.index) }
                if let g = step.global { statistics.append(g) }
                if let l = step.local { statistics.append(l) }
            }
            return (alarms, statistics)
        }
        let unit = try run(1), scaled = try run(factor)
        #expect(!unit.alarms.isEmpty)
        #expect(scaled.alarms == unit.alarms)
        #expect(scaled.statistics.count == unit.statistics.count)
        for (a, b) in zip(unit.statistics, scaled.statistics) { #expect(abs(a - b) <= 1e-9 * max(1, abs(a))) }
    }

    @Test func aScaledMonitorResumesExactly() throws {
        let simulation = try StreamSimulation(p: 6, segmentLengths: [300, 200], graph: .random, change: .global, seed: 9)
        let rows = try simulation.generate().observations.rowArrays.map { $0.map { $0 * 1e200 } }
        let configuration = MonitorConfiguration(burnIn: 150, window: 25, refitEvery: 25, detector: .combined,
                                                 thresholds: .fixed(global: 4, local: 6))
        var whole = try OnlineMonitor(dimension: 6, configuration: configuration)
        var expected: [MonitorStep] = []
        for row in rows { expected.append(try whole.update(row)) }
        #expect(whole.unitScale != nil)
        var first = try OnlineMonitor(dimension: 6, configuration: configuration)
        var got: [MonitorStep] = []
        for row in rows[..<220] { got.append(try first.update(row)) }
        var resumed = try JSONDecoder().decode(OnlineMonitor.self, from: try JSONEncoder().encode(first))
        #expect(resumed.unitScale == first.unitScale)
        for row in rows[220...] { got.append(try resumed.update(row)) }
        #expect(got.map(\.statistics) == expected.map(\.statistics))
    }
}
