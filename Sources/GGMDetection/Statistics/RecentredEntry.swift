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
    public static func find(reference: ReferenceModel, covariance s: Matrix, window: Int) -> [RecentredEntry] {
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
        let sqrtW = Double(window).squareRoot()
        var out: [RecentredEntry] = []
        for u in 0..<p {
            for v in u..<p {
                let paperSD = LocalStatistic.entryStandardDeviation(omega, u, v)
                let offset = sqrtW * (cm[u, v] - omega[u, v]) / paperSD
                var globalOffset = 0.0
                if u == v, cm[u, u] > 0 {
                    let y = cm[u, u] / omega[u, u]
                    globalOffset = (y - 1 - Foundation.log(y)) / GlobalStatistic.scaling(window: window)
                }
                guard Swift.abs(offset) > threshold || Swift.abs(globalOffset) > threshold else { continue }
                let sd = (cm[u, u] * cm[v, v] + cm[u, v] * cm[u, v]).squareRoot()
                guard sd > 0, sd.isFinite else { continue }
                let r = u == v ? 1 : s[u, v] / (s[u, u] * s[v, v]).squareRoot()
                out.append(RecentredEntry(u: u, v: v, centre: cm[u, v], standardDeviation: sd, correlation: r, offset: offset,
                                          globalOffset: globalOffset))
            }
        }
        return out
    }
}
