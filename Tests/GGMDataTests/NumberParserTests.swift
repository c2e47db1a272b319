#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@_spi(Benchmark) @testable import GGMData

/// The number parser against the C library's `strtod`, bit for bit (signed zeros included), on
/// the forms programs write, random decimals, ties and near-ties, and the extremes; and the
/// table of powers of five against its definition.
@Suite struct NumberParserTests {
    // MARK: Helpers

    /// The cell's value, as the CSV reader parses it.
    static func parsed(_ text: String) -> CellValue {
        var text = text
        return text.withUTF8 { NumberParser.parse($0.baseAddress!, count: $0.count) }
    }

    /// Whether the parser gives `strtod`'s double (an infinity as `.nonFinite`).
    static func agreesWithStrtod(_ text: String) -> Bool {
        let expected = strtod(text, nil)
        switch parsed(text) {
        case .number(let x): return x.bitPattern == expected.bitPattern
        case .nonFinite: return expected.isInfinite
        default: return false
        }
    }

    /// Whether the parser gives `strtod`'s double for the `count` bytes at `text` (NUL-terminated).
    static func agreesWithStrtod(_ text: UnsafePointer<CChar>, count: Int) -> Bool {
        let expected = strtod(text, nil)
        let cell = UnsafeRawPointer(text).withMemoryRebound(to: UInt8.self, capacity: count) {
            NumberParser.parse($0, count: count)
        }
        switch cell {
        case .number(let x): return x.bitPattern == expected.bitPattern
        case .nonFinite: return expected.isInfinite
        default: return false
        }
    }

    /// The texts the parser reads differently from `strtod` (the first few, for the message).
    static func disagreements(_ texts: [String]) -> [String] {
        var out: [String] = []
        for text in texts where !agreesWithStrtod(text) {
            out.append(text)
            if out.count == 10 { break }
        }
        return out
    }

    /// A finite double from random bits: every magnitude, subnormals included, either sign.
    static func randomFinite(_ rng: inout SplitMix64) -> Double {
        while true {
            let x = Double(bitPattern: rng.next())
            if x.isFinite { return x }
        }
    }

    // MARK: The forms programs write

    /// 200,000 random doubles (four parts of 50,000, run in parallel) in Swift's shortest form,
    /// `%.17g` and NumPy's `%.18e`. The 19-digit significands of `%.18e` are moreover all decided
    /// by the product, without `strtod`.
    @Test(arguments: 0..<4) func randomDoublesInTheFormsProgramsWrite(part: Int) {
        var rng = SplitMix64(seed: 0x5EED_0001 &+ UInt64(part))
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var bad: [String] = [], undecided: [String] = []
        for _ in 0..<50_000 {
            let x = Self.randomFinite(&rng)
            "\(x)".withCString { text in
                if !Self.agreesWithStrtod(text, count: strlen(text)) { bad.append(String(cString: text)) }
            }
            for format in ["%.17g", "%.18e"] {
                let count = Int(withVaList([x]) { vsnprintf(buffer, 64, format, $0) })
                if !Self.agreesWithStrtod(buffer, count: count) { bad.append(String(cString: buffer)) }
            }
            // [-]d.dddddddddddddddddde[+-]xx: w is the 19 digits, q the exponent less 18.
            var w: UInt64 = 0, k = x.sign == .minus ? 1 : 0
            while buffer[k] != CChar(UInt8(ascii: "e")) {
                if buffer[k] != CChar(UInt8(ascii: ".")) { w = w * 10 + UInt64(buffer[k] - CChar(UInt8(ascii: "0"))) }
                k += 1
            }
            let q = Int(strtol(buffer + k + 1, nil, 10)) - 18
            if w != 0 && NumberParser.eiselLemire(w, q) == nil { undecided.append(String(cString: buffer)) }
        }
        #expect(bad.isEmpty, "disagree with strtod: \(bad.prefix(10))")
        #expect(undecided.isEmpty, "left to strtod: \(undecided.prefix(10))")
    }

