import Foundation
import GGMCore

/// Which statistics a window engine or monitor computes.
public enum DetectorKind: String, Codable, Sendable, CaseIterable {
    /// The global KMA statistic only.
    case global
    /// The local max-norm statistic only.
    case local
    /// Both on the same window and reference.
    case combined

    public var usesGlobal: Bool { self != .local }
    public var usesLocal: Bool { self != .global }

    /// The statistics this detector alarms on, global first.
    public var statistics: [StatisticID] {
        switch self {
        case .global: [.global]
        case .local: [.local]
        case .combined: [.global, .local]
        }
    }

    /// The statistics on the window and on each shorter one (`global`, `local`, `global@10`, ...).
    public func statistics(shortWindows: [Int]) -> [StatisticID] {
        statistics + shortWindows.flatMap { w in statistics.map { $0.window(w) } }
    }
}

/// The largest standardized entries `E_uv` of the local statistic, for reporting.
public struct EdgeScore: Codable, Sendable, Equatable {
    public let u: Int
    public let v: Int
    public let value: Double
}

/// Sliding-window sufficient statistics for both detectors, updated one observation at a time.
///
/// Keeps the last `w` raw observations and their whitened versions `z = Omega (x - mu)` in ring
/// buffers, the running sums `sum_r z_{r,s}^2` (global) and, when the local detector is on, the
/// standardized local entries `E_uv = (sum_r z_{r,u} z_{r,v} - w Omega_uv) / (sqrt(w) V_uv)` for
/// `u <= v` in packed upper-triangular storage. Adding an observation adds its terms and subtracts
/// those of the observation leaving.
///
/// The local entries are kept standardized rather than as raw cross sums, so that the steady-state
/// update reads and writes one array (ALGORITHMS.md section 22): off the support of `Omega`,
/// `E_uv = sum_r z'_{r,u} z'_{r,v}` with `z' = a * z`, `a_u = (sqrt(w) Omega_uu)^(-1/2)`, a rank-2
/// update of `z'_new z'_new^T - z'_old z'_old^T`; the few entries with a centre or a scale of
/// their own (the diagonal, the support, re-centred entries) get their difference beforehand in
/// O(nnz). The result equals the cross sums standardized afterwards up to rounding (tested to 1e-9).
///
/// To keep floating-point drift of the running sums bounded on unbounded streams, the sums are
/// recomputed exactly from the ring every `max(w, 1024)` observations (amortized O(p) and O(p^2)).
///
/// - Complexity: per observation O(nnz(Omega) + p) for the global statistic and O(p^2) for the
///   local one; memory O(w p) plus O(p^2) when the local statistic is tracked.
public struct WindowStatistics: Sendable {
    public let window: Int
    public let detector: DetectorKind
    public private(set) var reference: ReferenceModel
    /// Number of observations currently in the window (at most `window`).
    public private(set) var count: Int = 0

    private var rawRing: [Double]
    private var zRing: [Double]
    private var head: Int = 0
    private var sumSquares: [Double]
    /// `E_uv`, packed upper-triangular (local detector only).
    private var entries: [Double]
    /// Storage for the next block pushed ``push(block:whitened:keepingPrevious:evicted:)`` with
    /// `keepingPrevious`: the entries the last such block replaced, recycled instead of a fresh
    /// allocation per block (at large p, without the batch commands' allocator settings, a fresh
    /// mapping costs its page faults). Shared by copies and never part of the value.
    private var spare = SpareStorage()
    private var pushesSinceRecompute: Int = 0

    // Derived from the reference and the window length (recomputed, never encoded).
    private var g1: Double = 0
    private var g2: Double = 0
    /// `a_u = (sqrt(w) Omega_uu)^(-1/2)`: off the support `E_uv = sum z'_u z'_v` with `z' = a * z`.
    private var localFactor: [Double] = []
    /// The entries whose centre or scale is not `0` and `a_u a_v` (packed index, row, column,
    /// centre `w Omega_uv` or `w C_uv`, scale `1 / (sqrt(w) V_uv)`), by packed index.
    private var special: [SpecialEntry] = []
    /// The special entries whose update differs from the rank-2 term, by row (CSR: row `u` holds
    /// `correctionStart[u]..<correctionStart[u + 1]`): packed index, column, `scale / (a_u a_v) - 1`.
    private var correctionStart: [Int] = []
    private var correctionIndex: [Int] = []
    private var correctionColumn: [Int] = []
    private var correctionFactor: [Double] = []
    /// `1 / (w Omega_ss)`: `y_s = sumSquares[s] * globalScale[s]`.
    private var globalScale: [Double] = []
    private var scratch: [Double]
    /// `z'` of the observations leaving the window and of the new ones (local statistic only):
    /// one row of `p` for a single push, up to ``blockCapacity`` rows for ``push(block:evicted:)``.
    private var oldZ: [Double]
    private var newZ: [Double]
    /// Local statistic at the last push (valid when the window is full); its argmax is found on demand.
    private var lastLocalMax: Double = 0
    /// The local statistic after each observation of the last update (``push(block:whitened:evicted:)``).
    private var blockMaxima: [Double]
    /// At most this many parts of the local update (tests compare a split update with an unsplit one).
    var maximumLocalParts = Int.max

