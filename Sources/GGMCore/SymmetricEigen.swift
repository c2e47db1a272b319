import Foundation

/// Eigenvalues and eigenvectors of a symmetric matrix by the cyclic Jacobi method (rotations until
/// every off-diagonal entry is below `1e-12` of the Frobenius norm): O(p^3) per sweep, a handful
/// of sweeps; exact to rounding and dependency-free. Values in decreasing order, vectors as the
/// columns of ``vectors``.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    /// Column k is the unit eigenvector of `values[k]`.
    public let vectors: Matrix

    public init(_ a: Matrix, maxSweeps: Int = 100) {
        let n = a.rows
        precondition(a.columns == n)
        var m = a
        var v = Matrix.identity(n)
        var norm = 0.0
        for x in m.elements { norm += x * x }
        let tolerance = 1e-24 * max(norm, .leastNormalMagnitude)
        for _ in 0..<maxSweeps {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += m[i, j] * m[i, j] } }
            if off <= tolerance { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where m[p, q] != 0 {
                    let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let mkp = m[k, p], mkq = m[k, q]
                        m[k, p] = c * mkp - s * mkq
                        m[k, q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p, k], mqk = m[q, k]
                        m[p, k] = c * mpk - s * mqk
                        m[q, k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k, p], vkq = v[k, q]
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0, $0] > m[$1, $1] }
        values = order.map { m[$0, $0] }
        var sorted = Matrix(rows: n, columns: n)
        for (k, column) in order.enumerated() { for i in 0..<n { sorted[i, k] = v[i, column] } }
        vectors = sorted
    }
}
