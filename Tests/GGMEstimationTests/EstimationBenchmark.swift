import Dispatch
import GGMCore
import GGMEstimation

/// Wall-clock timing of the estimators, for the gated benchmark tests (`GGM_BENCH=1 swift test -c release --filter Benchmark`).
enum EstimationBenchmark {
    /// One timed configuration.
    struct Measurement: Sendable, CustomStringConvertible {
        var label: String
        var method: EstimationMethod
        var lambda: Double
        /// Best (minimum) wall time over the repetitions, in seconds.
        var seconds: Double
        /// Median wall time over the repetitions, in seconds.
        var medianSeconds: Double
        var edges: Int
        var iterations: Int
        var converged: Bool

        var description: String {
            let ms = { (s: Double) in String(Double((s * 1e4).rounded()) / 10) }
            let l = Double((lambda * 1e4).rounded()) / 1e4
            return "\(label) \(method.rawValue) lambda=\(l): best \(ms(seconds)) ms, median \(ms(medianSeconds)) ms, "
                + "edges \(edges), sweeps \(iterations), converged \(converged)"
        }
    }

    /// Times `estimator.fit` (cold) `repetitions` times on `covariance`.
    static func run(_ estimator: NetworkEstimator, covariance: Matrix, sampleSize n: Int,
                           repetitions: Int = 3, label: String = "") throws(EstimationError) -> Measurement {
        var times: [Double] = []
        var last: NetworkFit?
        for _ in 0..<Swift.max(1, repetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            let fit = try estimator.fit(covariance: covariance, sampleSize: n)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            last = fit
        }
        times.sort()
        let fit = last!
        return Measurement(label: label, method: estimator.method, lambda: fit.lambda, seconds: times[0],
                           medianSeconds: times[times.count / 2], edges: fit.edgeCount,
                           iterations: fit.iterations, converged: fit.converged)
    }
}
