import GGMCore
import GGMEstimation

/// How many lags of the stream a dynamic reference uses.
public enum LagOrder: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Exactly L lags (0: the static model, rows scored as independent).
    case fixed(Int)
    /// Chosen on the first burn-in: 0 unless the burn-in is serially dependent
    /// (``SerialDependence/Assessment/isDependent``), then the L in `1...maximum` with the
    /// smallest node-wise BIC (``VAREstimator/bic(jointCovariance:fit:dimension:sampleSize:)``).
    case auto(maximum: Int)

    /// The default: `auto` up to 2 lags.
    public static let automatic = LagOrder.auto(maximum: 2)
    /// The largest number of lags accepted.
    public static let maximumLags = 10

    /// `"auto"`, `"auto:3"` or a number of lags.
    public init?(parsing text: String) {
        let t = text.lowercased()
        if t == "auto" { self = .automatic; return }
        if t.hasPrefix("auto:"), let m = Int(t.dropFirst(5)), m >= 1, m <= Self.maximumLags { self = .auto(maximum: m); return }
        guard let l = Int(t), l >= 0, l <= Self.maximumLags else { return nil }
        self = .fixed(l)
    }

    public var description: String {
        switch self {
        case let .fixed(l): return String(l)
        case let .auto(m): return m == 2 ? "auto" : "auto:\(m)"
        }
    }

    /// A problem with the order, in words (nil: none).
    public var problem: String? {
        switch self {
        case let .fixed(l) where l < 0 || l > Self.maximumLags,
             let .auto(l) where l < 1 || l > Self.maximumLags:
            return "lags must be between 0 and \(Self.maximumLags) (got \(l))"
        default: return nil
        }
    }
}

/// The dynamic part of a network score (ALGORITHMS.md section 16): a sparse VAR(L) fitted from
/// the joint moments of `(x_t, x_{t-1}, ..., x_{t-L})` over the segment, whose innovations
/// `u_t = x_t - B z_t` the network score scores against the innovations' sparse network.
///
/// It keeps the segment's joint moments (the rows reaching them in time order: burn-in rows,
/// then rows leaving the window, so the lags of each are the rows before it), the last `w + L`
/// rows pushed (the window and its lags, to recompute the window's innovations after a refit),
/// and, while `auto` has not chosen the order, the first burn-in's rows.
struct Prewhitener: Codable, Sendable, Equatable {
    let dimension: Int
    let window: Int
    let order: LagOrder
    let estimator: VAREstimator
    /// Lags in use (nil: `auto`, not chosen yet).
    private(set) var lags: Int?
    /// What the first burn-in said about serial dependence (auto only).
    private(set) var assessment: SerialDependence.Assessment?
    /// The first burn-in's rows (row-major) until the order is chosen.
    private var firstRows: [Double] = []
    /// Joint moments of the stacked rows (L >= 1).
    private var moments: RunningMoments?
    private var pending: [Double] = []
    /// Rows accumulated in this segment (including the first L, which only serve as lags).
    private(set) var rowCount = 0
    /// The last L rows accumulated: the lags of the next accumulated row.
    private var accumulated: RowRing?
    /// With a rolling memory: the last L rows forgotten, the lags of the next row forgotten (nil
    /// until the first; absent from files of earlier versions).
    private var forgotten: RowRing?
    /// Stacked rows waiting to be removed from `moments`, flushed with `pending`.
    private var removals: [Double]?
    /// The last `w + L` rows pushed.
    private var recent: RowRing?
    /// The fitted VAR (nil before the first fit).
    private(set) var fit: VARFit?
    /// The segment's mean of x (the value of a lag not observed).
    private var lagMean: [Double]

    init(dimension p: Int, window: Int, order: LagOrder, estimator: VAREstimator) {
        dimension = p
        self.window = window
        self.order = order
        self.estimator = estimator
        lagMean = [Double](repeating: 0, count: p)
        if case let .fixed(l) = order { setLags(l) }
    }

    /// A fixed dynamic part (a model file): `fit`, with `dataMean` for lags not observed.
    init(dimension p: Int, window: Int, fixed fit: VARFit, dataMean: [Double]) {
        self.init(dimension: p, window: window, order: .fixed(fit.lags), estimator: VAREstimator())
        self.fit = fit
        lagMean = dataMean
    }

    /// The segment's mean of x (the value given to lags not observed).
    var dataMean: [Double] { lagMean }

    private mutating func setLags(_ l: Int) {
        lags = l
        guard l > 0 else { return }
        moments = RunningMoments(dimension: dimension * (l + 1))
        accumulated = RowRing(capacity: l, dimension: dimension)
        recent = RowRing(capacity: window + l, dimension: dimension)
    }

