import GGMCore

/// Running first and second moments of a stream of p-dimensional observations: the sufficient
/// statistics from which the monitor refits its reference network (ALGORITHMS.md section 5).
///
/// **Numerics.** The sums are accumulated about a *shift* `a`, the first observation ever added:
/// `shiftedSum = sum (x - a)` and `shiftedSumOfProducts = sum (x - a)(x - a)^T`. Then
///
///     mean = a + shiftedSum / n
///     covariance = (shiftedSumOfProducts - shiftedSum shiftedSum^T / n) / n
///
/// Because `a` is a typical observation, `x - a` is of the order of the standard deviation, not of
/// the mean, so the subtraction in the covariance does not cancel catastrophically even when the
/// mean is large against the spread (prices, raw sensor levels). Unlike Welford's update this allows
/// exact removal (`remove`) and batched rank-k updates (`add(rows:)`), which is what a sliding
/// reference needs. `merge` re-expresses the other accumulator's sums about this shift.
///
/// - Complexity: `add(_:)`/`remove(_:)` O(p^2); `add(rows:)` O(k p^2 / 2) flops as a blocked
///   rank-k update of the upper triangle (parallel for large batches), then an O(p^2) mirror.
public struct RunningMoments: Codable, Sendable, Equatable {
    /// The dimension p.
    public let dimension: Int
    /// Number of observations currently accumulated.
    public private(set) var count: Int
    /// The shift `a` (the first observation added); empty until then.
    public private(set) var shift: [Double]
    /// `sum (x - a)` over the accumulated observations.
    public private(set) var shiftedSum: [Double]
    /// `sum (x - a)(x - a)^T` (symmetric p x p).
    public private(set) var shiftedSumOfProducts: Matrix

    /// An empty accumulator for p-dimensional observations.
    public init(dimension p: Int) {
        precondition(p >= 0)
        dimension = p
        count = 0
        shift = []
        shiftedSum = [Double](repeating: 0, count: p)
        shiftedSumOfProducts = Matrix(rows: p, columns: p)
    }

    /// An accumulator holding the rows of `rows`.
    public init(rows: Matrix) {
        self.init(dimension: rows.columns)
        add(rows: rows)
    }

    /// `sum x`.
    public var sum: [Double] {
        guard !shift.isEmpty else { return shiftedSum }
        return (0..<dimension).map { shiftedSum[$0] + Double(count) * shift[$0] }
    }

    /// The sample mean (zeros when empty).
    public var mean: [Double] {
        guard count > 0 else { return [Double](repeating: 0, count: dimension) }
        return (0..<dimension).map { shift[$0] + shiftedSum[$0] / Double(count) }
    }

    /// The maximum-likelihood covariance `(1/n) sum (x - xbar)(x - xbar)^T` (zeros when empty).
    public func covariance() -> Matrix {
        let p = dimension
        guard count > 0 else { return Matrix(rows: p, columns: p) }
        let n = Double(count)
        let m = shiftedSum.map { $0 / n }
        return Matrix(rowsOf: shiftedSumOfProducts, with: m) { i, s, mb, out in
            let mi = mb[i]
            for j in 0..<p { out[j] = s[j] / n - mi * mb[j] }
        }
    }

    /// Adds one observation.
    public mutating func add(_ x: [Double]) {
        precondition(x.count == dimension, "observation has \(x.count) entries, expected \(dimension)")
        if shift.isEmpty { shift = x }
        rankOneUpdate(x, sign: 1)
        count += 1
    }

    /// Removes one observation previously added (exact up to rounding).
    public mutating func remove(_ x: [Double]) {
        precondition(x.count == dimension, "observation has \(x.count) entries, expected \(dimension)")
        precondition(count > 0, "cannot remove from empty RunningMoments")
        rankOneUpdate(x, sign: -1)
        count -= 1
    }

    /// Adds every row of `rows` (a k x p block of observations) with one blocked rank-k update.
    public mutating func add(rows: Matrix) {
        precondition(rows.columns == dimension, "rows have \(rows.columns) columns, expected \(dimension)")
        guard rows.rows > 0 else { return }
        if shift.isEmpty { shift = rows.row(0) }
        rankKUpdate(rows, sign: 1)
        count += rows.rows
    }

    /// Removes every row of `rows` (previously added).
    public mutating func remove(rows: Matrix) {
        precondition(rows.columns == dimension, "rows have \(rows.columns) columns, expected \(dimension)")
        precondition(count >= rows.rows, "cannot remove more observations than were added")
        guard rows.rows > 0 else { return }
        rankKUpdate(rows, sign: -1)
        count -= rows.rows
    }

    /// Adds all observations accumulated in `other`.
    ///
    /// `other`'s sums about its shift `b` are moved to this shift `a` with `d = b - a`:
    /// `sum (x - a) = sum (x - b) + m d` and
    /// `sum (x - a)(x - a)^T = sum (x - b)(x - b)^T + s_b d^T + d s_b^T + m d d^T`.
    public mutating func merge(_ other: RunningMoments) {
        precondition(other.dimension == dimension, "dimension mismatch in merge")
        guard other.count > 0 || !other.shift.isEmpty else { return }
        if shift.isEmpty { self = other; return }
        let p = dimension
        let m = Double(other.count)
        let d = (0..<p).map { other.shift[$0] - shift[$0] }
        let sb = other.shiftedSum
        for i in 0..<p {
            shiftedSum[i] += sb[i] + m * d[i]
            for j in 0..<p {
                shiftedSumOfProducts.elements[i * p + j] += other.shiftedSumOfProducts.elements[i * p + j]
                    + sb[i] * d[j] + d[i] * sb[j] + m * d[i] * d[j]
            }
        }
        count += other.count
    }

