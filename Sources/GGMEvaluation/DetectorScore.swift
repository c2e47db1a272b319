import GGMCore

/// One detector's performance over replicate streams of one scenario.
///
/// Built from the ``StreamEvaluation`` of each replicate (all matched with the same `d_max`).
/// A quantity that cannot be computed (no changes, no detections, no exposure, no no-change
/// streams, ...) is `nil`, never 0 or NaN; JSON writes it as `null`, and every key is always present.
///
/// Definitions (`d_max`, detection, false and redundant alarms as in ``AlarmMatching``):
///
/// * detection rate = detected changes / true changes, pooled over replicates;
/// * delays (`alarm - tau` of detected changes, pooled): mean, and median and 90th percentile by
///   ``Quantile`` type 7 (type-7 linear interpolation);
/// * false alarms per 1,000 = 1000 x false alarms / exposure, pooled over all replicates, where
///   exposure counts monitored observations not within `d_max` after a change;
/// * false-alarm probability within `H`, on no-change streams monitored for at least `H`
///   observations: the share whose first alarm comes within their first `H` monitored observations
///   (index `< monitoringStart + H`). Shorter no-change streams are left out, since whether they
///   would alarm by `H` is unknown (``horizonStreams`` says how many were used);
/// * ARL, on no-change streams: the run length of a stream is `firstAlarm - monitoringStart + 1`
///   (observations monitored up to and including the first alarm) or, without any alarm, its
///   monitored length (censored). The estimate is total run length / number of streams that alarmed,
///   the maximum-likelihood estimate of the mean of a geometric (discrete exponential) run length
///   under right censoring. It is `nil` when no no-change stream alarmed;
/// * localization error `|estimatedChange - tau|` of detecting alarms that carry an estimate:
///   median and 90th percentile (type 7).
public struct DetectorScore: Sendable, Equatable, Codable {
    /// Number of replicate streams scored.
    public let replicates: Int
    /// `d_max` shared by the replicates; `nil` when there are none.
    public let maxDelay: Int?

    public let changeCount: Int
    public let detectedCount: Int
    public let detectionRate: Double?
    public let meanDelay: Double?
    public let medianDelay: Double?
    public let delay90: Double?

    public let falseAlarmCount: Int
    /// Alarms within `d_max` of an already detected change (neither false nor detections).
    public let redundantAlarmCount: Int
    /// Total exposure (observations) of all replicates.
    public let exposure: Int
    public let falseAlarmsPer1000: Double?

    /// Horizon `H` of the false-alarm probability; `nil` when not requested.
    public let horizon: Int?
    /// No-change streams monitored for at least `H` observations.
    public let horizonStreams: Int
    /// Of those, the streams that alarmed within `H`.
    public let horizonAlarmedStreams: Int
    public let falseAlarmProbability: Double?

    public let noChangeStreams: Int
    /// Sum of the (possibly censored) run lengths of the no-change streams.
    public let runLengthTotal: Int
    /// No-change streams that alarmed (uncensored run lengths).
    public let alarmedStreams: Int
    /// No-change streams without any alarm (censored run lengths).
    public let censoredStreams: Int
    /// Censored estimate of the average run length: ``runLengthTotal`` / ``alarmedStreams``.
    public let averageRunLength: Double?

    /// Detected changes whose detecting alarm carries an estimated change index.
    public let localizedCount: Int
    public let medianLocalizationError: Double?
    public let localizationError90: Double?

