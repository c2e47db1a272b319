import GGMEstimation

/// How ``Segmenter`` searches a recorded stream for change points (docs/ALGORITHMS.md section 20).
public struct SegmentationSettings: Codable, Sendable, Equatable {
    /// The search over candidate segmentations.
    public enum Search: String, Codable, Sendable, CaseIterable {
        /// Binary segmentation with optimistic search, then each change point relocated between
        /// its neighbours (Londschien, Kovacs & Buhlmann 2021, hdcd's search).
        case binary
        /// Seeded binary segmentation (Kovacs, Buhlmann, Li & Munk 2023): optimistic search in
        /// seeded intervals on a geometric grid of scales, the narrowest accepted candidate first.
        case seeded
        /// The exact minimum of the summed segment losses for each number of changes (dynamic
        /// programming over every segment: O(n^2) fits, for short streams and for testing the others).
        case exact
    }

    /// How the penalty depends on the segment.
    public enum PenaltyScaling: String, Codable, Sendable, CaseIterable {
        /// `c sqrt(log p / n_segment)`: the estimation theory's rate for each segment's own length.
        case segment
        /// `c sqrt(log p / n)` with `n` the whole stream's rows, the same for every segment (as hdcd).
        case stream
    }

    /// The default `c`: 2, chosen by measurement (docs/RESULTS.md, "Offline segmentation"): with
    /// the monitor's 1.1 segments shorter than p overfit and their cross-validated loss hides changes.
    public static let defaultTheoryConstant = 2.0

    public var search: Search
    public var penaltyScaling: PenaltyScaling
    /// The estimator whose likelihood is the segment loss: node-wise lasso (pseudo-likelihood,
    /// the default: the monitor's model) or graphical lasso (full likelihood).
    public var method: EstimationMethod
    /// `c` of the penalty `lambda = c sqrt(log p / n)` on the correlation scale, with `n` the rows of
    /// the whole stream: one penalty for every segment (a penalty that grows as segments shrink
    /// biases every split's gain by the extra shrinkage it imposes; docs/ALGORITHMS.md section 20).
    public var theoryConstant: Double
    /// Exactly this many changes (nil: chosen by cross-validation).
    public var changes: Int?
    /// At most this many changes when they are chosen by cross-validation (nil: as many as the
    /// minimum segment length allows).
    public var maxChanges: Int?
    /// Interleaved folds of the cross-validated gain.
    public var folds: Int
    /// A split is accepted when its cross-validated gain is positive in at least this many folds
    /// (nil: all of them). The sum over the folds alone accepts spurious splits at small p (8 in
    /// 20 null streams at p = 5); requiring every fold to agree removes them (docs/RESULTS.md).
    public var agreeingFolds: Int?
    /// The number of folds that must agree.
    public var requiredFolds: Int { Swift.min(folds, agreeingFolds ?? folds) }
    /// The shortest segment (nil: `max(20, n / 100)`).
    public var minSegment: Int?
    /// Bootstrap replicates of each change point's location (0: none).
    public var bootstrapReplicates: Int
    /// Coverage of the bootstrap interval.
    public var confidence: Double
    /// Seed of the bootstrap.
    public var seed: UInt64
    /// Seeded search: the ratio of successive interval lengths.
    public var seededDecay: Double
    public var tolerance: Double
    public var maxIterations: Int

