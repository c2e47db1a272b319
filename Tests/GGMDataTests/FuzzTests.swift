import Foundation
import Testing
import GGMCore
@testable import GGMData

/// A seeded generator of malformed CSV files (thousands of cases): the reader never crashes,
/// never hangs, never yields a non-finite value, and every error it throws is located.
@Suite(.temporaryFiles) struct CSVFuzzTests {
    static let valid = "time,a,b,c\n2020-01-01,1.5,2.25,-3\n2020-01-02,0.5,1,2\n2020-01-03,-1,0.125,4\n2020-01-04,2,3,1e-3\n"
    static let tokens = ["", ",", ";", "\t", "\r", "\r\n", "\n", "\"", "\"\"", "NA", "nan", "NaN", "inf", "-inf", "1e400",
                         "-1e-400", "0x1p3", "1,5", "1.2.3", "--1", "+", "e5", "\u{FEFF}", "\u{0}", "é", "12345678901234567890123",
                         " 1 ", "#", "1e", ".", "-", "TRUE", "2020-13-45", "\"a,b\"", "\"unterminated"]

    /// A mutation of the valid file: characters deleted, tokens inserted or lines duplicated, cut or swapped.
    static func mutate(_ text: String, using rng: inout SeededGenerator) -> String {
        var chars = Array(text)
        let edits = 1 + Int(rng.next() % 6)
        for _ in 0..<edits {
            let position = chars.isEmpty ? 0 : Int(rng.next() % UInt64(chars.count + 1))
            switch rng.next() % 5 {
            case 0 where !chars.isEmpty:
                chars.remove(at: min(position, chars.count - 1))
            case 1, 2:
                chars.insert(contentsOf: Array(tokens[Int(rng.next() % UInt64(tokens.count))]), at: position)
            case 3:
                chars = Array(chars.prefix(position))
            default:
                let lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false)
                guard lines.count > 1 else { continue }
                let i = Int(rng.next() % UInt64(lines.count))
                chars = Array((lines + [lines[i]]).joined(separator: "\n"))
            }
        }
        return String(chars)
    }

    @Test func malformedFilesGiveLocatedErrorsOrFiniteRows() throws {
        var rng = SeededGenerator(seed: 2026)
        let policies: [MissingValuePolicy] = [.error, .skipRow, .previous]
        var errors = 0, successes = 0
        for case_ in 0..<3000 {
            let text = Self.mutate(Self.valid, using: &rng)
            let path = temporaryCSV(text, name: "fuzz")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let policy = policies[case_ % policies.count]
            do {
                let reader = try ObservationReader(path: path, options: CSVReadOptions(missing: policy))
                let rows = try drain(reader)
                for row in rows {
                    #expect(row.values.count == reader.names.count, "case \(case_): \(text.debugDescription)")
                    let finite = row.values.allSatisfy { $0.isFinite }
                    #expect(finite, "case \(case_): \(text.debugDescription)")
                }
                successes += 1
            } catch {
                errors += 1
                let message = error.description
                #expect(!message.isEmpty && (message.contains("line") || message.contains("no data") || message.contains("column")
                                             || message.contains("empty") || message.contains("header")),
                        "case \(case_): \(message) for \(text.debugDescription)")
            }
        }
        #expect(errors > 300 && successes > 300, "the generator exercises both outcomes (\(errors) errors, \(successes) reads)")
    }
}
