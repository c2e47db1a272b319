import GGMCore
import GGMEstimation

/// The scores of Keshavarz, Michailidis & Atchade (JMLR 2020) and Keshavarz & Michailidis: the
/// global statistic (node-wise conditional log-likelihood, ALGORITHMS.md section 3), the local
/// max-norm statistic (section 4), or both (the combined detector), of a sliding window against a
/// sparse reference network `(mu, Omega)`.
///
/// The reference is estimated by ``estimator`` from the segment's running moments
/// (``RunningMoments``: the sums of `x` and `x x^T`, so a refit costs O(p^2) to form the
/// covariance however long the segment is), warm-started from the last fit of the segment.
/// Observations reach the moments in batches of ``pendingBatchRows`` (one blocked rank-k update).
/// The window's sums live in ``WindowStatistics``.
///
/// - Complexity: per observation O(nnz + p) for the global statistic, O(p^2) for the local one,
///   plus O(p^2) amortized for the moments; a refit is one warm-started fit.
public struct NetworkScore: WindowScore {
    public let window: Int
    public let detector: DetectorKind
    public let estimator: NetworkEstimator
    public let dimension: Int

    private var moments: RunningMoments
    /// Observations waiting to be added to `moments` (row-major), flushed in batches.
    private var pending: [Double] = []
    /// Observations waiting to be removed from `moments` (a rolling memory), flushed with `pending`.
    private var removals: [Double] = []
    private var engine: WindowStatistics?
    /// Shorter windows scored beside `window` (ascending; ALGORITHMS.md section 19), each with
    /// its own sums over the same whitened observations.
    public let shortWindows: [Int]
    private var shortEngines: [WindowStatistics] = []
    /// The last fitted network (nil with a fixed reference or before the first fit).
    public private(set) var network: NetworkFit?
    /// The dynamic part (nil: the static model, `lags` 0).
    private var prewhitener: Prewhitener?

    /// Observations buffered before they are added to the sufficient statistics in one batch.
    public static let pendingBatchRows = 256

    /// A score that estimates its reference from the segments the monitor gives it.
    ///
    /// With `lags` other than `.fixed(0)` the reference is dynamic (ALGORITHMS.md section 16): a
    /// sparse VAR(L) of each node on all nodes' last L values, fitted with the network, and the
    /// statistics score the innovations `x_t - B z_t` against the innovations' network.
    public init(dimension p: Int, window: Int, detector: DetectorKind,
                estimator: NetworkEstimator = MonitorConfiguration.defaultEstimator, lags: LagOrder = .fixed(0),
                shortWindows: [Int] = []) {
        self.shortWindows = Array(Set(shortWindows)).sorted()
        self.dimension = p
        self.window = window
        self.detector = detector
        self.estimator = estimator
        moments = RunningMoments(dimension: p)
        if lags != .fixed(0) {
            let theory: Double
            if case let .theory(c) = estimator.lambda { theory = c } else { theory = NetworkEstimator.defaultTheoryConstant }
            prewhitener = Prewhitener(dimension: p, window: window, order: lags, estimator: VAREstimator(theoryConstant: theory))
        }
    }

    /// A score against a fixed, given reference (the monitor never refits it).
    ///
    /// With `dynamics` the reference is dynamic: `reference` is the innovations' network (its mean
    /// the intercept c), and the innovations `x_t - B z_t` are scored; `dataMean` (the data's
    /// means) stands in for lags not yet observed at the start of the stream.
    public init(reference: ReferenceModel, window: Int, detector: DetectorKind,
                estimator: NetworkEstimator = MonitorConfiguration.defaultEstimator,
                dynamics: VARFit? = nil, dataMean: [Double]? = nil, shortWindows: [Int] = []) {
        self.init(dimension: reference.dimension, window: window, detector: detector, estimator: estimator,
                  shortWindows: shortWindows)
        engine = WindowStatistics(reference: reference, window: window, detector: detector)
        shortEngines = self.shortWindows.map { WindowStatistics(reference: reference, window: $0, detector: detector) }
        if let dynamics {
            precondition(dynamics.dimension == reference.dimension)
            prewhitener = Prewhitener(dimension: reference.dimension, window: window, fixed: dynamics,
                                      dataMean: dataMean ?? reference.mean)
        }
    }

