import GGMCore
import GGMEstimation

/// What the monitor is doing.
public enum MonitorPhase: String, Codable, Sendable {
    /// Collecting the burn-in sample for a new reference.
    case burnIn
    /// Reference in place; the first window is filling.
    case filling
    /// Every new observation is scored.
    case monitoring
}

/// The outcome of one ``OnlineMonitor/update(_:label:)`` call.
public struct MonitorStep: Sendable, Equatable {
    /// 0-based index of the observation just processed.
    public let index: Int
    /// Phase the observation was processed in.
    public let phase: MonitorPhase
    /// Statistics of the window ending at this observation (nil unless a full window was scored).
    public let global: Double?
    public let local: Double?
    /// Thresholds the statistics were compared with.
    public let thresholds: Thresholds?
    /// The alarm raised by this observation, if any.
    public let alarm: Alarm?
    /// Whether the reference was (re)estimated after this observation.
    public let refitted: Bool
    /// The network change, when this observation completed the burn-in after an alarm.
    public var networkChange: NetworkChange? = nil

    /// Whether a full window was scored at this observation.
    public var evaluated: Bool { global != nil || local != nil }
}

/// The sequential change-point procedure of Keshavarz, Michailidis & Atchade (JMLR 2020),
/// with the local max-norm detector of Keshavarz & Michailidis as a second statistic.
///
/// One observation per ``update(_:label:)`` call:
/// 1. burn-in: the first `N` observations of a segment estimate the mean and the reference network;
/// 2. each new observation enters the sliding window of length `w` and, once the window is
///    full, the statistics are compared with their thresholds;
/// 3. after `B` quiet steps the reference is refitted, warm-started, from the running sufficient
///    statistics of all data since the segment started *excluding the current window* (the
///    observations leaving the window are added to them), so a change in progress does not leak
///    into the reference and a refit costs the same however long the segment is;
/// 4. an alarm restarts the procedure with a fresh burn-in beginning at the next observation.
///
/// With a fixed reference (``init(reference:configuration:names:)``) there is no burn-in, no
/// refit and no restart of the reference; an alarm only empties the window.
///
/// The monitor is a value: a copy is an independent monitor, and the whole state is `Codable`,
/// so a saved monitor resumes exactly where it stopped.
///
/// - Complexity: per observation O(nnz + p) for the global statistic, O(p^2) for the local one,
///   plus O(p^2) amortized to accumulate the sufficient statistics (batched rank-k updates) and
///   one warm-started fit every `B` steps. Memory O(p^2 + (w + N) p), independent of the stream length.
public struct OnlineMonitor: Codable, Sendable {
    public let configuration: MonitorConfiguration
    /// Node names (used in alarm reports).
    public let names: [String]
    /// Whether the reference is fixed (given by the user) rather than estimated.
    public let fixedReference: Bool

    /// Number of observations processed so far (the index of the next one).
    public private(set) var observationCount: Int = 0
    public private(set) var phase: MonitorPhase
    /// First index of the current segment (data since the last restart).
    public private(set) var segmentStart: Int = 0
    /// Alarms raised so far, in order.
    public private(set) var alarms: [Alarm] = []
    /// Thresholds currently in force.
    public private(set) var thresholds: Thresholds?
    /// Number of reference fits so far (burn-ins and refits).
    public private(set) var fitCount: Int = 0
    /// The calibration behind the current thresholds (with `.calibrated` threshold rules).
    public private(set) var calibration: CalibrationResult?
    /// Number of calibrations run so far.
    public private(set) var calibrationCount: Int = 0

    private var moments: RunningMoments
    /// Observations waiting to be added to `moments` (row-major), flushed in batches.
    private var pending: [Double] = []
    private var engine: WindowStatistics?
    private var lastFit: NetworkFit?
    private var quietSteps: Int = 0
    /// The last `historyLength` observations and labels (ring), for estimating change times.
    private var history: [Double] = []
    private var historyLabels: [String?] = []
    private var historyCount: Int = 0
    /// The burn-in rows (row-major), kept only when a bootstrap calibration will need them.
    private var burnInRows: [Double] = []
    /// The alarm and the reference before it, kept until the next burn-in completes.
    private var pendingComparison: PendingComparison?

    struct PendingComparison: Codable, Sendable {
        let alarmIndex: Int
        let precision: Matrix
    }

    /// Number of recent observations searched for the change time: three windows.
    public var historyLength: Int { 3 * configuration.window }

