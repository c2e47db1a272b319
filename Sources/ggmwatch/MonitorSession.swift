import ArgumentParser
import Dispatch
import Foundation
import GGMData
import GGMDetection

#if canImport(Glibc)
import Glibc
#endif

/// The monitor command's running state: the monitor, its outputs, and the state file.
///
/// Every observation is processed under `lock`; a SIGINT/SIGTERM handler (on another thread)
/// takes the same lock, so it saves a state that lies between two observations, flushes the
/// outputs and exits. The state file is written atomically (a temporary file, then rename).
final class MonitorSession: @unchecked Sendable {
    private let lock = NSLock()
    private var driver: MonitorDriver<NetworkScore>
    private let statePath: String?
    private var traceFile: UnsafeMutablePointer<FILE>?
    private var signalSources: [DispatchSourceSignal] = []
    private var lastLabel: String?
    /// Set by SIGINT/SIGTERM while a calibration runs: it stops between replicates.
    private let interrupted = InterruptFlag()

    var monitor: OnlineMonitor { driver.monitor }
    var rowsThisRun: Int { driver.observationsThisRun }
    var alarmsThisRun: Int { driver.alarmsThisRun }
    /// Group of each node (S&P 500 sectors, or `--groups`), for attributing alarms to groups.
    var groups: [String?]? {
        get { driver.groups }
        set { driver.groups = newValue }
    }

    /// Periodic saves of the state: after `checkpointEvery` rows (0: not by rows), and after
    /// `checkpointSeconds` seconds once a row has arrived (0: not by time).
    private let checkpointEvery: Int
    private let checkpointSeconds: Double
    private var rowsSinceCheckpoint = 0
    private var lastCheckpoint = Date()
    /// Held for the whole run: a second monitor on the same state file refuses to start.
    private var lockDescriptor: Int32 = -1
    /// Whether the monitor resumed from a saved state.
    private(set) var resumed = false
    /// The data file being read (nil: standard input or the embedded data), for ``InputCheckpoint``.
    var inputIdentity: (path: String, length: Int, digest: String)?
    /// Observations of the input skipped at the start because an earlier run consumed them.
    var skippedAtStart = 0
    /// The values of the last observation processed (carried by `--missing previous` across runs).
    private var lastValues: [Double]?
    /// Says how far a calibration is, every few seconds, on standard error.
    private let calibrationProgress = CalibrationProgress(prefix: "monitor")
    /// Says, every 10 s, that a row is still being processed (a reference fit at large p).
    private let heartbeat = Heartbeat()
    /// Replicates per calibration (nil: thresholds are not calibrated).
    private var replicates: Int? {
        if case let .calibrated(settings) = monitor.settings.thresholds { return settings.replicates }
        return nil
    }

