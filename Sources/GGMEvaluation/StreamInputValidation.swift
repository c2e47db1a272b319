/// The one validation shared by every evaluation of a single stream.
///
/// Checks, in order: `streamLength >= 1`, `maxDelay >= 1`, `0 <= monitoringStart < streamLength`,
/// change points strictly increasing in `1..<streamLength`, alarm indices strictly increasing in
/// `monitoringStart..<streamLength`, and each estimated change in `0...alarm.index`.
///
/// - Complexity: O(changes + alarms).
func validateStreamInput(changePoints: [Int], alarms: [AlarmRecord], streamLength: Int,
                         maxDelay: Int, monitoringStart: Int) throws(EvaluationError) {
    guard streamLength >= 1 else { throw .invalidStreamLength(streamLength) }
    guard maxDelay >= 1 else { throw .invalidMaxDelay(maxDelay) }
    guard monitoringStart >= 0, monitoringStart < streamLength else {
        throw .invalidMonitoringStart(start: monitoringStart, streamLength: streamLength)
    }
    for (position, tau) in changePoints.enumerated() {
        guard tau >= 1, tau < streamLength else {
            throw .changePointOutOfRange(position: position, changePoint: tau, streamLength: streamLength)
        }
        if position > 0, changePoints[position - 1] >= tau {
            throw .changePointsNotIncreasing(position: position, previous: changePoints[position - 1], changePoint: tau)
        }
    }
    for (position, alarm) in alarms.enumerated() {
        guard alarm.index >= 0, alarm.index < streamLength else {
            throw .alarmOutOfRange(position: position, index: alarm.index, streamLength: streamLength)
        }
        guard alarm.index >= monitoringStart else {
            throw .alarmBeforeMonitoring(position: position, index: alarm.index, monitoringStart: monitoringStart)
        }
        if position > 0, alarms[position - 1].index >= alarm.index {
            throw .alarmsNotIncreasing(position: position, previous: alarms[position - 1].index, index: alarm.index)
        }
        if let estimate = alarm.estimatedChange, estimate < 0 || estimate > alarm.index {
            throw .estimatedChangeOutOfRange(position: position, estimatedChange: estimate, alarmIndex: alarm.index)
        }
    }
}
