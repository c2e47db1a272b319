import Foundation
import GGMWatch

// A 12-node chain network whose links all strengthen at observation 600.
let p = 12
func chain(_ strength: Double) -> Matrix {
    var omega = Matrix.identity(p)
    for i in 0..<(p - 1) { omega[i, i + 1] = strength; omega[i + 1, i] = strength }
    return omega
}
var rng = SeededGenerator(seed: 7)
let before = try GaussianSampler(precision: chain(0.2))
let after = try GaussianSampler(precision: chain(0.45))
let rows = (0..<1000).map { t in (t < 600 ? before : after).sample(using: &rng) }
let names = (1...p).map { "sensor\($0)" }

// The command line's defaults (combined detector, calibrated thresholds), with a shorter burn-in
// and a smaller calibration so that the example runs in seconds.
let settings = CalibrationSettings(target: .averageRunLength(2000), replicates: 60, seed: 1)
let configuration = MonitorConfiguration(burnIn: 300, window: 40, refitEvery: 40, thresholds: .calibrated(settings))
var monitor = try OnlineMonitor(dimension: p, configuration: configuration, names: names)

var alarms: [Int] = []
for (t, x) in rows.enumerated() {
    // Feed the first 800 rows, save the monitor, and resume it from the saved state.
    if t == 800 {
        let saved = try JSONEncoder().encode(monitor)
        monitor = try JSONDecoder().decode(OnlineMonitor.self, from: saved)
    }
    // `process` runs the Monte Carlo calibration in place when a burn-in completes.
    for step in try monitor.process(x, label: "t\(t)") {
        if let alarm = step.alarm {
            alarms.append(alarm.index)
            let nodes = alarm.topNodes.prefix(3).map(\.name).joined(separator: ", ")
            print("alarm at \(alarm.index), change estimated at \(alarm.estimatedChange ?? -1), fired by \(alarm.firedBy), nodes \(nodes)")
        }
        if let change = step.networkChange {
            print("network after the change: \(change.after.count) edges (before: \(change.before.count))")
        }
    }
}
print("thresholds: \(monitor.thresholds.map { "\($0)" } ?? "none")")
print("alarms: \(alarms)")

// The same rows offline: every change point at once, each with a bootstrap interval.
let segmentation = try Segmenter().segment(Matrix(rows), names: names)
for change in segmentation.changes {
    print("change point at \(change.index), 90% interval \(change.interval.map { "\($0)" } ?? "none")")
}