    public init(reference: ReferenceModel, window: Int, detector: DetectorKind) {
        precondition(window >= 2, "window must hold at least 2 observations")
        let p = reference.dimension
        self.window = window
        self.detector = detector
        self.reference = reference
        self.rawRing = [Double](repeating: 0, count: window * p)
        self.zRing = [Double](repeating: 0, count: window * p)
        self.sumSquares = [Double](repeating: 0, count: p)
        self.entries = detector.usesLocal ? [Double](repeating: 0, count: p * (p + 1) / 2) : []
        self.scratch = [Double](repeating: 0, count: p)
        self.oldZ = [Double](repeating: 0, count: detector.usesLocal ? p : 0)
        self.newZ = [Double](repeating: 0, count: detector.usesLocal ? p : 0)
        self.blockMaxima = [Double](repeating: 0, count: detector.usesLocal ? Self.blockCapacity : 0)
        prepareDerived()
        setEmptyEntries()
    }

    public var dimension: Int { reference.dimension }
    public var isFull: Bool { count == window }

    /// Interval (in observations) at which running sums are recomputed exactly from the ring.
    public var recomputeInterval: Int { max(window, 1024) }

    private mutating func prepareDerived() {
        g1 = GlobalStatistic.centering(window: window)
        g2 = GlobalStatistic.scaling(window: window)
        globalScale = reference.precisionDiagonal.map { 1 / (Double(window) * $0) }
        for entry in reference.recentred ?? [] where entry.rescalesGlobal { globalScale[entry.u] = 1 / (Double(window) * entry.centre) }
        guard detector.usesLocal else { return }
        let p = dimension
        let w = Double(window)
        let sqrtW = w.squareRoot()
        let omega = reference.precision
        localFactor = reference.precisionDiagonal.map { 1 / (sqrtW * $0).squareRoot() }
        // The diagonal and the upper support of Omega (CSR, O(nnz)), in packed order (row by row,
        // columns ascending), then the re-centred entries merged in (each replaces the entry at its
        // index; the last one listed wins).
        func entry(_ u: Int, _ v: Int) -> SpecialEntry {
            let index = Self.packedIndex(u, v, dimension: p)
            return SpecialEntry(index: index, u: u, v: v, centre: w * omega[u, v],
                                scale: 1 / (sqrtW * LocalStatistic.entryStandardDeviation(omega, u, v)))
        }
        let sparse = reference.sparsePrecision
        var support: [SpecialEntry] = []
        support.reserveCapacity(sparse.nonzeroCount / 2 + p)
        for u in 0..<p {
            var hasDiagonal = false
            for k in sparse.rowStart[u]..<sparse.rowStart[u + 1] where sparse.columnIndex[k] == u { hasDiagonal = true }
            if !hasDiagonal { support.append(entry(u, u)) }
            for k in sparse.rowStart[u]..<sparse.rowStart[u + 1] where sparse.columnIndex[k] >= u {
                support.append(entry(u, sparse.columnIndex[k]))
            }
        }
        if !zip(support, support.dropFirst()).allSatisfy({ $0.index < $1.index }) {
            // Not reachable from `SparseMatrix(_:)` (columns ascending, no repeats); kept general.
            var unique: [Int: SpecialEntry] = [:]
            for e in support { unique[e.index] = e }
            support = unique.values.sorted { $0.index < $1.index }
        }
        var replacing: [Int: SpecialEntry] = [:]
        for entry in reference.recentred ?? [] where entry.recentresLocal {
            let index = Self.packedIndex(entry.u, entry.v, dimension: p)
            replacing[index] = SpecialEntry(index: index, u: entry.u, v: entry.v, centre: w * entry.centre,
                                            scale: 1 / (sqrtW * entry.standardDeviation))
        }
        if replacing.isEmpty {
            special = support
        } else {
            let extra = replacing.values.sorted { $0.index < $1.index }
            special = []
            special.reserveCapacity(support.count + extra.count)
            var a = 0, b = 0
            while a < support.count || b < extra.count {
                if b == extra.count || (a < support.count && support[a].index < extra[b].index) {
                    special.append(support[a]); a += 1
                } else {
                    if a < support.count && support[a].index == extra[b].index { a += 1 }
                    special.append(extra[b]); b += 1
                }
            }
        }
        for k in special.indices {
            special[k].correction = special[k].scale / (localFactor[special[k].u] * localFactor[special[k].v]) - 1
        }
        correctionStart = [Int](repeating: 0, count: p + 1)
        correctionIndex = []
        correctionColumn = []
        correctionFactor = []
        for e in special where e.correction != 0 {
            correctionStart[e.u + 1] += 1
            correctionIndex.append(e.index)
            correctionColumn.append(e.v)
            correctionFactor.append(e.correction)
        }
        for u in 0..<p { correctionStart[u + 1] += correctionStart[u] }
    }

    /// An entry of the local statistic with its own centre and scale.
    struct SpecialEntry: Sendable {
        var index: Int
        var u: Int
        var v: Int
        /// `w Omega_uv` (or `w C_uv` when re-centred).
        var centre: Double
        /// `1 / (sqrt(w) V_uv)`.
        var scale: Double
        /// `scale / (a_u a_v) - 1`: what the update adds to this entry beyond the rank-2 term.
        var correction: Double = 0
    }

    /// Packed upper-triangular index of `(u, v)`, `u <= v` (row-major, diagonal included).
    @inline(__always)
    static func packedIndex(_ u: Int, _ v: Int, dimension p: Int) -> Int { u * p - u * (u - 1) / 2 + (v - u) }

