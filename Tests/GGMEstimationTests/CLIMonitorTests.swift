import Foundation
import Testing

/// The `monitor`, `simulate`, `calibrate` and `report` commands, run as a user runs them.
@Suite("CLI: monitor", .enabled(if: CLI.binary != nil, CLI.missingMessage), .serialized)
struct CLIMonitorTests {
    /// Fixed thresholds keep these runs fast (no calibration); small burn-in and window.
    static let fast = ["--burn-in", "200", "--window", "30", "--refit-every", "30", "--threshold", "5", "--local-threshold", "6.5"]

    /// A simulated stream (p = 10, change at row 300) written by `ggmwatch simulate`.
    static func simulatedStream(in dir: URL) throws -> (csv: URL, lines: [String]) {
        let csv = dir.appendingPathComponent("stream.csv")
        let out = try CLI.run(["simulate", "--nodes", "10", "--segment-lengths", "300,400", "--graph", "random",
                               "--change", "global", "--seed", "3", "--output", csv.path])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        return (csv, lines)
    }

    static func jsonLines(_ data: Data) -> [[String: Any]] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func alarmsAreEmittedBeforeARaggedRowThatStopsTheRun() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var (_, lines) = try Self.simulatedStream(in: dir)
        // Line 500 of the file (header is line 1) loses its last three fields.
        lines[499] = lines[499].split(separator: ",").dropLast(3).joined(separator: ",")
        let broken = dir.appendingPathComponent("broken.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: broken, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.json")
        let out = try CLI.run(["monitor", broken.path, "--state", state.path] + Self.fast)
        #expect(out.status != 0)
        #expect(out.stderr.contains("line 500"), "\(out.stderr)")
        #expect(out.stderr.contains("7 fields, expected 10"), "\(out.stderr)")
        let events = Self.jsonLines(out.stdout)
        let alarms = events.filter { $0["event"] as? String == "alarm" }
        #expect(!alarms.isEmpty, "the change at row 300 is alarmed before line 500")
        #expect(alarms.allSatisfy { ($0["index"] as? Int ?? 999) < 498 })
        #expect(alarms.contains { (300..<360).contains($0["index"] as? Int ?? -1) })
        // The state was saved at the error, after the last good row.
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any]
        #expect(saved?["observationCount"] as? Int == 498)
    }

    /// Resuming with detection or threshold options other than the saved ones is an error that
    /// names them; resuming with the same options (or none of them) works.
    @Test func resumingWithOtherSettingsIsAnError() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, lines) = try Self.simulatedStream(in: dir)
        let first = dir.appendingPathComponent("first.csv")
        try (lines[0...150].joined(separator: "\n") + "\n").write(to: first, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.json")
        let part = try CLI.run(["monitor", first.path, "--state", state.path] + Self.fast)
        #expect(part.status == 0, "\(part.stderr)")
        var other = Self.fast
        other[3] = "40"   // --window 40
        let mismatch = try CLI.run(["monitor", csv.path, "--state", state.path, "--detector", "global"] + other)
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("--window saved 30, given 40"), "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("--detector saved combined, given global"), "\(mismatch.stderr)")
        let same = try CLI.run(["monitor", csv.path, "--state", state.path] + Self.fast)
        #expect(same.status == 0, "\(same.stderr)")
    }

    /// `--memory` runs (JSON events and trace), is kept in the state, and bad memories are
    /// errors that say what is allowed.
    @Test func aRollingMemoryRunsAndBadMemoriesAreErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try Self.simulatedStream(in: dir)
        let trace = dir.appendingPathComponent("trace.csv"), state = dir.appendingPathComponent("state.json")
        let rolling = try CLI.run(["monitor", csv.path, "--memory", "250", "--trace", trace.path,
                                   "--state", state.path] + Self.fast)
        #expect(rolling.status == 0, "\(rolling.stderr)")
        #expect(Self.jsonLines(rolling.stdout).contains { $0["event"] as? String == "alarm" })
        let expandingTrace = dir.appendingPathComponent("expanding.csv")
        let expanding = try CLI.run(["monitor", csv.path, "--trace", expandingTrace.path] + Self.fast)
        #expect(expanding.status == 0, "\(expanding.stderr)")
        #expect(try Data(contentsOf: trace) != Data(contentsOf: expandingTrace))
        let resumed = try CLI.run(["monitor", csv.path, "--state", state.path] + Self.fast)
        #expect(resumed.stderr.contains("--memory saved 250, given expanding"), "\(resumed.stderr)")

        let short = try CLI.run(["monitor", csv.path, "--memory", "100"] + Self.fast)
        #expect(short.status != 0)
        #expect(short.stderr.contains("--memory must be at least --burn-in (200)"), "\(short.stderr)")
        var noRefits = Self.fast
        noRefits[5] = "0"   // --refit-every 0
        let never = try CLI.run(["monitor", csv.path, "--memory", "300"] + noRefits)
        #expect(never.stderr.contains("--memory needs refits"), "\(never.stderr)")
        let zero = try CLI.run(["monitor", csv.path, "--memory", "0"] + Self.fast)
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("a number of observations (at least --burn-in) or expanding"), "\(zero.stderr)")
    }

    /// `--restart-burn-in M`: after the alarm the trace resumes M + w observations later instead
    /// of N + w; bad values are errors that say what is allowed.
    @Test func aShortRestartBurnInResumesScoringSooner() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try Self.simulatedStream(in: dir)
        func firstScoredAfterAlarm(_ extra: [String]) throws -> (alarm: Int, resumed: Int) {
            let trace = dir.appendingPathComponent("trace.csv")
            let out = try CLI.run(["monitor", csv.path, "--trace", trace.path] + Self.fast + extra)
            #expect(out.status == 0, "\(out.stderr)")
            let alarm = try #require(Self.jsonLines(out.stdout).first { $0["event"] as? String == "alarm" }?["index"] as? Int)
            let indices = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").dropFirst()
                .compactMap { Int($0.split(separator: ",")[0]) }
            return (alarm, try #require(indices.first { $0 > alarm }))
        }
        let full = try firstScoredAfterAlarm([])
        #expect(full.resumed == full.alarm + 200 + 30)
        let short = try firstScoredAfterAlarm(["--restart-burn-in", "60"])
        #expect(short.alarm == full.alarm)
        #expect(short.resumed == short.alarm + 60 + 30)

        let long = try CLI.run(["monitor", csv.path, "--restart-burn-in", "200"] + Self.fast)
        #expect(long.status != 0)
        #expect(long.stderr.contains("shorter than --burn-in (200)"), "\(long.stderr)")
    }

    /// `--windows 10,30`: the trace has every window's statistics and thresholds, the alarm names
    /// the statistic that fired; bad window sets are errors that say what is allowed.
    @Test func severalWindowsAreTracedAndBadSetsAreErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try Self.simulatedStream(in: dir)
        let trace = dir.appendingPathComponent("trace.csv")
        let out = try CLI.run(["monitor", csv.path, "--burn-in", "200", "--refit-every", "30", "--windows", "10,30",
                               "--alpha", "0.001", "--trace", trace.path])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "index,global,globalThreshold,local,localThreshold,global@10,global@10Threshold,local@10,local@10Threshold")
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 9 })
        let alarm = try #require(Self.jsonLines(out.stdout).first { $0["event"] as? String == "alarm" })
        let fired = try #require(alarm["firedBy"] as? [String])
        #expect(!fired.isEmpty && fired.allSatisfy { ["global", "local", "global@10", "local@10"].contains($0) })

        for (windows, message) in [("1,30", "at least 2"), ("10,10,30", "window 10 is given twice"), ("10,x", "separated by commas"),
                                   ("10,30", "set one window's thresholds")] {
            let bad = try CLI.run(["monitor", csv.path, "--windows", windows] + Self.fast)
            #expect(bad.status != 0)
            #expect(bad.stderr.contains(message), "\(windows): \(bad.stderr)")
        }
    }

    /// Two parts with a saved state in between give exactly the alarms and trace of one run,
    /// cutting inside the burn-in (row 120), inside the first window (row 215), while monitoring
    /// (row 280) and in the burn-in after the alarm (row 420).
    @Test(arguments: [120, 215, 280, 420])
    func resumingFromStateEqualsOneRun(cut: Int) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, lines) = try Self.simulatedStream(in: dir)
        let wholeTrace = dir.appendingPathComponent("whole-trace.csv")
        let whole = try CLI.run(["monitor", csv.path, "--trace", wholeTrace.path] + Self.fast)
        #expect(whole.status == 0, "\(whole.stderr)")

        let header = lines[0]
        let part1 = dir.appendingPathComponent("part1.csv"), part2 = dir.appendingPathComponent("part2.csv")
        try ([header] + lines[1...cut]).joined(separator: "\n").appending("\n").write(to: part1, atomically: true, encoding: .utf8)
        try ([header] + lines[(cut + 1)...]).joined(separator: "\n").appending("\n").write(to: part2, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.json"), trace = dir.appendingPathComponent("trace.csv")
        let first = try CLI.run(["monitor", part1.path, "--state", state.path, "--trace", trace.path] + Self.fast)
        let second = try CLI.run(["monitor", part2.path, "--state", state.path, "--trace", trace.path] + Self.fast)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(second.stderr.contains("resuming"))

        // Alarms and final network changes; a run that ends inside a burn-in also reports a
        // provisional network change, which the resumed run later replaces by the final one.
        func alarmLines(_ data: Data) -> [String] {
            String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter {
                ($0.contains("\"event\":\"alarm\"") || $0.contains("\"event\":\"networkChange\"")) && !$0.contains("\"provisional\":true")
            }
        }
        let expected = alarmLines(whole.stdout)
        #expect(!expected.isEmpty)
        #expect(alarmLines(first.stdout) + alarmLines(second.stdout) == expected)
        #expect(try String(contentsOf: trace, encoding: .utf8) == String(contentsOf: wholeTrace, encoding: .utf8))
        let summary = Self.jsonLines(second.stdout).last
        #expect(summary?["observations"] as? Int == lines.count - 1)
    }

    @Test func aFixedReferenceFromFitScoresFromTheFirstWindow() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, lines) = try Self.simulatedStream(in: dir)
        let before = dir.appendingPathComponent("before.csv"), after = dir.appendingPathComponent("after.csv")
        try (lines[0...250]).joined(separator: "\n").appending("\n").write(to: before, atomically: true, encoding: .utf8)
        try ([lines[0]] + lines[251...]).joined(separator: "\n").appending("\n").write(to: after, atomically: true, encoding: .utf8)
        let net = dir.appendingPathComponent("net.json")
        let fit = try CLI.run(["fit", before.path, "--method", "nodewise", "--output", net.path])
        #expect(fit.status == 0, "\(fit.stderr)")
        let trace = dir.appendingPathComponent("trace.csv")
        let out = try CLI.run(["monitor", after.path, "--reference", net.path, "--window", "30", "--detector", "global",
                               "--threshold", "5", "--trace", trace.path])
        #expect(out.status == 0, "\(out.stderr)")
        let traceLines = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")
        #expect(traceLines.first == "index,global,globalThreshold")
        #expect(traceLines.dropFirst().first?.hasPrefix("29,") == true, "no burn-in: the first window ends at row 29")
        let alarms = Self.jsonLines(out.stdout).filter { $0["event"] as? String == "alarm" }
        // The change is at row 300 of the stream, row 49 of this part.
        #expect(alarms.contains { (49..<109).contains($0["index"] as? Int ?? -1) })
        // A reference for other nodes is refused with a clear message.
        var renamed = lines
        renamed[0] = (1...10).map { "node\($0)" }.joined(separator: ",")
        let other = dir.appendingPathComponent("other.csv")
        try (renamed.joined(separator: "\n") + "\n").write(to: other, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["monitor", other.path, "--reference", net.path, "--threshold", "5", "--detector", "global"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("names"))
    }

    @Test func simulatePipedIntoMonitorFindsTheChanges() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = "\"\(CLI.binary!.path)\" simulate --nodes 20 --segment-lengths 900,600 --graph hub --change global --seed 5 | \"\(CLI.binary!.path)\" monitor - --replicates 60"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let events = Self.jsonLines(data)
        let alarms = events.filter { $0["event"] as? String == "alarm" }.compactMap { $0["index"] as? Int }
        #expect(alarms.contains { (900..<1000).contains($0) }, "alarms: \(alarms)")
        #expect(events.last?["event"] as? String == "summary")
    }

    @Test func calibrateAndReportRunOnAMonitorRun() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, _) = try Self.simulatedStream(in: dir)
        let cal = try CLI.run(["calibrate", csv.path, "--burn-in", "200", "--window", "30", "--replicates", "40",
                               "--false-alarm-prob", "0.1", "--horizon", "200"])
        #expect(cal.status == 0, "\(cal.stderr)")
        let text = String(decoding: cal.stdout, as: UTF8.self)
        #expect(text.contains("| global T |") && text.contains("| local M |") && text.contains("Gumbel tau"))

        let trace = dir.appendingPathComponent("trace.csv"), events = dir.appendingPathComponent("events.jsonl")
        let run = try CLI.run(["monitor", csv.path, "--trace", trace.path] + Self.fast)
        try run.stdout.write(to: events)
        let html = dir.appendingPathComponent("report.html")
        let report = try CLI.run(["report", "--events", events.path, "--trace", trace.path, "--data", csv.path, "-o", html.path])
        #expect(report.status == 0, "\(report.stderr)")
        let alarms = Self.jsonLines(run.stdout).filter { $0["event"] as? String == "alarm" }.count
        let page = try ReportXML(contentsOf: html)
        #expect(page.count(class: "alarm-marker") == alarms * 4, "one marker per alarm on each of the 4 charts")
        #expect(page.count(class: "network-panel") == Self.jsonLines(run.stdout).filter { $0["event"] as? String == "networkChange" }.count)
        #expect(page.texts(class: "axis-title").contains("Observation"))

        // A broken trace is an error naming the file and line.
        try "index,global,globalThreshold\n12,abc,4\n".write(to: trace, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["report", "--events", events.path, "--trace", trace.path, "-o", html.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 2"), "\(bad.stderr)")
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The report parsed as XML: element counts by class and texts, for asserting on its content.
final class ReportXML: NSObject, XMLParserDelegate {
    private var classes: [String: Int] = [:]
    private var textsByClass: [String: [String]] = [:]
    private var stack: [[String]] = []
    private var current = ""

    init(contentsOf url: URL) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: url))
        parser.delegate = self
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
    }

    func count(class name: String) -> Int { classes[name, default: 0] }
    func texts(class name: String) -> [String] { textsByClass[name, default: []] }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        let list = (attributes["class"] ?? "").split(separator: " ").map(String.init)
        for c in list { classes[c, default: 0] += 1 }
        stack.append(list)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        let list = stack.popLast() ?? []
        let text = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { for c in list { textsByClass[c, default: []].append(text) } }
        current = ""
    }
}

