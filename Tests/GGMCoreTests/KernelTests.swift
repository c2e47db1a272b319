import Testing
import GGMCore

/// The blocked kernels of issue "Scale" against the loops they replaced, on seeded inputs: the
/// same numbers bit for bit (each kernel keeps every entry's additions in their original order).
@Suite struct KernelTests {
    @Test("RankUpdate.fourRows equals one observation at a time, bit for bit",
          arguments: [(p: 7, k: 3), (p: 13, k: 70), (p: 64, k: 129), (p: 101, k: 256)])
    func rankUpdateIsTheLoop(p: Int, k: Int) {
        var rng = SeededGenerator(seed: UInt64(31 * p + k))
        let y = rng.standardNormals(k * p)
        let start = rng.standardNormals(p * p)
        for sign in [1.0, -1.0] {
            var blocked = start, loop = start
            y.withUnsafeBufferPointer { yb in
                blocked.withUnsafeMutableBufferPointer { mb in
                    let m = mb.baseAddress!
                    for i0 in stride(from: 0, to: p - 3, by: 4) {
                        RankUpdate.fourRows(m + i0 * p, m + (i0 + 1) * p, m + (i0 + 2) * p, m + (i0 + 3) * p,
                                            rowIndex: i0, columns: i0..<p, y: yb.baseAddress!, stride: p,
                                            observations: 0..<k, sign: sign)
                    }
                }
            }
            // Each row of a block of four from the block's first column on, as the kernel is called.
            for i in 0..<(p - p % 4) {
                for t in 0..<k {
                    let a = sign * y[t * p + i]
                    for j in (i - i % 4)..<p { loop[i * p + j] += a * y[t * p + j] }
                }
            }
            #expect(blocked == loop, "p = \(p), k = \(k), sign \(sign)")
        }
    }

    @Test("Gaussian draws four at a time are the draws one at a time, bit for bit",
          arguments: [(p: 1, n: 3), (p: 5, n: 9), (p: 37, n: 8), (p: 90, n: 13)])
    func blockDrawsAreSingleDraws(p: Int, n: Int) throws {
        var rng = SeededGenerator(seed: UInt64(p * 100 + n))
        // A random positive definite precision with a dense factor.
        let a = Matrix(rows: p, columns: p, elements: rng.standardNormals(p * p))
        var omega = a.transposed * a
        for i in 0..<p { omega[i, i] += Double(p) }
        let mean = rng.standardNormals(p)
        let sampler = try GaussianSampler(precision: omega, mean: mean)
        var one = SeededGenerator(seed: 5), block = one
        let single = (0..<n).map { _ in sampler.sample(using: &one) }
        #expect(sampler.sample(count: n, using: &block) == single)
        #expect(one == block, "the generators moved by the same draws")
        var m = SeededGenerator(seed: 5)
        let matrix = sampler.sample(n, using: &m)
        #expect((0..<n).allSatisfy { matrix.row($0) == single[$0] })
    }

    @Test("Gaussian draws from a sparse factor (zero blocks skipped, sixteen draws a pass) are the dense loop's, bit for bit",
          arguments: [(p: 6, n: 1), (p: 29, n: 17), (p: 64, n: 33), (p: 131, n: 40)])
    func sparseFactorDrawsAreTheDenseLoop(p: Int, n: Int) throws {
        var rng = SeededGenerator(seed: UInt64(7 * p + n))
        // A banded precision plus a few long-range edges: the factor keeps long runs of zeros,
        // some blocks of four half full, and fill after the long-range edges.
        var omega = Matrix.identity(p)
        for i in 0..<p {
            omega[i, i] = 2.5 + Double(i % 3)
            if i + 1 < p { omega[i, i + 1] = 0.6; omega[i + 1, i] = 0.6 }
            if i + 3 < p, i % 5 == 0 { omega[i, i + 3] = -0.4; omega[i + 3, i] = -0.4 }
        }
        for (u, v) in [(0, p - 1), (p / 3, p - 2), (1, p / 2)] where u != v && abs(u - v) > 1 {
            omega[u, v] = 0.3; omega[v, u] = 0.3
        }
        let mean = rng.standardNormals(p)
        let sampler = try GaussianSampler(precision: omega, mean: mean)
        let upper = sampler.factor.lower.transposed
        var zeros = 0
        for i in 0..<p { for k in (i + 1)..<p where upper[i, k] == 0 { zeros += 1 } }
        #expect(p < 29 || zeros > p * (p - 1) / 4, "the factor has zeros to skip (\(zeros))")
        // The dense loop of 0.13: every entry of the row, four partial sums.
        func dense(_ z: [Double]) -> [Double] {
            var x = z
            for i in stride(from: p - 1, through: 0, by: -1) {
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var k = i + 1
                while k + 4 <= p {
                    s0 += upper[i, k] * x[k]; s1 += upper[i, k + 1] * x[k + 1]
                    s2 += upper[i, k + 2] * x[k + 2]; s3 += upper[i, k + 3] * x[k + 3]
                    k += 4
                }
                while k < p { s0 += upper[i, k] * x[k]; k += 1 }
                x[i] = (x[i] - ((s0 + s1) + (s2 + s3))) / upper[i, i]
            }
            return (0..<p).map { x[$0] + mean[$0] }
        }
        var zs = SeededGenerator(seed: 11), one = zs, block = zs
        let expected = (0..<n).map { _ in dense(zs.standardNormals(p)) }
        #expect((0..<n).map { _ in sampler.sample(using: &one) } == expected)
        #expect(sampler.sample(count: n, using: &block) == expected)
        #expect(one == block)
    }