    /// The data's means behind the lags (a dynamic reference), for writing a model file.
    public var lagMean: [Double]? { prewhitener?.isActive == true ? prewhitener?.dataMean : nil }

    public func unfitted() -> NetworkScore {
        var fresh = NetworkScore(dimension: dimension, window: window, detector: detector, estimator: estimator,
                                 shortWindows: shortWindows)
        fresh.prewhitener = prewhitener?.unfitted()
        return fresh
    }

    /// The lag order asked for (`.fixed(0)`: the static model).
    public var lagOrder: LagOrder { prewhitener?.order ?? .fixed(0) }
    /// The lags in use (nil: `auto`, before the first burn-in has chosen them).
    public var lags: Int? { prewhitener.map { $0.lags } ?? 0 }
    /// The fitted lag coefficients (nil: static model, or not fitted yet).
    public var dynamics: VARFit? { prewhitener?.isActive == true ? prewhitener?.fit : nil }
    /// What the first burn-in said about serial dependence (with `auto` lags).
    public var serialDependence: SerialDependence.Assessment? { prewhitener?.assessment }

    public var nullMean: [Double]? { engine?.reference.mean }

    public var nullDynamics: NullDynamics? {
        guard let dynamics, let engine else { return nil }
        return NullDynamics(coefficients: dynamics, intercept: engine.reference.mean)
    }

    /// The smallest burn-in for a network reference (it must also be at least the window length).
    public static let minimumBurnIn = 10

    /// A reference estimated from fewer observations than the window it scores is noisier than
    /// that window: the statistics are inflated by its estimation error and the monitor alarms on
    /// noise (a burn-in of 2 at p = 5 alarmed in every window).
    public func validate(burnIn: Int) -> String? {
        guard engine == nil, burnIn < max(window, Self.minimumBurnIn) else { return nil }
        return "burn-in must be at least the window length and at least \(Self.minimumBurnIn) observations (got burn-in \(burnIn), window \(window))"
    }

    /// The reference in force (nil before the first fit).
    public var reference: ReferenceModel? { engine?.reference }

    public var statisticIDs: [StatisticID] { detector.statistics(shortWindows: shortWindows) }

    public var count: Int { engine?.count ?? 0 }
    public var segmentCount: Int {
        if let prewhitener, prewhitener.isActive { return prewhitener.rowCount }
        return moments.count + (pending.count - removals.count) / max(dimension, 1)
    }
    public var referenceSampleSize: Int { engine?.reference.sampleSize ?? 0 }
    public var precision: Matrix? { engine?.reference.precision }

    /// Pairs of distinct nodes whose local entry the current reference centres on its own segment
    /// (nearly collinear nodes, see ``RecentredEntry``), with their correlation on that segment.
    public var recentredPairs: [RecentredEntry] {
        (engine?.reference.recentred ?? []).filter { $0.u != $0.v }
    }

    public mutating func accumulate(_ x: [Double]) {
        if prewhitener != nil {
            prewhitener!.accumulate(x)
            if prewhitener!.isActive { return }
        }
        pending.append(contentsOf: x)
        if pending.count / dimension >= Self.pendingBatchRows { flushPending() }
    }

    public var supportsForgetting: Bool { true }

    /// Removes the oldest observation of the segment (a rolling memory): from the static moments,
    /// or the stacked row it is the response of from the dynamic part's joint moments.
    public mutating func forget(_ x: [Double]) {
        if prewhitener != nil {
            prewhitener!.forget(x)
            if prewhitener!.isActive { return }
        }
        removals.append(contentsOf: x)
        if removals.count / dimension >= Self.pendingBatchRows { flushPending() }
    }

