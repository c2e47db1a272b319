import Foundation
import GGMCore
import Testing

/// The in-control (Phase I / Phase II) workflow and serially dependent streams, through the binary.
@Suite("CLI: in-control workflow and lags", .enabled(if: CLI.binary != nil, CLI.missingMessage), .serialized)
struct CLIInControlTests {
    /// A VAR(1) stream from `simulate` (p = 8), split into an in-control part and a live part
    /// whose network changes at live row 100.
    static func files(in dir: URL) throws -> (inControl: URL, live: URL) {
        let stream = dir.appendingPathComponent("stream.csv")
        let sim = try CLI.run(["simulate", "--nodes", "8", "--segment-lengths", "500,150", "--var-radius", "0.6",
                               "--change", "global", "--seed", "3", "-o", stream.path])
        #expect(sim.status == 0, "\(sim.stderr)")
        let lines = try String(contentsOf: stream, encoding: .utf8).split(separator: "\n").map(String.init)
        let inControl = dir.appendingPathComponent("normal.csv"), live = dir.appendingPathComponent("live.csv")
        try (lines[0...400].joined(separator: "\n") + "\n").write(to: inControl, atomically: true, encoding: .utf8)
        try (([lines[0]] + lines[401...]).joined(separator: "\n") + "\n").write(to: live, atomically: true, encoding: .utf8)
        return (inControl, live)
    }

    static let fast = ["--window", "25", "--replicates", "40"]

