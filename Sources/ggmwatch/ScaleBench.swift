import Foundation
import GGMCore
import GGMDetection
import GGMEstimation

/// The scale suite (issue "Scale"): the parts of a refit and of the network file that were
/// rewritten, each against the implementation it replaced, in the same run.
enum ScaleBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        var results: [BenchResult] = []
        results.append(try recentredSearch(p: 452, settings: settings, log: log))
        for p in settings.quick ? [452] : [452, 2_000] {
            results += try networkFile(p: p, dense: true, settings: settings, log: log)
        }
        if !settings.quick { results += try networkFile(p: 5_000, dense: false, settings: settings, log: log) }
        return results
    }

    /// The search for re-centred entries after a refit (node-wise fit of 500 simulated rows):
    /// `Omega S Omega` row by row on both cores with a division-free pre-test, against the search as
    /// first written (the dense `Omega S`, a square root per entry). Both return the same entries.
    static func recentredSearch(p: Int, settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let data = try BenchData.sample(precision: omega, n: 500, seed: settings.seed &+ 3)
        let moments = RunningMoments(rows: data)
        let s = moments.covariance()
        let fit = try MonitorConfiguration.defaultEstimator.fit(covariance: s, sampleSize: 500)
        let reference = try ReferenceModel(precision: fit.precision, mean: moments.mean, sampleSize: 500)
        let fast = RecentredEntry.find(reference: reference, covariance: s, window: 50)
        let straightforward = RecentredEntry.findStraightforward(reference: reference, covariance: s, window: 50)
        guard fast == straightforward else { throw ValidationErrorText("the re-centred searches disagree") }
        let (fastTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            _ = RecentredEntry.find(reference: reference, covariance: s, window: 50)
        }
        let (oldTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            _ = RecentredEntry.findStraightforward(reference: reference, covariance: s, window: 50)
        }
        log("re-centred search p=\(p): \(format(fastTime)) s, as first written \(format(oldTime)) s (\(fast.count) entries)")
        return BenchResult(suite: "scale", name: "re-centred entries after a refit", p: p,
                           setting: String(format: "node-wise fit of 500 rows, %.1f nonzeros per row, w = 50",
                                           Double(reference.sparsePrecision.nonzeroCount) / Double(p)),
                           value: fastTime, unit: "s", baseline: oldTime,
                           baselineName: "the search as first written (dense Omega S, a square root per entry)",
                           ratio: oldTime / fastTime, ratioMeaning: "speed-up",
                           notes: "the same \(fast.count) entries")
    }

    /// Writing and reading a network file of a sparse precision (about 5 nonzeros per row): the
    /// sparse form (the default) against the dense rows (`fit --dense`), when `dense`.
    static func networkFile(p: Int, dense: Bool, settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        let omega = BenchData.sparsePrecision(p: p, degree: 4, seed: settings.seed &+ UInt64(p))
        let names = (1...p).map { "x\($0)" }
        let fit = NetworkFit(method: .glasso, lambda: 0.1, precision: omega, iterations: 1, converged: true, standardized: true,
                             scale: [Double](repeating: 1, count: p))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ggmwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func measure(_ denseForm: Bool) throws -> (write: Double, read: Double, bytes: Int) {
            var file = NetworkFile(fit: fit, names: names, mean: [Double](repeating: 0, count: p), sampleSize: 500,
                                   lambdaRule: .fixed(0.1))
            file.dense = denseForm
            let path = directory.appendingPathComponent(denseForm ? "dense.json" : "sparse.json").path
            let (write, _) = try BenchClock.time(repetitions: settings.repetitions) { try file.write(toPath: path) }
            var loaded: NetworkFile?
            let (read, _) = try BenchClock.time(repetitions: settings.repetitions) { loaded = try NetworkFile.load(path: path) }
            guard let loaded, Matrix(loaded.precision) == omega else { throw ValidationErrorText("the network file did not read back") }
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return (write, read, bytes)
        }
        let sparse = try measure(false)
        let nnz = String(format: "%.1f nonzeros per row", Double(SparseMatrix(omega).nonzeroCount) / Double(p))
        guard dense else {
            log("network file p=\(p): sparse write \(format(sparse.write)) s, read \(format(sparse.read)) s, \(sparse.bytes) bytes")
            return [BenchResult(suite: "scale", name: "network file write + read (sparse)", p: p, setting: nnz,
                                value: sparse.write + sparse.read, unit: "s",
                                notes: "\(sparse.bytes / 1024) KiB; the dense form (p^2 numbers) is not measured at this size")]
        }
        let full = try measure(true)
        log("network file p=\(p): sparse write \(format(sparse.write)) s, read \(format(sparse.read)) s, \(sparse.bytes) bytes; dense write \(format(full.write)) s, read \(format(full.read)) s, \(full.bytes) bytes")
        return [BenchResult(suite: "scale", name: "network file write + read", p: p, setting: nnz,
                            value: sparse.write + sparse.read, unit: "s", baseline: full.write + full.read,
                            baselineName: "the dense rows (fit --dense, the format before 0.9)",
                            ratio: (full.write + full.read) / (sparse.write + sparse.read), ratioMeaning: "speed-up",
                            notes: "\(sparse.bytes / 1024) KiB against \(full.bytes / 1024) KiB")]
    }
}