    /// The static moments with the pending additions and removals applied (the score unchanged).
    private var flushedMoments: RunningMoments {
        var copy = self
        copy.flushPending()
        return copy.moments
    }

    private mutating func flushPending() {
        let p = dimension
        if !pending.isEmpty {
            moments.add(rows: Matrix(rows: pending.count / p, columns: p, elements: pending))
            pending.removeAll(keepingCapacity: true)
        }
        if !removals.isEmpty {
            moments.remove(rows: Matrix(rows: removals.count / p, columns: p, elements: removals))
            removals.removeAll(keepingCapacity: true)
        }
    }

    public mutating func fit(lastIndex: Int, newSegment: Bool) throws(ScoreFitError) {
        if prewhitener?.isChoosing == true, prewhitener!.chooseOrder() > 0 {
            // Dynamic from now on: the static moments are not needed.
            moments = RunningMoments(dimension: dimension)
            pending.removeAll()
            removals.removeAll()
        }
        let n: Int, covariance: Matrix, mean: [Double]
        if prewhitener?.isActive == true {
            (covariance, mean, n) = try prewhitener!.fitDynamics(newSegment: newSegment)
        } else {
            flushPending()
            (covariance, mean, n) = (moments.covariance(), moments.mean, moments.count)
        }
        let fit: NetworkFit
        do {
            // Warm start from the last fit of this segment; a new segment starts cold.
            let warm = newSegment ? nil : network
            do {
                fit = try estimator.fit(covariance: covariance, sampleSize: n, warmStart: warm)
            } catch where warm != nil {
                fit = try estimator.fit(covariance: covariance, sampleSize: n, warmStart: nil)
            }
        } catch {
            if case let .nonPositiveVariance(node, value) = error {
                throw ScoreFitError("has variance \(value) over these observations: a constant series cannot be modelled", node: node)
            }
            throw ScoreFitError(String(describing: error))
        }
        var reference: ReferenceModel
        do {
            reference = try ReferenceModel(precision: fit.precision, mean: mean, sampleSize: n)
        } catch {
            throw ScoreFitError(error.description)
        }
        network = fit
        // Omega S Omega, shared by every window's search for re-centred entries.
        let inSample = RecentredEntry.inSampleCovariance(reference: reference, covariance: covariance)
        func install(_ engine: inout WindowStatistics?, window w: Int) {
            var windowReference = reference
            let recentred = RecentredEntry.find(reference: reference, covariance: covariance, inSample: inSample, window: w)
            if !recentred.isEmpty { windowReference.recentred = recentred }
            if newSegment || engine == nil {
                engine = WindowStatistics(reference: windowReference, window: w, detector: detector)
            } else if let prewhitener, prewhitener.isActive {
                // New lag coefficients: the window's innovations are recomputed with them.
                engine!.setReference(windowReference, window: prewhitener.windowInnovations(count: engine!.count))
            } else {
                engine!.setReference(windowReference)
            }
        }
        install(&engine, window: window)
        if shortEngines.count != shortWindows.count { shortEngines = [] }
        for (k, w) in shortWindows.enumerated() {
            var short: WindowStatistics? = newSegment || shortEngines.isEmpty ? nil : shortEngines[k]
            install(&short, window: w)
            if shortEngines.count == shortWindows.count { shortEngines[k] = short! } else { shortEngines.append(short!) }
        }
    }

