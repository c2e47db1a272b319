/// A node's contribution `f(y_s) - g1(w)` to the global statistic at an alarm.
public struct NodeContribution: Codable, Sendable, Equatable {
    public let node: Int
    public let name: String
    public let contribution: Double
}

/// An entry `E_uv` of the local statistic at an alarm, by node names.
public struct EdgeContribution: Codable, Sendable, Equatable {
    public let u: Int
    public let v: Int
    public let names: [String]
    /// Signed `E_uv`: positive when `z_u z_v` co-moved more than the reference predicts.
    public let value: Double
}

/// One alarm raised by the online monitor.
public struct Alarm: Codable, Sendable, Equatable {
    /// 0-based index (data row) of the observation that triggered the alarm.
    public let index: Int
    /// Row label (date or timestamp) of that observation, when the input has one.
    public let label: String?
    /// Estimated index of the first observation after the change (``ChangeTimeEstimator``).
    public let estimatedChange: Int?
    /// Row label of the estimated change, when the input has labels.
    public let estimatedChangeLabel: String?
    /// Which statistics crossed their thresholds (`global`, `local`, or both).
    public let firedBy: [DetectorKind]
    public let globalStatistic: Double?
    public let globalThreshold: Double?
    public let localStatistic: Double?
    public let localThreshold: Double?
    /// First index of the segment (data since the last restart) the reference was estimated from.
    public let segmentStart: Int
    /// Number of observations behind the reference at the time of the alarm.
    public let referenceSampleSize: Int
    /// Nodes with the largest contributions to the global statistic, strongest first.
    public let topNodes: [NodeContribution]
    /// Edges (u < v) with the largest `|E_uv|` of the local statistic, strongest first. Diagonal
    /// entries (a node's own residual variance) are left out here: they show in ``topNodes``.
    public let topEdges: [EdgeContribution]
    /// The entry that attains the local statistic `M = max |E_uv|` (u == v when it is a node's own
    /// residual variance), when the local statistic is in use.
    public var strongestEntry: EdgeContribution? = nil
}
