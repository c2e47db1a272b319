/// Reducing a long series to what a chart of a given width can show.
///
/// The index axis is cut into `buckets` equal bins (one per pixel column). In each bin the
/// first, minimum, maximum and last point are kept, in index order, so a line through the
/// kept points has the same pixel envelope as the full series: spikes stay visible while
/// a 1,000,000-point trace is drawn with at most `4 * buckets` points.
/// Non-finite values split the series into separate runs (drawn as gaps).
public enum Downsampling {
    /// Runs of finite points, each reduced to at most four points per bucket.
    ///
    /// - Parameters:
    ///   - points: the series (sorted by index here if it is not already).
    ///   - domain: the index range mapped onto the buckets.
    ///   - buckets: number of bins (usually the plot width in pixels).
    ///   - isValid: extra validity test (e.g. `value > 0` on a log axis).
    /// - Complexity: O(n) for sorted input.
    public static func minMax(
        _ points: [SeriesPoint],
        domain: ClosedRange<Double>,
        buckets: Int,
        isValid: (Double) -> Bool = { _ in true }
    ) -> [[SeriesPoint]] {
        let sorted = isSorted(points) ? points : points.sorted { $0.index < $1.index }
        let n = max(1, buckets)
        let width = max(domain.upperBound - domain.lowerBound, 1e-12)
        var runs: [[SeriesPoint]] = []
        var run: [SeriesPoint] = []
        var bucket = Int.min
        var first = 0, minK = 0, maxK = 0, last = 0
        var open = false

        func flushBucket() {
            guard open else { return }
            var picks = [first, minK, maxK, last]
            picks.sort()
            var previous = -1
            for k in picks where k != previous {
                run.append(sorted[k])
                previous = k
            }
            open = false
        }
        func flushRun() {
            flushBucket()
            if !run.isEmpty { runs.append(run) }
            run = []
            bucket = Int.min
        }

        for k in sorted.indices {
            let p = sorted[k]
            guard p.value.isFinite, isValid(p.value) else {
                flushRun()
                continue
            }
            let b = min(n - 1, max(0, Int((Double(p.index) - domain.lowerBound) / width * Double(n))))
            if b != bucket {
                flushBucket()
                bucket = b
                first = k; minK = k; maxK = k; last = k
                open = true
            } else {
                last = k
                if p.value < sorted[minK].value { minK = k }
                if p.value > sorted[maxK].value { maxK = k }
            }
        }
        flushRun()
        return runs
    }

    static func isSorted(_ points: [SeriesPoint]) -> Bool {
        guard points.count > 1 else { return true }
        for k in 1..<points.count where points[k].index < points[k - 1].index { return false }
        return true
    }

    /// Threshold steps with consecutive equal values merged. When more steps remain than
    /// `maxSteps`, the steps are reduced like a series (`minMax`), which keeps their envelope.
    public static func steps(_ steps: [SeriesPoint], domain: ClosedRange<Double>, maxSteps: Int) -> [SeriesPoint] {
        let sorted = isSorted(steps) ? steps : steps.sorted { $0.index < $1.index }
        var merged: [SeriesPoint] = []
        for s in sorted {
            if let last = merged.last {
                if last.index == s.index {
                    merged[merged.count - 1] = s
                    continue
                }
                if last.value == s.value || (!last.value.isFinite && !s.value.isFinite) { continue }
            }
            merged.append(s)
        }
        if merged.count <= maxSteps { return merged }
        return minMax(merged, domain: domain, buckets: max(1, maxSteps / 4)).flatMap { $0 }
    }
}
