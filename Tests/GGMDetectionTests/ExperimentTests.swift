import Foundation
import Testing
import GGMCore
import GGMEstimation
import GGMSimulation
@testable import GGMDetection

/// Exploratory measurements, run only with GGM_EXPERIMENT=1 (they print, they do not assert).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GGM_EXPERIMENT"] != nil))
struct ExperimentTests {
    @Test func nullBiasOfEstimatedReference() throws {
        let p = 100, n = 500, w = 50
        for (name, est) in [("nodewise c=1.1", NetworkEstimator(method: .nodewise)),
                            ("nodewise c=1.5", NetworkEstimator(method: .nodewise, lambda: .theory(c: 1.5))),
                            ("nodewise c=2", NetworkEstimator(method: .nodewise, lambda: .theory(c: 2))),
                            ("nodewise c=3", NetworkEstimator(method: .nodewise, lambda: .theory(c: 3))),
                            ("glasso c=0.1", NetworkEstimator(lambda: .theory(c: 0.1)))] {
            var ts: [Double] = []
            var ms: [Double] = []
            var lastEdges = 0
            for seed in 1...6 {
                let sim = try StreamSimulation(p: p, segmentLengths: [n + 1000], graph: .random, change: .global, seed: UInt64(seed))
                let rows = try sim.generate().observations.rowArrays
                let mom = RunningMoments(rows: Matrix(Array(rows[0..<n])))
                let fit = try est.fit(covariance: mom.covariance(), sampleSize: n)
                let ref = try ReferenceModel(precision: fit.precision, mean: mom.mean)
                lastEdges = fit.edgeCount
                var engine = WindowStatistics(reference: ref, window: w, detector: .combined)
                var ev: [Double] = []
                for (i, x) in rows[n...].enumerated() {
                    engine.push(x, evicted: &ev)
                    if engine.isFull && i % w == w - 1 { ts.append(engine.globalStatistic()); ms.append(engine.localStatistic()) }
                }
            }
            let mean = ts.reduce(0, +) / Double(ts.count)
            let sd = (ts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(ts.count - 1)).squareRoot()
            let mmean = ms.reduce(0, +) / Double(ms.count)
            print("\(name) [edges \(lastEdges)]: T mean \(mean) sd \(sd) over \(ts.count); M mean \(mmean)")
        }
    }
}

extension ExperimentTests {
    @Test func nullBiasRowwise() throws {
        let p = 100, n = 500, w = 50
        let g1 = GlobalStatistic.centering(window: w), g2 = GlobalStatistic.scaling(window: w)
        var tsRow: [Double] = [], tsSym: [Double] = [], tsTrue: [Double] = [], tsAvg: [Double] = []
        for seed in 1...6 {
            let sim = try StreamSimulation(p: p, segmentLengths: [n + 1000], graph: .random, change: .global, seed: UInt64(seed))
            let gen = try sim.generate()
            let rows = gen.observations.rowArrays
            let mom = RunningMoments(rows: Matrix(Array(rows[0..<n])))
            let fit = try NetworkEstimator(method: .nodewise).fit(covariance: mom.covariance(), sampleSize: n)
            let ref = try ReferenceModel(precision: fit.precision, mean: mom.mean)
            let trueRef = try ReferenceModel(precision: gen.truth.precision(at: 0), mean: mom.mean)
            let b = fit.coefficients!, s2 = fit.residualVariance!
            var avg = Matrix(rows: p, columns: p)
            for i in 0..<p { for j in 0..<p { avg[i, j] = i == j ? 1 / s2[i] : -0.5 * (b[i, j] / s2[i] + b[j, i] / s2[j]) } }
            let avgRef = try ReferenceModel(precision: avg, mean: mom.mean)
            // coefficients are on the original scale?
            for start in stride(from: n, to: n + 1000 - w + 1, by: w) {
                var sums = [Double](repeating: 0, count: p)
                for t in start..<(start + w) {
                    let x = rows[t]
                    for s in 0..<p {
                        var r = x[s] - mom.mean[s]
                        for j in 0..<p where j != s { r -= b[s, j] * (x[j] - mom.mean[j]) }
                        sums[s] += r * r
                    }
                }
                var t = 0.0
                for s in 0..<p { t += GlobalStatistic.contrast(sums[s] / Double(w) / s2[s]) - g1 }
                tsRow.append(t / (g2 * ref.rNorm4Squared))
                let window = Matrix(Array(rows[start..<(start + w)]))
                tsSym.append(GlobalStatistic.evaluate(window: window, reference: ref))
                tsAvg.append(GlobalStatistic.evaluate(window: window, reference: avgRef))
                tsTrue.append(GlobalStatistic.evaluate(window: window, reference: trueRef))
            }
        }
        for (name, ts) in [("rowwise", tsRow), ("symmetrized", tsSym), ("averaged", tsAvg), ("true precision, estimated mean", tsTrue)] {
            let mean = ts.reduce(0, +) / Double(ts.count)
            print("\(name): T mean \(mean) over \(ts.count)")
        }
    }
}
