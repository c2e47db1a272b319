import ArgumentParser
import Foundation
import GGMCore
import GGMData
import GGMDetection
import GGMReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML report of a monitor run from its events, trace and data.",
        discussion: """
        ggmwatch monitor DATA.csv --trace trace.csv > events.jsonl
        ggmwatch report --events events.jsonl --trace trace.csv --data DATA.csv [--groups groups.csv] -o report.html

        One self-contained HTML file (inline SVG, no network access needed): the statistics over time \
        with thresholds, alarms and estimated change times; the data's cross-sectional average and \
        rolling volatility; for each change, the networks before and after and the most changed edges.
        """)

    @Option(help: "JSON Lines written by `ggmwatch monitor` (alarms, network changes, summary).")
    var events: String

    @Option(help: "Trace CSV written by `ggmwatch monitor --trace`.")
    var trace: String?

    @Option(help: "The monitored data (CSV), for dates and the data panels.")
    var data: String?

    @Flag(help: "The monitored data is the embedded S&P 500 returns (as `monitor --sp500`).")
    var sp500 = false

    @Flag(name: .customLong("ewma-scale"), help: "With --sp500: the monitor ran on EWMA-scaled returns (dates shift by the warm-up).")
    var ewmaScale = false

    @Option(help: "CSV mapping node to group (node,group).")
    var groups: String?

    @OptionGroup(title: "Data file format (of --data)")
    var format: InputFormatOptions

    @Option(help: "Report title.")
    var title: String = "ggmwatch network monitor"

    @Option(name: [.short, .customLong("output")], help: "Where to write the HTML report.")
    var output: String = "ggmwatch-report.html"

    func validate() throws {
        if data != nil && sp500 { throw ValidationError("Give --data or --sp500, not both.") }
        if data == nil, let option = format.fileOnlyOptionGiven ?? (format.missing != .error ? "--missing" : nil) {
            throw ValidationError("\(option) applies to the --data file.")
        }
    }

    func run() throws {
        try OutputFile.checkWritable(output, what: "the report")
        var dataset: Dataset?
        if data != nil || sp500 {
            dataset = try DataOptions.loadDatasetWithNotes(path: data, sp500: sp500, from: nil, to: nil,
                                                       read: format.readOptions, ewmaScale: ewmaScale).dataset
        }
        var record = try MonitorRecord.load(eventsPath: events, tracePath: trace, dataset: dataset)
        record.title = title
        record.command = "ggmwatch " + CommandLine.arguments.dropFirst().joined(separator: " ")
        record.groups = try GroupMap.load(path: groups, sp500: sp500)?.groups(for: record.names)
        try OutputFile.write(Data(HTMLReport.render(record.document()).utf8), to: output, what: "the report")
        FileHandle.standardError.write("report: \(URL(fileURLWithPath: output).standardizedFileURL.path) (\(record.alarms.count) alarms, \(record.changes.count) network changes, \(record.trace.count) windows)\n")
    }
}

/// Errors reading a monitor run's files, with the file and line.
struct RunFileError: Error, CustomStringConvertible {
    let file: String
    let line: Int
    let reason: String
    var description: String { "\(file), line \(line): \(reason)" }
}

extension MonitorRecord {
    /// Reads `monitor`'s JSON Lines events and trace CSV; the dataset gives names, dates and panels.
    static func load(eventsPath: String, tracePath: String?, dataset: Dataset?) throws -> MonitorRecord {
        var record = MonitorRecord(title: "", command: "", names: dataset?.names ?? [], labels: dataset?.rowLabels, groups: nil)
        record.panelData = dataset?.values
        let text: String
        do { text = try String(contentsOfFile: eventsPath, encoding: .utf8) } catch {
            throw RunError("cannot read events \(eventsPath): \(error.localizedDescription)")
        }
        do {
            try record.add(eventLines: text)
        } catch {
            throw RunFileError(file: eventsPath, line: error.line, reason: error.reason)
        }
        if let c = record.summary?.calibration {
            record.notes.append(String(format: "Thresholds calibrated by Monte Carlo (%d replicates, horizon %d, target false-alarm probability %.3f): global %@, local %@; nominal %@ / %@.",
                c.replicates, c.horizon, c.targetProbability,
                c.thresholds.global.map { String(format: "%.2f", $0) } ?? "—", c.thresholds.local.map { String(format: "%.2f", $0) } ?? "—",
                c.nominal.global.map { String(format: "%.2f", $0) } ?? "—", c.nominal.local.map { String(format: "%.2f", $0) } ?? "—"))
        }
        if let tracePath { record.trace = try readTrace(tracePath) }
        return record
    }

    static func readTrace(_ path: String) throws -> [TraceRow] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RunError("cannot read trace \(path): \(error.localizedDescription)")
        }
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next()?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              header.first == "index" else {
            throw RunFileError(file: path, line: 1, reason: "expected a header starting with index (a trace written by monitor --trace)")
        }
        var rows: [TraceRow] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count else {
                throw RunFileError(file: path, line: lineNumber, reason: "\(fields.count) fields, expected \(header.count)")
            }
            var row = TraceRow(index: 0)
            for (column, name) in header.enumerated() {
                let field = fields[column]
                if column == 0 {
                    guard let index = Int(field) else {
                        throw RunFileError(file: path, line: lineNumber, reason: "index \"\(field)\" is not an integer")
                    }
                    row.index = index
                    continue
                }
                guard !field.isEmpty else { continue }
                guard let value = Double(field) else {
                    throw RunFileError(file: path, line: lineNumber, reason: "column \(name): \"\(field)\" is not a number")
                }
                switch name {
                case "global": row.global = value
                case "globalThreshold": row.globalThreshold = value
                case "local": row.local = value
                case "localThreshold": row.localThreshold = value
                default: break
                }
            }
            rows.append(row)
        }
        return rows
    }
}