    /// Observations buffered before they are added to the sufficient statistics in one batch.
    static let pendingBatchRows = 256

    /// A monitor that estimates its own reference from a burn-in.
    public init(dimension p: Int, configuration: MonitorConfiguration = MonitorConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        try configuration.validate(dimension: p, fixedReference: false)
        self.configuration = configuration
        self.names = names ?? (1...p).map { "x\($0)" }
        self.fixedReference = false
        self.phase = .burnIn
        self.moments = RunningMoments(dimension: p)
    }

    /// A monitor scoring the stream against a fixed, given reference.
    public init(reference: ReferenceModel, configuration: MonitorConfiguration = MonitorConfiguration(),
                names: [String]? = nil) throws(MonitorError) {
        let p = reference.dimension
        try configuration.validate(dimension: p, fixedReference: true)
        self.configuration = configuration
        self.names = names ?? (1...p).map { "x\($0)" }
        self.fixedReference = true
        self.phase = .filling
        self.moments = RunningMoments(dimension: p)
        self.engine = WindowStatistics(reference: reference, window: configuration.window, detector: configuration.detector)
        try updateThresholds(for: reference, index: 0)
    }

    public var dimension: Int { names.count }

    /// The reference currently in force (nil during a burn-in).
    public var reference: ReferenceModel? { phase == .burnIn ? nil : engine?.reference }

    /// The last fitted network (nil with a fixed reference or before the first burn-in completes).
    public var network: NetworkFit? { lastFit }

    /// The most recent alarm.
    public var lastAlarm: Alarm? { alarms.last }

    /// Processes one observation.
    ///
    /// - Throws: ``MonitorError`` for an observation of the wrong length or with a non-finite value
    ///   (the monitor's state is unchanged), or when the reference cannot be estimated.
    public mutating func update(_ x: [Double], label: String? = nil) throws(MonitorError) -> MonitorStep {
        let p = dimension
        let index = observationCount
        guard x.count == p else { throw .dimensionMismatch(index: index, expected: p, found: x.count) }
        for j in 0..<p where !x[j].isFinite { throw .nonFiniteValue(index: index, node: j) }
        observationCount += 1
        recordHistory(x, label: label)

        if phase == .burnIn {
            if keepsBurnInRows { burnInRows.append(contentsOf: x) }
            appendPending(x)
            var refitted = false
            var change: NetworkChange?
            if moments.count + pending.count / p >= configuration.burnIn {
                try fitReference(lastIndex: index)
                refitted = true
                if let pendingComparison, let after = engine?.reference.precision {
                    change = NetworkChange(
                        alarmIndex: pendingComparison.alarmIndex, index: index, label: label,
                        before: WeightedEdge.edges(of: pendingComparison.precision),
                        after: WeightedEdge.edges(of: after),
                        comparison: NetworkComparison(before: pendingComparison.precision, after: after, names: names,
                                                      count: configuration.reportCount * 2))
                    self.pendingComparison = nil
                }
            }
            var step = MonitorStep(index: index, phase: .burnIn, global: nil, local: nil,
                                   thresholds: nil, alarm: nil, refitted: refitted)
            step.networkChange = change
            return step
        }

        var evicted: [Double] = []
        let stepPhase = phase
        let didEvict = engine!.push(x, evicted: &evicted)
        if didEvict && !fixedReference { appendPending(evicted) }
        guard engine!.isFull else {
            return MonitorStep(index: index, phase: stepPhase, global: nil, local: nil,
                               thresholds: thresholds, alarm: nil, refitted: false)
        }
        phase = .monitoring
        let engine = self.engine!
        let detector = configuration.detector
        let global = detector.usesGlobal ? engine.globalStatistic() : nil
        let local = detector.usesLocal ? engine.localStatistic() : nil
        var fired: [DetectorKind] = []
        if let global, let h = thresholds?.global, global >= h { fired.append(.global) }
        if let local, let h = thresholds?.local, local >= h { fired.append(.local) }

        if !fired.isEmpty {
            let alarm = makeAlarm(index: index, label: label, fired: fired, global: global, local: local)
            alarms.append(alarm)
            let current = thresholds
            restart(after: index)
            return MonitorStep(index: index, phase: stepPhase == .filling ? .filling : .monitoring,
                               global: global, local: local, thresholds: current, alarm: alarm, refitted: false)
        }

        quietSteps += 1
        var refitted = false
        if !fixedReference && configuration.refitEvery > 0 && quietSteps >= configuration.refitEvery {
            try fitReference(lastIndex: index)
            refitted = true
        }
        return MonitorStep(index: index, phase: .monitoring, global: global, local: local,
                           thresholds: thresholds, alarm: nil, refitted: refitted)
    }

