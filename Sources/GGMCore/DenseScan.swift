/// Scans of dense arrays that a refit makes over whole p x p matrices: finding the nonzero entries
/// of a sparse matrix stored densely, and checking that every entry is finite.
///
/// Both read four doubles at a time. A network's rows are mostly zeros (about 20 nonzeros in 452
/// on the S&P 500), so the nonzero search skips a block of four zeros with one vector comparison
/// instead of four branches that the processor mispredicts at every scattered nonzero; the
/// finiteness check accumulates without an early exit, so it vectorizes, and only a matrix that
/// fails it is scanned again for the first bad entry. Either gives what the entry-by-entry loop
/// gives: the same indices in the same order, the same first non-finite entry.
public enum DenseScan {
    /// Calls `body(k)` for each `k` in `range` with `values[k] != 0`, in increasing order.
    ///
    /// Entries equal to zero (`0` or `-0`) are skipped; NaN is not zero and is visited.

    @inlinable
    public static func forEachNonzero(_ values: UnsafeBufferPointer<Double>, in range: Range<Int>,
                                      _ body: (Int) throws -> Void) rethrows {
        guard let base = values.baseAddress else { return }
        precondition(range.lowerBound >= 0 && range.upperBound <= values.count, "range out of bounds")
        var k = range.lowerBound
        let end = range.upperBound
        let zero = SIMD4<Double>(repeating: 0)
        while k + 4 <= end {
            let v = SIMD4<Double>.load(base + k)
            if any(v .!= zero) {
                if base[k] != 0 { try body(k) }
                if base[k + 1] != 0 { try body(k + 1) }
                if base[k + 2] != 0 { try body(k + 2) }
                if base[k + 3] != 0 { try body(k + 3) }
            }
            k += 4
        }
        while k < end {
            if base[k] != 0 { try body(k) }
            k += 1
        }
    }

    /// The first index (in order) whose value is not finite, or nil when every value is finite.
    public static func firstNonFinite(_ values: UnsafeBufferPointer<Double>) -> Int? {
        // The vectorizable pass of `largestMagnitude` decides; only a failing array is scanned.
        guard largestMagnitude(values) == nil else { return nil }
        return values.firstIndex { !$0.isFinite }
    }

    /// The largest `|v|` over the values (0 when empty), or nil when some value is not finite
    /// (then ``firstNonFinite(_:)`` names it): one pass for both checks.
    public static func largestMagnitude(_ values: UnsafeBufferPointer<Double>) -> Double? {
        guard let base = values.baseAddress else { return 0 }
        let n = values.count
        var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
        var m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0
        var k = 0
        while k + 4 <= n {
            let v0 = base[k], v1 = base[k + 1], v2 = base[k + 2], v3 = base[k + 3]
            a0 += v0 - v0
            a1 += v1 - v1
            a2 += v2 - v2
            a3 += v3 - v3
            m0 = Swift.max(m0, Swift.abs(v0))
            m1 = Swift.max(m1, Swift.abs(v1))
            m2 = Swift.max(m2, Swift.abs(v2))
            m3 = Swift.max(m3, Swift.abs(v3))
            k += 4
        }
        var largest = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
        while k < n { a0 += base[k] - base[k]; largest = Swift.max(largest, Swift.abs(base[k])); k += 1 }
        return (a0 + a1) + (a2 + a3) == 0 ? largest : nil
    }
}