    /// Whether the parts agree with each other (a decoded state is untrusted).
    var isConsistent: Bool {
        guard lagMean.count == dimension, rowCount >= 0 else { return false }
        guard let l = lags else { return moments == nil && firstRows.count % dimension == 0 }
        if l == 0 { return moments == nil && firstRows.isEmpty }
        guard l <= LagOrder.maximumLags, let m = moments, let a = accumulated, let r = recent else { return false }
        return m.dimension == dimension * (l + 1) && a.capacity == l && a.dimension == dimension
            && r.capacity == window + l && r.dimension == dimension && pending.count % (dimension * (l + 1)) == 0
            && (removals?.count ?? 0) % (dimension * (l + 1)) == 0
            && (forgotten.map { $0.capacity == l && $0.dimension == dimension } ?? true)
            && (fit.map { $0.dimension == dimension && $0.lags == l } ?? true)
    }

    /// Whether the scores see innovations (L >= 1).
    var isActive: Bool { (lags ?? 0) > 0 }
    /// Whether `auto` still has to choose the order (at the first fit).
    var isChoosing: Bool { lags == nil }

    static let batchRows = 256

    mutating func accumulate(_ x: [Double]) {
        guard let l = lags else {
            firstRows.append(contentsOf: x)
            return
        }
        guard l > 0 else { return }
        rowCount += 1
        if accumulated!.count == l {
            pending.append(contentsOf: x)
            for age in 1...l { pending.append(contentsOf: accumulated!.row(age: age)) }
            if pending.count / (dimension * (l + 1)) >= Self.batchRows { flush() }
        }
        accumulated!.push(x)
    }

    /// Removes the oldest row accumulated in this segment (a rolling memory; called in the order
    /// the rows were accumulated). As in ``accumulate(_:)``, the first L rows forgotten were only
    /// lags; from then on each forgotten row takes its stacked row, with its L lags, out of the
    /// joint moments.
    mutating func forget(_ x: [Double]) {
        guard let l = lags else {
            // The order is not chosen yet: the first burn-in's rows are all that is kept.
            if firstRows.count >= dimension { firstRows.removeFirst(dimension) }
            return
        }
        guard l > 0, rowCount > 0 else { return }
        rowCount -= 1
        if forgotten == nil { forgotten = RowRing(capacity: l, dimension: dimension) }
        if forgotten!.count == l {
            var stacked = x
            for age in 1...l { stacked.append(contentsOf: forgotten!.row(age: age)) }
            if removals == nil { removals = [] }
            removals!.append(contentsOf: stacked)
            if removals!.count / (dimension * (l + 1)) >= Self.batchRows { flush() }
        }
        forgotten!.push(x)
    }

    private mutating func flush() {
        guard let l = lags, l > 0 else { return }
        let d = dimension * (l + 1)
        if !pending.isEmpty {
            moments!.add(rows: Matrix(rows: pending.count / d, columns: d, elements: pending))
            pending.removeAll(keepingCapacity: true)
        }
        if let r = removals, !r.isEmpty {
            moments!.remove(rows: Matrix(rows: r.count / d, columns: d, elements: r))
            removals = nil
        }
    }

    /// Chooses the order from the first burn-in (auto), and returns it.
    mutating func chooseOrder() -> Int {
        if let lags { return lags }
        let p = dimension
        let rows = Matrix(rows: firstRows.count / p, columns: p, elements: firstRows)
        let assessment = SerialDependence.assess(rows: rows)
        self.assessment = assessment
        var chosen = 0
        if assessment.isDependent, case let .auto(maximum) = order {
            let largest = max(1, min(maximum, rows.rows / 4))
            var best = Double.infinity
            for l in 1...largest {
                let joint = Self.jointMoments(rows, lags: l, from: largest)
                guard let fit = try? estimator.fit(jointCovariance: joint.covariance(), dimension: p, lags: l,
                                                   sampleSize: joint.count) else { continue }
                let bic = VAREstimator.bic(jointCovariance: joint.covariance(), fit: fit, dimension: p, sampleSize: joint.count)
                if bic < best { best = bic; chosen = l }
            }
        }
        let kept = firstRows
        firstRows = []
        setLags(chosen)
        if chosen > 0 {
            for i in 0..<(kept.count / p) { accumulate(Array(kept[(i * p)..<(i * p + p)])) }
        }
        return chosen
    }

