import Foundation

/// One line of a monitor's JSON Lines output (`ggmwatch monitor`, `demo --events`, the service's
/// event feed): `{"event": "alarm" | "networkChange" | "excursionEnd" | "summary" | "resume", "schema": 1, ...}` with the
/// alarm's, network change's or summary's fields beside `event` and `schema`, and `topGroups`
/// (the groups most involved) when the nodes have groups.
///
/// `schema` is ``MonitorEvent/schemaVersion``; it changes when a field is renamed or removed
/// (new fields may appear without a change). Indices count rows from the stream's first.
public enum MonitorEvent: Codable, Sendable, Equatable {
    case alarm(Alarm, topGroups: [GroupAttribution.Share]?)
    case networkChange(NetworkChange, topGroups: [GroupAttribution.Share]?)
    case summary(MonitorSummary)
    /// The first event of a run resumed from a saved state: the 0-based index of the next row
    /// the monitor expects (feed the input from that row on).
    case resume(next: Int)
    /// An excursion ended (``AlarmPolicy/continue``): the process is back in control.
    case excursionEnd(Excursion)

    public static let schemaVersion = 1

    /// The name in the `event` field.
    public var name: String {
        switch self {
        case .alarm: "alarm"
        case .networkChange: "networkChange"
        case .summary: "summary"
        case .resume: "resume"
        case .excursionEnd: "excursionEnd"
        }
    }

