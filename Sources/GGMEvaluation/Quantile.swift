/// Sample quantiles by linear interpolation between order statistics.
public enum Quantile {
    /// The type-7 sample quantile of Hyndman & Fan (1996), the default of R's `quantile` and
    /// NumPy's `method="linear"`.
    ///
    /// With the sorted sample `x_(1) <= ... <= x_(n)`, `h = (n - 1) p + 1` and `j = floor(h)`:
    /// `Q(p) = x_(j) + (h - j) (x_(j+1) - x_(j))` (and `x_(n)` when `j = n`). So the median of an
    /// even sample is the mean of the two middle values, `Q(0) = min` and `Q(1) = max`.
    ///
    /// - Parameters:
    ///   - values: The sample, in any order. Must not contain NaN.
    ///   - probability: `p` in `[0, 1]`.
    /// - Returns: `nil` for an empty sample.
    /// - Complexity: O(n log n) for the sort.
    ///
    /// Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages.
    /// *The American Statistician* 50(4), 361-365.
    public static func type7(_ values: [Double], probability p: Double) -> Double? {
        precondition(p >= 0 && p <= 1, "quantile probability \(p) is outside [0, 1]")
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * p  // 0-based position
        let lower = Int(h.rounded(.down))
        guard lower + 1 < sorted.count else { return sorted[sorted.count - 1] }
        let fraction = h - Double(lower)
        return sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower])
    }

    /// ``type7(_:probability:)`` of integer values.
    public static func type7(_ values: [Int], probability p: Double) -> Double? {
        type7(values.map(Double.init), probability: p)
    }
}