    /// The benchmark's baseline (`strtod` off Clinger's path) reads numbers as the parser does.
    @Test func strtodBaselineAgrees() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<2_000 {
            var text = "\(rng.normal())"
            let fast = text.withUTF8 { NumberParser.parse($0.baseAddress!, count: $0.count) }
            let slow = text.withUTF8 { NumberParser.parseWithStrtod($0.baseAddress!, count: $0.count) }
            #expect(fast == slow, "\(text)")
        }
        let lines = Array("0.1\n-2.5e-300\n17\n\nx\n1.7976931348623157e308\n".utf8)
        let fast = NumberParsingBenchmark.parseLines(lines, strtodBaseline: false)
        let slow = NumberParsingBenchmark.parseLines(lines, strtodBaseline: true)
        #expect(fast.count == 6 && fast.map(\.bitPattern) == slow.map(\.bitPattern))
        #expect(fast[0] == 0.1 && fast[3].isNaN && fast[4].isNaN)
    }

    // MARK: Random decimals

    /// Random decimals of 1 to 19 significant digits (and some of 20 to 25), exponents from
    /// -350 to 320, with and without a sign, leading zeros, the point anywhere or absent.
    @Test func randomDecimals() {
        var rng = SplitMix64(seed: 0x5EED_0004)
        var bad: [String] = []
        for n in 0..<50_000 {
            let digits = n % 6 == 5 ? Int.random(in: 20...25, using: &rng) : Int.random(in: 1...19, using: &rng)
            var body: [UInt8] = [UInt8(ascii: "0") + UInt8.random(in: 1...9, using: &rng)]
            for _ in 1..<digits { body.append(UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &rng)) }
            if rng.next() % 4 == 0 {
                body.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: Int.random(in: 1...3, using: &rng)), at: 0)
            }
            let point = Int.random(in: 0...(body.count + 2), using: &rng)
            if point <= body.count { body.insert(UInt8(ascii: "."), at: point) }
            var text = ["", "-", "+"][Int(rng.next() % 3)] + String(decoding: body, as: UTF8.self)
            let exponent = Int.random(in: -350...320, using: &rng)
            switch rng.next() % 4 {
            case 0: text += "e\(exponent)"
            case 1: text += "E\(exponent)"
            case 2: text += exponent < 0 ? "e\(exponent)" : "e+\(exponent)"
            default: if exponent.magnitude > 30 { text += "e\(exponent)" }    // else no exponent
            }
            if !Self.agreesWithStrtod(text) { bad.append(text) }
        }
        #expect(bad.isEmpty, "disagree with strtod: \(bad.prefix(10))")
    }

    // MARK: Ties and near-ties

    /// Exact midpoints between adjacent doubles, written in few digits (`2^k × odd`), and their
    /// neighbours one unit of the last digit away.
    @Test func shortTies() {
        var rng = SplitMix64(seed: 0x5EED_0005)
        var texts: [String] = ["9007199254740993", "9007199254740995", "9.007199254740993e15", "18014398509481985e0",
                               "4503599627370496.5", "4503599627370497.5", "2251799813685248.25", "2251799813685248.75"]
        /// `w × 10^q` as digits and exponent, with the point after the first digit, and one unit
        /// of `w` below and above.
        func add(_ w: UInt64, _ q: Int) {
            let digits = String(w)
            texts.append("\(digits)e\(q)")
            texts.append("\(digits.prefix(1)).\(digits.dropFirst())e\(q + digits.count - 1)")
            texts.append("\(w - 1)e\(q)")
            if w < .max { texts.append("\(w + 1)e\(q)") }
        }
        for _ in 0..<400 {
            // (2m + 1) 2^i, m in [2^52, 2^53): integers up to 2^64 (i >= 0); (2m + 1) 5^-i × 10^i below (i < 0).
            let odd = (UInt64.random(in: (1 << 52)..<(1 << 53), using: &rng) << 1) | 1
            let i = Int.random(in: -4...10, using: &rng)
            if i >= 0 {
                add(odd << UInt64(i), 0)
            } else {
                var w = odd
                for _ in 0 ..< -i { w *= 5 }
                add(w, i)
            }
            // o × 5^t × 2^j with o × 5^t odd in (2^53, 2^54): few digits at large and small exponents.
            let t = Int.random(in: 0...22, using: &rng)
            var five: UInt64 = 1
            for _ in 0..<t { five *= 5 }
            let o = UInt64.random(in: ((1 << 53) / five + 1)...((1 << 54) / five), using: &rng) | 1
            guard o * five > 1 << 53, o * five < 1 << 54 else { continue }
            // M = o 5^t 2^j: (o 2^(j - t)) 10^t when j >= t, else (o 5^(t - j)) 10^j.
            let j = Int.random(in: -3...60, using: &rng)
            if j >= t {
                if j - t < o.leadingZeroBitCount { add(o << UInt64(j - t), t) }
            } else {
                var w: UInt64? = o
                for _ in 0..<(t - j) { w = w.flatMap { x in let (p, overflow) = x.multipliedReportingOverflow(by: 5); return overflow ? nil : p } }
                if let w { add(w, j) }
            }
        }
        let bad = Self.disagreements(texts)
        #expect(bad.isEmpty, "disagree with strtod: \(bad)")
    }

    /// Exact decimal midpoints of random adjacent doubles (up to hundreds of digits, subnormals
    /// included), cut to 17-25 digits, the cut plus one unit, and the midpoint plus a tiny tail.
    @Test func longTiesAndNearTies() {
        var rng = SplitMix64(seed: 0x5EED_0006)
        var texts: [String] = []
        for _ in 0..<300 {
            let x = Self.randomFinite(&rng).magnitude
            guard x.nextUp.isFinite else { continue }
            // The midpoint (2m + 1) 2^(e - 1) of x = m 2^e and its successor.
            let m = x.significandBitPattern | (x.exponentBitPattern == 0 ? 0 : 1 << 52)
            let e = x.exponentBitPattern == 0 ? -1074 : Int(x.exponentBitPattern) - 1075
            let (digits, exponent) = DecimalDigits.exact(odd: 2 * m + 1, timesPowerOfTwo: e - 1)
            texts.append("\(digits)e\(exponent)")
            texts.append("\(digits)000001e\(exponent - 6)")
            for cut in [17, 18, 19, 20, 25] where digits.count > cut {
                let head = String(digits.prefix(cut)), scale = exponent + digits.count - cut
                texts.append("\(head)e\(scale)")
                texts.append("\(DecimalDigits.increment(head))e\(scale)")
                texts.append("0.\(head)e\(scale + cut)")
            }
        }
        let bad = Self.disagreements(texts)
        #expect(bad.isEmpty, "disagree with strtod: \(bad)")
    }

    // MARK: Extremes

    @Test func extremesAndHandPickedCases() {
        let texts = [
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1.797693134862315807e308",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791",
            "1.8e308", "1e309", "1e400", "-1.8e308", "2.2250738585072014e-308", "2.2250738585072011e-308",
            "2.2250738585072012e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
            "4.9406564584124654e-324", "4.9406564584124654417656879286822137236505980e-324", "2.4703282292062327e-324",
            "2.4703282292062328e-324", "2.47032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996189898282347722858865463328355177969898199387398005390939063150356595155702263922908583924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037063119282795585513329278343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378573934507363390079677619305775067401763246736009689513405355374585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249126236538818796362393732804238910186723484976682350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854513962138377228261454376934125320985913276672363281255e-324",
            "5e-324", "3e-324", "2e-324", "1e-324", "1e-400", "-1e-400", "0e-400", "-0", "-0.0", "-0e10", "0.000e999",
            "9007199254740993", "9007199254740992.9999999999999999999", "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
            "0.1", "0.30000000000000004", "1e23", "8.98846567431158e307", "123456789012345678901234567890",
            "18446744073709551615", "18446744073709551616", "99999999999999999999", "10000000000000000000e-19",
            "1.500000000000000000e+00", "3.000000000000000000e+00", "-2.500000000000000000e-01", "7.450580596923828125e-09",
            "1.000000000000000000e-05", "0.00000000000000000000000000000000000000012345678901234567891234",
            "  1.2345678901234567e-200\t", "+1.2345678901234567e+200", "12345678901234567890123456789e-330",
        ]
        let bad = Self.disagreements(texts)
        #expect(bad.isEmpty, "disagree with strtod: \(bad)")
        #expect(Self.parsed("1.8e308") == .nonFinite && Self.parsed("-1e309") == .nonFinite)
        #expect(Self.parsed("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
        #expect(Self.parsed("1.7976931348623158e308") == .number(.greatestFiniteMagnitude))
        #expect(Self.parsed("2.2250738585072014e-308") == .number(.leastNormalMagnitude))
        #expect(Self.parsed("4.9406564584124654e-324") == .number(.leastNonzeroMagnitude))
        #expect(Self.parsed("2.4703282292062327e-324") == .number(0))
        #expect(Self.parsed("2.4703282292062328e-324") == .number(.leastNonzeroMagnitude))
        if case .number(let z) = Self.parsed("-1e-400") { #expect(z.bitPattern == (-0.0).bitPattern) } else { Issue.record("-1e-400") }
    }

    // MARK: The table

    /// Every entry of the powers of five against the paper's definition, checked by products
    /// and comparisons (the table is built by short divisions): `2^127 <= T < 2^128`;
    /// `q >= 0`: `T = ⌊5^q / 2^s⌋` (`s = z − 128`, a left shift when negative);
    /// `-27 <= q < 0`: `T = ⌊2^(z+127) / 5^-q⌋ + 1`; `q < -27`: `T` is the leading 128 bits of
    /// `⌊2^(2z+128) / 5^-q⌋ + 1` (`z` the bit width of `5^|q|`), and the exponents.
    @Test func powersOfFiveMatchTheirDefinition() {
        let table = NumberParser.powersOfFive
        #expect(table.count == 651)
        var fives = [Big(limbs: [1])]                      // 5^k
        for _ in 0 ..< -NumberParser.smallestPowerOfFive { fives.append(fives[fives.count - 1] * Big(limbs: [5])) }
        var failures: [Int] = []
        for (index, entry) in table.enumerated() {
            let q = index + NumberParser.smallestPowerOfFive
            let t = Big(high: entry.high, low: entry.low)
            let five = fives[Int(q.magnitude)]
            let z = five.bitWidth
            var ok = entry.high >> 63 == 1
            if q >= 0 {
                let s = z - 128
                if s <= 0 {
                    ok = ok && t == five.shifted(-s) && entry.isExact
                } else {
                    ok = ok && t.shifted(s) <= five && five < (t + 1).shifted(s) && !entry.isExact
                }
                ok = ok && Int(entry.exponent) == s + q
            } else {
                if q >= -27 {
                    let two = Big(limbs: [1]).shifted(z + 127)
                    ok = ok && (t - 1) * five < two && two < t * five
                } else {
                    // ⌊(F + 1) / 2^(z+1)⌋ = T with F = ⌊2^b / 5^k⌋, b = 2z + 128: T 2^(z+1) - 1 <= F <= (T + 1) 2^(z+1) - 2.
                    let two = Big(limbs: [1]).shifted(2 * z + 128)
                    ok = ok && (t.shifted(z + 1) - 1) * five <= two && two < ((t + 1).shifted(z + 1) - 1) * five
                }
                ok = ok && Int(entry.exponent) == -(z + 127) + q && !entry.isExact
            }
            if !ok { failures.append(q) }
        }
        #expect(failures.isEmpty, "entries off their definition: \(failures.prefix(10))")
    }

    /// Building the table is cheap (about 0.03 ms in a release build; the bound is for debug
    /// builds on a loaded machine).
    @Test func powersOfFiveAreQuickToBuild() {
        let clock = ContinuousClock()
        var table: [NumberParser.PowerOfFive] = []
        let elapsed = clock.measure { table = NumberParser.makePowersOfFive() }
        #expect(table.count == 651)
        #expect(elapsed < .milliseconds(200), "\(elapsed)")
    }
}

