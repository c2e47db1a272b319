import Foundation
import GGMCore
import Testing
@testable import GGMDetection

@Suite struct BaselineTests {
    /// Hand computation: burn-in (mean, ML variance per node), then the first full window.
    @Test func perNodeStatisticMatchesDirectComputation() throws {
        let burnIn: [[Double]] = [[1, 0], [3, 2], [1, 4], [3, 2]]  // means 2, 2; variances 1, 2
        let window: [[Double]] = [[2, 2], [4, 2], [0, 6]]          // squares from mean: [0,4,4], [0,0,16]
        var monitor = try PerNodeVarianceMonitor(
            dimension: 2, configuration: BaselineConfiguration(burnIn: 4, window: 3, refitEvery: 0))
        for x in burnIn { #expect(try monitor.update(x, label: nil).phase == .burnIn) }
        var last: MonitorStep?
        for x in window { last = try monitor.update(x, label: nil) }
        let g1 = GlobalStatistic.centering(window: 3)
        let g2 = GlobalStatistic.scaling(window: 3)
        func score(_ y: Double) -> Double { (y - 1 - log(y) - g1) / g2 }
        let expected = max(score(8.0 / (3 * 1)), score(16.0 / (3 * 2)))
        let statistic = try #require(last?.statistics[.perNode])
        #expect(abs(statistic - expected) < 1e-12)
        #expect(last?.local == nil)
    }

    @Test func perNodeAlarmsRestartsAndNamesTheNode() throws {
        var rng = SeededGenerator(seed: 3)
        var monitor = try PerNodeVarianceMonitor(
            dimension: 3, configuration: BaselineConfiguration(burnIn: 100, window: 20, refitEvery: 20, threshold: 8))
        for _ in 0..<300 { _ = try monitor.update(rng.standardNormals(3), label: nil) }
        #expect(monitor.alarms.isEmpty)
        var alarm: Alarm?
        for t in 0..<100 where alarm == nil {
            var x = rng.standardNormals(3)
            x[1] *= 4  // node x2's variance jumps 16-fold
            alarm = try monitor.update(x, label: "t\(t)").alarm
        }
        let fired = try #require(alarm)
        #expect(fired.topNodes.first?.name == "x2")
        #expect(monitor.phase == .burnIn)
        #expect(fired.firedBy == [.perNode])
    }

    @Test func denseStatisticMatchesDirectComputation() throws {
        var rng = SeededGenerator(seed: 5)
        let p = 3
        let burnIn = (0..<40).map { _ in rng.standardNormals(p) }
        let window = (0..<6).map { _ in rng.standardNormals(p) }
        var monitor = try DenseCovarianceMonitor(
            dimension: p, configuration: BaselineConfiguration(burnIn: 40, window: 6, refitEvery: 0))
        for x in burnIn { _ = try monitor.update(x, label: nil) }
        var last: MonitorStep?
        for x in window { last = try monitor.update(x, label: nil) }
        // Direct: Sigma_0 and mu from the burn-in (ML), S_x from the window around mu,
        // D = w [tr(Sigma_0^{-1} S_x) - log det(Sigma_0^{-1} S_x) - p].
        var mu = [Double](repeating: 0, count: p)
        for x in burnIn { for j in 0..<p { mu[j] += x[j] / 40 } }
        var sigma = Matrix(rows: p, columns: p)
        var s = Matrix(rows: p, columns: p)
        for x in burnIn { for i in 0..<p { for j in 0..<p { sigma[i, j] += (x[i] - mu[i]) * (x[j] - mu[j]) / 40 } } }
        for x in window { for i in 0..<p { for j in 0..<p { s[i, j] += (x[i] - mu[i]) * (x[j] - mu[j]) / 6 } } }
        let product = try sigma.inverseSPD() * s
        var trace = 0.0
        for i in 0..<p { trace += product[i, i] }
        let logDet = try Cholesky(s).logDeterminant - Cholesky(sigma).logDeterminant
        let expected = 6 * (trace - logDet - Double(p))
        let statistic = try #require(last?.statistics[.dense])
        #expect(abs(statistic - expected) < 1e-9 * max(1, abs(expected)))
    }

    @Test func denseNeedsAWindowLongerThanP() {
        #expect(throws: MonitorError.self) {
            try DenseCovarianceMonitor(dimension: 10, configuration: BaselineConfiguration(burnIn: 100, window: 10))
        }
        #expect(throws: MonitorError.self) {
            try DenseCovarianceMonitor(dimension: 10, configuration: BaselineConfiguration(burnIn: 10, window: 20))
        }
    }

    @Test func baselinesRejectBadObservationsWithoutChangingState() throws {
        var monitor = try PerNodeVarianceMonitor(dimension: 2)
        #expect(throws: MonitorError.dimensionMismatch(index: 0, expected: 2, found: 3)) {
            try monitor.update([1, 2, 3], label: nil)
        }
        #expect(throws: MonitorError.nonFiniteValue(index: 0, node: 1)) {
            try monitor.update([1, .nan], label: nil)
        }
        #expect(monitor.observationCount == 0)
    }

    /// Per-node baseline calibrated to q = 0.2 over H = 200: on fresh null streams its
    /// false-alarm probability is within a binomial band around the target.
    @Test func perNodeCalibrationHitsTheTargetOnFreshStreams() throws {
        let precision = bandedPrecision(10)
        let base = BaselineConfiguration(burnIn: 200, window: 30, refitEvery: 30)
        let template = try PerNodeVarianceMonitor(dimension: 10, configuration: base)
        let sampler = NullSampler.gaussian(try Calibrator.simulationNull(precision), mean: nil)
        let maxima = try Calibrator.simulateMaxima(template: template, sampler: sampler, horizon: 200, replicates: 400, seed: 1)
        let h = try #require(Calibrator.result(maxima: maxima, statistics: [.perNode], q: 0.2, horizon: 200, nominal: Thresholds(),
                                               nominalAlpha: 0, reference: nil, seed: 1).thresholds[.perNode])
        let fresh = try #require(try Calibrator.simulateMaxima(template: template, sampler: sampler, horizon: 200,
                                                               replicates: 400, seed: 2)[.perNode])
        let rate = Double(fresh.count { $0 >= h }) / 400
        // sd of the difference of two 400-stream proportions at 0.2: about 0.028; band ~ 3.5 sd.
        #expect(abs(rate - 0.2) < 0.1, "rate \(rate)")
    }
}
