import GGMCore

/// The name of a statistic a score computes: `global` and `local` for the network scores,
/// `per-node` and `dense` for the baselines, or any name a third-party score chooses.
///
/// Alarms, steps and thresholds key their values by it (``StatisticMap``), so a monitor
/// handles any number of statistics without positional conventions.
public struct StatisticID: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
                           ExpressibleByStringLiteral, CodingKeyRepresentable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// The global statistic of Keshavarz, Michailidis & Atchade (ALGORITHMS.md section 3).
    public static let global = StatisticID("global")
    /// The local max-norm statistic of Keshavarz & Michailidis (ALGORITHMS.md section 4).
    public static let local = StatisticID("local")
    /// The per-node variance baseline (``PerNodeVarianceScore``).
    public static let perNode = StatisticID("per-node")
    /// The dense-covariance likelihood-ratio baseline (``DenseCovarianceScore``).
    public static let dense = StatisticID("dense")

    public var description: String { rawValue }
    public static func < (a: StatisticID, b: StatisticID) -> Bool { a.rawValue < b.rawValue }

    /// The same statistic on a shorter window of `length` observations (``NetworkScore/shortWindows``):
    /// `global@10`, `local@10`.
    public func window(_ length: Int) -> StatisticID { StatisticID("\(baseName)@\(length)") }
    /// The statistic without its window suffix (`global@10` -> `global`).
    public var baseName: String { String(rawValue.split(separator: "@", maxSplits: 1).first ?? Substring(rawValue)) }
    /// The window length of a statistic on a short window (nil: the monitor's own window).
    public var windowLength: Int? { rawValue.split(separator: "@", maxSplits: 1).dropFirst().first.flatMap { Int($0) } }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var codingKey: any CodingKey { StatisticKey(stringValue: rawValue) }
    public init?<T: CodingKey>(codingKey: T) { rawValue = codingKey.stringValue }
}

struct StatisticKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Values of named statistics (statistics of a window, or their thresholds), encoded as a JSON
/// object `{"global": 3.1, "local": 7.9}`.
public struct StatisticMap: Codable, Sendable, Equatable, CustomStringConvertible {
    public var values: [StatisticID: Double]

    public init(_ values: [StatisticID: Double] = [:]) { self.values = values }

    /// The network monitor's two statistics (nil: not in use).
    public init(global: Double?, local: Double?) {
        values = [:]
        if let global { values[.global] = global }
        if let local { values[.local] = local }
    }

    public subscript(_ id: StatisticID) -> Double? {
        get { values[id] }
        set { values[id] = newValue }
    }

    public var global: Double? {
        get { values[.global] }
        set { values[.global] = newValue }
    }
    public var local: Double? {
        get { values[.local] }
        set { values[.local] = newValue }
    }

    public var isEmpty: Bool { values.isEmpty }
    /// The statistics in name order.
    public var ids: [StatisticID] { values.keys.sorted() }

    /// The first non-finite value, if any.
    public var firstNonFinite: (StatisticID, Double)? {
        for id in ids where !values[id]!.isFinite { return (id, values[id]!) }
        return nil
    }

    public var description: String {
        ids.map { "\($0) \(values[$0]!)" }.joined(separator: ", ")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: StatisticKey.self)
        var values: [StatisticID: Double] = [:]
        for key in c.allKeys {
            // A statistic encoded as null (older files) is absent.
            if let v = try c.decodeIfPresent(Double.self, forKey: key) { values[StatisticID(key.stringValue)] = v }
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: StatisticKey.self)
        for id in ids { try c.encode(values[id]!, forKey: StatisticKey(stringValue: id.rawValue)) }
    }
}

/// Alarm thresholds in force, one per statistic (absent: that statistic never alarms).
public typealias Thresholds = StatisticMap

/// What a score reports for an alarm: the nodes and edges behind it.
public struct ScoreEvidence: Sendable, Equatable {
    /// Nodes with the largest contributions, strongest first.
    public var topNodes: [NodeContribution]
    /// Off-diagonal entries with the largest evidence, strongest first.
    public var topEdges: [EdgeContribution]
    /// The entry attaining a max-type statistic, when the score has one.
    public var strongestEntry: EdgeContribution?

