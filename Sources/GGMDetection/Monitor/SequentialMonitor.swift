import GGMCore
import GGMEstimation

/// What a monitor is doing.
public enum MonitorPhase: String, Codable, Sendable {
    /// Collecting the burn-in sample for a new null.
    case burnIn
    /// The null is fitted; thresholds must be calibrated before anything is scored
    /// (``SequentialMonitor/calibrationRequest``). Observations are held until then.
    case awaitingThresholds
    /// Null and thresholds in place; the first window is filling.
    case filling
    /// Every new observation is scored.
    case monitoring
}

/// The outcome of one ``SequentialMonitor/update(_:label:)`` call.
public struct MonitorStep: Sendable, Equatable {
    /// 0-based index of the observation just processed.
    public let index: Int
    /// Phase the observation was processed in (`.monitoring` whenever a full window was scored).
    public let phase: MonitorPhase
    /// Statistics of the window ending at this observation (empty unless a full window was scored).
    public let statistics: StatisticMap
    /// Thresholds the statistics were compared with.
    public let thresholds: Thresholds?
    /// The alarm raised by this observation, if any.
    public let alarm: Alarm?
    /// Whether the null was (re)fitted after this observation.
    public let refitted: Bool
    /// The network change, when this observation completed the burn-in after an alarm.
    public let networkChange: NetworkChange?
    /// The excursion that ended at this observation (``AlarmPolicy/continue``).
    public var excursionEnd: Excursion? = nil
    /// Whether a statistic was above its threshold inside an excursion (no alarm: it was raised).
    public var suppressed: Bool = false
    /// Whether the monitor now waits for thresholds (``SequentialMonitor/calibrationRequest``).
    public let needsThresholds: Bool

    public init(index: Int, phase: MonitorPhase, statistics: StatisticMap = StatisticMap(), thresholds: Thresholds?,
                alarm: Alarm? = nil, refitted: Bool = false, networkChange: NetworkChange? = nil,
                needsThresholds: Bool = false) {
        self.index = index
        self.phase = phase
        self.statistics = statistics
        self.thresholds = thresholds
        self.alarm = alarm
        self.refitted = refitted
        self.networkChange = networkChange
        self.needsThresholds = needsThresholds
    }

    /// Whether a full window was scored at this observation.
    public var evaluated: Bool { !statistics.isEmpty }
    /// The network monitor's statistics (nil when not scored or not in use).
    public var global: Double? { statistics.global }
    public var local: Double? { statistics.local }
}

/// One sequential change-point procedure for any ``WindowScore`` (ALGORITHMS.md section 5).
///
/// One observation per ``update(_:label:)`` call:
/// 1. burn-in: the first `N` observations of a segment go to the score's sufficient statistics,
///    from which it fits its null;
/// 2. thresholds: fixed or nominal ones apply at once; a calibrated rule reuses the last
///    calibration when the new null is close to it, and otherwise the monitor enters
///    ``MonitorPhase/awaitingThresholds`` and says so (``MonitorStep/needsThresholds``): the caller
///    runs ``calibrationRequest`` where it decides (synchronously as ``process(_:label:isCancelled:)``
///    does, or in the background) and ``install(_:)``s the result. Observations that arrive
///    meanwhile are held and scored on installation, so nothing is lost or reordered;
/// 3. each new observation enters the sliding window of length `w` and, once the window is
///    full, the statistics are compared with their thresholds;
/// 4. after `B` quiet steps the null is refitted, warm-started, from the sufficient statistics of
///    all data since the segment started *excluding the current window* (the observations leaving
///    the window are added to them), so a change in progress does not leak into the null;
/// 5. an alarm restarts the procedure with a fresh burn-in beginning at the next observation.
///
/// With a fixed null (``init(fixed:settings:names:)``) there is no burn-in, no refit and no
/// restart of the null; an alarm only empties the window.
///
/// The monitor is a value: a copy is an independent monitor, and the whole state is `Codable`,
/// so a saved monitor resumes exactly where it stopped.
///
/// - Complexity: per observation the score's push and statistics, plus O(p) for the history of
///   `3 w` observations kept to estimate change times; memory the score's plus O(w p).
public struct SequentialMonitor<Score: WindowScore>: Sendable {
    public let settings: MonitorSettings
    /// Node names (used in alarm reports).
    public let names: [String]
    /// Whether the null is fixed (given by the user) rather than estimated.
    public let fixedReference: Bool

