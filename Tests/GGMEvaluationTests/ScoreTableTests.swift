import Foundation
import Testing
import GGMEvaluation

@Suite struct ScoreTableTests {
    static func table() throws -> ScoreTable {
        ScoreTable(rows: [
            ScoreRow(scenario: "hub p=20", detector: "global", score: try DetectorScoreTests.handScore()),
            ScoreRow(scenario: "a|b", detector: "local", score: try DetectorScore(evaluations: [])),
        ])
    }

    @Test func markdownHasFixedColumnsAndFormats() throws {
        let expected = """
            | Scenario | Detector | Streams | Detected | Detection rate | Median delay | P90 delay | Mean delay | FA / 1000 obs | H | P(FA ≤ H) | ARL | Censored | Median loc. error | P90 loc. error |
            | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            | hub p=20 | global | 6 | 3 / 4 | 0.75 | 3.0 | 7.8 | 4.7 | 7.25 | 100 | 0.50 | 135 | 1 / 3 | 0.5 | 0.9 |
            | a\\|b | local | 0 | — | — | — | — | — | — | — | — | — | — | — | — |

            """
        #expect(try Self.table().markdown() == expected)
        #expect(ScoreTable(rows: []).markdown().split(separator: "\n").count == 2)
    }

    @Test func jsonRoundTripsAndWritesNullForMissing() throws {
        let table = try Self.table()
        let data = try table.jsonData()
        #expect(try JSONDecoder().decode(ScoreTable.self, from: data) == table)

        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let rows = object["rows"] as! [[String: Any]]
        let full = rows[0]["score"] as! [String: Any]
        let empty = rows[1]["score"] as! [String: Any]
        #expect(Set(full.keys) == Set(empty.keys))  // a stable schema
        #expect(full.keys.count == 24)
        #expect(empty["averageRunLength"] is NSNull && empty["medianDelay"] is NSNull && empty["maxDelay"] is NSNull)
        #expect(full["averageRunLength"] as? Double == 135)
        #expect(rows[1]["scenario"] as? String == "a|b")
    }
}
