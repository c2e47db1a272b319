import Foundation
import Testing
import GGMCore

/// Option values and environments that used to crash, pass silently or fail late.
@Suite("CLI: faults", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIFaultTests {
    static func data(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try CLITests.chainData(), names: CLIInputTests.names, to: url)
        return url
    }

    @Test func aBurnInShorterThanTheWindowIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["monitor", try Self.data(in: dir).path, "--burn-in", "2", "--window", "30", "--alpha", "0.01"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("burn-in must be at least the window length"), "\(out.stderr)")
    }

    @Test(arguments: ["1000000000", "4611686018427387904"])
    func anAbsurdWindowIsAnErrorNotACrash(window: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["monitor", try Self.data(in: dir).path, "--window", window, "--burn-in", window, "--alpha", "0.01"])
        #expect(out.status == 1 || out.status == 64, "status \(out.status): \(out.stderr)")
        #expect(out.stderr.contains("window"), "\(out.stderr)")
    }

    @Test func anUnresolvableFalseAlarmTargetIsSaid() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["calibrate", try Self.data(in: dir).path, "--burn-in", "100", "--window", "20",
                               "--false-alarm-prob", "1e-12", "--horizon", "100", "--replicates", "20"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("too small for 20 Monte Carlo replicates"), "\(out.stderr)")
    }

    @Test func anEnormousAverageRunLengthDoesNotCrash() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["calibrate", try Self.data(in: dir).path, "--burn-in", "100", "--window", "20",
                               "--arl", "1e300", "--replicates", "20"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("warning:"), "\(out.stderr)")
    }

    @Test func anUnwritableStateFileFailsAtStartup() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("no-such-directory/state.json")
        let out = try CLI.run(["monitor", try Self.data(in: dir).path, "--state", state.path] + CLIInputTests.fast)
        #expect(out.status != 0)
        #expect(out.stderr.contains("cannot write the state file"), "\(out.stderr)")
        #expect(out.stdout.isEmpty, "nothing is monitored before the state can be saved")
    }
}

/// A signal during a calibration stops it within a second or two, with the state saved; the
/// resumed run calibrates again and goes on.
@Suite("CLI: signals during a calibration", .enabled(if: CLI.binary != nil, CLI.missingMessage), .serialized)
struct CLICalibrationSignalTests {
    @Test func sigtermStopsACalibrationPromptlyWithTheStateSaved() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try CLITests.chainData(), names: CLIInputTests.names, to: csv)
        let state = dir.appendingPathComponent("state.json")
        // 100000 replicates: minutes of calibration, far longer than the test waits.
        let arguments = ["monitor", csv.path, "--state", state.path, "--burn-in", "100", "--window", "20",
                         "--replicates", "100000", "--quiet"]
        let process = Process()
        process.executableURL = try #require(CLI.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        #expect(process.isRunning, "the calibration is under way")
        let sent = Date()
        process.terminate()   // SIGTERM
        process.waitUntilExit()
        let waited = Date().timeIntervalSince(sent)
        #expect(waited < 3, "exited \(waited) s after SIGTERM")
        #expect(process.terminationStatus == 143 || process.terminationStatus == 1, "status \(process.terminationStatus)")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any])
        #expect(saved["phase"] as? String == "awaitingThresholds")
        #expect((saved["observationCount"] as? Int ?? 0) >= 100)
    }
}