    /// Number of observations processed so far (the index of the next one).
    public private(set) var observationCount: Int = 0
    public private(set) var phase: MonitorPhase
    /// First index of the current segment (data since the last restart).
    public private(set) var segmentStart: Int = 0
    /// Alarms raised so far, in order.
    public private(set) var alarms: [Alarm] = []
    /// Thresholds currently in force (nil while awaiting them).
    public private(set) var thresholds: Thresholds?
    /// Number of fits so far (burn-ins and refits).
    public private(set) var fitCount: Int = 0
    /// The calibration behind the current thresholds (with `.calibrated` threshold rules).
    public private(set) var calibration: CalibrationResult?
    /// Number of calibrations installed so far.
    public private(set) var calibrationCount: Int = 0
    /// What is scored.
    public private(set) var score: Score
    /// The exact power-of-two change of units applied to every observation before it is scored,
    /// chosen from the stream's first observation when the monitor estimates its own reference,
    /// or from the diagonal of a fixed network reference (nil: none, the data are in a safe
    /// range). See ``UnitScale``.
    public internal(set) var unitScale: UnitScale?

    private var quietSteps: Int = 0
    /// Whether the rows that leave the window go into the score's sufficient statistics (for the
    /// next refit or restart). A calibration replicate with refits disabled turns this off
    /// (``calibrationRequest``): it never refits, never alarms and has no short reference, so
    /// nothing would read them, and each such row cost a rank-one update of the p x p moments.
    /// Not saved: a decoded monitor remembers them.
    var remembersMonitoredRows = true
    /// Whether ``quietBlockRoom(limit:)`` offers blocks whatever the score's ``WindowScore/blocksPayOff``
    /// says (for benchmarks and tests, which compare blocks with rows one at a time at any p).
    /// Not saved.
    public var forcesBlocks = false
    /// The last `historyLength` observations and labels, for estimating change times.
    private var history: RowRing
    /// The burn-in rows (row-major), kept only when a bootstrap calibration will need them.
    private var burnInRows: [Double] = []
    /// The alarm and the network before it, kept until the next burn-in completes.
    private var pendingComparison: PendingComparison?
    /// Observations received while awaiting thresholds, with their labels.
    private var held: [Double] = []
    private var heldLabels: [String?] = []
    /// The excursion in progress (``AlarmPolicy/continue``).
    private var excursion: OpenExcursion?
    /// With a rolling memory (``MonitorSettings/memory``): the rows in the score's sufficient
    /// statistics, oldest first, so the oldest can be forgotten when a new one arrives.
    private var memoryRows: RowRing?
    /// Whether the segment started with the short restart burn-in (``MonitorSettings/restartBurnIn``)
    /// and does not hold `N` observations yet: scored against the short reference with its own thresholds.
    public private(set) var onShortReference = false
    /// The calibration behind the short reference's thresholds (reused while the next short
    /// reference is close to it).
    public private(set) var restartCalibration: CalibrationResult?
    /// The last regular reference's network (fitted on at least N observations), from which the
    /// short reference's Gaussian null is simulated: a network estimated from M observations is
    /// much sparser than the process, and simulating from it would make the replicates' re-estimation
    /// too easy and the thresholds too low.
    private var shortNullPrecision: Matrix?

    struct OpenExcursion: Codable, Sendable {
        let alarmIndex: Int
        var lastAbove: Int
        var stepsAbove: Int
        var quiet: Int
    }

    /// Whether an excursion is in progress (``AlarmPolicy/continue``: no new alarm until it ends).
    public var inExcursion: Bool { excursion != nil }

    struct PendingComparison: Codable, Sendable {
        let alarmIndex: Int
        let precision: Matrix
    }

    /// A monitor that fits its score's null from a burn-in. `score` is a fresh score (nothing fitted).
    public init(score: Score, settings: MonitorSettings, names: [String]? = nil,
                minimumDimension: Int = 2) throws(MonitorError) {
        try self.init(score, settings: settings, names: names, fixed: false, minimumDimension: minimumDimension)
    }

    /// A monitor scoring against the fixed null `score` already holds (no burn-in, no refit).
    /// With a calibrated rule the monitor starts in ``MonitorPhase/awaitingThresholds``.
    public init(fixed score: Score, settings: MonitorSettings, names: [String]? = nil,
                minimumDimension: Int = 2) throws(MonitorError) {
        try self.init(score, settings: settings, names: names, fixed: true, minimumDimension: minimumDimension)
        try setThresholds()
    }

    private init(_ score: Score, settings: MonitorSettings, names: [String]?, fixed: Bool,
                 minimumDimension: Int) throws(MonitorError) {
        try Self.validate(score: score, settings: settings, fixedReference: fixed, minimumDimension: minimumDimension)
        self.settings = settings
        self.score = score
        self.names = names ?? (1...max(score.dimension, 1)).map { "x\($0)" }
        guard self.names.count == score.dimension else {
            throw .invalidConfiguration("\(self.names.count) node names for a \(score.dimension)-dimensional score")
        }
        fixedReference = fixed
        phase = fixed ? .filling : .burnIn
        history = RowRing(capacity: 3 * settings.window, dimension: score.dimension)
        memoryRows = settings.memory.map { RowRing(capacity: $0, dimension: score.dimension) }
    }

