import Foundation
import Testing
import GGMCore
import GGMEstimation
import GGMSimulation
@testable import GGMDetection

/// Thresholds for the three detectors from one Monte Carlo simulation under the null fitted on
/// `burnIn` (exactly what the monitor does after its burn-in, with the combined simulation shared).
func calibratedThresholds(burnIn rows: ArraySlice<[Double]>, configuration: MonitorConfiguration,
                          settings: CalibrationSettings) throws -> [DetectorKind: Thresholds] {
    let moments = RunningMoments(rows: Matrix(Array(rows)))
    let fit = try configuration.estimator.fit(covariance: moments.covariance(), sampleSize: rows.count)
    var combined = configuration
    combined.detector = .combined
    let horizon = settings.target.horizon
    combined.thresholds = .none
    let maxima = try Calibrator.simulateMaxima(template: OnlineMonitor(dimension: fit.precision.rows, configuration: combined),
                                               sampler: .gaussian(Calibrator.simulationNull(fit.precision), mean: nil),
                                               horizon: horizon, replicates: settings.replicates, seed: settings.seed)
    var out: [DetectorKind: Thresholds] = [:]
    for detector in DetectorKind.allCases {
        out[detector] = Calibrator.result(maxima: maxima, statistics: detector.statistics,
                                          q: settings.target.probability(horizon: horizon), horizon: horizon,
                                          nominal: Thresholds(), nominalAlpha: 0, reference: nil, seed: settings.seed).thresholds
    }
    return out
}

/// Runs a monitor with fixed thresholds over `rows` and returns its alarm indices.
func alarmIndices(_ rows: [[Double]], configuration: MonitorConfiguration, detector: DetectorKind,
                  thresholds: Thresholds) throws -> [Int] {
    var c = configuration
    c.detector = detector
    c.thresholds = .fixed(global: thresholds.global, local: thresholds.local)
    var monitor = try OnlineMonitor(dimension: rows[0].count, configuration: c)
    var alarms: [Int] = []
    for x in rows { if let a = try monitor.update(x).alarm { alarms.append(a.index) } }
    return alarms
}

@Suite struct CalibrationUnitTests {
    @Test func quantilesAndIntervals() {
        let sorted = (0..<101).map(Double.init)
        #expect(Quantile.upper(sorted: sorted, 0.1) == 90)
        #expect(Quantile.upper(sorted: sorted, 0.0) == 100)
        let interval = Quantile.upperInterval(sorted: sorted, 0.1)
        #expect(interval[0] < 90 && interval[1] > 90)
    }

    /// The combined split gives both statistics the same marginal level with a joint rate equal to
    /// the target: for independent maxima the marginal level is about 1 - sqrt(1 - q).
    @Test func combinedSplitHitsTheJointTarget() throws {
        var rng = SeededGenerator(seed: 4)
        let n = 4000
        let maxima: Calibrator.Maxima = [.global: rng.standardNormals(n), .local: rng.standardNormals(n)]
        let r = Calibrator.result(maxima: maxima, statistics: [.global, .local], q: 0.1, horizon: 100,
                                  nominal: Thresholds(), nominalAlpha: 0, reference: nil, seed: 1)
        #expect(abs(r.simulatedProbability - 0.1) < 0.005)
        let expectedLevel = 1 - (1 - 0.1).squareRoot()
        let g = try #require(r.thresholds.global)
        let l = try #require(r.thresholds.local)
        #expect(abs(SpecialFunctions.normalUpperTail(g) - expectedLevel) < 0.01)
        #expect(abs(SpecialFunctions.normalUpperTail(l) - expectedLevel) < 0.01)
    }

    @Test func arlTargetConvertsToHorizonProbability() {
        let t = CalibrationTarget.averageRunLength(5000)
        #expect(t.horizon == 500)
        #expect(abs(t.probability(horizon: 500) - (1 - exp(-0.1))) < 1e-15)
        #expect(t.horizon(override: 1000) == 1000)
        #expect(CalibrationTarget.falseAlarmProbability(0.1, horizon: 700).horizon == 700)
    }

