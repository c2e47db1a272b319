import Foundation
import Testing
import GGMCore
import GGMEstimation
import GGMSimulation
@testable import GGMDetection

/// The rolling reference memory (`memory`, ALGORITHMS.md section 17): forgetting is exact, the
/// monitor's reference is the estimator on the last `memory` observations, and the state resumes.
@Suite struct MemoryTests {
    static func rows(p: Int, n: Int, radius: Double? = nil, seed: UInt64) throws -> [[Double]] {
        let simulation = try StreamSimulation(p: p, segmentLengths: [n], graph: .random, seed: seed,
                                              dynamics: try radius.map { try SerialDynamics(spectralRadius: $0) })
        return Array(try simulation.rows())
    }

    static func largest(_ a: Matrix, _ b: Matrix) -> Double {
        zip(a.elements, b.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// A score that accumulated `n` rows and forgot the first `k` is fitted exactly as one that
    /// only saw the rows kept (for lags L, the rows from `k - L` on: the first L only serve as lags).
    @Test(arguments: [0, 1, 2])
    func forgettingIsExact(lags: Int) throws {
        let p = 8, n = 900, k = 400
        let rows = try Self.rows(p: p, n: n, radius: lags > 0 ? 0.6 : nil, seed: 3)
        var forgetting = NetworkScore(dimension: p, window: 20, detector: .combined, lags: .fixed(lags))
        var fresh = NetworkScore(dimension: p, window: 20, detector: .combined, lags: .fixed(lags))
        for x in rows { forgetting.accumulate(x) }
        for x in rows[..<k] { forgetting.forget(x) }
        for x in rows[(k - lags)...] { fresh.accumulate(x) }
        try forgetting.fit(lastIndex: n - 1, newSegment: true)
        try fresh.fit(lastIndex: n - 1, newSegment: true)
        let a = try #require(forgetting.reference), b = try #require(fresh.reference)
        #expect(a.sampleSize == b.sampleSize)
        #expect(a.sampleSize == n - k)
        #expect(Self.largest(a.precision, b.precision) < 1e-9)
        #expect(zip(a.mean, b.mean).allSatisfy { abs($0 - $1) < 1e-9 })
        if lags > 0 {
            let da = try #require(forgetting.dynamics).dense, db = try #require(fresh.dynamics).dense
            #expect(Self.largest(da, db) < 1e-9)
        }
    }

    static func configuration(memory: Int?, lags: LagOrder = .fixed(0), burnIn: Int = 200, window: Int = 20) -> MonitorConfiguration {
        MonitorConfiguration(burnIn: burnIn, window: window, refitEvery: window,
                             thresholds: .fixed(global: 1e9, local: 1e9), lags: lags, memory: memory)
    }

    /// After `n` rows (no alarm) the rolling monitor's sufficient statistics hold exactly the
    /// `memory` rows before the window: its provisional reference is the estimator on them.
    @Test func theReferenceIsTheLastMemoryRowsBeforeTheWindow() throws {
        let p = 10, n = 800, memory = 300, w = 20
        let rows = try Self.rows(p: p, n: n, seed: 11)
        var monitor = try OnlineMonitor(dimension: p, configuration: Self.configuration(memory: memory, window: w))
        var record = RunRecord()
        try feed(&monitor, rows[...], into: &record)
        #expect(monitor.score.segmentCount == memory)
        let kept = RunningMoments(rows: Matrix(Array(rows[(n - w - memory)..<(n - w)])))
        let direct = try MonitorConfiguration.defaultEstimator.fit(covariance: kept.covariance(), sampleSize: memory).precision
        let provisional = try #require(monitor.score.provisionalPrecision())
        #expect(Self.largest(provisional, direct) < 1e-9)
        // The last refit (at an index n - 1 - j with j < w) used the memory too.
        #expect(monitor.score.referenceSampleSize == memory)
    }

    /// A memory at least as long as the stream never forgets: the run is the expanding one.
    @Test func aMemoryLongerThanTheStreamIsTheExpandingReference() throws {
        let rows = try Self.rows(p: 8, n: 600, seed: 2)
        var expanding = try OnlineMonitor(dimension: 8, configuration: Self.configuration(memory: nil))
        var long = try OnlineMonitor(dimension: 8, configuration: Self.configuration(memory: 600))
        var short = try OnlineMonitor(dimension: 8, configuration: Self.configuration(memory: 200))
        var re = RunRecord(), rl = RunRecord(), rs = RunRecord()
        try feed(&expanding, rows[...], into: &re)
        try feed(&long, rows[...], into: &rl)
        try feed(&short, rows[...], into: &rs)
        #expect(re == rl)
        // The rolling one forgets from the first row leaving the window: its statistics differ from
        // the first refit after that on.
        #expect(re.trace.prefix(20) == rs.trace.prefix(20))
        #expect(re.trace != rs.trace)
    }

    /// A rolling monitor (static and lagged) saved and resumed at any point gives the steps of one
    /// uninterrupted run, alarms and restarts included.
    @Test(arguments: [LagOrder.fixed(0), .fixed(1)])
    func rollingStateResumesExactly(lags: LagOrder) throws {
        var rows = try Self.rows(p: 8, n: 900, radius: 0.5, seed: 7)
        // A variance jump at 600 raises an alarm and a restart (the memory is emptied with the segment).
        for t in 600..<900 { rows[t] = rows[t].map { 3 * $0 } }
        let configuration = MonitorConfiguration(burnIn: 150, window: 20, refitEvery: 20,
                                                 thresholds: .fixed(global: 8, local: 1e9), lags: lags, memory: 200)
        var whole = try OnlineMonitor(dimension: 8, configuration: configuration)
        var reference = RunRecord()
        try feed(&whole, rows[...], into: &reference)
        #expect(!reference.alarms.isEmpty)
        for cut in [100, 150, 330, 371, 420, 610, 700] {
            var first = try OnlineMonitor(dimension: 8, configuration: configuration)
            var record = RunRecord()
            try feed(&first, rows[..<cut], into: &record)
            var resumed = try JSONDecoder().decode(OnlineMonitor.self, from: try JSONEncoder().encode(first))
            try feed(&resumed, rows[cut...], into: &record)
            #expect(record == reference, "cut at \(cut)")
        }
    }

    /// The baselines forget too: a per-node monitor with a memory longer than the stream is the
    /// expanding one, and a short memory changes its statistics.
    @Test func baselinesKeepARollingMemory() throws {
        let rows = try Self.rows(p: 6, n: 500, seed: 5)
        func run(_ memory: Int?) throws -> [Double] {
            var monitor = try PerNodeVarianceMonitor(dimension: 6, configuration: BaselineConfiguration(
                burnIn: 100, window: 20, refitEvery: 20, threshold: nil, memory: memory))
            return try rows.compactMap { try monitor.update($0).statistics[.perNode] }
        }
        #expect(try run(nil) == run(500))
        #expect(try run(nil) != run(100))
        var pca = try SequentialMonitor(score: PCAScore(dimension: 6, window: 3),
                                        settings: MonitorSettings(burnIn: 100, window: 3, refitEvery: 20,
                                                                  thresholds: .fixed(Thresholds()), memory: 150))
        for x in rows { _ = try pca.update(x) }
        #expect(pca.score.segmentCount == 150)
    }

    @Test func badMemoriesAreErrorsThatSayWhatIsAllowed() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        let short = message { _ = try OnlineMonitor(dimension: 5, configuration: Self.configuration(memory: 150)) }
        #expect(short.contains("at least the burn-in (200"), "\(short)")
        var noRefits = Self.configuration(memory: 300)
        noRefits.refitEvery = 0
        #expect(message { _ = try OnlineMonitor(dimension: 5, configuration: noRefits) }.contains("needs refits"))
        let reference = try ReferenceModel(precision: Matrix.identity(5), mean: [Double](repeating: 0, count: 5), sampleSize: 100)
        let fixed = message { _ = try OnlineMonitor(reference: reference, configuration: Self.configuration(memory: 300)) }
        #expect(fixed.contains("fixed reference"), "\(fixed)")
    }
}