    private static func validate(score: Score, settings: MonitorSettings, fixedReference: Bool,
                                 minimumDimension: Int) throws(MonitorError) {
        try settings.validate(dimension: score.dimension, fixedReference: fixedReference, minimumDimension: minimumDimension)
        guard score.window == settings.window else {
            throw .invalidConfiguration("the score's window (\(score.window)) differs from the monitor's (\(settings.window))")
        }
        if let problem = score.validate(burnIn: settings.burnIn) { throw .invalidConfiguration(problem) }
        if let m = settings.restartBurnIn, let problem = score.validate(burnIn: m) {
            throw .invalidConfiguration("restart burn-in: \(problem)")
        }
        if settings.memory != nil && !score.supportsForgetting {
            throw .invalidConfiguration("the \(score.statisticIDs.map(\.rawValue).joined(separator: "/")) score cannot forget observations, so it cannot keep a rolling memory")
        }
        if case .nominal = settings.thresholds, score.nominalThresholds(alpha: 0.05) == nil {
            throw .invalidConfiguration("the \(score.statisticIDs.map(\.rawValue).joined(separator: "/")) statistic has no nominal threshold; calibrate or give thresholds")
        }
    }

    public var dimension: Int { score.dimension }

    /// Number of recent observations searched for the change time: three windows.
    public var historyLength: Int { 3 * settings.window }

    /// The most recent alarm.
    public var lastAlarm: Alarm? { alarms.last }

    /// Observations held while awaiting thresholds.
    public var heldCount: Int { heldLabels.count }

    /// Processes one observation.
    ///
    /// Never runs a calibration: when one is needed the step says so (``MonitorStep/needsThresholds``)
    /// and later observations are held until ``install(_:)``.
    ///
    /// - Throws: ``MonitorError`` for an observation of the wrong length or with a non-finite value
    ///   (the monitor's state is unchanged), when the null cannot be fitted, or when a statistic
    ///   is not finite.
    public mutating func update(_ x: [Double], label: String? = nil) throws(MonitorError) -> MonitorStep {
        let p = dimension
        let index = observationCount
        try Self.check(x, dimension: p, index: index)
        if index == 0 && !fixedReference {
            let scale = UnitScale(magnitudes: x)
            unitScale = scale.isIdentity ? nil : scale
        }
        let x = unitScale?.apply(x) ?? x

        if phase == .awaitingThresholds {
            observationCount += 1
            held.append(contentsOf: x)
            heldLabels.append(label)
            return MonitorStep(index: index, phase: .awaitingThresholds, thresholds: nil, needsThresholds: true)
        }
        return try advance(x, label: label, index: index)
    }

    private mutating func advance(_ x: [Double], label: String?, index: Int) throws(MonitorError) -> MonitorStep {
        if index == observationCount { observationCount += 1 }
        history.push(x, label: label)

        if phase == .burnIn {
            if keepsBurnInRows { burnInRows.append(contentsOf: x) }
            remember(x)
            guard score.segmentCount >= currentBurnIn else {
                return MonitorStep(index: index, phase: .burnIn, thresholds: nil)
            }
            try fit(lastIndex: index, newSegment: true)
            // On a short reference the network change waits for the segment's N observations.
            let change = onShortReference ? nil : takeNetworkChange(index: index, label: label)
            phase = .filling
            try setThresholds()
            return MonitorStep(index: index, phase: .burnIn, thresholds: nil, refitted: true, networkChange: change,
                               needsThresholds: phase == .awaitingThresholds)
        }

        var evicted: [Double] = []
        let stepPhase = phase
        if score.push(x, evicted: &evicted) && !fixedReference && remembersMonitoredRows {
            if onShortReference && keepsBurnInRows { burnInRows.append(contentsOf: evicted) }
            remember(evicted)
        }
        var switched: NetworkChange?
        if onShortReference && score.segmentCount >= settings.burnIn {
            // The segment now holds N observations: refit, report the network change, and move to
            // the regular thresholds (which may need a calibration).
            try fit(lastIndex: index, newSegment: false)
            onShortReference = false
            switched = takeNetworkChange(index: index, label: label)
            try setThresholds()
            if phase == .awaitingThresholds {
                return MonitorStep(index: index, phase: stepPhase, thresholds: nil, refitted: true, networkChange: switched,
                                   needsThresholds: true)
            }
        }
        guard score.isFull else {
            return MonitorStep(index: index, phase: stepPhase, thresholds: thresholds, refitted: switched != nil,
                               networkChange: switched)
        }
        phase = .monitoring
        let statistics = score.statistics()
        if let (id, value) = statistics.firstNonFinite {
            throw .nonFiniteStatistic(index: index, statistic: id, value: value)
        }
        let current = thresholds ?? Thresholds()
        let fired = fired(statistics, thresholds: current)
        if settings.afterAlarm == .continue {
            if var open = excursion {
                if !fired.isEmpty {
                    open.lastAbove = index
                    open.stepsAbove += 1
                    open.quiet = 0
                    excursion = open
                    var step = MonitorStep(index: index, phase: .monitoring, statistics: statistics, thresholds: current)
                    step.suppressed = true
                    return step
                }
                open.quiet += 1
                excursion = open
                var step = MonitorStep(index: index, phase: .monitoring, statistics: statistics, thresholds: current)
                if open.quiet >= settings.window {
                    step.excursionEnd = Excursion(alarmIndex: open.alarmIndex, lastAbove: open.lastAbove, index: index,
                                                  label: label, stepsAbove: open.stepsAbove)
                    excursion = nil
                }
                return step
            }
            if !fired.isEmpty {
                let alarm = makeAlarm(index: index, label: label, fired: fired, statistics: statistics, thresholds: current)
                alarms.append(alarm)
                excursion = OpenExcursion(alarmIndex: index, lastAbove: index, stepsAbove: 1, quiet: 0)
                quietSteps = 0
                return MonitorStep(index: index, phase: .monitoring, statistics: statistics, thresholds: current, alarm: alarm)
            }
        } else if !fired.isEmpty {
            let alarm = makeAlarm(index: index, label: label, fired: fired, statistics: statistics, thresholds: current)
            alarms.append(alarm)
            restart(after: index)
            return MonitorStep(index: index, phase: .monitoring, statistics: statistics, thresholds: current, alarm: alarm)
        }

        quietSteps += 1
        var refitted = switched != nil
        if refitDue {
            try fit(lastIndex: index, newSegment: false)
            refitted = true
        }
        return MonitorStep(index: index, phase: .monitoring, statistics: statistics, thresholds: current, refitted: refitted,
                           networkChange: switched)
    }

