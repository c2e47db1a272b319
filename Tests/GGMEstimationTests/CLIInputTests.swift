import Foundation
import GGMCore
import Testing

/// Hostile data files and option values, run through the built `ggmwatch` as a user runs it.
@Suite("CLI: data input", .enabled(if: CLI.binary != nil, CLI.missingMessage))
struct CLIInputTests {
    /// Fixed thresholds keep the monitor runs fast (no calibration).
    static let fast = ["--burn-in", "200", "--window", "30", "--refit-every", "30", "--threshold", "5", "--local-threshold", "6.5"]
    static let names = ["a", "b", "c", "d", "e", "f"]

    /// The rows of `CLITests.chainData()` as CSV lines (shortest round-trip numbers), with an
    /// optional first cell per row and a separator.
    static func lines(first: ((Int) -> String)? = nil, separator: String = ",") throws -> [String] {
        let x = try CLITests.chainData()
        return (0..<x.rows).map { t in
            ((first.map { [$0(t)] } ?? []) + x.row(t).map { "\($0)" }).joined(separator: separator)
        }
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func fit(_ arguments: [String]) throws -> (output: CLI.Output, file: FitOutput?) {
        let out = try CLI.run(["fit"] + arguments)
        return (out, out.status == 0 ? try JSONDecoder().decode(FitOutput.self, from: out.stdout) : nil)
    }

    /// The monitor's final summary line.
    static func summary(_ out: CLI.Output) -> [String: Any]? {
        String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.last { $0["event"] as? String == "summary" }
    }

    // MARK: Header and labels

    @Test("a header of numbers: read as data with a warning; --header reads it as names")
    func numericHeader() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try Self.write((["101,102,103,104,105,106"] + Self.lines()).joined(separator: "\n") + "\n", "numeric-header.csv", in: dir)

        let auto = try Self.fit([csv.path])
        #expect(auto.output.status == 0, "\(auto.output.stderr)")
        #expect(auto.output.stderr.contains("warning: line 1 (101,102,103,104,105,106) consists of distinct integers"), "\(auto.output.stderr)")
        #expect(auto.output.stderr.contains("give --header to read it as names"))
        #expect(auto.file?.sampleSize == 301)

        let header = try Self.fit([csv.path, "--header"])
        #expect(header.output.status == 0, "\(header.output.stderr)")
        #expect(header.file?.names == ["101", "102", "103", "104", "105", "106"] && header.file?.sampleSize == 300)
        #expect(!header.output.stderr.contains("warning"))

        let noHeader = try Self.fit([csv.path, "--no-header"])
        #expect(noHeader.file?.sampleSize == 301 && !noHeader.output.stderr.contains("warning"))
    }

    @Test("a first column of epoch seconds: a node with a warning; --labels makes it row labels")
    func timestampColumn() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try Self.lines(first: { "\(1_700_000_000 + 60 * $0)" })
        let csv = try Self.write((["time," + Self.names.joined(separator: ",")] + rows).joined(separator: "\n") + "\n", "time.csv", in: dir)
        let plain = try Self.write(([Self.names.joined(separator: ",")] + Self.lines()).joined(separator: "\n") + "\n", "plain.csv", in: dir)

        let auto = try Self.fit([csv.path])
        #expect(auto.output.status == 0, "\(auto.output.stderr)")
        #expect(auto.file?.names.first == "time" && auto.file?.names.count == 7)
        #expect(auto.output.stderr.contains("warning: the first column (time) increases strictly in integer steps"), "\(auto.output.stderr)")
        #expect(auto.output.stderr.contains("give --labels 1 to use it as row labels"))

        let expected = try Self.fit([plain.path])
        for labels in [["--labels", "time"], ["--labels", "1"]] {
            let labelled = try Self.fit([csv.path] + labels)
            #expect(labelled.output.status == 0, "\(labelled.output.stderr)")
            #expect(labelled.file?.names == Self.names && labelled.file?.sampleSize == 300)
            #expect(labelled.file?.precision == expected.file?.precision)
            #expect(!labelled.output.stderr.contains("warning"))
        }
        // Labels select rows: epoch seconds compare as numbers.
        let range = try Self.fit([csv.path, "--labels", "time", "--from", "1700000600", "--to", "1700006000"])
        #expect(range.file?.sampleSize == 91, "\(range.output.stderr)")

        let noLabels = try Self.fit([csv.path, "--no-labels"])
        #expect(noLabels.file?.names.count == 7 && !noLabels.output.stderr.contains("warning"))

        // The monitor warns the same way, on standard error.
        let monitor = try CLI.run(["monitor", csv.path, "--quiet"] + Self.fast)
        #expect(monitor.status == 0, "\(monitor.stderr)")
        #expect(monitor.stderr.contains("warning: the first column (time)"), "\(monitor.stderr)")

