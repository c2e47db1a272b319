import ArgumentParser
import Foundation
import GGMCore
import GGMData
import GGMDetection

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch a stream and raise an alarm when its network of dependencies changes.",
        discussion: """
        Reads observations one row at a time (a CSV file, - for standard input, or --sp500) and writes \
        one JSON object per alarm to standard output as it happens (JSON Lines, flushed), then a final \
        summary object. `tail -f sensors.csv | ggmwatch monitor -` raises alarms live.

        The reference network is estimated from a burn-in, refitted every --refit-every quiet steps \
        from all data since the last change except the current window, and re-estimated from a fresh \
        burn-in after each alarm. With --reference net.json (the `fit` output) that network, with the \
        file's mean (the data's column means), is the fixed reference: no burn-in, no refit; an alarm only empties the window.

        Thresholds are calibrated by Monte Carlo for a target average run length unless --alpha or \
        --threshold is given. With --state FILE the monitor resumes from FILE when it exists and saves \
        its whole state there at the end of input, on a data error, and on SIGINT/SIGTERM: feeding a \
        stream in two parts gives exactly the alarms and trace of one run.
        """)

    @OptionGroup var data: DataOptions
    @OptionGroup var detection: DetectionOptions
    @OptionGroup var thresholdOptions: ThresholdOptions

    @Option(help: "Fixed reference network (JSON written by `ggmwatch fit`).")
    var reference: String?

    @Option(name: .customLong("in-control"), help: "In-control (Phase I) data: CSV of normal operation, same columns. The reference (with its lags) and the thresholds are fitted and calibrated on it; the live data are monitored from their first row (indices count live rows from 0), against that model, with no refits; after an alarm the monitor keeps watching, raises no new alarm while the excursion lasts and reports its end.")
    var inControl: String?

    @Flag(help: "With --in-control: after an alarm, restart on the live data (a fresh burn-in from the next row, then refits), as without --in-control. With an in-control model (--reference from `fit --in-control`): empty the window after an alarm instead of following the excursion.")
    var restart = false

    @Option(help: "Write a CSV row per evaluated window: index, statistics and thresholds.")
    var trace: String?

    @Option(help: "Monitor state file: loaded if it exists, saved at the end, on errors, on SIGINT/SIGTERM/SIGHUP, when standard output closes, before an alarm is printed and every --checkpoint-seconds; locked while the monitor runs.")
    var state: String?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "With --state, also save it every this many rows (0: not by rows).")
    var checkpointEvery: Int = 0

    @Option(name: .customLong("checkpoint-seconds"), parsing: .unconditional, help: "With --state, also save it when this many seconds have passed since the last save and a row arrives (0: not by time). Rows that raise an alarm are always saved before the alarm is printed.")
    var checkpointSeconds: Double = 10

    @Option(help: "CSV mapping node to group (node,group), to name the groups most involved in each alarm. The S&P 500 uses its GICS sectors.")
    var groups: String?

    @Flag(help: "No progress messages on standard error.")
    var quiet = false

    func validate() throws {
        if inControl != nil && reference != nil { throw ValidationError("Give --in-control (fit and calibrate on normal data) or --reference (a fitted network), not both.") }
        if detection.restartBurnIn != nil && reference != nil { throw ValidationError("--restart-burn-in goes with a reference the monitor estimates after each alarm; a --reference network is fixed.") }
        if detection.memory != .expanding && reference != nil { throw ValidationError("--memory goes with a reference the monitor estimates and refits; a --reference network is fixed.") }
        if restart && inControl == nil && reference == nil { throw ValidationError("--restart goes with --in-control or an in-control model (--reference; without them the monitor restarts after every alarm).") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be 0 (never) or a positive number of rows.") }
        guard checkpointSeconds >= 0, checkpointSeconds.isFinite else { throw ValidationError("--checkpoint-seconds must be 0 (never) or a positive number of seconds.") }
    }

    func run() throws {
        AllocatorTuning.keepLargeBlocks()
        // One stream: the local statistic's update is split across the cores (HelperThreads).
        HelperThreads.enable()
        let opened = try data.openStreamAndReader()
        var source = opened.source
        let names = source.names
        let session = try MonitorSession(
            names: names, statePath: state, tracePath: trace, checkpointEvery: checkpointEvery,
            checkpointSeconds: checkpointSeconds,
            makeMonitor: { () throws -> OnlineMonitor in
                let rule = try thresholdOptions.rule(detector: detection.detector, severalWindows: !detection.windowSet.short.isEmpty)
                let configuration = detection.configuration(thresholds: rule)
                if let inControl {
                    return try InControl.monitor(path: inControl, names: names, configuration: configuration,
                                                 restart: restart, format: data.format, quiet: quiet)
                }
                if let reference {
                    let network = try NetworkFile.load(path: reference)
                    guard network.names == names else {
                        let mismatch = NodeNameMismatch.first(expected: network.names, found: names)
                        throw RunError("the node names of the reference network \(reference) do not match the data: \(mismatch.map(String.init(describing:)) ?? "node names differ")")
                    }
                    return try network.fixedMonitor(path: reference, configuration: configuration,
                                                    thresholdsGiven: thresholdOptions.anyGiven, restart: restart)
                }
                return try OnlineMonitor(dimension: names.count, configuration: configuration, names: names)
            })
        session.groups = try data.nodeGroups(names: names, groupsPath: groups)
        if let path = data.data, path != "-", !data.sp500, let identity = InputCheckpoint.identity(path: path) {
            session.inputIdentity = (path, identity.length, identity.digest)
        }
        if session.resumed, let state, let saved = InputCheckpoint.load(statePath: state) {
            if let path = data.data, saved.matches(path: path) {
                // The same file (or the same file grown): its first rows were consumed by the saved run.
                var skipped = 0
                while skipped < saved.consumed, try source.next() != nil { skipped += 1 }
                session.skippedAtStart = skipped
                FileHandle.standardError.write("monitor: \(path) is the input of the saved run: skipped its first \(skipped) observations, already consumed\n")
            } else if let previous = saved.previous {
                opened.reader?.carryForward(previous)
            }
        }
        session.installSignalHandlers()
        if session.resumed { session.writeResumeEvent() }
        let progress = Progress(enabled: !quiet && data.data != nil && data.data != "-")
        // From a file (not a pipe, whose rows must not wait for later ones), rows are read ahead
        // while the monitor can take them in blocks (large p; see MonitorSession.process(block:)).
        let readsAhead = data.sp500 || (data.data.map { $0 != "-" } ?? false)
        do {
            while true {
                let room = readsAhead ? session.quietBlockRoom : 0
                if room >= 2 {
                    var block: [Observation] = []
                    var readError: (any Error)?
                    do {
                        while block.count < room, let observation = try source.next() { block.append(observation) }
                    } catch {
                        // The rows before a bad one are processed first, as one at a time would.
                        readError = error
                    }
                    if !block.isEmpty { try session.process(block: block) }
                    if let readError { throw readError }
                    progress.tick(rows: session.rowsThisRun, alarms: session.alarmsThisRun)
                    if block.count < room { break }
                    continue
                }
                guard let observation = try source.next() else { break }
                try session.process(observation)
                progress.tick(rows: session.rowsThisRun, alarms: session.alarmsThisRun)
            }
        } catch is OutputClosed {
            session.finish(saveState: true)
            throw ExitCode(141)   // 128 + SIGPIPE, as a shell reports a process killed by it
        } catch {
            session.finish(saveState: true)
            throw error
        }
        do {
            try session.writeSummary(skippedRows: source.skippedRows)
        } catch is OutputClosed {
            session.finish(saveState: true)
            throw ExitCode(141)
        } catch {
            session.finish(saveState: true)
            throw error
        }
        guard session.finish(saveState: true) else {
            throw RunError("the monitor state could not be saved to \(state ?? "")")
        }
    }
}
