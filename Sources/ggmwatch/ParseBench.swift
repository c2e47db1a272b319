import Foundation
import GGMCore
@_spi(Benchmark) import GGMData

/// The CSV number parser on the cells programs write (17 significant digits: pandas' `to_csv`,
/// Swift's `"\(x)"`): Eisel-Lemire against the parser before it (`strtod` for every number off
/// Clinger's fast path), in the same run.
enum ParseBench {
    static func run(_ settings: BenchSettings, log: (String) -> Void) throws -> [BenchResult] {
        [try seventeenDigitCells(settings: settings, log: log)]
    }

    /// 1,000,000 cells (100,000 with `--quick`), one per line, of standard normal draws whose
    /// shortest form has 17 significant digits (about half of the draws; the others take Clinger's
    /// path either way), parsed as the CSV reader parses cells. Both parsers give the drawn
    /// doubles bit for bit.
    static func seventeenDigitCells(settings: BenchSettings, log: (String) -> Void) throws -> BenchResult {
        let count = settings.quick ? 100_000 : 1_000_000
        var rng = SeededGenerator(seed: settings.seed &+ 17)
        var drawn: [Double] = []
        var text: [UInt8] = []
        drawn.reserveCapacity(count)
        text.reserveCapacity(count * 21)
        var draws = 0
        while drawn.count < count {
            let x = rng.nextStandardNormal()
            draws += 1
            let cell = "\(x)"
            guard significantDigits(cell) == 17 else { continue }
            drawn.append(x)
            text += cell.utf8
            text.append(UInt8(ascii: "\n"))
        }
        var fast: [Double] = [], old: [Double] = []
        let (fastTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            fast = NumberParsingBenchmark.parseLines(text, strtodBaseline: false)
        }
        let (oldTime, _) = BenchClock.time(repetitions: settings.repetitions) {
            old = NumberParsingBenchmark.parseLines(text, strtodBaseline: true)
        }
        guard fast.count == count, old.count == count,
              zip(fast, old).allSatisfy({ $0.bitPattern == $1.bitPattern }),
              zip(fast, drawn).allSatisfy({ $0.bitPattern == $1.bitPattern })
        else { throw ValidationErrorText("the number parsers disagree") }
        log("number cells: \(format(fastTime)) s for \(count), strtod off Clinger's path \(format(oldTime)) s")
        return .speedUp(name: "CSV number cells, 17 significant digits", p: 0,
                        setting: "\(count) cells of N(0, 1) draws in shortest form (\(count * 100 / draws)% of draws have 17 digits), "
                               + String(format: "%.1f MB", Double(text.count) / 1e6),
                        time: fastTime, replaced: oldTime, replacedBy: "strtod for every number off Clinger's fast path (the parser before Eisel-Lemire)",
                        notes: "the same doubles bit for bit, and the drawn ones")
    }

    /// The significant digits of a decimal number's text (leading zeros and the exponent not counted).
    static func significantDigits(_ text: String) -> Int {
        var count = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { break }
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") && (count > 0 || c != UInt8(ascii: "0")) { count += 1 }
        }
        return count
    }
}
