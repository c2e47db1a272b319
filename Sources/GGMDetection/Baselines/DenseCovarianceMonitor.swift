import Foundation
import GGMCore
import GGMEstimation

/// Baseline: a window likelihood ratio for a change of the full covariance, ignoring sparsity.
///
/// With the segment's mean `mu` and covariance `Sigma_0` (maximum likelihood, no penalty), the
/// observations are whitened, `z_r = L^{-1} (x_r - mu)` with `Sigma_0 = L L^T`, and the window of
/// the last `w` observations gives `S = (1/w) sum_r z_r z_r^T`. The statistic is the Gaussian
/// log-likelihood ratio of a free covariance against `Sigma_0` (known mean):
///
///     D_t = w [ tr(S) - log det(S) - p ]
///
/// approximately chi-square with `p (p + 1) / 2` degrees of freedom under no change (Anderson,
/// *An Introduction to Multivariate Statistical Analysis*, section 10.8). It needs `w > p`
/// (otherwise `S` is singular) and a burn-in longer than `p`; both are checked at construction.
/// This is the classical test with no sparsity assumption: it spends its power on all
/// `p (p + 1) / 2` entries at once.
///
/// Lifecycle as ``OnlineMonitor``: burn-in of `N`, refit of `mu` and `Sigma_0` every `B` quiet
/// steps from the segment's running moments excluding the window, fresh burn-in after an alarm.
/// The statistic is reported in ``MonitorStep/global``.
///
/// - Complexity: O(p^2) per observation to whiten and update the window sums, plus O(p^3 / 3)
///   for the Cholesky factor of `S`; O(p^3 + w p^2) per refit. Memory O(p^2 + w p).
public struct DenseCovarianceMonitor: SequentialDetector, BaselineLifecycle, Codable {
    public let configuration: BaselineConfiguration
    public let names: [String]
    public private(set) var observationCount = 0
    public private(set) var phase: MonitorPhase = .burnIn
    public private(set) var segmentStart = 0
    public internal(set) var alarms: [Alarm] = []

    private var moments: RunningMoments
    private var mean: [Double]
    /// Lower Cholesky factor of the reference covariance.
    private var factor: Matrix
    private(set) var referenceSize = 0
    private var ring: WindowRing
    /// `sum_r z_r z_r^T` over the window (full p x p, row-major).
    private var windowProducts: [Double]
    var quietSteps = 0
    private var pushesSinceRecompute = 0

    public init(dimension p: Int, configuration: BaselineConfiguration = BaselineConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        try configuration.validate(dimension: p)
        guard configuration.window > p else {
            throw .invalidConfiguration("the dense covariance likelihood ratio needs a window longer than the number of nodes (window \(configuration.window), \(p) nodes)")
        }
        guard configuration.burnIn > p else {
            throw .invalidConfiguration("the dense covariance likelihood ratio needs a burn-in longer than the number of nodes (burn-in \(configuration.burnIn), \(p) nodes)")
        }
        self.configuration = configuration
        self.names = names ?? (1...p).map { "x\($0)" }
        moments = RunningMoments(dimension: p)
        mean = [Double](repeating: 0, count: p)
        factor = Matrix.identity(p)
        ring = WindowRing(window: configuration.window, dimension: p)
        windowProducts = [Double](repeating: 0, count: p * p)
    }

    public var dimension: Int { names.count }

    public mutating func update(_ x: [Double], label: String? = nil) throws(MonitorError) -> MonitorStep {
        let p = dimension
        let index = observationCount
        guard x.count == p else { throw .dimensionMismatch(index: index, expected: p, found: x.count) }
        for j in 0..<p where !x[j].isFinite { throw .nonFiniteValue(index: index, node: j) }
        observationCount += 1

        if phase == .burnIn {
            moments.add(x)
            var refitted = false
            if moments.count >= configuration.burnIn {
                try refit(lastIndex: index)
                phase = .filling
                refitted = true
            }
            return MonitorStep(index: index, phase: .burnIn, global: nil, local: nil,
                               thresholds: nil, alarm: nil, refitted: refitted)
        }

        var evicted: [Double] = []
        if ring.push(x, evicted: &evicted) {
            addProducts(whiten(evicted), sign: -1)
            moments.add(evicted)
        }
        addProducts(whiten(x), sign: 1)
        pushesSinceRecompute += 1
        if pushesSinceRecompute >= max(configuration.window, 1024) { recomputeWindow() }
        let thresholds = Thresholds(global: configuration.threshold, local: nil)
        guard ring.isFull else {
            return MonitorStep(index: index, phase: .filling, global: nil, local: nil,
                               thresholds: thresholds, alarm: nil, refitted: false)
        }
        let stepPhase = phase
        phase = .monitoring
        return try conclude(index: index, label: label, statistic: windowStatistic(), stepPhase: stepPhase)
    }

    /// `w [tr(S) - log det(S) - p]` of the current (full) window; `+infinity` when `S` is singular.
    public func windowStatistic() -> Double {
        let p = dimension
        let w = Double(configuration.window)
        var s = Matrix(rows: p, columns: p, elements: windowProducts)
        for k in s.elements.indices { s.elements[k] /= w }
        var trace = 0.0
        for i in 0..<p { trace += s[i, i] }
        guard let cholesky = try? Cholesky(s) else { return .infinity }
        return w * (trace - cholesky.logDeterminant - Double(p))
    }

    /// `L^{-1} (x - mu)` by forward substitution.
    private func whiten(_ x: [Double]) -> [Double] {
        let p = dimension
        var z = [Double](repeating: 0, count: p)
        factor.elements.withUnsafeBufferPointer { l in
            for i in 0..<p {
                var s = x[i] - mean[i]
                let row = i * p
                for k in 0..<i { s -= l[row + k] * z[k] }
                z[i] = s / l[row + i]
            }
        }
        return z
    }

    private mutating func addProducts(_ z: [Double], sign: Double) {
        let p = dimension
        windowProducts.withUnsafeMutableBufferPointer { c in
            for u in 0..<p {
                let zu = sign * z[u]
                let row = u * p
                for v in 0..<p { c[row + v] += zu * z[v] }
            }
        }
    }

    mutating func refit(lastIndex: Int) throws(MonitorError) {
        let covariance = moments.covariance()
        do {
            factor = try Cholesky(covariance).lower
        } catch {
            throw .referenceFitFailed(segmentStart: segmentStart, index: lastIndex,
                                      reason: "the sample covariance is singular: \(error)")
        }
        mean = moments.mean
        referenceSize = moments.count
        quietSteps = 0
        recomputeWindow()
    }

    private mutating func recomputeWindow() {
        for k in windowProducts.indices { windowProducts[k] = 0 }
        var rows: [[Double]] = []
        ring.forEach { rows.append(Array($0)) }
        for x in rows { addProducts(whiten(x), sign: 1) }
        pushesSinceRecompute = 0
    }

    mutating func restart(after index: Int) {
        segmentStart = index + 1
        moments = RunningMoments(dimension: dimension)
        ring.removeAll()
        for k in windowProducts.indices { windowProducts[k] = 0 }
        quietSteps = 0
        phase = .burnIn
    }
}