    init(names: [String], statePath: String?, tracePath: String?, checkpointEvery: Int = 0,
         checkpointSeconds: Double = 0, makeMonitor: () throws -> OnlineMonitor) throws {
        self.statePath = statePath
        self.checkpointEvery = checkpointEvery
        self.checkpointSeconds = checkpointSeconds
        if let statePath { lockDescriptor = try Self.lock(statePath) }
        let fresh = try makeMonitor()
        var monitor = fresh
        if let statePath, FileManager.default.fileExists(atPath: statePath) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: statePath)) } catch {
                throw RunError("cannot read state file \(statePath): \(error.localizedDescription)")
            }
            do { monitor = try JSONDecoder().decode(OnlineMonitor.self, from: data) } catch {
                throw RunError("\(statePath) is not a usable monitor state file: \(DecodingMessage.describe(error)); start a new state file")
            }
            guard monitor.names == names else {
                let mismatch = NodeNameMismatch.first(expected: monitor.names, found: names)
                throw RunError("state file \(statePath) was saved for other columns: \(mismatch.map(String.init(describing:)) ?? "node names differ")")
            }
            let differences = Self.differences(saved: monitor, given: fresh)
            guard differences.isEmpty else {
                throw RunError("state file \(statePath) was saved with other settings: \(differences.joined(separator: "; ")). Resume with the saved settings (omit the options or repeat them as saved), or start a new state file")
            }
            self.resumed = true
            FileHandle.standardError.write("monitor: resuming from \(statePath) after \(monitor.observationCount) observations\n")
        }
        driver = MonitorDriver(monitor: monitor)
        if let statePath { try Self.checkWritable(statePath) }
        if let tracePath {
            let appending = self.resumed && FileManager.default.fileExists(atPath: tracePath)
            guard let file = fopen(tracePath, appending ? "a" : "w") else {
                throw RunError("cannot open trace file \(tracePath) for writing")
            }
            traceFile = file
            // Whole lines, visible as they are written (a kill leaves no half-written row).
            setvbuf(file, nil, _IOLBF, 0)
            if !appending { fputs(Self.traceHeader(monitor.configuration.detector, shortWindows: monitor.score.shortWindows) + "\n", file) }
        }
    }

    /// Takes an exclusive lock on `statePath.lock` (holding this process's id), or fails naming the holder.
    static func lock(_ statePath: String) throws -> Int32 {
        let path = statePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw RunError("cannot write the state file \(statePath): its directory does not exist or is not writable")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw RunError("state file \(statePath) is in use by another monitor (process \(holder.isEmpty ? "unknown" : holder)); two monitors on one state would overwrite each other")
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        return fd
    }

    /// Fails now, not after the whole stream, when the state file cannot be written.
    static func checkWritable(_ statePath: String) throws {
        let probe = statePath + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw RunError("cannot write the state file \(statePath): its directory does not exist or is not writable")
        }
        unlink(probe)
    }

    /// The settings in which a saved monitor and the one the options describe differ, in words.
    static func differences(saved: OnlineMonitor, given: OnlineMonitor) -> [String] {
        var out: [String] = []
        let a = saved.configuration, b = given.configuration
        func check<T: Equatable>(_ name: String, _ x: T, _ y: T) {
            if x != y { out.append("\(name) saved \(x), given \(y)") }
        }
        check("--detector", a.detector.rawValue, b.detector.rawValue)
        check("--burn-in", a.burnIn, b.burnIn)
        check("--window", a.window, b.window)
        check("--windows", ([a.window] + a.shortWindows).sorted().map(String.init).joined(separator: ","),
              ([b.window] + b.shortWindows).sorted().map(String.init).joined(separator: ","))
        check("--refit-every", a.refitEvery, b.refitEvery)
        check("--report-count", a.reportCount, b.reportCount)
        check("--lags", a.lags.description, b.lags.description)
        check("--restart-burn-in", a.restartBurnIn.map(String.init) ?? "none", b.restartBurnIn.map(String.init) ?? "none")
        check("--memory", a.memory.map(String.init) ?? "expanding", b.memory.map(String.init) ?? "expanding")
        if a.estimator != b.estimator { out.append("estimator (--method/--lambda/--theory-constant) saved \(a.estimator), given \(b.estimator)") }
        if a.thresholds != b.thresholds { out.append("thresholds (--arl/--false-alarm-prob/--alpha/--threshold/--null/--replicates/--seed) saved \(a.thresholds), given \(b.thresholds)") }
        check("--reference", saved.fixedReference ? "a fixed reference" : "none", given.fixedReference ? "a fixed reference" : "none")
        if saved.fixedReference && given.fixedReference && saved.score.reference != given.score.reference {
            out.append("--reference: the saved reference network differs from the given one")
        }
        return out
    }

    /// The trace's columns: the window's statistics and thresholds, then those of each shorter window.
    static func traceHeader(_ detector: DetectorKind, shortWindows: [Int] = []) -> String {
        (["index"] + traceStatistics(detector, shortWindows: shortWindows).flatMap { [$0.rawValue, $0.rawValue + "Threshold"] })
            .joined(separator: ",")
    }

    static func traceStatistics(_ detector: DetectorKind, shortWindows: [Int]) -> [StatisticID] {
        detector.statistics(shortWindows: shortWindows)
    }

    func installSignalHandlers() {
        // SIGHUP (a closed terminal) saves the state like SIGTERM. SIGPIPE is ignored: a closed
        // standard output (`| head -1`) is seen as a failed write in `process`, which stops the
        // run with the state saved.
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                interrupted.set()
                lock.lock()
                let message = "monitor: interrupted after \(monitor.observationCount) observations" +
                    (lastLabel.map { " (last: \($0))" } ?? "") +
                    (statePath.map { "; state saved to \($0): feed the rows after it to resume" } ?? "")
                saveStateLocked()
                if let traceFile { fflush(traceFile) }
                fflush(nil)
                FileHandle.standardError.write(message + "\n")
                exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Whether the dynamic part of the reference (lags) was reported.
    private var reportedDynamics = false

    /// The nearly collinear pairs last reported on standard error (reported again only when they change).
    private var reportedCollinear: [[Int]] = []

    /// Says, once per change of the set, which pairs of nodes the reference treats as nearly
    /// collinear (their local entry and global terms centred on the segment's own moments).
    private func reportCollinearity() {
        let pairs = monitor.score.recentredPairs
        let keys = pairs.map { [$0.u, $0.v] }
        guard keys != reportedCollinear else { return }
        reportedCollinear = keys
        guard !pairs.isEmpty else { return }
        let names = monitor.names
        let listed = pairs.prefix(10).map { "\(names[$0.u])-\(names[$0.v]) (correlation \(String(format: "%.4f", $0.correlation)))" }
        FileHandle.standardError.write("monitor: note: nearly collinear nodes, scored against their own segment's moments: "
            + listed.joined(separator: ", ") + (pairs.count > 10 ? " and \(pairs.count - 10) more" : "") + "\n")
    }

    /// How many rows the monitor could take as one block now (0: one at a time).
    var quietBlockRoom: Int {
        lock.lock()
        defer { lock.unlock() }
        return monitor.quietBlockRoom(limit: WindowStatistics.blockCapacity)
    }

    func process(_ observation: Observation) throws {
        lock.lock()
        defer { lock.unlock() }
        try processLocked(observation)
    }

    /// Observations read ahead: as one block when the monitor takes them at once without any
    /// firing (``MonitorDriver/feedQuietBlock(_:labels:)``: large p, where that saves passes over
    /// the local statistic's entries), else one by one. The same output and state either way.
    func process(block observations: [Observation]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard observations.count >= 2,
              let outputs = driver.feedQuietBlock(observations.map(\.values), labels: observations.map(\.label)) else {
            for observation in observations { try processLocked(observation) }
            return
        }
        // A quiet block raises no event (no alarm, refit or network change falls in it).
        lastLabel = observations.last!.label
        lastValues = observations.last!.values
        for output in outputs { writeTrace(output) }
        try checkpoint(rows: observations.count, events: false)
    }

    private func processLocked(_ observation: Observation) throws {
        let flag = interrupted
        let calibrations = monitor.calibrationCount
        heartbeat.begin("monitor: still processing row \(observation.index) (fitting the reference network or calibrating)")
        defer { heartbeat.end() }
        // A bad row (wrong length, non-finite value) leaves the monitor as it was before it.
        let result = Result { () throws(MonitorError) in
            try driver.feed(observation.values, label: observation.label, isCancelled: { [calibrationProgress, replicates] in
                calibrationProgress.tick(of: replicates)
                return flag.isSet
            })
        }
        let output: MonitorDriver<NetworkScore>.Output
        switch result {
        case let .success(o): output = o
        case let .failure(error): throw RunError("line \(observation.line) (row \(observation.index)): \(error)")
        }
        calibrationProgress.reset()
        lastLabel = observation.label
        lastValues = observation.values
        if monitor.calibrationCount > calibrations, let warning = monitor.calibration?.resolutionWarning {
            FileHandle.standardError.write("monitor: warning: \(warning)\n")
        }
        reportCollinearity()
        if !reportedDynamics, monitor.score.lags != nil {
            reportedDynamics = true
            // Only a dynamic reference is news; the static model is what runs without one.
            if (monitor.score.lags ?? 0) > 0, let note = DynamicsNote.describe(monitor.score) {
                FileHandle.standardError.write("monitor: \(note)\n")
            }
        }
        // An event that cannot be written is an error (exit code non-zero, state saved), never a dropped line.
        let lines = try output.events.map { event in
            do { return try event.jsonLine() } catch {
                throw RunError("line \(observation.line) (row \(observation.index)): the \(event.name) event cannot be written as JSON: \(error)")
            }
        }
        writeTrace(output)
        try checkpoint(rows: 1, events: !lines.isEmpty)
        for line in lines { try Self.writeLine(line) }
    }

    /// The trace lines of the windows an observation scored.
    private func writeTrace(_ output: MonitorDriver<NetworkScore>.Output) {
        guard let traceFile else { return }
        let ids = Self.traceStatistics(monitor.configuration.detector, shortWindows: monitor.score.shortWindows)
        for step in output.steps where step.evaluated {
            let fields = [String(step.index)] + ids.flatMap { [format(step.statistics[$0]), format(step.thresholds?[$0])] }
            fputs(fields.joined(separator: ",") + "\n", traceFile)
        }
    }

    /// Counts `rows` processed rows and saves the state when they raised events or a period is due.
    private func checkpoint(rows: Int, events: Bool) throws {
        rowsSinceCheckpoint += rows
        // A row that raised events is saved before they are printed, so nothing printed is missing
        // from the state after a kill -9 (a resumed run never repeats an alarm it printed); other
        // rows are saved periodically, so a kill loses at most one period of them.
        if statePath != nil && (events
            || (checkpointEvery > 0 && rowsSinceCheckpoint >= checkpointEvery)
            || (checkpointSeconds > 0 && Date().timeIntervalSince(lastCheckpoint) >= checkpointSeconds)) {
            if let traceFile { fflush(traceFile) }
            guard saveStateLocked() else { throw RunError("the monitor state could not be saved to \(statePath ?? "")") }
            rowsSinceCheckpoint = 0
            lastCheckpoint = Date()
        }
    }

    /// The first event of a resumed run: the index of the next row the monitor expects.
    func writeResumeEvent() {
        lock.lock()
        defer { lock.unlock() }
        if let line = try? MonitorEvent.resume(next: monitor.observationCount).jsonLine() { try? Self.writeLine(line) }
        fflush(nil)
    }

    private func format(_ value: Double?) -> String {
        guard let value else { return "" }
        return value.isFinite ? "\(value)" : ""
    }

    /// The end-of-input events: a provisional network change when the input ended inside a
    /// burn-in after an alarm, then the summary.
    func writeSummary(skippedRows: Int? = nil) throws {
        lock.lock()
        defer { lock.unlock() }
        for event in driver.finish(skippedRows: skippedRows) {
            let line: String
            do { line = try event.jsonLine() } catch {
                throw RunError("the \(event.name) event cannot be written as JSON: \(error)")
            }
            try Self.writeLine(line)
        }
        fflush(nil)
    }

    /// Flushes and closes the outputs, saving the state when asked; false when the save failed.
    @discardableResult
    func finish(saveState: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let saved = saveState ? saveStateLocked() : true
        if let traceFile { fclose(traceFile) }
        traceFile = nil
        fflush(nil)
        return saved
    }

    @discardableResult
    private func saveStateLocked() -> Bool {
        guard let statePath else { return true }
        do {
            let data = try JSONEncoder().encode(monitor)
            let temporary = statePath + ".tmp-\(getpid())"
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, statePath) == 0 else {
                throw RunError("rename to \(statePath) failed (errno \(errno))")
            }
            let checkpoint = InputCheckpoint(path: inputIdentity?.path ?? "-", prefixLength: inputIdentity?.length ?? 0,
                                             prefixDigest: inputIdentity?.digest ?? "",
                                             consumed: skippedAtStart + driver.observationsThisRun, previous: lastValues)
            try checkpoint.save(statePath: statePath)
            return true
        } catch {
            FileHandle.standardError.write("monitor: could not save state to \(statePath): \(error)\n")
            return false
        }
    }
}

