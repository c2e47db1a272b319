import Testing
import GGMCore
@_spi(Benchmark) import GGMEstimation

/// The node-wise lasso's covariance updates on the active set (issue "Scale") against the plain
/// active phases, on seeded problems: cold and warm-started fits agree to 1e-9 (they differ by
/// the order in which inactive residuals are summed; measured about 1e-14).
@Suite struct CovarianceUpdateTests {
    @Test("Covariance updates give the plain algorithm's fit, cold and warm",
          arguments: [(p: 12, n: 40, lambda: 0.05), (p: 60, n: 45, lambda: 0.1), (p: 150, n: 300, lambda: 0.08)])
    func sameFits(p: Int, n: Int, lambda: Double) throws {
        var rng = SeededGenerator(seed: UInt64(p * 7 + n))
        // Correlated columns (a common factor plus noise), so the active sets are large.
        func rows(_ count: Int) -> Matrix {
            var x = Matrix(rows: count, columns: p)
            for t in 0..<count {
                let common = rng.standardNormals(2)
                let noise = rng.standardNormals(p)
                for j in 0..<p { x[t, j] = noise[j] + common[j % 2] * 0.8 + (j > 0 ? 0.3 * x[t, j - 1] : 0) }
            }
            return x
        }
        let first = rows(n), more = rows(10)
        var moments = RunningMoments(rows: first)
        let s1 = moments.covariance()
        moments.add(rows: more)
        let s2 = moments.covariance()
        let lasso = NodewiseLasso(lambda: lambda)
        let cold = try lasso.fit(covariance: s1)
        let coldPlain = try lasso.fitPlain(covariance: s1)
        let warm = try lasso.fit(covariance: s2, warmStart: cold)
        let warmPlain = try lasso.fitPlain(covariance: s2, warmStart: coldPlain)
        for (fast, plain) in [(cold, coldPlain), (warm, warmPlain)] {
            #expect(fast.converged && plain.converged)
            let gap = zip(fast.coefficients.elements, plain.coefficients.elements).map { abs($0 - $1) }.max() ?? 0
            #expect(gap <= 1e-9, "coefficients differ by \(gap)")
            let varianceGap = zip(fast.residualVariance, plain.residualVariance).map { abs($0 - $1) / $1 }.max() ?? 0
            #expect(varianceGap <= 1e-9, "residual variances differ by \(varianceGap)")
            #expect(fast.coefficients.elements.filter { $0 != 0 }.count
                    == plain.coefficients.elements.filter { $0 != 0 }.count)
        }
        #expect(cold.coefficients.elements.filter { $0 != 0 }.count > 2 * p, "large active sets")
    }
}
