import Foundation
import GGMCore
import GGMDetection
import GGMEstimation

/// Offline change-point detection in a Gaussian graphical model: the change points of a recorded
/// stream and the network of every segment (docs/ALGORITHMS.md section 20).
///
/// The cost of a segment is the negative (pseudo-)log-likelihood of its rows under the network the
/// estimator fits to them (``SegmentModel``), from the segment's Gram matrix (``CumulativeGrams``:
/// O(p^2) per segment, whatever its length). A split's gain is the parent's cost minus the
/// children's. The search (``SegmentationSettings/Search``) proposes splits by optimistic search
/// (O(log n) gain evaluations per split); a split is kept when its cross-validated gain is positive
/// (or until the number of changes asked for is reached). Each change point then gets a bootstrap
/// interval from the cross-fitted plug-in likelihood profile.
public struct Segmenter: Sendable {
    public var settings: SegmentationSettings

    public init(settings: SegmentationSettings = SegmentationSettings()) {
        self.settings = settings
    }

    /// Segments the rows of `data` (n x p).
    ///
    /// - Parameter names: node names for the network comparisons (default "1", "2", ...).
    /// - Throws: ``SegmentationError`` for bad settings, too few rows, a non-finite or constant column,
    ///   or a segment whose network cannot be estimated.
    public func segment(_ data: Matrix, names: [String]? = nil) throws(SegmentationError) -> Segmentation {
        let n = data.rows, p = data.columns
        try settings.validate(rows: n, columns: p)
        let names = names ?? (1...p).map(String.init)
        let (scaled, centre, scale) = try Segmenter.standardize(data)
        let search = SearchContext(grams: CumulativeGrams(data: scaled, folds: settings.folds), settings: settings)
        var changePoints: [Int]
        var cvPath: [Double]?
        switch settings.search {
        case .binary:
            changePoints = try search.binarySegmentation(startingFrom: [])
            changePoints = try search.refine(changePoints)
        case .seeded:
            changePoints = try search.seededSegmentation()
            changePoints = try search.refine(changePoints)
        case .exact:
            (changePoints, cvPath) = try search.exactSegmentation()
        }
        return try search.summarize(changePoints, names: names, centre: centre, scale: scale, crossValidatedPath: cvPath)
    }

    /// Columns centred and scaled to unit variance (the penalty and the variance floor then mean
    /// the same on every column; the gains are unchanged by the scaling).
    static func standardize(_ data: Matrix) throws(SegmentationError) -> (Matrix, [Double], [Double]) {
        let n = data.rows, p = data.columns
        var mean = [Double](repeating: 0, count: p)
        for t in 0..<n {
            for j in 0..<p {
                let v = data.elements[t * p + j]
                guard v.isFinite else { throw .nonFinite(row: t, column: j, value: v) }
                mean[j] += v
            }
        }
        for j in 0..<p { mean[j] /= Double(n) }
        var sd = [Double](repeating: 0, count: p)
        for t in 0..<n { for j in 0..<p { let d = data.elements[t * p + j] - mean[j]; sd[j] += d * d } }
        for j in 0..<p {
            sd[j] = (sd[j] / Double(n)).squareRoot()
            guard sd[j] > 0 else { throw .constantColumn(column: j) }
        }
        var out = data
        for t in 0..<n { for j in 0..<p { out.elements[t * p + j] = (data.elements[t * p + j] - mean[j]) / sd[j] } }
        return (out, mean, sd)
    }
}

/// A candidate split of `range` at `split`.
struct SplitCandidate {
    var range: Range<Int>
    var split: Int
    var gain: Double
    var curve: [GainPoint]
}

/// The search's state: the cumulative Grams and a cache of segment losses.
final class SearchContext {
    let grams: CumulativeGrams
    let settings: SegmentationSettings
    let estimator: NetworkEstimator
    let minSegment: Int
    let n: Int
    private(set) var fits = 0
    private var crossValidatedCache: [Int: [Double]] = [:]
    /// The last curve found for a range (the gain curve of the final change points).
    private var curves: [Int: [GainPoint]] = [:]

