import Foundation
import GGMDetection
import GGMEvaluation
import Testing
@testable import GGMExperiments

/// A quick evaluation, as CI runs it: p = 50 random graphs, no change and the variance-keeping
/// rewiring, the combined monitor against the per-node baseline, 20 replicates (about 2 s).
@Suite struct QuickEvaluationTests {
    static let settings = EvaluationSettings(
        dimensions: [50], graphs: [.random], changes: [.none, .rewireKeepingVariances],
        detectors: [.combined, .perNode], replicates: 20, seed: 11, calibrationReplicates: 100)

    static let report: EvaluationReport = try! Evaluation.run(settings)

    func row(_ change: ScenarioChange, _ detector: EvaluatedDetector) throws -> DetectorScore {
        let scenario = "p=50 random \(change.rawValue)"
        return try #require(Self.report.table.rows.first { $0.scenario == scenario && $0.detector == detector.rawValue }).score
    }

    @Test func tableHasOneRowPerCellAndDetectorInGridOrder() throws {
        let rows = Self.report.table.rows
        #expect(rows.map(\.scenario) == ["p=50 random none", "p=50 random none",
                                         "p=50 random rewire-keeping-variances", "p=50 random rewire-keeping-variances"])
        #expect(rows.map(\.detector) == ["combined", "per-node", "combined", "per-node"])
        #expect(rows.allSatisfy { $0.score.replicates == 20 && $0.score.maxDelay == 100 && $0.score.horizon == 500 })
        let lines = Self.report.markdown().split(separator: "\n")
        let header = try #require(lines.first { $0.hasPrefix("| Scenario") })
        #expect(header.split(separator: "|").count == ScoreTable.columns.count)
        #expect(lines.filter { $0.hasPrefix("| p=50") }.count == 4)
        // No-change rows have no changes; change rows one change per replicate.
        #expect(try row(.none, .combined).changeCount == 0)
        #expect(try row(.none, .combined).noChangeStreams == 20)
        #expect(try row(.rewireKeepingVariances, .perNode).changeCount == 20)
        // Localization: the graph detectors' alarms carry a change-time estimate, the per-node baseline's do not.
        #expect(try row(.rewireKeepingVariances, .combined).localizedCount == row(.rewireKeepingVariances, .combined).detectedCount)
        #expect(try row(.rewireKeepingVariances, .combined).medianLocalizationError != nil)
        #expect(try row(.rewireKeepingVariances, .perNode).localizedCount == 0)
    }

    /// The change the per-node baseline cannot see: every node keeps its variance.
    @Test func combinedBeatsPerNodeOnVarianceKeepingRewiring() throws {
        let combined = try #require(try row(.rewireKeepingVariances, .combined).detectionRate)
        let perNode = try #require(try row(.rewireKeepingVariances, .perNode).detectionRate)
        #expect(combined > perNode)
        #expect(combined >= 0.7)
        #expect(perNode <= 0.3)
    }

    /// One target for all: the calibrations hit it on their own simulations, and the false-alarm
    /// probability on fresh networks of the family stays within a loose band (20 streams: the
    /// binomial 99.9% upper bound at q = 0.1 is 0.35).
    @Test func falseAlarmProbabilityNearTarget() throws {
        for threshold in Self.report.thresholds {
            #expect(abs(threshold.simulatedProbability - 0.1) <= 0.03, "\(threshold)")
        }
        for detector in [EvaluatedDetector.combined, .perNode] {
            let q = try #require(try row(.none, detector).falseAlarmProbability)
            #expect(q <= 0.35, "\(detector): \(q)")
        }
    }

    @Test func sameSeedSameNumbersAndJSONRoundTrip() throws {
        var settings = Self.settings
        settings.changes = [.rewireKeepingVariances]
        settings.replicates = 4
        let a = try Evaluation.run(settings)
        let b = try Evaluation.run(settings)
        #expect(a.table == b.table)
        #expect(a.thresholds == b.thresholds)
        let json = try JSONSerialization.jsonObject(with: a.jsonData()) as? [String: Any]
        #expect(json?["table"] != nil && json?["thresholds"] != nil && json?["settings"] != nil)
    }

    @Test func invalidSettingsAreRejected() {
        var settings = Self.settings
        settings.postChange = 10
        #expect(throws: EvaluationRunError.self) { try Evaluation.run(settings) }
        settings = Self.settings
        settings.dimensions = []
        #expect(throws: EvaluationRunError.self) { try Evaluation.run(settings) }
    }

    /// Heavy-tailed streams: the degrees of freedom are validated, and the calibration on the
    /// true t null hits its own target (resampled draws, as for the Gaussian null).
    @Test func heavyTailedStreamsAreCalibratedOnTheirOwnNull() throws {
        var settings = Self.settings
        settings.innovationsDF = 2
        #expect(throws: EvaluationRunError.self) { try Evaluation.run(settings) }
        settings.innovationsDF = 5
        settings.changes = [.none]
        settings.detectors = [.global]
        settings.replicates = 4
        let report = try Evaluation.run(settings)
        #expect(report.markdown().contains("Student t innovations (5.0 degrees of freedom"))
        for threshold in report.thresholds {
            #expect(abs(threshold.simulatedProbability - 0.1) <= 0.03, "\(threshold)")
        }
        #expect(try Evaluation.run(settings).thresholds == report.thresholds)
    }

    @Test func denseBaselineRunsOnlyWhereItsWindowExceedsP() {
        let s = EvaluationSettings(denseWindow: 100)
        #expect(s.applies(.dense, dimension: 50))
        #expect(!s.applies(.dense, dimension: 100))
        #expect(s.applies(.perNode, dimension: 200))
    }
}
