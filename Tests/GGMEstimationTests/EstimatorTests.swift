import Foundation
import GGMCore
import Testing
import GGMEstimation

/// Largest violation of the lasso KKT conditions of row j: `g = S_{-j,-j} b - S_{-j,j}`,
/// `g_k = -lambda sign(b_k)` where `b_k != 0`, `|g_k| <= lambda` otherwise.
func nodewiseKKTViolation(_ s: Matrix, _ b: Matrix, lambda: Double) -> Double {
    let p = s.rows
    var worst = 0.0
    for j in 0..<p {
        for k in 0..<p where k != j {
            var g = -s[k, j]
            for l in 0..<p where l != j { g += s[k, l] * b[j, l] }
            let v = b[j, k] == 0 ? Swift.max(0, Swift.abs(g) - lambda) : Swift.abs(g + lambda * (b[j, k] > 0 ? 1 : -1))
            worst = Swift.max(worst, v)
        }
    }
    return worst
}

/// Largest violation of the graphical lasso KKT conditions with `W = T^{-1}`:
/// `W_ij - S_ij = lambda sign(T_ij)` where `T_ij != 0`, `|W_ij - S_ij| <= lambda` otherwise, `W_ii = S_ii`.
func glassoKKTViolation(_ s: Matrix, _ t: Matrix, lambda: Double) throws -> Double {
    let w = try t.inverseSPD()
    let p = s.rows
    var worst = 0.0
    for i in 0..<p {
        worst = Swift.max(worst, Swift.abs(w[i, i] - s[i, i]))
        for j in 0..<p where j != i {
            let g = w[i, j] - s[i, j]
            let v = t[i, j] == 0 ? Swift.max(0, Swift.abs(g) - lambda) : Swift.abs(g - lambda * (t[i, j] > 0 ? 1 : -1))
            worst = Swift.max(worst, v)
        }
    }
    return worst
}

