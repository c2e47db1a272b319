import Foundation
import GGMCore

/// A sparse vector autoregression `x_t = c + B z_t + e_t` with `z_t = (x_{t-1}, ..., x_{t-L})`:
/// the dynamic part of a dynamic reference (ALGORITHMS.md section 16). The innovations `e_t`
/// then follow the sparse Gaussian graphical model the monitor scores.
///
/// `B` (`p x pL`) is stored by rows, sparsely: node `j`'s lagged regressors are the columns
/// `l p + i` (node `i` at lag `l + 1`) with a nonzero coefficient.
public struct VARFit: Codable, Sendable, Equatable {
    /// Nodes p.
    public let dimension: Int
    /// Lags L.
    public let lags: Int
    /// Row starts (p + 1 entries), regressor columns and values of `B` (compressed rows).
    public let rowStart: [Int]
    public let columnIndex: [Int]
    public let values: [Double]
    /// The lasso penalty used (on standardized data).
    public let lambda: Double
    /// Coefficients on standardized data, row-major `p x pL` (the warm start of the next fit).
    public let standardized: [Double]

    /// Nonzero lag coefficients.
    public var nonzeroCount: Int { values.count }

    /// `B z` for the lagged vector `z` (length pL).
    public func predict(_ z: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        for j in 0..<dimension {
            var s = 0.0
            for k in rowStart[j]..<rowStart[j + 1] { s += values[k] * z[columnIndex[k]] }
            out[j] = s
        }
        return out
    }

    /// `B z` with `z` read from `ring`: lag l is the row `firstAge + l - 1` steps back (1: the
    /// newest); a lag older than the ring holds is `missing` (the mean, say).
    public func predict(lags ring: RowRing, firstAge: Int = 1, missing: [Double]) -> [Double] {
        var z: [Double] = []
        z.reserveCapacity(dimension * lags)
        for l in 1...lags {
            let age = firstAge + l - 1
            if age <= ring.count { z.append(contentsOf: ring.row(age: age)) } else { z.append(contentsOf: missing) }
        }
        return predict(z)
    }

    /// `B` as a dense `p x pL` matrix.
    public var dense: Matrix {
        var m = Matrix(rows: dimension, columns: dimension * lags)
        for j in 0..<dimension { for k in rowStart[j]..<rowStart[j + 1] { m[j, columnIndex[k]] = values[k] } }
        return m
    }

    /// The largest lagged effects `(node, regressor node, lag, coefficient)`, by absolute value.
    public func strongest(_ count: Int) -> [(node: Int, from: Int, lag: Int, value: Double)] {
        var all: [(node: Int, from: Int, lag: Int, value: Double)] = []
        for j in 0..<dimension {
            for k in rowStart[j]..<rowStart[j + 1] {
                all.append((j, columnIndex[k] % dimension, columnIndex[k] / dimension + 1, values[k]))
            }
        }
        return Array(all.sorted { abs($0.value) > abs($1.value) }.prefix(count))
    }

    /// The coefficients for data in other units, `x'_j = x_j / s_j`: `B'_jk = B_jk s_k / s_j`.
    public func rescaled(_ s: (Int) -> Double) -> VARFit {
        var values = self.values
        for j in 0..<dimension {
            for k in rowStart[j]..<rowStart[j + 1] { values[k] *= s(columnIndex[k] % dimension) / s(j) }
        }
        return VARFit(dimension: dimension, lags: lags, rowStart: rowStart, columnIndex: columnIndex, values: values,
                      lambda: lambda, standardized: standardized)
    }

    /// A VAR from explicit coefficients `(node, regressor node, lag, value)` (a model file).
    public init(dimension p: Int, lags l: Int, entries: [(node: Int, from: Int, lag: Int, value: Double)]) throws(EstimationError) {
        guard p >= 1, l >= 1 else { throw .invalidParameter(name: "lags", value: Double(l)) }
        var rows = [[(Int, Double)]](repeating: [], count: p)
        for e in entries {
            guard (0..<p).contains(e.node), (0..<p).contains(e.from), (1...l).contains(e.lag) else {
                throw .dimensionMismatch(what: "lag coefficient (node \(e.node + 1), from \(e.from + 1), lag \(e.lag))", expected: p, actual: e.node)
            }
            guard e.value.isFinite else { throw .nonFiniteEntry(row: e.node, column: e.from, value: e.value) }
            rows[e.node].append(((e.lag - 1) * p + e.from, e.value))
        }
        var rowStart = [0], columnIndex: [Int] = [], values: [Double] = []
        for r in rows {
            for (c, v) in r.sorted(by: { $0.0 < $1.0 }) { columnIndex.append(c); values.append(v) }
            rowStart.append(values.count)
        }
        self.init(dimension: p, lags: l, rowStart: rowStart, columnIndex: columnIndex, values: values, lambda: 0,
                  standardized: [Double](repeating: 0, count: p * p * l))
    }

