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
/// with at least one digit, optional spaces. When the significand has at most 19 digits
/// and fits in 53 bits and the decimal exponent is within +-22, the value is computed as
/// one correctly rounded product or quotient of two exact doubles (Clinger's fast path,
/// W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990); other
/// numbers (long or extreme) go to the C library's `strtod`, which rounds correctly too.
enum NumberParser {
    private static let powersOfTen: [Double] = (0...22).map { e in
        var x = 1.0
        for _ in 0..<e { x *= 10 }
        return x
    }

    /// Parses `count` bytes at `start`.
    static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> CellValue {
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