    public init(search: Search = .binary, penaltyScaling: PenaltyScaling = .stream, method: EstimationMethod = .nodewise,
                theoryConstant: Double = SegmentationSettings.defaultTheoryConstant,
                changes: Int? = nil, maxChanges: Int? = nil, folds: Int = 5, agreeingFolds: Int? = nil, minSegment: Int? = nil,
                bootstrapReplicates: Int = 500, confidence: Double = 0.9, seed: UInt64 = 1, seededDecay: Double = 0.5,
                tolerance: Double = 1e-5, maxIterations: Int = 1_000) {
        self.search = search
        self.penaltyScaling = penaltyScaling
        self.method = method
        self.theoryConstant = theoryConstant
        self.changes = changes
        self.maxChanges = maxChanges
        self.folds = folds
        self.agreeingFolds = agreeingFolds
        self.minSegment = minSegment
        self.bootstrapReplicates = bootstrapReplicates
        self.confidence = confidence
        self.seed = seed
        self.seededDecay = seededDecay
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// The minimum segment length for `n` rows.
    public func minimumSegment(rows n: Int) -> Int { minSegment ?? Swift.max(20, n / 100) }

    /// The most changes `n` rows allow with segments of at least `minimumSegment(rows:)`.
    public func changeLimit(rows n: Int) -> Int { Swift.max(0, n / minimumSegment(rows: n) - 1) }

    /// The exact search's limit on the number of rows (its O(n^2) segment fits).
    public static let exactRowLimit = 400

    /// The penalty of every segment's fit for a stream of `n` rows and `p` columns.
    public func lambda(rows n: Int, columns p: Int) -> Double {
        LambdaSelection.theoryLambda(c: theoryConstant, dimension: p, sampleSize: n)
    }

    /// The estimator fitted on each segment of a stream of `n` rows and `p` columns.
    public func estimator(rows n: Int, columns p: Int) -> NetworkEstimator {
        NetworkEstimator(method: method, lambda: penaltyScaling == .stream ? .fixed(lambda(rows: n, columns: p)) : .theory(c: theoryConstant),
                         standardize: true,
                         tolerance: tolerance, maxIterations: maxIterations)
    }

    /// Checks the settings against a stream of `n` rows and `p` columns.
    public func validate(rows n: Int, columns p: Int) throws(SegmentationError) {
        guard p >= 2 else { throw .invalidSetting(name: "columns", value: "\(p)", reason: "at least 2 nodes are needed") }
        if let m = minSegment, m < 2 { throw .invalidSetting(name: "minSegment", value: "\(m)", reason: "a segment needs at least 2 rows") }
        let m = minimumSegment(rows: n)
        guard n >= 2 * m else { throw .tooFewRows(rows: n, minimum: 2 * m, minSegment: m) }
        guard folds >= 2 else { throw .invalidSetting(name: "folds", value: "\(folds)", reason: "cross-validation needs at least 2 folds") }
        if let a = agreeingFolds, a < 1 || a > folds {
            throw .invalidSetting(name: "agreeingFolds", value: "\(a)", reason: "must be between 1 and the number of folds (\(folds))")
        }
        guard m >= folds else {
            throw .invalidSetting(name: "folds", value: "\(folds)", reason: "more folds than rows in the shortest segment (\(m))")
        }
        let limit = changeLimit(rows: n)
        if let k = changes {
            guard k >= 0 else { throw .invalidSetting(name: "changes", value: "\(k)", reason: "must be 0 or more") }
            guard k <= limit else { throw .tooManyChanges(requested: k, limit: limit, rows: n, minSegment: m) }
        }
        if let k = maxChanges, k < 0 { throw .invalidSetting(name: "maxChanges", value: "\(k)", reason: "must be 0 or more") }
        guard theoryConstant > 0, theoryConstant.isFinite else {
            throw .invalidSetting(name: "theoryConstant", value: "\(theoryConstant)", reason: "must be a positive number")
        }
        guard bootstrapReplicates >= 0 else {
            throw .invalidSetting(name: "bootstrapReplicates", value: "\(bootstrapReplicates)", reason: "must be 0 or more")
        }
        guard confidence > 0, confidence < 1 else {
            throw .invalidSetting(name: "confidence", value: "\(confidence)", reason: "must be between 0 and 1")
        }
        guard seededDecay > 0, seededDecay < 1 else {
            throw .invalidSetting(name: "seededDecay", value: "\(seededDecay)", reason: "must be between 0 and 1")
        }
        if search == .exact && n > SegmentationSettings.exactRowLimit {
            throw .invalidSetting(name: "search", value: "exact",
                                  reason: "the exact search fits every segment (O(n^2)); it takes at most \(SegmentationSettings.exactRowLimit) rows, the data have \(n)")
        }
    }
}

/// Why a segmentation could not be made.
public enum SegmentationError: Error, Equatable, CustomStringConvertible, Sendable {
    case tooFewRows(rows: Int, minimum: Int, minSegment: Int)
    case tooManyChanges(requested: Int, limit: Int, rows: Int, minSegment: Int)
    case invalidSetting(name: String, value: String, reason: String)
    case nonFinite(row: Int, column: Int, value: Double)
    case constantColumn(column: Int)
    case estimation(segment: Range<Int>, message: String)

    public var description: String {
        switch self {
        case let .tooFewRows(rows, minimum, minSegment):
            return "segmentation needs at least \(minimum) rows (twice the minimum segment length \(minSegment)); the data have \(rows)"
        case let .tooManyChanges(requested, limit, rows, minSegment):
            return "\(requested) changes asked for, but \(rows) rows with segments of at least \(minSegment) rows allow at most \(limit)"
        case let .invalidSetting(name, value, reason):
            return "invalid \(name) \(value): \(reason)"
        case let .nonFinite(row, column, value):
            return "row \(row + 1), column \(column + 1): the value \(value) is not finite"
        case let .constantColumn(column):
            return "column \(column + 1) is constant: it has no variance to model"
        case let .estimation(segment, message):
            return "the network of rows \(segment.lowerBound + 1)-\(segment.upperBound) could not be estimated: \(message)"
        }
    }
}
