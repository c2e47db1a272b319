import Foundation
import Testing

/// `monitor` reads a file's rows ahead and, at large p, gives the monitor those that fire nothing
/// as one block (`SequentialMonitor.updateQuietBlock`); from standard input it takes one row at a
/// time. Both must print the same events and trace, byte for byte.
@Suite("CLI: monitor in blocks", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIBlockTests {
    /// The smallest p at which a running monitor takes blocks (`NetworkScore.liveBlockDimension`,
    /// checked in `QuietBlockTests`).
    static let p = 4_000

    @Test("a file read ahead in blocks and standard input row by row give the same events and trace")
    func fileInBlocksEqualsStandardInput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Self.p
        let names = (1...p).map { "x\($0)" }
        // The reference: independent unit-variance nodes (an edge-less network, zero mean).
        let network: [String: Any] = [
            "names": names, "precisionDiagonal": [Double](repeating: 1, count: p), "method": "glasso", "lambda": 0.1,
            "lambdaRule": "theory (c = 1.1)", "edges": [[String: Any]](), "edgeCount": 0, "iterations": 1,
            "converged": true, "standardized": true, "sampleSize": 500, "mean": [Double](repeating: 0, count: p),
        ]
        let reference = dir.appendingPathComponent("reference.json")
        try JSONSerialization.data(withJSONObject: network).write(to: reference)
        // 70 rows: independent standard normals, then from row 35 nodes 1 and 2 move together
        // with variance 25 (a local change the max-norm statistic sees at once).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
        }
        func normal() -> Double { (-2 * Foundation.log(uniform())).squareRoot() * Foundation.cos(2 * Double.pi * uniform()) }
        var text = names.joined(separator: ",") + "\n"
        for t in 0..<70 {
            var row = (0..<p).map { _ in normal() }
            if t >= 35 {
                let z = 5 * normal()
                row[0] = z + 0.1 * row[0]
                row[1] = z + 0.1 * row[1]
            }
            text += row.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        let csv = dir.appendingPathComponent("rows.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        // The same rows with text in row 24 (line 26 of the file), column 7, inside a block read ahead.
        var badLines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells = badLines[25].split(separator: ",").map(String.init)
        cells[6] = "abc"
        badLines[25] = cells.joined(separator: ",")
        let bad = dir.appendingPathComponent("bad.csv")
        try badLines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)

        let arguments = ["--reference", reference.path, "--detector", "local", "--local-threshold", "12", "--window", "10"]
        let traceFile = dir.appendingPathComponent("file-trace.csv"), tracePipe = dir.appendingPathComponent("pipe-trace.csv")
        let fromFile = try CLI.run(["monitor", csv.path] + arguments + ["--trace", traceFile.path])
        let fromPipe = try CLI.run(["monitor", "-"] + arguments + ["--trace", tracePipe.path], input: csv)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromPipe.status == 0, "\(fromPipe.stderr)")
        #expect(fromFile.stdout == fromPipe.stdout)
        #expect(try Data(contentsOf: traceFile) == Data(contentsOf: tracePipe))
        let events = String(decoding: fromFile.stdout, as: UTF8.self)
        #expect(events.contains("\"event\":\"alarm\""), "\(events)")
        // Rows 9 to 34 scored before the change (blocks of eight), then alarms, each emptying the
        // window of 10: one trace line per scored row, after the header.
        let lines = try String(contentsOf: traceFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 27, "\(lines.count) trace lines")

        // A bad cell read ahead: the rows before it are scored and traced, then the error names
        // its line and column, exactly as row by row from standard input.
        let badFile = try CLI.run(["monitor", bad.path] + arguments + ["--trace", traceFile.path])
        let badPipe = try CLI.run(["monitor", "-"] + arguments + ["--trace", tracePipe.path], input: bad)
        #expect(badFile.status != 0 && badPipe.status != 0)
        #expect(badFile.stdout == badPipe.stdout)
        #expect(badFile.stderr.contains("line 26, column 7 (x7): \"abc\" is not a number"), "\(badFile.stderr)")
        #expect(badPipe.stderr.contains("line 26, column 7 (x7): \"abc\" is not a number"), "\(badPipe.stderr)")
        let badTrace = try String(contentsOf: traceFile, encoding: .utf8).split(separator: "\n")
        #expect(try Data(contentsOf: traceFile) == Data(contentsOf: tracePipe))
        // Header, then rows 9 to 23.
        #expect(badTrace.count == 16, "\(badTrace.count) trace lines")
    }
}