    public init(topNodes: [NodeContribution] = [], topEdges: [EdgeContribution] = [],
                strongestEntry: EdgeContribution? = nil) {
        self.topNodes = topNodes
        self.topEdges = topEdges
        self.strongestEntry = strongestEntry
    }
}

/// Why a score could not fit its null model.
public struct ScoreFitError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    /// The node the failure is about, when it is about one (the monitor names it).
    public let node: Int?
    public init(_ reason: String, node: Int? = nil) {
        self.reason = reason
        self.node = node
    }
    public var description: String { node.map { "node \($0 + 1) \(reason)" } ?? reason }

    /// The reason with the node named as in the data.
    public func describe(names: [String]) -> String {
        guard let node, names.indices.contains(node) else { return description }
        return "node \(names[node]) (column \(node + 1)) \(reason)"
    }
}

/// What is scored: a statistic (or several) of a sliding window against a null model fitted
/// from the running sufficient statistics of a segment. ``SequentialMonitor`` decides *when*:
/// burn-in, window, refits, thresholds, alarms and restarts are the monitor's, the same for
/// every score (the cost/search split of offline change-point libraries, made online).
///
/// A score holds two things: the segment's sufficient statistics (``accumulate(_:)`` adds a
/// burn-in observation or one leaving the window; ``fit(lastIndex:newSegment:)`` refits the null
/// from them) and the window (``push(_:evicted:)``, ``statistics()``). The monitor never looks
/// inside either.
///
/// Conformances: ``NetworkScore`` (the global and local statistics against a sparse reference
/// network), ``PerNodeVarianceScore`` and ``DenseCovarianceScore`` (baselines). A third party
/// adds a score by conforming a `Codable` value type; see the library's getting-started article.
public protocol WindowScore: Codable, Sendable {
    /// The dimension p of an observation.
    var dimension: Int { get }
    /// The window length w.
    var window: Int { get }
    /// The statistics ``statistics()`` returns, in report order.
    var statisticIDs: [StatisticID] { get }
    /// Observations in the window (at most ``window``).
    var count: Int { get }
    /// Observations in the segment's sufficient statistics.
    var segmentCount: Int { get }
    /// Observations behind the null in force (0 before the first fit).
    var referenceSampleSize: Int { get }

