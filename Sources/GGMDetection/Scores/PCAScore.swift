import Foundation
import GGMCore
import GGMEstimation

extension StatisticID {
    /// Hotelling's T^2 of the retained principal components (``PCAScore``).
    public static let pcaT2 = StatisticID("pca-t2")
    /// The squared prediction error off the retained components (``PCAScore``).
    public static let pcaSPE = StatisticID("pca-spe")
}

/// Baseline: the principal-component charts of process monitoring (Jackson 1991; MacGregor &
/// Kourti 1995), the monitor process engineers use today, under the same lifecycle and the same
/// Monte Carlo calibration as every score.
///
/// From the segment's correlation matrix `R` (variables standardized by the segment's means and
/// standard deviations), the `k` leading eigenvectors `P` explaining at least ``varianceShare`` of
/// the variance; for a standardized observation `y`, with `t = P^T y`:
///
///     T^2 = sum_{a<=k} t_a^2 / lambda_a          SPE = ||y||^2 - ||t||^2
///
/// The window is the run rule: the statistics of the window are the *smallest* T^2 and SPE of its
/// `w` observations, so a threshold h alarms when w consecutive points exceed h (w = 1: the plain
/// Shewhart charts). ``nominalThresholds(alpha:)`` gives the classical per-point limits: the
/// chi-square(k) limit for T^2 (the large-sample form of the F limit) and the Jackson-Mudholkar
/// limit for SPE.
///
/// - Complexity: O(p k) per observation; O(p^3) per refit (the eigendecomposition).
public struct PCAScore: WindowScore {
    public let window: Int
    public let dimension: Int
    /// Share of the variance the retained components explain (0.9 by default).
    public let varianceShare: Double
    public var statisticIDs: [StatisticID] { [.pcaT2, .pcaSPE] }

    private var moments: RunningMoments
    private var mean: [Double] = []
    private var scale: [Double] = []
    /// Row-major `k x p`: the retained eigenvectors as rows.
    private var loadings: [Double] = []
    private var eigenvalues: [Double] = []
    /// The residual eigenvalues' sums `theta_1..3` (Jackson-Mudholkar).
    private var theta: [Double] = []
    public private(set) var referenceSampleSize = 0
    private var ring: RowRing
    /// T^2 and SPE of the observations in the window, oldest first (parallel to `ring`).
    private var recent: RowRing

    public init(dimension p: Int, window: Int, varianceShare: Double = 0.9) {
        self.window = window
        self.dimension = p
        self.varianceShare = varianceShare
        moments = RunningMoments(dimension: p)
        ring = RowRing(capacity: window, dimension: p)
        recent = RowRing(capacity: window, dimension: 2)
    }

    /// Components retained.
    public var components: Int { eigenvalues.count }
    public var count: Int { ring.count }
    public var segmentCount: Int { moments.count }
    public var isFitted: Bool { !eigenvalues.isEmpty }

    public func unfitted() -> PCAScore { PCAScore(dimension: dimension, window: window, varianceShare: varianceShare) }

    public mutating func accumulate(_ x: [Double]) { moments.add(x) }
    public var supportsForgetting: Bool { true }
    public mutating func forget(_ x: [Double]) { moments.remove(x) }

