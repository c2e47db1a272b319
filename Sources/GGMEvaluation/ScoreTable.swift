import Foundation
import GGMCore

/// One row of a results table: a detector's score on a scenario.
public struct ScoreRow: Codable, Sendable, Equatable {
    public var scenario: String
    public var detector: String
    public var score: DetectorScore

    public init(scenario: String, detector: String, score: DetectorScore) {
        self.scenario = scenario
        self.detector = detector
        self.score = score
    }
}

/// Results of several detectors on several scenarios, as Markdown or JSON.
///
/// Rows keep the order given. The Markdown column set is fixed (``columns``) whatever the data;
/// a missing value is written `—`, counts as `detected / total`.
public struct ScoreTable: Codable, Sendable, Equatable {
    public var rows: [ScoreRow]

    public init(rows: [ScoreRow]) { self.rows = rows }

    /// The Markdown header, in order.
    public static let columns = [
        "Scenario", "Detector", "Streams", "Detected", "Detection rate",
        "Median delay", "P90 delay", "Mean delay", "FA / 1000 obs", "H", "P(FA ≤ H)",
        "ARL", "Censored", "Median loc. error", "P90 loc. error",
    ]

    /// The cells of one row, in the order of ``columns``.
    ///
    /// Rates and probabilities have 2 decimals, delays and localization errors 1, the ARL 0;
    /// `Detected` is `detected / changes`, `Censored` is `censored / no-change streams`.
    public static func cells(of row: ScoreRow) -> [String] {
        let s = row.score
        return [
            escaped(row.scenario), escaped(row.detector), String(s.replicates),
            s.changeCount == 0 ? missing : "\(s.detectedCount) / \(s.changeCount)",
            fixed(s.detectionRate, 2),
            fixed(s.medianDelay, 1), fixed(s.delay90, 1), fixed(s.meanDelay, 1),
            fixed(s.falseAlarmsPer1000, 2),
            s.horizon.map(String.init) ?? missing, fixed(s.falseAlarmProbability, 2),
            fixed(s.averageRunLength, 0),
            s.noChangeStreams == 0 ? missing : "\(s.censoredStreams) / \(s.noChangeStreams)",
            fixed(s.medianLocalizationError, 1), fixed(s.localizationError90, 1),
        ]
    }

    /// A GitHub-flavoured Markdown table: names left-aligned, numbers right-aligned; ends with a newline.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
        var text = line(Self.columns)
        text += line(Self.columns.indices.map { $0 < 2 ? "---" : "---:" })
        for row in rows { text += line(Self.cells(of: row)) }
        return text
    }

    /// The rows as pretty-printed JSON with sorted keys (missing values are `null`), newline-terminated.
    public func jsonData() throws -> Data {
        try PrettyJSON.data(self)
    }

    static let missing = "—"

    static func fixed(_ value: Double?, _ digits: Int) -> String {
        guard let value else { return missing }
        return String(format: "%.\(digits)f", value)
    }

    static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
