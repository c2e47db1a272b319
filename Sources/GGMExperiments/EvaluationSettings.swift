import GGMDetection
import GGMSimulation

/// The detectors an evaluation compares.
public enum EvaluatedDetector: String, CaseIterable, Codable, Sendable {
    /// ``OnlineMonitor`` with the global KMA statistic.
    case global
    /// ``OnlineMonitor`` with the local max-norm statistic.
    case local
    /// ``OnlineMonitor`` with both, the false-alarm budget split between them.
    case combined
    /// ``PerNodeVarianceMonitor``: each series alone, max over nodes.
    case perNode = "per-node"
    /// ``DenseCovarianceMonitor``: full-covariance window likelihood ratio (only where its window exceeds p).
    case dense
    /// ``PCAScore``: principal-component T^2 and SPE charts (90% of the variance) with a run rule,
    /// the process engineers' monitor. Not in the default grid (an O(p^3) refit).
    case pca

    /// The detectors of the default grid (all but ``pca``).
    public static let standard: [EvaluatedDetector] = [.global, .local, .combined, .perNode, .dense]

    public var usesNetwork: Bool { networkDetector != nil }

    /// The network monitor's detector (nil for a baseline).
    public var networkDetector: DetectorKind? {
        switch self {
        case .global: .global
        case .local: .local
        case .combined: .combined
        case .perNode, .dense, .pca: nil
        }
    }

    /// The statistics that raise this detector's alarms.
    public var statistics: [StatisticID] {
        switch self {
        case .perNode: [.perNode]
        case .dense: [.dense]
        case .pca: [.pcaT2, .pcaSPE]
        default: networkDetector!.statistics
        }
    }
}

/// The change in a scenario's streams: none (no-change streams, for false alarms) or a ``ChangeKind``.
public enum ScenarioChange: String, CaseIterable, Codable, Sendable {
    case none
    case global
    case local
    case perturbHub = "perturb-hub"
    case flipEdges = "flip-edges"
    case rewireKeepingVariances = "rewire-keeping-variances"

    public var changeKind: ChangeKind? {
        switch self {
        case .none: nil
        case .global: .global
        case .local: .local
        case .perturbHub: .perturbHub
        case .flipEdges: .flipEdges
        case .rewireKeepingVariances: .rewireKeepingVariances
        }
    }
}