    /// Joint moments of `(x_t, ..., x_{t-l})` for `t` in `start..<n`.
    static func jointMoments(_ rows: Matrix, lags l: Int, from start: Int) -> RunningMoments {
        let p = rows.columns, d = p * (l + 1)
        var stacked: [Double] = []
        stacked.reserveCapacity(max(0, rows.rows - start) * d)
        for t in start..<rows.rows {
            for age in 0...l { stacked.append(contentsOf: rows.elements[((t - age) * p)..<((t - age) * p + p)]) }
        }
        return RunningMoments(rows: Matrix(rows: stacked.count / d, columns: d, elements: stacked))
    }

    /// Fits the VAR from the segment's joint moments; returns the innovations' covariance and mean
    /// and the sample size.
    mutating func fitDynamics(newSegment: Bool) throws(ScoreFitError) -> (covariance: Matrix, mean: [Double], n: Int) {
        let l = lags!
        flush()
        let n = moments!.count
        guard n >= 2 else {
            throw ScoreFitError("too few observations to fit \(l) lag\(l == 1 ? "" : "s") (\(rowCount) rows, \(l) of them only lags)")
        }
        let joint = moments!.covariance()
        let fit: VARFit
        do {
            fit = try estimator.fit(jointCovariance: joint, dimension: dimension, lags: l, sampleSize: n,
                                    warmStart: newSegment ? nil : self.fit)
        } catch {
            if case let .nonPositiveVariance(node, value) = error {
                throw ScoreFitError("has variance \(value) over these observations: a constant series cannot be modelled", node: node)
            }
            throw ScoreFitError("the lag regressions failed: \(error)")
        }
        self.fit = fit
        let mean = moments!.mean
        lagMean = Array(mean[0..<dimension])
        let predicted = fit.predict(Array(mean[dimension...]))
        let innovationMean = (0..<dimension).map { mean[$0] - predicted[$0] }
        return (VAREstimator.innovationCovariance(jointCovariance: joint, fit: fit), innovationMean, n)
    }

    /// `x - B z` with `z` the `lags` rows before `x`: ages `first, first + 1, ...` in `ring`
    /// (missing lags take the segment's mean).
    private func innovation(_ x: [Double], ring: RowRing, firstAge: Int) -> [Double] {
        guard let fit, let l = lags, l > 0 else { return x }
        let predicted = fit.predict(lags: ring, firstAge: firstAge, missing: lagMean)
        return (0..<dimension).map { x[$0] - predicted[$0] }
    }

    /// Records a pushed row and returns its innovation.
    mutating func push(_ x: [Double]) -> [Double] {
        if recent!.count == 0, let accumulated {
            // The first row after a burn-in: its lags are the burn-in's last rows.
            accumulated.forEach { recent!.push(Array($0)) }
        }
        let u = innovation(x, ring: recent!, firstAge: 1)
        recent!.push(x)
        return u
    }

    /// The raw row that leaves a full window of `window` rows when the next is pushed.
    func oldestWindowRow() -> [Double] {
        Array(recent!.row(age: window))
    }

    /// Innovations of the newest `count` rows pushed, oldest first (the window after a refit).
    func windowInnovations(count: Int) -> [[Double]] {
        guard count > 0, let recent else { return [] }
        return (1...count).reversed().map { age in innovation(Array(recent.row(age: age)), ring: recent, firstAge: age + 1) }
    }

    /// Innovations of consecutive rows (oldest first); the first `lags` rows, which have no lags, are dropped.
    func innovations(of rows: Matrix) -> Matrix {
        guard let l = lags, l > 0, rows.rows > l else { return rows }
        let p = dimension
        var ring = RowRing(capacity: l, dimension: p)
        var out: [Double] = []
        for t in 0..<rows.rows {
            let x = rows.row(t)
            if t >= l { out.append(contentsOf: innovation(x, ring: ring, firstAge: 1)) }
            ring.push(x)
        }
        return Matrix(rows: rows.rows - l, columns: p, elements: out)
    }

    mutating func reset(keepingNull: Bool) {
        if keepingNull { return }
        rowCount = 0
        pending.removeAll()
        removals = nil
        forgotten = nil
        if let l = lags, l > 0 {
            moments = RunningMoments(dimension: dimension * (l + 1))
            accumulated!.removeAll()
            recent!.removeAll()
        }
    }

    /// A fresh copy with the order in use fixed (what a simulated replicate starts from).
    func unfitted() -> Prewhitener {
        Prewhitener(dimension: dimension, window: window, order: lags.map { .fixed($0) } ?? order, estimator: estimator)
    }
}
