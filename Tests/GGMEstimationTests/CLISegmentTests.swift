import Foundation
import Testing

/// `ggmwatch segment` through the built binary.
@Suite(.enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLISegmentTests {
    @Test("--json: one object with changePoints and segments (start, end exclusive, network, changes), labels carried")
    func json() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, lines) = try CLIMonitorTests.simulatedStream(in: dir)
        // Row labels: a date-like first column.
        let labelled = dir.appendingPathComponent("labelled.csv")
        var out = ["time," + lines[0]]
        for (i, line) in lines.dropFirst().enumerated() { out.append("t\(i)," + line) }
        try out.joined(separator: "\n").write(to: labelled, atomically: true, encoding: .utf8)
        let run = try CLI.run(["segment", labelled.path, "--json", "--bootstrap", "100"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let changePoints = try #require(object["changePoints"] as? [Int])
        #expect(changePoints == [300])
        let segments = try #require(object["segments"] as? [[String: Any]])
        #expect(segments.map { $0["start"] as? Int } == [0, 300])
        #expect(segments.map { $0["end"] as? Int } == [300, 700])
        #expect(segments[1]["startLabel"] as? String == "t300")
        let edges = try #require(segments[0]["edges"] as? [[String: Any]])
        #expect(!edges.isEmpty && edges.allSatisfy { ($0["nodes"] as? [String])?.count == 2 && $0["partialCorrelation"] is Double })
        #expect(segments[0]["changes"] == nil)
        let changes = try #require(segments[1]["changes"] as? [String: Any])
        #expect(changes["largestChanges"] is [[String: Any]])
        let points = try #require(object["changes"] as? [[String: Any]])
        #expect(points.first?["label"] as? String == "t300")
        let interval = try #require(points.first?["interval"] as? [Int])
        #expect(interval.count == 2 && interval[0] <= 300 && interval[1] >= 300)
        #expect(points.first?["stability"] is Double)
        _ = csv
    }

    @Test("the table names the segments and the change; --report writes a self-contained HTML report")
    func tableAndReport() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try CLIMonitorTests.simulatedStream(in: dir)
        let report = dir.appendingPathComponent("segments.html")
        let run = try CLI.run(["segment", csv.path, "--changes", "1", "--report", report.path])
        #expect(run.status == 0, "\(run.stderr)")
        let table = String(decoding: run.stdout, as: UTF8.self)
        #expect(table.contains("2 segments, 1 change point (as asked"))
        #expect(table.contains("row 300"))
        #expect(table.contains("most changed edges"))
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("ggmwatch segment"))
        #expect(html.contains("profile"))
    }

    @Test("too few rows and too many changes are errors that state the limit", arguments: [
        (["--min-segment", "400"], "at least 800 rows (twice the minimum segment length 400); the data have 700"),
        (["--changes", "40"], "allow at most 34"),
        (["--search", "exact"], "at most 400 rows, the data have 700"),
        (["--agreeing-folds", "9"], "--agreeing-folds must be between 1 and --folds"),
    ])
    func limits(arguments: [String], message: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try CLIMonitorTests.simulatedStream(in: dir)
        let run = try CLI.run(["segment", csv.path] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }

    @Test("a bad cell is a located error")
    func badCell() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, lines) = try CLIMonitorTests.simulatedStream(in: dir)
        var bad = lines
        var cells = bad[42].split(separator: ",").map(String.init)
        cells[3] = "1.2.3"
        bad[42] = cells.joined(separator: ",")
        let file = dir.appendingPathComponent("bad.csv")
        try bad.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try CLI.run(["segment", file.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("line 43, column 4") && run.stderr.contains("\"1.2.3\" is not a number"), "\(run.stderr)")
    }
}
