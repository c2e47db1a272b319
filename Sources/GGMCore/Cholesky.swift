import Foundation

/// Errors from numerical linear algebra.
public enum NumericalError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The matrix is not (numerically) positive definite: the Cholesky pivot at `index` was `pivot`.
    case notPositiveDefinite(index: Int, pivot: Double)
    /// The matrix is not square.
    case notSquare(rows: Int, columns: Int)

    public var description: String {
        switch self {
        case let .notPositiveDefinite(index, pivot):
            return "matrix is not positive definite (Cholesky pivot \(index) is \(pivot))"
        case let .notSquare(rows, columns):
            return "matrix is not square (\(rows)x\(columns))"
        }
    }
}

/// The Cholesky factorization `A = L L^T` of a symmetric positive definite matrix.
///
/// Only the lower triangle of `A` is read. Fails with
/// ``NumericalError/notPositiveDefinite(index:pivot:)`` instead of producing
/// NaNs when a pivot is not positive.
///
/// - Complexity: O(n^3 / 3) to factor, O(n^2) per solve.
public struct Cholesky: Sendable, Equatable {
    /// The lower-triangular factor `L` (upper triangle zero).
    public let lower: Matrix

    public var dimension: Int { lower.rows }

    public init(_ a: Matrix) throws(NumericalError) {
        guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
        let n = a.rows
        var l = Matrix(rows: n, columns: n)
        var failure: NumericalError?
        a.elements.withUnsafeBufferPointer { src in
            l.elements.withUnsafeMutableBufferPointer { dst in
                for j in 0..<n {
                    var d = src[j * n + j]
                    let rowJ = j * n
                    for k in 0..<j { d -= dst[rowJ + k] * dst[rowJ + k] }
                    guard d > 0, d.isFinite else {
                        failure = .notPositiveDefinite(index: j, pivot: d)
                        return
                    }
                    let ljj = d.squareRoot()
                    dst[rowJ + j] = ljj
                    let rows = n - j - 1
                    if rows >= 64 && rows * j >= Self.parallelWork {
                        // Two halves of the column on both cores: each row's entry is computed as
                        // alone, so the factor does not depend on the split.
                        let mid = j + 1 + rows / 2
                        let S = SendablePointer(src.baseAddress!), D = SharedMutableBuffer(dst)
                        parallelFor(2) { half in
                            Cholesky.column(j, rows: half == 0 ? (j + 1)..<mid : mid..<n, n: n, inverse: 1 / ljj,
                                            a: S.pointer, l: D.base.baseAddress!)
                        }
                    } else {
                        Cholesky.column(j, rows: (j + 1)..<n, n: n, inverse: 1 / ljj, a: src.baseAddress!, l: dst.baseAddress!)
                    }
                }
            }
        }
        if let failure { throw failure }
        self.lower = l
    }

    /// Columns whose update (rows below the diagonal times the columns before) is at least this
    /// many multiply-adds are split between both cores.
    static let parallelWork = 1 << 17

    /// Entries `rows` of column `j` of `L`: `L_ij = (A_ij - sum_k<j L_ik L_jk) / L_jj`. Four rows at
    /// a time: four independent chains of subtractions, each in the same order as one row alone
    /// (k = 0, 1, ...), so the factor is the same bit for bit whichever rows go together.
    @inline(__always)
    static func column(_ j: Int, rows: Range<Int>, n: Int, inverse inv: Double,
                       a src: UnsafePointer<Double>, l base: UnsafeMutablePointer<Double>) {
        let rowJ = j * n
        let lj = base + rowJ
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let r0 = base + i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
            var s0 = src[i * n + j], s1 = src[(i + 1) * n + j], s2 = src[(i + 2) * n + j], s3 = src[(i + 3) * n + j]
            for k in 0..<j {
                let l = lj[k]
                s0 -= r0[k] * l
                s1 -= r1[k] * l
                s2 -= r2[k] * l
                s3 -= r3[k] * l
            }
            r0[j] = s0 * inv
            r1[j] = s1 * inv
            r2[j] = s2 * inv
            r3[j] = s3 * inv
            i += 4
        }
        while i < rows.upperBound {
            let rowI = i * n
            var s = src[rowI + j]
            for k in 0..<j { s -= base[rowI + k] * base[rowJ + k] }
            base[rowI + j] = s * inv
            i += 1
        }
    }

    /// `log det A = 2 sum log L_ii`.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<dimension { s += Foundation.log(lower[i, i]) }
        return 2 * s
    }

    /// Solves `L y = b` (forward substitution).
    public func solveLower(_ b: [Double]) -> [Double] {
        let n = dimension
        precondition(b.count == n)
        var y = b
        lower.elements.withUnsafeBufferPointer { l in
            for i in 0..<n {
                var s = y[i]
                let row = i * n
                for k in 0..<i { s -= l[row + k] * y[k] }
                y[i] = s / l[row + i]
            }
        }
        return y
    }

    /// Solves `L^T x = y` (back substitution).
    public func solveUpper(_ y: [Double]) -> [Double] {
        let n = dimension
        precondition(y.count == n)
        var x = y
        lower.elements.withUnsafeBufferPointer { l in
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = x[i]
                for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
                x[i] = s / l[i * n + i]
            }
        }
        return x
    }

    /// Solves `A x = b`.
    public func solve(_ b: [Double]) -> [Double] {
        solveUpper(solveLower(b))
    }

    /// `A^{-1}`, symmetric.
    ///
    /// - Complexity: O(n^3).
    public func inverse() -> Matrix {
        let n = dimension
        // Invert L (lower triangular), then A^{-1} = L^{-T} L^{-1}.
        var linv = Matrix(rows: n, columns: n)
        lower.elements.withUnsafeBufferPointer { l in
            linv.elements.withUnsafeMutableBufferPointer { m in
                for j in 0..<n {
                    m[j * n + j] = 1 / l[j * n + j]
                    for i in (j + 1)..<n {
                        var s = 0.0
                        for k in j..<i { s -= l[i * n + k] * m[k * n + j] }
                        m[i * n + j] = s / l[i * n + i]
                    }
                }
            }
        }
        var inv = Matrix(rows: n, columns: n)
        linv.elements.withUnsafeBufferPointer { m in
            inv.elements.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    for j in 0...i {
                        var s = 0.0
                        for k in i..<n { s += m[k * n + i] * m[k * n + j] }
                        out[i * n + j] = s
                        out[j * n + i] = s
                    }
                }
            }
        }
        return inv
    }
}

extension Matrix {
    /// The Cholesky factorization of this symmetric positive definite matrix.
    public func cholesky() throws(NumericalError) -> Cholesky { try Cholesky(self) }

    /// The inverse of this symmetric positive definite matrix.
    public func inverseSPD() throws(NumericalError) -> Matrix { try Cholesky(self).inverse() }
}
