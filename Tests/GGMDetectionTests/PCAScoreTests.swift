import Foundation
import Testing
import GGMCore
import GGMSimulation
@testable import GGMDetection

@Suite struct PCAScoreTests {
    /// Jacobi eigenvalues and eigenvectors: `A v = lambda v`, orthonormal, in decreasing order.
    @Test func symmetricEigenDecomposes() {
        var rng = SeededGenerator(seed: 3)
        var b = Matrix(rows: 12, columns: 12)
        for k in b.elements.indices { b.elements[k] = rng.nextStandardNormal() }
        var a = Matrix(rows: 12, columns: 12)
        for i in 0..<12 { for j in 0..<12 { var s = 0.0; for k in 0..<12 { s += b[i, k] * b[j, k] }; a[i, j] = s } }
        let eigen = SymmetricEigen(a)
        #expect(zip(eigen.values, eigen.values.dropFirst()).allSatisfy { $0 >= $1 })
        for k in 0..<12 {
            for i in 0..<12 {
                var av = 0.0
                for j in 0..<12 { av += a[i, j] * eigen.vectors[j, k] }
                #expect(abs(av - eigen.values[k] * eigen.vectors[i, k]) < 1e-9 * eigen.values[0])
            }
            for l in 0..<12 {
                var dot = 0.0
                for i in 0..<12 { dot += eigen.vectors[i, k] * eigen.vectors[i, l] }
                #expect(abs(dot - (k == l ? 1 : 0)) < 1e-10)
            }
        }
    }

    /// On fresh null data T^2 has mean k (the components retained) and the per-point limits are
    /// exceeded at about their level; the run rule takes the smallest of w points; a saved score resumes.
    @Test func chartsOnNullData() throws {
        let p = 15
        let truth = try StreamSimulation(p: p, segmentLengths: [10], graph: .hub, seed: 5).truth()
        let sampler = try GaussianSampler(precision: truth.precision(at: 0))
        var rng = SeededGenerator(seed: 8)
        var score = PCAScore(dimension: p, window: 1)
        for _ in 0..<3000 { score.accumulate(sampler.sample(using: &rng)) }
        try score.fit(lastIndex: 2999, newSegment: true)
        let k = score.components
        #expect(k >= 1 && k < p)
        let limits = try #require(score.nominalThresholds(alpha: 0.05))
        var sumT2 = 0.0, overT2 = 0, overSPE = 0
        let n = 4000
        var evicted: [Double] = []
        for _ in 0..<n {
            _ = score.push(sampler.sample(using: &rng), evicted: &evicted)
            let s = score.statistics()
            sumT2 += s[.pcaT2]!
            if s[.pcaT2]! >= limits[.pcaT2]! { overT2 += 1 }
            if s[.pcaSPE]! >= limits[.pcaSPE]! { overSPE += 1 }
        }
        // Mean of T^2: k, standard error sqrt(2k / n) (chi-square), plus the reference's error.
        #expect(abs(sumT2 / Double(n) - Double(k)) < 4 * (2 * Double(k) / Double(n)).squareRoot() + 0.05 * Double(k))
        // Exceedances at level 0.05: standard error sqrt(0.05 * 0.95 / 4000) = 0.0034; the SPE limit is approximate.
        #expect(abs(Double(overT2) / Double(n) - 0.05) < 0.015)
        #expect(abs(Double(overSPE) / Double(n) - 0.05) < 0.03)
        var run = PCAScore(dimension: p, window: 3)
        for _ in 0..<500 { run.accumulate(sampler.sample(using: &rng)) }
        try run.fit(lastIndex: 499, newSegment: true)
        var points: [[Double]] = []
        for _ in 0..<3 {
            let x = sampler.sample(using: &rng)
            points.append(run.pointStatistics(x))
            _ = run.push(x, evicted: &evicted)
        }
        #expect(run.statistics()[.pcaT2] == points.map { $0[0] }.min())
        let decoded = try JSONDecoder().decode(PCAScore.self, from: JSONEncoder().encode(run))
        #expect(decoded.statistics() == run.statistics())
    }
}