    public mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError) {
        let p = dimension
        let s = moments.covariance()
        var sd = [Double](repeating: 0, count: p)
        for j in 0..<p {
            guard s[j, j] > 0, s[j, j].isFinite else { throw ScoreFitError("has zero variance", node: j) }
            sd[j] = s[j, j].squareRoot()
        }
        var r = s
        for i in 0..<p { for j in 0..<p { r[i, j] = s[i, j] / (sd[i] * sd[j]) } }
        let eigen = SymmetricEigen(r)
        let total = eigen.values.reduce(0) { $0 + max($1, 0) }
        var k = 0, explained = 0.0
        while k < p && (explained < varianceShare * total || k == 0) {
            explained += max(eigen.values[k], 0)
            k += 1
        }
        k = min(k, p - 1 > 0 ? p - 1 : p)
        var loadings = [Double](repeating: 0, count: k * p)
        for a in 0..<k { for j in 0..<p { loadings[a * p + j] = eigen.vectors[j, a] } }
        let retained = (0..<k).map { max(eigen.values[$0], 1e-12) }
        let residual = eigen.values[k...].map { max($0, 0) }
        theta = (1...3).map { power in residual.reduce(0) { $0 + pow($1, Double(power)) } }
        self.loadings = loadings
        eigenvalues = retained
        mean = moments.mean
        scale = sd
        referenceSampleSize = moments.count
        // Rescore the window against the new model.
        var rows: [[Double]] = []
        ring.forEach { rows.append(Array($0)) }
        recent.removeAll()
        for x in rows { recent.push(pointStatistics(x)) }
    }

    /// T^2 and SPE of one observation.
    public func pointStatistics(_ x: [Double]) -> [Double] {
        let p = dimension, k = eigenvalues.count
        var y = [Double](repeating: 0, count: p)
        var norm = 0.0
        for j in 0..<p { y[j] = (x[j] - mean[j]) / scale[j]; norm += y[j] * y[j] }
        var t2 = 0.0, explained = 0.0
        for a in 0..<k {
            var t = 0.0
            for j in 0..<p { t += loadings[a * p + j] * y[j] }
            t2 += t * t / eigenvalues[a]
            explained += t * t
        }
        return [t2, max(norm - explained, 0)]
    }

    public mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        guard isFitted else { return false }
        let full = ring.push(x, evicted: &evicted)
        recent.push(pointStatistics(x))
        return full
    }

    public func statistics() -> StatisticMap {
        var t2 = Double.infinity, spe = Double.infinity
        recent.forEach { v in
            t2 = min(t2, v[v.startIndex])
            spe = min(spe, v[v.startIndex + 1])
        }
        return StatisticMap([.pcaT2: t2, .pcaSPE: spe])
    }

    public mutating func reset(keepingNull: Bool) {
        ring.removeAll()
        recent.removeAll()
        if !keepingNull { moments = RunningMoments(dimension: dimension) }
    }

    /// The nodes with the largest contributions to the newest observation's SPE.
    public func evidence(top k: Int, names: [String]) -> ScoreEvidence {
        guard isFitted, ring.count > 0 else { return ScoreEvidence() }
        let x = Array(ring.row(age: 1))
        let p = dimension, m = eigenvalues.count
        var y = (0..<p).map { (x[$0] - mean[$0]) / scale[$0] }
        var t = [Double](repeating: 0, count: m)
        for a in 0..<m { for j in 0..<p { t[a] += loadings[a * p + j] * y[j] } }
        for j in 0..<p { var fitted = 0.0; for a in 0..<m { fitted += loadings[a * p + j] * t[a] }; y[j] -= fitted }
        let contributions = y.map { $0 * $0 }
        return ScoreEvidence(topNodes: contributions.indices.sorted { contributions[$0] > contributions[$1] }.prefix(k)
            .map { NodeContribution(node: $0, name: names[$0], contribution: contributions[$0]) })
    }

    /// Per-point limits at level alpha (each chart alone): `chi2_k(1 - alpha)` for T^2 by the
    /// Wilson-Hilferty inversion, and the Jackson-Mudholkar limit
    /// `theta1 [z sqrt(2 theta2 h0^2) / theta1 + 1 + theta2 h0 (h0 - 1) / theta1^2]^(1/h0)`,
    /// `h0 = 1 - 2 theta1 theta3 / (3 theta2^2)`, for SPE.
    public func nominalThresholds(alpha: Double) -> Thresholds? {
        guard isFitted, alpha > 0, alpha < 1 else { return nil }
        let z = SpecialFunctions.normalUpperQuantile(alpha)
        let k = Double(eigenvalues.count), a = 2 / (9 * k)
        let t2 = k * pow(1 - a + z * a.squareRoot(), 3)
        var out = Thresholds([.pcaT2: t2])
        if theta.count == 3, theta[0] > 0, theta[1] > 0 {
            let h0 = 1 - 2 * theta[0] * theta[2] / (3 * theta[1] * theta[1])
            let base = z * (2 * theta[1] * h0 * h0).squareRoot() / theta[0] + 1 + theta[1] * h0 * (h0 - 1) / (theta[0] * theta[0])
            if base > 0, h0 != 0 { out[.pcaSPE] = theta[0] * pow(base, 1 / h0) }
        }
        return out
    }

    public func validate(burnIn: Int) -> String? {
        burnIn <= dimension ? "the PCA baseline needs a burn-in longer than the number of nodes (got \(burnIn) for \(dimension))" : nil
    }
}

extension PCAScore {
    private enum CodingKeys: String, CodingKey {
        case window, dimension, varianceShare, moments, mean, scale, loadings, eigenvalues, theta, referenceSampleSize, ring, recent
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window, forKey: .window)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(varianceShare, forKey: .varianceShare)
        try c.encode(moments, forKey: .moments)
        try c.encode(mean, forKey: .mean)
        try c.encode(scale, forKey: .scale)
        try c.encode(loadings, forKey: .loadings)
        try c.encode(eigenvalues, forKey: .eigenvalues)
        try c.encode(theta, forKey: .theta)
        try c.encode(referenceSampleSize, forKey: .referenceSampleSize)
        try c.encode(ring, forKey: .ring)
        try c.encode(recent, forKey: .recent)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.decode(Int.self, forKey: .dimension), w = try c.decode(Int.self, forKey: .window)
        self.init(dimension: p, window: w, varianceShare: try c.decode(Double.self, forKey: .varianceShare))
        moments = try c.decode(RunningMoments.self, forKey: .moments)
        mean = try c.decode([Double].self, forKey: .mean)
        scale = try c.decode([Double].self, forKey: .scale)
        loadings = try c.decode([Double].self, forKey: .loadings)
        eigenvalues = try c.decode([Double].self, forKey: .eigenvalues)
        theta = try c.decode([Double].self, forKey: .theta)
        referenceSampleSize = try c.decode(Int.self, forKey: .referenceSampleSize)
        ring = try c.decode(RowRing.self, forKey: .ring)
        recent = try c.decode(RowRing.self, forKey: .recent)
        let k = eigenvalues.count
        guard p >= 1, w >= 1, moments.dimension == p, ring.capacity == w, ring.dimension == p, recent.capacity == w,
              recent.dimension == 2, recent.count == ring.count, loadings.count == k * p,
              k == 0 || (mean.count == p && scale.count == p && theta.count == 3) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "the PCA score's parts disagree"))
        }
    }
}