    /// The local entries of an empty window: `-centre * scale` where the centre is not 0.
    private mutating func setEmptyEntries() {
        guard detector.usesLocal else { return }
        for k in entries.indices { entries[k] = 0 }
        for e in special { entries[e.index] = -e.centre * e.scale }
    }

    /// Replaces the reference (after a refit): re-whitens the stored window and recomputes the sums.
    ///
    /// - Complexity: O(w nnz) plus O(w p^2) when the local statistic is tracked.
    public mutating func setReference(_ newReference: ReferenceModel) {
        precondition(newReference.dimension == dimension)
        reference = newReference
        prepareDerived()
        let p = dimension
        for slot in 0..<window where slotIsOccupied(slot) {
            let base = slot * p
            for j in 0..<p { scratch[j] = rawRing[base + j] - reference.mean[j] }
            scratch.withUnsafeBufferPointer { x in
                zRing.withUnsafeMutableBufferPointer { z in
                    reference.sparsePrecision.multiply(x, into: UnsafeMutableBufferPointer(rebasing: z[base..<(base + p)]))
                }
            }
        }
        recomputeSums()
    }

    /// Replaces the reference and the window's observations (`rows`, oldest first, exactly
    /// ``count`` of them): a dynamic reference's refit changes the innovations as well as the network.
    ///
    /// - Complexity: as ``setReference(_:)``.
    public mutating func setReference(_ newReference: ReferenceModel, window rows: [[Double]]) {
        precondition(rows.count == count)
        let p = dimension
        for (k, row) in rows.enumerated() {
            let age = count - 1 - k
            let slot = (head - 1 - age + 2 * window) % window
            for j in 0..<p { rawRing[slot * p + j] = row[j] }
        }
        setReference(newReference)
    }

    /// Empties the window (after an alarm).
    public mutating func reset() {
        count = 0
        head = 0
        pushesSinceRecompute = 0
        for j in sumSquares.indices { sumSquares[j] = 0 }
        setEmptyEntries()
    }

    private func slotIsOccupied(_ slot: Int) -> Bool {
        // Occupied slots are the `count` slots before `head` (cyclically).
        let age = (head - 1 - slot + 2 * window) % window
        return age < count
    }

    /// Recomputes the running sums exactly from the whitened ring.
    ///
    /// The cross sums are computed as dot products of the columns of the window's `z` (copied
    /// into a `p x count` transposed block first), so each sum is written once instead of once per
    /// observation: O(count p^2) arithmetic with O(p^2) memory traffic.
    private mutating func recomputeSums() {
        let p = dimension
        for j in 0..<p { sumSquares[j] = 0 }
        let slots = (0..<window).filter { slotIsOccupied($0) }
        for slot in slots {
            let base = slot * p
            for j in 0..<p { sumSquares[j] += zRing[base + j] * zRing[base + j] }
        }
        if detector.usesLocal {
            // Off the support: E_uv = sum_r z'_{r,u} z'_{r,v}, a rank-m update of zeroed entries by
            // the window's z' rows (blocks of four rows of E in registers, RankUpdate).
            let m = slots.count
            var scaled = [Double](repeating: 0, count: m * p)
            var raw = [Double](repeating: 0, count: p * m)
            for (r, slot) in slots.enumerated() {
                let base = slot * p
                for j in 0..<p {
                    raw[j * m + r] = zRing[base + j]
                    scaled[r * p + j] = zRing[base + j] * localFactor[j]
                }
            }
            entries.withUnsafeMutableBufferPointer { c in
                c.update(repeating: 0)
                scaled.withUnsafeBufferPointer { y in
                    // Blocks of four rows in parallel (interleaved, for balance: row u has p - u
                    // entries); each entry's sum runs over the rows in order, whatever the split.
                    let out = SharedMutableBuffer(c), rows = SendablePointer(y.baseAddress!)
                    let blockCount = p / 4
                    let parts = p * (p + 1) / 2 * m >= 1 << 18 ? 8 : 1
                    parallelFor(parts) { part in
                        let e = out.base.baseAddress!, y = rows.pointer
                        /// Row `u` of the packed triangle, indexed by column (`v >= u` only).
                        func row(_ u: Int) -> UnsafeMutablePointer<Double> {
                            e + Self.packedIndex(u, u, dimension: p) - u
                        }
                        /// Entries `(u, v)` for `v` in `columns`, one at a time (the rows in order).
                        func entries(_ u: Int, _ columns: Range<Int>) {
                            let eu = row(u)
                            for v in columns {
                                var sum = 0.0
                                for r in 0..<m { sum += y[r * p + u] * y[r * p + v] }
                                eu[v] = sum
                            }
                        }
                        for block in stride(from: part, to: blockCount, by: parts) {
                            let u0 = 4 * block
                            for u in u0..<(u0 + 4) { entries(u, u..<(u0 + 4)) }
                            RankUpdate.fourRows(row(u0), row(u0 + 1), row(u0 + 2), row(u0 + 3), rowIndex: u0,
                                                columns: (u0 + 4)..<p, y: y, stride: p, observations: 0..<m)
                        }
                        if part == 0 {
                            for u in (4 * blockCount)..<p { entries(u, u..<p) }
                        }
                    }
                }
                // The entries with their own centre and scale: (sum z_u z_v - centre) * scale.
                raw.withUnsafeBufferPointer { t in
                    for e in special {
                        c[e.index] = (Self.dot(t.baseAddress! + e.u * m, t.baseAddress! + e.v * m, m) - e.centre) * e.scale
                    }
                }
            }
        }
        pushesSinceRecompute = 0
        if isFull && detector.usesLocal { lastLocalMax = scanLocalMax().0 }
    }