        let both = try CLI.run(["fit", csv.path, "--labels", "1", "--no-labels"])
        #expect(both.status != 0 && both.stderr.contains("Give --labels or --no-labels, not both."), "\(both.stderr)")
        let missing = try CLI.run(["fit", csv.path, "--labels", "date"])
        #expect(missing.status != 0 && missing.stderr.contains("no column is named \"date\""), "\(missing.stderr)")
        let sp500 = try CLI.run(["fit", "--sp500", "--no-header"])
        #expect(sp500.status != 0 && sp500.stderr.contains("--no-header applies to data files"), "\(sp500.stderr)")
    }

    @Test("a first row label NA is a label, not a missing value")
    func naLabel() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try Self.lines(first: { $0 == 0 ? "NA" : "s\($0)" })
        let csv = try Self.write((["sample," + Self.names.joined(separator: ",")] + rows).joined(separator: "\n") + "\n", "na.csv", in: dir)
        let fit = try Self.fit([csv.path])
        #expect(fit.output.status == 0, "\(fit.output.stderr)")
        #expect(fit.file?.names == Self.names && fit.file?.sampleSize == 300)
    }

    // MARK: Missing values

    @Test("--missing skip-row: every row dropped (a trailing comma) is an error; a count otherwise")
    func skipRow() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trailing = try Self.write(([Self.names.joined(separator: ",") + ","] + Self.lines().map { $0 + "," }).joined(separator: "\n") + "\n",
                                      "trailing.csv", in: dir)
        for command in [["fit"], ["monitor", "--quiet"] + Self.fast] {
            let out = try CLI.run(command + [trailing.path, "--missing", "skip-row"])
            #expect(out.status != 0, "\(command[0])")
            #expect(out.stderr.contains("no rows left: the missing-value policy skip-row dropped all 300 data rows"), "\(out.stderr)")
            #expect(out.stderr.contains("line 2, column 7 (x7)"), "\(out.stderr)")
        }

        var lines = try Self.lines()
        for k in [10, 50, 250] { lines[k] = lines[k].split(separator: ",").dropLast().joined(separator: ",") + ",NA" }
        let some = try Self.write(([Self.names.joined(separator: ",")] + lines).joined(separator: "\n") + "\n", "some.csv", in: dir)
        let fit = try Self.fit([some.path, "--missing", "skip-row"])
        #expect(fit.file?.sampleSize == 297)
        #expect(fit.output.stderr.contains("skipped 3 rows with missing values (lines 12, 52, 252)"), "\(fit.output.stderr)")
        let monitor = try CLI.run(["monitor", some.path, "--missing", "skip-row", "--quiet"] + Self.fast)
        #expect(monitor.status == 0, "\(monitor.stderr)")
        #expect(monitor.stderr.contains("skipped 3 rows with missing values (lines 12, 52, 252)"), "\(monitor.stderr)")
        #expect(Self.summary(monitor)?["observations"] as? Int == 297)
    }

    // MARK: --from/--to

    @Test("--from/--to select the same rows in fit and monitor; unsorted labels are an error naming the row")
    func labelRange() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        let start = calendar.date(from: DateComponents(year: 2020, month: 1, day: 1))!
        let dates = (0..<300).map { formatter.string(from: calendar.date(byAdding: .day, value: $0, to: start)!) }
        let header = "date," + Self.names.joined(separator: ",")
        var rows = try Self.lines(first: { dates[$0] })
        let sorted = try Self.write(([header] + rows).joined(separator: "\n") + "\n", "sorted.csv", in: dir)
        let range = ["--from", dates[20], "--to", dates[279]]

        let fit = try Self.fit([sorted.path] + range)
        #expect(fit.file?.sampleSize == 260, "\(fit.output.stderr)")
        let monitor = try CLI.run(["monitor", sorted.path, "--quiet"] + range + Self.fast)
        #expect(Self.summary(monitor)?["observations"] as? Int == 260, "\(monitor.stderr)")

        // Two rows inside the range swapped, and a row after --to moved before it: both commands
        // stop at the first label out of order, with the same message.
        rows.swapAt(100, 101)
        let unsorted = try Self.write(([header] + rows).joined(separator: "\n") + "\n", "unsorted.csv", in: dir)
        let message = "line 103: row label \"\(dates[100])\" comes after \"\(dates[101])\""
        let badFit = try CLI.run(["fit", unsorted.path] + range)
        #expect(badFit.status != 0 && badFit.stderr.contains(message), "\(badFit.stderr)")
        let badMonitor = try CLI.run(["monitor", unsorted.path, "--quiet"] + range + Self.fast)
        #expect(badMonitor.status != 0 && badMonitor.stderr.contains(message), "\(badMonitor.stderr)")

        rows.swapAt(100, 101)
        rows.insert(rows.remove(at: 290), at: 200)   // a late date inside the range
        let late = try Self.write(([header] + rows).joined(separator: "\n") + "\n", "late.csv", in: dir)
        let lateMessage = "line 203: row label \"\(dates[200])\" comes after \"\(dates[290])\""
        for command in [["fit"], ["monitor", "--quiet"] + Self.fast] {
            let out = try CLI.run(command + [late.path] + range)
            #expect(out.status != 0 && out.stderr.contains(lateMessage), "\(command[0]): \(out.stderr)")
        }
        // Without a range the order does not matter.
        #expect(try Self.fit([late.path]).file?.sampleSize == 300)
    }

    // MARK: Line endings and separators

    @Test("CR line endings, semicolons and tabs read like a comma-separated file")
    func lineEndingsAndSeparators() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let comma = try Self.write(([Self.names.joined(separator: ",")] + Self.lines()).joined(separator: "\n") + "\n", "comma.csv", in: dir)
        let expected = try Self.fit([comma.path])
        #expect(expected.output.status == 0)
        let variants = [
            ("cr.csv", (try [Self.names.joined(separator: ",")] + Self.lines()).joined(separator: "\r") + "\r"),
            ("semicolon.csv", (try [Self.names.joined(separator: ";")] + Self.lines(separator: ";")).joined(separator: "\n") + "\n"),
            ("tab.tsv", (try [Self.names.joined(separator: "\t")] + Self.lines(separator: "\t")).joined(separator: "\r\n") + "\r\n"),
        ]
        for (name, text) in variants {
            let url = try Self.write(text, name, in: dir)
            let got = try Self.fit([url.path])
            #expect(got.output.status == 0, "\(name): \(got.output.stderr)")
            #expect(got.file?.names == Self.names && got.file?.precision == expected.file?.precision, "\(name)")
        }
        let forced = try Self.fit([try Self.write(variants[1].1, "forced.csv", in: dir).path, "--separator", "semicolon"])
        #expect(forced.file?.precision == expected.file?.precision)
    }

    // MARK: Option values and names

    @Test("negative numbers reach validation and get its message", arguments: [
        (["monitor", "data.csv", "--window", "-1"], "--window must be at least 2."),
        (["monitor", "data.csv", "--burn-in", "-5"], "--burn-in must be at least 2."),
        (["calibrate", "data.csv", "--refit-every", "-1"], "--refit-every must be 0 (never) or positive."),
        (["monitor", "data.csv", "--theory-constant", "-1"], "--theory-constant must be positive."),
        (["monitor", "data.csv", "--alpha", "-0.1"], "--alpha must be in (0, 1) (got -0.1)."),
        (["fit", "data.csv", "--lambda", "-1"], "--lambda must be a non-negative number (got -1.0)."),
        (["fit", "data.csv", "--theory-constant", "-2"], "--theory-constant must be a positive number (got -2.0)."),
        (["simulate", "--nodes", "-3", "--segment-lengths", "10"], "--nodes must be a positive number of columns (got -3)."),
        (["simulate", "--nodes", "5", "--segment-lengths", "-10"], "segment length 1 is '-10'"),
        (["simulate", "--nodes", "5", "--segment-lengths", "10", "--local-strength", "-1"], "--local-strength must be a positive number (got -1.0)."),
    ])
    func negativeValues(arguments: [String], message: String) throws {
        let out = try CLI.run(arguments)
        #expect(out.status != 0)
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(!out.stderr.contains("Missing value"), "\(out.stderr)")
    }

    @Test("no single-letter long options; --version")
    func optionNames() throws {
        for arguments in [["fit", "data.csv", "--c", "1"], ["monitor", "data.csv", "--c", "1"],
                          ["simulate", "--nodes", "5", "--p", "5", "--segment-lengths", "10"], ["evaluate", "--p", "50"]] {
            let out = try CLI.run(arguments)
            #expect(out.status != 0 && out.stderr.contains("Unknown option"), "\(arguments): \(out.stderr)")
        }
        let simulated = try CLI.run(["simulate", "--nodes", "5", "--segment-lengths", "10"])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        #expect(String(decoding: simulated.stdout, as: UTF8.self).hasPrefix("x1,x2,x3,x4,x5\n"))
        let evaluate = try CLI.run(["evaluate", "--nodes", "3"])
        #expect(evaluate.status != 0 && evaluate.stderr.contains("--nodes must be at least 4 (got 3)."), "\(evaluate.stderr)")

        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try CLI.writeCSV(try CLITests.chainData(), names: Self.names, to: csv)
        let fit = try Self.fit([csv.path, "--theory-constant", "0.5"])
        #expect(fit.output.status == 0, "\(fit.output.stderr)")
        #expect(Swift.abs((fit.file?.lambda ?? 0) - 0.5 * (Foundation.log(6.0) / 300).squareRoot()) < 1e-15)

        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(String(decoding: version.stdout, as: UTF8.self) == "0.16.0\n")
    }
}
