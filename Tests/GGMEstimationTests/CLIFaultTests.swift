import Foundation
import Testing

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