extension MonitorSession {
    /// Writes one line to standard output, unbuffered (each event is visible at once); a closed
    /// output (EPIPE) is an error rather than lost lines.
    static func writeLine(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputClosed()
            }
            offset += n
        }
    }
}

/// Standard output was closed by its reader (`| head -1`): the run stops, the state is saved.
struct OutputClosed: Error, CustomStringConvertible {
    var description: String { "standard output was closed; the state is saved up to the last row whose events were written" }
}

/// A flag set from a signal handler and read by a running calibration.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Progress of a calibration on standard error: polled once per simulated replicate (through
/// the cancellation check), it says every few seconds how many replicates have started.
final class CalibrationProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let prefix: String
    private let interval: Double
    private var started = 0
    private var first: Date?
    private var lastReport = Date()

    init(prefix: String, interval: Double = 5) {
        self.prefix = prefix
        self.interval = interval
    }

    func tick(of total: Int?) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if first == nil { first = now; lastReport = now; started = 0 }
        started += 1
        guard now.timeIntervalSince(lastReport) >= interval else { return }
        lastReport = now
        let of = total.map { " of \($0)" } ?? ""
        FileHandle.standardError.write("\(prefix): calibrating thresholds: \(started)\(of) replicates started, \(Int(now.timeIntervalSince(first!))) s\n")
    }

    /// A calibration ended: the next one counts from zero.
    func reset() { lock.lock(); first = nil; lock.unlock() }
}

/// Progress on standard error for long file inputs: a line every few seconds.
final class Progress {
    private let enabled: Bool
    private let start = Date()
    private var lastReport = Date()

    init(enabled: Bool) { self.enabled = enabled }

    func tick(rows: Int, alarms: Int) {
        guard enabled, rows % 1000 == 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= 3 else { return }
        lastReport = now
        let rate = Double(rows) / now.timeIntervalSince(start)
        FileHandle.standardError.write("monitor: \(rows) rows, \(alarms) alarms, \(Int(rate)) rows/s\n")
    }
}

extension FileHandle {
    func write(_ string: String) { write(string.data(using: .utf8) ?? Data()) }
}
