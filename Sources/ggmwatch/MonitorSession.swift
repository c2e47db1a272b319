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
    private(set) var monitor: OnlineMonitor
    private let statePath: String?
    private var traceFile: UnsafeMutablePointer<FILE>?
    private var signalSources: [DispatchSourceSignal] = []
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    /// Group of each node (S&P 500 sectors, or `--groups`), for attributing alarms to groups.
    var groups: [String?]?
    private(set) var rowsThisRun = 0
    private(set) var alarmsThisRun = 0
    private var lastLabel: String?

    init(names: [String], statePath: String?, tracePath: String?, makeMonitor: () throws -> OnlineMonitor) throws {
        self.statePath = statePath
        var resumed = false
        if let statePath, FileManager.default.fileExists(atPath: statePath) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: statePath)) } catch {
                throw RunError("cannot read state file \(statePath): \(error.localizedDescription)")
            }
            do { monitor = try JSONDecoder().decode(OnlineMonitor.self, from: data) } catch {
                throw RunError("\(statePath) is not a monitor state file: \(error)")
            }
            guard monitor.names == names else {
                throw RunError("state file \(statePath) was saved for \(monitor.names.count) nodes (\(monitor.names.prefix(3).joined(separator: ", "))...), the data has \(names.count) (\(names.prefix(3).joined(separator: ", "))...)")
            }
            resumed = true
            FileHandle.standardError.write("monitor: resuming from \(statePath) after \(monitor.observationCount) observations\n")
        } else {
            monitor = try makeMonitor()
        }
        if let tracePath {
            let appending = resumed && FileManager.default.fileExists(atPath: tracePath)
            guard let file = fopen(tracePath, appending ? "a" : "w") else {
                throw RunError("cannot open trace file \(tracePath) for writing")
            }
            traceFile = file
            if !appending { fputs(Self.traceHeader(monitor.configuration.detector) + "\n", file) }
        }
    }

    static func traceHeader(_ detector: DetectorKind) -> String {
        var columns = ["index"]
        if detector.usesGlobal { columns += ["global", "globalThreshold"] }
        if detector.usesLocal { columns += ["local", "localThreshold"] }
        return columns.joined(separator: ",")
    }

    func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let message = "monitor: interrupted after \(monitor.observationCount) observations" +
                    (lastLabel.map { " (last: \($0))" } ?? "") +
                    (statePath.map { "; state saved to \($0): feed the rows after it to resume" } ?? "")
                saveStateLocked()
                if let traceFile { fflush(traceFile) }
                fflush(nil)
                FileHandle.standardError.write(message + "\n")
                exit(sig == SIGINT ? 130 : 143)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    func process(_ observation: Observation) throws {
        lock.lock()
        defer { lock.unlock() }
        let result: Result<MonitorStep, MonitorError> = Result { () throws(MonitorError) in
            try monitor.update(observation.values, label: observation.label)
        }
        guard case let .success(step) = result else {
            if case let .failure(error) = result {
                throw RunError("line \(observation.line) (row \(observation.index)): \(error)")
            }
            return
        }
        rowsThisRun += 1
        lastLabel = observation.label
        if step.evaluated, let traceFile {
            var fields = [String(step.index)]
            if monitor.configuration.detector.usesGlobal {
                fields += [format(step.global), format(step.thresholds?.global)]
            }
            if monitor.configuration.detector.usesLocal {
                fields += [format(step.local), format(step.thresholds?.local)]
            }
            fputs(fields.joined(separator: ",") + "\n", traceFile)
        }
        if let alarm = step.alarm {
            alarmsThisRun += 1
            emit(AlarmEvent(alarm: alarm, topGroups: groups.map { alarmGroups(alarm, groups: $0) }))
        }
        if let change = step.networkChange {
            emit(NetworkChangeEvent(change: change, topGroups: groups.map { changeGroups(change, groups: $0) }))
        }
    }

    private func format(_ value: Double?) -> String {
        guard let value else { return "" }
        return value.isFinite ? "\(value)" : ""
    }

    func emit<T: Encodable>(_ value: T) {
        guard let data = try? encoder.encode(value), let line = String(data: data, encoding: .utf8) else { return }
        print(line)
        fflush(nil)
    }

    func writeSummary() {
        lock.lock()
        defer { lock.unlock() }
        // Input ended inside the burn-in after an alarm: report the network since then, provisional.
        if let change = monitor.provisionalNetworkChange(minimumObservations: 2 * monitor.configuration.window) {
            emit(NetworkChangeEvent(change: change, topGroups: groups.map { changeGroups(change, groups: $0) }))
        }
        emit(SummaryEvent(monitor: monitor, rowsThisRun: rowsThisRun, alarmsThisRun: alarmsThisRun))
    }

    /// Flushes and closes the outputs, saving the state when asked.
    func finish(saveState: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if saveState { saveStateLocked() }
        if let traceFile { fclose(traceFile) }
        traceFile = nil
        fflush(nil)
    }

    private func saveStateLocked() {
        guard let statePath else { return }
        do {
            let data = try JSONEncoder().encode(monitor)
            let temporary = statePath + ".tmp-\(getpid())"
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, statePath) == 0 else {
                throw RunError("rename to \(statePath) failed (errno \(errno))")
            }
        } catch {
            FileHandle.standardError.write("monitor: could not save state to \(statePath): \(error)\n")
        }
    }
}