    init(grams: CumulativeGrams, settings: SegmentationSettings) {
        self.grams = grams
        self.settings = settings
        self.estimator = settings.estimator(rows: grams.rowCount, columns: grams.dimension)
        self.n = grams.rowCount
        self.minSegment = settings.minimumSegment(rows: grams.rowCount)
    }

    private func key(_ r: Range<Int>) -> Int { r.lowerBound * (n + 1) + r.upperBound }

    // MARK: - Segment fits and losses

    /// The model fitted to rows with moments `m` (their own mean, diagonal floored).
    func fit(_ m: SegmentMoments, range: Range<Int>, warmStart: NetworkFit?) throws(SegmentationError) -> SegmentModel {
        let mean = m.mean
        var s = m.covariance(about: mean)
        let p = s.rows
        for j in 0..<p where s[j, j] < SegmentModel.varianceFloor { s[j, j] = SegmentModel.varianceFloor }
        fits += 1
        do {
            // The node-wise fits warm-start from a neighbouring segment's coefficients. The graphical
            // lasso does not: its warm start is the covariance iterate of another segment, whose
            // diagonal belongs to that segment's data (measured: 29 s instead of 0.8 s at p = 20).
            let warm = estimator.method == .nodewise ? warmStart : nil
            let fit = try estimator.fit(covariance: s, sampleSize: Swift.max(2, m.count), warmStart: warm)
            return try SegmentModel(range: range, mean: mean, fit: fit)
        } catch {
            throw .estimation(segment: range, message: error.description)
        }
    }

    func model(_ r: Range<Int>, warmStart: NetworkFit? = nil) throws(SegmentationError) -> SegmentModel {
        try fit(grams.moments(r), range: r, warmStart: warmStart)
    }

    /// The cross-validated cost of a segment: the loss of each fold's rows under the model fitted
    /// to the segment's other rows, summed over the folds (cached).
    func crossValidatedLoss(_ r: Range<Int>, warmStart: NetworkFit?) throws(SegmentationError) -> Double {
        try crossValidatedLosses(r, warmStart: warmStart).reduce(0, +)
    }

    /// The held-out loss of each fold of a segment (cached).
    func crossValidatedLosses(_ r: Range<Int>, warmStart: NetworkFit?) throws(SegmentationError) -> [Double] {
        if let v = crossValidatedCache[key(r)] { return v }
        var losses = [Double](repeating: 0, count: grams.folds)
        let byFold = (0..<grams.folds).map { grams.moments(r, fold: $0) }
        var all = SegmentMoments(dimension: grams.dimension)
        for m in byFold { all += m }
        var warm = warmStart
        for f in 0..<grams.folds where byFold[f].count > 0 {
            var train = all
            train -= byFold[f]
            let model = try fit(train, range: r, warmStart: warm)
            warm = model.fit
            losses[f] = model.loss(byFold[f])
        }
        crossValidatedCache[key(r)] = losses
        return losses
    }

    /// The cross-validated gain of splitting `r` at `split`, fold by fold.
    func foldGains(_ r: Range<Int>, split: Int) throws(SegmentationError) -> [Double] {
        let parent = try crossValidatedLosses(r, warmStart: nil)
        let left = try crossValidatedLosses(r.lowerBound..<split, warmStart: nil)
        let right = try crossValidatedLosses(split..<r.upperBound, warmStart: nil)
        return (0..<grams.folds).map { parent[$0] - left[$0] - right[$0] }
    }

    // MARK: - Optimistic search

