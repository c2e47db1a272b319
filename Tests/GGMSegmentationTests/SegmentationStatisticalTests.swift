import Foundation
import GGMCore
import GGMEvaluation
import GGMSimulation
import Testing
@testable import GGMSegmentation

/// Whether the heavy statistical suites run: in optimized builds (`swift test -c release`, as
/// `.ci/run` does) or when `GGMWATCH_HEAVY_TESTS=1`.
enum Heavy {
    static var enabled: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["GGMWATCH_HEAVY_TESTS"] == "1"
        #else
        return true
        #endif
    }
    static let reason: Comment = "heavy statistical suite: runs in release (swift test -c release, see .ci/run) or with GGMWATCH_HEAVY_TESTS=1"
}

/// Seeded replicates of the claims in docs/RESULTS.md, "Offline segmentation".
@Suite(.enabled(if: Heavy.enabled, Heavy.reason))
struct SegmentationStatisticalTests {
    @Test("segments shorter than p: mean adjusted Rand index >= 0.95 over 20 streams (p = 60, segments 120, 50, 130)")
    func adjustedRandIndex() throws {
        var aris: [Double] = []
        for seed in UInt64(1)...20 {
            let (x, truth) = try simulated(p: 60, segments: [120, 50, 130], seed: seed)
            let result = try Segmenter(settings: SegmentationSettings(bootstrapReplicates: 0)).segment(x)
            aris.append(SegmentationAgreement.adjustedRandIndex(result.changePoints, truth, rows: x.rows))
        }
        let mean = aris.reduce(0, +) / Double(aris.count)
        let sd = (aris.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(aris.count - 1)).squareRoot()
        // The goal is 0.95; the test fails only when the mean is below it by more than 2 standard errors.
        #expect(mean >= 0.95 - 2 * sd / Double(aris.count).squareRoot(), "mean ARI \(mean), sd \(sd), \(aris)")
    }

    @Test("the 90% bootstrap interval covers the true change in 0.9 +- 3 se of the detected changes (30 streams, a local change)")
    func coverage() throws {
        var covered = 0, detected = 0
        for seed in UInt64(1)...30 {
            let (x, truth) = try simulated(p: 50, segments: [300, 300], change: .flipEdges, seed: seed)
            let result = try Segmenter(settings: SegmentationSettings(seed: seed)).segment(x)
            guard let c = result.changes.min(by: { abs($0.index - truth[0]) < abs($1.index - truth[0]) }),
                  abs(c.index - truth[0]) <= 20, let interval = c.interval else { continue }
            detected += 1
            if interval.contains(truth[0]) { covered += 1 }
        }
        #expect(detected >= 20, "\(detected) of 30 detected")
        let rate = Double(covered) / Double(max(detected, 1))
        let se = (0.9 * 0.1 / Double(max(detected, 1))).squareRoot()
        #expect(abs(rate - 0.9) <= 3 * se, "coverage \(rate) over \(detected) detected changes (se \(se))")
    }

    @Test("no change in 40 null streams (p = 5, 10, 20 and 50; 10 each)")
    func nullStreams() throws {
        var found: [Int: Int] = [:]
        for p in [5, 10, 20, 50] {
            for seed in UInt64(1)...10 {
                let (x, _) = try simulated(p: p, segments: [400], seed: 100 + seed)
                found[p, default: 0] += try Segmenter(settings: SegmentationSettings(bootstrapReplicates: 0)).segment(x).changePoints.count
            }
        }
        // Measured 0 in 80 null streams (docs/RESULTS.md); allow one.
        #expect(found.values.reduce(0, +) <= 1, "\(found)")
    }
}
