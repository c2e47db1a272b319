import Foundation
import Testing
@testable import GGMCore

private struct BlockLengthFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let series: [Double]
        let stationary: Double
    }
    let cases: [Case]
}

@Suite struct SerialDependenceTests {
    /// Politis-White block lengths against `arch.bootstrap.optimal_block_length` (arch 8.0.0) on
    /// seeded AR(1) series with phi 0, 0.3, 0.6 and 0.9.
    @Test func blockLengthMatchesArch() throws {
        let url = try #require(Bundle.module.url(forResource: "block-length", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(BlockLengthFixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 4)
        for c in fixture.cases {
            let b = SerialDependence.blockLength(c.series)
            #expect(abs(b - max(c.stationary, 1)) < 1e-9 * max(1, c.stationary), "\(c.name): \(b) vs arch \(c.stationary)")
        }
    }

    /// The Wilson-Hilferty chi-square tail against exact values (scipy.stats.chi2.sf).
    @Test func chiSquareTail() {
        // (q, k, exact P(chi2_k >= q))
        let cases: [(Double, Double, Double)] = [(11.0705, 5, 0.05), (15.0863, 5, 0.01), (1.1455, 5, 0.95), (18.307, 10, 0.05)]
        for (q, k, exact) in cases {
            #expect(abs(SerialDependence.chiSquareUpperTail(q, degrees: k) - exact) < 0.002, "chi2 \(k) at \(q)")
        }
    }

    /// The decision rule: independent Gaussian columns are not declared dependent (in 50 seeded
    /// samples of 300 x 20, none: under independence the median of 20 p-values is below 0.05 with
    /// probability about 1e-7), AR(1) columns with phi 0.3 at n = 300 always are.
    @Test func dependenceDecision() {
        var falseDecisions = 0, misses = 0
        for seed in 0..<50 {
            var rng = SeededGenerator.stream(seed: 77, index: seed)
            var iid = Matrix(rows: 300, columns: 20), ar = Matrix(rows: 300, columns: 20)
            var previous = [Double](repeating: 0, count: 20)
            for t in 0..<300 {
                for j in 0..<20 {
                    iid[t, j] = rng.nextStandardNormal()
                    previous[j] = 0.3 * previous[j] + rng.nextStandardNormal()
                    ar[t, j] = previous[j]
                }
            }
            if SerialDependence.assess(rows: iid).isDependent { falseDecisions += 1 }
            if !SerialDependence.assess(rows: ar).isDependent { misses += 1 }
        }
        #expect(falseDecisions == 0)
        #expect(misses == 0)
    }
}
