/// Draws from a multivariate normal `N(mu, Omega^{-1})` given its precision matrix `Omega`.
///
/// With `Omega = L L^T`, `x = mu + L^{-T} z` for standard normal `z` has
/// covariance `L^{-T} L^{-1} = Omega^{-1}`: one back substitution per draw, no inverse formed.
///
/// - Complexity: O(p^3) once to factor, O(p^2) per draw.
public struct GaussianSampler: Sendable {
    public let mean: [Double]
    public let factor: Cholesky
    /// `L^T` in row-major order, so the back substitution reads contiguous rows.
    private let upper: [Double]

    /// A sampler for `N(mean, precision^{-1})`; `mean` defaults to zero.
    public init(precision: Matrix, mean: [Double]? = nil) throws(NumericalError) {
        self.factor = try Cholesky(precision)
        self.upper = factor.lower.transposed.elements
        self.mean = mean ?? [Double](repeating: 0, count: precision.rows)
        precondition(self.mean.count == precision.rows, "mean and precision dimensions differ")
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
    /// The draws are solved four at a time: each row of `L^T` is read once for four right-hand
    /// sides, which sit side by side in one `SIMD4` per coordinate. Every lane does what one draw
    /// alone does (the same four partial sums over `k`, combined in the same order), so the result
    /// is the same bit for bit; only the memory traffic on `L^T` drops by four.
    public func sample(count: Int, using rng: inout some RandomNumberGenerator) -> [[Double]] {
        let n = dimension
        var out: [[Double]] = []
        out.reserveCapacity(count)
        var block = [SIMD4<Double>](repeating: .zero, count: n)
        var start = 0
        while start < count {
            let lanes = Swift.min(4, count - start)
            for r in 0..<lanes {
                let z = rng.standardNormals(n)
                for k in 0..<n { block[k][r] = z[k] }
            }
            block.withUnsafeMutableBufferPointer { backSubstitute($0) }
            for r in 0..<lanes {
                var x = [Double](repeating: 0, count: n)
                for i in 0..<n { x[i] = block[i][r] + mean[i] }
                out.append(x)
            }
            start += lanes
        }
        return out
    }

    /// Solves `L^T x = z` in place (`x` holds `z` on entry), lane by lane: each row's four partial
    /// sums over `k`, combined as `(s0 + s1) + (s2 + s3)`, the same operations for one draw
    /// (`Double`) as for each of four side by side (`SIMD4<Double>`).
    @inline(__always)
    private func backSubstitute<Lanes: SubstitutionLanes>(_ xb: UnsafeMutableBufferPointer<Lanes>) {
        let n = dimension
        upper.withUnsafeBufferPointer { u in
            for i in stride(from: n - 1, through: 0, by: -1) {
                let row = i * n
                var s0 = Lanes.zero, s1 = Lanes.zero, s2 = Lanes.zero, s3 = Lanes.zero
                var k = i + 1
                while k + 4 <= n {
                    s0 += u[row + k] * xb[k]
                    s1 += u[row + k + 1] * xb[k + 1]
                    s2 += u[row + k + 2] * xb[k + 2]
                    s3 += u[row + k + 3] * xb[k + 3]
                    k += 4
                }
                while k < n { s0 += u[row + k] * xb[k]; k += 1 }
                xb[i] = (xb[i] - ((s0 + s1) + (s2 + s3))) / u[row + i]
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
