import Foundation
import GGMDetection

/// One point of a stream's trace: a scored window's statistics and the thresholds in force.
public struct TracePoint: Codable, Sendable, Equatable {
    public var index: Int
    public var statistics: StatisticMap
    public var thresholds: Thresholds?
}

/// What the service keeps of a stream (its snapshot, in the store): the monitored stream (monitor,
/// next row, numbered events) and the recent trace the dashboard draws.
public struct ServedStream: Codable, Sendable {
    /// Points of the trace kept (the most recent).
    public static let traceLimit = 5000

    public var stream: MonitoredStream<NetworkScore>
    public private(set) var trace: [TracePoint] = []
    /// Why the last calibration failed (nil: it did not).
    public var calibrationError: String?
    /// Seconds the calibrations of this stream took, in all.
    public var calibrationSeconds: Double = 0

    public init(stream: MonitoredStream<NetworkScore>) {
        self.stream = stream
    }

    /// A new stream for a definition (its settings read and checked).
    public init(definition: StreamDefinition) throws(SettingsError) {
        let settings = try StreamSettings(definition.settings, columns: definition.columns)
        let monitor: OnlineMonitor
        do {
            monitor = try OnlineMonitor(dimension: definition.columns.count, configuration: settings.configuration,
                                        names: definition.columns)
        } catch {
            throw SettingsError(setting: "settings", message: error.description)
        }
        self.init(stream: MonitoredStream(monitor: monitor, groups: settings.groups))
    }

    /// Adds the scored windows of `steps` to the trace.
    public mutating func record(_ steps: [MonitorStep]) {
        for step in steps where step.evaluated {
            trace.append(TracePoint(index: step.index, statistics: step.statistics, thresholds: step.thresholds))
        }
        if trace.count > Self.traceLimit + Self.traceLimit / 4 { trace.removeFirst(trace.count - Self.traceLimit) }
    }
}