    /// An observation of `p` finite values, or the error naming its index (and node).
    private static func check(_ x: [Double], dimension p: Int, index: Int) throws(MonitorError) {
        guard x.count == p else { throw .dimensionMismatch(index: index, expected: p, found: x.count) }
        for j in 0..<p where !x[j].isFinite { throw .nonFiniteValue(index: index, node: j) }
    }

    /// Whether the quiet steps since the last fit call for a refit now.
    private var refitDue: Bool { !fixedReference && settings.refitEvery > 0 && quietSteps >= settings.refitEvery }

    /// How many of the next `limit` observations ``updateBlock(_:)`` can take as one block:
    /// in the monitoring phase, when no threshold is in force (nothing can fire: a calibration
    /// replicate's template), outside an excursion and a short reference, up to the next refit.
    /// 0: feed the next observation with ``update(_:label:)``.
    func blockRoom(limit: Int) -> Int {
        guard phase == .monitoring, !onShortReference, excursion == nil, thresholds?.isEmpty == true, score.isFull else { return 0 }
        if !fixedReference && settings.refitEvery > 0 { return Swift.min(limit, settings.refitEvery - quietSteps) }
        return limit
    }

    /// Feeds `rows` (at most ``blockRoom(limit:)`` of them) as one block and returns each one's
    /// statistics: the same statistics, and the same state afterwards, as ``update(_:label:)``
    /// row after row (the score updates its statistics for the block at once; see
    /// ``WindowScore/push(block:evicted:)``). A refit due after the last row is made.
    ///
    /// - Throws: as ``update(_:label:)``; the monitor's state is then not specified (a
    ///   calibration replicate that fails is dropped).
    mutating func updateBlock(_ rows: [[Double]]) throws(MonitorError) -> [StatisticMap] {
        precondition(!rows.isEmpty && rows.count <= blockRoom(limit: rows.count), "the monitor cannot take this block now")
        let p = dimension
        let first = observationCount
        var scaled: [[Double]] = []
        scaled.reserveCapacity(rows.count)
        for (r, x) in rows.enumerated() {
            try Self.check(x, dimension: p, index: first + r)
            scaled.append(unitScale?.apply(x) ?? x)
        }
        for x in scaled { history.push(x, label: nil) }
        observationCount += rows.count
        var evicted: [[Double]] = []
        let statistics = score.push(block: scaled, evicted: &evicted)
        if !fixedReference && remembersMonitoredRows {
            for leaving in evicted { remember(leaving) }
        }
        for (r, map) in statistics.enumerated() {
            if let (id, value) = map.firstNonFinite { throw .nonFiniteStatistic(index: first + r, statistic: id, value: value) }
        }
        quietSteps += rows.count
        if refitDue {
            try fit(lastIndex: first + rows.count - 1, newSegment: false)
        }
        return statistics
    }