    /// Adds an observation to the segment's sufficient statistics (a burn-in row, or a row
    /// leaving the window).
    mutating func accumulate(_ x: [Double])
    /// Whether ``forget(_:)`` removes observations exactly, so that the monitor can keep a
    /// rolling reference memory (``MonitorSettings/memory``).
    var supportsForgetting: Bool { get }
    /// The network a short reference's Gaussian null is simulated from after an alarm
    /// (``MonitorSettings/restartBurnIn``), read before the segment is reset: by default the
    /// fitted null's precision.
    func restartNullPrecision() -> Matrix?
    /// Removes the oldest observation still in the segment's sufficient statistics (the monitor
    /// calls it in the order the observations were accumulated, for a rolling memory).
    mutating func forget(_ x: [Double])
    /// Fits the null from the segment's sufficient statistics. `newSegment`: the first fit of a
    /// segment (cold start; the window is empty); otherwise a refit with the window kept (warm
    /// start), after which the window is rescored against the new null.
    mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError)
    /// Adds `x` to the window; when the window was full, copies the observation leaving it into
    /// `evicted` and returns true.
    mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool
    /// Adds `rows` (oldest first) to the full window and returns the statistics after each; the
    /// observations leaving it go into `evicted`, in order (one per row). The same statistics and state as
    /// ``push(_:evicted:)`` and ``statistics()`` row after row (the default does exactly that); a
    /// score may update its statistics for the whole block at once.
    mutating func push(block rows: [[Double]], evicted: inout [[Double]]) -> [StatisticMap]
    /// ``push(block:evicted:)`` when the caller keeps a copy of the score taken just before (to
    /// undo the block): a score may write the block's results into new storage rather than copy
    /// the storage it shares with that copy first. The same values; the default is
    /// ``push(block:evicted:)``.
    mutating func push(block rows: [[Double]], keepingCopy: Bool, evicted: inout [[Double]]) -> [StatisticMap]
    /// Whether a running monitor gains by taking rows in blocks (``SequentialMonitor/updateQuietBlock(_:labels:)``),
    /// which copies the score before each block so that a block that fires can be undone. The
    /// default is false (``push(block:evicted:)`` pushes row by row).
    var blocksPayOff: Bool { get }
    /// The statistics of the current (full) window.
    func statistics() -> StatisticMap
    /// Empties the window and, unless `keepingNull`, the segment's sufficient statistics (the
    /// fitted null stays until the next fit).
    mutating func reset(keepingNull: Bool)
    /// The nodes and edges behind the current window's statistics.
    func evidence(top count: Int, names: [String]) -> ScoreEvidence

    /// The first index after a change, estimated from the recent observations (oldest first;
    /// `firstIndex` is the index of the first row). Nil: this score does not estimate it.
    func estimateChange(recent: Matrix, firstIndex: Int, top count: Int) -> Int?
    /// The fitted network (precision matrix), when the score has one: the monitor compares the
    /// networks before and after each change.
    var precision: Matrix? { get }
    /// The network the segment's sufficient statistics give now (before a burn-in completes);
    /// nil when the score has none or it cannot be estimated.
    func provisionalPrecision() -> Matrix?
    /// The papers' per-window thresholds at level `alpha`, when the statistics have them.
    func nominalThresholds(alpha: Double) -> Thresholds?
    /// A fresh score with the same settings and nothing fitted (what a simulated replicate starts from).
    func unfitted() -> Self
    /// A problem with the monitor's burn-in length for this score, in words (nil: none).
    func validate(burnIn: Int) -> String?
    /// The mean of the fitted null, when the score has one (a fixed reference's is simulated around it).
    var nullMean: [Double]? { get }
    /// The fitted null's dynamics, when it has any: the Gaussian null then simulates the VAR.
    var nullDynamics: NullDynamics? { get }
    /// A summary of the fitted null to decide when a calibration still applies after a restart;
    /// nil: recalibrate after every restart.
    func calibrationSummary() -> ReferenceSummary?
    /// Whether a null is fitted, so that observations can be scored (a decoded state past its
    /// burn-in whose score has none is rejected as corrupt).
    var isFitted: Bool { get }
}

extension WindowScore {
    public var isFull: Bool { count == window }
    public mutating func push(block rows: [[Double]], evicted: inout [[Double]]) -> [StatisticMap] {
        pushEach(rows, evicted: &evicted)
    }

    /// ``push(_:evicted:)`` and ``statistics()`` row after row (``push(block:evicted:)``'s
    /// definition, and what a score does when it cannot take a block at once).
    public mutating func pushEach(_ rows: [[Double]], evicted: inout [[Double]]) -> [StatisticMap] {
        evicted = []
        return rows.map { x in
            var leaving: [Double] = []
            if push(x, evicted: &leaving) { evicted.append(leaving) }
            return statistics()
        }
    }
    public mutating func push(block rows: [[Double]], keepingCopy: Bool, evicted: inout [[Double]]) -> [StatisticMap] {
        push(block: rows, evicted: &evicted)
    }
    public var blocksPayOff: Bool { false }
    public var supportsForgetting: Bool { false }
    /// Never called unless ``supportsForgetting`` (the monitor rejects a memory otherwise).
    public mutating func forget(_ x: [Double]) {}
    public func estimateChange(recent: Matrix, firstIndex: Int, top count: Int) -> Int? { nil }
    public var precision: Matrix? { nil }
    public func provisionalPrecision() -> Matrix? { nil }
    public func restartNullPrecision() -> Matrix? { precision }
    public func nominalThresholds(alpha: Double) -> Thresholds? { nil }
    public func calibrationSummary() -> ReferenceSummary? { nil }
    public func validate(burnIn: Int) -> String? { nil }
    public var nullMean: [Double]? { nil }
    public var nullDynamics: NullDynamics? { nil }
    public var isFitted: Bool { true }
}
