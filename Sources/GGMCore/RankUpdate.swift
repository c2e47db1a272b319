/// The register-blocked kernel of the symmetric rank-k updates (the running moments' Gram sums and
/// the local statistic's window sums): four rows of a matrix by four columns stay in registers
/// while a chunk of observations goes past.
public enum RankUpdate {
    /// For `q` in `0..<4` and `j` in `columns`: `rows.q[j] += sum over t in observations of
    /// (sign * y_t[i0 + q]) * y_t[j]`, with `y_t = y + t * stride`.
    ///
    /// Each entry gets its terms added one at a time in the order of `t`, exactly as a loop over
    /// the observations with one update per entry would add them, so the result is the same bit
    /// for bit; the matrix is read and written once per chunk of 64 observations instead of once
    /// per observation. The caller keeps `columns` to entries each row holds (a packed triangle's
    /// row starts at its diagonal).
    public static func fourRows(
        _ m0: UnsafeMutablePointer<Double>, _ m1: UnsafeMutablePointer<Double>,
        _ m2: UnsafeMutablePointer<Double>, _ m3: UnsafeMutablePointer<Double>,
        rowIndex i0: Int, columns: Range<Int>, y: UnsafePointer<Double>, stride: Int,
        observations: Range<Int>, sign: Double = 1
    ) {
        let chunk = 64
        for t0 in Swift.stride(from: observations.lowerBound, to: observations.upperBound, by: chunk) {
            let t1 = Swift.min(t0 + chunk, observations.upperBound)
            var j = columns.lowerBound
            while j + 4 <= columns.upperBound {
                var c0 = SIMD4<Double>.load(m0 + j), c1 = SIMD4<Double>.load(m1 + j)
                var c2 = SIMD4<Double>.load(m2 + j), c3 = SIMD4<Double>.load(m3 + j)
                for t in t0..<t1 {
                    let yt = y + t * stride
                    let v = SIMD4<Double>.load(yt + j)
                    c0 += (sign * yt[i0]) * v
                    c1 += (sign * yt[i0 + 1]) * v
                    c2 += (sign * yt[i0 + 2]) * v
                    c3 += (sign * yt[i0 + 3]) * v
                }
                c0.store(to: m0 + j); c1.store(to: m1 + j); c2.store(to: m2 + j); c3.store(to: m3 + j)
                j += 4
            }
            while j < columns.upperBound {
                for t in t0..<t1 {
                    let yt = y + t * stride
                    let v = yt[j]
                    m0[j] += (sign * yt[i0]) * v
                    m1[j] += (sign * yt[i0 + 1]) * v
                    m2[j] += (sign * yt[i0 + 2]) * v
                    m3[j] += (sign * yt[i0 + 3]) * v
                }
                j += 1
            }
        }
    }
}