    public mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        // Nothing fitted (only reachable from an edited state file, which decoding rejects): nothing to score.
        guard engine != nil else { return false }
        guard prewhitener?.isActive == true else {
            guard !shortEngines.isEmpty else { return engine!.push(x, evicted: &evicted) }
            return pushShared(x, evicted: &evicted)
        }
        let full = engine!.isFull
        let leaving = full ? prewhitener!.oldestWindowRow() : []
        let u = prewhitener!.push(x)
        var ignored: [Double] = []
        _ = shortEngines.isEmpty ? engine!.push(u, evicted: &ignored) : pushShared(u, evicted: &ignored)
        if full { evicted = leaving }
        return full
    }

    /// The rows go into every window as one block (``WindowStatistics/push(block:whitened:evicted:)``:
    /// the local entries are updated once per eight rows), whitened once for all windows; with a
    /// lag model each row's innovation is formed first, as ``push(_:evicted:)`` forms it.
    public mutating func push(block rows: [[Double]], evicted: inout [[Double]]) -> [StatisticMap] {
        push(block: rows, keepingCopy: false, evicted: &evicted)
    }

    public mutating func push(block rows: [[Double]], keepingCopy: Bool, evicted: inout [[Double]]) -> [StatisticMap] {
        guard engine != nil, engine!.isFull, shortEngines.allSatisfy(\.isFull) else { return pushEach(rows, evicted: &evicted) }
        var scored = rows
        if prewhitener?.isActive == true {
            evicted = []
            for (r, x) in rows.enumerated() {
                evicted.append(prewhitener!.oldestWindowRow())
                scored[r] = prewhitener!.push(x)
            }
        }
        let whitened = shortEngines.isEmpty ? nil : scored.map { engine!.whiten($0) }
        var leaving: [[Double]] = []
        var ignored: [[Double]] = []
        var short: [(global: [Double], local: [Double])] = []
        for k in shortEngines.indices {
            short.append(shortEngines[k].push(block: scored, whitened: whitened, keepingPrevious: keepingCopy, evicted: &ignored))
        }
        let main = engine!.push(block: scored, whitened: whitened, keepingPrevious: keepingCopy, evicted: &leaving)
        if prewhitener?.isActive != true { evicted = leaving }
        return rows.indices.map { r in
            var map = StatisticMap(global: detector.usesGlobal ? main.global[r] : nil, local: detector.usesLocal ? main.local[r] : nil)
            for (k, engine) in shortEngines.enumerated() {
                if detector.usesGlobal { map[StatisticID.global.window(engine.window)] = short[k].global[r] }
                if detector.usesLocal { map[StatisticID.local.window(engine.window)] = short[k].local[r] }
            }
            return map
        }
    }

    /// From this many nodes on a running monitor takes rows in blocks (``blocksPayOff``), for the
    /// local statistic: one row at a time its update then streams the entries (8 p^2 / 2 bytes:
    /// 64 MB at p = 4,000, twice the last-level cache of the machine it was measured on) through
    /// memory for every row, and a block streams them once for up to eight rows (into other
    /// storage, the old kept to undo a block that fires). `ggmwatch bench --suite scale`
    /// ("monitor, rows in blocks"): about 1.9x at p = 5,000, even at p = 3,000, slower at 2,000,
    /// where the entries stay in the cache.
    public static let liveBlockDimension = 4_000

    public var blocksPayOff: Bool { detector.usesLocal && dimension >= Self.liveBlockDimension }

    /// Pushes `x` into every window, whitening it once: O(nnz + k p) for the global sums and
    /// O(k p^2) for the local ones with k windows.
    private mutating func pushShared(_ x: [Double], evicted: inout [Double]) -> Bool {
        let z = engine!.whiten(x)
        var ignored: [Double] = []
        for k in shortEngines.indices { shortEngines[k].push(x, whitened: z, evicted: &ignored) }
        return engine!.push(x, whitened: z, evicted: &evicted)
    }

    public var isFitted: Bool { engine != nil }

    public func statistics() -> StatisticMap {
        guard let engine else { return StatisticMap() }
        var map = StatisticMap(global: detector.usesGlobal ? engine.globalStatistic() : nil,
                               local: detector.usesLocal ? engine.localStatistic() : nil)
        for short in shortEngines where short.isFull {
            if detector.usesGlobal { map[StatisticID.global.window(short.window)] = short.globalStatistic() }
            if detector.usesLocal { map[StatisticID.local.window(short.window)] = short.localStatistic() }
        }
        return map
    }

    public mutating func reset(keepingNull: Bool) {
        engine?.reset()
        for k in shortEngines.indices { shortEngines[k].reset() }
        prewhitener?.reset(keepingNull: keepingNull)
        guard !keepingNull else { return }
        moments = RunningMoments(dimension: dimension)
        pending.removeAll()
        removals.removeAll()
    }

    public func evidence(top k: Int, names: [String]) -> ScoreEvidence {
        guard let engine else { return ScoreEvidence() }
        var evidence = ScoreEvidence()
        if detector.usesGlobal {
            let contributions = engine.nodeContributions()
            evidence.topNodes = contributions.indices
                .sorted { contributions[$0] > contributions[$1] }
                .prefix(k)
                .map { NodeContribution(node: $0, name: names[$0], contribution: contributions[$0]) }
        }
        evidence.topEdges = engine.topEdges(k, includeDiagonal: false).map {
            EdgeContribution(u: $0.u, v: $0.v, names: [names[$0.u], names[$0.v]], value: $0.value)
        }
        if detector.usesLocal {
            let e = engine.localArgmax()
            evidence.strongestEntry = EdgeContribution(u: e.u, v: e.v, names: [names[e.u], names[e.v]], value: e.value)
        }
        return evidence
    }

    /// ``ChangeTimeEstimator`` against the reference, with the local statistic's strongest entries.
    public func estimateChange(recent: Matrix, firstIndex: Int, top k: Int) -> Int? {
        guard let engine else { return nil }
        let entries = detector.usesLocal ? engine.topEdges(k).map { (u: $0.u, v: $0.v) } : []
        if let prewhitener, prewhitener.isActive, let l = prewhitener.lags {
            // The innovations of the recent rows (the first L have no lags in the history).
            guard recent.rows > l + 1 else { return nil }
            return ChangeTimeEstimator.estimate(recent: prewhitener.innovations(of: recent), firstIndex: firstIndex + l,
                                                reference: engine.reference, entries: entries)?.index
        }
        return ChangeTimeEstimator.estimate(recent: recent, firstIndex: firstIndex, reference: engine.reference,
                                            entries: entries)?.index
    }

    /// The segment's own covariance, lightly ridged, inverted: the process as the data show it,
    /// without the lasso's shrinkage. A short reference's null simulated from the sparse estimate
    /// would be sparser and weaker than the process, its re-estimation from M rows easier than the
    /// real one, and its thresholds too low (measured: docs/RESULTS.md, the blind gap). Falls back
    /// to the fitted network with lags or fewer than 2p rows.
    public func restartNullPrecision() -> Matrix? {
        guard prewhitener?.isActive != true else { return precision }
        let moments = flushedMoments
        let p = dimension
        guard moments.count >= 2 * p else { return precision }
        var s = moments.covariance()
        let ridge = 1e-3 * (0..<p).reduce(0) { $0 + s[$1, $1] } / Double(p)
        for i in 0..<p { s[i, i] += ridge }
        return (try? s.inverseSPD()) ?? precision
    }

    public func provisionalPrecision() -> Matrix? {
        if let prewhitener, prewhitener.isActive {
            var copy = prewhitener
            guard let (covariance, _, n) = try? copy.fitDynamics(newSegment: true),
                  let fit = try? estimator.fit(covariance: covariance, sampleSize: n) else { return nil }
            return fit.precision
        }
        let moments = flushedMoments
        let p = dimension
        guard moments.count >= 2,
              let fit = try? estimator.fit(covariance: moments.covariance(), sampleSize: moments.count),
              (0..<p).allSatisfy({ fit.precision[$0, $0] > 0 && fit.precision[$0, $0].isFinite }) else { return nil }
        return fit.precision
    }

    /// `z_{1-alpha}` for the global statistic and the Gumbel `tau(p, alpha)` for the local one;
    /// the combined detector and several windows split alpha equally (Bonferroni).
    public func nominalThresholds(alpha: Double) -> Thresholds? {
        // A level that underflows (an astronomically long run length) has no nominal threshold.
        guard alpha > .leastNormalMagnitude, alpha < 1 else { return nil }
        let level = alpha / Double(statisticIDs.count)
        let global = detector.usesGlobal ? SpecialFunctions.normalUpperQuantile(level) : nil
        let local = detector.usesLocal ? LocalStatistic.gumbelThreshold(dimension: dimension, alpha: level) : nil
        var thresholds = Thresholds(global: global, local: local)
        for w in shortWindows {
            if let global { thresholds[StatisticID.global.window(w)] = global }
            if let local { thresholds[StatisticID.local.window(w)] = local }
        }
        return thresholds
    }

    public func calibrationSummary() -> ReferenceSummary? {
        engine.map { ReferenceSummary($0.reference) }
    }
}