    /// `sum_r a[r] b[r]` over `m` terms, four partial sums.
    @inline(__always)
    private static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ m: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var r = 0
        while r + 4 <= m {
            s0 += a[r] * b[r]
            s1 += a[r + 1] * b[r + 1]
            s2 += a[r + 2] * b[r + 2]
            s3 += a[r + 3] * b[r + 3]
            r += 4
        }
        while r < m { s0 += a[r] * b[r]; r += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Adds observation `x`; when the window was full, the observation leaving it is copied into
    /// `evicted` and `true` is returned.
    ///
    /// - Complexity: O(nnz + p) for the global sums, O(p^2) for the local ones.
    @discardableResult
    public mutating func push(_ x: [Double], evicted: inout [Double]) -> Bool {
        push(x, shared: nil, evicted: &evicted)
    }

    /// `Omega (x - mu)`, the whitened observation every window over this reference stores.
    ///
    /// - Complexity: O(nnz + p).
    public func whiten(_ x: [Double]) -> [Double] {
        let p = dimension
        precondition(x.count == p, "observation has \(x.count) values, expected \(p)")
        let centred = (0..<p).map { x[$0] - reference.mean[$0] }
        var z = [Double](repeating: 0, count: p)
        centred.withUnsafeBufferPointer { c in
            z.withUnsafeMutableBufferPointer { reference.sparsePrecision.multiply(c, into: $0) }
        }
        return z
    }

    /// ``push(_:evicted:)`` with the whitened observation `z` already computed (``whiten(_:)`` of a
    /// window over the same reference network and mean): several windows share one whitening.
    ///
    /// - Complexity: O(p) for the global sums, O(p^2) for the local ones.
    @discardableResult
    public mutating func push(_ x: [Double], whitened z: [Double], evicted: inout [Double]) -> Bool {
        precondition(z.count == dimension, "whitened observation has \(z.count) values, expected \(dimension)")
        return push(x, shared: z, evicted: &evicted)
    }

    private mutating func push(_ x: [Double], shared: [Double]?, evicted: inout [Double]) -> Bool {
        let local = detector.usesLocal
        let willEvict = store(x, shared: shared, evicted: &evicted, scaledRow: local ? 0 : nil)
        if local {
            updateCross(observations: 1)
        }
        if pushesSinceRecompute >= recomputeInterval { recomputeSums() }
        return willEvict
    }

    /// The most observations one pass of ``push(block:whitened:evicted:)`` updates the local
    /// entries by (a longer block is taken in parts of this many).
    public static let blockCapacity = 8

    /// Pushes `rows` (oldest first) into the full window and returns the statistics after each
    /// one (`global` for the global detector, `local` for the local one, empty when not tracked);
    /// the rows that leave the window, one per row, are put in `evicted`.
    ///
    /// The statistics and the state afterwards are the same bit for bit as pushing the rows one at
    /// a time and reading the statistics after each push. The local entries are updated in one
    /// pass per ``blockCapacity`` rows, each row of the triangle taking the observations one
    /// after the other while it is in cache: at large p, where one observation at a time streams
    /// the whole triangle through memory, this is much faster. Use it where nothing happens
    /// between the rows (no alarm can fire, no refit is due), as in a calibration replicate.
    ///
    /// - Parameters:
    ///   - whitened: each row's ``whiten(_:)``, when computed already (several windows over one
    ///     reference), or nil.
    ///   - keepingPrevious: the caller holds a copy of these statistics taken before the block (to
    ///     undo it): the first pass then writes the local entries into new storage, reading the
    ///     old, instead of copying them before updating them in place (copy on write). The same
    ///     values either way.
    /// - Complexity: as many pushes; the local entries are read and written once per
    ///   ``blockCapacity`` rows instead of once per row.
    public mutating func push(block rows: [[Double]], whitened: [[Double]]? = nil, keepingPrevious: Bool = false,
                              evicted: inout [[Double]]) -> (global: [Double], local: [Double]) {
        precondition(isFull, "a block of rows goes into a full window")
        precondition(whitened == nil || whitened!.count == rows.count, "one whitened row per row")
        let p = dimension
        let usesLocal = detector.usesLocal, usesGlobal = detector.usesGlobal
        var global: [Double] = [], local: [Double] = []
        global.reserveCapacity(usesGlobal ? rows.count : 0)
        local.reserveCapacity(usesLocal ? rows.count : 0)
        evicted = []
        evicted.reserveCapacity(rows.count)
        var start = 0
        while start < rows.count {
            // A pass ends at the exact recomputation, which a push makes after its update.
            let k = Swift.max(1, Swift.min(Self.blockCapacity, rows.count - start, recomputeInterval - pushesSinceRecompute))
            if usesLocal && oldZ.count < k * p {
                oldZ = [Double](repeating: 0, count: Self.blockCapacity * p)
                newZ = [Double](repeating: 0, count: Self.blockCapacity * p)
            }
            for r in 0..<k {
                var leaving: [Double] = []
                _ = store(rows[start + r], shared: whitened?[start + r], evicted: &leaving, scaledRow: usesLocal ? r : nil)
                evicted.append(leaving)
                if usesGlobal && pushesSinceRecompute < recomputeInterval { global.append(globalStatistic()) }
            }
            if usesLocal {
                updateCross(observations: k, intoNewStorage: keepingPrevious && start == 0)
                local.append(contentsOf: blockMaxima[0..<k])
            }
            if pushesSinceRecompute >= recomputeInterval {
                recomputeSums()
                if usesGlobal { global.append(globalStatistic()) }
                if usesLocal { local[local.count - 1] = lastLocalMax }
            }
            start += k
        }
        return (global, local)
    }

    /// Stores observation `x` in the ring at `head` (its whitened version `shared`, or computed
    /// here), updates the sums of squares and advances `head` and `count`; the leaving
    /// observation is copied into `evicted` and, with `scaledRow`, the `z'` of the leaving and of
    /// the new observation into that row of `oldZ` and `newZ` (zeros for the leaving one while the
    /// window fills). Returns whether an observation left.
    private mutating func store(_ x: [Double], shared: [Double]?, evicted: inout [Double],
                                scaledRow: Int?) -> Bool {
        let p = dimension
        precondition(x.count == p, "observation has \(x.count) values, expected \(p)")
        let base = head * p
        let willEvict = count == window
        if willEvict && evicted.count != p { evicted = [Double](repeating: 0, count: p) }
        // Save the leaving observation (and its z for the local sums), store the new one and
        // center it into scratch.
        x.withUnsafeBufferPointer { xb in
            reference.mean.withUnsafeBufferPointer { mu in
                rawRing.withUnsafeMutableBufferPointer { raw in
                    scratch.withUnsafeMutableBufferPointer { c in
                        if willEvict {
                            evicted.withUnsafeMutableBufferPointer { ev in for j in 0..<p { ev[j] = raw[base + j] } }
                        }
                        for j in 0..<p {
                            c[j] = xb[j] - mu[j]
                            raw[base + j] = xb[j]
                        }
                    }
                }
            }
        }
        if let scaledRow {
            // z' of the leaving observation (zeros while filling: the same pass with z'_old = 0).
            zRing.withUnsafeBufferPointer { z in
                localFactor.withUnsafeBufferPointer { a in
                    oldZ.withUnsafeMutableBufferPointer { o in
                        let row = scaledRow * p
                        if willEvict { for j in 0..<p { o[row + j] = z[base + j] * a[j] } } else { for j in 0..<p { o[row + j] = 0 } }
                    }
                }
            }
        }
        if let shared {
            // The whitened observation is given: store it and update the sums of squares.
            shared.withUnsafeBufferPointer { given in
                zRing.withUnsafeMutableBufferPointer { z in
                    sumSquares.withUnsafeMutableBufferPointer { ss in
                        for i in 0..<p {
                            if willEvict { let old = z[base + i]; ss[i] -= old * old }
                            let zi = given[i]
                            z[base + i] = zi
                            ss[i] += zi * zi
                        }
                    }
                }
            }
        } else {
        // z = Omega (x - mu) into the ring slot (CSR rows, as SparseMatrix.multiply), and the sums of
        // squares updated in the same pass: subtract the leaving z_s^2, add the new one.
        let omega = reference.sparsePrecision
        omega.rowStart.withUnsafeBufferPointer { rs in
            omega.columnIndex.withUnsafeBufferPointer { ci in
                omega.values.withUnsafeBufferPointer { v in
                    scratch.withUnsafeBufferPointer { c in
                        zRing.withUnsafeMutableBufferPointer { z in
                            sumSquares.withUnsafeMutableBufferPointer { ss in
                                for i in 0..<p {
                                    var zi = 0.0
                                    for k in rs[i]..<rs[i + 1] { zi += v[k] * c[ci[k]] }
                                    if willEvict { let old = z[base + i]; ss[i] -= old * old }
                                    z[base + i] = zi
                                    ss[i] += zi * zi
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        head = (head + 1) % window
        if !willEvict { count += 1 }
        pushesSinceRecompute += 1

        if let scaledRow {
            zRing.withUnsafeBufferPointer { z in
                localFactor.withUnsafeBufferPointer { a in
                    newZ.withUnsafeMutableBufferPointer { n in
                        let row = scaledRow * p
                        for j in 0..<p { n[row + j] = z[base + j] * a[j] }
                    }
                }
            }
        }
        return willEvict
    }

    /// Adds `z'_new z'_new^T` and subtracts `z'_old z'_old^T` for the first `k` rows of `newZ` and
    /// `oldZ`, in order, to the packed local entries; when the window is full, records each
    /// observation's `max |E_uv|` (its argmax is found on demand) in `blockMaxima` and the last
    /// one as the statistic.
    ///
    /// The entries with their own scale move by `scale * (change of the raw cross sum)` while the
    /// rank-2 pass adds `a_u a_v` times it: each row's differences (O(nnz) in all) are added just
    /// before the row's pass, whose cache lines are then loaded once. The steady state (full
    /// window, an observation leaving) runs sixteen entries per iteration with `SIMD4<Double>`,
    /// reading and writing the one array of entries. With several observations each row of the
    /// triangle takes them one after the other while it is in cache: every entry gets the
    /// operations, in the order, that one push at a time gives it.
    private mutating func updateCross(observations k: Int, intoNewStorage: Bool = false) {
        let p = dimension
        let full = isFull
        let parts = Swift.min(Self.localUpdateParts(dimension: p), maximumLocalParts)
        // New storage: every entry is written by the pass (each row is first copied from the old
        // storage, which stays as it was for whoever else holds it, and becomes the next spare).
        let previous: [Double]? = intoNewStorage ? entries : nil
        if let previous {
            var fresh = spare.take()
            if fresh.count != previous.count {
                fresh = [Double](unsafeUninitializedCapacity: previous.count) { _, count in count = previous.count }
            }
            entries = fresh
            spare.put(previous)
        }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: parts * k) { maxima in
            entries.withUnsafeMutableBufferPointer { cb in
              (previous ?? []).withUnsafeBufferPointer { source in
                newZ.withUnsafeBufferPointer { znb in
                    oldZ.withUnsafeBufferPointer { zob in
                        correctionStart.withUnsafeBufferPointer { csb in
                            correctionIndex.withUnsafeBufferPointer { cib in
                                correctionColumn.withUnsafeBufferPointer { cvb in
                                    correctionFactor.withUnsafeBufferPointer { cfb in
                                        let pass = LocalPass(c: cb.baseAddress!, source: previous == nil ? nil : source.baseAddress!,
                                                             zn: znb.baseAddress!, zo: zob.baseAddress!, p: p,
                                                             observations: k,
                                                             correctionStart: csb.baseAddress!, correctionIndex: cib.baseAddress!,
                                                             correctionColumn: cvb.baseAddress!, correctionFactor: cfb.baseAddress!,
                                                             maxima: maxima.baseAddress!)
                                        HelperThreads.run(parts: parts) { part in
                                            let rows = Self.partRows(part, of: parts, dimension: p)
                                            Self.rank2Pass(pass, rows: rows, maxima: pass.maxima + part * k)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
              }
            }
            guard full else { return }
            for r in 0..<k {
                var best = -1.0
                for part in 0..<parts where maxima[part * k + r] > best { best = maxima[part * k + r] }
                blockMaxima[r] = best
            }
            lastLocalMax = blockMaxima[k - 1]
        }
    }

    /// Entries of the local statistic from which its update is split across ``HelperThreads``
    /// (p >= 200; below, handing over the work costs more than it saves).
    static let entriesPerSplit = 20_000

    /// Parts of the local update at dimension `p` with the ``HelperThreads`` now enabled: one per
    /// thread (the caller and each helper), so that each thread updates the same rows at every
    /// observation (they stay in its cache), and at least 5,000 entries per part, when the triangle
    /// holds at least ``entriesPerSplit`` entries; 1 otherwise. A helper that wakes late loses its
    /// part to the caller.
    public static func localUpdateParts(dimension p: Int) -> Int {
        let helpers = HelperThreads.count
        guard helpers > 0, p * (p + 1) / 2 >= entriesPerSplit else { return 1 }
        return Swift.min(helpers + 1, p * (p + 1) / 2 / 5_000)
    }

    /// A row's fixed cost in the local update, in entries (its set-up, corrections and tail).
    static let rowOverhead = 16

    /// Rows `[u0, u1)` of part `part` of `parts`: consecutive rows of about equal cost, row `u`
    /// costing its `p - u` entries plus ``rowOverhead``.
    static func partRows(_ part: Int, of parts: Int, dimension p: Int) -> Range<Int> {
        /// The cost of rows `0..<u`.
        func cost(_ u: Int) -> Int { packedIndex(u, u, dimension: p) + rowOverhead * u }
        /// The first row before which at least `part / parts` of the total cost lies.
        func boundary(_ part: Int) -> Int {
            if part == 0 { return 0 }
            if part == parts { return p }
            let target = cost(p) * part / parts
            var low = 0, high = p
            while low < high {
                let mid = (low + high) / 2
                if cost(mid) >= target { high = mid } else { low = mid + 1 }
            }
            return low
        }
        return boundary(part)..<boundary(part + 1)
    }

    /// The pointers of one local update, shared by its parts (each writes only its own rows and maxima).
    struct LocalPass: @unchecked Sendable {
        let c: UnsafeMutablePointer<Double>
        /// Where each row's entries are read from before the pass updates them in `c` (nil: `c`).
        let source: UnsafePointer<Double>?
        /// `z'` of the `observations` new and leaving observations, one row of `p` each.
        let zn: UnsafePointer<Double>
        let zo: UnsafePointer<Double>
        let p: Int
        let observations: Int
        let correctionStart: UnsafePointer<Int>
        let correctionIndex: UnsafePointer<Int>
        let correctionColumn: UnsafePointer<Int>
        let correctionFactor: UnsafePointer<Double>
        /// `observations` maxima per part.
        let maxima: UnsafeMutablePointer<Double>
    }

    /// `c += zn_r zn_r^T - zo_r zo_r^T` for each observation `r` in order over rows `rows` of the
    /// upper triangle (packed), each row's corrections before its pass; writes `max |c|` over
    /// those rows after observation `r` into `maxima[r]` (-1 for no rows).
    @inline(__always)
    private static func rank2Pass(_ pass: LocalPass, rows: Range<Int>, maxima: UnsafeMutablePointer<Double>) {
        let c = pass.c, p = pass.p, observations = pass.observations
        let cs = pass.correctionStart, ci = pass.correctionIndex, cv = pass.correctionColumn, cf = pass.correctionFactor
        let signMask = SIMD4<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: observations) { vectorBest in
            for r in 0..<observations {
                vectorBest[r] = SIMD4<Double>(repeating: -1)
                maxima[r] = -1
            }
            var k = rows.isEmpty ? 0 : packedIndex(rows.lowerBound, rows.lowerBound, dimension: p)
            for u in rows {
                let n = p - u
                let cRow = c + k
                if let source = pass.source { cRow.update(from: source + k, count: n) }
                for r in 0..<observations {
                    let zn = pass.zn + r * p, zo = pass.zo + r * p
                    let a = zn[u], b = zo[u]
                    for s in cs[u]..<cs[u + 1] {
                        let v = cv[s]
                        c[ci[s]] += cf[s] * (a * zn[v] - b * zo[v])
                    }
                    let av = SIMD4<Double>(repeating: a), bv = SIMD4<Double>(repeating: b)
                    let znRow = zn + u, zoRow = zo + u
                    @inline(__always) func step(_ i: Int) -> SIMD4<Double> {
                        let updated = SIMD4<Double>.load(cRow + i) + (av * SIMD4<Double>.load(znRow + i) - bv * SIMD4<Double>.load(zoRow + i))
                        UnsafeMutableRawPointer(cRow + i).storeBytes(of: updated, as: SIMD4<Double>.self)
                        return unsafeBitCast(unsafeBitCast(updated, to: SIMD4<UInt64>.self) & signMask, to: SIMD4<Double>.self)
                    }
                    var bestV = vectorBest[r]
                    var i = 0
                    // Sixteen entries per iteration, their maximum formed as a tree: the running maximum
                    // is one dependent operation per sixteen entries instead of one per four (it was the
                    // loop's critical path).
                    while i + 16 <= n {
                        let m0 = step(i), m1 = step(i + 4), m2 = step(i + 8), m3 = step(i + 12)
                        let m01 = m0.replacing(with: m1, where: m1 .> m0), m23 = m2.replacing(with: m3, where: m3 .> m2)
                        let m = m01.replacing(with: m23, where: m23 .> m01)
                        bestV.replace(with: m, where: m .> bestV)
                        i += 16
                    }
                    while i + 4 <= n {
                        let m = step(i)
                        bestV.replace(with: m, where: m .> bestV)
                        i += 4
                    }
                    vectorBest[r] = bestV
                    var best = maxima[r]
                    while i < n {
                        let updated = cRow[i] + (a * znRow[i] - b * zoRow[i])
                        cRow[i] = updated
                        let e = Swift.abs(updated)
                        if e > best { best = e }
                        i += 1
                    }
                    maxima[r] = best
                }
                k += n
            }
            for r in 0..<observations {
                for lane in 0..<4 where vectorBest[r][lane] > maxima[r] { maxima[r] = vectorBest[r][lane] }
            }
        }
    }

    private func scanLocalMax() -> (Double, Int) {
        var best = -1.0
        var bestIndex = 0
        for k in entries.indices {
            let e = Swift.abs(entries[k])
            if e > best { best = e; bestIndex = k }
        }
        return (best, bestIndex)
    }

    /// The global statistic `T` of the current (full) window.
    ///
    /// `sum_s f(y_s)` is evaluated eight nodes at a time as `sum (y_s - 1 - g1) - log(prod y_s)`:
    /// one logarithm per eight nodes (the logarithms dominated the update at large p). A block whose
    /// product is not a normal number (a zero, huge or non-finite `y`) falls back to term-by-term
    /// logarithms. The result agrees with the term-by-term sum to about 1e-15 relative per block.
    ///
    /// - Complexity: O(p), with p / 8 logarithms.
    public func globalStatistic() -> Double {
        precondition(isFull, "the window is not full yet")
        let p = dimension
        let g1 = self.g1
        var total = 0.0
        sumSquares.withUnsafeBufferPointer { ss in
            globalScale.withUnsafeBufferPointer { scale in
                var start = 0
                while start < p {
                    let end = Swift.min(start + 8, p)
                    var product = 1.0
                    var linear = 0.0
                    for s in start..<end {
                        let y = ss[s] * scale[s]
                        product *= y
                        linear += (y - 1) - g1
                    }
                    if product.isNormal {
                        total += linear - Foundation.log(product)
                    } else {
                        for s in start..<end { total += GlobalStatistic.contrast(ss[s] * scale[s]) - g1 }
                    }
                    start = end
                }
            }
        }
        return total / (g2 * reference.rNorm4Squared)
    }

    /// Node contributions `f(y_s) - g1(w)` to the global statistic (before scaling).
    public func nodeContributions() -> [Double] {
        (0..<dimension).map { s in GlobalStatistic.contrast(sumSquares[s] * globalScale[s]) - g1 }
    }

    /// The local statistic `M = max_{u <= v} |E_uv|` of the current (full) window.
    ///
    /// - Complexity: O(1): maintained during ``push(_:evicted:)``.
    public func localStatistic() -> Double {
        precondition(isFull && detector.usesLocal, "the local statistic needs a full window and detector local or combined")
        return lastLocalMax
    }

    /// The edge `(u, v)` with the largest `|E_uv|` in the current window.
    ///
    /// - Complexity: O(p^2) (a scan of the cross sums; the update tracks only the maximum).
    public func localArgmax() -> EdgeScore {
        let k = scanLocalMax().1
        let (u, v) = Self.unpack(k, dimension: dimension)
        return EdgeScore(u: u, v: v, value: signedEntry(k))
    }

    private func signedEntry(_ k: Int) -> Double { entries[k] }

    /// The `count` entries with the largest `|E_uv|` (signed values), strongest first.
    ///
    /// - Complexity: O(p^2 log count).
    public func topEdges(_ count: Int, includeDiagonal: Bool = true) -> [EdgeScore] {
        guard detector.usesLocal, count > 0 else { return [] }
        var best: [(Double, Int)] = []
        for k in entries.indices {
            let a = Swift.abs(entries[k])
            if best.count < count || a > best[best.count - 1].0 {
                if !includeDiagonal {
                    let (u, v) = Self.unpack(k, dimension: dimension)
                    if u == v { continue }
                }
                best.append((a, k))
                best.sort { $0.0 > $1.0 }
                if best.count > count { best.removeLast() }
            }
        }
        return best.map { pair in
            let (u, v) = Self.unpack(pair.1, dimension: dimension)
            return EdgeScore(u: u, v: v, value: signedEntry(pair.1))
        }
    }

    /// Row and column of packed upper-triangular index `k` (row-major, diagonal included).
    static func unpack(_ k: Int, dimension p: Int) -> (Int, Int) {
        var u = 0
        var rowStart = 0
        while rowStart + (p - u) <= k { rowStart += p - u; u += 1 }
        return (u, u + (k - rowStart))
    }
}

extension WindowStatistics: Codable {
    private enum CodingKeys: String, CodingKey {
        case window, detector, reference, count, head, rawRing, zRing, sumSquares, localEntries, crossSums
        case pushesSinceRecompute, lastLocalMax, lastLocalArgmax
    }

    /// Encodes the whole mutable state (ring buffers and running sums, bit for bit), so that a
    /// resumed engine continues exactly as the uninterrupted one would; constants derived from
    /// the reference and the window length are recomputed on decoding.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window, forKey: .window)
        try c.encode(detector, forKey: .detector)
        try c.encode(reference, forKey: .reference)
        try c.encode(count, forKey: .count)
        try c.encode(head, forKey: .head)
        try c.encode(rawRing, forKey: .rawRing)
        try c.encode(zRing, forKey: .zRing)
        try c.encode(sumSquares, forKey: .sumSquares)
        try c.encode(entries, forKey: .localEntries)
        try c.encode(pushesSinceRecompute, forKey: .pushesSinceRecompute)
        try c.encode(lastLocalMax, forKey: .lastLocalMax)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let reference = try c.decode(ReferenceModel.self, forKey: .reference)
        self.init(reference: reference,
                  window: try c.decode(Int.self, forKey: .window),
                  detector: try c.decode(DetectorKind.self, forKey: .detector))
        let p = reference.dimension
        count = try c.decode(Int.self, forKey: .count)
        head = try c.decode(Int.self, forKey: .head)
        rawRing = try c.decode([Double].self, forKey: .rawRing)
        zRing = try c.decode([Double].self, forKey: .zRing)
        sumSquares = try c.decode([Double].self, forKey: .sumSquares)
        let localEntries = try c.decodeIfPresent([Double].self, forKey: .localEntries)
        // Files of 0.8 and earlier hold the raw cross sums instead: standardized here.
        let crossSums = localEntries == nil ? try c.decode([Double].self, forKey: .crossSums) : []
        let packed = detector.usesLocal ? p * (p + 1) / 2 : 0
        guard (localEntries ?? crossSums).count == packed else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "window state arrays do not match the window length and dimension"))
        }
        if let localEntries {
            entries = localEntries
        } else if detector.usesLocal {
            var k = 0
            for u in 0..<p {
                for v in u..<p { entries[k] = crossSums[k] * localFactor[u] * localFactor[v]; k += 1 }
            }
            for e in special { entries[e.index] = (crossSums[e.index] - e.centre) * e.scale }
        }
        pushesSinceRecompute = try c.decode(Int.self, forKey: .pushesSinceRecompute)
        lastLocalMax = try c.decode(Double.self, forKey: .lastLocalMax)
        _ = try c.decodeIfPresent(Int.self, forKey: .lastLocalArgmax)   // found on demand; no longer written, accepted from older files
        guard rawRing.count == window * p, zRing.count == window * p, sumSquares.count == p,
              (0...window).contains(count), (0..<window).contains(head) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "window state arrays do not match the window length and dimension"))
        }
    }
}

/// A buffer handed from one block to the next (``WindowStatistics``'s spare entries). Taking it
/// leaves it empty, so a buffer is held by one owner at a time; whoever else still holds the same
/// array (a copy of the statistics kept to undo a block) keeps it by copy on write, so values never
/// depend on the recycling. Locked: copies of one monitor may run on different threads.
final class SpareStorage: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [Double] = []

    func take() -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        let taken = buffer
        buffer = []
        return taken
    }

    func put(_ storage: [Double]) {
        lock.lock()
        buffer = storage
        lock.unlock()
    }
}