    /// Whether the threshold rule calibrates from resampled burn-in rows.
    private var keepsBurnInRows: Bool {
        if case let .calibrated(settings) = configuration.thresholds, settings.null == .bootstrap, !fixedReference { return true }
        return false
    }

    /// The network change after the last alarm estimated from the burn-in collected so far, when
    /// the input ends before that burn-in completes (at least `minimumObservations` of it).
    /// Marked provisional; the monitor's state is not changed.
    public func provisionalNetworkChange(minimumObservations: Int) -> NetworkChange? {
        guard phase == .burnIn, let pendingComparison else { return nil }
        var moments = self.moments
        let p = dimension
        if !pending.isEmpty { moments.add(rows: Matrix(rows: pending.count / p, columns: p, elements: pending)) }
        guard moments.count >= max(2, minimumObservations) else { return nil }
        guard let fit = try? configuration.estimator.fit(covariance: moments.covariance(), sampleSize: moments.count),
              (0..<p).allSatisfy({ fit.precision[$0, $0] > 0 && fit.precision[$0, $0].isFinite }) else { return nil }
        let last = observationCount - 1
        let label = historyCount > 0 ? historyLabels[last % historyLength] : nil
        return NetworkChange(
            alarmIndex: pendingComparison.alarmIndex, index: last, label: label,
            before: WeightedEdge.edges(of: pendingComparison.precision), after: WeightedEdge.edges(of: fit.precision),
            comparison: NetworkComparison(before: pendingComparison.precision, after: fit.precision, names: names,
                                          count: configuration.reportCount * 2),
            provisional: true, afterSampleSize: moments.count)
    }

    private mutating func recordHistory(_ x: [Double], label: String?) {
        let p = dimension
        let length = historyLength
        if history.isEmpty {
            history = [Double](repeating: 0, count: length * p)
            historyLabels = [String?](repeating: nil, count: length)
        }
        let slot = (observationCount - 1) % length
        for j in 0..<p { history[slot * p + j] = x[j] }
        historyLabels[slot] = label
        historyCount = min(historyCount + 1, length)
    }

    /// The recent observations from index `start` (clamped to what the history holds) up to the
    /// last one, oldest first, with the index of the first row and the labels.
    private func recentObservations(from start: Int) -> (Matrix, Int, [String?]) {
        let p = dimension
        let length = historyLength
        let last = observationCount - 1
        let first = max(start, last - historyCount + 1)
        var m = Matrix(rows: last - first + 1, columns: p)
        var labels: [String?] = []
        for (r, index) in (first...last).enumerated() {
            let slot = index % length
            for j in 0..<p { m[r, j] = history[slot * p + j] }
            labels.append(historyLabels[slot])
        }
        return (m, first, labels)
    }

    private mutating func appendPending(_ x: [Double]) {
        pending.append(contentsOf: x)
        if pending.count / dimension >= Self.pendingBatchRows { flushPending() }
    }

    private mutating func flushPending() {
        guard !pending.isEmpty else { return }
        let p = dimension
        moments.add(rows: Matrix(rows: pending.count / p, columns: p, elements: pending))
        pending.removeAll(keepingCapacity: true)
    }

    /// Estimates the reference from the segment's sufficient statistics (window excluded).
    private mutating func fitReference(lastIndex: Int) throws(MonitorError) {
        flushPending()
        let n = moments.count
        let fit: NetworkFit
        let covariance = moments.covariance()
        do {
            // Warm start from the last fit of this segment; a new segment starts cold.
            let warm = phase == .burnIn ? nil : lastFit
            do {
                fit = try configuration.estimator.fit(covariance: covariance, sampleSize: n, warmStart: warm)
            } catch where warm != nil {
                fit = try configuration.estimator.fit(covariance: covariance, sampleSize: n, warmStart: nil)
            }
        } catch {
            var reason = String(describing: error)
            if case let .nonPositiveVariance(node, value) = error {
                reason = "node \(names[node]) (column \(node + 1)) has variance \(value) over these observations: a constant series cannot be modelled"
            }
            throw .referenceFitFailed(segmentStart: segmentStart, index: lastIndex, reason: reason)
        }
        let reference: ReferenceModel
        do {
            reference = try ReferenceModel(precision: fit.precision, mean: moments.mean, sampleSize: n)
        } catch {
            throw .referenceFitFailed(segmentStart: segmentStart, index: lastIndex, reason: error.description)
        }
        lastFit = fit
        fitCount += 1
        quietSteps = 0
        if engine == nil || phase == .burnIn {
            engine = WindowStatistics(reference: reference, window: configuration.window, detector: configuration.detector)
            phase = .filling
        } else {
            engine!.setReference(reference)
        }
        if phase == .filling && engine!.count == 0 {
            // A new segment's reference: thresholds may need a new calibration.
            try updateThresholds(for: reference, index: lastIndex)
            burnInRows.removeAll()
        }
    }

