import GGMCore

/// A piecewise Gaussian graphical model stream with known change points: the settings, validated once.
///
/// Segment k has `segmentLengths[k]` observations `x_t ~ N(mean, Omega_k^{-1})`, independent.
/// `Omega_0` is drawn from `graph` (optionally with rescaled nodes); each `Omega_k`, `k >= 1`,
/// is `Omega_{k-1}` changed by `change` (see ``ChangeKind``). For `local` and `perturbHub` the
/// step uses `N = segmentLengths[k-1]`, the data a detector has to learn the reference from.
///
/// Randomness: networks come from `SeededGenerator.stream(seed: seed, index: 0)`, and the
/// observations of segment k from `SeededGenerator.stream(seed: seed, index: k + 1)`, so the
/// same settings give the same bytes, and lengthening one segment leaves the networks and the
/// other segments' observations unchanged.
///
/// ```swift
/// let simulation = try StreamSimulation(p: 20, segmentLengths: [400, 300], graph: .hub, change: .perturbHub, seed: 7)
/// let stream = try simulation.generate()          // observations (700 x 20) and truth
/// for x in try simulation.rows() { ... }           // the same rows, one at a time
/// ```
public struct StreamSimulation: Codable, Sendable, Equatable {
    public let p: Int
    public let segmentLengths: [Int]
    public let graph: GraphKind
    public let change: ChangeKind
    public let seed: UInt64
    /// The mean of every observation (zero when `nil`).
    public let mean: [Double]?
    /// When set, node scales `D_ii ~ U(nodeScales)` rescale every drawn network, `D^{1/2} Omega D^{1/2}`.
    public let nodeScales: ClosedRange<Double>?
    /// Edges moved by a `local` change.
    public let localEdgeCount: Int
    /// `w0` of the `local` and `perturbHub` steps.
    public let localStrength: Double
    /// Serial dependence (nil: independent rows).
    public let dynamics: SerialDynamics?
    /// Whether the innovations' network stays the same in every segment (only the dynamics change).
    public let keepNetwork: Bool
    /// Segments (indices >= 1) whose network drifts: row `i` of `n` is drawn from
    /// `(1 - i/n) Omega_{k-1} + (i/n) Omega_k`, a convex combination of positive definite
    /// matrices, so the segment moves linearly from the previous network to its own and reaches it
    /// at its last row (nil: every change is abrupt).
    public let rampSegments: [Int]?

