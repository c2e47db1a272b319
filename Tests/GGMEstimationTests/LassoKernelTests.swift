import Testing
import GGMCore
@testable import GGMEstimation

/// The lasso kernel of ggmwatch 0.13 (compact active block, deferred moves applied four at a
/// time, scalar zero-block test) against the kernel as 0.12 wrote it, reproduced below entry by
/// entry: on seeded problems (correlated columns, so that active sets are large, cold and warm
/// starts, an excluded coordinate or none) the coefficients, the residuals and the sweep counts
/// are the same bit for bit, not merely close.
@Suite struct LassoKernelTests {
    /// ggmwatch 0.12's `gramLassoSolve` with covariance updates: every full-sweep move applied to
    /// the whole residual at once, active phases through the index list.
    static func reference(v: UnsafePointer<Double>, n: Int, excluded: Int, b: UnsafeMutablePointer<Double>,
                          r: UnsafeMutablePointer<Double>, lambda: Double, threshold: Double, maxSweeps: Int) -> Int {
        let diag = (0..<n).map { v[$0 * n + $0] }
        var active = [Int](repeating: 0, count: n), start = [Double](repeating: 0, count: n), kept = start
        func step(_ k: Int) -> Double {
            let vkk = diag[k], old = b[k], z = r[k] + vkk * old
            let new: Double
            if z > lambda { new = (z - lambda) / vkk } else if z < -lambda { new = (z + lambda) / vkk } else { new = 0 }
            if new == old { return 0 }
            b[k] = new
            return new - old
        }
        var sweeps = 0
        while sweeps < maxSweeps {
            var maxChange = 0.0, count = 0
            for k in 0..<n where k != excluded && (b[k] != 0 || !(abs(r[k]) <= lambda)) {
                let d = step(k)
                if d != 0 {
                    for l in 0..<n { r[l] -= d * v[k * n + l] }
                    maxChange = max(maxChange, abs(d) * diag[k].squareRoot())
                }
                if b[k] != 0 { active[count] = k; count += 1 }
            }
            sweeps += 1
            if maxChange < threshold { return sweeps }
            for a in 0..<count { start[a] = b[active[a]] }
            while sweeps < maxSweeps {
                var m = 0.0
                for a in 0..<count {
                    let k = active[a], d = step(k)
                    if d == 0 { continue }
                    for c in 0..<count { r[active[c]] -= d * v[k * n + active[c]] }
                    m = max(m, abs(d) * diag[k].squareRoot())
                }
                sweeps += 1
                if m < threshold { break }
            }
            for a in 0..<count { kept[a] = r[active[a]] }
            for a in 0..<count {
                let k = active[a], d = b[k] - start[a]
                if d == 0 { continue }
                for l in 0..<n { r[l] -= d * v[k * n + l] }
            }
            for a in 0..<count { r[active[a]] = kept[a] }
        }
        return sweeps
    }

    @Test(arguments: [(n: 7, lambda: 0.02, seed: 1 as UInt64), (n: 33, lambda: 0.05, seed: 2), (n: 90, lambda: 0.03, seed: 3),
                      (n: 131, lambda: 0.1, seed: 4)])
    func sameIteratesAsTheEarlierKernel(n: Int, lambda: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        // A correlation-like Gram matrix of correlated columns (two common factors and a chain).
        let rows = 3 * n
        var x = [Double](repeating: 0, count: rows * n)
        for t in 0..<rows {
            let common = rng.standardNormals(2)
            for j in 0..<n {
                x[t * n + j] = rng.nextStandardNormal() + 0.8 * common[j % 2] + (j > 0 ? 0.3 * x[t * n + j - 1] : 0)
            }
        }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { v[i * n + j] = (0..<rows).reduce(0) { $0 + x[$1 * n + i] * x[$1 * n + j] } / Double(rows) } }
        for trial in 0..<6 {
            let excluded = trial % 3 == 2 ? -1 : Int(rng.next() % UInt64(n))
            let u = excluded >= 0 ? (0..<n).map { v[excluded * n + $0] } : (0..<n).map { _ in rng.nextStandardNormal() }
            // Cold (zeros) or warm (a sparse random start) coefficients, residual r = u - V b.
            var b0 = [Double](repeating: 0, count: n)
            if trial % 2 == 1 { for k in 0..<n where k != excluded && rng.nextUniformOpen() < 0.3 { b0[k] = 0.2 * rng.nextStandardNormal() } }
            var r0 = u
            for k in 0..<n where b0[k] != 0 { for l in 0..<n { r0[l] -= b0[k] * v[k * n + l] } }
            var (bNew, rNew, bOld, rOld) = (b0, r0, b0, r0)
            var active = [Int](repeating: 0, count: n)
            let threshold = 1e-10
            let new = v.withUnsafeBufferPointer { vb in
                bNew.withUnsafeMutableBufferPointer { bb in
                    rNew.withUnsafeMutableBufferPointer { rb in
                        active.withUnsafeMutableBufferPointer { ab in
                            gramLassoSolve(gram: vb.baseAddress!, dimension: n, excluded: excluded, coefficients: bb.baseAddress!,
                                           residual: rb.baseAddress!, lambda: lambda, threshold: threshold, maxSweeps: 10_000,
                                           active: ab.baseAddress!)
                        }
                    }
                }
            }
            let oldSweeps = v.withUnsafeBufferPointer { vb in
                bOld.withUnsafeMutableBufferPointer { bb in
                    rOld.withUnsafeMutableBufferPointer { rb in
                        Self.reference(v: vb.baseAddress!, n: n, excluded: excluded, b: bb.baseAddress!, r: rb.baseAddress!,
                                       lambda: lambda, threshold: threshold, maxSweeps: 10_000)
                    }
                }
            }
            #expect(new.converged)
            #expect(new.sweeps == oldSweeps)
            #expect(bNew.map(\.bitPattern) == bOld.map(\.bitPattern), "coefficients differ (n \(n), trial \(trial))")
            #expect(rNew.map(\.bitPattern) == rOld.map(\.bitPattern), "residuals differ (n \(n), trial \(trial))")
            #expect(bNew.filter { $0 != 0 }.count > 2, "the problem should have an active set")
        }
    }
}