    /// A non positive definite node-wise estimate still gives a sampler (diagonal inflated).
    @Test func simulationNullRepairsIndefiniteEstimates() throws {
        let m = Matrix([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
        #expect(throws: NumericalError.self) { try m.cholesky() }
        let sampler = try Calibrator.simulationNull(m)
        #expect(sampler.dimension == 3)
    }
}

@Suite(.serialized, .enabled(if: Heavy.enabled, Heavy.reason)) struct CalibrationStatisticalTests {
    /// Realized false-alarm probability over H = 1000 monitored observations on independent null
    /// streams, where each monitor estimates its own reference from its burn-in (p = 50, default
    /// burn-in 500, w = 50, refits every 50, combined detector), target 0.1.
    ///
    /// Thresholds come from 8 calibrations, each on a different burn-in sample of the same null
    /// (as the monitor calibrates on its own burn-in), and each set is used on 50 fresh streams:
    /// 400 streams in all. With 400 replicates the realized rate has standard error
    /// sqrt(0.1 * 0.9 / 400) = 0.015, so the band [0.06, 0.14] is about +-2.7 standard errors
    /// around the target, leaving room for the calibration's own Monte Carlo error (200 replicates each).
    @Test func realizedFalseAlarmProbabilityMatchesTarget() throws {
        let p = 50, horizon = 1000
        let configuration = MonitorConfiguration(detector: .combined)
        let settings = CalibrationSettings(target: .falseAlarmProbability(0.1, horizon: horizon), replicates: 200, seed: 77)
        let truth = try StreamSimulation(p: p, segmentLengths: [10], graph: .random, change: .global, seed: 2024).truth()
        let sampler = try GaussianSampler(precision: truth.precision(at: 0))
        var alarmed = 0
        var total = 0
        for k in 0..<8 {
            var rng = SeededGenerator.stream(seed: 9000, index: k)
            let burnIn = (0..<configuration.burnIn).map { _ in sampler.sample(using: &rng) }
            let thresholds = try calibratedThresholds(burnIn: burnIn[...], configuration: configuration, settings: settings)[.combined]!
            // A monitor error is a test failure, never an alarm (it used to be counted as one).
            let results = parallelMap(50) { r -> Result<Bool, any Error> in
                var rng = SeededGenerator.stream(seed: 10_000 + UInt64(k), index: r)
                let rows = (0..<(configuration.burnIn + horizon)).map { _ in sampler.sample(using: &rng) }
                return Result { !(try alarmIndices(rows, configuration: configuration, detector: .combined, thresholds: thresholds)).isEmpty }
            }
            for result in results { if try result.get() { alarmed += 1 } }
            total += results.count
        }
        let rate = Double(alarmed) / Double(total)
        print("realized false-alarm probability over H = \(horizon): \(rate) (\(alarmed)/\(total)), target 0.1")
        #expect(rate >= 0.06 && rate <= 0.14)
    }

    /// Strength `w0` of the hub perturbation: each hub edge's partial correlation moves by
    /// +-U(w0 d, 2 w0 d), d = sqrt(log p / N) = 0.081 at p = 100, N = 700, so 0.24 to 0.49 with w0 = 3
    /// (with w0 = 1 the moves of 0.08-0.16 are below what any detector sees in a 50-observation window:
    /// measured 1-2 of 10 seeds for every detector).
    static let hubStrength = 3.0

    /// Local changes at p = 100 (change at 700, 50 observations of the window, burn-in 500):
    /// (a) two edges flip partial correlation 0.4 -> -0.4, (b) all edges of one hub perturbed.
    /// The local and combined detectors alarm within 2w in at least 9 of 10 seeds.
    ///
    /// The global detector alone: the README ("What each detector catches") reports 9/10 for both
    /// changes (measured 9/10 and 9/10). Asserted: at least 7 of 10. If its detection probability
    /// is 0.9, as measured, the count is Binomial(10, 0.9) and P(X <= 6) = 0.013; a detector whose
    /// probability had dropped to 0.5 would pass with P(X >= 7) = 0.17 only.
    @Test(arguments: [ChangeKind.flipEdges, ChangeKind.perturbHub])
    func localChangesAreCaughtByLocalAndCombined(change: ChangeKind) throws {
        let record = try detectionRecord(change: change, graph: change == .perturbHub ? .hub : .random)
        print("\(change.rawValue): detected within 2w in \(record[.global]!)/10 (global), \(record[.local]!)/10 (local), \(record[.combined]!)/10 (combined)")
        #expect(record[.local]! >= 9)
        #expect(record[.combined]! >= 9)
        #expect(record[.global]! >= 7, "README: global detects this change in 9/10 seeds")
    }

    /// A global change: every detector finds it (README: 10/10 for each; measured 10/10), the
    /// combined one at least as often as the global one, and the combined median delay is at most
    /// one window longer than the global one. Asserted: at least 8 of 10 for each detector; with a
    /// detection probability of 0.97 the count is Binomial(10, 0.97) and P(X <= 7) = 0.003 (with
    /// 0.95: 0.012). Without the lower bound, "combined >= global" held when neither detected anything.
    @Test func combinedIsAsGoodAsGlobalOnGlobalChanges() throws {
        var delays: [DetectorKind: [Int]] = [:]
        let record = try detectionRecord(change: .global, graph: .random, delays: &delays)
        print("global change: detected within 2w in \(record[.global]!)/10 (global), \(record[.local]!)/10 (local), \(record[.combined]!)/10 (combined); delays \(delays)")
        for detector in DetectorKind.allCases {
            #expect(record[detector]! >= 8, "README: \(detector) detects a global change in 10/10 seeds")
        }
        #expect(record[.combined]! >= record[.global]!)
        let median = { (d: [Int]) -> Int in d.sorted()[d.count / 2] }
        let g = try #require(delays[.global], "no global-detector delays recorded")
        let c = try #require(delays[.combined], "no combined-detector delays recorded")
        try #require(!g.isEmpty && !c.isEmpty)
        #expect(median(c) <= median(g) + 50)
    }

    func detectionRecord(change: ChangeKind, graph: GraphKind) throws -> [DetectorKind: Int] {
        var delays: [DetectorKind: [Int]] = [:]
        return try detectionRecord(change: change, graph: graph, delays: &delays)
    }

    func detectionRecord(change: ChangeKind, graph: GraphKind, delays: inout [DetectorKind: [Int]]) throws -> [DetectorKind: Int] {
        let p = 100, w = 50
        let configuration = MonitorConfiguration(window: w)
        let settings = CalibrationSettings(replicates: 100, seed: 5)
        var detected: [DetectorKind: Int] = [.global: 0, .local: 0, .combined: 0]
        for seed in 1...10 {
            let stream = try StreamSimulation(p: p, segmentLengths: [700, 300], graph: graph, change: change, seed: UInt64(seed),
                                              localStrength: Self.hubStrength).generate()
            let rows = stream.observations.rowArrays
            let tau = stream.truth.changePoints[0]
            let thresholds = try calibratedThresholds(burnIn: rows[0..<configuration.burnIn], configuration: configuration, settings: settings)
            for detector in DetectorKind.allCases {
                let alarms = try alarmIndices(rows, configuration: configuration, detector: detector, thresholds: thresholds[detector]!)
                if let hit = alarms.first(where: { $0 >= tau && $0 < tau + 2 * w }) {
                    detected[detector]! += 1
                    delays[detector, default: []].append(hit - tau)
                }
            }
        }
        return detected
    }
}