    /// The best split of `r` (segments of at least `minSegment` on both sides), found by a coarse
    /// grid of 9 points and golden-section refinement around the best of them; nil if `r` is too short.
    func bestSplit(_ r: Range<Int>) throws(SegmentationError) -> SplitCandidate? {
        let lo = r.lowerBound + minSegment, hi = r.upperBound - minSegment
        guard lo <= hi else { return nil }
        let parent = try model(r)
        let parentLoss = try crossValidatedLoss(r, warmStart: parent.fit)
        var evaluated: [Int: Double] = [:]
        func gain(_ s: Int) throws(SegmentationError) -> Double {
            if let g = evaluated[s] { return g }
            let g = parentLoss - (try crossValidatedLoss(r.lowerBound..<s, warmStart: parent.fit))
                - (try crossValidatedLoss(s..<r.upperBound, warmStart: parent.fit))
            evaluated[s] = g
            return g
        }
        if hi - lo <= 12 {
            for s in lo...hi { _ = try gain(s) }
        } else {
            let grid = (0...8).map { lo + Int((Double($0) * Double(hi - lo) / 8).rounded()) }
            var bestIndex = 0
            for (i, s) in grid.enumerated() where try gain(s) > gain(grid[bestIndex]) { bestIndex = i }
            var left = grid[Swift.max(0, bestIndex - 1)], right = grid[Swift.min(8, bestIndex + 1)]
            var middle = grid[bestIndex]
            // Golden-section search on the bracket [left, right] around `middle`.
            while right - left > 3 {
                let w: Int
                if right - middle > middle - left {
                    w = middle + Swift.max(1, Int((0.381966 * Double(right - middle)).rounded()))
                } else {
                    w = middle - Swift.max(1, Int((0.381966 * Double(middle - left)).rounded()))
                }
                if try gain(w) > gain(middle) {
                    if w > middle { left = middle } else { right = middle }
                    middle = w
                } else {
                    if w > middle { right = w } else { left = w }
                }
            }
            for s in left...right { _ = try gain(s) }
        }
        var best = lo
        var bestGain = -Double.infinity
        for (s, g) in evaluated where g > bestGain || (g == bestGain && s < best) { best = s; bestGain = g }
        let curve = evaluated.sorted { $0.key < $1.key }.map { GainPoint(row: $0.key, gain: $0.value) }
        curves[key(r)] = curve
        return SplitCandidate(range: r, split: best, gain: bestGain, curve: curve)
    }

    /// Whether one more change is allowed.
    private func mayAdd(_ count: Int) -> Bool {
        if let k = settings.changes { return count < k }
        if let k = settings.maxChanges { return count < k }
        return true
    }

    /// Whether a candidate is accepted: with a given number of changes always, otherwise when its
    /// cross-validated gain is positive in at least `settings.agreeingFolds` folds (all by default)
    /// and in total.
    func accepts(_ c: SplitCandidate) throws(SegmentationError) -> Bool {
        if settings.changes != nil { return true }
        guard c.gain > 0 else { return false }
        let gains = try foldGains(c.range, split: c.split)
        return gains.filter { $0 > 0 }.count >= settings.requiredFolds
    }

    // MARK: - Searches

    /// Binary segmentation: the segment whose best split gains most is split first; a split is
    /// kept as `accepts` says; the children are searched in turn.
    func binarySegmentation(startingFrom initial: [Int]) throws(SegmentationError) -> [Int] {
        var accepted = initial.sorted()
        let bounds = [0] + accepted + [n]
        var queue: [SplitCandidate] = []
        for i in 0..<(bounds.count - 1) {
            if let c = try bestSplit(bounds[i]..<bounds[i + 1]) { queue.append(c) }
        }
        while mayAdd(accepted.count), let i = queue.indices.max(by: { queue[$0].gain < queue[$1].gain }) {
            let c = queue.remove(at: i)
            guard try accepts(c) else { continue }
            accepted.append(c.split)
            if let l = try bestSplit(c.range.lowerBound..<c.split) { queue.append(l) }
            if let r = try bestSplit(c.split..<c.range.upperBound) { queue.append(r) }
        }
        return accepted.sorted()
    }