    /// Checks a decoded fit (untrusted files).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.decode(Int.self, forKey: .dimension), l = try c.decode(Int.self, forKey: .lags)
        let rowStart = try c.decode([Int].self, forKey: .rowStart)
        let columnIndex = try c.decode([Int].self, forKey: .columnIndex), values = try c.decode([Double].self, forKey: .values)
        let standardized = try c.decode([Double].self, forKey: .standardized)
        guard p >= 1, l >= 1, l <= 100, rowStart.count == p + 1, rowStart.first == 0, rowStart.last == values.count,
              zip(rowStart, rowStart.dropFirst()).allSatisfy({ $0 <= $1 }), columnIndex.count == values.count,
              columnIndex.allSatisfy({ $0 >= 0 && $0 < p * l }), values.allSatisfy(\.isFinite),
              standardized.count == p * p * l else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "the lag coefficients are inconsistent"))
        }
        self.init(dimension: p, lags: l, rowStart: rowStart, columnIndex: columnIndex, values: values,
                  lambda: try c.decode(Double.self, forKey: .lambda), standardized: standardized)
    }

    init(dimension: Int, lags: Int, rowStart: [Int], columnIndex: [Int], values: [Double], lambda: Double, standardized: [Double]) {
        self.dimension = dimension
        self.lags = lags
        self.rowStart = rowStart
        self.columnIndex = columnIndex
        self.values = values
        self.lambda = lambda
        self.standardized = standardized
    }
}

/// Fits ``VARFit`` by node-wise lasso regressions of each node on all lagged nodes, from the
/// joint covariance of `(x_t, x_{t-1}, ..., x_{t-L})` (so a fit costs no pass over the data).
///
/// Each regression is solved on standardized data (the lagged block's correlations) by the
/// coordinate descent of ``NodewiseLasso``, at the theory rate `c sqrt(log(pL) / n)`,
/// warm-started from the previous fit, the p regressions in parallel. The lasso selects the
/// lags; least squares on the selected ones estimates them (the relaxed lasso with gamma 0,
/// Meinshausen 2007), because the lasso's shrinkage would leave part of the serial dependence in
/// the innovations the monitor scores as independent (a coefficient of 0.20 came out as 0.09
/// at n = 4000 in the tests). A node keeps its lasso coefficients when its support has more
/// than n / 4 lags.
public struct VAREstimator: Codable, Sendable, Equatable {
    /// The constant c of the penalty `c sqrt(log(pL) / n)`.
    public var theoryConstant: Double
    public var tolerance: Double
    public var maxIterations: Int

