import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

/// Rows pushed as a block (``WindowStatistics/push(block:whitened:evicted:)``: each row of the
/// local triangle takes up to eight observations while it is in cache) give the statistics and
/// the state that pushing them one at a time gives, bit for bit; so do a monitor's blocks
/// (``SequentialMonitor/updateBlock(_:)``) and a calibration's maxima.
@Suite struct BlockUpdateTests {
    /// Block lengths cycling through 1 to 19 (past ``WindowStatistics/blockCapacity``).
    static func blockLengths(total: Int) -> [Int] {
        var lengths: [Int] = []
        var k = 0
        while lengths.reduce(0, +) < total {
            lengths.append(Swift.min(1 + (k * 7) % 19, total - lengths.reduce(0, +)))
            k += 1
        }
        return lengths
    }

    /// JSON with sorted keys, so that equal values give equal bytes.
    static func encoded(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(value)
    }

    /// Through the steady state, a refit, a reset and (at p = 9) the exact recomputation every
    /// 1,024 pushes; with the update split across helper threads at p = 230; with a shared
    /// whitening; for each detector.
    @Test(arguments: [(p: 9, w: 3, rows: 1_300, detector: DetectorKind.combined, shared: false),
                      (p: 9, w: 20, rows: 1_100, detector: .local, shared: true),
                      (p: 41, w: 12, rows: 300, detector: .global, shared: false),
                      (p: 230, w: 20, rows: 120, detector: .combined, shared: true)])
    func blocksEqualSinglePushes(p: Int, w: Int, rows count: Int, detector: DetectorKind, shared: Bool) throws {
        HelperThreads.enable()
        var rng = SeededGenerator(seed: UInt64(p * 1_000 + w))
        let first = try FastPathTests.reference(p: p, rng: &rng, recentred: 4)
        let second = try FastPathTests.reference(p: p, rng: &rng, recentred: 2)
        let rows = (0..<count).map { t in
            let scale = t % 13 == 0 ? 4.0 : 1.0
            return (0..<p).map { _ in scale * rng.nextStandardNormal() }
        }
        var single = WindowStatistics(reference: first, window: w, detector: detector)
        var blocked = single
        var evicted: [Double] = []
        for x in rows.prefix(w) {
            single.push(x, evicted: &evicted)
            blocked.push(x, evicted: &evicted)
        }
        var t = w
        var blocks = 0
        for (b, length) in Self.blockLengths(total: count - w).enumerated() {
            if b == 9 { single.setReference(second); blocked.setReference(second) }
            if b == 14 {
                // After a reset the window fills one row at a time before blocks resume.
                single.reset(); blocked.reset()
                for x in rows[t..<(t + w)] {
                    single.push(x, evicted: &evicted)
                    blocked.push(x, evicted: &evicted)
                }
                t += w
                if t >= count { break }
            }
            let block = Array(rows[t..<Swift.min(t + length, count)])
            if block.isEmpty { break }
            var expectedGlobal: [Double] = [], expectedLocal: [Double] = [], expectedEvicted: [[Double]] = []
            for x in block {
                if shared { single.push(x, whitened: single.whiten(x), evicted: &evicted) } else { single.push(x, evicted: &evicted) }
                expectedEvicted.append(evicted)
                if detector.usesGlobal { expectedGlobal.append(single.globalStatistic()) }
                if detector.usesLocal { expectedLocal.append(single.localStatistic()) }
            }
            var leaving: [[Double]] = []
            // Every other block as a running monitor pushes it, keeping a copy taken before (to
            // undo it): the block writes new storage and the copy must stay as it was.
            let keeping = b % 2 == 1
            let copy = blocked
            let copyBefore = keeping ? try Self.encoded(copy) : Data()
            let statistics = blocked.push(block: block, whitened: shared ? block.map { blocked.whiten($0) } : nil,
                                          keepingPrevious: keeping, evicted: &leaving)
            if keeping {
                #expect(try Self.encoded(copy) == copyBefore, "the copy kept (its local entries too), block \(b)")
            }
            #expect(statistics.global == expectedGlobal, "global, block \(b) at t = \(t)")
            #expect(statistics.local == expectedLocal, "local, block \(b) at t = \(t)")
            #expect(leaving == expectedEvicted)
            t += block.count
            blocks += 1
        }
        #expect(blocks > 10)
        #expect(try Self.encoded(single) == Self.encoded(blocked))
        if detector.usesLocal {
            #expect(single.topEdges(5) == blocked.topEdges(5))
            #expect(single.localArgmax() == blocked.localArgmax())
        }
    }

