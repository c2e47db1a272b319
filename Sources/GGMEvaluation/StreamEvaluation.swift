/// The alarms of one detector on one stream, matched to the stream's true change points.
///
/// Produced by ``AlarmMatching/evaluate(changePoints:alarms:streamLength:maxDelay:monitoringStart:)``.
/// Every alarm falls in exactly one of three classes:
///
/// * a *detection*: the first alarm in a change's window `[tau_k, min(tau_k + d_max, tau_{k+1}))`;
/// * a *false alarm*: an alarm with no change in the previous `d_max` observations, i.e. no
///   `tau <= index < tau + d_max` (ALGORITHMS.md section 8);
/// * a *redundant alarm*: within `d_max` after a change, but that change was already detected
///   by an earlier alarm. It is neither a false alarm nor a second detection.
///
/// A stream with no change points is a *no-change* (null) stream: all its alarms are false alarms.
public struct StreamEvaluation: Codable, Sendable, Equatable {
    /// What became of one true change.
    public struct ChangeDetection: Codable, Sendable, Equatable {
        /// `tau`: index of the first observation of the new segment.
        public let changePoint: Int
        /// Index of the alarm that detected the change, or `nil` if none did.
        public let alarmIndex: Int?
        /// `alarmIndex - changePoint`, in `0..<d_max`; `nil` when not detected.
        public let delay: Int?
        /// `|estimatedChange - changePoint|` of the detecting alarm; `nil` when the change was not
        /// detected or the detecting alarm carries no estimate.
        public let localizationError: Int?

        public var isDetected: Bool { alarmIndex != nil }

        public init(changePoint: Int, alarmIndex: Int?, delay: Int?, localizationError: Int?) {
            self.changePoint = changePoint
            self.alarmIndex = alarmIndex
            self.delay = delay
            self.localizationError = localizationError
        }
    }

    public let streamLength: Int
    /// `d_max`: the largest delay, exclusive, at which an alarm still detects a change.
    public let maxDelay: Int
    /// Index of the first monitored observation (after burn-in); 0 when the whole stream is monitored.
    public let monitoringStart: Int
    /// One entry per true change point, in order.
    public let changes: [ChangeDetection]
    /// Indices of the false alarms, increasing.
    public let falseAlarms: [Int]
    /// Indices of alarms within `d_max` of an already detected change, increasing.
    public let redundantAlarms: [Int]
    /// Monitored observations (indices in `monitoringStart..<streamLength`) not within `d_max`
    /// after a change, i.e. with no `tau <= t < tau + d_max`: the exposure in which a false alarm
    /// can occur, the denominator of a false-alarm rate.
    public let exposure: Int

    public init(streamLength: Int, maxDelay: Int, monitoringStart: Int, changes: [ChangeDetection],
                falseAlarms: [Int], redundantAlarms: [Int], exposure: Int) {
        self.streamLength = streamLength
        self.maxDelay = maxDelay
        self.monitoringStart = monitoringStart
        self.changes = changes
        self.falseAlarms = falseAlarms
        self.redundantAlarms = redundantAlarms
        self.exposure = exposure
    }

    /// `true` when the stream has no true change point.
    public var isNoChangeStream: Bool { changes.isEmpty }
    /// Number of monitored observations, `streamLength - monitoringStart`.
    public var monitoredLength: Int { streamLength - monitoringStart }
    public var detectedCount: Int { changes.count { $0.isDetected } }
    /// Number of alarms of all three classes.
    public var alarmCount: Int { detectedCount + falseAlarms.count + redundantAlarms.count }
}