@Suite("Node-wise lasso")
struct NodewiseLassoTests {
    @Test("KKT conditions hold at the solution", arguments: [0.05, 0.15, 0.3])
    func kkt(lambda: Double) throws {
        let (_, s, _) = simulatedCovariance(p: 30, n: 80, density: 0.1, seed: 11)
        let fit = try NodewiseLasso(lambda: lambda, tolerance: 1e-10).fit(covariance: s)
        #expect(fit.converged)
        #expect(nodewiseKKTViolation(s, fit.coefficients, lambda: lambda) < 1e-8)
        for j in 0..<30 { #expect(fit.coefficients[j, j] == 0) }
    }

    @Test("lambda >= lambda_max gives no edges and sigma_j^2 = S_jj")
    func lambdaMax() throws {
        let (_, s, _) = simulatedCovariance(p: 20, n: 50, density: 0.2, seed: 12)
        let fit = try NodewiseLasso(lambda: LambdaSelection.lambdaMax(s)).fit(covariance: s)
        #expect(fit.coefficients.elements.allSatisfy { $0 == 0 })
        #expect(fit.precision.upperOffDiagonalNonzeroCount() == 0)
        for j in 0..<20 { #expect(Swift.abs(fit.residualVariance[j] - s[j, j]) < 1e-15) }
    }

    @Test("Precision averages the two regressions' estimates")
    func symmetrization() {
        let b = Matrix([[0, 0.5, 0.2], [0.1, 0, 0], [-0.4, 0.3, 0]])
        let fit = NodewiseLassoFit(coefficients: b, residualVariance: [1, 2, 4], lambda: 0, iterations: 0, converged: true)
        let omega = fit.precision
        #expect(omega.isSymmetric())
        #expect(omega[0, 0] == 1 && omega[1, 1] == 0.5 && omega[2, 2] == 0.25)
        #expect(abs(omega[0, 1] - -0.275) < 1e-15)    // candidates -0.5 and -0.05
        #expect(abs(omega[0, 2] - -0.05) < 1e-15)     // candidates -0.2 and +0.1
        #expect(abs(omega[1, 2] - -0.0375) < 1e-15)   // only one regression selects it: -0.075 and 0
    }

    @Test("Warm-started refit equals the cold fit in fewer sweeps")
    func warmStart() throws {
        let (_, _, x) = simulatedCovariance(p: 60, n: 210, density: 0.05, seed: 13)
        let s1 = twoPassCovariance(x.rows(0..<200)).covariance
        let s2 = twoPassCovariance(x).covariance
        let lasso = NodewiseLasso(lambda: 0.08, tolerance: 1e-12)
        let first = try lasso.fit(covariance: s1)
        let cold = try lasso.fit(covariance: s2)
        let warm = try lasso.fit(covariance: s2, warmStart: first)
        #expect(warm.coefficients.maxAbsDifference(cold.coefficients) < 1e-8)
        #expect(warm.iterations < cold.iterations)
    }
}

@Suite("Graphical lasso")
struct GraphicalLassoTests {
    @Test("KKT conditions hold at the solution and the precision is symmetric positive definite", arguments: [0.05, 0.1, 0.2])
    func kkt(lambda: Double) throws {
        let (_, s, _) = simulatedCovariance(p: 40, n: 100, density: 0.08, seed: 21)
        let fit = try GraphicalLasso(lambda: lambda, tolerance: 1e-10).fit(covariance: s)
        #expect(fit.converged)
        #expect(fit.precision.isSymmetric())
        _ = try fit.precision.cholesky()
        #expect(try glassoKKTViolation(s, fit.precision, lambda: lambda) < 1e-7)
        #expect(fit.covariance.maxAbsDifference(try fit.precision.inverseSPD()) < 1e-7)
    }

    @Test("p > n: converged, symmetric positive definite")
    func highDimensional() throws {
        let (_, s, _) = simulatedCovariance(p: 150, n: 60, density: 0.02, seed: 22)
        let r = correlation(s)
        for lambda in [0.1, 0.2, 0.3] {
            let fit = try GraphicalLasso(lambda: lambda, tolerance: 1e-8).fit(covariance: r)
            #expect(fit.converged)
            #expect(fit.precision.isSymmetric())
            _ = try fit.precision.cholesky()
            #expect(try glassoKKTViolation(r, fit.precision, lambda: lambda) < 1e-5)
        }
    }

    @Test("lambda >= lambda_max gives the diagonal precision 1 / S_ii")
    func lambdaMax() throws {
        let (_, s, _) = simulatedCovariance(p: 25, n: 60, density: 0.2, seed: 23)
        let fit = try GraphicalLasso(lambda: LambdaSelection.lambdaMax(s)).fit(covariance: s)
        #expect(fit.precision.upperOffDiagonalNonzeroCount() == 0)
        for i in 0..<25 { #expect(Swift.abs(fit.precision[i, i] - 1 / s[i, i]) < 1e-15) }
        #expect(fit.componentSizes.isEmpty)
    }

    @Test("lambda = 0 on a well-conditioned S gives S^{-1}")
    func inverse() throws {
        let (_, s, _) = simulatedCovariance(p: 20, n: 400, density: 0.1, seed: 24)
        let fit = try GraphicalLasso(lambda: 0, tolerance: 1e-12).fit(covariance: s)
        #expect(fit.converged)
        let inv = try s.inverseSPD()
        #expect(fit.precision.maxAbsDifference(inv) < 1e-8)
    }

    @Test("Screening into connected components gives the same answer as the full problem")
    func screening() throws {
        // Two independent blocks plus isolated nodes: several components at this lambda.
        let (_, s, _) = simulatedCovariance(p: 60, n: 150, density: 0.04, seed: 25)
        let lambda = 0.22
        let components = GraphicalLasso.components(of: s, threshold: lambda)
        #expect(components.count > 2)
        #expect(components.contains { $0.count > 1 })
        let screened = try GraphicalLasso(lambda: lambda, tolerance: 1e-12).fit(covariance: s)
        let full = try GraphicalLasso(lambda: lambda, tolerance: 1e-12, screening: false).fit(covariance: s)
        #expect(screened.precision.maxAbsDifference(full.precision) < 1e-8)
        #expect(Swift.abs(screened.objective - full.objective) < 1e-10)
    }

    @Test("The solution's objective is not beaten by nearby positive definite matrices")
    func optimality() throws {
        let (_, s, _) = simulatedCovariance(p: 15, n: 60, density: 0.2, seed: 26)
        let lambda = 0.1
        let fit = try GraphicalLasso(lambda: lambda, tolerance: 1e-12).fit(covariance: s)
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<50 {
            var t = fit.precision
            let i = Int(rng.next() % 15), j = Int(rng.next() % 15)
            let e = 1e-3 * rng.nextStandardNormal()
            t[i, j] += e
            if i != j { t[j, i] += e }
            let obj = try GraphicalLasso.objective(precision: t, covariance: s, lambda: lambda)
            #expect(obj >= fit.objective - 1e-12)
        }
    }

    @Test("Warm-started refit on updated data equals the cold fit in fewer sweeps")
    func warmStart() throws {
        let (_, _, x) = simulatedCovariance(p: 80, n: 305, density: 0.04, seed: 27)
        let s1 = twoPassCovariance(x.rows(0..<300)).covariance
        let s2 = twoPassCovariance(x).covariance
        let glasso = GraphicalLasso(lambda: 0.1, tolerance: 1e-12)
        let first = try glasso.fit(covariance: s1)
        let cold = try glasso.fit(covariance: s2)
        let warm = try glasso.fit(covariance: s2, warmStart: first)
        #expect(cold.converged && warm.converged)
        #expect(warm.precision.maxAbsDifference(cold.precision) < 1e-8)
        #expect(warm.iterations < cold.iterations)
    }
}

@Suite("Network estimator")
struct NetworkEstimatorTests {
    @Test("Without standardization it is exactly the underlying estimator", arguments: EstimationMethod.allCases)
    func rawScale(method: EstimationMethod) throws {
        let (_, s, _) = simulatedCovariance(p: 30, n: 90, density: 0.1, seed: 31)
        let fit = try NetworkEstimator(method: method, lambda: .fixed(0.1), standardize: false, tolerance: 1e-10)
            .fit(covariance: s, sampleSize: 90)
        let direct: Matrix = switch method {
        case .glasso: try GraphicalLasso(lambda: 0.1, tolerance: 1e-10).fit(covariance: s).precision
        case .nodewise: try NodewiseLasso(lambda: 0.1, tolerance: 1e-10).fit(covariance: s).precision
        }
        #expect(fit.precision == direct)
        #expect(fit.edgeCount == direct.upperOffDiagonalNonzeroCount())
        #expect((fit.coefficients != nil) == (method == .nodewise))
    }

    @Test("Standardized fits are invariant to rescaling the nodes", arguments: EstimationMethod.allCases)
    func scaleInvariance(method: EstimationMethod) throws {
        let (_, s, _) = simulatedCovariance(p: 30, n: 90, density: 0.1, seed: 32)
        let d = (0..<30).map { 0.1 + Double($0) }
        var scaled = s
        for i in 0..<30 { for j in 0..<30 { scaled[i, j] = s[i, j] * d[i] * d[j] } }
        let estimator = NetworkEstimator(method: method, tolerance: 1e-10)
        let a = try estimator.fit(covariance: s, sampleSize: 90)
        let b = try estimator.fit(covariance: scaled, sampleSize: 90)
        var back = b.precision
        for i in 0..<30 { for j in 0..<30 { back[i, j] *= d[i] * d[j] } }
        #expect(back.maxAbsDifference(a.precision) < 1e-8)
        #expect(a.edgeCount == b.edgeCount)
        #expect(a.lambda == LambdaSelection.theoryLambda(c: NetworkEstimator.defaultTheoryConstant, dimension: 30, sampleSize: 90))
    }

    @Test("Warm starts work across the standardization when the variances change", arguments: EstimationMethod.allCases)
    func warmAcrossScales(method: EstimationMethod) throws {
        let (_, _, x) = simulatedCovariance(p: 50, n: 260, density: 0.05, seed: 33)
        var y = x
        for t in 0..<y.rows { for j in 0..<50 { y[t, j] *= 1 + Double(j) } }
        let s1 = twoPassCovariance(y.rows(0..<250)).covariance
        let s2 = twoPassCovariance(y).covariance
        let estimator = NetworkEstimator(method: method, lambda: .fixed(0.12), tolerance: 1e-12)
        let first = try estimator.fit(covariance: s1, sampleSize: 250)
        let cold = try estimator.fit(covariance: s2, sampleSize: 260)
        let warm = try estimator.fit(covariance: s2, sampleSize: 260, warmStart: first)
        let scale = cold.precision.elements.map(Swift.abs).max()!
        #expect(warm.precision.maxAbsDifference(cold.precision) / scale < 1e-8)
        #expect(warm.iterations < cold.iterations)
    }

    @Test("BIC path: starts empty at lambda_max, picks its minimum, and the fit uses it", arguments: EstimationMethod.allCases)
    func bic(method: EstimationMethod) throws {
        let (truth, s, _) = simulatedCovariance(p: 40, n: 300, density: 0.05, seed: 34)
        let estimator = NetworkEstimator(method: method, lambda: .bic, tolerance: 1e-8)
        let fit = try estimator.fit(covariance: s, sampleSize: 300)
        let selection = try #require(fit.lambdaSelection)
        #expect(selection.path.first?.edges == 0)
        #expect(selection.path.count >= 4 && selection.path.count <= 20)
        let minimum = selection.path.map(\.bic).min()!
        #expect(selection.path[selection.chosenIndex].bic == minimum)
        #expect(fit.lambda == selection.lambda)
        #expect(fit.edgeCount == selection.path[selection.chosenIndex].edges)
        #expect(try estimator.selectLambda(covariance: s, sampleSize: 300) == selection)
        // The chosen network is a reasonable estimate of the truth (most true edges found).
        let trueEdges = truth.upperOffDiagonalNonzeroCount()
        var found = 0
        for i in 0..<40 { for j in (i + 1)..<40 where truth[i, j] != 0 && fit.precision[i, j] != 0 { found += 1 } }
        #expect(Double(found) > 0.6 * Double(trueEdges))
    }

    @Test("NetworkFit round-trips through JSON")
    func codable() throws {
        let (_, s, _) = simulatedCovariance(p: 10, n: 50, density: 0.2, seed: 35)
        for method in EstimationMethod.allCases {
            let fit = try NetworkEstimator(method: method).fit(covariance: s, sampleSize: 50)
            let decoded = try JSONDecoder().decode(NetworkFit.self, from: JSONEncoder().encode(fit))
            #expect(decoded == fit)
        }
        let estimator = NetworkEstimator(method: .nodewise, lambda: .theory(c: 0.5))
        #expect(try JSONDecoder().decode(NetworkEstimator.self, from: JSONEncoder().encode(estimator)) == estimator)
    }

    @Test("Bad input throws typed errors")
    func errors() throws {
        let (_, s, _) = simulatedCovariance(p: 5, n: 30, density: 0.3, seed: 36)
        let e = NetworkEstimator()
        #expect(throws: EstimationError.notSquare(rows: 2, columns: 3)) {
            try e.fit(covariance: Matrix(rows: 2, columns: 3), sampleSize: 10)
        }
        var nan = s
        nan[1, 3] = .nan
        #expect(throws: EstimationError.self) { try e.fit(covariance: nan, sampleSize: 30) }
        do {
            _ = try e.fit(covariance: nan, sampleSize: 30)
        } catch {
            guard case .nonFiniteEntry(1, 3, _) = error else { Issue.record("wrong error \(error)"); return }
        }
        var constant = s
        for j in 0..<5 { constant[2, j] = 0; constant[j, 2] = 0 }
        #expect(throws: EstimationError.nonPositiveVariance(node: 2, value: 0)) {
            try e.fit(covariance: constant, sampleSize: 30)
        }
        #expect(throws: EstimationError.invalidSampleSize(1)) { try e.fit(covariance: s, sampleSize: 1) }
        #expect(throws: EstimationError.invalidParameter(name: "lambda", value: -1)) {
            try NetworkEstimator(lambda: .fixed(-1)).fit(covariance: s, sampleSize: 30)
        }
        #expect(throws: EstimationError.invalidParameter(name: "lambda", value: -0.1)) {
            try GraphicalLasso(lambda: -0.1).fit(covariance: s)
        }
        let big = simulatedCovariance(p: 6, n: 30, density: 0.3, seed: 37).covariance
        let warm = try GraphicalLasso(lambda: 0.1).fit(covariance: big)
        #expect(throws: EstimationError.dimensionMismatch(what: "warm start", expected: 5, actual: 6)) {
            try GraphicalLasso(lambda: 0.1).fit(covariance: s, warmStart: warm)
        }
        #expect(throws: EstimationError.nonPositiveVariance(node: 0, value: -1)) {
            try NodewiseLasso(lambda: 0.1).fit(covariance: Matrix([[-1, 0], [0, 1]]))
        }
        #expect(EstimationError.nonPositiveVariance(node: 2, value: 0).description.contains("node 2"))
    }
}
