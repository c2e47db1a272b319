import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// A running monitor that takes rows in blocks when none of them fires
/// (``SequentialMonitor/updateQuietBlock(_:labels:)``) and one at a time otherwise gives the steps
/// (statistics, alarms with their evidence, refits, network changes, excursions) and the saved
/// state that ``SequentialMonitor/update(_:label:)`` row after row gives, bit for bit.
@Suite struct QuietBlockTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var radius = 0.0
        var lags = LagOrder.fixed(0)
        var windows: [Int] = []
        var refitEvery = 7
        var afterAlarm = AlarmPolicy.restart
        var restartBurnIn: Int? = nil
        var fixedReference = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "refits every 7, restarts"),
        Case(name: "lags auto, windows 5 and 10", radius: 0.6, lags: .automatic, windows: [5, 10], refitEvery: 11),
        Case(name: "short restart burn-in", refitEvery: 9, restartBurnIn: 60),
        Case(name: "fixed reference, excursions", refitEvery: 0, afterAlarm: .continue, fixedReference: true),
        Case(name: "fixed reference, restarts", refitEvery: 0, fixedReference: true),
    ]

    static let p = 8

    static func rows(_ c: Case) throws -> (rows: [[Double]], first: Matrix) {
        let simulation = try StreamSimulation(p: p, segmentLengths: [400, 350, 400], graph: .random, seed: 57,
                                              dynamics: c.radius > 0 ? SerialDynamics(spectralRadius: c.radius) : nil)
        return (Array(try simulation.rows()), try simulation.truth().segments[0].precisionMatrix)
    }

    static func monitor(_ c: Case, thresholds: ThresholdRule, first: Matrix) throws -> OnlineMonitor {
        let configuration = MonitorConfiguration(burnIn: 120, window: 16, refitEvery: c.refitEvery, detector: .combined,
                                                 thresholds: thresholds, lags: c.lags, afterAlarm: c.afterAlarm,
                                                 restartBurnIn: c.restartBurnIn, shortWindows: c.windows)
        if c.fixedReference {
            return try OnlineMonitor(reference: try ReferenceModel(precision: first), configuration: configuration)
        }
        return try OnlineMonitor(dimension: p, configuration: configuration)
    }

    /// Thresholds at a high quantile of each statistic over a run that never fires, so that the
    /// stream's changes (and a few in-control rows) fire inside blocks.
    static func thresholds(_ c: Case, rows: [[Double]], first: Matrix) throws -> Thresholds {
        var dry = try monitor(c, thresholds: .none, first: first)
        var seen: [StatisticID: [Double]] = [:]
        for x in rows {
            let step = try dry.update(x)
            for (id, value) in step.statistics.values { seen[id, default: []].append(value) }
        }
        var result = Thresholds()
        for (id, values) in seen {
            let sorted = values.sorted()
            result.values[id] = sorted[sorted.count * 97 / 100]
        }
        return result
    }

    @Test(arguments: cases)
    func blocksGiveTheStepsOfSingleRows(_ c: Case) throws {
        let (rows, first) = try Self.rows(c)
        let labels = rows.indices.map { "t\($0)" }
        let rule = ThresholdRule.fixed(try Self.thresholds(c, rows: rows, first: first))
        var single = try Self.monitor(c, thresholds: rule, first: first)
        var blocked = single
        blocked.forcesBlocks = true
        var expected: [MonitorStep] = []
        for (t, x) in rows.enumerated() { expected.append(try single.update(x, label: labels[t])) }

        var steps: [MonitorStep] = []
        var blocks = 0, undone = 0
        var t = 0
        while t < rows.count {
            let room = blocked.quietBlockRoom(limit: Swift.min(WindowStatistics.blockCapacity, rows.count - t))
            if room >= 2 {
                if let block = blocked.updateQuietBlock(Array(rows[t..<(t + room)]), labels: Array(labels[t..<(t + room)])) {
                    steps += block
                    blocks += 1
                } else {
                    undone += 1
                    for k in t..<(t + room) { steps.append(try blocked.update(rows[k], label: labels[k])) }
                }
                t += room
            } else {
                steps.append(try blocked.update(rows[t], label: labels[t]))
                t += 1
            }
        }
        #expect(blocks > 40, "\(blocks) blocks")
        #expect(undone >= 1, "no block fired")
        #expect(expected.contains { $0.alarm != nil })
        #expect(steps.count == expected.count)
        for (a, b) in zip(steps, expected) { #expect(a == b, "row \(b.index)") }
        #expect(try BlockUpdateTests.encoded(blocked) == BlockUpdateTests.encoded(single))
    }

    /// A service's stream applies its batches in blocks: the same outcomes, events and state.
    @Test func streamBatchesInBlocks() throws {
        let c = Self.cases[0]
        let (rows, first) = try Self.rows(c)
        let rule = ThresholdRule.fixed(try Self.thresholds(c, rows: rows, first: first))
        let monitor = try Self.monitor(c, thresholds: rule, first: first)
        var forced = monitor
        forced.forcesBlocks = true
        var single = MonitoredStream(monitor: monitor)
        var blocked = MonitoredStream(monitor: forced)
        var t = 0
        var batches = 0
        while t < rows.count {
            let n = Swift.min(1 + (batches * 5) % 23, rows.count - t)
            let batch = Array(rows[t..<(t + n)])
            let a = try single.apply(batch, first: t), b = try blocked.apply(batch, first: t)
            #expect(a == b, "batch at \(t)")
            t += n
            batches += 1
        }
        #expect(single.events == blocked.events)
        #expect(!single.events.isEmpty)
        #expect(try BlockUpdateTests.encoded(single) == BlockUpdateTests.encoded(blocked))
    }

    /// Rows that cannot be scored (a non-finite value) are not taken as a block: row by row then
    /// reports the error at its row, the rows before it applied.
    @Test func invalidRowIsNotBlocked() throws {
        let c = Self.cases[3]
        let (rows, first) = try Self.rows(c)
        var monitor = try Self.monitor(c, thresholds: .fixed(Thresholds(global: 1e300, local: 1e300)), first: first)
        monitor.forcesBlocks = true
        for x in rows.prefix(40) { _ = try monitor.update(x) }
        var block = Array(rows[40..<48])
        block[5][3] = .nan
        let before = try BlockUpdateTests.encoded(monitor)
        #expect(monitor.quietBlockRoom(limit: 8) == 8)
        #expect(monitor.updateQuietBlock(block) == nil)
        #expect(try BlockUpdateTests.encoded(monitor) == before)
        // Row by row: the five rows before it are applied, then the error names row 45 and node 4.
        for x in block.prefix(5) { _ = try monitor.update(x) }
        #expect(throws: MonitorError.nonFiniteValue(index: 45, node: 3)) { try monitor.update(block[5]) }
    }

    /// Without forcing, blocks are offered from ``NetworkScore/liveBlockDimension`` nodes on,
    /// for the local statistic only.
    @Test func blocksFromTheirDimension() throws {
        let configuration = MonitorConfiguration(detector: .combined, thresholds: .fixed(Thresholds(global: 1e300, local: 1e300)))
        // CLIBlockTests runs `monitor` at this p (it cannot import the library): keep them together.
        #expect(NetworkScore.liveBlockDimension == 4_000)
        let small = try OnlineMonitor(dimension: 40, configuration: configuration)
        #expect(!small.score.blocksPayOff)
        let large = NetworkScore(dimension: NetworkScore.liveBlockDimension, window: 50, detector: .combined,
                                 estimator: MonitorConfiguration.defaultEstimator, lags: .fixed(0), shortWindows: [])
        #expect(large.blocksPayOff)
        let global = NetworkScore(dimension: NetworkScore.liveBlockDimension, window: 50, detector: .global,
                                  estimator: MonitorConfiguration.defaultEstimator, lags: .fixed(0), shortWindows: [])
        #expect(!global.blocksPayOff)
    }
}