/// Periodic checkpoints, the resume event, and the state file lock, with a monitor reading a
/// pipe that stays open (a live stream).
@Suite("CLI: checkpoints and locks", .enabled(if: CLI.binary != nil, CLI.missingMessage), .serialized)
struct CLICheckpointTests {
    final class LiveMonitor {
        let process = Process()
        let input = Pipe()
        let output: URL
        init(_ arguments: [String], output: URL) throws {
            self.output = output
            FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = try #require(CLI.binary)
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
        }
        func send(_ lines: ArraySlice<String>) {
            input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func waitFor(_ condition: () -> Bool, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    static func savedCount(_ state: URL) -> Int? {
        guard let data = try? Data(contentsOf: state),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["observationCount"] as? Int
    }

    @Test func aKilledMonitorLosesAtMostOneCheckpointAndSaysWhereToResume() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, lines) = try CLIMonitorTests.simulatedStream(in: dir)
        let state = dir.appendingPathComponent("state.json")
        let arguments = ["monitor", "-", "--state", state.path, "--checkpoint-every", "50"] + CLIMonitorTests.fast
        let live = try LiveMonitor(arguments, output: dir.appendingPathComponent("out1.jsonl"))
        live.send(lines[0...260])   // header and 260 rows
        #expect(Self.waitFor { (Self.savedCount(state) ?? 0) >= 250 }, "checkpoint at 250 rows")
        // A second monitor on the same state refuses while the first runs.
        let second = try CLI.run(["monitor", csv.path, "--state", state.path] + CLIMonitorTests.fast)
        #expect(second.status != 0)
        #expect(second.stderr.contains("is in use by another monitor (process \(live.process.processIdentifier))"), "\(second.stderr)")
        live.kill9()
        let saved = try #require(Self.savedCount(state))
        #expect(saved == 250)
        // Resume: the first event names the next row expected.
        let rest = dir.appendingPathComponent("rest.csv")
        try ([lines[0]] + lines[(saved + 1)...]).joined(separator: "\n").write(to: rest, atomically: true, encoding: .utf8)
        let resumed = try CLI.run(["monitor", rest.path, "--state", state.path] + CLIMonitorTests.fast)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let first = try #require(CLIMonitorTests.jsonLines(resumed.stdout).first)
        #expect(first["event"] as? String == "resume")
        #expect(first["next"] as? Int == 250)
        let summary = try #require(CLIMonitorTests.jsonLines(resumed.stdout).last)
        #expect(summary["observations"] as? Int == lines.count - 1)
    }
}

@Suite("CLI: closed output", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIClosedOutputTests {
    /// `monitor ... | head -1`: the monitor stops at the first failed write (exit 141, as for
    /// SIGPIPE) with the state saved, instead of reading the whole input into a closed pipe.
    @Test func aClosedStandardOutputStopsTheRunWithTheStateSaved() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("long.csv")
        let sim = try CLI.run(["simulate", "--nodes", "10", "--segment-lengths", "3000,3000,3000,3000", "--change", "global",
                               "--seed", "2", "--output", csv.path])
        #expect(sim.status == 0, "\(sim.stderr)")
        let state = dir.appendingPathComponent("state.json")
        let binary = try #require(CLI.binary).path
        let script = "\"\(binary)\" monitor \"\(csv.path)\" --state \"\(state.path)\" " + CLIMonitorTests.fast.joined(separator: " ")
            + " | head -1 > /dev/null; echo ${PIPESTATUS[0]}"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let status = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == "141")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any])
        let count = try #require(saved["observationCount"] as? Int)
        #expect(count > 0 && count < 12000, "stopped early at \(count)")
    }
}

@Suite("CLI: column mismatches", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIColumnMismatchTests {
    /// A state (or reference) for other columns names the first differing column, not "5 vs 5 nodes".
    @Test func aStateForOtherColumnsNamesTheFirstDifference() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try CLITests.chainData()
        let first = dir.appendingPathComponent("a.csv"), second = dir.appendingPathComponent("b.csv")
        try CLI.writeCSV(x, names: ["a", "b", "c", "d", "e", "f"], to: first)
        try CLI.writeCSV(x, names: ["a", "b", "x", "d", "e", "f"], to: second)
        let state = dir.appendingPathComponent("state.json")
        #expect(try CLI.run(["monitor", first.path, "--state", state.path] + CLIInputTests.fast).status == 0)
        let out = try CLI.run(["monitor", second.path, "--state", state.path] + CLIInputTests.fast)
        #expect(out.status != 0)
        #expect(out.stderr.contains("node 3 is \"c\" there, \"x\" in the data (6 nodes each)"), "\(out.stderr)")
    }
}

