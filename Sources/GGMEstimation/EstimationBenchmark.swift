import Dispatch
import GGMCore

/// Wall-clock timing of the estimators, for the benchmark harness (`GGM_BENCH=1 swift test -c release --filter Benchmark`).
public enum EstimationBenchmark {
    /// One timed configuration.
    public struct Measurement: Sendable, CustomStringConvertible {
        public var label: String
        public var method: EstimationMethod
        public var lambda: Double
        /// Best (minimum) wall time over the repetitions, in seconds.
        public var seconds: Double
        /// Median wall time over the repetitions, in seconds.
        public var medianSeconds: Double
        public var edges: Int
        public var iterations: Int
        public var converged: Bool

        public var description: String {
            let ms = { (s: Double) in String(Double((s * 1e4).rounded()) / 10) }
            let l = Double((lambda * 1e4).rounded()) / 1e4
            return "\(label) \(method.rawValue) lambda=\(l): best \(ms(seconds)) ms, median \(ms(medianSeconds)) ms, "
                + "edges \(edges), sweeps \(iterations), converged \(converged)"
        }
    }

    /// Times `estimator.fit` (cold) `repetitions` times on `covariance`.
    public static func run(_ estimator: NetworkEstimator, covariance: Matrix, sampleSize n: Int,
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
