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

extension RankUpdate {
    /// The observations of a rank-k update laid out for ``fourRowsPacked(_:_:_:_:rowGroup:groups:panels:sign:)``:
    /// chunks of 64 observations one after another, and in each chunk the groups of four columns
    /// one after another, each group's observations contiguous (`[chunk][group][t][4]`).
    ///
    /// Read in this order, the update streams through memory; read in place, a chunk's next four
    /// columns are 64 separate rows of `y` (at p = 5,000, 64 pages), more streams than the
    /// hardware prefetches. Packing copies the values: the sums are unchanged.
    public struct Panels {
        public static let chunk = 64
        /// Observations.
        public let count: Int
        /// Whole groups of four columns (the last `p % 4` columns are not packed).
        public let groups: Int
        public private(set) var storage: [Double]

        /// Packs `count` rows of `y` (row `t` at `y + t * stride`), columns `0 ..< 4 * (stride / 4)`.
        public init(_ y: UnsafePointer<Double>, count: Int, stride: Int) {
            let groups = stride / 4, width = groups * 4
            self.count = count
            self.groups = groups
            var storage = [Double](repeating: 0, count: count * width)
            storage.withUnsafeMutableBufferPointer { out in
                for t0 in Swift.stride(from: 0, to: count, by: Self.chunk) {
                    let length = Swift.min(Self.chunk, count - t0)
                    let base = out.baseAddress! + t0 * width
                    for t in 0..<length {
                        let yt = y + (t0 + t) * stride
                        for g in 0..<groups {
                            SIMD4<Double>.load(yt + 4 * g).store(to: base + (g * length + t) * 4)
                        }
                    }
                }
            }
            self.storage = storage
        }
    }

    /// ``fourRows(_:_:_:_:rowIndex:columns:y:stride:observations:sign:)`` for rows `4 rowGroup ..< 4 rowGroup + 4`
    /// and the column groups `groups` (columns `4 g ..< 4 g + 4`), reading packed observations: each
    /// entry gets the same terms added in the same order, so the result is the same bit for bit.
    public static func fourRowsPacked(
        _ m0: UnsafeMutablePointer<Double>, _ m1: UnsafeMutablePointer<Double>,
        _ m2: UnsafeMutablePointer<Double>, _ m3: UnsafeMutablePointer<Double>,
        rowGroup: Int, groups: Range<Int>, panels: UnsafePointer<Double>, count: Int, groupCount: Int,
        sign: Double = 1
    ) {
        let chunk = Panels.chunk
        for t0 in Swift.stride(from: 0, to: count, by: chunk) {
            let length = Swift.min(chunk, count - t0)
            let base = panels + t0 * groupCount * 4
            let a = base + rowGroup * length * 4
            for g in groups {
                let v = base + g * length * 4
                let j = 4 * g
                var c0 = SIMD4<Double>.load(m0 + j), c1 = SIMD4<Double>.load(m1 + j)
                var c2 = SIMD4<Double>.load(m2 + j), c3 = SIMD4<Double>.load(m3 + j)
                for t in 0..<length {
                    let vt = SIMD4<Double>.load(v + 4 * t)
                    let at = a + 4 * t
                    c0 += (sign * at[0]) * vt
                    c1 += (sign * at[1]) * vt
                    c2 += (sign * at[2]) * vt
                    c3 += (sign * at[3]) * vt
                }
                c0.store(to: m0 + j); c1.store(to: m1 + j); c2.store(to: m2 + j); c3.store(to: m3 + j)
            }
        }
    }
}
