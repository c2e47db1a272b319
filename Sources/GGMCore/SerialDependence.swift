import Foundation

/// Serial dependence of a multivariate sample (rows in time order): the per-column Ljung-Box
/// test, the automatic block length of a block bootstrap, and the rule that decides whether a
/// burn-in is serially dependent (ALGORITHMS.md section 16).
public enum SerialDependence {
    /// Sample autocorrelations `rho(1...maxLag)` of one series (biased estimator, divisor n).
    public static func autocorrelations(_ x: [Double], maxLag: Int) -> [Double] {
        let n = x.count
        guard n >= 2, maxLag >= 1 else { return [] }
        let mean = x.reduce(0, +) / Double(n)
        let d = x.map { $0 - mean }
        let c0 = d.reduce(0) { $0 + $1 * $1 }
        guard c0 > 0, c0.isFinite else { return [Double](repeating: 0, count: maxLag) }
        return (1...maxLag).map { k in
            guard k < n else { return 0 }
            var s = 0.0
            for t in k..<n { s += d[t] * d[t - k] }
            return s / c0
        }
    }

    /// The Ljung-Box p-value of `H0: rho(1) = ... = rho(K) = 0` for one series, with the
    /// chi-square(K) tail by the Wilson-Hilferty normal approximation (within 0.002 of the exact
    /// tail for K >= 3 at the levels used here).
    public static func ljungBoxPValue(_ x: [Double], lags k: Int) -> Double {
        ljungBoxPValue(autocorrelations: autocorrelations(x, maxLag: k), count: x.count)
    }

    /// The same from the autocorrelations `rho(1...K)` of a series of `count` values.
    static func ljungBoxPValue(autocorrelations rho: [Double], count: Int) -> Double {
        let n = Double(count), k = rho.count
        guard k > 0, n > Double(k) + 1 else { return 1 }
        var q = 0.0
        for (i, r) in rho.enumerated() { q += r * r / (n - Double(i + 1)) }
        q *= n * (n + 2)
        return chiSquareUpperTail(q, degrees: Double(k))
    }

    /// `P(chi2_k >= q)` by Wilson-Hilferty.
    public static func chiSquareUpperTail(_ q: Double, degrees k: Double) -> Double {
        guard q > 0 else { return 1 }
        let a = 2 / (9 * k)
        let z = (pow(q / k, 1.0 / 3.0) - (1 - a)) / a.squareRoot()
        return SpecialFunctions.normalUpperTail(z)
    }

    /// Lags of the Ljung-Box test in ``assess(rows:)``.
    public static let testLags = 5
    /// The decision level of ``Assessment/isDependent``: the median over columns of the
    /// Ljung-Box p-values below it.
    public static let decisionLevel = 0.05

    /// What a sample says about its serial dependence.
    public struct Assessment: Codable, Sendable, Equatable {
        /// Median over columns of the Ljung-Box p-value at ``SerialDependence/testLags`` lags.
        public let medianPValue: Double
        /// Share of columns whose Ljung-Box test rejects at 5%.
        public let rejectingShare: Double
        /// Median over columns of the lag-1 autocorrelation.
        public let medianLag1: Double
        /// The stationary bootstrap's block length (``blockLength(rows:)``).
        public let blockLength: Double
        /// Rows the assessment is based on.
        public let rows: Int

        /// Serial dependence is declared when more than half of the columns reject independence at
        /// 5% (median p-value below 0.05): robust to the cross-correlation of the columns (which
        /// makes a pooled chi-square over-reject) and to a few dependent columns among many.
        public var isDependent: Bool { medianPValue < SerialDependence.decisionLevel }

        public var summary: String {
            String(format: "median lag-1 autocorrelation %.2f, median Ljung-Box p-value %.3g (%.0f%% of columns reject at 5%%), block length %.1f, over %d rows",
                   medianLag1, medianPValue, 100 * rejectingShare, blockLength, rows)
        }
    }

