#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a CSV cell reads as a number.
enum CellValue: Equatable {
    case number(Double)
    /// Empty, `NA`, `N/A` or `NaN` (any case).
    case missing
    /// `Inf`, `-Infinity` or a number too large for a `Double`.
    case nonFinite
    /// Anything else.
    case invalid
}

/// Decimal numbers parsed straight from UTF-8 bytes, without a `String` per cell.
///
/// Accepted syntax: optional spaces, `[+-]? digits* (. digits*)? ([eE] [+-]? digits+)?`
/// with at least one digit, optional spaces. Every number is rounded correctly (to nearest,
/// ties to even), so the result is the one `strtod` gives, in three tiers:
/// - When the significand has at most 19 digits and fits in 53 bits and the decimal exponent
///   is within +-22, the value is one correctly rounded product or quotient of two exact
///   doubles (Clinger's fast path, W. D. Clinger, "How to read floating point numbers
///   accurately", PLDI 1990).
/// - Other significands of at most 19 digits (the 17-digit numbers that programs write) go
///   through one 128-bit product with a power of five (Eisel-Lemire, see
///   ``eiselLemire(_:_:)``); longer ones through two, bracketing the digits left out.
/// - What those cannot decide goes to the C library's `strtod`: a number of more than 19
///   digits with a rounding boundary between its first 19 digits and those plus one unit (near
///   a tie: about one in a thousand random 20-digit numbers), and by chance about one number
///   in 2^63 of the others.
enum NumberParser {
    private static let powersOfTen: [Double] = (0...22).map { e in
        var x = 1.0
        for _ in 0..<e { x *= 10 }
        return x
    }

    /// Parses `count` bytes at `start`.
    static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> CellValue {
        parse(start, count: count, eiselLemire: true)
    }

    /// ``parse(_:count:)`` as it was before Eisel-Lemire: every number that misses Clinger's
    /// fast path goes to `strtod` (the benchmark's same-run baseline).
    static func parseWithStrtod(_ start: UnsafePointer<UInt8>, count: Int) -> CellValue {
        parse(start, count: count, eiselLemire: false)
    }

