import Foundation
import Testing
import GGMCore
@testable import GGMDetection

@Suite struct NullDistributionTests {
    /// With the true network as the reference, the global statistic is close to N(0, 1).
    ///
    /// 20,000 non-overlapping (hence independent) windows, p = 50, w = 50, banded graph.
    /// The exact mean of each term is 0 (g1 is the exact mean of f), so the sample mean has
    /// standard error about 1/sqrt(20000) = 0.007: +-0.05 is 7 standard errors. The standard
    /// deviation is 1 only approximately (the ||R||_4^2 normalization); its sampling error is
    /// about 0.005, so [0.9, 1.1] tests the approximation, not the noise.
    @Test func globalStatisticIsStandardNormalWithTrueReference() throws {
        let p = 50, w = 50, windows = 20_000
        let omega = bandedPrecision(p)
        let reference = try ReferenceModel(precision: omega)
        let sampler = try GaussianSampler(precision: omega)
        var engine = WindowStatistics(reference: reference, window: w, detector: .global)
        var rng = SeededGenerator(seed: 20_200)
        var evicted: [Double] = []
        var values: [Double] = []
        values.reserveCapacity(windows)
        while values.count < windows {
            for _ in 0..<w { engine.push(sampler.sample(using: &rng), evicted: &evicted) }
            values.append(engine.globalStatistic())
        }
        let mean = values.reduce(0, +) / Double(windows)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(windows - 1)).squareRoot()
        #expect(abs(mean) < 0.05, "null mean \(mean)")
        #expect(sd > 0.9 && sd < 1.1, "null sd \(sd)")
    }

    /// Every local entry E_uv has mean 0 and variance 1 under the null with the true reference:
    /// over 4,000 independent windows the average of E_uv^2 over all m = 210 entries (p = 20)
    /// has standard error about sqrt(2/(4000*210)) ~ 0.0015 if entries were independent (they are
    /// correlated, so allow 0.05); the mean of E_uv has standard error ~0.0011 (allow 0.02).
    @Test func localEntriesAreStandardizedWithTrueReference() throws {
        let p = 20, w = 50, windows = 4_000
        let omega = bandedPrecision(p)
        let reference = try ReferenceModel(precision: omega)
        let sampler = try GaussianSampler(precision: omega)
        var rng = SeededGenerator(seed: 7)
        var sum = 0.0, sumSq = 0.0, count = 0.0
        for _ in 0..<windows {
            let window = sampler.sample(w, using: &rng)
            let e = LocalStatistic.entries(window: window, reference: reference)
            for u in 0..<p { for v in u..<p { sum += e[u, v]; sumSq += e[u, v] * e[u, v]; count += 1 } }
        }
        #expect(abs(sum / count) < 0.02)
        #expect(abs(sumSq / count - 1) < 0.05)
    }

    /// The incremental engine agrees with the from-scratch formulas on a long stream, across the
    /// periodic exact recomputation of the running sums (drift stays at rounding level).
    @Test func incrementalEngineMatchesRecomputationOnLongStream() throws {
        let p = 12, w = 30
        let omega = bandedPrecision(p)
        let reference = try ReferenceModel(precision: omega, mean: (0..<p).map { Double($0) / 10 })
        var rng = SeededGenerator(seed: 3)
        let rows = gaussianRows(5_000, precision: omega, rng: &rng).map { $0.enumerated().map { $1 + Double($0) / 10 } }
        var engine = WindowStatistics(reference: reference, window: w, detector: .combined)
        var evicted: [Double] = []
        for (t, x) in rows.enumerated() {
            engine.push(x, evicted: &evicted)
            if t >= w - 1 && t % 97 == 0 {
                let window = Matrix(Array(rows[(t - w + 1)...t]))
                #expect(abs(engine.globalStatistic() - GlobalStatistic.evaluate(window: window, reference: reference)) < 1e-9)
                #expect(abs(engine.localStatistic() - LocalStatistic.evaluate(window: window, reference: reference)) < 1e-9)
            }
        }
    }
}