    /// How many of the next `limit` observations ``updateQuietBlock(_:labels:)`` may take as one
    /// block (0: feed them with ``update(_:label:)``): in the monitoring phase with thresholds in
    /// force, outside an excursion and a short reference, short of the row that is due to refit,
    /// and only when the score gains from blocks (``WindowScore/blocksPayOff``: at large `p`,
    /// where one row at a time is bound by memory).
    public func quietBlockRoom(limit: Int) -> Int {
        guard score.blocksPayOff || forcesBlocks, phase == .monitoring, !onShortReference, excursion == nil, thresholds != nil, score.isFull,
              held.isEmpty else { return 0 }
        if !fixedReference && settings.refitEvery > 0 {
            return Swift.max(0, Swift.min(limit, settings.refitEvery - quietSteps - 1))
        }
        return limit
    }

    /// Takes `rows` (at most ``quietBlockRoom(limit:)`` of them) as one block when none of them
    /// fires: each gets the step, and the monitor the state, that ``update(_:label:)`` row after
    /// row gives, bit for bit (the score updates its statistics for the block at once, see
    /// ``WindowScore/push(block:evicted:)``). Returns nil, with the monitor as it was, when a
    /// statistic reaches its threshold at one of the rows, is not finite, or a row is not a valid
    /// observation: feed those rows with ``update(_:label:)``, which raises the alarm (or the
    /// error) where row after row does.
    ///
    /// The score before the block is kept until the block is known to be quiet, so that one that
    /// fires is undone: the block writes the local statistic's entries into new storage
    /// (``WindowScore/push(block:keepingCopy:evicted:)``) rather than copy them first. No refit
    /// falls inside a block (``quietBlockRoom(limit:)`` stops short of it), so nothing else can
    /// fail.
    public mutating func updateQuietBlock(_ rows: [[Double]], labels: [String?]? = nil) -> [MonitorStep]? {
        guard !rows.isEmpty, rows.count <= quietBlockRoom(limit: rows.count), labels.map({ $0.count == rows.count }) ?? true,
              let current = thresholds else { return nil }
        let p = dimension
        var scaled: [[Double]] = []
        scaled.reserveCapacity(rows.count)
        for (r, x) in rows.enumerated() {
            do { try Self.check(x, dimension: p, index: observationCount + r) } catch { return nil }
            scaled.append(unitScale?.apply(x) ?? x)
        }
        var evicted: [[Double]] = []
        let statistics: [StatisticMap]
        do {
            // The copy lives only until the block is known to be quiet (the moments that
            // `remember` updates below are then not copied).
            let saved = score
            statistics = score.push(block: scaled, keepingCopy: true, evicted: &evicted)
            for map in statistics where map.firstNonFinite != nil || !fired(map, thresholds: current).isEmpty {
                score = saved
                return nil
            }
        }
        var steps: [MonitorStep] = []
        steps.reserveCapacity(rows.count)
        for (r, x) in scaled.enumerated() {
            history.push(x, label: labels.flatMap { $0[r] })
            steps.append(MonitorStep(index: observationCount, phase: .monitoring, statistics: statistics[r], thresholds: current))
            observationCount += 1
        }
        if !fixedReference && remembersMonitoredRows {
            for leaving in evicted { remember(leaving) }
        }
        quietSteps += rows.count
        return steps
    }

    /// The statistics at or above their thresholds.
    private func fired(_ statistics: StatisticMap, thresholds: Thresholds) -> [StatisticID] {
        score.statisticIDs.filter { id in
            guard let value = statistics[id], let h = thresholds[id] else { return false }
            return value >= h
        }
    }

    /// The burn-in of the current segment: the short one after an alarm, or N.
    private var currentBurnIn: Int { onShortReference ? settings.restartBurnIn ?? settings.burnIn : settings.burnIn }

    /// The network change since the last alarm, against the reference just fitted (nil when none is pending).
    private mutating func takeNetworkChange(index: Int, label: String?) -> NetworkChange? {
        guard let pendingComparison, let after = score.precision else { return nil }
        self.pendingComparison = nil
        return NetworkChange(
            alarmIndex: pendingComparison.alarmIndex, index: index, label: label,
            before: WeightedEdge.edges(of: pendingComparison.precision),
            after: WeightedEdge.edges(of: after),
            comparison: NetworkComparison(before: pendingComparison.precision, after: after, names: names,
                                          count: settings.reportCount * 2))
    }

    /// Adds a row to the score's sufficient statistics; with a rolling memory the oldest row
    /// beyond it leaves them.
    private mutating func remember(_ x: [Double]) {
        score.accumulate(x)
        guard memoryRows != nil else { return }
        var oldest: [Double] = []
        if memoryRows!.push(x, evicted: &oldest) { score.forget(oldest) }
    }

    /// Whether the threshold rule calibrates from resampled burn-in rows.
    private var keepsBurnInRows: Bool {
        if case let .calibrated(calibration) = settings.thresholds, calibration.null.needsRows, !fixedReference { return true }
        return false
    }