    static func events(_ out: CLI.Output) throws -> [[String: Any]] {
        try String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func simulateWritesSeriallyDependentRows() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (inControl, _) = try Self.files(in: dir)
        let rows = try String(contentsOf: inControl, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double($0)! } }
        let x = rows.map { $0[0] }
        let mean = x.reduce(0, +) / Double(x.count)
        var c0 = 0.0, c1 = 0.0
        for t in x.indices { c0 += (x[t] - mean) * (x[t] - mean); if t > 0 { c1 += (x[t] - mean) * (x[t - 1] - mean) } }
        #expect(c1 / c0 > 0.2, "lag-1 autocorrelation \(c1 / c0)")
        let bad = try CLI.run(["simulate", "--nodes", "4", "--segment-lengths", "10", "--var-radius", "1.2"])
        #expect(bad.status != 0 && bad.stderr.contains("spectral radius"), "\(bad.stderr)")
    }

    /// `monitor LIVE --in-control NORMAL`: no burn-in from LIVE, live indices from 0, lags chosen on
    /// NORMAL, one alarm for the change (none before it), and the excursion followed, not restarted.
    @Test func monitorInControl() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (inControl, live) = try Self.files(in: dir)
        let out = try CLI.run(["monitor", live.path, "--in-control", inControl.path] + Self.fast)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("in-control model from") && out.stderr.contains("lags 1"), "\(out.stderr)")
        let events = try Self.events(out)
        let alarms = events.filter { $0["event"] as? String == "alarm" }
        #expect(alarms.count == 1, "\(events)")
        if let index = alarms.first?["index"] as? Int { #expect((100..<150).contains(index), "alarm at \(index)") }
        let summary = try #require(events.last)
        #expect(summary["observations"] as? Int == 250)
        #expect(summary["fits"] as? Int == 1, "no refit and no restart on live data")
    }

    /// `fit --in-control` writes the model with its lags and thresholds; `monitor --reference` with
    /// it needs no calibration and alarms where `monitor --in-control` does.
    @Test func fitInControlThenMonitorReference() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (inControl, live) = try Self.files(in: dir)
        let model = dir.appendingPathComponent("model.json")
        let fit = try CLI.run(["fit", "--in-control", inControl.path, "-o", model.path] + Self.fast)
        #expect(fit.status == 0, "\(fit.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: model)) as? [String: Any])
        #expect(json["lags"] as? Int == 1)
        #expect((json["lagCoefficients"] as? [Any])?.isEmpty == false)
        #expect((json["thresholds"] as? [String: Double])?["global"] != nil)
        let fromModel = try CLI.run(["monitor", live.path, "--reference", model.path, "--window", "25"])
        let direct = try CLI.run(["monitor", live.path, "--in-control", inControl.path] + Self.fast)
        #expect(fromModel.status == 0, "\(fromModel.stderr)")
        let a = try Self.events(fromModel), b = try Self.events(direct)
        #expect(a.last?["calibrations"] as? Int == 0)
        func alarmIndices(_ e: [[String: Any]]) -> [Int] { e.filter { $0["event"] as? String == "alarm" }.compactMap { $0["index"] as? Int } }
        #expect(alarmIndices(a) == alarmIndices(b) && !alarmIndices(a).isEmpty, "\(alarmIndices(a)) vs \(alarmIndices(b))")
        // Thresholds calibrated for another window are not silently reused.
        let other = try CLI.run(["monitor", live.path, "--reference", model.path, "--window", "40"])
        #expect(other.status != 0 && other.stderr.contains("window of 25"), "\(other.stderr)")
        // calibrate --in-control prints the same thresholds.
        let calibrate = try CLI.run(["calibrate", "--in-control", inControl.path] + Self.fast)
        #expect(calibrate.status == 0, "\(calibrate.stderr)")
        let global = try #require((json["thresholds"] as? [String: Double])?["global"])
        #expect(String(decoding: calibrate.stdout, as: UTF8.self).contains(String(format: "%.3f", global)), "\(String(decoding: calibrate.stdout, as: UTF8.self))")
    }

    /// A saved in-control run resumed on the grown live file gives the alarms of one run.
    @Test func inControlRunResumes() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (inControl, live) = try Self.files(in: dir)
        let lines = try String(contentsOf: live, encoding: .utf8).split(separator: "\n").map(String.init)
        let grow = dir.appendingPathComponent("grow.csv"), state = dir.appendingPathComponent("state.json")
        try (lines[0...60].joined(separator: "\n") + "\n").write(to: grow, atomically: true, encoding: .utf8)
        let first = try CLI.run(["monitor", grow.path, "--in-control", inControl.path, "--state", state.path] + Self.fast)
        #expect(first.status == 0, "\(first.stderr)")
        try (lines.joined(separator: "\n") + "\n").write(to: grow, atomically: true, encoding: .utf8)
        let second = try CLI.run(["monitor", grow.path, "--in-control", inControl.path, "--state", state.path] + Self.fast)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("skipped its first 60 observations"), "\(second.stderr)")
        let whole = try CLI.run(["monitor", live.path, "--in-control", inControl.path] + Self.fast)
        func alarmIndices(_ o: CLI.Output) throws -> [Int] {
            try Self.events(o).filter { $0["event"] as? String == "alarm" }.compactMap { $0["index"] as? Int }
        }
        #expect(try alarmIndices(first) + alarmIndices(second) == alarmIndices(whole))
        #expect(try !alarmIndices(whole).isEmpty)
    }

    @Test func badInControlInput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (inControl, live) = try Self.files(in: dir)
        // Other columns: the first difference is named.
        let text = try String(contentsOf: inControl, encoding: .utf8)
        let renamed = dir.appendingPathComponent("renamed.csv")
        try text.replacingOccurrences(of: "x1,x2,x3", with: "x1,flow,x3").write(to: renamed, atomically: true, encoding: .utf8)
        let names = try CLI.run(["monitor", live.path, "--in-control", renamed.path] + Self.fast)
        #expect(names.status != 0 && names.stderr.contains("flow"), "\(names.stderr)")
        // Too short: how many rows are needed.
        let short = dir.appendingPathComponent("short.csv")
        try (text.split(separator: "\n").prefix(11).joined(separator: "\n") + "\n").write(to: short, atomically: true, encoding: .utf8)
        let tooShort = try CLI.run(["monitor", live.path, "--in-control", short.path] + Self.fast)
        #expect(tooShort.status != 0 && tooShort.stderr.contains("at least 28 are needed"), "\(tooShort.stderr)")
        // A live stream shorter than one window: the summary says no window was scored.
        let brief = dir.appendingPathComponent("brief.csv")
        let liveText = try String(contentsOf: live, encoding: .utf8)
        try (liveText.split(separator: "\n").prefix(11).joined(separator: "\n") + "\n").write(to: brief, atomically: true, encoding: .utf8)
        let out = try CLI.run(["monitor", brief.path, "--in-control", inControl.path] + Self.fast)
        #expect(out.status == 0, "\(out.stderr)")
        let summary = try #require(try Self.events(out).last)
        #expect((summary["note"] as? String)?.contains("no window was scored") == true, "\(summary)")
        // --restart without an in-control model.
        let restart = try CLI.run(["monitor", live.path, "--restart"])
        #expect(restart.status != 0)
    }
}