    private enum Keys: String, CodingKey { case event, schema, topGroups, next }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .event)
        try c.encode(Self.schemaVersion, forKey: .schema)
        switch self {
        case let .alarm(alarm, groups):
            try c.encodeIfPresent(groups, forKey: .topGroups)
            try alarm.encode(to: encoder)
        case let .networkChange(change, groups):
            try c.encodeIfPresent(groups, forKey: .topGroups)
            try change.encode(to: encoder)
        case let .summary(summary):
            try summary.encode(to: encoder)
        case let .resume(next):
            try c.encode(next, forKey: .next)
        case let .excursionEnd(excursion):
            try excursion.encode(to: encoder)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let event = try c.decode(String.self, forKey: .event)
        let schema = try c.decodeIfPresent(Int.self, forKey: .schema) ?? 1
        guard schema <= Self.schemaVersion else {
            throw DecodingError.dataCorruptedError(forKey: .schema, in: c,
                debugDescription: "event schema \(schema) is newer than this version reads (\(Self.schemaVersion))")
        }
        let groups = try c.decodeIfPresent([GroupAttribution.Share].self, forKey: .topGroups)
        switch event {
        case "alarm": self = .alarm(try Alarm(from: decoder), topGroups: groups)
        case "networkChange": self = .networkChange(try NetworkChange(from: decoder), topGroups: groups)
        case "summary": self = .summary(try MonitorSummary(from: decoder))
        case "resume": self = .resume(next: try c.decode(Int.self, forKey: .next))
        case "excursionEnd": self = .excursionEnd(try Excursion(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .event, in: c, debugDescription: "unknown event \"\(event)\"")
        }
    }

    /// The event as one line of JSON (sorted keys). Throws ``MonitorError/nonFiniteStatistic``-like
    /// encoding errors instead of dropping the line.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The final event of a run: counts, the thresholds in force and the last calibration.
public struct MonitorSummary: Codable, Sendable, Equatable {
    public let observations: Int
    public let observationsThisRun: Int
    public let alarms: Int
    public let alarmsThisRun: Int
    public let alarmIndices: [Int]
    public let phase: MonitorPhase
    public let fits: Int
    public let calibrations: Int
    public let thresholds: Thresholds?
    public let calibration: CalibrationResult?
    /// Input rows dropped by the missing-value policy (`--missing skip-row`).
    public let skippedRows: Int?
    /// Why nothing was scored, when nothing was (a stream shorter than the burn-in and one window).
    public let note: String?

    public init<Score>(monitor: SequentialMonitor<Score>, observationsThisRun: Int, alarmsThisRun: Int,
                       skippedRows: Int? = nil) {
        observations = monitor.observationCount
        self.observationsThisRun = observationsThisRun
        alarms = monitor.alarms.count
        self.alarmsThisRun = alarmsThisRun
        alarmIndices = monitor.alarms.map(\.index)
        phase = monitor.phase
        fits = monitor.fitCount
        calibrations = monitor.calibrationCount
        thresholds = monitor.thresholds
        calibration = monitor.calibration
        self.skippedRows = skippedRows
        let settings = monitor.settings
        switch monitor.phase {
        case .burnIn where monitor.alarms.isEmpty:
            note = "no window was scored: the input ended in the burn-in (\(monitor.observationCount) of \(settings.burnIn) observations)"
        case .awaitingThresholds:
            note = "no window was scored: the input ended before the thresholds were calibrated"
        case .filling where monitor.alarms.isEmpty && monitor.observationCount < settings.window + (monitor.fixedReference ? 0 : settings.burnIn) && monitor.score.count < settings.window:
            note = "no window was scored: \(monitor.score.count) observations after the burn-in, fewer than the window of \(settings.window)"
        default:
            note = nil
        }
    }
}

/// The loop every front end runs (`ggmwatch monitor`, `demo`, the service): observations in,
/// monitor steps and ``MonitorEvent``s out, group attribution added, calibrations run in place
/// (``SequentialMonitor/process(_:label:isCancelled:)``), and at the end of input the
/// provisional network change and the summary.
public struct MonitorDriver<Score: WindowScore>: Sendable {
    public private(set) var monitor: SequentialMonitor<Score>
    /// Group of each node (sectors, brain systems), for attributing alarms and changes.
    public var groups: [String?]?
    public private(set) var observationsThisRun = 0
    public private(set) var alarmsThisRun = 0

    public init(monitor: SequentialMonitor<Score>, groups: [String?]? = nil) {
        self.monitor = monitor
        self.groups = groups
    }

    /// What one observation produced.
    public struct Output: Sendable {
        public var steps: [MonitorStep] = []
        public var events: [MonitorEvent] = []
    }

    /// Feeds one observation (running a calibration here when the monitor needs one).
    public mutating func feed(_ x: [Double], label: String? = nil,
                              isCancelled: @Sendable () -> Bool = { false }) throws(MonitorError) -> Output {
        var output = Output()
        output.steps = try monitor.process(x, label: label, isCancelled: isCancelled)
        observationsThisRun += 1
        output.events = MonitorDriver.events(of: output.steps, groups: groups)
        alarmsThisRun += output.steps.filter { $0.alarm != nil }.count
        return output
    }

    /// Feeds `rows` as one block when the monitor takes them at once without any of them firing
    /// (``SequentialMonitor/updateQuietBlock(_:labels:)``): each row's output, the same as
    /// ``feed(_:label:isCancelled:)`` row after row gives. Nil, with nothing fed, otherwise.
    public mutating func feedQuietBlock(_ rows: [[Double]], labels: [String?]? = nil) -> [Output]? {
        guard let steps = monitor.updateQuietBlock(rows, labels: labels) else { return nil }
        observationsThisRun += rows.count
        return steps.map { Output(steps: [$0], events: MonitorDriver.events(of: [$0], groups: groups)) }
    }

    /// The events of monitor steps, in order: alarms and network changes (with the groups most
    /// involved when `groups` is given) and excursion ends.
    public static func events(of steps: [MonitorStep], groups: [String?]?) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        for step in steps {
            if let alarm = step.alarm {
                events.append(.alarm(alarm, topGroups: groups.map { GroupAttribution.shares(of: alarm, groups: $0) }))
            }
            if let change = step.networkChange {
                events.append(.networkChange(change, topGroups: groups.map { GroupAttribution.shares(of: change, groups: $0) }))
            }
            if let end = step.excursionEnd { events.append(.excursionEnd(end)) }
        }
        return events
    }

    /// The events that end a run: the network since the last alarm when the input ended inside
    /// its burn-in (provisional, from at least two windows of data), then the summary.
    public func finish(skippedRows: Int? = nil) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        if let change = monitor.provisionalNetworkChange(minimumObservations: 2 * monitor.settings.window) {
            events.append(.networkChange(change, topGroups: groups.map { GroupAttribution.shares(of: change, groups: $0) }))
        }
        events.append(.summary(MonitorSummary(monitor: monitor, observationsThisRun: observationsThisRun,
                                              alarmsThisRun: alarmsThisRun, skippedRows: skippedRows)))
        return events
    }
}
