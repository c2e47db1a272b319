import Foundation
import GGMCore

/// A local-statistic entry whose centre and scale come from the reference segment itself rather
/// than from the fitted precision, because the two disagree badly: the sign of nearly collinear
/// nodes, whose penalized precision is shrunk far from the inverse of their covariance.
///
/// Under the model `z = Omega-hat (x - mu)` has covariance `C = Omega-hat Sigma Omega-hat`, which
/// equals `Omega-hat` only when the estimate is the inverse covariance. A penalized estimate
/// satisfies `Omega-hat^-1 = S + lambda Gamma` (glasso's optimality condition), so on its own
/// segment `C = Omega-hat S Omega-hat = Omega-hat - lambda Omega-hat Gamma Omega-hat`: the local
/// entry `E_uv` has in-sample mean `sqrt(w) (C_uv - Omega_uv) / V_uv`, not zero. For ordinary
/// entries this offset is a fraction of a standard deviation; for a pair with correlation 0.995
/// (where `Omega_uu` is about 100) it is tens of standard deviations, and the local statistic
/// alarms on stationary data in the first window after every burn-in. Such entries (offset above
/// ``threshold`` standard deviations) are scored as `(sum z_u z_v - w C_uv) / (sqrt(w) sqrt(C_uu C_vv + C_uv^2))`,
/// the Isserlis moments of a Gaussian `z` with covariance `C`. Entries below the threshold keep
/// the paper's formula, so ordinary streams are scored exactly as before.
///
/// - Complexity: ``find(reference:covariance:window:)`` costs O(nnz(Omega) p) (two sparse-dense products).
public struct RecentredEntry: Codable, Sendable, Equatable {
    public var u: Int
    public var v: Int
    /// `C_uv`, the in-sample covariance of `z_u` and `z_v`.
    public var centre: Double
    /// `sqrt(C_uu C_vv + C_uv^2)`.
    public var standardDeviation: Double
    /// The reference segment's correlation of `x_u` and `x_v` (1 on the diagonal).
    public var correlation: Double
    /// The in-sample offset of `E_uv` under the paper's centring, in standard deviations.
    public var offset: Double
    /// Diagonal entries: the in-sample offset of node `u`'s global term `f(y_u)`, in its null
    /// standard deviations `g2(w)`: `(f(C_uu / Omega_uu) ... )`; 0 off the diagonal. Above
    /// ``threshold`` the global statistic divides by `w C_uu` instead of `w Omega_uu`.
    public var globalOffset: Double = 0

    /// Whether the local entry is re-centred.
    public var recentresLocal: Bool { Swift.abs(offset) > Self.threshold }
    /// Whether node `u`'s global term is rescaled (diagonal entries only).
    public var rescalesGlobal: Bool { u == v && Swift.abs(globalOffset) > Self.threshold }

    /// Offsets above this many standard deviations are re-centred.
    public static let threshold = 3.0

    /// The entries of `reference` whose in-sample offset on a segment with covariance
    /// `covariance` (the one the reference was fitted on) exceeds ``threshold`` for windows of `window`.
    ///
    /// - Complexity: O(nnz(Omega) p) for ``inSampleCovariance(reference:covariance:)``, rows in
    ///   parallel, then O(p^2) multiplications and comparisons (square roots and logarithms only
    ///   for the diagonal and for the entries that pass a division-free pre-test).
    public static func find(reference: ReferenceModel, covariance s: Matrix, window: Int) -> [RecentredEntry] {
        find(reference: reference, covariance: s, inSample: inSampleCovariance(reference: reference, covariance: s), window: window)
    }

    /// `C = Omega S Omega`, the covariance of `z = Omega (x - mu)` on the segment of covariance `S`.
    /// Each row `i` is formed from `a = (Omega S)_i` in a scratch row (never the whole `Omega S`),
    /// in the same order of operations as ``findStraightforward(reference:covariance:window:)``,
    /// so the entries are bit for bit the same; the rows run in parallel. Only the upper triangle
    /// (`j >= i`, what the search reads) is formed; the lower one is its mirror, so the result is
    /// exactly symmetric.
    public static func inSampleCovariance(reference: ReferenceModel, covariance s: Matrix) -> Matrix {
        let p = reference.dimension
        let sparse = reference.sparsePrecision
        let blocks = Swift.min(p, 32)
        // Every entry is written (the upper triangle by the rows, the lower by the mirror).
        let cm = Matrix(rows: p, columns: p) { cb in
            s.elements.withUnsafeBufferPointer { sb in
                sparse.rowStart.withUnsafeBufferPointer { rsb in
                    sparse.columnIndex.withUnsafeBufferPointer { cib in
                        sparse.values.withUnsafeBufferPointer { vb in
                            let sp = SendablePointer(sb.baseAddress!), out = SharedMutableBuffer(cb)
                            let rs = SendablePointer(rsb.baseAddress!), ci = SendablePointer(cib.baseAddress!)
                            let values = SendablePointer(vb.baseAddress!)
                            parallelFor(blocks) { block in
                                let a = UnsafeMutablePointer<Double>.allocate(capacity: p)
                                defer { a.deallocate() }
                                let sm = sp.pointer, c = out.base.baseAddress!
                                let start = rs.pointer, column = ci.pointer, value = values.pointer
                                for i in stride(from: block, to: p, by: blocks) {
                                    a.initialize(repeating: 0, count: p)
                                    for k in start[i]..<start[i + 1] {
                                        let row = sm + column[k] * p, o = value[k]
                                        for col in 0..<p { a[col] += o * row[col] }
                                    }
                                    for j in i..<p {
                                        var sum = 0.0
                                        for k in start[j]..<start[j + 1] { sum += a[column[k]] * value[k] }
                                        c[i * p + j] = sum
                                    }
                                }
                            }
                            TriangleTiles.mirrorUpper(out.base.baseAddress!, dimension: p)
                        }
                    }
                }
            }
        }
        return cm
    }