    /// Sets the thresholds for a new reference; with a calibrated rule, reruns the Monte Carlo
    /// calibration unless the last one was for a reference close enough (``ReferenceSummary``).
    private mutating func updateThresholds(for reference: ReferenceModel, index: Int) throws(MonitorError) {
        guard case let .calibrated(settings) = configuration.thresholds else {
            thresholds = configuration.thresholds.thresholds(dimension: dimension, detector: configuration.detector)
            return
        }
        let summary = ReferenceSummary(reference)
        if let calibration, calibration.reference.isClose(to: summary, tolerance: settings.recalibrationTolerance) {
            thresholds = calibration.thresholds
            return
        }
        var seeded = settings
        seeded.seed = settings.seed &+ UInt64(calibrationCount)
        do {
            let p = dimension
            let rows = burnInRows.isEmpty ? nil : Matrix(rows: burnInRows.count / p, columns: p, elements: burnInRows)
            let result = try Calibrator.calibrate(null: reference.precision, burnIn: rows, configuration: configuration,
                                                  fixedReference: fixedReference, settings: seeded)
            calibration = result
            calibrationCount += 1
            thresholds = result.thresholds
        } catch let error as MonitorError {
            throw error
        } catch {
            throw .referenceFitFailed(segmentStart: segmentStart, index: index, reason: "calibration failed: \(error)")
        }
    }

    /// Restarts after an alarm at `index`: fresh burn-in from the next observation
    /// (with a fixed reference: an empty window).
    private mutating func restart(after index: Int) {
        quietSteps = 0
        if fixedReference {
            engine!.reset()
            phase = .filling
            return
        }
        if let reference = engine?.reference {
            pendingComparison = PendingComparison(alarmIndex: index, precision: reference.precision)
        }
        segmentStart = index + 1
        moments = RunningMoments(dimension: dimension)
        pending.removeAll()
        engine = nil
        phase = .burnIn
    }

    private func makeAlarm(index: Int, label: String?, fired: [DetectorKind], global: Double?, local: Double?) -> Alarm {
        let engine = self.engine!
        let k = configuration.reportCount
        var topNodes: [NodeContribution] = []
        if configuration.detector.usesGlobal {
            let contributions = engine.nodeContributions()
            topNodes = contributions.indices
                .sorted { contributions[$0] > contributions[$1] }
                .prefix(k)
                .map { NodeContribution(node: $0, name: names[$0], contribution: contributions[$0]) }
        }
        let topEdges = engine.topEdges(k, includeDiagonal: false).map {
            EdgeContribution(u: $0.u, v: $0.v, names: [names[$0.u], names[$0.v]], value: $0.value)
        }
        let (recent, firstIndex, labels) = recentObservations(from: segmentStart)
        // The local statistic's strongest entries (diagonal included) join the scan when it is in use.
        let entries = configuration.detector.usesLocal
            ? engine.topEdges(configuration.reportCount).map { (u: $0.u, v: $0.v) } : []
        let estimate = ChangeTimeEstimator.estimate(recent: recent, firstIndex: firstIndex, reference: engine.reference,
                                                    entries: entries)
        return Alarm(index: index, label: label,
                     estimatedChange: estimate?.index,
                     estimatedChangeLabel: estimate.flatMap { labels[$0.index - firstIndex] },
                     firedBy: fired,
                     globalStatistic: global, globalThreshold: thresholds?.global,
                     localStatistic: local, localThreshold: thresholds?.local,
                     segmentStart: segmentStart, referenceSampleSize: engine.reference.sampleSize,
                     topNodes: topNodes, topEdges: topEdges,
                     strongestEntry: configuration.detector.usesLocal
                        ? { let e = engine.localArgmax(); return EdgeContribution(u: e.u, v: e.v, names: [names[e.u], names[e.v]], value: e.value) }()
                        : nil)
    }
}
