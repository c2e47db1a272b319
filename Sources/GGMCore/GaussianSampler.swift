/// Draws from a multivariate normal `N(mu, Omega^{-1})` given its precision matrix `Omega`.
///
/// With `Omega = L L^T`, `x = mu + L^{-T} z` for standard normal `z` has
/// covariance `L^{-T} L^{-1} = Omega^{-1}`: one back substitution per draw, no inverse formed.
///
/// - Complexity: O(p^3) once to factor, O(p^2) per draw at most: the blocks of four entries of
///   `L^T` that are all zero are skipped (a sparse precision's factor keeps many: 69% of the
///   factor is zero for a random network at p = 5,000 with about 4 neighbours per node).
public struct GaussianSampler: Sendable {
    public let mean: [Double]
    public let factor: Cholesky
    /// `L^T` in row-major order, so the back substitution reads contiguous rows.
    private let upper: [Double]
    /// Row `i` of `L^T` from column `i + 1` on, in blocks of four: the runs of blocks that hold a
    /// nonzero, as `runs[runOffsets[i] ..< runOffsets[i + 1]]` (first block, end block), counted
    /// from column `i + 1`. The entries after the last whole block are not in any run.
    private let runs: [(Int32, Int32)]
    private let runOffsets: [Int]

    /// A sampler for `N(mean, precision^{-1})`; `mean` defaults to zero.
    public init(precision: Matrix, mean: [Double]? = nil) throws(NumericalError) {
        self.factor = try Cholesky(precision)
        let upper = factor.lower.transposed.elements
        self.upper = upper
        self.mean = mean ?? [Double](repeating: 0, count: precision.rows)
        precondition(self.mean.count == precision.rows, "mean and precision dimensions differ")
        (runs, runOffsets) = Self.nonzeroRuns(upper, dimension: precision.rows)
    }

    /// The runs of blocks of four with a nonzero entry, row by row of `L^T` (see ``runs``).
    private static func nonzeroRuns(_ upper: [Double], dimension n: Int) -> ([(Int32, Int32)], [Int]) {
        var runs: [(Int32, Int32)] = []
        var offsets = [0]
        offsets.reserveCapacity(n + 1)
        upper.withUnsafeBufferPointer { u in
            for i in 0..<n {
                let row = u.baseAddress! + i * n + i + 1
                let blocks = (n - i - 1) / 4
                var b = 0
                while b < blocks {
                    let q = row + 4 * b
                    if q[0] != 0 || q[1] != 0 || q[2] != 0 || q[3] != 0 {
                        let start = b
                        b += 1
                        while b < blocks {
                            let r = row + 4 * b
                            if r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0 { break }
                            b += 1
                        }
                        runs.append((Int32(start), Int32(b)))
                    }
                    b += 1
                }
                offsets.append(runs.count)
            }
        }
        return (runs, offsets)
    }

    public var dimension: Int { mean.count }

    /// One draw: `x = mu + L^{-T} z` by back substitution on the rows of `L^T`.
    public func sample(using rng: inout some RandomNumberGenerator) -> [Double] {
        let n = dimension
        var x = rng.standardNormals(n)
        x.withUnsafeMutableBufferPointer { backSubstitute($0) }
        for i in 0..<n { x[i] += mean[i] }
        return x
    }