/// Groups most involved in an alarm: node contributions (global) and edge evidence |E_uv|
/// (local, half to each endpoint), each normalized to sum to one, then averaged.
func alarmGroups(_ alarm: Alarm, groups: [String?]) -> [GroupAttribution.Share] {
    let nodeTotal = alarm.topNodes.reduce(0) { $0 + max($1.contribution, 0) }
    let edgeTotal = alarm.topEdges.reduce(0) { $0 + abs($1.value) }
    var weights: [(node: Int, weight: Double)] = []
    for n in alarm.topNodes where nodeTotal > 0 { weights.append((n.node, max(n.contribution, 0) / nodeTotal)) }
    for e in alarm.topEdges where edgeTotal > 0 {
        weights.append((e.u, 0.5 * abs(e.value) / edgeTotal))
        weights.append((e.v, 0.5 * abs(e.value) / edgeTotal))
    }
    return Array(GroupAttribution.shares(nodes: weights, groups: groups).prefix(5))
}

/// Groups most involved in a network change: summed |change in partial correlation| per node.
func changeGroups(_ change: NetworkChange, groups: [String?]) -> [GroupAttribution.Share] {
    Array(GroupAttribution.shares(
        nodes: change.comparison.mostChangedNodes.map { ($0.node, $0.contribution) }, groups: groups).prefix(5))
}

/// One alarm as a JSON Lines object (`"event": "alarm"`).
struct AlarmEvent: Encodable {
    let alarm: Alarm
    let topGroups: [GroupAttribution.Share]?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode("alarm", forKey: DynamicKey("event"))
        try c.encodeIfPresent(topGroups, forKey: DynamicKey("topGroups"))
        try alarm.encode(to: encoder)
    }
}

/// The network change after a new burn-in, as a JSON Lines object (`"event": "networkChange"`).
struct NetworkChangeEvent: Encodable {
    let change: NetworkChange
    let topGroups: [GroupAttribution.Share]?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode("networkChange", forKey: DynamicKey("event"))
        try c.encodeIfPresent(topGroups, forKey: DynamicKey("topGroups"))
        try change.encode(to: encoder)
    }
}

/// The final JSON Lines object at the end of input.
struct SummaryEvent: Encodable {
    let event = "summary"
    let observations: Int
    let observationsThisRun: Int
    let alarms: Int
    let alarmsThisRun: Int
    let alarmIndices: [Int]
    let phase: String
    let fits: Int
    let calibrations: Int
    let thresholds: Thresholds?
    let calibration: CalibrationResult?

    init(monitor: OnlineMonitor, rowsThisRun: Int, alarmsThisRun: Int) {
        observations = monitor.observationCount
        observationsThisRun = rowsThisRun
        alarms = monitor.alarms.count
        self.alarmsThisRun = alarmsThisRun
        alarmIndices = monitor.alarms.map(\.index)
        phase = monitor.phase.rawValue
        fits = monitor.fitCount
        calibrations = monitor.calibrationCount
        thresholds = monitor.thresholds
        calibration = monitor.calibration
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
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
