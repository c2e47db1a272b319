/// Median and median absolute deviation, the robust location and scale used by split
/// detection and winsorizing.
enum RobustStatistics {
    /// The median (mean of the two middle values for an even count); 0 for no values.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m])
    }

    /// Robust standard deviation `1.4826 * median(|x - median(x)|)`, consistent for the SD of
    /// a normal distribution (Hampel 1974).
    static func scale(_ values: [Double], center: Double) -> Double {
        1.482_602_218_505_602 * median(values.map { abs($0 - center) })
    }
}