    private mutating func fit(lastIndex: Int, newSegment: Bool) throws(MonitorError) {
        do {
            try score.fit(lastIndex: lastIndex, newSegment: newSegment)
        } catch {
            throw .referenceFitFailed(segmentStart: segmentStart, index: lastIndex, reason: error.describe(names: names))
        }
        fitCount += 1
        quietSteps = 0
    }

    /// Thresholds for a new null: the rule's own, a calibration still close enough, or none
    /// (then the monitor awaits a calibration).
    private mutating func setThresholds() throws(MonitorError) {
        switch settings.thresholds {
        case let .nominal(alpha):
            thresholds = score.nominalThresholds(alpha: alpha)
            if let (id, value) = thresholds?.firstNonFinite {
                throw .invalidConfiguration("the nominal \(id) threshold at alpha = \(alpha) is \(value); choose a larger alpha")
            }
        case let .fixed(fixed):
            thresholds = fixed
        case let .calibrated(calibrationSettings):
            if let last = onShortReference ? restartCalibration : calibration, let summary = score.calibrationSummary(),
               let previous = last.reference, previous.isClose(to: summary, tolerance: calibrationSettings.recalibrationTolerance) {
                thresholds = last.thresholds
                if !onShortReference { burnInRows.removeAll() }
                return
            }
            thresholds = nil
            phase = .awaitingThresholds
            return
        }
        if !onShortReference { burnInRows.removeAll() }
    }

    /// What the pending calibration needs (nil unless the monitor awaits thresholds).
    ///
    /// The request holds a copy of this monitor's score and settings, the null to simulate from
    /// and the seed (`seed + calibrationCount`, so each calibration of a stream has its own
    /// draws); run it with ``CalibrationRequest/run(isCancelled:)`` on any thread.
    public var calibrationRequest: CalibrationRequest<Score>? {
        guard phase == .awaitingThresholds, case let .calibrated(calibrationSettings) = settings.thresholds else { return nil }
        var seeded = calibrationSettings
        seeded.seed = calibrationSettings.seed &+ UInt64(calibrationCount)
        var templateSettings = settings
        templateSettings.thresholds = .none
        templateSettings.restartBurnIn = nil
        if onShortReference, let m = settings.restartBurnIn {
            // The short reference's span: from its burn-in of M until the segment holds N
            // observations, at the false-alarm rate per observation of the regular target.
            let span = max(1, settings.burnIn - m)
            seeded.target = .falseAlarmProbability(calibrationSettings.target.probability(overSpan: span), horizon: span)
            seeded.arlHorizon = nil
            templateSettings.burnIn = m
        }
        let p = dimension
        let rows = burnInRows.isEmpty ? nil : Matrix(rows: burnInRows.count / p, columns: p, elements: burnInRows)
        var template: SequentialMonitor<Score>
        do {
            if fixedReference {
                var fixed = score
                fixed.reset(keepingNull: true)
                template = try SequentialMonitor(fixed: fixed, settings: templateSettings, names: names, minimumDimension: 1)
            } else {
                template = try SequentialMonitor(score: score.unfitted(), settings: templateSettings, names: names,
                                                 minimumDimension: 1)
            }
        } catch {
            return nil
        }
        // The template never alarms and has no short reference: with refits disabled the
        // monitored rows' moments would never be read.
        if templateSettings.refitEvery == 0 { template.remembersMonitoredRows = false }
        let nullPrecision = onShortReference ? shortNullPrecision ?? score.precision : score.precision
        var request = CalibrationRequest(template: template, settings: seeded, precision: nullPrecision,
                                         mean: fixedReference ? score.nullMean : nil, burnInRows: rows,
                                         nominal: { alpha in score.nominalThresholds(alpha: alpha) },
                                         reference: score.calibrationSummary())
        request.dynamics = score.nullDynamics
        return request
    }

    /// Installs calibrated thresholds and scores the observations held meanwhile, returning their steps.
    public mutating func install(_ result: CalibrationResult) throws(MonitorError) -> [MonitorStep] {
        guard phase == .awaitingThresholds else { throw .noCalibrationPending }
        if let (id, value) = result.thresholds.firstNonFinite {
            throw .calibrationFailed("the calibrated \(id) threshold is \(value) (the simulated statistics are degenerate)")
        }
        if onShortReference { restartCalibration = result } else { calibration = result }
        calibrationCount += 1
        thresholds = result.thresholds
        if !onShortReference { burnInRows.removeAll() }
        phase = fixedReference && score.count > 0 ? .monitoring : .filling
        let p = dimension
        let rows = held
        let labels = heldLabels
        held.removeAll()
        heldLabels.removeAll()
        var steps: [MonitorStep] = []
        let first = observationCount - labels.count
        for (k, label) in labels.enumerated() {
            let x = Array(rows[(k * p)..<(k * p + p)])
            if phase == .awaitingThresholds {
                held.append(contentsOf: x)
                heldLabels.append(label)
                steps.append(MonitorStep(index: first + k, phase: .awaitingThresholds, thresholds: nil, needsThresholds: true))
            } else {
                steps.append(try advance(x, label: label, index: first + k))
            }
        }
        return steps
    }