    @Test("The packed rank-k update equals RankUpdate.fourRows, bit for bit",
          arguments: [(p: 8, k: 5), (p: 13, k: 64), (p: 30, k: 130), (p: 67, k: 200)])
    func packedRankUpdateIsFourRows(p: Int, k: Int) {
        var rng = SeededGenerator(seed: UInt64(17 * p + k))
        let y = rng.standardNormals(k * p)
        let start = rng.standardNormals(p * p)
        for sign in [1.0, -1.0] {
            var packed = start, plain = start
            y.withUnsafeBufferPointer { yb in
                let panels = RankUpdate.Panels(yb.baseAddress!, count: k, stride: p)
                #expect(panels.groups == p / 4 && panels.count == k)
                panels.storage.withUnsafeBufferPointer { pb in
                    packed.withUnsafeMutableBufferPointer { mb in
                        let m = mb.baseAddress!
                        for g in 0..<(p / 4) {
                            let i0 = 4 * g
                            RankUpdate.fourRowsPacked(m + i0 * p, m + (i0 + 1) * p, m + (i0 + 2) * p, m + (i0 + 3) * p,
                                                      rowGroup: g, groups: g..<(p / 4), panels: pb.baseAddress!,
                                                      count: k, groupCount: p / 4, sign: sign)
                        }
                    }
                }
                plain.withUnsafeMutableBufferPointer { mb in
                    let m = mb.baseAddress!
                    for i0 in stride(from: 0, to: p - 3, by: 4) {
                        RankUpdate.fourRows(m + i0 * p, m + (i0 + 1) * p, m + (i0 + 2) * p, m + (i0 + 3) * p,
                                            rowIndex: i0, columns: i0..<(4 * (p / 4)), y: yb.baseAddress!, stride: p,
                                            observations: 0..<k, sign: sign)
                    }
                }
            }
            #expect(packed == plain, "p = \(p), k = \(k), sign \(sign)")
        }
    }

    @Test("Diagonal dominance settles positive definiteness only when it holds; false says nothing")
    func dominanceImpliesPositiveDefinite() throws {
        let dominant = Matrix([[2, -0.5, 0.4], [-0.5, 1, 0.3], [0.4, 0.3, 1]])
        #expect(dominant.isPositiveDefiniteByDominance)
        #expect((try? Cholesky(dominant)) != nil)
        // Positive definite (eigenvalues 2.2, 0.4, 0.4) but not dominant: the factorization decides.
        let equicorrelated = Matrix([[1, 0.6, 0.6], [0.6, 1, 0.6], [0.6, 0.6, 1]])
        #expect(!equicorrelated.isPositiveDefiniteByDominance)
        #expect((try? Cholesky(equicorrelated)) != nil)
        // Not positive definite, a row exactly balanced (the margin), a negative or non-finite diagonal.
        #expect(!Matrix([[1, 2], [2, 1]]).isPositiveDefiniteByDominance)
        #expect(!Matrix([[1, 1], [1, 1]]).isPositiveDefiniteByDominance)
        #expect(!Matrix([[-1, 0], [0, 1]]).isPositiveDefiniteByDominance)
        #expect(!Matrix([[Double.nan, 0], [0, 1]]).isPositiveDefiniteByDominance)
        #expect(!Matrix([[Double.infinity, 0], [0, 1]]).isPositiveDefiniteByDominance)
        #expect(!Matrix(rows: 2, columns: 3, elements: [1, 0, 0, 0, 1, 0]).isPositiveDefiniteByDominance)
    }

    @Test("Cholesky with columns split between cores is the row-by-row factor, bit for bit")
    func choleskyColumnsSplit() throws {
        // p = 800: the columns around the middle have (p - j - 1) j >= 2^17 multiply-adds and go
        // to both cores; the others are computed whole.
        let p = 800
        var rng = SeededGenerator(seed: 41)
        let a = Matrix(rows: p, columns: 40, elements: rng.standardNormals(p * 40))
        var spd = a * a.transposed
        for i in 0..<p { spd[i, i] += 1 }
        let factor = try Cholesky(spd).lower
        // Each entry as one row alone computes it: L_ij = (A_ij - sum_k<j L_ik L_jk) / L_jj.
        var l = Matrix(rows: p, columns: p)
        for j in 0..<p {
            var d = spd[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            let ljj = d.squareRoot()
            l[j, j] = ljj
            let inv = 1 / ljj
            for i in (j + 1)..<p {
                var s = spd[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s * inv
            }
        }
        #expect(factor.elements.map(\.bitPattern) == l.elements.map(\.bitPattern))
    }
}

