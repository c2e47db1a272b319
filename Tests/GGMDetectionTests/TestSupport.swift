import GGMCore
@testable import GGMDetection

/// The banded precision of Cai-type models: 1 on the diagonal, 0.6 and 0.3 on the first two off-diagonals
/// (positive definite for every p: its symbol 0.4 + 1.2c + 1.2c^2 is at least 0.1).
func bandedPrecision(_ p: Int) -> Matrix {
    var m = Matrix.identity(p)
    for i in 0..<p {
        if i + 1 < p { m[i, i + 1] = 0.6; m[i + 1, i] = 0.6 }
        if i + 2 < p { m[i, i + 2] = 0.3; m[i + 2, i] = 0.3 }
    }
    return m
}

/// `n` rows drawn from `N(0, precision^{-1})`.
func gaussianRows(_ n: Int, precision: Matrix, rng: inout SeededGenerator) -> [[Double]] {
    let sampler = try! GaussianSampler(precision: precision)
    return (0..<n).map { _ in sampler.sample(using: &rng) }
}

/// Everything a monitor run emits, for comparing runs.
struct RunRecord: Equatable {
    var alarms: [Alarm] = []
    var trace: [[Double?]] = []
}

/// Feeds `rows` to `monitor`, recording alarms and the trace of evaluated windows.
func feed(_ monitor: inout OnlineMonitor, _ rows: ArraySlice<[Double]>, into record: inout RunRecord) throws {
    for x in rows {
        let step = try monitor.update(x)
        if step.evaluated {
            record.trace.append([Double(step.index), step.global, step.thresholds?.global, step.local, step.thresholds?.local])
        }
        if let alarm = step.alarm { record.alarms.append(alarm) }
    }
}