    /// Processes one observation and, when that leaves the monitor awaiting thresholds, runs
    /// the calibration here and installs it: the blocking driver of a command-line run.
    /// Returns the observation's step followed by those of any observations held before.
    ///
    /// - Parameter isCancelled: polled by the calibration between replicates.
    public mutating func process(_ x: [Double], label: String? = nil,
                                 isCancelled: @Sendable () -> Bool = { false }) throws(MonitorError) -> [MonitorStep] {
        let step = try update(x, label: label)
        var steps = [step]
        while let request = calibrationRequest {
            steps += try install(request.run(isCancelled: isCancelled))
        }
        return steps
    }

    /// Starts the monitored (Phase II) stream after an in-control (Phase I) sample: the rows given
    /// so far were exactly the burn-in (the null is fitted and, if calibrated, the thresholds
    /// installed), and the next row is index 0 of the live stream. The history is emptied, so
    /// change times and alarms refer to live rows only.
    public mutating func beginLiveStream() throws(MonitorError) {
        guard phase == .filling, score.count == 0, held.isEmpty else {
            throw .invalidConfiguration("the in-control sample must be exactly the burn-in (\(settings.burnIn) rows) and its thresholds installed before the live stream starts")
        }
        observationCount = 0
        segmentStart = 0
        history.removeAll()
        pendingComparison = nil
    }

    /// Restarts after an alarm at `index`: fresh burn-in from the next observation
    /// (with a fixed null: an empty window).
    private mutating func restart(after index: Int) {
        quietSteps = 0
        if fixedReference {
            score.reset(keepingNull: true)
            phase = .filling
            return
        }
        if let precision = score.precision {
            pendingComparison = PendingComparison(alarmIndex: index, precision: precision)
            if !onShortReference, settings.restartBurnIn != nil { shortNullPrecision = score.restartNullPrecision() ?? precision }
        }
        segmentStart = index + 1
        score.reset(keepingNull: false)
        memoryRows?.removeAll()
        burnInRows.removeAll()
        onShortReference = settings.restartBurnIn != nil
        phase = .burnIn
    }

    private func makeAlarm(index: Int, label: String?, fired: [StatisticID], statistics: StatisticMap,
                           thresholds: Thresholds) -> Alarm {
        let k = settings.reportCount
        let available = min(history.count, index + 1 - segmentStart)
        let (recent, labels) = history.newest(available)
        let firstIndex = index + 1 - recent.rows
        let estimate = score.estimateChange(recent: recent, firstIndex: firstIndex, top: k)
        return Alarm(index: index, label: label,
                     estimatedChange: estimate,
                     estimatedChangeLabel: estimate.flatMap { labels[$0 - firstIndex] },
                     firedBy: fired, statistics: statistics, thresholds: thresholds,
                     segmentStart: segmentStart, referenceSampleSize: score.referenceSampleSize,
                     evidence: score.evidence(top: k, names: names))
    }

    /// The network change after the last alarm estimated from the burn-in collected so far, when
    /// the input ends before that burn-in completes (at least `minimumObservations` of it).
    /// Marked provisional; the monitor's state is not changed.
    public func provisionalNetworkChange(minimumObservations: Int) -> NetworkChange? {
        guard phase == .burnIn || onShortReference, let pendingComparison, score.segmentCount >= max(2, minimumObservations),
              let after = score.provisionalPrecision() else { return nil }
        return NetworkChange(
            alarmIndex: pendingComparison.alarmIndex, index: observationCount - 1, label: history.newestLabel,
            before: WeightedEdge.edges(of: pendingComparison.precision), after: WeightedEdge.edges(of: after),
            comparison: NetworkComparison(before: pendingComparison.precision, after: after, names: names,
                                          count: settings.reportCount * 2),
            provisional: true, afterSampleSize: score.segmentCount)
    }
}

extension SequentialMonitor: Codable {
    private enum CodingKeys: String, CodingKey {
        case format, settings, names, fixedReference, observationCount, phase, segmentStart, alarms, thresholds
        case fitCount, calibration, calibrationCount, score, quietSteps, history, burnInRows, pendingComparison
        case held, heldLabels, unitScale, excursion, memoryRows, onShortReference, restartCalibration, shortNullPrecision
    }