// MARK: - Test arithmetic

/// Exact decimal digits of dyadic numbers, in base-10^9 limbs.
private enum DecimalDigits {
    /// `odd × 2^k` as decimal digits (no leading or trailing zeros) and a power of ten.
    static func exact(odd: UInt64, timesPowerOfTwo k: Int) -> (digits: String, exponent: Int) {
        var limbs: [UInt64] = [odd % 1_000_000_000, odd / 1_000_000_000 % 1_000_000_000, odd / 1_000_000_000_000_000_000]
        func multiply(by m: UInt64) {              // m < 2^32, limbs < 10^9: no overflow
            var carry: UInt64 = 0
            for i in limbs.indices {
                let p = limbs[i] * m + carry
                limbs[i] = p % 1_000_000_000
                carry = p / 1_000_000_000
            }
            while carry > 0 { limbs.append(carry % 1_000_000_000); carry /= 1_000_000_000 }
        }
        // 2^k = 10^k / 5^k for k < 0
        var remaining = k.magnitude
        while remaining > 0 {
            let step = min(remaining, k >= 0 ? 30 : 13)
            multiply(by: k >= 0 ? 1 << UInt64(step) : (0..<step).reduce(1) { r, _ in r * 5 })
            remaining -= step
        }
        while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() }
        var text = String(limbs.last!)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            text += String(repeating: "0", count: 9 - part.count) + part
        }
        let trimmed = text.reversed().drop { $0 == "0" }.reversed()
        return (String(trimmed), (k >= 0 ? 0 : k) + text.count - trimmed.count)
    }

    /// A digit string plus one unit in its last place (`"199"` -> `"200"`, `"99"` -> `"100"`).
    static func increment(_ digits: String) -> String {
        var bytes = Array(digits.utf8)
        var i = bytes.count - 1
        while i >= 0 && bytes[i] == UInt8(ascii: "9") { bytes[i] = UInt8(ascii: "0"); i -= 1 }
        if i >= 0 { bytes[i] += 1 } else { bytes.insert(UInt8(ascii: "1"), at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A natural number of any size (64-bit limbs, least significant first), for the table's check.
private struct Big: Comparable {
    var limbs: [UInt64]

    init(limbs: [UInt64]) {
        self.limbs = limbs
        while self.limbs.count > 1 && self.limbs.last == 0 { self.limbs.removeLast() }
    }

    init(high: UInt64, low: UInt64) { self.init(limbs: [low, high]) }

    var bitWidth: Int { 64 * limbs.count - limbs.last!.leadingZeroBitCount }

    /// `self × 2^s` (`s >= 0`).
    func shifted(_ s: Int) -> Big {
        var out = [UInt64](repeating: 0, count: s / 64) + limbs + [0]
        let r = UInt64(s % 64)
        if r > 0 {
            for i in stride(from: out.count - 1, to: s / 64, by: -1) { out[i] = out[i] << r | out[i - 1] >> (64 - r) }
            out[s / 64] <<= r
        }
        return Big(limbs: out)
    }

    static func * (a: Big, b: Big) -> Big {
        var out = [UInt64](repeating: 0, count: a.limbs.count + b.limbs.count)
        for (i, x) in a.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, y) in b.limbs.enumerated() {
                let p = x.multipliedFullWidth(by: y)
                let (s1, o1) = out[i + j].addingReportingOverflow(p.low)
                let (s2, o2) = s1.addingReportingOverflow(carry)
                out[i + j] = s2
                carry = p.high + (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
            out[i + b.limbs.count] = carry
        }
        return Big(limbs: out)
    }

    static func + (a: Big, n: UInt64) -> Big {
        var out = a.limbs + [0]
        var carry = n, i = 0
        while carry > 0 { let (s, o) = out[i].addingReportingOverflow(carry); out[i] = s; carry = o ? 1 : 0; i += 1 }
        return Big(limbs: out)
    }

    /// `a − n` (`a >= n`).
    static func - (a: Big, n: UInt64) -> Big {
        var out = a.limbs
        var borrow = n, i = 0
        while borrow > 0 { let (s, o) = out[i].subtractingReportingOverflow(borrow); out[i] = s; borrow = o ? 1 : 0; i += 1 }
        return Big(limbs: out)
    }

    static func < (a: Big, b: Big) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for i in a.limbs.indices.reversed() where a.limbs[i] != b.limbs[i] { return a.limbs[i] < b.limbs[i] }
        return false
    }
}