/// Everything that defines an evaluation grid; the same settings and seed give the same numbers.
///
/// Streams of a scenario cell `(p, graph, change)`:
/// * no change: one segment of `burnIn + horizon` observations, so every detector is monitored
///   for exactly the calibration horizon `H` and the false-alarm probability within `H` is
///   measured on the same footing as it was targeted;
/// * with a change: `burnIn + preChange` observations from `Omega_0`, then `postChange` from the
///   changed network; the change is detected when an alarm comes within `maxDelay` of it.
///
/// Replicate `r` of every cell with the same `(p, graph)` draws the same `Omega_0` and the same
/// pre-change noise (a paired design across change kinds); replicates differ in both.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    public var dimensions: [Int]
    public var graphs: [GraphKind]
    public var changes: [ScenarioChange]
    public var detectors: [EvaluatedDetector]
    /// Replicate streams per scenario cell.
    public var replicates: Int
    public var seed: UInt64
    /// Burn-in `N`, window `w` and refit interval `B` shared by all detectors.
    public var burnIn: Int
    public var window: Int
    public var refitEvery: Int
    /// Window of the dense baseline (it needs more observations than nodes); it runs only when `denseWindow > p`.
    public var denseWindow: Int
    /// One false-alarm target for every detector: probability `q` of a false alarm within `horizon`.
    public var falseAlarmProbability: Double
    public var horizon: Int
    /// Simulated null streams per calibration.
    public var calibrationReplicates: Int
    /// Monitored observations before the change.
    public var preChange: Int
    /// Observations after the change (at least `maxDelay`).
    public var postChange: Int
    /// `d_max`: an alarm within `0..<maxDelay` observations after the change detects it.
    public var maxDelay: Int
    /// Serially dependent streams: the spectral radius of a VAR(1) transition (nil: independent rows).
    public var varRadius: Double?
    /// Heavy-tailed streams: Student t innovations with this many degrees of freedom and the
    /// network's covariance (the rows themselves, or the VAR's innovations with `varRadius`;
    /// nil: Gaussian).
    public var innovationsDF: Double?
    /// Run rule of the PCA charts: alarm when this many consecutive points exceed a limit.
    public var pcaRunLength: Int
    /// Every detector's reference memory (``MonitorSettings/memory``; nil: expanding).
    public var memory: Int?
    /// Shorter windows the graph detectors score beside `window` (``MonitorConfiguration/shortWindows``).
    public var shortWindows: [Int] = []

    public init(dimensions: [Int] = [50, 100, 200], graphs: [GraphKind] = [.random, .banded, .hub, .block],
                changes: [ScenarioChange] = [.none, .global, .local, .perturbHub, .rewireKeepingVariances],
                detectors: [EvaluatedDetector] = EvaluatedDetector.standard,
                replicates: Int = 50, seed: UInt64 = 1, burnIn: Int = 500, window: Int = 50, refitEvery: Int = 50,
                denseWindow: Int = 100, falseAlarmProbability: Double = 0.1, horizon: Int = 500,
                calibrationReplicates: Int = 200, preChange: Int = 250, postChange: Int = 100, maxDelay: Int = 100,
                varRadius: Double? = nil, innovationsDF: Double? = nil, pcaRunLength: Int = 3, memory: Int? = nil) {
        self.memory = memory
        self.varRadius = varRadius
        self.innovationsDF = innovationsDF
        self.pcaRunLength = pcaRunLength
        self.dimensions = dimensions
        self.graphs = graphs
        self.changes = changes
        self.detectors = detectors
        self.replicates = replicates
        self.seed = seed
        self.burnIn = burnIn
        self.window = window
        self.refitEvery = refitEvery
        self.denseWindow = denseWindow
        self.falseAlarmProbability = falseAlarmProbability
        self.horizon = horizon
        self.calibrationReplicates = calibrationReplicates
        self.preChange = preChange
        self.postChange = postChange
        self.maxDelay = maxDelay
    }

    /// The full grid: p in {50, 100, 200}, four graphs, no change, global, local (5 edges),
    /// perturb-hub (every edge of the hub node) and variance-keeping rewiring, 50 replicates per
    /// cell, 200 calibration streams.
    public static let full = EvaluationSettings()

    /// A small grid that runs in well under a minute on two cores: p = 50, random and hub graphs,
    /// no change, global, local and variance-keeping rewiring, 20 replicates, 100 calibration streams.
    public static let quick = EvaluationSettings(dimensions: [50], graphs: [.random, .hub],
                                                 changes: [.none, .global, .local, .rewireKeepingVariances],
                                                 replicates: 20, calibrationReplicates: 100)

    /// Checks the settings once, at the boundary.
    public func validate() throws(EvaluationRunError) {
        func fail(_ message: String) -> EvaluationRunError { .invalidSettings(message) }
        guard !dimensions.isEmpty, !graphs.isEmpty, !changes.isEmpty, !detectors.isEmpty else {
            throw fail("the grid needs at least one dimension, graph, change and detector")
        }
        if let p = dimensions.first(where: { $0 < 4 }) { throw fail("p must be at least 4 (got \(p))") }
        guard replicates >= 1 else { throw fail("replicates must be at least 1 (got \(replicates))") }
        guard calibrationReplicates >= 20 else { throw fail("calibration replicates must be at least 20 (got \(calibrationReplicates))") }
        guard window >= 2, burnIn >= 2, refitEvery >= 0 else { throw fail("window and burn-in must be at least 2, the refit interval non-negative") }
        guard falseAlarmProbability > 0, falseAlarmProbability < 1 else { throw fail("the false-alarm probability must be in (0, 1)") }
        guard horizon >= 1, preChange >= 1, maxDelay >= 1 else { throw fail("horizon, pre-change length and d_max must be positive") }
        if let r = varRadius, !(r >= 0 && r < 1) { throw fail("the VAR spectral radius must be in [0, 1) (got \(r))") }
        if let nu = innovationsDF, !(nu > 2 && nu.isFinite) { throw fail("Student t innovations need more than 2 degrees of freedom (got \(nu))") }
        if let memory {
            guard memory >= burnIn, refitEvery > 0 else { throw fail("a memory must be at least the burn-in (\(burnIn)) and needs refits (got memory \(memory), refit interval \(refitEvery))") }
        }
        if let problem = MonitorConfiguration.windowsProblem(shortWindows, window: window, memory: memory) { throw fail(problem) }
        guard pcaRunLength >= 1 else { throw fail("the PCA run length must be at least 1 (got \(pcaRunLength))") }
        guard postChange >= maxDelay else { throw fail("the post-change segment (\(postChange)) must be at least d_max (\(maxDelay))") }
    }

    /// Whether `detector` runs on `p`-node streams (the dense baseline needs `denseWindow > p` and `burnIn > p`).
    public func applies(_ detector: EvaluatedDetector, dimension p: Int) -> Bool {
        switch detector {
        case .dense: denseWindow > p && burnIn > p
        case .pca: burnIn > p
        default: true
        }
    }

    /// The streams' serial dynamics and innovations' tails (nil: independent Gaussian rows; a
    /// spectral radius of 0 for independent heavy-tailed rows).
    func dynamics() throws -> SerialDynamics? {
        guard varRadius != nil || innovationsDF != nil else { return nil }
        return try SerialDynamics(spectralRadius: varRadius ?? 0, innovationDegreesOfFreedom: innovationsDF)
    }

    /// The monitor configuration of the graph detectors (thresholds set per cell).
    func monitorConfiguration(_ detector: DetectorKind, thresholds: ThresholdRule) -> MonitorConfiguration {
        MonitorConfiguration(burnIn: burnIn, window: window, refitEvery: refitEvery, detector: detector,
                             thresholds: thresholds, memory: memory, shortWindows: shortWindows)
    }

    /// The statistics behind `detector`'s alarms: with short windows, the graph detectors' on every window.
    public func statistics(of detector: EvaluatedDetector) -> [StatisticID] {
        guard let kind = detector.networkDetector else { return detector.statistics }
        return kind.statistics(shortWindows: shortWindows)
    }
}

/// Why an evaluation could not run.
public enum EvaluationRunError: Error, CustomStringConvertible, Sendable {
    case invalidSettings(String)
    case failed(scenario: String, detector: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSettings(message): "invalid evaluation settings: \(message)"
        case let .failed(scenario, detector, reason): "\(scenario), \(detector): \(reason)"
        }
    }
}