    /// Assesses a sample (rows in time order, `n x p`).
    public static func assess(rows: Matrix) -> Assessment {
        let p = rows.columns
        var pValues: [Double] = []
        var lag1: [Double] = []
        for j in 0..<p {
            let rho = autocorrelations(rows.column(j), maxLag: testLags)
            pValues.append(ljungBoxPValue(autocorrelations: rho, count: rows.rows))
            lag1.append(rho.first ?? 0)
        }
        return Assessment(medianPValue: median(pValues), rejectingShare: Double(pValues.filter { $0 < 0.05 }.count) / Double(max(p, 1)),
                          medianLag1: median(lag1), blockLength: blockLength(rows: rows), rows: rows.rows)
    }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return .nan }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The automatic expected block length of the stationary bootstrap for one series: Politis &
    /// White (2004) with the correction of Patton, Politis & White (2009), as computed by the
    /// `arch` package (`optimal_block_length`), which the tests compare against.
    ///
    /// With `K = max(5, floor(log10 n))` and `m_max = ceil(sqrt n) + K`: `m` is the first lag
    /// from which `K` consecutive absolute autocorrelations are below `2 sqrt(log10 n / n)`
    /// (`m_max` if none); the bandwidth is `M = min(2 max(m, 1), m_max)`; with the flat-top
    /// kernel `lambda(t) = 1` for `t <= 1/2`, `2 (1 - t)` up to 1,
    /// `G = 2 sum_{k=1..M} lambda(k/M) k R(k)` and `g = R(0) + 2 sum_{k=1..M} lambda(k/M) R(k)`
    /// (R the autocovariances), `b = (2 G^2 / D)^{1/3} n^{1/3}` with `D = 2 g^2`, capped at
    /// `ceil(min(3 sqrt n, n / 3))` and at least 1.
    public static func blockLength(_ x: [Double]) -> Double {
        let n = x.count
        guard n >= 8 else { return 1 }
        let nd = Double(n)
        let kn = max(5, Int(log10(nd)))
        let mMax = Int(nd.squareRoot().rounded(.up)) + kn
        guard mMax + 1 < n else { return 1 }
        let mean = x.reduce(0, +) / nd
        let d = x.map { $0 - mean }
        let critical = 2 * (log10(nd) / nd).squareRoot()
        var acv = [Double](repeating: 0, count: mMax + 1)
        var absCorrelation = [Double](repeating: 0, count: mMax + 1)
        // Sums of squares of d[i+1...] and d[..<(n-i-1)] for each lag i, updated as i grows.
        var tail = d.reduce(0) { $0 + $1 * $1 } - d[0] * d[0]
        var head = tail + d[0] * d[0] - d[n - 1] * d[n - 1]
        var m: Int?
        for i in 0...mMax {
            var cross = 0.0
            for t in i..<n { cross += d[t] * d[t - i] }
            acv[i] = cross / nd
            let norm = (tail * head).squareRoot()
            absCorrelation[i] = norm > 0 ? abs(cross) / norm : 0
            if i >= kn, m == nil, absCorrelation[(i - kn)..<i].allSatisfy({ $0 < critical }) { m = i - kn }
            if i + 1 < n {
                tail -= d[i + 1] * d[i + 1]
                head -= d[n - i - 2] * d[n - i - 2]
            }
        }
        let bandwidth = min(m.map { 2 * max($0, 1) } ?? mMax, mMax)
        guard acv[0] > 0, acv[0].isFinite else { return 1 }
        var g = 0.0, longRun = acv[0]
        for k in 1...bandwidth {
            let t = Double(k) / Double(bandwidth)
            let w = t <= 0.5 ? 1 : 2 * (1 - t)
            g += 2 * w * Double(k) * acv[k]
            longRun += 2 * w * acv[k]
        }
        let dsb = 2 * longRun * longRun
        guard dsb > 0 else { return 1 }
        let b = pow(2 * g * g / dsb, 1.0 / 3.0) * pow(nd, 1.0 / 3.0)
        let cap = min(3 * nd.squareRoot(), nd / 3).rounded(.up)
        return b.isFinite ? min(max(b, 1), cap) : 1
    }

    /// One block length for a multivariate sample: the mean of the columns' ``blockLength(_:)``
    /// (the dependence of the whole vector is kept by resampling whole rows in blocks).
    public static func blockLength(rows: Matrix) -> Double {
        guard rows.columns > 0 else { return 1 }
        var total = 0.0
        for j in 0..<rows.columns { total += blockLength(rows.column(j)) }
        return total / Double(rows.columns)
    }
}
