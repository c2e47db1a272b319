/// A square sparse matrix in compressed sparse row (CSR) form, for the fast product `Omega x`.
///
/// The monitor multiplies every new observation by the reference precision;
/// with `nnz` stored entries this costs O(nnz + p) instead of O(p^2).
public struct SparseMatrix: Sendable, Codable, Equatable {
    /// Dimension (the matrix is `dimension x dimension`).
    public let dimension: Int
    /// `rowStart[i]..<rowStart[i+1]` indexes the entries of row `i`.
    public let rowStart: [Int]
    /// Column index of each stored entry.
    public let columnIndex: [Int]
    /// Value of each stored entry.
    public let values: [Double]

    /// The nonzero entries of a dense square matrix (entries with `|a_ij| <= tolerance` are dropped).
    public init(_ dense: Matrix, tolerance: Double = 0) {
        precondition(dense.isSquare, "SparseMatrix needs a square matrix")
        let n = dense.rows
        var starts = [0]
        starts.reserveCapacity(n + 1)
        var cols: [Int] = []
        var vals: [Double] = []
        dense.elements.withUnsafeBufferPointer { e in
            for i in 0..<n {
                func consider(_ j: Int) {
                    let v = e[i * n + j]
                    if Swift.abs(v) > tolerance || (i == j && v != 0) {
                        cols.append(j)
                        vals.append(v)
                    }
                }
                if tolerance >= 0 {
                    // A zero entry is never kept when the tolerance is not negative: skip them
                    // four at a time (the same entries as every column in turn).
                    DenseScan.forEachNonzero(e, in: (i * n)..<(i * n + n)) { consider($0 - i * n) }
                } else {
                    for j in 0..<n { consider(j) }
                }
                starts.append(cols.count)
            }
        }
        self.dimension = n
        self.rowStart = starts
        self.columnIndex = cols
        self.values = vals
    }

    /// Number of stored entries.
    public var nonzeroCount: Int { values.count }

    /// `y = A x`, written into `y` (no allocation).
    ///
    /// - Complexity: O(nnz + p).
    @inlinable
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        rowStart.withUnsafeBufferPointer { rs in
            columnIndex.withUnsafeBufferPointer { ci in
                values.withUnsafeBufferPointer { v in
                    for i in 0..<dimension {
                        var s = 0.0
                        for k in rs[i]..<rs[i + 1] { s += v[k] * x[ci[k]] }
                        y[i] = s
                    }
                }
            }
        }
    }

    /// `A x`.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == dimension)
        var y = [Double](repeating: 0, count: dimension)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in multiply(xb, into: yb) } }
        return y
    }

    /// The dense matrix.
    public var dense: Matrix {
        var m = Matrix(rows: dimension, columns: dimension)
        for i in 0..<dimension { for k in rowStart[i]..<rowStart[i + 1] { m[i, columnIndex[k]] = values[k] } }
        return m
    }
}
