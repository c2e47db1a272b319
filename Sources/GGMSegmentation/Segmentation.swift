import GGMCore
import GGMDetection
import GGMEstimation

/// A recorded stream cut into segments, each with its network (the result of ``Segmenter``).
public struct Segmentation: Codable, Sendable {
    /// The 0-based index of the first row of each new segment, increasing.
    public var changePoints: [Int]
    public var segments: [Segment]
    /// What is known about each change point, in the order of `changePoints`.
    public var changes: [ChangePoint]
    public var settings: SegmentationSettings
    /// The minimum segment length used.
    public var minSegment: Int
    /// How the number of changes was chosen: `"crossValidation"` or `"given"`.
    public var selection: String
    /// Exact search: the cross-validated cost of the best segmentation with 0, 1, 2, ... changes
    /// (without `changes`, the minimum is chosen).
    public var crossValidatedLossByChanges: [Double]?
    /// The number of network fits the search made.
    public var fits: Int
}

/// One segment `[start, end)` and its network.
public struct Segment: Codable, Sendable {
    public var start: Int
    public var end: Int
    /// The network's edges (|partial correlation| >= 0.05), strongest first.
    public var edges: [WeightedEdge]
    /// All edges the estimator selected (any nonzero partial correlation).
    public var selectedEdgeCount: Int
    /// The network against the previous segment's (nil for the first segment).
    public var comparison: NetworkComparison?
    /// The estimated precision matrix on the data's original scale.
    public var precision: Matrix
    /// The segment's mean on the data's original scale.
    public var mean: [Double]

    public var length: Int { end - start }
}

/// How sure a change point is.
public struct ChangePoint: Codable, Sendable {
    /// The first row of the new segment.
    public var index: Int
    /// The cross-validated likelihood gain of this split between its neighbouring change points
    /// (the quantity the search maximizes): positive when two networks predict held-out rows
    /// better than one.
    public var gain: Double
    /// The bootstrap interval `[lower, upper]` (row indices, inclusive) at coverage `settings.confidence`;
    /// nil without bootstrap replicates.
    public var interval: ClosedRange<Int>?
    /// The share of bootstrap replicates that put the change within 5 rows of `index`.
    public var stability: Double?
    /// The gain of a split at each row the search evaluated between the neighbouring change points,
    /// as (row, gain) pairs in increasing row order.
    public var gainCurve: [GainPoint]
    /// The cross-fitted plug-in profile between the neighbouring change points: entry `i` is the
    /// log-likelihood advantage of a change at row `profileStart + i` (maximal near the change).
    public var profile: [Double]
    public var profileStart: Int
}

public struct GainPoint: Codable, Sendable, Equatable {
    public var row: Int
    public var gain: Double
}
