/// A dense matrix of `Double` stored contiguously in row-major order.
///
/// `Matrix` is the common currency of ggmwatch: covariance and Gram matrices,
/// precision matrices (networks) and blocks of observations (rows are time
/// points, columns are nodes) are all `Matrix` values. It is a value type:
/// copies are independent, and the storage is copied on write.
public struct Matrix: Equatable, Hashable, Codable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row after row: entry `(i, j)` is `elements[i * columns + j]`.
    public var elements: [Double]

    /// A `rows` x `columns` matrix with every entry equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix from row-major `elements`.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "Matrix element count must be rows * columns")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A `rows` x `columns` matrix whose every entry `body` writes (row-major) into uninitialized
    /// storage: for results that set every entry anyway, without filling them first.
    @inlinable
    public init(rows: Int, columns: Int, initializingWith body: (UnsafeMutableBufferPointer<Double>) throws -> Void) rethrows {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = try [Double](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            try body(buffer)
            count = rows * columns
        }
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "All rows must have the same length")
        self.init(rows: r, columns: c, elements: rowArrays.flatMap { $0 })
    }

    /// The n x n identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    /// A diagonal matrix with the given diagonal.
    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count)
        for i in d.indices { m.elements[i * d.count + i] = d[i] }
        return m
    }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    /// Whether the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { elements[$0 * columns + j] }
    }

    /// The rows as nested arrays (for JSON output and tests).
    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    /// The diagonal entries.
    public var diagonal: [Double] {
        (0..<Swift.min(rows, columns)).map { elements[$0 * columns + $0] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t.elements[j * rows + i] = elements[i * columns + j] } }
        return t
    }

    /// The rows `range` of the matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               elements: Array(elements[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Matrix product `self * other`.
    ///
    /// - Complexity: O(rows * columns * other.columns).
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.columns == rhs.rows, "Matrix product dimension mismatch")
        var out = Matrix(rows: lhs.rows, columns: rhs.columns)
        let n = rhs.columns
        lhs.elements.withUnsafeBufferPointer { a in
            rhs.elements.withUnsafeBufferPointer { b in
                out.elements.withUnsafeMutableBufferPointer { c in
                    for i in 0..<lhs.rows {
                        for k in 0..<lhs.columns {
                            let aik = a[i * lhs.columns + k]
                            if aik == 0 { continue }
                            let bRow = k * n
                            let cRow = i * n
                            for j in 0..<n { c[cRow + j] += aik * b[bRow + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Matrix-vector product `self * x`.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == columns, "Matrix-vector dimension mismatch")
        var y = [Double](repeating: 0, count: rows)
        elements.withUnsafeBufferPointer { a in
            for i in 0..<rows {
                var s = 0.0
                let base = i * columns
                for j in 0..<columns { s += a[base + j] * x[j] }
                y[i] = s
            }
        }
        return y
    }

    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix sum dimension mismatch")
        var out = lhs
        for k in out.elements.indices { out.elements[k] += rhs.elements[k] }
        return out
    }

    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix difference dimension mismatch")
        var out = lhs
        for k in out.elements.indices { out.elements[k] -= rhs.elements[k] }
        return out
    }

    public static func * (lhs: Double, rhs: Matrix) -> Matrix {
        Matrix(rows: rhs.rows, columns: rhs.columns, elements: rhs.elements.map { lhs * $0 })
    }

    /// Largest absolute entry of `self - other` (the max-norm distance used by the fixture tests).
    public func maxAbsDifference(_ other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns, "Matrix dimension mismatch")
        var m = 0.0
        for k in elements.indices { m = Swift.max(m, Swift.abs(elements[k] - other.elements[k])) }
        return m
    }

    /// Whether the matrix equals its transpose to within `tolerance` (absolute).
    public func isSymmetric(tolerance: Double = 0) -> Bool {
        guard isSquare else { return false }
        let p = rows
        var symmetric = true
        elements.withUnsafeBufferPointer { e in
            TriangleTiles.forEachUpperPair(p) { i, j in
                symmetric = !(Swift.abs(e[i * p + j] - e[j * p + i]) > tolerance)
                return symmetric
            }
        }
        return symmetric
    }

    /// `(A + A^T) / 2`.
    public var symmetrized: Matrix {
        precondition(isSquare, "Only square matrices can be symmetrized")
        var out = self
        for i in 0..<rows {
            for j in (i + 1)..<columns {
                let v = 0.5 * (self[i, j] + self[j, i])
                out[i, j] = v
                out[j, i] = v
            }
        }
        return out
    }

    /// Number of nonzero off-diagonal entries in the upper triangle (edges of a graph).
    public func upperOffDiagonalNonzeroCount(tolerance: Double = 0) -> Int {
        precondition(isSquare)
        var count = 0
        for i in 0..<rows { for j in (i + 1)..<columns where Swift.abs(self[i, j]) > tolerance { count += 1 } }
        return count
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        "Matrix(\(rows)x\(columns))"
    }
}

extension Matrix {
    private enum CodingKeys: String, CodingKey { case rows, columns, elements }

    /// Decoding checks the shape (untrusted files: a saved state or a network file).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows), columns = try c.decode(Int.self, forKey: .columns)
        let elements = try c.decode([Double].self, forKey: .elements)
        let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, elements.count == size else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a \(rows) x \(columns) matrix cannot have \(elements.count) entries"))
        }
        self.init(rows: rows, columns: columns, elements: elements)
    }
}
