import Foundation
import Testing
import GGMCore
import GGMEstimation
import GGMSimulation
@testable import GGMDetection

@Suite struct MonitorResumeTests {
    /// Saving the whole monitor as JSON and resuming gives exactly the alarms and trace of the
    /// uninterrupted run, wherever the cut falls: inside the first burn-in, inside a filling
    /// window, in the monitoring phase, inside a burn-in after an alarm.
    @Test(arguments: [37, 230, 290, 611, 1000])
    func savedAndResumedRunEqualsUninterruptedRun(cut: Int) throws {
        let simulation = try StreamSimulation(p: 15, segmentLengths: [500, 500, 400], graph: .random, change: .global, seed: 11)
        let rows = try simulation.generate().observations.rowArrays
        let configuration = MonitorConfiguration(burnIn: 200, window: 30, refitEvery: 25, detector: .combined,
                                                 thresholds: .fixed(global: 4, local: 6))
        var whole = try OnlineMonitor(dimension: 15, configuration: configuration)
        var expected = RunRecord()
        try feed(&whole, rows[...], into: &expected)
        #expect(!expected.alarms.isEmpty, "the scenario should raise alarms")

        var first = try OnlineMonitor(dimension: 15, configuration: configuration)
        var got = RunRecord()
        try feed(&first, rows[..<cut], into: &got)
        let saved = try JSONEncoder().encode(first)
        var resumed = try JSONDecoder().decode(OnlineMonitor.self, from: saved)
        try feed(&resumed, rows[cut...], into: &got)
        #expect(got == expected)
        #expect(resumed.observationCount == rows.count)
    }

    /// JSON round trip of doubles is exact (the resume guarantee rests on it).
    @Test func jsonRoundTripsDoublesExactly() throws {
        var rng = SeededGenerator(seed: 1)
        let values = (0..<10_000).map { _ in rng.nextStandardNormal() * pow(10, Double(Int(rng.next() % 40)) - 20) }
        let decoded = try JSONDecoder().decode([Double].self, from: JSONEncoder().encode(values))
        #expect(decoded == values)
    }
}

@Suite struct MonitorBehaviourTests {
    @Test func rejectsObservationsOfTheWrongLengthOrNonFinite() throws {
        var monitor = try OnlineMonitor(dimension: 3, configuration: MonitorConfiguration(burnIn: 10, window: 5))
        #expect(throws: MonitorError.dimensionMismatch(index: 0, expected: 3, found: 2)) { try monitor.update([1, 2]) }
        #expect(throws: MonitorError.nonFiniteValue(index: 0, node: 1)) { try monitor.update([1, .nan, 2]) }
        #expect(monitor.observationCount == 0)
    }

    @Test func rejectsInvalidSettings() {
        #expect(throws: MonitorError.self) { try OnlineMonitor(dimension: 3, configuration: MonitorConfiguration(window: 1)) }
        #expect(throws: MonitorError.self) { try OnlineMonitor(dimension: 3, configuration: MonitorConfiguration(burnIn: 1)) }
        #expect(throws: MonitorError.self) {
            try OnlineMonitor(dimension: 3, configuration: MonitorConfiguration(thresholds: .nominal(alpha: 1.5)))
        }
    }

    /// A constant node in the burn-in cannot give a reference: a clear error, not NaNs.
    @Test func constantNodeInBurnInIsAClearError() throws {
        var monitor = try OnlineMonitor(dimension: 3, configuration: MonitorConfiguration(burnIn: 20, window: 5))
        var rng = SeededGenerator(seed: 2)
        var thrown: MonitorError?
        do {
            for _ in 0..<20 { _ = try monitor.update([rng.nextStandardNormal(), 4.0, rng.nextStandardNormal()]) }
        } catch {
            thrown = error
        }
        guard case let .referenceFitFailed(start, index, reason) = thrown else {
            Issue.record("expected a reference fit failure, got \(String(describing: thrown))"); return
        }
        #expect(start == 0 && index == 19)
        #expect(!reason.isEmpty)
    }

    /// The refit uses all data since the segment start except the current window: after the
    /// burn-in of N and k refits, the reference sample size is N + k B - ... exactly the
    /// observations that have left the window.
    @Test func refitsExcludeTheCurrentWindow() throws {
        let p = 6, n = 100, w = 20, b = 10
        var monitor = try OnlineMonitor(dimension: p, configuration: MonitorConfiguration(
            burnIn: n, window: w, refitEvery: b, detector: .global, thresholds: .none))
        var rng = SeededGenerator(seed: 5)
        let rows = gaussianRows(n + w + 3 * b, precision: bandedPrecision(p), rng: &rng)
        var refits: [(Int, Int)] = []
        for x in rows {
            let step = try monitor.update(x)
            if step.refitted { refits.append((step.index, monitor.reference?.sampleSize ?? -1)) }
        }
        // Burn-in fit after observation n - 1 on n observations; then the window fills (w steps),
        // the first full window is the first quiet step, and a refit follows every b quiet steps.
        #expect(refits.map(\.0) == [n - 1, n + w - 1 + b - 1, n + w - 1 + 2 * b - 1, n + w - 1 + 3 * b - 1])
        for (index, size) in refits.dropFirst() {
            #expect(size == index + 1 - w, "reference at \(index) should use the \(index + 1 - w) observations before the window")
        }
    }
}

