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

    /// The empirical `1 - a` quantile of an already sorted sample, by linear interpolation between
    /// order statistics: ``type7(_:probability:)`` at `p = 1 - a` without the sort (the position
    /// `(1 - a)(n - 1)` is computed from `a` directly, as the threshold calibration always has).
    ///
    /// - Parameters:
    ///   - sorted: The sample in ascending order. Must not contain NaN.
    ///   - a: The upper-tail probability, in `[0, 1]`.
    /// - Returns: `+infinity` for an empty sample (no threshold is ever reached).
    /// - Complexity: O(1).
    public static func upper(sorted: [Double], _ a: Double) -> Double {
        let n = sorted.count
        guard n > 0 else { return .infinity }
        let position = (1 - a) * Double(n - 1)
        let i = Int(position.rounded(.down))
        let frac = position - Double(i)
        if i + 1 >= n { return sorted[n - 1] }
        return sorted[i] + frac * (sorted[i + 1] - sorted[i])
    }

    /// A distribution-free 95% interval for the `1 - a` quantile of an already sorted sample:
    /// the order statistics (0-based, clamped to the sample) at `floor(n(1 - a) - 1.96 s)` and
    /// `ceil(n(1 - a) + 1.96 s)` with `s = sqrt(n a (1 - a))`, the normal approximation to the
    /// binomial count of values below the quantile.
    ///
    /// - Parameters:
    ///   - sorted: The sample in ascending order; must not be empty.
    ///   - a: The upper-tail probability, in `[0, 1]`.
    /// - Returns: `[lower, upper]`.
    public static func upperInterval(sorted: [Double], _ a: Double) -> [Double] {
        let n = Double(sorted.count)
        let center = n * (1 - a)
        let half = 1.96 * (n * a * (1 - a)).squareRoot()
        let lo = max(0, min(sorted.count - 1, Int((center - half).rounded(.down))))
        let hi = max(0, min(sorted.count - 1, Int((center + half).rounded(.up))))
        return [sorted[lo], sorted[hi]]
    }
}
