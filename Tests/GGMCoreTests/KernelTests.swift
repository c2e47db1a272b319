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
}
