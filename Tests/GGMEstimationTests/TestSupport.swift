import Foundation
import GGMCore
import GGMEstimation

/// Fixture decoding and small helpers shared by the estimation tests.
enum Fixtures {
    struct NodewiseFile: Decodable {
        struct Case: Decodable { let p: Int; let n: Int; let observations: [[Double]]; let fits: [Fit] }
        struct Fit: Decodable { let lambda: Double; let coefficients: [[Double]]; let meanSquaredResidual: [Double] }
        let cases: [Case]
    }
    struct GlassoFile: Decodable {
        struct Case: Decodable { let p: Int; let n: Int; let observations: [[Double]]; let covariance: [[Double]]; let fits: [Fit] }
        struct Fit: Decodable { let lambda: Double; let precision: [[Double]]; let objective: Double }
        let cases: [Case]
    }
    static func load<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        let url = try requireURL(name)
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
    private static func requireURL(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }
}

/// `X^T X / n` of the rows of `x` (assumed centered).
func gram(_ x: Matrix) -> Matrix {
    var s = x.transposed * x
    for k in s.elements.indices { s.elements[k] /= Double(x.rows) }
    return s
}

/// Two-pass ML covariance of the rows of `x` (center, then average the products).
func twoPassCovariance(_ x: Matrix) -> (mean: [Double], covariance: Matrix) {
    let n = x.rows, p = x.columns
    var mean = [Double](repeating: 0, count: p)
    for t in 0..<n { for j in 0..<p { mean[j] += x[t, j] } }
    for j in 0..<p { mean[j] /= Double(n) }
    var c = Matrix(rows: p, columns: p)
    for t in 0..<n {
        for i in 0..<p { for j in 0..<p { c[i, j] += (x[t, i] - mean[i]) * (x[t, j] - mean[j]) } }
    }
    for k in c.elements.indices { c.elements[k] /= Double(n) }
    return (mean, c)
}

/// A random sparse precision matrix (Section 10 design): each pair is an edge with probability `density`,
/// entries +-U(low, high) (default U(0.3, 0.6)), diagonal shifted so the smallest eigenvalue is about 0.5 (via diagonal dominance), then
/// rescaled to unit diagonal.
func randomSparsePrecision(p: Int, density: Double, low: Double = 0.3, high: Double = 0.6, using rng: inout SeededGenerator) -> Matrix {
    var omega = Matrix(rows: p, columns: p)
    for i in 0..<p {
        for j in (i + 1)..<p where rng.nextUniformOpen() < density {
            let magnitude = low + (high - low) * rng.nextUniformOpen()
            let v = rng.nextUniformOpen() < 0.5 ? -magnitude : magnitude
            omega[i, j] = v
            omega[j, i] = v
        }
    }
    for i in 0..<p {
        var rowSum = 0.0
        for j in 0..<p where j != i { rowSum += Swift.abs(omega[i, j]) }
        omega[i, i] = rowSum + 0.5
    }
    var out = omega
    for i in 0..<p { for j in 0..<p { out[i, j] = omega[i, j] / (omega[i, i] * omega[j, j]).squareRoot() } }
    return out
}

/// `n` draws from `N(0, precision^{-1})` as the rows of a matrix.
func sample(precision: Matrix, n: Int, using rng: inout SeededGenerator) -> Matrix {
    let sampler = try! GaussianSampler(precision: precision)
    return sampler.sample(n, using: &rng)
}

/// ML covariance (centered) of simulated data.
func simulatedCovariance(p: Int, n: Int, density: Double, seed: UInt64, low: Double = 0.3, high: Double = 0.6) -> (truth: Matrix, covariance: Matrix, observations: Matrix) {
    var rng = SeededGenerator(seed: seed)
    let omega = randomSparsePrecision(p: p, density: density, low: low, high: high, using: &rng)
    let x = sample(precision: omega, n: n, using: &rng)
    return (omega, twoPassCovariance(x).covariance, x)
}

/// `D^{-1/2} S D^{-1/2}`.
func correlation(_ s: Matrix) -> Matrix {
    var r = s
    for i in 0..<s.rows { for j in 0..<s.rows { r[i, j] = s[i, j] / (s[i, i] * s[j, j]).squareRoot() } }
    return r
}