/// Data in extreme units (1e150, 1e-155) give the results of the same data in ordinary units,
/// or a clear error when the answer itself cannot be written as a Double.
@Suite("CLI: units", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIUnitTests {
    static func scaledData(_ factor: Double, in dir: URL) throws -> URL {
        var x = try CLITests.chainData()
        for k in x.elements.indices { x.elements[k] *= factor }
        let url = dir.appendingPathComponent("data-\(factor).csv")
        try CLI.writeCSV(x, names: CLIInputTests.names, to: url)
        return url
    }

    @Test func monitorAlarmsDoNotDependOnTheUnit() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = ["--burn-in", "100", "--window", "30", "--refit-every", "30", "--threshold", "1.5", "--local-threshold", "3"]
        func alarms(_ factor: Double) throws -> [String] {
            let out = try CLI.run(["monitor", try Self.scaledData(factor, in: dir).path] + options)
            #expect(out.status == 0, "\(out.stderr)")
            let text = String(decoding: out.stdout, as: UTF8.self)
            #expect(!text.contains("nan") && !text.contains("inf"))
            return text.split(separator: "\n").filter { $0.contains("\"event\":\"alarm\"") }.map {
                String($0.split(separator: ",").first { $0.hasPrefix("\"index\"") } ?? "")
            }
        }
        let unit = try alarms(1)
        #expect(!unit.isEmpty, "the settings should raise alarms")
        #expect(try alarms(1e150) == unit)
        #expect(try alarms(1e-155) == unit)
    }

    @Test func fitWritesTheNetworkInTheDataUnitsOrSaysWhyNot() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.json"), unit = dir.appendingPathComponent("unit.json")
        #expect(try CLI.run(["fit", try Self.scaledData(1, in: dir).path, "-o", unit.path]).status == 0)
        let out = try CLI.run(["fit", try Self.scaledData(1e150, in: dir).path, "-o", big.path])
        #expect(out.status == 0, "\(out.stderr)")
        let a = try JSONDecoder().decode(FitOutput.self, from: Data(contentsOf: unit))
        let b = try JSONDecoder().decode(FitOutput.self, from: Data(contentsOf: big))
        #expect(a.edges.count == b.edges.count)
        for (e, f) in zip(a.edges, b.edges) { #expect(abs(e.partialCorrelation - f.partialCorrelation) < 1e-9) }
        #expect(abs(b.precision[0][0] / 1e-300 - a.precision[0][0]) < 1e-9 * a.precision[0][0])

        let tiny = try CLI.run(["fit", try Self.scaledData(1e-155, in: dir).path, "-o", dir.appendingPathComponent("t.json").path])
        #expect(tiny.status != 0)
        #expect(tiny.stderr.contains("cannot be written in the data's units"), "\(tiny.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t.json").path))
    }
}

/// A near-copy of a column is named on standard error and does not make stationary data alarm.
@Suite("CLI: collinearity", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLICollinearityTests {
    @Test func nearlyCollinearColumnsAreNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try CLITests.chainData()
        var rng = SeededGenerator(seed: 4)
        var y = Matrix(rows: x.rows, columns: 7)
        for t in 0..<x.rows {
            for j in 0..<6 { y[t, j] = x[t, j] }
            y[t, 6] = x[t, 1] + 0.2 * rng.nextStandardNormal()   // x[, 1] has standard deviation about 2: correlation about 0.995
        }
        let url = dir.appendingPathComponent("dup.csv")
        try CLI.writeCSV(y, names: CLIInputTests.names + ["copy"], to: url)
        let base = dir.appendingPathComponent("base.csv")
        try CLI.writeCSV(x, names: CLIInputTests.names, to: base)
        let options = ["--method", "glasso", "--burn-in", "150", "--window", "30", "--refit-every", "30",
                       "--threshold", "6", "--local-threshold", "6"]
        let out = try CLI.run(["monitor", url.path] + options)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("nearly collinear nodes") && out.stderr.contains("b-copy"), "\(out.stderr)")
        let without = try CLI.run(["monitor", base.path] + options)
        func alarms(_ o: CLI.Output) -> Int { String(decoding: o.stdout, as: UTF8.self).components(separatedBy: "\"event\":\"alarm\"").count - 1 }
        #expect(alarms(out) <= alarms(without), "the near-copy adds no alarm")
    }
}