    public init(theoryConstant: Double = NetworkEstimator.defaultTheoryConstant, tolerance: Double = 1e-7,
                maxIterations: Int = 10_000) {
        self.theoryConstant = theoryConstant
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// The sparse VAR(L) from the joint covariance `S` (`p(L+1)` square, `x_t` first, then lag 1, ...).
    public func fit(jointCovariance s: Matrix, dimension p: Int, lags l: Int, sampleSize n: Int,
                    warmStart: VARFit? = nil) throws(EstimationError) -> VARFit {
        let q = p * l, d = p * (l + 1)
        guard l >= 1 else { throw .invalidParameter(name: "lags", value: Double(l)) }
        guard s.rows == d, s.columns == d else { throw .dimensionMismatch(what: "joint covariance", expected: d, actual: s.rows) }
        guard n >= 2 else { throw .invalidSampleSize(n) }
        var scale = [Double](repeating: 1, count: d)
        for i in 0..<d {
            let v = s[i, i]
            guard v.isFinite else { throw .nonFiniteEntry(row: i, column: i, value: v) }
            guard v > 0 else { throw .nonPositiveVariance(node: i % p, value: v) }
            scale[i] = v.squareRoot()
        }
        // The lagged block's correlations V and the cross-correlations with each response.
        var v = [Double](repeating: 0, count: q * q)
        for a in 0..<q { for b in 0..<q { v[a * q + b] = s[p + a, p + b] / (scale[p + a] * scale[p + b]) } }
        var cross = [Double](repeating: 0, count: p * q)
        for j in 0..<p { for a in 0..<q { cross[j * q + a] = s[j, p + a] / (scale[j] * scale[p + a]) } }
        let lambda = theoryConstant * (log(Double(max(q, 2))) / Double(n)).squareRoot()
        var coefficients = warmStart.flatMap { $0.dimension == p && $0.lags == l ? $0.standardized : nil }
            ?? [Double](repeating: 0, count: p * q)
        let tolerance = self.tolerance, maxSweeps = max(1, maxIterations)
        v.withUnsafeBufferPointer { vb in
            cross.withUnsafeBufferPointer { cb in
                coefficients.withUnsafeMutableBufferPointer { bb in
                    let gram = UnsafeSendable(vb.baseAddress!), crossPointer = UnsafeSendable(cb.baseAddress!)
                    let coef = SharedMutableBuffer(bb)
                    parallelFor(p) { j in
                        let b = coef.base.baseAddress! + j * q
                        let r = UnsafeMutablePointer<Double>.allocate(capacity: q)
                        let active = UnsafeMutablePointer<Int>.allocate(capacity: q)
                        defer { r.deallocate(); active.deallocate() }
                        r.update(from: crossPointer.pointer + j * q, count: q)
                        for a in 0..<q where b[a] != 0 {
                            let ba = b[a], row = gram.pointer + a * q
                            for k in 0..<q { r[k] -= ba * row[k] }
                        }
                        _ = gramLassoSolve(gram: gram.pointer, dimension: q, excluded: -1, coefficients: b, residual: r,
                                           lambda: lambda, threshold: tolerance, maxSweeps: maxSweeps, active: active)
                    }
                }
            }
        }
        var rowStart = [0], columnIndex: [Int] = [], values: [Double] = []
        for j in 0..<p {
            let support = (0..<q).filter { coefficients[j * q + $0] != 0 }
            var estimate = support.map { coefficients[j * q + $0] }
            if !support.isEmpty, support.count <= n / 4 {
                var gram = Matrix(rows: support.count, columns: support.count)
                for (r, a) in support.enumerated() { for (c, b) in support.enumerated() { gram[r, c] = v[a * q + b] } }
                if let factor = try? Cholesky(gram) {
                    let solved = factor.solve(support.map { cross[j * q + $0] })
                    if solved.allSatisfy(\.isFinite) { estimate = solved }
                }
            }
            for (k, a) in support.enumerated() {
                let value = estimate[k] * scale[j] / scale[p + a]
                guard value.isFinite else { throw .nonFiniteIterate(node: j) }
                columnIndex.append(a)
                values.append(value)
            }
            rowStart.append(values.count)
        }
        return VARFit(dimension: p, lags: l, rowStart: rowStart, columnIndex: columnIndex, values: values,
                      lambda: lambda, standardized: coefficients)
    }

    /// The innovations' covariance `S_xx - B S_zx - S_xz B^T + B S_zz B^T` (p x p) under `fit`.
    public static func innovationCovariance(jointCovariance s: Matrix, fit: VARFit) -> Matrix {
        let p = fit.dimension, q = p * fit.lags
        // A = B S_zz (p x q) and C = B S_zx (p x p), over the support of B.
        var a = Matrix(rows: p, columns: q)
        var c = Matrix(rows: p, columns: p)
        for j in 0..<p {
            for k in fit.rowStart[j]..<fit.rowStart[j + 1] {
                let col = fit.columnIndex[k], b = fit.values[k]
                for m in 0..<q { a[j, m] += b * s[p + col, p + m] }
                for m in 0..<p { c[j, m] += b * s[p + col, m] }
            }
        }
        var out = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for j in i..<p {
                var bsb = 0.0
                for k in fit.rowStart[j]..<fit.rowStart[j + 1] { bsb += a[i, fit.columnIndex[k]] * fit.values[k] }
                let value = s[i, j] - c[i, j] - c[j, i] + bsb
                out[i, j] = value
                out[j, i] = value
            }
        }
        return out
    }

    /// The node-wise BIC of the VAR(L) part, `sum_j [n log sigma_j^2 + log(n) df_j]` with
    /// `sigma_j^2` the innovation variance of node j and `df_j` its nonzero lag coefficients
    /// (for L = 0, `sigma_j^2 = S_jj`).
    public static func bic(jointCovariance s: Matrix, fit: VARFit?, dimension p: Int, sampleSize n: Int) -> Double {
        let nd = Double(n)
        guard let fit else { return (0..<p).reduce(0.0) { $0 + nd * log(max(s[$1, $1], .leastNormalMagnitude)) } }
        let e = innovationCovariance(jointCovariance: s, fit: fit)
        var total = 0.0
        for j in 0..<p {
            let df = Double(fit.rowStart[j + 1] - fit.rowStart[j])
            total += nd * log(max(e[j, j], .leastNormalMagnitude)) + log(nd) * df
        }
        return total
    }
}