    /// `count` draws, the same numbers as `count` calls of ``sample(using:)`` in a row.
    ///
    /// The draws are solved sixteen at a time, in groups of four side by side in one `SIMD4` per
    /// coordinate: each row of `L^T` is read from memory once for all sixteen right-hand sides (the
    /// groups after the first find it in cache). Every lane does what one draw alone does (the same
    /// four partial sums over `k`, combined in the same order), so the result is the same bit for
    /// bit; only the memory traffic on `L^T` drops (by sixteen, where a large factor does not fit
    /// in cache: 200 MB at p = 5,000).
    public func sample(count: Int, using rng: inout some RandomNumberGenerator) -> [[Double]] {
        let n = dimension
        var out: [[Double]] = []
        out.reserveCapacity(count)
        var start = 0
        while start < count {
            let lanes = Swift.min(Self.lanesPerPass, count - start)
            let groups = (lanes + 3) / 4
            var block = [SIMD4<Double>](repeating: .zero, count: groups * n)
            for r in 0..<lanes {
                let z = rng.standardNormals(n)
                let base = (r / 4) * n, lane = r % 4
                for k in 0..<n { block[base + k][lane] = z[k] }
            }
            block.withUnsafeMutableBufferPointer { backSubstitute($0, groups: groups) }
            for r in 0..<lanes {
                let base = (r / 4) * n, lane = r % 4
                var x = [Double](repeating: 0, count: n)
                for i in 0..<n { x[i] = block[base + i][lane] + mean[i] }
                out.append(x)
            }
            start += lanes
        }
        return out
    }

    /// Draws solved in one pass over `L^T` by ``sample(count:using:)`` (four groups of four lanes:
    /// at p = 5,000 their right-hand sides, 640 KB, stay in a 1 MB level-2 cache).
    public static let lanesPerPass = 16

    /// Solves `L^T x = z` in place (`x` holds `z` on entry) for `groups` consecutive blocks of `n`
    /// lanes, row by row of `L^T` (each row then serves every group while it is in cache), lane by
    /// lane: each row's four partial sums over `k`, combined as `(s0 + s1) + (s2 + s3)`, the same
    /// operations for one draw (`Double`) as for each of four side by side (`SIMD4<Double>`).
    ///
    /// Blocks of four zero entries are skipped: their terms are zeros (the draws are finite), and
    /// adding a zero leaves a partial sum as it was (a sum that starts at +0 is never -0), so the
    /// result is the same bit for bit as the dense loop's.
    @inline(__always)
    private func backSubstitute<Lanes: SubstitutionLanes>(_ xs: UnsafeMutableBufferPointer<Lanes>, groups: Int = 1) {
        let n = dimension
        upper.withUnsafeBufferPointer { u in
            runs.withUnsafeBufferPointer { runs in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let row = i * n
                    let first = i + 1
                    let tail = first + 4 * ((n - first) / 4)
                    let rowRuns = runOffsets[i]..<runOffsets[i + 1]
                    for g in 0..<groups {
                        let xb = xs.baseAddress! + g * n
                        var s0 = Lanes.zero, s1 = Lanes.zero, s2 = Lanes.zero, s3 = Lanes.zero
                        for r in rowRuns {
                            var k = first + 4 * Int(runs[r].0)
                            let end = first + 4 * Int(runs[r].1)
                            while k < end {
                                s0 += u[row + k] * xb[k]
                                s1 += u[row + k + 1] * xb[k + 1]
                                s2 += u[row + k + 2] * xb[k + 2]
                                s3 += u[row + k + 3] * xb[k + 3]
                                k += 4
                            }
                        }
                        var k = tail
                        while k < n { s0 += u[row + k] * xb[k]; k += 1 }
                        xb[i] = (xb[i] - ((s0 + s1) + (s2 + s3))) / u[row + i]
                    }
                }
            }
        }
    }

    /// `n` draws as the rows of an `n x p` matrix (the same numbers as `n` calls of ``sample(using:)``).
    public func sample(_ n: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        var out = Matrix(rows: n, columns: dimension)
        for (t, x) in sample(count: n, using: &rng).enumerated() {
            for j in 0..<dimension { out[t, j] = x[j] }
        }
        return out
    }
}

/// One draw (`Double`) or four side by side (`SIMD4<Double>`) in the sampler's back substitution.
protocol SubstitutionLanes {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func += (lhs: inout Self, rhs: Self)
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Double, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Double) -> Self
}

extension Double: SubstitutionLanes {}
extension SIMD4: SubstitutionLanes where Scalar == Double {}
