import Foundation
import Testing
import GGMCore

/// `monitor --reference` with a file from `fit`: the file's mean is used, and a reference that
/// is not positive definite is rejected with its smallest eigenvalue.
@Suite("CLI: fixed reference", .enabled(if: CLI.binary != nil, CLI.missingMessage), .serialized)
struct CLIReferenceTests {
    /// Stationary data with means around 100 (the chain network of CLITests, shifted).
    static func shiftedData() throws -> Matrix {
        var x = try CLITests.chainData()
        for t in 0..<x.rows { for j in 0..<x.columns { x[t, j] += 100 } }
        return x
    }

    @Test func theReferenceFilesMeanIsUsed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try Self.shiftedData(), names: ["a", "b", "c", "d", "e", "f"], to: csv)
        let net = dir.appendingPathComponent("net.json")
        let fit = try CLI.run(["fit", csv.path, "-o", net.path])
        #expect(fit.status == 0, "\(fit.stderr)")
        // Nominal per-window level 1e-4 over ~270 windows: a false alarm is unlikely (and before
        // the fix, T was about 200,000 in every window).
        let out = try CLI.run(["monitor", csv.path, "--reference", net.path, "--window", "30", "--alpha", "0.0001"])
        #expect(out.status == 0, "\(out.stderr)")
        let text = String(decoding: out.stdout, as: UTF8.self)
        let events = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let alarms = events.filter { $0["event"] as? String == "alarm" }
        let statistics = alarms.compactMap { $0["globalStatistic"] as? Double }
        // The nominal levels are per window and approximate at w = 30 (the local statistic's
        // Gumbel limit is slow), so a few alarms can happen; scored with mean zero, T was about
        // 200,000 in every window and the monitor alarmed once per window length (9 times).
        #expect(alarms.count <= 3, "\(alarms.count) alarms on stationary data: \(alarms)")
        #expect(statistics.allSatisfy { $0 < 50 }, "\(statistics)")
    }

    @Test func aReferenceThatIsNotPositiveDefiniteIsRejected() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try CLITests.chainData(), names: ["a", "b", "c", "d", "e", "f"], to: csv)
        let net = dir.appendingPathComponent("net.json")
        #expect(try CLI.run(["fit", csv.path, "-o", net.path]).status == 0)
        // Symmetric, positive diagonal, not positive definite: the a-b entry 2 > sqrt(1 * 1).
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: net)) as? [String: Any])
        var precision = (0..<6).map { i in (0..<6).map { j in i == j ? 1.0 : 0.0 } }
        precision[0][1] = 2
        precision[1][0] = 2
        object["precision"] = precision
        try JSONSerialization.data(withJSONObject: object).write(to: net)
        for command in [["monitor", csv.path], ["calibrate"]] {
            let out = try CLI.run(command + ["--reference", net.path] + (command[0] == "monitor" ? ["--alpha", "0.01"] : ["--replicates", "20"]))
            #expect(out.status != 0)
            #expect(out.stderr.contains("is not positive definite (smallest eigenvalue -1"), "\(out.stderr)")
        }
    }
}