    /// ``find(reference:covariance:window:)`` with the in-sample covariance `cm` already formed
    /// (several windows over one reference share it).
    public static func find(reference: ReferenceModel, covariance s: Matrix, inSample cm: Matrix, window: Int) -> [RecentredEntry] {
        let p = reference.dimension
        let omega = reference.precision
        let w = Double(window)
        let sqrtW = w.squareRoot()
        let g2 = GlobalStatistic.scaling(window: window)
        // |offset| > 3 means w (C_uv - Omega_uv)^2 > 9 (Omega_uu Omega_vv + Omega_uv^2); entries
        // clearly below (by a relative margin far above rounding) are skipped without a square
        // root, the others are decided by the exact formula.
        let margin = threshold * threshold * (1 - 1e-9)
        // The diagonal of Omega in a contiguous copy (read at every (u, v): a stride of p doubles
        // in the matrix), and rows in contiguous blocks of about equal work (row u has p - u
        // entries) searched in parallel; the blocks' entries are joined in row order, so the
        // result is the one row-by-row search's, in its order.
        let diagonal = reference.precisionDiagonal
        let blocks = p * p >= 1 << 17 ? 8 : 1
        let bounds = (0...blocks).map { b -> Int in
            b == blocks ? p : Swift.min(p, Int((Double(p) * (1 - (1 - Double(b) / Double(blocks)).squareRoot())).rounded()))
        }
        let found: [[RecentredEntry]] = omega.elements.withUnsafeBufferPointer { ob in
            cm.elements.withUnsafeBufferPointer { cb in
                diagonal.withUnsafeBufferPointer { db in
                    let op = SendablePointer(ob.baseAddress!), cp = SendablePointer(cb.baseAddress!), dp = SendablePointer(db.baseAddress!)
                    return parallelMap(blocks) { b in
                        let ob = op.pointer, cb = cp.pointer, db = dp.pointer
                        var out: [RecentredEntry] = []
                        for u in bounds[b]..<bounds[b + 1] {
                            let ouu = db[u]
                            for v in u..<p {
                                let o = ob[u * p + v], d = cb[u * p + v] - o
                                if u != v && w * d * d <= margin * (ouu * db[v] + o * o) { continue }
                                if let entry = entry(u, v, omega: omega, s: s, cm: cm, sqrtW: sqrtW, g2: g2) { out.append(entry) }
                            }
                        }
                        return out
                    }
                }
            }
        }
        return Array(found.joined())
    }

    /// The entry `(u, v)` if it is re-centred, by the formula of the straightforward search.
    @inline(__always)
    private static func entry(_ u: Int, _ v: Int, omega: Matrix, s: Matrix, cm: Matrix, sqrtW: Double, g2: Double) -> RecentredEntry? {
        let paperSD = LocalStatistic.entryStandardDeviation(omega, u, v)
        let offset = sqrtW * (cm[u, v] - omega[u, v]) / paperSD
        var globalOffset = 0.0
        if u == v, cm[u, u] > 0 {
            let y = cm[u, u] / omega[u, u]
            globalOffset = (y - 1 - Foundation.log(y)) / g2
        }
        guard Swift.abs(offset) > threshold || Swift.abs(globalOffset) > threshold else { return nil }
        let sd = (cm[u, u] * cm[v, v] + cm[u, v] * cm[u, v]).squareRoot()
        guard sd > 0, sd.isFinite else { return nil }
        let r = u == v ? 1 : s[u, v] / (s[u, u] * s[v, v]).squareRoot()
        return RecentredEntry(u: u, v: v, centre: cm[u, v], standardDeviation: sd, correlation: r, offset: offset,
                              globalOffset: globalOffset)
    }

    /// The search as first written (the dense product `Omega S`, then every entry's offset with its
    /// square root): the reference the fast path is tested and benchmarked against.
    ///
    /// - Complexity: O(nnz(Omega) p) and O(p^2) square roots.
    public static func findStraightforward(reference: ReferenceModel, covariance s: Matrix, window: Int) -> [RecentredEntry] {
        let p = reference.dimension
        let omega = reference.precision
        let sparse = reference.sparsePrecision
        // A = Omega S (sparse rows times dense), then C = A Omega = Omega S Omega (symmetric).
        var a = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for k in sparse.rowStart[i]..<sparse.rowStart[i + 1] {
                let j = sparse.columnIndex[k], o = sparse.values[k]
                for c in 0..<p { a.elements[i * p + c] += o * s.elements[j * p + c] }
            }
        }
        var cm = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for j in 0..<p {
                var sum = 0.0
                for k in sparse.rowStart[j]..<sparse.rowStart[j + 1] { sum += a.elements[i * p + sparse.columnIndex[k]] * sparse.values[k] }
                cm.elements[i * p + j] = sum
            }
        }
        let sqrtW = Double(window).squareRoot(), g2 = GlobalStatistic.scaling(window: window)
        var out: [RecentredEntry] = []
        for u in 0..<p {
            for v in u..<p {
                if let entry = entry(u, v, omega: omega, s: s, cm: cm, sqrtW: sqrtW, g2: g2) { out.append(entry) }
            }
        }
        return out
    }
}