    /// Version of the saved state's layout.
    public static var stateFormat: Int { 2 }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.stateFormat, forKey: .format)
        try c.encode(settings, forKey: .settings)
        try c.encode(names, forKey: .names)
        try c.encode(fixedReference, forKey: .fixedReference)
        try c.encode(observationCount, forKey: .observationCount)
        try c.encode(phase, forKey: .phase)
        try c.encode(segmentStart, forKey: .segmentStart)
        try c.encode(alarms, forKey: .alarms)
        try c.encodeIfPresent(thresholds, forKey: .thresholds)
        try c.encode(fitCount, forKey: .fitCount)
        try c.encodeIfPresent(calibration, forKey: .calibration)
        try c.encode(calibrationCount, forKey: .calibrationCount)
        try c.encode(score, forKey: .score)
        try c.encode(quietSteps, forKey: .quietSteps)
        try c.encode(history, forKey: .history)
        try c.encode(burnInRows, forKey: .burnInRows)
        try c.encodeIfPresent(pendingComparison, forKey: .pendingComparison)
        try c.encode(held, forKey: .held)
        try c.encode(heldLabels, forKey: .heldLabels)
        try c.encodeIfPresent(unitScale, forKey: .unitScale)
        try c.encodeIfPresent(excursion, forKey: .excursion)
        try c.encodeIfPresent(memoryRows, forKey: .memoryRows)
        if onShortReference { try c.encode(true, forKey: .onShortReference) }
        try c.encodeIfPresent(restartCalibration, forKey: .restartCalibration)
        try c.encodeIfPresent(shortNullPrecision, forKey: .shortNullPrecision)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decodeIfPresent(Int.self, forKey: .format) ?? 1
        guard format == Self.stateFormat else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription:
                "monitor state format \(format) is not supported (this version reads format \(Self.stateFormat)); start a new state file")
        }
        settings = try c.decode(MonitorSettings.self, forKey: .settings)
        names = try c.decode([String].self, forKey: .names)
        fixedReference = try c.decode(Bool.self, forKey: .fixedReference)
        observationCount = try c.decode(Int.self, forKey: .observationCount)
        phase = try c.decode(MonitorPhase.self, forKey: .phase)
        segmentStart = try c.decode(Int.self, forKey: .segmentStart)
        alarms = try c.decode([Alarm].self, forKey: .alarms)
        thresholds = try c.decodeIfPresent(Thresholds.self, forKey: .thresholds)
        fitCount = try c.decode(Int.self, forKey: .fitCount)
        calibration = try c.decodeIfPresent(CalibrationResult.self, forKey: .calibration)
        calibrationCount = try c.decode(Int.self, forKey: .calibrationCount)
        score = try c.decode(Score.self, forKey: .score)
        quietSteps = try c.decode(Int.self, forKey: .quietSteps)
        history = try c.decode(RowRing.self, forKey: .history)
        burnInRows = try c.decode([Double].self, forKey: .burnInRows)
        pendingComparison = try c.decodeIfPresent(PendingComparison.self, forKey: .pendingComparison)
        held = try c.decode([Double].self, forKey: .held)
        heldLabels = try c.decode([String?].self, forKey: .heldLabels)
        unitScale = try c.decodeIfPresent(UnitScale.self, forKey: .unitScale)
        excursion = try c.decodeIfPresent(OpenExcursion.self, forKey: .excursion)
        memoryRows = try c.decodeIfPresent(RowRing.self, forKey: .memoryRows)
        onShortReference = try c.decodeIfPresent(Bool.self, forKey: .onShortReference) ?? false
        restartCalibration = try c.decodeIfPresent(CalibrationResult.self, forKey: .restartCalibration)
        shortNullPrecision = try c.decodeIfPresent(Matrix.self, forKey: .shortNullPrecision)
        let p = score.dimension
        do {
            try settings.validate(dimension: p, fixedReference: fixedReference, minimumDimension: 1)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid settings: \(error)"))
        }
        guard names.count == p, history.dimension == p, history.capacity == 3 * settings.window,
              score.window == settings.window, burnInRows.count % max(p, 1) == 0,
              held.count == heldLabels.count * p, unitScale.map({ $0.dimension == p && $0.exponents.allSatisfy { abs($0) < 1100 } }) ?? true,
              phase == .burnIn || score.isFitted,
              excursion.map({ $0.quiet >= 0 && $0.stepsAbove >= 1 && $0.lastAbove >= $0.alarmIndex }) ?? true,
              observationCount >= segmentStart, segmentStart >= 0,
              memoryRows?.capacity == settings.memory, memoryRows.map({ $0.dimension == p }) ?? true,
              settings.memory == nil || score.supportsForgetting,
              !onShortReference || settings.restartBurnIn != nil,
              shortNullPrecision.map({ $0.rows == p && $0.columns == p }) ?? true,
              pendingComparison.map({ $0.precision.rows == p && $0.precision.columns == p }) ?? true else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "the monitor state is inconsistent (its parts disagree on the dimension or window)"))
        }
    }
}