    // MARK: - Kernels

    private mutating func rankOneUpdate(_ x: [Double], sign: Double) {
        let p = dimension
        let y = (0..<p).map { x[$0] - shift[$0] }
        for i in 0..<p { shiftedSum[i] += sign * y[i] }
        y.withUnsafeBufferPointer { yb in
            shiftedSumOfProducts.elements.withUnsafeMutableBufferPointer { mb in
                for i in 0..<p {
                    let a = sign * yb[i]
                    if a == 0 { continue }
                    let row = mb.baseAddress! + i * p
                    for j in 0..<p { row[j] += a * yb[j] }
                }
            }
        }
    }

    /// `M += sign * Y^T Y` with `Y = rows - shift`, upper triangle by blocks of 4 rows of M (each
    /// a register-blocked pass, ``updateRowBlock(_:rowCount:y:panels:groups:k:p:m:sign:)``), then mirrored.
    private mutating func rankKUpdate(_ rows: Matrix, sign: Double) {
        let p = dimension, k = rows.rows
        var y = rows.elements
        for t in 0..<k {
            for j in 0..<p {
                let v = y[t * p + j] - shift[j]
                y[t * p + j] = v
                shiftedSum[j] += sign * v
            }
        }
        let blocks = (p + 3) / 4
        let parallel = Double(k) * Double(p) * Double(p) > 4e6
        y.withUnsafeBufferPointer { yb in
            let panels = RankUpdate.Panels(yb.baseAddress!, count: k, stride: p)
            panels.storage.withUnsafeBufferPointer { pb in
                shiftedSumOfProducts.elements.withUnsafeMutableBufferPointer { mb in
                    let Y = UnsafeSendable(yb.baseAddress!), P = UnsafeSendable(pb.baseAddress!)
                    let M = SharedMutableBuffer(mb)
                    let groups = panels.groups
                    let body: @Sendable (Int) -> Void = { b in
                        RunningMoments.updateRowBlock(b * 4, rowCount: Swift.min(4, p - b * 4), y: Y.pointer,
                                                      panels: P.pointer, groups: groups, k: k, p: p,
                                                      m: M.base.baseAddress!, sign: sign)
                    }
                    if parallel { parallelFor(blocks, body) } else { for b in 0..<blocks { body(b) } }
                    TriangleTiles.mirrorUpper(mb.baseAddress!, dimension: p)
                }
            }
        }
    }

    /// Rows `i0 ..< i0 + rowCount` of `M += sign * Y^T Y`, columns from `i0` on: blocks of four
    /// rows by ``RankUpdate/fourRowsPacked(_:_:_:_:rowGroup:groups:panels:count:groupCount:sign:)``
    /// on the packed observations, the last `p % 4` columns from `y` in place (the same sums bit for
    /// bit as one observation at a time).
    @inline(__always)
    private static func updateRowBlock(_ i0: Int, rowCount: Int, y: UnsafePointer<Double>,
                                       panels: UnsafePointer<Double>, groups: Int, k: Int, p: Int,
                                       m: UnsafeMutablePointer<Double>, sign: Double) {
        if rowCount == 4 {
            let m0 = m + i0 * p
            RankUpdate.fourRowsPacked(m0, m0 + p, m0 + 2 * p, m0 + 3 * p, rowGroup: i0 / 4, groups: (i0 / 4)..<groups,
                                      panels: panels, count: k, groupCount: groups, sign: sign)
            if 4 * groups < p {
                RankUpdate.fourRows(m0, m0 + p, m0 + 2 * p, m0 + 3 * p, rowIndex: i0, columns: (4 * groups)..<p,
                                    y: y, stride: p, observations: 0..<k, sign: sign)
            }
        } else {
            for q in 0..<rowCount {
                let i = i0 + q
                let mi = m + i * p
                for t in 0..<k {
                    let yt = y + t * p
                    let a = sign * yt[i]
                    for j in i..<p { mi[j] += a * yt[j] }
                }
            }
        }
    }
}

extension RunningMoments {
    private enum CodingKeys: String, CodingKey { case dimension, count, shift, shiftedSum, shiftedSumOfProducts }

    /// Decoding checks that the parts agree (untrusted files: a saved state).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.decode(Int.self, forKey: .dimension)
        let count = try c.decode(Int.self, forKey: .count)
        let shift = try c.decode([Double].self, forKey: .shift)
        let sum = try c.decode([Double].self, forKey: .shiftedSum)
        let products = try c.decode(Matrix.self, forKey: .shiftedSumOfProducts)
        guard p >= 0, count >= 0, shift.isEmpty || shift.count == p, count == 0 || shift.count == p,
              sum.count == p, products.rows == p, products.columns == p else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "running moments of dimension \(p) with \(count) observations have parts of the wrong size"))
        }
        self.init(dimension: p)
        self.count = count
        self.shift = shift
        self.shiftedSum = sum
        self.shiftedSumOfProducts = products
    }
}
