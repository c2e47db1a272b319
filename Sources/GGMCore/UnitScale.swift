/// An exact change of units: every column is multiplied by a power of two, `x'_j = x_j * 2^-k_j`,
/// chosen so that magnitudes far outside `[2^-40, 2^40]` are brought to about one.
///
/// Why powers of two: the scaling is exact in floating point (no rounding unless a value is
/// subnormal), so every statistic computed from the scaled data equals, bit for bit, the one
/// computed from data that were recorded in those units. Data whose magnitudes already lie in
/// the band are left alone (`k_j = 0`), so ordinary streams are processed exactly as before.
/// Squares and products of values in the band stay far from overflow and underflow, which is
/// what makes the monitor's results independent of the unit of measurement within the range
/// of `Double` (data at 1e150 or 1e-155 give the same alarms as data at 1).
///
/// - Complexity: O(p) to choose, O(p) per row to apply.
public struct UnitScale: Codable, Sendable, Equatable {
    /// `k_j`: column `j` is multiplied by `2^-k_j`.
    public private(set) var exponents: [Int]

    /// Magnitudes in `[2^-bandExponent, 2^bandExponent]` are left unscaled.
    public static let bandExponent = 40

    /// The identity on `dimension` columns.
    public init(identity dimension: Int) { exponents = Array(repeating: 0, count: dimension) }

    /// The scale for columns whose typical magnitudes are `magnitudes` (for example the absolute
    /// values of a first row, or the largest absolute value of each column). A zero or non-finite
    /// magnitude leaves its column unscaled.
    public init(magnitudes: [Double]) {
        exponents = magnitudes.map { m in
            let a = Swift.abs(m)
            guard a.isFinite, a > 0 else { return 0 }
            let e = Int(a.exponent)   // a = s * 2^e with s in [1, 2)
            return Swift.abs(e) <= Self.bandExponent ? 0 : e
        }
    }

    /// The scale from the largest absolute value of each column of `rows` (row-major, `dimension` columns).
    public init(rows: [Double], dimension: Int) {
        var largest = [Double](repeating: 0, count: dimension)
        if dimension > 0 {
            for (k, v) in rows.enumerated() where v.isFinite { largest[k % dimension] = Swift.max(largest[k % dimension], Swift.abs(v)) }
        }
        self.init(magnitudes: largest)
    }

    public var dimension: Int { exponents.count }

    /// Whether every column is left unscaled.
    public var isIdentity: Bool { exponents.allSatisfy { $0 == 0 } }

    /// `x * 2^-k` column-wise (into the scaled units).
    public func apply(_ x: [Double]) -> [Double] {
        if isIdentity { return x }
        var y = x
        for j in y.indices where exponents[j] != 0 { y[j] = Double(sign: .plus, exponent: -exponents[j], significand: 1) * y[j] }
        return y
    }

    /// `2^k_j`: the factor that takes column `j` from the scaled units back to the data's units.
    public func factor(_ j: Int) -> Double { Double(sign: .plus, exponent: exponents[j], significand: 1) }
}
