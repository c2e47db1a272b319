import Foundation
import Testing
@testable import GGMCore

/// A random symmetric positive definite matrix `A A^T / n + ridge * I`.
func randomSPD(_ n: Int, seed: UInt64, ridge: Double = 0.5) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    let a = Matrix(rows: n, columns: n, elements: rng.standardNormals(n * n))
    var s = a * a.transposed
    for i in 0..<n { for j in 0..<n { s[i, j] /= Double(n) } ; s[i, i] += ridge }
    return s
}

@Suite struct LinearAlgebraTests {
    @Test(arguments: [1, 2, 7, 40])
    func choleskyReconstructsAndInverts(n: Int) throws {
        let a = randomSPD(n, seed: UInt64(n))
        let c = try a.cholesky()
        let rebuilt = c.lower * c.lower.transposed
        #expect(rebuilt.maxAbsDifference(a) < 1e-12)
        let product = a * c.inverse()
        #expect(product.maxAbsDifference(.identity(n)) < 1e-10)
        var rng = SeededGenerator(seed: 99)
        let b = rng.standardNormals(n)
        let x = c.solve(b)
        let ax = a.multiply(x)
        for i in 0..<n { #expect(abs(ax[i] - b[i]) < 1e-10) }
    }

    @Test func logDeterminantOfDiagonal() throws {
        let d = Matrix.diagonal([2, 3, 5])
        #expect(abs(try d.cholesky().logDeterminant - log(30)) < 1e-14)
    }

    @Test func choleskyReportsIndefiniteMatrix() {
        let m = Matrix([[1, 2], [2, 1]])
        #expect(throws: NumericalError.self) { try m.cholesky() }
        do { _ = try m.cholesky() } catch {
            guard case let .notPositiveDefinite(index, pivot) = error else { Issue.record("wrong error"); return }
            #expect(index == 1)
            #expect(pivot < 0)
        }
        #expect(throws: NumericalError.notSquare(rows: 2, columns: 3)) { try Matrix(rows: 2, columns: 3).cholesky() }
    }

    @Test func sparseProductMatchesDense() {
        var m = randomSPD(30, seed: 3)
        for i in 0..<30 { for j in 0..<30 where (i + j) % 3 != 0 && i != j { m[i, j] = 0 } }
        let s = SparseMatrix(m)
        #expect(s.nonzeroCount < 30 * 30)
        #expect(s.dense == m)
        var rng = SeededGenerator(seed: 5)
        let x = rng.standardNormals(30)
        let dense = m.multiply(x)
        let sparse = s.multiply(x)
        for i in 0..<30 { #expect(abs(dense[i] - sparse[i]) < 1e-12) }
    }
}

@Suite struct RandomTests {
    @Test func sameSeedSameStream() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        var c = SeededGenerator(seed: 43)
        #expect(SeededGenerator(seed: 42) != c)
        _ = c.next()
    }

    /// 200,000 normal draws: the mean's standard error is 1/sqrt(2e5) = 0.0022, so +-0.01 is 4.5 SE;
    /// the variance's is sqrt(2/2e5) = 0.0032, so +-0.015 is 4.7 SE; the 4th moment (3) has SE about 0.022.
    @Test func gaussianMoments() {
        var rng = SeededGenerator(seed: 2020)
        let x = rng.standardNormals(200_000)
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let kurt = x.reduce(0) { $0 + pow($1 - mean, 4) } / n / (variance * variance)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.015)
        #expect(abs(kurt - 3) < 0.1)
    }

    /// Sample covariance of 40,000 draws from N(0, Omega^{-1}) vs the true covariance:
    /// entries of order 1 have standard error about sqrt(2/40000) = 0.007, so 0.04 is a wide band.
    @Test func samplerHasTheRequestedCovariance() throws {
        let omega = randomSPD(6, seed: 11, ridge: 1)
        let sigma = try omega.inverseSPD()
        let sampler = try GaussianSampler(precision: omega)
        var rng = SeededGenerator(seed: 12)
        let x = sampler.sample(40_000, using: &rng)
        let s = (x.transposed * x)
        let sample = (1.0 / 40_000) * s
        #expect(sample.maxAbsDifference(sigma) < 0.04)
    }
}