    /// A calibration template (no thresholds) fed in blocks between its refits: the same
    /// statistics at every row and the same saved state, with refits, a lag model and short
    /// windows.
    @Test(arguments: [(lags: LagOrder.fixed(0), windows: [Int](), refitEvery: 7, radius: 0.0),
                      (lags: .automatic, windows: [5, 10], refitEvery: 11, radius: 0.6),
                      (lags: .fixed(0), windows: [8], refitEvery: 0, radius: 0.0)])
    func monitorBlocksEqualSingleUpdates(lags: LagOrder, windows: [Int], refitEvery: Int, radius: Double) throws {
        let simulation = try StreamSimulation(p: 8, segmentLengths: [420], graph: .random, seed: 41,
                                              dynamics: radius > 0 ? SerialDynamics(spectralRadius: radius) : nil)
        let rows = Array(try simulation.rows())
        let configuration = MonitorConfiguration(burnIn: 120, window: 16, refitEvery: refitEvery, detector: .combined,
                                                 thresholds: .none, lags: lags, shortWindows: windows)
        var single = try OnlineMonitor(dimension: 8, configuration: configuration)
        var blocked = single
        var t = 0
        var blocks = 0
        while t < rows.count {
            let room = blocked.blockRoom(limit: Swift.min(13, rows.count - t))
            if room > 1 {
                let maps = try blocked.updateBlock(Array(rows[t..<(t + room)]))
                for (r, map) in maps.enumerated() {
                    let step = try single.update(rows[t + r])
                    #expect(step.statistics == map, "row \(t + r)")
                }
                t += room
                blocks += 1
            } else {
                let a = try single.update(rows[t]), b = try blocked.update(rows[t])
                #expect(a.statistics == b.statistics)
                t += 1
            }
        }
        #expect(blocks > 15)
        #expect(single.fitCount == blocked.fitCount)
        #expect(try Self.encoded(single) == Self.encoded(blocked))
    }

    /// The calibration's maxima equal those of replicates fed one row at a time (the loop
    /// `simulateMaxima` ran before blocks).
    @Test(arguments: [(refitEvery: 10, null: NullModel.gaussian, radius: 0.0), (refitEvery: 0, null: .block, radius: 0.5)])
    func calibrationMaximaUnchanged(refitEvery: Int, null: NullModel, radius: Double) throws {
        let simulation = try StreamSimulation(p: 7, segmentLengths: [260], graph: .random, seed: 33,
                                              dynamics: radius > 0 ? SerialDynamics(spectralRadius: radius) : nil)
        let rows = Array(try simulation.rows())
        let monitor = try CalibrationReplicateTests.monitor(lags: radius > 0 ? .automatic : .fixed(0), refitEvery: refitEvery,
                                                            null: null, rows: rows)
        let request = try #require(monitor.calibrationRequest)
        let sampler = try NullSampler.make(request.settings.null, precision: request.precision, mean: request.mean,
                                           rows: request.burnInRows, dynamics: request.dynamics)
        let blocked = try Calibrator.simulateMaxima(template: request.template, sampler: sampler, horizon: request.horizon,
                                                    replicates: request.settings.replicates, seed: request.settings.seed)
        let ids = request.template.score.statisticIDs
        var expected: Calibrator.Maxima = [:]
        for id in ids { expected[id] = [] }
        for r in 0..<request.settings.replicates {
            var rng = SeededGenerator.stream(seed: request.settings.seed, index: r)
            var replicate = request.template
            var draws = NullSampler.Replicate(sampler, rng: &rng)
            var maxima = [Double](repeating: -.infinity, count: ids.count)
            var monitored = 0
            while monitored < request.horizon {
                let step = try replicate.update(draws.sample(burnIn: replicate.phase == .burnIn, using: &rng))
                if step.phase != .burnIn { monitored += 1 }
                for (k, id) in ids.enumerated() {
                    if let value = step.statistics[id] { maxima[k] = max(maxima[k], value) }
                }
            }
            for (k, id) in ids.enumerated() { expected[id]!.append(maxima[k]) }
        }
        #expect(blocked == expected)
    }
}