    @inline(__always)
    private static func parse(_ start: UnsafePointer<UInt8>, count: Int, eiselLemire useProduct: Bool) -> CellValue {
        var lo = 0
        var hi = count
        while lo < hi, start[lo] == 0x20 || start[lo] == 0x09 { lo += 1 }
        while hi > lo, start[hi - 1] == 0x20 || start[hi - 1] == 0x09 { hi -= 1 }
        if lo == hi { return .missing }

        var i = lo
        var negative = false
        if start[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if start[i] == UInt8(ascii: "+") { i += 1 }

        var significand: UInt64 = 0
        var digits = 0              // significant digits accumulated
        var dropped = 0             // significant digits beyond 19 (integer part) -> exponent
        var sawDigit = false
        var truncated = false
        var exponent = 0
        while i < hi, start[i] &- 0x30 < 10 {
            sawDigit = true
            let d = UInt64(start[i] &- 0x30)
            if digits < 19 {
                if significand != 0 || d != 0 { significand = significand &* 10 &+ d; digits += 1 }
            } else {
                dropped += 1
                if d != 0 { truncated = true }
            }
            i += 1
        }
        exponent += dropped
        if i < hi, start[i] == UInt8(ascii: ".") {
            i += 1
            while i < hi, start[i] &- 0x30 < 10 {
                sawDigit = true
                let d = UInt64(start[i] &- 0x30)
                if digits < 19 {
                    if significand != 0 || d != 0 { significand = significand &* 10 &+ d; digits += 1 }
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        if !sawDigit { return special(start + lo, count: hi - lo) }
        if i < hi, start[i] == UInt8(ascii: "e") || start[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < hi, start[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < hi, start[i] == UInt8(ascii: "+") { i += 1 }
            var e = 0
            var sawExpDigit = false
            while i < hi, start[i] &- 0x30 < 10 {
                sawExpDigit = true
                if e < 100_000 { e = e * 10 + Int(start[i] &- 0x30) }
                i += 1
            }
            if !sawExpDigit { return .invalid }
            exponent += expNegative ? -e : e
        }
        if i != hi { return .invalid }

        if significand == 0 && !truncated { return .number(negative ? -0.0 : 0.0) }
        if !truncated && significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var x = Double(significand)
            if exponent >= 0 { x *= powersOfTen[exponent] } else { x /= powersOfTen[-exponent] }
            return .number(negative ? -x : x)
        }
        if useProduct, let x = eiselLemire(significand, exponent, truncated: truncated) {
            return x.isFinite ? .number(negative ? -x : x) : .nonFinite
        }
        return slowParse(start + lo, count: hi - lo)
    }

    /// `strtod` on a NUL-terminated copy (the syntax was already checked).
    private static func slowParse(_ start: UnsafePointer<UInt8>, count: Int) -> CellValue {
        let x: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            for k in 0..<count { buffer[k] = CChar(bitPattern: start[k]) }
            buffer[count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return x.isFinite ? .number(x) : .nonFinite
    }

    /// Missing-value and infinity tokens; anything else is invalid.
    private static func special(_ start: UnsafePointer<UInt8>, count: Int) -> CellValue {
        var word = [UInt8]()
        word.reserveCapacity(count)
        for k in 0..<count {
            let c = start[k]
            word.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)   // ASCII lower case
        }
        switch word {
        case Array("na".utf8), Array("n/a".utf8), Array("nan".utf8):
            return .missing
        default:
            var body = word[...]
            if body.first == UInt8(ascii: "+") || body.first == UInt8(ascii: "-") { body = body.dropFirst() }
            if body.elementsEqual("inf".utf8) || body.elementsEqual("infinity".utf8) { return .nonFinite }
            return .invalid
        }
    }
}

// MARK: - Eisel-Lemire

extension NumberParser {
    /// `w × 10^q` (`w > 0`) rounded to nearest, ties to even, `+infinity` past the largest double,
    /// or `nil` when the products cannot decide (then `strtod` does). When nonzero digits followed
    /// `w`'s 19 (`truncated`), the number lies strictly between `w × 10^q` and `(w + 1) × 10^q`: if
    /// both round to the same double, so does the number (rounding is monotonic).
    static func eiselLemire(_ w: UInt64, _ q: Int, truncated: Bool) -> Double? {
        guard let x = eiselLemire(w, q) else { return nil }
        guard truncated else { return x }
        guard let y = eiselLemire(w + 1, q), y.bitPattern == x.bitPattern else { return nil }
        return x
    }

    /// `w × 10^q` (`w > 0`) rounded to nearest, ties to even, `+infinity` past the largest double,
    /// or `nil` when undecided.
    ///
    /// D. Lemire, "Number parsing at a gigabyte per second", Software: Practice and Experience
    /// 51(8), 2021, after M. Eisel. `10^q = 5^q × 2^q`, and with `w` shifted left until its top
    /// bit is set (`lz` places) and `T` the entry of ``powersOfFive`` for `q`,
    /// `w × 10^q ≈ P × 2^(exponent − lz)` with `P = (w << lz) × T`, a 192-bit product whose top
    /// 64 bits hold the 53-bit significand and the rounding bit. `T` is within one unit of the
    /// exact scaled power, so the exact product lies within `w << lz < 2^64` of P: unless P's
    /// middle word is 0 or all ones, it has P's top 64 bits and a nonzero rest, which decides the
    /// rounding (about one number in 2^63 is left undecided). Exceptions: for `0 <= q <= 55`, T is
    /// 5^q itself and P exact, so ties to even are seen; for `-27 <= q < 0`, an exact product
    /// (`5^-q` divides `w`, as in `1.500000000000000000e+00`) is a middle word of 0, and is
    /// converted exactly instead (``exactDyadic(_:_:)``).
    static func eiselLemire(_ w: UInt64, _ q: Int) -> Double? {
        // w < 2^64, so below the table w × 10^q < 2^64 × 10^-343 < 2^-1075, half the smallest subnormal.
        if q < smallestPowerOfFive { return 0 }
        if q > largestPowerOfFive { return .infinity }     // w × 10^q >= 10^309
        let power = powersOfFive[q - smallestPowerOfFive]
        let lz = w.leadingZeroBitCount
        let normalized = w << UInt64(lz)
        let upper = normalized.multipliedFullWidth(by: power.high)
        let lower = normalized.multipliedFullWidth(by: power.low)
        // P = p2 × 2^128 + p1 × 2^64 + lower.low, in [2^190, 2^192).
        let (p1, carry) = upper.low.addingReportingOverflow(lower.high)
        let p2 = upper.high &+ (carry ? 1 : 0)
        let sticky: Bool                                    // whether the exact product has bits below p2
        if power.isExact {
            sticky = p1 | lower.low != 0
        } else if p1 != 0 && p1 != .max {
            sticky = true
        } else {
            return exactDyadic(w, q)
        }
        let e = Int(power.exponent) - lz                    // the value is P × 2^e
        let leading = e + 190 + Int(p2 >> 63)               // exponent of P's top bit
        let unit = Swift.max(leading - 52, -1074)           // of the significand's last bit
        let shift = unit - e - 128                          // within p2: 10 or 11, more for subnormals
        if shift > 64 { return 0 }                          // below half the smallest subnormal
        let kept = p2 >> UInt64(shift)                      // (0 when shift is 64)
        let half = UInt64(1) << UInt64(shift - 1)
        let roundUp = p2 & half != 0 && (p2 & (half - 1) != 0 || sticky || kept & 1 != 0)
        let significand = kept + (roundUp ? 1 : 0)
        // The significand's leading bit adds one to the biased exponent field, and a rounding up
        // to 2^53 (or, for a subnormal, to 2^52) carries into it, as it should.
        let bits = UInt64(unit + 1074) << 52 &+ significand
        return bits < 0x7FF0_0000_0000_0000 ? Double(bitPattern: bits) : .infinity
    }

    /// `w × 10^q` for `-27 <= q < 0` when `5^-q` divides `w`: `(w / 5^-q) × 2^q`, the integer's
    /// conversion (rounded to nearest, ties to even) scaled exactly; `nil` otherwise.
    private static func exactDyadic(_ w: UInt64, _ q: Int) -> Double? {
        guard q >= -27 && q < 0 else { return nil }
        var five: UInt64 = 1
        for _ in 0 ..< -q { five *= 5 }
        guard w % five == 0 else { return nil }
        return Double(w / five) * Double(sign: .plus, exponent: q, significand: 1)
    }

    /// One entry of ``powersOfFive``: `T = high × 2^64 + low` with `2^127 <= T < 2^128`.
    struct PowerOfFive {
        var high: UInt64
        var low: UInt64
        /// `⌊log2 5^q⌋ − 127 + q`: `5^q ≈ T × 2^(exponent − q)`, so `w × 10^q ≈ w × T × 2^exponent`.
        var exponent: Int32
        /// Whether `T × 2^(exponent − q)` is 5^q exactly (`0 <= q <= 55`).
        var isExact: Bool
    }

    /// The decimal exponents of ``powersOfFive``: below, every `w < 2^64` rounds to zero; above,
    /// to infinity.
    static let smallestPowerOfFive = -342
    static let largestPowerOfFive = 308

    /// The 128-bit powers of five of Eisel-Lemire, `q` from -342 to 308 (index `q + 342`).
    ///
    /// `T(q)` has its top bit at bit 127; with `z = ⌊log2 5^|q|⌋ + 1`, the bit width of `5^|q|`:
    /// - `q >= 0`: the leading 128 bits of 5^q, truncated: `⌊5^q / 2^(z − 128)⌋` (a left shift
    ///   when `z < 128`, exact up to `q = 55`).
    /// - `-27 <= q < 0`: `⌊2^(z + 127) / 5^-q⌋ + 1`, that is `1 / 5^-q` scaled into
    ///   `[2^127, 2^128)` and rounded up (never exact).
    /// - `q < -27`: the paper's definition (its appendix B) is the leading 128 bits of
    ///   `⌊2^(2z + 128) / 5^-q⌋ + 1`, truncated. The added one never reaches the kept bits (the
    ///   `z + 1` dropped bits would all have to be ones, i.e. `2^(z+1) (5^-q − r) <= 5^-q` for the
    ///   remainder `r < 5^-q` of `2^(z+127)`, but `2^(z+1) > 5^-q`), so this is
    ///   `⌊2^(z + 127) / 5^-q⌋`: `1 / 5^-q` scaled and truncated.
    ///
    /// Either way `T` is within one unit of the exact scaled `5^q`, all ``eiselLemire(_:_:)``
    /// relies on. Computed at first use (well under a millisecond in a release build): the
    /// positive powers by multiplying by 5; the negative ones as the leading 128 bits of
    /// `⌊2^1024 / 5^k⌋`, one short division by 5 per `k` (`⌊⌊x⌋ / 5⌋ = ⌊x / 5⌋`), which for
    /// `1024 >= z + 127` are `⌊2^(z + 127) / 5^k⌋`.
    static let powersOfFive: [PowerOfFive] = makePowersOfFive()

    /// Builds ``powersOfFive`` (see there).
    static func makePowersOfFive() -> [PowerOfFive] {
        var table: [PowerOfFive] = []
        table.reserveCapacity(largestPowerOfFive - smallestPowerOfFive + 1)
        let scale = 1024                                    // >= z + 127 = 922 for 5^342
        var reciprocal = Natural(powerOfTwo: scale)         // ⌊2^1024 / 5^k⌋
        for k in 1 ... -smallestPowerOfFive {
            reciprocal.divide(by: 5)
            var (high, low) = reciprocal.leading128
            if k <= 27 {
                let (sum, carry) = low.addingReportingOverflow(1)
                low = sum
                high &+= carry ? 1 : 0
            }
            // 5^-k ≈ T × 2^-(z + 127), and z = 1024 + 1 − bitWidth
            let exponent = reciprocal.bitWidth - scale - 128 - k
            table.append(PowerOfFive(high: high, low: low, exponent: Int32(exponent), isExact: false))
        }
        table.reverse()
        var power = Natural(1)                              // 5^q
        for q in 0 ... largestPowerOfFive {
            let (high, low) = power.leading128
            let width = power.bitWidth
            table.append(PowerOfFive(high: high, low: low, exponent: Int32(width - 128 + q), isExact: width <= 128))
            power.multiply(by: 5)
        }
        return table
    }
}

/// A natural number of any size, just enough to compute the powers of five.
private struct Natural {
    /// 64-bit limbs, least significant first.
    var limbs: [UInt64]

    init(_ x: UInt64) { limbs = [x] }

    init(powerOfTwo n: Int) {
        limbs = [UInt64](repeating: 0, count: n / 64 + 1)
        limbs[n / 64] = 1 << UInt64(n % 64)
    }

    /// The position of the top bit plus one (0 for zero).
    var bitWidth: Int {
        guard let i = limbs.lastIndex(where: { $0 != 0 }) else { return 0 }
        return 64 * i + 64 - limbs[i].leadingZeroBitCount
    }

    mutating func multiply(by m: UInt64) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let product = limbs[i].multipliedFullWidth(by: m)
            let (sum, overflow) = product.low.addingReportingOverflow(carry)
            limbs[i] = sum
            carry = product.high + (overflow ? 1 : 0)
        }
        if carry != 0 { limbs.append(carry) }
    }

    /// Divides by `d` in place, rounding down.
    mutating func divide(by d: UInt64) {
        var remainder: UInt64 = 0
        for i in limbs.indices.reversed() {
            (limbs[i], remainder) = d.dividingFullWidth((high: remainder, low: limbs[i]))
        }
        while limbs.count > 1 && limbs[limbs.count - 1] == 0 { limbs.removeLast() }
    }

    /// Bits `s ..< s + 64` as one word; bits below 0 read as zeros.
    func word(at s: Int) -> UInt64 {
        func limb(_ i: Int) -> UInt64 { i < limbs.count ? limbs[i] : 0 }
        if s < 0 { return s <= -64 ? 0 : limb(0) << UInt64(-s) }
        let (i, r) = s.quotientAndRemainder(dividingBy: 64)
        return r == 0 ? limb(i) : limb(i) >> UInt64(r) | limb(i + 1) << UInt64(64 - r)
    }

    /// The leading 128 bits, `⌊self / 2^(bitWidth − 128)⌋` (shifted left when narrower).
    var leading128: (high: UInt64, low: UInt64) {
        let s = bitWidth - 128
        return (word(at: s + 64), word(at: s))
    }
}

// MARK: - Benchmark

/// Number cells parsed as the CSV reader parses them, against the parser before Eisel-Lemire
/// (`ggmwatch bench`).
@_spi(Benchmark)
public enum NumberParsingBenchmark {
    /// The numbers of `text`'s newline-separated cells (`nan` for a cell that is not a number).
    /// With `strtodBaseline`, every number that misses Clinger's fast path goes to `strtod`, as
    /// before Eisel-Lemire.
    public static func parseLines(_ text: [UInt8], strtodBaseline: Bool) -> [Double] {
        var values: [Double] = []
        text.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                let cell = strtodBaseline
                    ? NumberParser.parseWithStrtod(base + start, count: end - start)
                    : NumberParser.parse(base + start, count: end - start)
                if case .number(let x) = cell { values.append(x) } else { values.append(.nan) }
                start = end + 1
            }
        }
        return values
    }
}
