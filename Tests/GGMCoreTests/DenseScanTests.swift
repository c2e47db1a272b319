import Testing
@testable import GGMCore

/// ``DenseScan`` against the entry-by-entry loops it replaces, on seeded arrays of every length
/// from 0 to 40 (so each tail length after the blocks of four) with zeros of both signs, NaN and
/// infinities placed at random.
@Suite struct DenseScanTests {
    static func array(_ n: Int, rng: inout SeededGenerator, nonFinite: Bool) -> [Double] {
        (0..<n).map { _ in
            let u = rng.nextUniformOpen()
            switch u {
            case ..<0.45: return 0
            case ..<0.7: return -0.0
            case ..<0.72 where nonFinite: return [Double.nan, .infinity, -.infinity][Int(rng.next() % 3)]
            default: return rng.nextStandardNormal() * 10
            }
        }
    }

    @Test func nonzeroEntriesAreTheLoopsEntries() {
        var rng = SeededGenerator(seed: 11)
        for n in 0...40 {
            for _ in 0..<50 {
                let values = Self.array(n, rng: &rng, nonFinite: true)
                let lower = n == 0 ? 0 : Int(rng.next() % UInt64(n + 1))
                let upper = lower + (n - lower == 0 ? 0 : Int(rng.next() % UInt64(n - lower + 1)))
                var visited: [Int] = []
                values.withUnsafeBufferPointer { DenseScan.forEachNonzero($0, in: lower..<upper) { visited.append($0) } }
                #expect(visited == (lower..<upper).filter { values[$0] != 0 })
            }
        }
    }

    @Test func firstNonFiniteAndLargestMagnitudeAreTheLoops() {
        var rng = SeededGenerator(seed: 12)
        for n in 0...40 {
            for trial in 0..<50 {
                let values = Self.array(n, rng: &rng, nonFinite: trial % 2 == 0)
                let first = values.withUnsafeBufferPointer { DenseScan.firstNonFinite($0) }
                #expect(first == values.firstIndex { !$0.isFinite })
                let largest = values.withUnsafeBufferPointer { DenseScan.largestMagnitude($0) }
                #expect(largest == (first == nil ? values.reduce(0) { max($0, abs($1)) } : nil))
            }
        }
        // Large finite values whose differences would overflow if summed naively stay finite.
        let big = [Double](repeating: .greatestFiniteMagnitude, count: 9)
        #expect(big.withUnsafeBufferPointer { DenseScan.firstNonFinite($0) } == nil)
        #expect(big.withUnsafeBufferPointer { DenseScan.largestMagnitude($0) } == .greatestFiniteMagnitude)
    }

    @Test func rowBlocksCoverEveryRow() {
        for rows in [0, 1, 5, 362, 363, 1000] {
            let seen = ResultBox<Int>(rows)
            forEachRowBlock(rows) { block in for r in block { seen.set(r, r) } }
            #expect(seen.values() == Array(0..<rows))
        }
    }
}