@Suite struct MonitorDetectionTests {
    /// A 3-segment global-change stream (p = 100): each change alarmed within 2w observations at
    /// threshold 4 in at least 9 of 10 seeds, and few false alarms.
    ///
    /// False alarms (alarms outside every `[tau, tau + 2w)`) are bounded, so that a monitor that
    /// alarms all the time cannot pass: one that alarms on the first window after every burn-in
    /// raises 4 alarms per stream (at 1049, 2099, 3149, 4199, none in a detection interval), 40 in all.
    /// Bound: 13,423 windows are scored outside the detection intervals over the 10 streams
    /// (counted below; at least 10,000 asserted). If false alarms came at one per 5,000 scored
    /// windows (the default ARL target; with the estimated reference the null statistic is biased
    /// upward, which is why calibration exists), their number would be about Poisson(2.7), and
    /// P(Poisson(2.7) >= 8) = 0.007; so at most 7 false alarms. Measured: 1 (seed 10, at 1438; the burn-in that follows
    /// straddles the change at 1500, which is then missed).
    @Test func globalChangesAreDetectedWithinTwoWindows() throws {
        let p = 100, w = 50
        var detectedSeeds = 0
        var falseAlarms = 0
        var nullWindows = 0
        var delays: [Int] = []
        for seed in 1...10 {
            let simulation = try StreamSimulation(p: p, segmentLengths: [1500, 1500, 1500], graph: .random, change: .global, seed: UInt64(seed))
            let stream = try simulation.generate()
            let configuration = MonitorConfiguration(burnIn: 1000, window: w, refitEvery: 50, detector: .global,
                                                     thresholds: .fixed(global: 4, local: nil))
            var monitor = try OnlineMonitor(dimension: p, configuration: configuration)
            let changes = stream.truth.changePoints
            func inDetectionInterval(_ t: Int) -> Bool { changes.contains { t >= $0 && t < $0 + 2 * w } }
            var alarms: [Int] = []
            for x in stream.observations.rowArrays {
                let step = try monitor.update(x)
                if step.evaluated && !inDetectionInterval(step.index) { nullWindows += 1 }
                if let alarm = step.alarm { alarms.append(alarm.index) }
            }
            var allDetected = true
            for tau in changes {
                if let hit = alarms.first(where: { $0 >= tau && $0 < tau + 2 * w }) {
                    delays.append(hit - tau)
                } else {
                    allDetected = false
                }
            }
            falseAlarms += alarms.filter { !inDetectionInterval($0) }.count
            if allDetected { detectedSeeds += 1 } else { print("seed \(seed): alarms \(alarms), changes \(changes)") }
        }
        print("global change p=100: all changes detected in \(detectedSeeds)/10 seeds; delays \(delays.sorted()); false alarms \(falseAlarms) in \(nullWindows) windows outside the detection intervals")
        #expect(detectedSeeds >= 9)
        #expect(nullWindows >= 10_000, "the bound on false alarms assumes about 13,400 scored null windows")
        #expect(falseAlarms <= 7, "\(falseAlarms) false alarms in \(nullWindows) null windows")
    }
}
