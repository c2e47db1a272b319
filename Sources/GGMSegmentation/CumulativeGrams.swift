import GGMCore

/// The sufficient statistics of a set of rows: their count, sum and scatter `sum x x^T`.
public struct SegmentMoments: Sendable, Equatable {
    public var count: Int
    public var sum: [Double]
    /// `sum_t x_t x_t^T`, p x p, symmetric.
    public var scatter: Matrix

    public init(dimension p: Int) {
        count = 0
        sum = [Double](repeating: 0, count: p)
        scatter = Matrix(rows: p, columns: p)
    }

    public var dimension: Int { sum.count }

    /// The rows' mean.
    public var mean: [Double] { sum.map { $0 / Double(Swift.max(count, 1)) } }

    /// `(1/n) sum_t (x_t - c)(x_t - c)^T`: the scatter about the centre `c` (the rows' own mean
    /// gives the ML covariance; another segment's mean gives the out-of-sample scatter).
    public func covariance(about c: [Double]) -> Matrix {
        let p = dimension
        let n = Double(count)
        var s = scatter
        for i in 0..<p {
            for j in 0..<p {
                s.elements[i * p + j] = (scatter.elements[i * p + j] - sum[i] * c[j] - c[i] * sum[j]) / n + c[i] * c[j]
            }
        }
        return s
    }

    static func += (lhs: inout SegmentMoments, rhs: SegmentMoments) { lhs.combine(rhs, sign: 1) }
    static func -= (lhs: inout SegmentMoments, rhs: SegmentMoments) { lhs.combine(rhs, sign: -1) }

    mutating func combine(_ other: SegmentMoments, sign: Double) {
        count += sign > 0 ? other.count : -other.count
        for j in sum.indices { sum[j] += sign * other.sum[j] }
        scatter.elements.withUnsafeMutableBufferPointer { a in
            other.scatter.elements.withUnsafeBufferPointer { b in
                for k in 0..<a.count { a[k] += sign * b[k] }
            }
        }
    }

    /// Adds (or removes, `sign = -1`) one row, a rank-one update of the scatter.
    mutating func add(row x: UnsafeBufferPointer<Double>, sign: Double = 1) {
        let p = dimension
        count += sign > 0 ? 1 : -1
        for j in 0..<p { sum[j] += sign * x[j] }
        scatter.elements.withUnsafeMutableBufferPointer { a in
            for i in 0..<p {
                let xi = sign * x[i]
                if xi == 0 { continue }
                let row = i * p
                for j in 0..<p { a[row + j] += xi * x[j] }
            }
        }
    }
}

/// Cumulative sums of `x` and `x x^T` over a recorded stream, so that the moments of any range of
/// rows cost O(p^2) plus at most `2 * spacing` rank-one updates, whatever the range's length.
///
/// The rows are split into `folds` interleaved folds (row `t` is in fold `t mod folds`) and each
/// fold keeps its own cumulative sums: the moments of the rows of a range that fall in one fold
/// (the test rows of cross-validation) and of the others (the training rows) come at the same cost.
///
/// Memory: the cumulative scatter is kept every `spacing` rows, `(n / spacing + 1) * folds * p^2`
/// doubles. `spacing` is the smallest that fits the budget (256 MB by default): 1 at p = 50 and
/// n = 2,000 (every prefix kept), 39 at p = 452, n = 1,258 with 5 folds.
public struct CumulativeGrams: Sendable {
    /// The rows (n x p) the sums are over.
    public let data: Matrix
    public let folds: Int
    public let spacing: Int
    /// `checkpoints[f][c]`: the moments of the rows `t < c * spacing` of fold `f`.
    private let checkpoints: [[SegmentMoments]]

    public init(data: Matrix, folds: Int, memoryBudget: Int = 256 << 20) {
        precondition(folds >= 1)
        let n = data.rows, p = data.columns
        self.data = data
        self.folds = folds
        let perCheckpoint = Swift.max(1, folds * p * p * 8)
        let spacing = Swift.max(1, ((n + 1) * perCheckpoint + memoryBudget - 1) / memoryBudget)
        self.spacing = spacing
        let count = n / spacing + 1
        var checkpoints = [[SegmentMoments]](repeating: [], count: folds)
        var running = [SegmentMoments](repeating: SegmentMoments(dimension: p), count: folds)
        for f in 0..<folds { checkpoints[f].reserveCapacity(count) }
        data.elements.withUnsafeBufferPointer { x in
            for c in 0..<count {
                for f in 0..<folds { checkpoints[f].append(running[f]) }
                let end = Swift.min(n, (c + 1) * spacing)
                for t in (c * spacing)..<end {
                    running[t % folds].add(row: UnsafeBufferPointer(rebasing: x[(t * p)..<((t + 1) * p)]))
                }
            }
        }
        self.checkpoints = checkpoints
    }

    public var rowCount: Int { data.rows }
    public var dimension: Int { data.columns }

    /// The moments of the rows in `range`, of every fold.
    public func moments(_ range: Range<Int>) -> SegmentMoments {
        var m = SegmentMoments(dimension: dimension)
        for f in 0..<folds { m += moments(range, fold: f) }
        return m
    }

    /// The moments of the rows of `range` in fold `f`.
    public func moments(_ range: Range<Int>, fold f: Int) -> SegmentMoments {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount && f >= 0 && f < folds)
        let p = dimension
        let lowCheckpoint = (range.lowerBound + spacing - 1) / spacing
        let highCheckpoint = range.upperBound / spacing
        var m = SegmentMoments(dimension: p)
        var manual: [Range<Int>] = []
        if lowCheckpoint < highCheckpoint {
            m += checkpoints[f][highCheckpoint]
            m -= checkpoints[f][lowCheckpoint]
            manual = [range.lowerBound..<(lowCheckpoint * spacing), (highCheckpoint * spacing)..<range.upperBound]
        } else {
            manual = [range]
        }
        data.elements.withUnsafeBufferPointer { x in
            for r in manual {
                for t in r where t % folds == f {
                    m.add(row: UnsafeBufferPointer(rebasing: x[(t * p)..<((t + 1) * p)]))
                }
            }
        }
        return m
    }
}
