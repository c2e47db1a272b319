import Testing
import GGMCore
@testable import GGMEstimation

/// The node-wise precision assembled from each row's support (issue "Scale": no reads with stride
/// p, one p x p matrix per fit) against the dense symmetrization it replaced, bit for bit.
@Suite struct SupportAssemblyTests {
    /// The dense rule as first written: every pair `j < k`, averaged when either regression
    /// selects it, then each nonzero entry divided by `scale_j scale_k`.
    static func denseReference(_ fit: NodewiseLassoFit, scale: [Double]?) -> Matrix {
        let p = fit.residualVariance.count
        let b = fit.coefficients.elements, rv = fit.residualVariance
        var o = Matrix(rows: p, columns: p, repeating: -0.0)
        for j in 0..<p {
            o.elements[j * p + j] = 1 / rv[j]
            for k in (j + 1)..<p where b[j * p + k] != 0 || b[k * p + j] != 0 {
                let v = 0.5 * (-b[j * p + k] / rv[j] + -b[k * p + j] / rv[k])
                o.elements[j * p + k] = v
                o.elements[k * p + j] = v
            }
        }
        if let scale {
            for i in 0..<p { for j in 0..<p where o.elements[i * p + j] != 0 { o.elements[i * p + j] /= scale[i] * scale[j] } }
        }
        return o
    }

    @Test("The precision from the support is the dense symmetrization, bit for bit", arguments: [1, 7, 64, 131])
    func sameBits(p: Int) {
        var rng = SeededGenerator(seed: UInt64(1_000 + p))
        for density in [0.0, 0.03, 0.3, 1.0] {
            var b = Matrix(rows: p, columns: p)
            for j in 0..<p {
                for k in 0..<p where k != j && Double.random(in: 0..<1, using: &rng) < density {
                    // Some pairs selected by one regression only, some with opposite signs that
                    // cancel, some signed zeros.
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: b[j, k] = -0.0
                    case 1: b[j, k] = 0.25; b[k, j] = -0.25
                    default: b[j, k] = Double.random(in: -1...1, using: &rng)
                    }
                }
            }
            let rv = (0..<p).map { _ in Double.random(in: 0.2...3, using: &rng) }
            let scale = (0..<p).map { _ in Double.random(in: 0.01...50, using: &rng) }
            let fit = NodewiseLassoFit(coefficients: b, residualVariance: rv, lambda: 0.1, iterations: 0, converged: true)
            for s in [nil, scale] {
                let fast = fit.precision(rescaledBy: s), reference = Self.denseReference(fit, scale: s)
                #expect(fast.elements.map(\.bitPattern) == reference.elements.map(\.bitPattern),
                        "p = \(p), density \(density), rescaled: \(s != nil)")
            }
        }
    }

    @Test("A fit on the data's scale equals the standardized fit rescaled, and the warm start is left intact")
    func estimatorFit() throws {
        var rng = SeededGenerator(seed: 77)
        let p = 40, n = 120
        var x = Matrix(rows: n, columns: p)
        for t in 0..<n {
            let z = rng.standardNormals(p)
            for j in 0..<p { x[t, j] = (z[j] + (j > 0 ? 0.6 * x[t, j - 1] : 0)) * Double(j + 1) }
        }
        let s = RunningMoments(rows: x).covariance()
        let estimator = NetworkEstimator(method: .nodewise, lambda: .fixed(0.1))
        let cold = try estimator.fit(covariance: s, sampleSize: n)
        let kept = cold
        let warm = try estimator.fit(covariance: s, sampleSize: n, warmStart: cold)
        #expect(cold == kept, "the warm start's storage was reused in place")
        // The standardized problem solved directly, then rescaled with the dense rule.
        let (r, scale) = estimator.fitScale(s)
        let raw = NodewiseLasso(lambda: 0.1, tolerance: estimator.tolerance, maxIterations: estimator.maxIterations)
            .fitValidated(r, initialCoefficients: nil)
        let reference = Self.denseReference(raw, scale: scale)
        #expect(cold.precision.elements.map(\.bitPattern) == reference.elements.map(\.bitPattern))
        #expect(warm.precision.elements.map(\.bitPattern).count == p * p)
        for j in 0..<p { #expect(r[j, j] == 1) }
    }
}