    /// Scores the replicate evaluations of one detector on one scenario.
    ///
    /// - Parameters:
    ///   - evaluations: One ``StreamEvaluation`` per replicate, all with the same `d_max`. Streams
    ///     with change points and no-change streams may be mixed: ARL and false-alarm probability
    ///     use the no-change streams only, the false-alarm rate uses the exposure of all.
    ///   - horizon: `H` for the false-alarm probability, or `nil` to skip it.
    /// - Throws: ``EvaluationError/invalidHorizon(_:)`` for `H < 1`,
    ///   ``EvaluationError/mixedMaxDelay(replicate:expected:found:)`` when `d_max` differs.
    /// - Complexity: O(total changes log total changes + replicates).
    public init(evaluations: [StreamEvaluation], horizon: Int? = nil) throws(EvaluationError) {
        if let horizon, horizon < 1 { throw .invalidHorizon(horizon) }
        let maxDelay = evaluations.first?.maxDelay
        for (replicate, evaluation) in evaluations.enumerated() where evaluation.maxDelay != maxDelay {
            throw .mixedMaxDelay(replicate: replicate, expected: maxDelay ?? 0, found: evaluation.maxDelay)
        }
        replicates = evaluations.count
        self.maxDelay = maxDelay

        let changes = evaluations.flatMap(\.changes)
        let delays = changes.compactMap(\.delay)
        changeCount = changes.count
        detectedCount = delays.count
        detectionRate = changes.isEmpty ? nil : Double(delays.count) / Double(changes.count)
        meanDelay = delays.isEmpty ? nil : Double(delays.reduce(0, +)) / Double(delays.count)
        medianDelay = Quantile.type7(delays, probability: 0.5)
        delay90 = Quantile.type7(delays, probability: 0.9)

        falseAlarmCount = evaluations.reduce(0) { $0 + $1.falseAlarms.count }
        redundantAlarmCount = evaluations.reduce(0) { $0 + $1.redundantAlarms.count }
        exposure = evaluations.reduce(0) { $0 + $1.exposure }
        falseAlarmsPer1000 = exposure == 0 ? nil : 1000 * Double(falseAlarmCount) / Double(exposure)

        let null = evaluations.filter(\.isNoChangeStream)
        self.horizon = horizon
        if let horizon {
            let eligible = null.filter { $0.monitoredLength >= horizon }
            horizonStreams = eligible.count
            horizonAlarmedStreams = eligible.count { ($0.falseAlarms.first ?? Int.max) - $0.monitoringStart < horizon }
            falseAlarmProbability = eligible.isEmpty ? nil : Double(horizonAlarmedStreams) / Double(eligible.count)
        } else {
            horizonStreams = 0
            horizonAlarmedStreams = 0
            falseAlarmProbability = nil
        }

        noChangeStreams = null.count
        runLengthTotal = null.reduce(0) { total, stream in
            total + (stream.falseAlarms.first.map { $0 - stream.monitoringStart + 1 } ?? stream.monitoredLength)
        }
        alarmedStreams = null.count { !$0.falseAlarms.isEmpty }
        censoredStreams = null.count - alarmedStreams
        averageRunLength = alarmedStreams == 0 ? nil : Double(runLengthTotal) / Double(alarmedStreams)

        let localization = changes.compactMap(\.localizationError)
        localizedCount = localization.count
        medianLocalizationError = Quantile.type7(localization, probability: 0.5)
        localizationError90 = Quantile.type7(localization, probability: 0.9)
    }

    /// Writes every key, with `null` for missing values, so the JSON schema does not depend on the data.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(replicates, forKey: .replicates)
        try c.encode(maxDelay, forKey: .maxDelay)
        try c.encode(changeCount, forKey: .changeCount)
        try c.encode(detectedCount, forKey: .detectedCount)
        try c.encode(detectionRate, forKey: .detectionRate)
        try c.encode(meanDelay, forKey: .meanDelay)
        try c.encode(medianDelay, forKey: .medianDelay)
        try c.encode(delay90, forKey: .delay90)
        try c.encode(falseAlarmCount, forKey: .falseAlarmCount)
        try c.encode(redundantAlarmCount, forKey: .redundantAlarmCount)
        try c.encode(exposure, forKey: .exposure)
        try c.encode(falseAlarmsPer1000, forKey: .falseAlarmsPer1000)
        try c.encode(horizon, forKey: .horizon)
        try c.encode(horizonStreams, forKey: .horizonStreams)
        try c.encode(horizonAlarmedStreams, forKey: .horizonAlarmedStreams)
        try c.encode(falseAlarmProbability, forKey: .falseAlarmProbability)
        try c.encode(noChangeStreams, forKey: .noChangeStreams)
        try c.encode(runLengthTotal, forKey: .runLengthTotal)
        try c.encode(alarmedStreams, forKey: .alarmedStreams)
        try c.encode(censoredStreams, forKey: .censoredStreams)
        try c.encode(averageRunLength, forKey: .averageRunLength)
        try c.encode(localizedCount, forKey: .localizedCount)
        try c.encode(medianLocalizationError, forKey: .medianLocalizationError)
        try c.encode(localizationError90, forKey: .localizationError90)
    }
}
