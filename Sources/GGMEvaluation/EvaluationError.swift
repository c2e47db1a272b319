/// Why a set of true change points, alarms or scoring settings cannot be evaluated.
///
/// Positions are 0-based offsets into the array that was passed (`changePoints` or `alarms`);
/// indices are 0-based observation indices. Every public entry point of ``GGMEvaluation`` validates
/// its input once, at the boundary, and reports the first problem found.
public enum EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stream length is not positive.
    case invalidStreamLength(Int)
    /// The maximum delay `d_max` is not positive.
    case invalidMaxDelay(Int)
    /// The first monitored observation is outside `0..<streamLength`.
    case invalidMonitoringStart(start: Int, streamLength: Int)
    /// A change point is outside `1..<streamLength` (index 0 starts the first segment, not a new one).
    case changePointOutOfRange(position: Int, changePoint: Int, streamLength: Int)
    /// Change points are not strictly increasing.
    case changePointsNotIncreasing(position: Int, previous: Int, changePoint: Int)
    /// An alarm index is negative or not below the stream length.
    case alarmOutOfRange(position: Int, index: Int, streamLength: Int)
    /// An alarm was raised before the first monitored observation.
    case alarmBeforeMonitoring(position: Int, index: Int, monitoringStart: Int)
    /// Alarm indices are not strictly increasing (one stream alarms at most once per observation).
    case alarmsNotIncreasing(position: Int, previous: Int, index: Int)
    /// An alarm's estimated change index is negative or after the alarm itself.
    case estimatedChangeOutOfRange(position: Int, estimatedChange: Int, alarmIndex: Int)
    /// The false-alarm horizon `H` is not positive.
    case invalidHorizon(Int)
    /// Replicates scored together were matched with different `d_max`.
    case mixedMaxDelay(replicate: Int, expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .invalidStreamLength(n):
            return "the stream length is \(n); it must be at least 1"
        case let .invalidMaxDelay(d):
            return "the maximum delay d_max is \(d); it must be at least 1"
        case let .invalidMonitoringStart(start, n):
            return "monitoring starts at observation \(start), outside the stream 0..<\(n)"
        case let .changePointOutOfRange(position, tau, n):
            return "change point \(position + 1) is \(tau); change points must lie in 1..<\(n)"
        case let .changePointsNotIncreasing(position, previous, tau):
            return "change point \(position + 1) is \(tau), not after the previous one (\(previous))"
        case let .alarmOutOfRange(position, index, n):
            return index < 0
                ? "alarm \(position + 1) has negative index \(index)"
                : "alarm \(position + 1) is at index \(index), beyond the stream of length \(n)"
        case let .alarmBeforeMonitoring(position, index, start):
            return "alarm \(position + 1) is at index \(index), before monitoring starts at \(start)"
        case let .alarmsNotIncreasing(position, previous, index):
            return "alarm \(position + 1) is at index \(index), not after the previous alarm (\(previous))"
        case let .estimatedChangeOutOfRange(position, estimate, index):
            return "alarm \(position + 1) at index \(index) estimates the change at \(estimate); "
                + "the estimate must lie in 0...\(index)"
        case let .invalidHorizon(h):
            return "the false-alarm horizon H is \(h); it must be at least 1"
        case let .mixedMaxDelay(replicate, expected, found):
            return "replicate \(replicate + 1) was matched with d_max = \(found), the others with \(expected)"
        }
    }
}
