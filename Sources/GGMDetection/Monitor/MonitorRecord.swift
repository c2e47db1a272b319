import Foundation
import GGMCore

/// One evaluated window of a monitor run (a row of `ggmwatch monitor --trace`).
public struct TraceRow: Sendable, Equatable {
    public var index: Int
    public var global: Double?
    public var globalThreshold: Double?
    public var local: Double?
    public var localThreshold: Double?

    public init(index: Int, global: Double? = nil, globalThreshold: Double? = nil, local: Double? = nil,
                localThreshold: Double? = nil) {
        self.index = index
        self.global = global
        self.globalThreshold = globalThreshold
        self.local = local
        self.localThreshold = localThreshold
    }

    /// The trace row of a scored step.
    public init(_ step: MonitorStep) {
        self.init(index: step.index, global: step.global, globalThreshold: step.thresholds?.global,
                  local: step.local, localThreshold: step.thresholds?.local)
    }
}

/// Everything a report of a monitor run is drawn from: its events and trace, and the data.
///
/// Filled either from a finished run's files (`ggmwatch report`: ``add(eventLines:)``) or in
/// memory as the run goes (`ggmwatch demo`: ``add(_:)``), so both give the same report.
public struct MonitorRecord: Sendable {
    public var title: String
    public var subtitle: String?
    public var command: String
    public var names: [String]
    /// Row label of each data row (dates), when the data has them.
    public var labels: [String]?
    public var groups: [String?]?
    public var alarms: [Alarm] = []
    /// The groups most involved in each alarm (parallel to ``alarms``).
    public var alarmGroups: [[GroupAttribution.Share]?] = []
    public var changes: [NetworkChange] = []
    /// Excursions that ended (monitors that continue after an alarm).
    public var excursions: [Excursion] = []
    public var trace: [TraceRow] = []
    /// The last summary event.
    public var summary: MonitorSummary?
    /// The data to draw in the data panels (rows aligned with the monitor's indices).
    public var panelData: Matrix?
    /// What the data panels show (e.g. "log return").
    public var panelValueName: String = "value"
    public var panelWindow: Int = 22
    public var notes: [String] = []

    public init(title: String, subtitle: String? = nil, command: String, names: [String], labels: [String]?,
                groups: [String?]?) {
        self.title = title
        self.subtitle = subtitle
        self.command = command
        self.names = names
        self.labels = labels
        self.groups = groups
    }

    /// Adds one event.
    public mutating func add(_ event: MonitorEvent) {
        switch event {
        case let .alarm(alarm, topGroups):
            alarms.append(alarm)
            alarmGroups.append(topGroups)
        case let .networkChange(change, _):
            changes.append(change)
        case let .summary(s):
            summary = s
        case let .excursionEnd(end):
            excursions.append(end)
        case .resume:
            break
        }
    }

    /// Why a line of an events file could not be read.
    public struct LineError: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Adds the events of a JSON Lines text (blank lines are skipped); when the record has no
    /// node names, they are taken from the events (unnamed nodes keep their position).
    public mutating func add(eventLines text: String) throws(LineError) {
        let decoder = JSONDecoder()
        var maxNode = -1
        var nodeNames: [Int: String] = [:]
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let event: MonitorEvent
            do { event = try decoder.decode(MonitorEvent.self, from: Data(trimmed.utf8)) } catch {
                throw LineError(line: k + 1, reason: "not a ggmwatch monitor event: \(error)")
            }
            if case let .alarm(alarm, _) = event {
                for n in alarm.topNodes { nodeNames[n.node] = n.name; maxNode = max(maxNode, n.node) }
                for e in alarm.topEdges { nodeNames[e.u] = e.names[0]; nodeNames[e.v] = e.names[1]; maxNode = max(maxNode, e.v) }
            }
            add(event)
        }
        guard names.isEmpty else { return }
        names = (0...max(maxNode, 0)).map { nodeNames[$0] ?? "node \($0 + 1)" }
        if let change = changes.first {
            let top = max(change.before.map(\.v).max() ?? 0, change.after.map(\.v).max() ?? 0)
            if top >= names.count { names += (names.count...top).map { "node \($0 + 1)" } }
        }
    }
}
