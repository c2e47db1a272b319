import Foundation
import Testing
import GGMCore
import GGMDetection
import GGMSimulation

/// A score written outside the module with only its public API (no `@testable import` in this
/// file): a CUSUM-free mean-shift statistic, `max_s |mean_window(x_s) - mu_s| / (sigma_s / sqrt(w))`.
struct MeanShiftScore: WindowScore {
    let dimension: Int
    let window: Int
    var statisticIDs: [StatisticID] { ["mean-shift"] }

    private var ring: RowRing
    private var sums: [Double]
    private var squares: [Double]
    private(set) var segmentCount = 0
    private var mean: [Double]
    private var sd: [Double]
    private var windowSum: [Double]
    private(set) var referenceSampleSize = 0

    init(dimension: Int, window: Int) {
        self.dimension = dimension
        self.window = window
        ring = RowRing(capacity: window, dimension: dimension)
        sums = [Double](repeating: 0, count: dimension)
        squares = sums
        mean = sums
        sd = sums
        windowSum = sums
    }

    var count: Int { ring.count }
    func unfitted() -> MeanShiftScore { MeanShiftScore(dimension: dimension, window: window) }

    mutating func accumulate(_ x: [Double]) {
        for j in 0..<dimension {
            sums[j] += x[j]
            squares[j] += x[j] * x[j]
        }
        segmentCount += 1
    }

    mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError) {
        let n = Double(segmentCount)
        for j in 0..<dimension {
            mean[j] = sums[j] / n
            let v = squares[j] / n - mean[j] * mean[j]
            guard v > 0 else { throw ScoreFitError("is constant", node: j) }
            sd[j] = v.squareRoot()
        }
        referenceSampleSize = segmentCount
    }

    mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        let didEvict = ring.push(x, evicted: &evicted)
        for j in 0..<dimension {
            windowSum[j] += x[j]
            if didEvict { windowSum[j] -= evicted[j] }
        }
        return didEvict
    }

    func statistics() -> StatisticMap {
        let w = Double(window)
        let z = (0..<dimension).map { abs(windowSum[$0] / w - mean[$0]) / (sd[$0] / w.squareRoot()) }
        return StatisticMap(["mean-shift": z.max()!])
    }

    mutating func reset(keepingNull: Bool) {
        ring.removeAll()
        windowSum = [Double](repeating: 0, count: dimension)
        guard !keepingNull else { return }
        sums = windowSum
        squares = windowSum
        segmentCount = 0
    }

    func evidence(top count: Int, names: [String]) -> ScoreEvidence {
        let w = Double(window)
        let z = (0..<dimension).map { abs(windowSum[$0] / w - mean[$0]) / (sd[$0] / w.squareRoot()) }
        return ScoreEvidence(topNodes: z.indices.sorted { z[$0] > z[$1] }.prefix(count)
            .map { NodeContribution(node: $0, name: names[$0], contribution: z[$0]) })
    }
}

@Suite struct ThirdPartyScoreTests {
    /// Five nodes, standard normal; node 3's mean moves by 1.5 at row 400.
    static func stream() -> [[Double]] {
        var rng = SeededGenerator(seed: 21)
        var rows: [[Double]] = []
        for t in 0..<800 {
            var x = [Double](repeating: 0, count: 5)
            for j in 0..<5 {
                let shift: Double = (t >= 400 && j == 2) ? 1.5 : 0
                x[j] = rng.nextStandardNormal() + shift
            }
            rows.append(x)
        }
        return rows
    }

    @Test func aScoreDefinedOutsideTheModuleMonitorsAndResumes() throws {
        let settings = MonitorSettings(burnIn: 200, window: 20, refitEvery: 20,
                                       thresholds: .fixed(StatisticMap(["mean-shift": 5])))
        var monitor = try SequentialMonitor(score: MeanShiftScore(dimension: 5, window: 20), settings: settings)
        let rows = Self.stream()
        var alarms: [Alarm] = []
        var resumed: SequentialMonitor<MeanShiftScore>?
        for (t, x) in rows.enumerated() {
            if let alarm = try monitor.update(x).alarm { alarms.append(alarm) }
            if t == 300 { resumed = try JSONDecoder().decode(SequentialMonitor<MeanShiftScore>.self, from: JSONEncoder().encode(monitor)) }
        }
        let first = try #require(alarms.first)
        // Under the null the per-window max over 5 nodes of |N(0,1)| exceeds 5 with probability
        // about 3e-6, so no false alarm is expected over 200 windows; the shift of 1.5 sd gives
        // z about 1.5 sqrt(20) = 6.7 once the window is mostly post-change.
        #expect((400..<420).contains(first.index), "\(alarms.map(\.index))")
        #expect(first.firedBy == ["mean-shift"])
        #expect(first.topNodes.first?.node == 2)
        #expect(first.estimatedChange == nil)
        // The copy saved at row 300 and resumed gives exactly the same alarms.
        var copy = try #require(resumed)
        var replayed: [Alarm] = []
        for x in rows[301...] { if let alarm = try copy.update(x).alarm { replayed.append(alarm) } }
        #expect(replayed == alarms)
    }

    @Test func thirdPartyScoresAreCalibratedByTheSameSimulator() throws {
        let settings = MonitorSettings(burnIn: 100, window: 20, refitEvery: 20,
                                       thresholds: .calibrated(CalibrationSettings(target: .falseAlarmProbability(0.2, horizon: 100),
                                                                                   null: .bootstrap, replicates: 40, seed: 3)))
        var monitor = try SequentialMonitor(score: MeanShiftScore(dimension: 5, window: 20), settings: settings)
        var steps: [MonitorStep] = []
        for x in Self.stream().prefix(150) { steps += try monitor.process(x) }
        let calibration = try #require(monitor.calibration)
        #expect(calibration.thresholds["mean-shift"] != nil)
        #expect(calibration.replicates == 40)
        #expect(steps.count == 150)
        #expect(steps.last?.evaluated == true)
    }
}
