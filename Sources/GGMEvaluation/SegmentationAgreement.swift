/// How close an estimated set of change points is to the true one (offline segmentation).
///
/// Both are given as the 0-based first rows of new segments of a stream of `rows` rows.
public enum SegmentationAgreement {
    /// The adjusted Rand index (Hubert & Arabie 1985) of the two partitions of `0..<rows` into
    /// segments: 1 for identical segmentations, about 0 for unrelated ones. O(k1 k2) from the
    /// contingency table of segment overlaps.
    public static func adjustedRandIndex(_ estimated: [Int], _ truth: [Int], rows n: Int) -> Double {
        let a = bounds(estimated, n), b = bounds(truth, n)
        func choose2(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
        var index = 0.0
        for i in 0..<(a.count - 1) {
            for j in 0..<(b.count - 1) {
                let overlap = Swift.min(a[i + 1], b[j + 1]) - Swift.max(a[i], b[j])
                if overlap > 0 { index += choose2(overlap) }
            }
        }
        let sumA = (0..<(a.count - 1)).reduce(0.0) { $0 + choose2(a[$1 + 1] - a[$1]) }
        let sumB = (0..<(b.count - 1)).reduce(0.0) { $0 + choose2(b[$1 + 1] - b[$1]) }
        let total = choose2(n)
        let expected = sumA * sumB / total
        let maximum = (sumA + sumB) / 2
        if maximum == expected { return 1 }
        return (index - expected) / (maximum - expected)
    }

    /// The Hausdorff distance between the two sets of change points: the largest distance from a
    /// change point of either set to the nearest of the other. nil when exactly one set is empty
    /// (no distance is defined), 0 when both are.
    public static func hausdorffDistance(_ estimated: [Int], _ truth: [Int]) -> Int? {
        if estimated.isEmpty && truth.isEmpty { return 0 }
        if estimated.isEmpty || truth.isEmpty { return nil }
        func directed(_ x: [Int], _ y: [Int]) -> Int {
            x.map { u in y.map { Swift.abs($0 - u) }.min()! }.max()!
        }
        return Swift.max(directed(estimated, truth), directed(truth, estimated))
    }

    private static func bounds(_ cps: [Int], _ n: Int) -> [Int] {
        [0] + cps.filter { $0 > 0 && $0 < n }.sorted() + [n]
    }
}