    public init(p: Int, segmentLengths: [Int], graph: GraphKind = .random, change: ChangeKind = .global, seed: UInt64,
                mean: [Double]? = nil, nodeScales: ClosedRange<Double>? = nil,
                localEdgeCount: Int = 5, localStrength: Double = 1, dynamics: SerialDynamics? = nil,
                keepNetwork: Bool = false, rampSegments: [Int]? = nil) throws(SimulationError) {
        if keepNetwork && dynamics?.change == nil {
            throw .invalidDynamics("keeping the network needs a change of the dynamics (transition or mean), or nothing changes")
        }
        self.keepNetwork = keepNetwork
        if let bad = rampSegments?.first(where: { $0 < 1 || $0 >= segmentLengths.count }) {
            throw .invalidRamp(segment: bad, segments: segmentLengths.count)
        }
        self.rampSegments = rampSegments.map { Array(Set($0)).sorted() }
        let minimum = change == .flipEdges ? 4 : 2
        guard p >= minimum else {
            throw .tooFewNodes(p: p, minimum: minimum, reason: change == .flipEdges ? "flipping two disjoint edges" : "a network")
        }
        guard !segmentLengths.isEmpty else { throw .invalidSegmentLength(index: nil, length: nil) }
        if let bad = segmentLengths.firstIndex(where: { $0 < 1 }) { throw .invalidSegmentLength(index: bad, length: segmentLengths[bad]) }
        if let mean {
            guard mean.count == p else { throw .meanDimension(expected: p, actual: mean.count) }
            if let bad = mean.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteMean(index: bad) }
        }
        precondition(nodeScales.map { $0.lowerBound > 0 } ?? true, "node scales must be positive")
        precondition(localEdgeCount >= 1 && localStrength > 0, "a local change moves at least one edge by a positive step")
        self.p = p
        self.segmentLengths = segmentLengths
        self.graph = graph
        self.change = change
        self.seed = seed
        self.mean = mean
        self.nodeScales = nodeScales
        self.localEdgeCount = localEdgeCount
        self.localStrength = localStrength
        self.dynamics = dynamics
    }

    /// Total number of observations.
    public var observationCount: Int { segmentLengths.reduce(0, +) }

    /// The networks of all segments and the changes between them (no observations are drawn).
    ///
    /// - Complexity: O(segments * p^3).
    public func truth() throws(SimulationError) -> SimulationTruth {
        var rng = SeededGenerator.stream(seed: seed, index: 0)
        let generator = SegmentGraph(kind: graph, nodeScales: nodeScales)
        var omega = generator.precision(p: p, using: &rng)
        var flip: (EdgeFlip, [GraphEdge])?
        if change == .flipEdges {
            let edgeFlip = EdgeFlip()
            let prepared = edgeFlip.prepare(omega, using: &rng)
            omega = prepared.precision
            flip = (edgeFlip, prepared.edges)
        }
        var precisions = [omega]
        var changes: [PrecisionChange] = []
        for k in 1..<segmentLengths.count {
            let next: PrecisionChange
            switch change {
            case .global:
                next = GlobalChange(graph: generator).apply(to: omega, using: &rng)
            case .local:
                next = LocalChange(target: .edges(count: localEdgeCount), strength: localStrength,
                                   referenceSize: segmentLengths[k - 1]).apply(to: omega, using: &rng)
            case .perturbHub:
                next = LocalChange(target: .hub, strength: localStrength,
                                   referenceSize: segmentLengths[k - 1]).apply(to: omega, using: &rng)
            case .flipEdges:
                next = try flip!.0.flip(omega, edges: flip!.1)
            case .rewireKeepingVariances:
                next = try VarianceKeepingRewire(graph: generator).apply(to: omega, using: &rng)
            }
            if keepNetwork {
                precisions.append(omega)
                changes.append(PrecisionChange(kind: change, before: omega, after: omega))
                continue
            }
            omega = next.after
            precisions.append(omega)
            changes.append(next)
        }
        return SimulationTruth(simulation: self, precisions: precisions, changes: changes)
    }

    /// The observations, one row at a time, without holding the stream in memory.
    public func rows() throws(SimulationError) -> ObservationIterator {
        try ObservationIterator(simulation: self, truth: truth())
    }

    /// The whole stream: an `observationCount x p` matrix (rows are time points) and its truth.
    ///
    /// The rows are exactly those of ``rows()``.
    public func generate() throws(SimulationError) -> SimulatedStream {
        let truth = try truth()
        var iterator = try ObservationIterator(simulation: self, truth: truth)
        var observations = Matrix(rows: observationCount, columns: p)
        var t = 0
        while let x = iterator.next() {
            observations.elements.replaceSubrange((t * p)..<((t + 1) * p), with: x)
            t += 1
        }
        return SimulatedStream(observations: observations, truth: truth)
    }
}

/// A simulated stream held in memory: observations (rows are time points, columns nodes) and the truth.
public struct SimulatedStream: Sendable, Equatable {
    public let observations: Matrix
    public let truth: SimulationTruth
}

/// The stream's network family: `kind`, then optionally rescaled nodes.
struct SegmentGraph: PrecisionGenerator {
    let kind: GraphKind
    let nodeScales: ClosedRange<Double>?

    func precision(p: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        if let nodeScales { return NodeRescaledGraph(kind, scales: nodeScales).precision(p: p, using: &rng) }
        return kind.precision(p: p, using: &rng)
    }
}