    /// The seeded intervals of Kovacs et al. (2023): at layer k, `ceil(2 / a^(k-1)) - 1` evenly
    /// shifted intervals of length `n a^(k-1)`, down to length `2 * minSegment`.
    func seededIntervals() -> [Range<Int>] {
        let a = settings.seededDecay
        var out: [Range<Int>] = [0..<n]
        var k = 2
        while true {
            let length = Double(n) * Foundation.pow(a, Double(k - 1))
            if length < Double(2 * minSegment) { break }
            let count = Int((2 * Foundation.pow(1 / a, Double(k - 1))).rounded(.up)) - 1
            let shift = (Double(n) - length) / Double(Swift.max(count - 1, 1))
            for i in 0..<count {
                let start = Int((Double(i) * shift).rounded(.down))
                let end = Swift.min(n, Int((Double(i) * shift + length).rounded(.up)))
                if end - start >= 2 * minSegment { out.append(start..<end) }
            }
            k += 1
        }
        return Array(Set(out)).sorted { ($0.count, $0.lowerBound) > ($1.count, $1.lowerBound) }
    }

    /// Seeded binary segmentation: the best split of every seeded interval; with a given number of
    /// changes the largest gains first (greedy selection), otherwise the narrowest interval whose
    /// split has a positive cross-validated gain first (narrowest over threshold). An interval
    /// that holds an accepted change point is dropped. Binary segmentation then continues from
    /// the accepted change points (a change no seeded interval isolates is still found, and a
    /// given number of changes is reached).
    func seededSegmentation() throws(SegmentationError) -> [Int] {
        var candidates: [SplitCandidate] = []
        for r in seededIntervals() { if let c = try bestSplit(r) { candidates.append(c) } }
        var accepted: [Int] = []
        func free(_ c: SplitCandidate) -> Bool {
            !accepted.contains { $0 > c.range.lowerBound && $0 < c.range.upperBound }
        }
        if settings.changes != nil {
            candidates.sort { $0.gain > $1.gain }
            for c in candidates where mayAdd(accepted.count) && free(c) { accepted.append(c.split) }
            return try binarySegmentation(startingFrom: accepted)
        }
        candidates.sort { ($0.range.count, -$0.gain) < ($1.range.count, -$1.gain) }
        for c in candidates where mayAdd(accepted.count) && free(c) {
            if try accepts(c) { accepted.append(c.split) }
        }
        return try binarySegmentation(startingFrom: accepted)
    }

    /// Each change point moved to the best split between its neighbours, left to right.
    func refine(_ changePoints: [Int]) throws(SegmentationError) -> [Int] {
        var cps = changePoints.sorted()
        for i in cps.indices {
            let a = i == 0 ? 0 : cps[i - 1]
            let b = i == cps.count - 1 ? n : cps[i + 1]
            if let c = try bestSplit(a..<b) { cps[i] = c.split }
        }
        return cps
    }