/// SIGINT while the monitor waits on standard input: the state is saved and nothing is lost.
@Suite("CLI: signals", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLISignalTests {
    @Test func interruptSavesTheStateAndResumingLosesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (csv, lines) = try CLIMonitorTests.simulatedStream(in: dir)
        let wholeTrace = dir.appendingPathComponent("whole-trace.csv")
        let whole = try CLI.run(["monitor", csv.path, "--trace", wholeTrace.path] + CLIMonitorTests.fast)
        #expect(whole.status == 0)

        // Feed the first 330 rows through a pipe that stays open, then interrupt.
        let state = dir.appendingPathComponent("state.json"), trace = dir.appendingPathComponent("trace.csv")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["monitor", "-", "--state", state.path, "--trace", trace.path] + CLIMonitorTests.fast
        let input = Pipe()
        let output = dir.appendingPathComponent("first.jsonl")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: output)
        process.standardInput = input
        process.standardOutput = outHandle
        process.standardError = FileHandle.nullDevice
        try process.run()
        let cut = 330
        input.fileHandleForWriting.write(Data((lines[0...cut].joined(separator: "\n") + "\n").utf8))
        // Wait until the monitor has consumed every row (the state is only written at the interrupt,
        // so poll the flushed alarm output for the alarm after the change, then give it a moment).
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if text.contains("\"event\":\"alarm\"") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 1.0)
        process.interrupt()
        process.waitUntilExit()
        try outHandle.close()
        #expect(process.terminationStatus == 130)
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any]
        #expect(saved?["observationCount"] as? Int == cut)

        // Resume with the rest of the stream.
        let rest = dir.appendingPathComponent("rest.csv")
        try ([lines[0]] + lines[(cut + 1)...]).joined(separator: "\n").appending("\n").write(to: rest, atomically: true, encoding: .utf8)
        let second = try CLI.run(["monitor", rest.path, "--state", state.path, "--trace", trace.path] + CLIMonitorTests.fast)
        #expect(second.status == 0, "\(second.stderr)")
        func alarms(_ data: Data) -> [String] {
            String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.contains("\"event\":\"alarm\"") }
        }
        #expect(alarms(try Data(contentsOf: output)) + alarms(second.stdout) == alarms(whole.stdout))
        #expect(try String(contentsOf: trace, encoding: .utf8) == String(contentsOf: wholeTrace, encoding: .utf8))
    }
}
