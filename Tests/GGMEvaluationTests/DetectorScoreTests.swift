import Foundation
import Testing
import GGMEvaluation

/// Six replicates with d_max = 10, scored by hand:
///
/// | stream | n | start | changes | alarms (estimate) | outcome | exposure |
/// |---|---|---|---|---|---|---|
/// | A | 100 | 0 | 50 | 53 (49), 58 | delay 3, loc. 1; 58 redundant | 90 |
/// | B | 100 | 0 | 30, 70 | 20, 45, 72 (70) | 20, 45 false; 30 missed; delay 2, loc. 0 | 80 |
/// | C | 100 | 0 | 40 | 49 | delay 9 | 90 |
/// | D | 200 | 0 | — | — | censored run 200 | 200 |
/// | E | 200 | 20 | — | 79, 150 | both false; run 79 - 20 + 1 = 60 | 180 |
/// | F | 50 | 0 | — | 9 | false; run 10 | 50 |
///
/// Detection 3 / 4; delays 2, 3, 9: mean 14/3, median 3, p90 (h = 1.8) 3 + 0.8 * 6 = 7.8.
/// False alarms 5 over 690 observations. ARL (200 + 60 + 10) / 2 = 135, one censored.
/// H = 100: D and E are long enough, F is not; E alarmed within 100 -> 1/2.
/// Localization errors 1, 0: median 0.5, p90 0.9.
@Suite struct DetectorScoreTests {
    static func replicates() throws -> [StreamEvaluation] {
        [
            try AlarmMatching.evaluate(changePoints: [50], alarms: [AlarmRecord(index: 53, estimatedChange: 49), AlarmRecord(index: 58)],
                                       streamLength: 100, maxDelay: 10),
            try AlarmMatching.evaluate(changePoints: [30, 70],
                                       alarms: [AlarmRecord(index: 20), AlarmRecord(index: 45), AlarmRecord(index: 72, estimatedChange: 70)],
                                       streamLength: 100, maxDelay: 10),
            try AlarmMatching.evaluate(changePoints: [40], alarmIndices: [49], streamLength: 100, maxDelay: 10),
            try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 200, maxDelay: 10),
            try AlarmMatching.evaluate(changePoints: [], alarmIndices: [79, 150], streamLength: 200, maxDelay: 10, monitoringStart: 20),
            try AlarmMatching.evaluate(changePoints: [], alarmIndices: [9], streamLength: 50, maxDelay: 10),
        ]
    }

    static func handScore() throws -> DetectorScore { try DetectorScore(evaluations: replicates(), horizon: 100) }

    @Test func handComputedScore() throws {
        let s = try Self.handScore()
        #expect(s.replicates == 6 && s.maxDelay == 10)
        #expect(s.changeCount == 4 && s.detectedCount == 3 && s.detectionRate == 0.75)
        #expect(abs(s.meanDelay! - 14.0 / 3) < 1e-12)
        #expect(s.medianDelay == 3)
        #expect(abs(s.delay90! - 7.8) < 1e-12)
        #expect(s.falseAlarmCount == 5 && s.redundantAlarmCount == 1)
        #expect(s.exposure == 690)
        #expect(abs(s.falseAlarmsPer1000! - 5000.0 / 690) < 1e-12)
        #expect(s.horizon == 100 && s.horizonStreams == 2 && s.horizonAlarmedStreams == 1)
        #expect(s.falseAlarmProbability == 0.5)
        #expect(s.noChangeStreams == 3 && s.runLengthTotal == 270)
        #expect(s.alarmedStreams == 2 && s.censoredStreams == 1)
        #expect(s.averageRunLength == 135)
        #expect(s.localizedCount == 2 && s.medianLocalizationError == 0.5)
        #expect(abs(s.localizationError90! - 0.9) < 1e-12)
    }

    /// The horizon is a strict bound on run length: an alarm at run length H counts, H + 1 does not.
    @Test func horizonBoundary() throws {
        let atH = try AlarmMatching.evaluate(changePoints: [], alarmIndices: [29], streamLength: 100, maxDelay: 5, monitoringStart: 10)
        let afterH = try AlarmMatching.evaluate(changePoints: [], alarmIndices: [30], streamLength: 100, maxDelay: 5, monitoringStart: 10)
        #expect(try DetectorScore(evaluations: [atH], horizon: 20).falseAlarmProbability == 1)
        #expect(try DetectorScore(evaluations: [afterH], horizon: 20).falseAlarmProbability == 0)
        #expect(try DetectorScore(evaluations: [afterH], horizon: 20).averageRunLength == 21)
    }

    @Test func missingValuesAreNil() throws {
        let empty = try DetectorScore(evaluations: [])
        #expect(empty.replicates == 0 && empty.maxDelay == nil)
        #expect(empty.detectionRate == nil && empty.meanDelay == nil && empty.medianDelay == nil && empty.delay90 == nil)
        #expect(empty.falseAlarmsPer1000 == nil && empty.falseAlarmProbability == nil && empty.averageRunLength == nil)
        #expect(empty.medianLocalizationError == nil && empty.localizationError90 == nil)

        // Quiet no-change streams: a real zero false-alarm rate, but no ARL (all censored).
        let quiet = try (0..<3).map { _ in
            try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 500, maxDelay: 10)
        }
        let q = try DetectorScore(evaluations: quiet, horizon: 1000)
        #expect(q.falseAlarmsPer1000 == 0)
        #expect(q.averageRunLength == nil && q.censoredStreams == 3 && q.runLengthTotal == 1500)
        #expect(q.detectionRate == nil && q.medianDelay == nil)
        #expect(q.horizonStreams == 0 && q.falseAlarmProbability == nil)  // 500 < H = 1000: unknown

        // Missed changes: detection rate 0, no delays.
        let missed = try AlarmMatching.evaluate(changePoints: [50], alarmIndices: [], streamLength: 100, maxDelay: 10)
        let m = try DetectorScore(evaluations: [missed])
        #expect(m.detectionRate == 0 && m.meanDelay == nil && m.delay90 == nil)
        #expect(m.noChangeStreams == 0 && m.averageRunLength == nil)
    }

    @Test func validation() throws {
        #expect(throws: EvaluationError.invalidHorizon(0)) { try DetectorScore(evaluations: [], horizon: 0) }
        let a = try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 10, maxDelay: 5)
        let b = try AlarmMatching.evaluate(changePoints: [], alarmIndices: [], streamLength: 10, maxDelay: 6)
        #expect(throws: EvaluationError.mixedMaxDelay(replicate: 2, expected: 5, found: 6)) {
            try DetectorScore(evaluations: [a, a, b])
        }
    }
}
