import Foundation
import GGMCore
import Testing
import GGMData
import GGMEstimation

/// S&P 500 daily log returns (first `days` returns) with the package's documented preprocessing
/// (splits removed, winsorized at 5 robust SDs), from the embedded data.
func sp500Returns(days: Int) throws -> Matrix {
    let (returns, _) = try SP500.returns()
    return returns.values.rows(0..<days)
}

let benchmarkEnabled = ProcessInfo.processInfo.environment["GGM_BENCH"] != nil

@Suite("Benchmark", .enabled(if: benchmarkEnabled))
struct BenchmarkTests {
    @Test("S&P 500 (p = 452, n = 250) and simulated p = 1000, n = 500")
    func timings() throws {
        let x = try sp500Returns(days: 250)
        let s = RunningMoments(rows: x).covariance()
        for method in EstimationMethod.allCases {
            for rule in [LambdaRule.fixed(0.3), .fixed(0.1), .theory(c: NetworkEstimator.defaultTheoryConstant)] {
                for tol in [1e-4, 1e-5, 1e-6] {
                    let m = try EstimationBenchmark.run(NetworkEstimator(method: method, lambda: rule, tolerance: tol),
                                                        covariance: s, sampleSize: 250, repetitions: 5, label: "sp500 tol=\(tol)")
                    print(m)
                    #expect(m.converged)
                }
            }
        }
        // Where scikit-learn fails ("Non SPD result"): converged, positive definite, KKT to the tolerance.
        let r = correlation(s)
        for lambda in [0.1, 0.2, 0.3] {
            let g = try GraphicalLasso(lambda: lambda, tolerance: 1e-8).fit(covariance: r)
            _ = try g.precision.cholesky()
            let kkt = try glassoKKTViolation(r, g.precision, lambda: lambda)
            print("sp500 glasso lambda \(lambda): converged \(g.converged), sweeps \(g.iterations), edges \(g.precision.upperOffDiagonalNonzeroCount()), components \(g.componentSizes), KKT violation \(kkt)")
            #expect(g.converged && kkt < 1e-5)
        }
        let (_, big, _) = simulatedCovariance(p: 1000, n: 500, density: 0.003, seed: 7)
        for method in EstimationMethod.allCases {
            for rule in [LambdaRule.theory(c: NetworkEstimator.defaultTheoryConstant), .fixed(0.1)] {
                let m = try EstimationBenchmark.run(NetworkEstimator(method: method, lambda: rule),
                                                    covariance: big, sampleSize: 500, repetitions: 3, label: "sim p=1000")
                print(m)
            }
        }
        // Accuracy of the default tolerances against a tight solution (relative to the largest diagonal entry).
        for method in EstimationMethod.allCases {
            let reference = try NetworkEstimator(method: method, tolerance: 1e-10).fit(covariance: s, sampleSize: 250).precision
            let scale = reference.diagonal.max()!
            for tol in [1e-4, 1e-5, 1e-6] {
                let p = try NetworkEstimator(method: method, tolerance: tol).fit(covariance: s, sampleSize: 250).precision
                var rel = 0.0
                for i in 0..<452 { for j in 0..<452 { rel = Swift.max(rel, Swift.abs(p[i, j] - reference[i, j]) / (reference[i, i] * reference[j, j]).squareRoot()) } }
                print("sp500 \(method) tol \(tol): max |Omega - Omega_tight| / sqrt(Omega_ii Omega_jj) = \(rel) (max diag \(scale))")
            }
        }
        // Monitor-style refit: 10 more days, warm-started from the previous reference vs cold.
        let x2 = try sp500Returns(days: 260)
        let s2 = RunningMoments(rows: x2).covariance()
        for method in EstimationMethod.allCases { for tol in [1e-4, 1e-5] {
            let estimator = NetworkEstimator(method: method, tolerance: tol)
            let previous = try estimator.fit(covariance: s, sampleSize: 250)
            var best = (cold: Double.infinity, warm: Double.infinity)
            var sweeps = (cold: 0, warm: 0)
            for _ in 0..<3 {
                var t = Date()
                let cold = try estimator.fit(covariance: s2, sampleSize: 260)
                best.cold = Swift.min(best.cold, Date().timeIntervalSince(t))
                t = Date()
                let warm = try estimator.fit(covariance: s2, sampleSize: 260, warmStart: previous)
                best.warm = Swift.min(best.warm, Date().timeIntervalSince(t))
                sweeps = (cold.iterations, warm.iterations)
            }
            print("sp500 refit 250 -> 260 days, \(method) theory lambda, tol \(tol): cold \(best.cold * 1e3) ms (\(sweeps.cold) sweeps), warm \(best.warm * 1e3) ms (\(sweeps.warm) sweeps)")
        } }
        // BIC path timing on S&P.
        for method in EstimationMethod.allCases {
            let start = Date()
            let f = try NetworkEstimator(method: method, lambda: .bic).fit(covariance: s, sampleSize: 250)
            print("sp500 bic \(method): \(Date().timeIntervalSince(start)) s, lambda \(f.lambda), edges \(f.edgeCount), path \(f.lambdaSelection!.path.map { "\(String(format: "%.3f", $0.lambda)):\($0.edges):\(Int($0.bic)):\($0.converged)" })")
        }
        // RunningMoments hot path: p = 1000, batches of 50.
        var rng = SeededGenerator(seed: 1)
        var block = Matrix(rows: 50, columns: 1000)
        for k in block.elements.indices { block.elements[k] = rng.nextStandardNormal() }
        var rm = RunningMoments(dimension: 1000)
        let start = Date()
        for _ in 0..<20 { rm.add(rows: block) }
        print("RunningMoments add(rows:) 50 x 1000: \(Date().timeIntervalSince(start) / 20 * 1e3) ms per batch")
        let s1 = Date()
        for t in 0..<50 { rm.add(block.row(t)) }
        print("RunningMoments add(_:) 1000: \(Date().timeIntervalSince(s1) / 50 * 1e3) ms per observation")
    }
}