extension NetworkScore {
    private enum CodingKeys: String, CodingKey { case window, detector, estimator, dimension, moments, pending, removals, engine, network, prewhitener, shortWindows, shortEngines }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window, forKey: .window)
        try c.encode(detector, forKey: .detector)
        try c.encode(estimator, forKey: .estimator)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(moments, forKey: .moments)
        try c.encode(pending, forKey: .pending)
        if !removals.isEmpty { try c.encode(removals, forKey: .removals) }
        try c.encodeIfPresent(engine, forKey: .engine)
        try c.encodeIfPresent(network, forKey: .network)
        try c.encodeIfPresent(prewhitener, forKey: .prewhitener)
        if !shortWindows.isEmpty {
            try c.encode(shortWindows, forKey: .shortWindows)
            try c.encode(shortEngines, forKey: .shortEngines)
        }
    }

    /// Decoding checks that the parts agree on the dimension and window (untrusted files: a saved state).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let p = try c.decode(Int.self, forKey: .dimension), window = try c.decode(Int.self, forKey: .window)
        let detector = try c.decode(DetectorKind.self, forKey: .detector)
        let estimator = try c.decode(NetworkEstimator.self, forKey: .estimator)
        let moments = try c.decode(RunningMoments.self, forKey: .moments)
        let pending = try c.decode([Double].self, forKey: .pending)
        let removals = try c.decodeIfPresent([Double].self, forKey: .removals) ?? []
        let engine = try c.decodeIfPresent(WindowStatistics.self, forKey: .engine)
        let network = try c.decodeIfPresent(NetworkFit.self, forKey: .network)
        let prewhitener = try c.decodeIfPresent(Prewhitener.self, forKey: .prewhitener)
        let shortWindows = try c.decodeIfPresent([Int].self, forKey: .shortWindows) ?? []
        let shortEngines = try c.decodeIfPresent([WindowStatistics].self, forKey: .shortEngines) ?? []
        guard shortWindows == Array(Set(shortWindows)).sorted(), shortWindows.allSatisfy({ $0 >= 2 && $0 < window }),
              shortEngines.isEmpty || shortEngines.count == shortWindows.count,
              zip(shortEngines, shortWindows).allSatisfy({ $0.window == $1 && $0.dimension == p && $0.detector == detector }),
              (engine == nil) == shortEngines.isEmpty || shortWindows.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "the network score's short windows disagree with its window, dimension or detector"))
        }
        guard p >= 1, window >= 2, moments.dimension == p, pending.count % p == 0, removals.count % p == 0,
              removals.count / p <= moments.count + pending.count / p,
              prewhitener.map({ $0.dimension == p && $0.window == window && $0.order.problem == nil && $0.isConsistent }) ?? true,
              engine.map({ $0.dimension == p && $0.window == window && $0.detector == detector }) ?? true,
              network.map({ $0.dimension == p }) ?? true else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "the network score's parts disagree on the dimension or window"))
        }
        self.init(dimension: p, window: window, detector: detector, estimator: estimator, shortWindows: shortWindows)
        self.shortEngines = shortEngines
        self.moments = moments
        self.pending = pending
        self.removals = removals
        self.engine = engine
        self.network = network
        self.prewhitener = prewhitener
    }
}
