import Foundation

/// Finds and removes stock splits in daily log returns of unadjusted prices.
///
/// A split of factor `k` (shares after per share before) divides the price by `k`, so the
/// day's log return is `r = -log k + e` with `e` an ordinary day's move. The rule, applied
/// to every return `r[t, j]` with `|r| >= 0.2`:
///
/// 1. **Not a market move.** Let `m` be the median return of the *other* stocks that day
///    (0 with one stock). If `|m| >= marketMoveLimit` (0.10) the day is a market-wide
///    event and no split is recognized on it.
/// 2. **Near a split ratio.** With the idiosyncratic move `u = r - m`, take the ratio `k` in
///    ``ratios`` minimizing `|u + log k|`. It is a candidate if
///    `|u + log k| <= tol = min(clamp(3.5 * sd_j, 0.06, 0.10), 0.15 * |log k|)`, where
///    `sd_j` is the stock's robust SD (1.4826 MAD of its returns). The residual must be an
///    ordinary day for that stock and small relative to the jump, so 3:2 (a 33% fall) is
///    matched more tightly than 2:1.
/// 3. **Not shared.** If more than `max(2, crowdFraction * (p - 1))` other stocks move
///    that day in the same direction by at least half the jump (`|r| >= 0.5 |log k|`), it
///    is a market event (or a bad data day), not a split.
/// 4. **A lasting level shift.** A split moves the price level once and for good. With `h`
///    = `persistenceDays` (5), the cumulative log change over the jump and the next `h` days,
///    `r + r[t+1] + ... + r[t+h]`, and over the previous `h` days and the jump,
///    `r[t-h] + ... + r[t-1] + r`, must each keep at least `persistenceFraction` (half) of the
///    jump `|log k|`. A spike that comes back (a data error) fails the first test on its way
///    out and the second on its way back. Near the ends of the data the sums use the days
///    there are; on the first or last day that side's test is skipped.
///
/// The correction sets the day's return to `r + log k`, the move the stock would have
/// had on adjusted prices.
///
/// Returns alone cannot tell a split from a genuine idiosyncratic crash of the same size
/// on a calm market day (Netflix fell 33% on 2004-07-15, near a 3:2 split's -40.5%; the
/// tolerance rejects it, but a crash nearer the ratio would be taken as a split). Jumps
/// that are not recognized as splits are left to winsorizing.
public struct SplitDetector: Sendable, Codable, Equatable {
    /// Ratios looked for; ``SplitRatio/common`` by default.
    public var ratios: [SplitRatio] = SplitRatio.common
    /// Tolerance in robust SDs of the stock (3.5), clamped to `[minimumTolerance, maximumTolerance]`.
    public var volatilityMultiple = 3.5
    public var minimumTolerance = 0.06
    public var maximumTolerance = 0.10
    /// Tolerance cap as a fraction of the jump `|log k|` (0.15).
    public var relativeTolerance = 0.15
    /// A day whose median return of the other stocks is this large in absolute value is market-wide (0.10).
    public var marketMoveLimit = 0.10
    /// Fraction of the other stocks that may jump with it before the day counts as shared (0.10, at least 2 stocks).
    public var crowdFraction = 0.10
    /// Days after the jump checked for reversion (5).
    public var persistenceDays = 5
    /// Fraction of the jump that must persist after `persistenceDays` (0.5).
    public var persistenceFraction = 0.5

    public init() {}

    /// The splits in `returns` (daily log returns of unadjusted prices), in row order.
    ///
    /// - Complexity: O(n p log n) for the robust SDs plus O(p log p) per large return.
    public func detect(in returns: Dataset) -> [SplitEvent] {
        let n = returns.rowCount
        let p = returns.columnCount
        guard n > 0, p > 0, !ratios.isEmpty else { return [] }
        let x = returns.values
        let sd = (0..<p).map { j -> Double in
            let column = x.column(j)
            return RobustStatistics.scale(column, center: RobustStatistics.median(column))
        }
        var events: [SplitEvent] = []
        for t in 0..<n {
            let row = x.row(t)
            for j in 0..<p where abs(row[j]) >= 0.2 {
                let r = row[j]
                var others = row
                others.remove(at: j)
                let market = others.isEmpty ? 0 : RobustStatistics.median(others)
                if abs(market) >= marketMoveLimit { continue }
                let u = r - market
                guard let ratio = ratios.min(by: { abs(u + $0.logFactor) < abs(u + $1.logFactor) }) else { continue }
                let jump = abs(ratio.logFactor)
                let tolerance = min(min(max(volatilityMultiple * sd[j], minimumTolerance), maximumTolerance),
                                    relativeTolerance * jump)
                guard abs(u + ratio.logFactor) <= tolerance else { continue }
                let crowd = others.count { $0 * r > 0 && abs($0) >= 0.5 * jump }
                if Double(crowd) > max(2, crowdFraction * Double(p - 1)) { continue }
                let ahead = min(persistenceDays, n - 1 - t)
                if ahead > 0 {
                    var later = 0.0
                    for s in 1...ahead { later += x[t + s, j] }
                    if abs(r + later) < persistenceFraction * jump { continue }
                }
                let behind = min(persistenceDays, t)
                if behind > 0 {
                    var earlier = 0.0
                    for s in 1...behind { earlier += x[t - s, j] }
                    if abs(r + earlier) < persistenceFraction * jump { continue }
                }
                events.append(SplitEvent(node: j, name: returns.names[j], row: t, label: returns.label(ofRow: t),
                                         ratio: ratio, rawReturn: r, correctedReturn: r + ratio.logFactor))
            }
        }
        return events
    }

    /// `returns` with each event's return replaced by its corrected value.
    public static func remove(_ events: [SplitEvent], from returns: Dataset) -> Dataset {
        var out = returns
        for e in events { out.values[e.row, e.node] = e.correctedReturn }
        return out
    }
}