    /// The exact minimum of the summed cross-validated costs with k = 0, 1, ... changes (dynamic
    /// programming over all segments of at least `minSegment` rows); the number of changes is the
    /// one given, or the one with the least cost, reduced while one of its change points fails the
    /// fold agreement of ``accepts(_:)`` between its neighbours.
    func exactSegmentation() throws(SegmentationError) -> ([Int], [Double]?) {
        let m = minSegment
        // cost[a][b - a - m]: the cross-validated cost of a..<b.
        var cost = [[Double]](repeating: [], count: n)
        for a in 0...(n - m) {
            var row: [Double] = []
            for b in (a + m)...n { row.append(try crossValidatedLoss(a..<b, warmStart: nil)) }
            cost[a] = row
        }
        func c(_ a: Int, _ b: Int) -> Double { cost[a][b - a - m] }
        let kMax = settings.changes ?? Swift.min(settings.maxChanges ?? Int.max, settings.changeLimit(rows: n))
        // best[k][b]: the least cost of 0..<b with k changes; from[k][b] its last change.
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: kMax + 1)
        var from = [[Int]](repeating: [Int](repeating: -1, count: n + 1), count: kMax + 1)
        for b in m...n { best[0][b] = c(0, b) }
        if kMax >= 1 {
            for k in 1...kMax {
                for b in ((k + 1) * m)...n {
                    for a in (k * m)...(b - m) where best[k - 1][a].isFinite {
                        let v = best[k - 1][a] + c(a, b)
                        if v < best[k][b] { best[k][b] = v; from[k][b] = a }
                    }
                }
            }
        }
        func changePoints(_ k: Int) -> [Int] {
            var out: [Int] = []
            var b = n
            var kk = k
            while kk > 0 { let a = from[kk][b]; out.append(a); b = a; kk -= 1 }
            return out.reversed()
        }
        if let k = settings.changes { return (changePoints(k), nil) }
        let path = (0...kMax).map { best[$0][n] }
        var k = path.indices.min { path[$0] < path[$1] } ?? 0
        // Fewer changes while one of them fails the fold agreement between its neighbours.
        while k > 0 {
            let cps = changePoints(k)
            let bounds = [0] + cps + [n]
            var agreed = true
            for i in cps.indices {
                let r = bounds[i]..<bounds[i + 2]
                let gains = try foldGains(r, split: cps[i])
                let candidate = SplitCandidate(range: r, split: cps[i], gain: gains.reduce(0, +), curve: [])
                if !(try accepts(candidate)) { agreed = false; break }
            }
            if agreed { break }
            k -= 1
        }
        return (changePoints(k), path)
    }

    // MARK: - Result

    func summarize(_ changePoints: [Int], names: [String], centre: [Double], scale: [Double],
                   crossValidatedPath: [Double]?) throws(SegmentationError) -> Segmentation {
        let bounds = [0] + changePoints + [n]
        var models: [SegmentModel] = []
        for i in 0..<(bounds.count - 1) { models.append(try model(bounds[i]..<bounds[i + 1])) }
        let p = grams.dimension
        func originalScale(_ t: Matrix) -> Matrix {
            var o = t
            for i in 0..<p { for j in 0..<p { o[i, j] = t[i, j] / (scale[i] * scale[j]) } }
            return o
        }
        var segments: [Segment] = []
        for (i, model) in models.enumerated() {
            let precision = originalScale(model.fit.precision)
            let comparison = i == 0 ? nil : NetworkComparison(before: segments[i - 1].precision, after: precision, names: names)
            segments.append(Segment(start: model.range.lowerBound, end: model.range.upperBound,
                                    edges: WeightedEdge.edges(of: precision), selectedEdgeCount: model.fit.edgeCount,
                                    comparison: comparison, precision: precision,
                                    mean: (0..<p).map { centre[$0] + scale[$0] * model.mean[$0] }))
        }
        // Each segment's fold models (the fit without each fold's rows), once per segment: an
        // interior segment is the right side of one change and the left side of the next.
        var foldModels: [[SegmentModel]] = []
        if !changePoints.isEmpty {
            for model in models { foldModels.append(try self.foldModels(model)) }
        }
        var changes: [ChangePoint] = []
        for (i, tau) in changePoints.enumerated() {
            let local = bounds[i]..<bounds[i + 2]
            let left = models[i], right = models[i + 1]
            let gain = try crossValidatedLoss(local, warmStart: left.fit) - crossValidatedLoss(left.range, warmStart: left.fit)
                - crossValidatedLoss(right.range, warmStart: right.fit)
            let curve: [GainPoint]
            if let known = curves[key(local)] { curve = known } else { curve = try bestSplit(local)?.curve ?? [] }
            let increments = crossFittedIncrements(left: left, leftFolds: foldModels[i], right: right, rightFolds: foldModels[i + 1])
            let (interval, stability) = bootstrap(increments, start: local.lowerBound, change: tau, replicate: i)
            var profile: [Double] = []
            var running = 0.0
            let first = local.lowerBound + minSegment, last = local.upperBound - minSegment
            for t in local.lowerBound..<last {
                running += increments[t - local.lowerBound]
                if t + 1 >= first { profile.append(running) }
            }
            changes.append(ChangePoint(index: tau, gain: gain, interval: interval, stability: stability,
                                       gainCurve: curve, profile: profile, profileStart: first))
        }
        return Segmentation(changePoints: changePoints, segments: segments, changes: changes, settings: settings,
                            minSegment: minSegment, selection: settings.changes == nil ? "crossValidation" : "given",
                            crossValidatedLossByChanges: crossValidatedPath, fits: fits)
    }

    /// The models of a segment fitted without each fold's rows (fold `f` at index `f`).
    func foldModels(_ model: SegmentModel) throws(SegmentationError) -> [SegmentModel] {
        let all = grams.moments(model.range)
        var out: [SegmentModel] = []
        for f in 0..<grams.folds {
            var train = all
            train -= grams.moments(model.range, fold: f)
            out.append(try fit(train, range: model.range, warmStart: model.fit))
        }
        return out
    }

    /// `d_t = loss_right(x_t) - loss_left(x_t)` for every row of the two segments, each row's loss
    /// under its own segment's model taken from the fit without the row's fold (cross-fitting), so
    /// that rows do not look better explained by the model they were fitted to.
    func crossFittedIncrements(left: SegmentModel, leftFolds: [SegmentModel],
                               right: SegmentModel, rightFolds: [SegmentModel]) -> [Double] {
        let p = grams.dimension
        let folds = grams.folds
        var d: [Double] = []
        d.reserveCapacity(right.range.upperBound - left.range.lowerBound)
        grams.data.elements.withUnsafeBufferPointer { x in
            for t in left.range.lowerBound..<right.range.upperBound {
                let row = UnsafeBufferPointer(rebasing: x[(t * p)..<((t + 1) * p)])
                if t < left.range.upperBound {
                    d.append(right.loss(row: row) - leftFolds[t % folds].loss(row: row))
                } else {
                    d.append(rightFolds[t % folds].loss(row: row) - left.loss(row: row))
                }
            }
        }
        return d
    }

    /// The bootstrap of a change point's location: rows resampled with replacement within each
    /// side, the change put where the resampled profile `sum_{t < s} d_t` peaks; the interval is the
    /// central `confidence` share of the replicates, the stability their share within 5 rows.
    func bootstrap(_ d: [Double], start: Int, change tau: Int, replicate index: Int) -> (ClosedRange<Int>?, Double?) {
        let b = settings.bootstrapReplicates
        guard b > 0 else { return (nil, nil) }
        var rng = SeededGenerator.stream(seed: settings.seed, index: index)
        let leftCount = tau - start, total = d.count
        let first = minSegment, last = total - minSegment
        var locations: [Int] = []
        locations.reserveCapacity(b)
        var sample = [Double](repeating: 0, count: total)
        for _ in 0..<b {
            for i in 0..<total {
                let j = i < leftCount ? Int(rng.next() % UInt64(leftCount)) : leftCount + Int(rng.next() % UInt64(total - leftCount))
                sample[i] = d[j]
            }
            var running = 0.0
            var best = first, bestValue = -Double.infinity
            for i in 0..<last {
                running += sample[i]
                if i + 1 >= first && running > bestValue { bestValue = running; best = i + 1 }
            }
            locations.append(start + best)
        }
        locations.sort()
        let alpha = (1 - settings.confidence) / 2
        let lower = locations[Swift.min(b - 1, Int((alpha * Double(b)).rounded(.down)))]
        let upper = locations[Swift.min(b - 1, Swift.max(0, Int(((1 - alpha) * Double(b)).rounded(.up)) - 1))]
        let near = locations.filter { Swift.abs($0 - tau) <= 5 }.count
        return (Swift.min(lower, tau)...Swift.max(upper, tau), Double(near) / Double(b))
    }
}
