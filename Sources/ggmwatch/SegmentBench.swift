import Foundation
import GGMCore
import GGMEstimation
import GGMSegmentation
import GGMSimulation

/// The segmentation suite: a segment's moments from the cumulative Grams against summing its rows,
/// and the whole search against one fit of the whole stream (the yardstick of its cost).
enum SegmentBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        var results: [BenchResult] = []
        let p = settings.quick ? 50 : 200
        let lengths = settings.quick ? [200, 200, 200] : [400, 400, 400]
        let stream = try StreamSimulation(p: p, segmentLengths: lengths, seed: settings.seed).generate()
        let x = stream.observations
        let n = x.rows
        let grams = CumulativeGrams(data: x, folds: 5)
        // Ranges of about a third of the stream at shifting offsets.
        let ranges = (0..<16).map { k in (k * 37 % (n / 2))..<(k * 37 % (n / 2) + n / 3) }
        var sink = 0.0
        let fast = BenchClock.time(repetitions: settings.repetitions) {
            for r in ranges { sink += grams.moments(r).scatter[0, 0] }
        }
        let direct = BenchClock.time(repetitions: settings.repetitions) {
            for r in ranges {
                var s = Matrix(rows: p, columns: p)
                for t in r {
                    for i in 0..<p {
                        let xi = x[t, i]
                        for j in 0..<p { s.elements[i * p + j] += xi * x[t, j] }
                    }
                }
                sink += s[0, 0]
            }
        }
        let perQuery = fast.best / Double(ranges.count), perDirect = direct.best / Double(ranges.count)
        log(String(format: "segment moments p=\(p): %.2f ms per range from the cumulative Grams, %.2f ms summing its rows (%.0f) ", perQuery * 1e3, perDirect * 1e3, sink.isFinite ? 1 : 0))
        results.append(BenchResult(suite: "segment", name: "moments of a segment (5 folds)", p: p,
                                   setting: "n = \(n), segments of \(n / 3) rows, spacing \(grams.spacing)",
                                   value: perQuery, unit: "s", baseline: perDirect, baselineName: "summing the segment's rows",
                                   ratio: perDirect / perQuery, ratioMeaning: "speed-up over summing the rows"))
        let settingsUsed = SegmentationSettings(bootstrapReplicates: 0)
        var segmentation: Segmentation?
        let search = try BenchClock.time(repetitions: settings.repetitions) {
            segmentation = try Segmenter(settings: settingsUsed).segment(x)
        }
        let whole = grams.moments(0..<n)
        let covariance = whole.covariance(about: whole.mean)
        let estimator = settingsUsed.estimator(rows: n, columns: p)
        let oneFit = try BenchClock.time(repetitions: settings.repetitions) {
            _ = try estimator.fit(covariance: covariance, sampleSize: n)
        }
        let found = segmentation?.changePoints ?? []
        log(String(format: "segment p=\(p), n=\(n): %.2f s (%d fits, changes %@), one cold fit of the whole stream %.3f s", search.best,
                   segmentation?.fits ?? 0, "\(found)", oneFit.best))
        results.append(BenchResult(suite: "segment", name: "Segmenter.segment (binary, node-wise, no bootstrap)", p: p,
                                   setting: "n = \(n), true changes \(stream.truth.changePoints), found \(found), \(segmentation?.fits ?? 0) fits",
                                   value: search.best, unit: "s", baseline: oneFit.best, baselineName: "one cold node-wise fit of the whole stream",
                                   ratio: search.best / oneFit.best, ratioMeaning: "multiple of one fit"))
        return results
    }
}
