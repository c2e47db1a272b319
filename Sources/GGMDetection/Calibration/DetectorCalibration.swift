import GGMCore

/// The Monte Carlo calibration of ``Calibrator``, for any ``SequentialDetector``.
///
/// Same recipe, same seeds: replicate `r` draws from ``Calibrator/simulationNull(_:)`` with
/// `SeededGenerator.stream(seed: seed, index: r)`, feeds a fresh detector (which re-estimates its
/// null on the simulated burn-in), and records the maximum of each statistic over the first
/// `horizon` observations after the burn-in. The threshold for a false-alarm probability `q`
/// over the horizon is the `1 - q` quantile of the maxima. So every detector, the monitor and the
/// baselines alike, is calibrated to the same target the same way.
public enum DetectorCalibration {
    /// Maxima over the horizon, `maxima[k][r]` for statistic `k` of replicate `r`.
    ///
    /// - Parameters:
    ///   - makeDetector: A fresh detector that never alarms (no thresholds); called once per replicate.
    ///   - statistics: The statistics to record from each step (nil entries are skipped).
    public static func simulateMaxima<D: SequentialDetector>(
        null precision: Matrix, horizon: Int, replicates: Int, seed: UInt64,
        makeDetector: @Sendable () throws(MonitorError) -> D,
        statistics: @Sendable (MonitorStep) -> [Double?]
    ) throws -> [[Double]] {
        let sampler = try Calibrator.simulationNull(precision)
        let results: [Result<[Double], MonitorError>] = parallelMap(replicates) { r in
            var rng = SeededGenerator.stream(seed: seed, index: r)
            do throws(MonitorError) {
                var detector = try makeDetector()
                var maxima: [Double] = []
                var monitored = 0
                while monitored < horizon {
                    let step = try detector.update(sampler.sample(using: &rng), label: nil)
                    if step.phase != .burnIn { monitored += 1 }
                    let values = statistics(step)
                    if maxima.isEmpty { maxima = [Double](repeating: -.infinity, count: values.count) }
                    for (k, value) in values.enumerated() {
                        if let value { maxima[k] = max(maxima[k], value) }
                    }
                }
                return .success(maxima)
            } catch {
                return .failure(error)
            }
        }
        let perReplicate = try results.map { try $0.get() }
        let k = perReplicate.first?.count ?? 0
        return (0..<k).map { s in perReplicate.map { $0[s] } }
    }

    /// The `1 - q` quantile of the maxima (linear interpolation between order statistics, as
    /// ``Calibrator``): the threshold whose simulated false-alarm probability over the horizon is `q`.
    public static func threshold(maxima: [Double], q: Double) -> Double {
        Calibrator.upperQuantile(maxima.sorted(), q)
    }
}
