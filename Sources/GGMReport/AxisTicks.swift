import Foundation

/// A tick on an axis: a position in data coordinates and its label.
public struct AxisTick: Sendable, Hashable {
    public var position: Double
    public var label: String

    public init(position: Double, label: String) {
        self.position = position
        self.label = label
    }
}

/// Tick placement: "nice numbers" for values, calendar boundaries for dates.
///
/// Nice numbers follow Heckbert, "Nice numbers for graph labels", *Graphics Gems* (1990):
/// the step is 1, 2 or 5 times a power of ten, and the domain is widened to whole steps.
public enum AxisTicks {
    /// Approximate width in pixels of a tick label of `text` at 11 px sans-serif.
    static func labelWidth(_ text: String) -> Double {
        Double(text.count) * 6.4
    }

    /// The nice number closest to (`round`) or not below (`!round`) `x` > 0.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        let exponent = Foundation.floor(Foundation.log10(x))
        let power = Foundation.pow(10, exponent)
        let fraction = x / power
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// A domain widened to whole steps and ticks at nice values covering `[low, high]`:
    /// the smallest step of the form {1, 2, 5} x 10^k that needs at most `maxCount` ticks.
    public static func linear(low: Double, high: Double, maxCount: Int = 6) -> (domain: ClosedRange<Double>, ticks: [AxisTick]) {
        var lo = low.isFinite ? low : 0
        var hi = high.isFinite ? high : 1
        if lo > hi { swap(&lo, &hi) }
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let pad = abs(hi) > 0 ? abs(hi) * 0.1 : 1
            lo -= pad
            hi += pad
        }
        let limit = max(2, maxCount)
        // Start one decade below the step that would give `limit` ticks, and grow.
        var step = Foundation.pow(10, Foundation.floor(Foundation.log10((hi - lo) / Double(limit)))) / 10
        var first = 0.0, last = 0.0
        search: while true {
            for m in [1.0, 2.0, 5.0] {
                let s = step * m
                first = Foundation.floor(lo / s + 1e-9) * s
                last = Foundation.ceil(hi / s - 1e-9) * s
                if Int(((last - first) / s).rounded()) + 1 <= limit {
                    step = s
                    break search
                }
            }
            step *= 10
        }
        let decimals = max(0, Int(-Foundation.floor(Foundation.log10(step) + 1e-9)))
        var ticks: [AxisTick] = []
        let count = Int(((last - first) / step).rounded())
        for k in 0...max(0, count) {
            let v = first + Double(k) * step
            let clean = abs(v) < step * 1e-9 ? 0 : v
            ticks.append(AxisTick(position: clean, label: NumberText.label(clean, decimals)))
        }
        return (first...last, ticks)
    }

    /// Decade ticks (1, 10, 100, ...) covering `[low, high]`, both > 0; with 2 and 5 when the span is short.
    public static func logarithmic(low: Double, high: Double) -> (domain: ClosedRange<Double>, ticks: [AxisTick]) {
        let lo = low > 0 && low.isFinite ? low : 1
        let hi = high > 0 && high.isFinite ? max(high, lo) : max(lo * 10, 10)
        var e0 = Int(Foundation.floor(Foundation.log10(lo) + 1e-9))
        var e1 = Int(Foundation.ceil(Foundation.log10(hi) - 1e-9))
        if e1 <= e0 { e1 = e0 + 1 }
        if e1 - e0 > 12 { e0 = e1 - 12 }
        var ticks: [AxisTick] = []
        let multipliers: [Double] = e1 - e0 <= 2 ? [1, 2, 5] : [1]
        for e in e0...e1 {
            for m in multipliers where e < e1 || m == 1 {
                let v = m * Foundation.pow(10, Double(e))
                ticks.append(AxisTick(position: v, label: logLabel(m, e)))
            }
        }
        return (Foundation.pow(10, Double(e0))...Foundation.pow(10, Double(e1)), ticks)
    }

    private static func logLabel(_ m: Double, _ e: Int) -> String {
        if e >= -3 && e <= 5 {
            return NumberText.label(m * Foundation.pow(10, Double(e)), max(0, -e))
        }
        return NumberText.fixed(m, 0) + "e" + String(e)
    }

    /// A calendar date parsed from a label starting with `YYYY-MM-DD`.
    struct CalendarDay: Hashable {
        var year: Int
        var month: Int
        var day: Int

        init?(_ label: String) {
            let u = Array(label.utf8.prefix(10))
            guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
            func number(_ r: Range<Int>) -> Int? {
                var n = 0
                for k in r {
                    guard u[k] >= 48 && u[k] <= 57 else { return nil }
                    n = n * 10 + Int(u[k] - 48)
                }
                return n
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
                  (1...12).contains(m), (1...31).contains(d) else { return nil }
            year = y
            month = m
            day = d
        }

        var monthNumber: Int { year * 12 + month - 1 }
    }

    /// Whether `labels` are dates: the first and last parse as `YYYY-MM-DD` and at least 90% do.
    public static func areDates(_ labels: [String]) -> Bool {
        guard let first = labels.first, let last = labels.last,
              CalendarDay(first) != nil, CalendarDay(last) != nil else { return false }
        let parsed = labels.reduce(0) { $0 + (CalendarDay($1) == nil ? 0 : 1) }
        return Double(parsed) >= 0.9 * Double(labels.count)
    }

    /// Ticks at the first row of each calendar period: months, quarters, half-years, or 1, 2, 5, 10 years,
    /// the finest whose labels do not overlap. Labels are "2004-07" below a year and "2005" from a year up.
    ///
    /// - Parameters:
    ///   - labels: one `YYYY-MM-DD` label per row.
    ///   - range: the row indices on the axis.
    ///   - pixelsPerRow: horizontal scale, to keep labels apart.
    public static func dates(labels: [String], range: ClosedRange<Int>, pixelsPerRow: Double) -> [AxisTick] {
        let lo = max(range.lowerBound, 0)
        let hi = min(range.upperBound, labels.count - 1)
        guard hi > lo else { return [] }
        let days = (lo...hi).map { CalendarDay(labels[$0]) }
        let stepsInMonths = [1, 3, 6, 12, 24, 60, 120, 240, 600]
        var best: [AxisTick] = []
        for step in stepsInMonths {
            var ticks: [AxisTick] = []
            var previousKey: Int? = nil
            for (k, day) in days.enumerated() {
                guard let day else { continue }
                let key = Int(Foundation.floor(Double(day.monthNumber) / Double(step)))
                if let previousKey, key != previousKey {
                    let label = step >= 12 ? String(day.year) : String(format: "%04d-%02d", day.year, day.month)
                    ticks.append(AxisTick(position: Double(lo + k), label: label))
                }
                previousKey = key
            }
            best = ticks
            if fits(ticks, pixelsPerRow: pixelsPerRow) { return ticks }
        }
        return thin(best, pixelsPerRow: pixelsPerRow)
    }

    /// Integer ticks at nice multiples; labelled with `labels[i]` when given, else with the index.
    public static func indices(range: ClosedRange<Int>, labels: [String]?, pixelsPerRow: Double) -> [AxisTick] {
        let lo = range.lowerBound
        let hi = range.upperBound
        guard hi > lo else {
            return [AxisTick(position: Double(lo), label: indexLabel(lo, labels))]
        }
        var target = max(2, Int((Double(hi - lo) * pixelsPerRow / 90).rounded()))
        while true {
            let step = max(1, Int(niceNumber(Double(hi - lo) / Double(target), round: true)))
            var ticks: [AxisTick] = []
            var i = Int((Double(lo) / Double(step)).rounded(.up)) * step
            while i <= hi {
                ticks.append(AxisTick(position: Double(i), label: indexLabel(i, labels)))
                i += step
            }
            if fits(ticks, pixelsPerRow: pixelsPerRow) || target <= 2 { return thin(ticks, pixelsPerRow: pixelsPerRow) }
            target -= 1
        }
    }

    private static func indexLabel(_ i: Int, _ labels: [String]?) -> String {
        if let labels, i >= 0, i < labels.count { return labels[i] }
        return NumberText.grouped(i)
    }

    /// Whether adjacent (centred) labels keep at least 10 px between them.
    static func fits(_ ticks: [AxisTick], pixelsPerRow: Double) -> Bool {
        guard ticks.count > 1 else { return true }
        for k in 1..<ticks.count {
            let gap = (ticks[k].position - ticks[k - 1].position) * pixelsPerRow
            let need = (labelWidth(ticks[k].label) + labelWidth(ticks[k - 1].label)) / 2 + 10
            if gap < need { return false }
        }
        return true
    }

    /// Drops ticks greedily until labels no longer overlap.
    static func thin(_ ticks: [AxisTick], pixelsPerRow: Double) -> [AxisTick] {
        var kept: [AxisTick] = []
        for t in ticks {
            if let last = kept.last {
                let gap = (t.position - last.position) * pixelsPerRow
                if gap < (labelWidth(t.label) + labelWidth(last.label)) / 2 + 10 { continue }
            }
            kept.append(t)
        }
        return kept
    }
}
