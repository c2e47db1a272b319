/// A node's contribution to an alarm's statistic (for the global statistic `f(y_s) - g1(w)`).
public struct NodeContribution: Codable, Sendable, Equatable {
    public let node: Int
    public let name: String
    public let contribution: Double

    public init(node: Int, name: String, contribution: Double) {
        self.node = node
        self.name = name
        self.contribution = contribution
    }
}

/// An entry `E_uv` of the local statistic at an alarm, by node names.
public struct EdgeContribution: Codable, Sendable, Equatable {
    public let u: Int
    public let v: Int
    public let names: [String]
    /// Signed `E_uv`: positive when `z_u z_v` co-moved more than the reference predicts.
    public let value: Double

    public init(u: Int, v: Int, names: [String], value: Double) {
        self.u = u
        self.v = v
        self.names = names
        self.value = value
    }
}

/// One alarm raised by a ``SequentialMonitor``.
///
/// JSON (the `alarm` event of the monitor's JSON Lines output): the fields below, with
/// `statistics` and `thresholds` as objects keyed by statistic name; for the network monitor also
/// the flat `globalStatistic`, `globalThreshold`, `localStatistic` and `localThreshold`.
public struct Alarm: Codable, Sendable, Equatable {
    /// 0-based index (data row) of the observation that triggered the alarm.
    public let index: Int
    /// Row label (date or timestamp) of that observation, when the input has one.
    public let label: String?
    /// Estimated index of the first observation after the change (nil when the score does not estimate it).
    public let estimatedChange: Int?
    /// Row label of the estimated change, when the input has labels.
    public let estimatedChangeLabel: String?
    /// Which statistics reached their thresholds, in the score's order.
    public let firedBy: [StatisticID]
    /// Every statistic of the window that fired, and the thresholds in force.
    public let statistics: StatisticMap
    public let thresholds: Thresholds
    /// First index of the segment (data since the last restart) the reference was estimated from.
    public let segmentStart: Int
    /// Number of observations behind the reference at the time of the alarm.
    public let referenceSampleSize: Int
    /// Nodes with the largest contributions, strongest first.
    public let topNodes: [NodeContribution]
    /// Edges (u < v) with the largest `|E_uv|` of the local statistic, strongest first. Diagonal
    /// entries (a node's own residual variance) are left out here: they show in ``topNodes``.
    public let topEdges: [EdgeContribution]
    /// The entry that attains the local statistic `M = max |E_uv|` (u == v when it is a node's own
    /// residual variance), when the local statistic is in use.
    public let strongestEntry: EdgeContribution?

    public init(index: Int, label: String?, estimatedChange: Int?, estimatedChangeLabel: String?,
                firedBy: [StatisticID], statistics: StatisticMap, thresholds: Thresholds,
                segmentStart: Int, referenceSampleSize: Int, evidence: ScoreEvidence) {
        self.index = index
        self.label = label
        self.estimatedChange = estimatedChange
        self.estimatedChangeLabel = estimatedChangeLabel
        self.firedBy = firedBy
        self.statistics = statistics
        self.thresholds = thresholds
        self.segmentStart = segmentStart
        self.referenceSampleSize = referenceSampleSize
        self.topNodes = evidence.topNodes
        self.topEdges = evidence.topEdges
        self.strongestEntry = evidence.strongestEntry
    }

    public var globalStatistic: Double? { statistics.global }
    public var globalThreshold: Double? { thresholds.global }
    public var localStatistic: Double? { statistics.local }
    public var localThreshold: Double? { thresholds.local }

    private enum CodingKeys: String, CodingKey {
        case index, label, estimatedChange, estimatedChangeLabel, firedBy, statistics, thresholds
        case segmentStart, referenceSampleSize, topNodes, topEdges, strongestEntry
        case globalStatistic, globalThreshold, localStatistic, localThreshold
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        estimatedChange = try c.decodeIfPresent(Int.self, forKey: .estimatedChange)
        estimatedChangeLabel = try c.decodeIfPresent(String.self, forKey: .estimatedChangeLabel)
        firedBy = try c.decode([StatisticID].self, forKey: .firedBy)
        // Event files written before the statistics were keyed by name have only the flat fields.
        statistics = try c.decodeIfPresent(StatisticMap.self, forKey: .statistics)
            ?? StatisticMap(global: try c.decodeIfPresent(Double.self, forKey: .globalStatistic),
                            local: try c.decodeIfPresent(Double.self, forKey: .localStatistic))
        thresholds = try c.decodeIfPresent(Thresholds.self, forKey: .thresholds)
            ?? Thresholds(global: try c.decodeIfPresent(Double.self, forKey: .globalThreshold),
                          local: try c.decodeIfPresent(Double.self, forKey: .localThreshold))
        segmentStart = try c.decode(Int.self, forKey: .segmentStart)
        referenceSampleSize = try c.decode(Int.self, forKey: .referenceSampleSize)
        topNodes = try c.decode([NodeContribution].self, forKey: .topNodes)
        topEdges = try c.decode([EdgeContribution].self, forKey: .topEdges)
        strongestEntry = try c.decodeIfPresent(EdgeContribution.self, forKey: .strongestEntry)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(estimatedChange, forKey: .estimatedChange)
        try c.encodeIfPresent(estimatedChangeLabel, forKey: .estimatedChangeLabel)
        try c.encode(firedBy, forKey: .firedBy)
        try c.encode(statistics, forKey: .statistics)
        try c.encode(thresholds, forKey: .thresholds)
        try c.encodeIfPresent(statistics.global, forKey: .globalStatistic)
        try c.encodeIfPresent(thresholds.global, forKey: .globalThreshold)
        try c.encodeIfPresent(statistics.local, forKey: .localStatistic)
        try c.encodeIfPresent(thresholds.local, forKey: .localThreshold)
        try c.encode(segmentStart, forKey: .segmentStart)
        try c.encode(referenceSampleSize, forKey: .referenceSampleSize)
        try c.encode(topNodes, forKey: .topNodes)
        try c.encode(topEdges, forKey: .topEdges)
        try c.encodeIfPresent(strongestEntry, forKey: .strongestEntry)
    }
}