/// A resumed monitor given the file of the saved run skips the rows already consumed; given the
/// next part of a stream, `--missing previous` carries the saved run's last values into it.
@Suite("CLI: resuming on a file", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIResumeInputTests {
    static let options = ["--burn-in", "100", "--window", "30", "--refit-every", "30", "--threshold", "1.5", "--local-threshold", "3"]

    static func lines(_ x: Matrix) -> [String] {
        (0..<x.rows).map { x.row($0).map { "\($0)" }.joined(separator: ",") }
    }

    static func events(_ out: CLI.Output) -> [String] {
        String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains("\"event\":\"alarm\"") || $0.contains("\"event\":\"networkChange\"") }
    }

    @Test func theSameFileGrownIsNotScoredTwice() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Self.lines(try CLITests.chainData())
        let header = CLIInputTests.names.joined(separator: ",")
        let file = dir.appendingPathComponent("grow.csv"), state = dir.appendingPathComponent("state.json")
        try ([header] + rows).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let whole = try CLI.run(["monitor", file.path] + Self.options)
        #expect(!Self.events(whole).isEmpty)

        try ([header] + rows.prefix(170)).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let first = try CLI.run(["monitor", file.path, "--state", state.path] + Self.options)
        try ([header] + rows).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let second = try CLI.run(["monitor", file.path, "--state", state.path] + Self.options)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("skipped its first 170 observations"), "\(second.stderr)")
        #expect(Self.events(first) + Self.events(second) == Self.events(whole))
        let third = try CLI.run(["monitor", file.path, "--state", state.path] + Self.options)
        #expect(Self.events(third).isEmpty, "a third run on the same file has nothing new")
    }

    @Test func missingPreviousCarriesAcrossARestart() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rows = Self.lines(try CLITests.chainData())
        rows[170] = "," + rows[170].split(separator: ",", omittingEmptySubsequences: false).dropFirst().joined(separator: ",")
        let header = CLIInputTests.names.joined(separator: ",")
        let whole = dir.appendingPathComponent("whole.csv"), a = dir.appendingPathComponent("a.csv"), b = dir.appendingPathComponent("b.csv")
        try ([header] + rows).joined(separator: "\n").appending("\n").write(to: whole, atomically: true, encoding: .utf8)
        try ([header] + rows.prefix(170)).joined(separator: "\n").appending("\n").write(to: a, atomically: true, encoding: .utf8)
        try ([header] + rows.dropFirst(170)).joined(separator: "\n").appending("\n").write(to: b, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.json")
        let options = Self.options + ["--missing", "previous"]
        let one = try CLI.run(["monitor", whole.path] + options)
        #expect(one.status == 0, "\(one.stderr)")
        let first = try CLI.run(["monitor", a.path, "--state", state.path] + options)
        let second = try CLI.run(["monitor", b.path, "--state", state.path] + options)
        #expect(second.status == 0, "the first row of the second part has a missing cell: \(second.stderr)")
        #expect(Self.events(first) + Self.events(second) == Self.events(one))
    }
}

/// Unwritable outputs are found before the work starts and said in words; a bad state file names the field.
@Suite("CLI: output files", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIOutputFileTests {
    @Test(arguments: [["fit", "DATA", "-o", "/nonexistent-dir/n.json"],
                      ["calibrate", "DATA", "--burn-in", "100", "--window", "20", "--replicates", "20", "--output", "/nonexistent-dir/c.json"],
                      ["report", "--events", "DATA", "-o", "/nonexistent-dir/r.html"]])
    func anUnwritableOutputIsSaidFirst(arguments: [String]) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try CLIFaultTests.data(in: dir).path
        let out = try CLI.run(arguments.map { $0 == "DATA" ? data : $0 })
        #expect(out.status != 0)
        #expect(out.stderr.contains("cannot write") && out.stderr.contains("the directory /nonexistent-dir does not exist"), "\(out.stderr)")
        #expect(!out.stderr.contains("NSCocoaErrorDomain"))
        #expect(out.stdout.isEmpty, "nothing was computed")
    }

    @Test func aBadStateFileNamesTheField() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.json")
        try "{\"format\": 2}".write(to: state, atomically: true, encoding: .utf8)
        let out = try CLI.run(["monitor", try CLIFaultTests.data(in: dir).path, "--state", state.path] + CLIInputTests.fast)
        #expect(out.status != 0)
        #expect(out.stderr.contains("missing field \"settings\""), "\(out.stderr)")
        #expect(!out.stderr.contains("DecodingError"))
    }
}
