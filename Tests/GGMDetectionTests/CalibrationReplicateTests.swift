import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// A calibration replicate with refits disabled (the in-control workflow) leaves the rows that
/// leave its window out of the score's moments, which nothing would read: its maxima must be the
/// same, bit for bit, as a replicate that keeps them.
@Suite struct CalibrationReplicateTests {
    static func monitor(lags: LagOrder, refitEvery: Int, null: NullModel, rows: [[Double]]) throws -> OnlineMonitor {
        var configuration = MonitorConfiguration(
            burnIn: 200, window: 20, refitEvery: refitEvery, detector: .combined,
            thresholds: .calibrated(CalibrationSettings(target: .averageRunLength(300), null: null, replicates: 12, seed: 9)),
            lags: lags)
        configuration.afterAlarm = .continue
        var monitor = try OnlineMonitor(dimension: rows[0].count, configuration: configuration)
        for x in rows.prefix(200) { _ = try monitor.update(x) }
        return monitor
    }

    static func maxima(_ request: CalibrationRequest<NetworkScore>, remembering: Bool) throws -> Calibrator.Maxima {
        var template = request.template
        template.remembersMonitoredRows = remembering
        let sampler = try NullSampler.make(request.settings.null, precision: request.precision, mean: request.mean,
                                           rows: request.burnInRows, dynamics: request.dynamics)
        return try Calibrator.simulateMaxima(template: template, sampler: sampler, horizon: request.horizon,
                                             replicates: request.settings.replicates, seed: request.settings.seed)
    }

    @Test("Refits disabled: the replicates skip the monitored rows' moments, the maxima are unchanged",
          arguments: [(LagOrder.fixed(0), NullModel.gaussian, 0.0), (.automatic, .block, 0.6)])
    func skippedMomentsLeaveTheMaxima(lags: LagOrder, null: NullModel, radius: Double) throws {
        let simulation = try StreamSimulation(p: 7, segmentLengths: [260], graph: .random, seed: 31,
                                              dynamics: radius > 0 ? SerialDynamics(spectralRadius: radius) : nil)
        let rows = Array(try simulation.rows())
        let monitor = try Self.monitor(lags: lags, refitEvery: 0, null: null, rows: rows)
        let request = try #require(monitor.calibrationRequest)
        #expect(!request.template.remembersMonitoredRows)
        let skipping = try Self.maxima(request, remembering: false)
        let keeping = try Self.maxima(request, remembering: true)
        #expect(skipping == keeping)
        #expect(skipping[.global]?.count == 12)
        // The request's own run is the skipping one.
        let result = try request.run()
        #expect(result.replicates == 12)
    }

    @Test("With refits the replicates keep every row")
    func refitsKeepTheRows() throws {
        let rows = Array(try StreamSimulation(p: 7, segmentLengths: [260], graph: .random, seed: 32).rows())
        let monitor = try Self.monitor(lags: .fixed(0), refitEvery: 20, null: .gaussian, rows: rows)
        let request = try #require(monitor.calibrationRequest)
        #expect(request.template.remembersMonitoredRows)
    }
}
