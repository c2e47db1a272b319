import Foundation
import Testing
import GGMCore
import GGMSimulation
import GGMDetection

/// Golden runs of the 0.6 lifecycle settings (see GoldenTests.swift for the conventions): a
/// rolling memory, a short restart burn-in, several windows, and a drifting stream. Fixed
/// thresholds, so no calibration is involved. Closest approach of a scored statistic to its
/// threshold when recorded: printed by `margins` in the failure message.
@Suite struct GoldenLifecycleTests {
    /// p = 12 random graph: the network drifts linearly over rows 300..<1100 to a redrawn one,
    /// then jumps to another at 1100.
    static func driftingStream() throws -> SimulatedStream {
        try StreamSimulation(p: 12, segmentLengths: [300, 800, 300], graph: .random, change: .global, seed: 12,
                             rampSegments: [1]).generate()
    }

    static func run(_ stream: SimulatedStream, _ configuration: MonitorConfiguration) throws -> (alarms: [GoldenAlarm], margin: Double) {
        var monitor = try OnlineMonitor(dimension: stream.truth.p, configuration: configuration, names: nil)
        var margin = Double.infinity
        let alarms = try goldenAlarms(stream.observations.rowArrays) { x in
            let step = try monitor.update(x)
            for id in step.statistics.ids {
                if let v = step.statistics[id], let h = step.thresholds?[id] { margin = min(margin, abs(v - h)) }
            }
            return step
        }
        return (alarms, margin)
    }

    @Test func driftingStreamIsTheRecordedOne() throws {
        let x = try Self.driftingStream().observations.elements
        let s = x.reduce(0, +), q = x.reduce(0) { $0 + $1 * $1 }
        #expect(abs(s - 15.29820829075887) <= 1e-12 * q, "sum \(s)")
        #expect(abs(q - 17463.87450576166) <= 1e-12 * q, "sum of squares \(q)")
    }

    /// A rolling memory of 250 rows on the global-change stream (combined, 6 / 7).
    @Test func rollingMemory() throws {
        var configuration = goldenConfiguration(.combined, global: 6, local: 7)
        configuration.memory = 250
        let (alarms, margin) = try Self.run(try GoldenStreams.globalChanges(), configuration)
        // Closest approach 0.68.
        #expect(alarms == [
            GoldenAlarm(506, estimated: 500, [.global, .local], segment: 0, reference: 250),
            GoldenAlarm(906, estimated: 901, [.global, .local], segment: 507, reference: 250),
        ], "actual: \(alarms), margin \(margin)")
    }

    /// A short restart burn-in of 60 rows (combined, 6.5 / 7.5: fixed thresholds apply to the
    /// short reference too).
    @Test func shortRestartBurnIn() throws {
        var configuration = goldenConfiguration(.combined, global: 6.5, local: 7.5)
        configuration.restartBurnIn = 60
        let (alarms, margin) = try Self.run(try GoldenStreams.globalChanges(), configuration)
        // Closest approach 0.51.
        #expect(alarms == [
            GoldenAlarm(506, estimated: 500, [.global, .local], segment: 0, reference: 474),
            GoldenAlarm(906, estimated: 901, [.global, .local], segment: 507, reference: 349),
        ], "actual: \(alarms), margin \(margin)")
    }

    /// p = 15 random graph, global changes at 500 and 650: the second inside the full burn-in
    /// after the first alarm; with a restart burn-in of 60 it is detected.
    @Test(arguments: [nil, 60] as [Int?])
    func closeChanges(restartBurnIn: Int?) throws {
        let stream = try StreamSimulation(p: 15, segmentLengths: [500, 150, 400], graph: .random, change: .global, seed: 11).generate()
        var configuration = goldenConfiguration(.combined, global: 6.5, local: 7.5)
        configuration.restartBurnIn = restartBurnIn
        let (alarms, margin) = try Self.run(stream, configuration)
        // Closest approach 0.069 (full) and 0.16 (short). The full burn-in after 506 ends at 706 and
        // mixes both networks: a late alarm at 736; the short one is monitoring again from 596.
        let expected: [GoldenAlarm] = restartBurnIn == nil
            ? [GoldenAlarm(506, estimated: 500, [.global, .local], segment: 0, reference: 474),
               GoldenAlarm(736, estimated: 732, [.global], segment: 507, reference: 200)]
            : [GoldenAlarm(506, estimated: 500, [.global, .local], segment: 0, reference: 474),
               GoldenAlarm(653, estimated: 649, [.global], segment: 507, reference: 109)]
        #expect(alarms == expected, "actual: \(alarms), margin \(margin)")
    }

    /// Windows 10 and 30 (combined; the short window's thresholds higher).
    @Test func severalWindows() throws {
        var configuration = goldenConfiguration(.combined, global: nil, local: nil)
        configuration.thresholds = .fixed(Thresholds([.global: 6, .local: 7, "global@10": 9, "local@10": 9]))
        configuration.shortWindows = [10]
        let (alarms, margin) = try Self.run(try GoldenStreams.globalChanges(), configuration)
        // Closest approach 0.060. The short window fires at the change itself (one window alone: 506).
        #expect(alarms == [
            GoldenAlarm(500, estimated: 496, ["global@10", "local@10"], segment: 0, reference: 449),
            GoldenAlarm(904, estimated: 900, ["local@10"], segment: 501, reference: 349),
        ], "actual: \(alarms), margin \(margin)")
    }

    /// The drifting stream, expanding and with a memory of 250.
    @Test(arguments: [nil, 250] as [Int?])
    func drift(memory: Int?) throws {
        var configuration = goldenConfiguration(.combined, global: 6, local: 7)
        configuration.memory = memory
        let (alarms, margin) = try Self.run(try Self.driftingStream(), configuration)
        // Closest approach 0.046 (expanding) and 1.4 (rolling). Expanding: one alarm inside the
        // drift (984) and the restart's burn-in covers the jump at 1100; rolling: the reference follows
        // the drift, and the jump is caught one observation after it.
        let expected: [GoldenAlarm] = memory == nil
            ? [GoldenAlarm(984, estimated: 972, [.local], segment: 0, reference: 949)]
            : [GoldenAlarm(1101, estimated: 1097, [.global, .local], segment: 0, reference: 250)]
        #expect(alarms == expected, "actual: \(alarms), margin \(margin)")
    }
}
