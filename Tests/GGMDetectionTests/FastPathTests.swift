import Foundation
import Testing
import GGMCore
import GGMEstimation
@testable import GGMDetection

/// The fast paths of issue "Scale" against the straightforward computations they replace, on
/// seeded streams: the local entries kept standardized in one array (ALGORITHMS.md section 22)
/// against the cross sums of the stored window standardized entry by entry, and the search for
/// re-centred entries against the search as first written. Tolerance 1e-9 (relative to the
/// statistic, which is of order 1 to 10): the two differ by rounding only, about 1e-15 per step
/// and bounded by the exact recomputation every `max(w, 1024)` observations.
@Suite struct FastPathTests {
    /// A random sparse precision (about `degree` neighbours per node), diagonally dominant.
    static func sparsePrecision(p: Int, degree: Double, rng: inout SeededGenerator) -> Matrix {
        let probability = min(1, degree / Double(max(p - 1, 1)))
        var omega = Matrix(rows: p, columns: p)
        for i in 0..<p {
            for j in (i + 1)..<p where rng.nextUniformOpen() < probability {
                let v = (rng.nextUniformOpen() < 0.5 ? -1.0 : 1.0) * (0.2 + 0.2 * rng.nextUniformOpen())
                omega[i, j] = v
                omega[j, i] = v
            }
        }
        for i in 0..<p { omega[i, i] = 1 + (0..<p).reduce(0) { $0 + ($1 == i ? 0 : abs(omega[i, $1])) } }
        return omega
    }

    /// `E_uv` of the stored window, straight from the definition: the raw cross sums of
    /// `z = Omega (x - mu)` over the rows, centred by `w Omega_uv` and scaled by `sqrt(w) V_uv`, or
    /// by the re-centred entry's own centre and standard deviation.
    static func straightforwardEntries(rows: [[Double]], reference: ReferenceModel, window w: Int) -> [[Double]] {
        let p = reference.dimension
        let omega = reference.precision
        let z = rows.map { reference.whiten($0) }
        var recentred: [Int: RecentredEntry] = [:]
        for e in reference.recentred ?? [] where e.recentresLocal { recentred[e.u * p + e.v] = e }
        var e = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for u in 0..<p {
            for v in u..<p {
                var c = 0.0
                for r in z.indices { c += z[r][u] * z[r][v] }
                if let entry = recentred[u * p + v] {
                    e[u][v] = (c - Double(w) * entry.centre) / (Double(w).squareRoot() * entry.standardDeviation)
                } else {
                    e[u][v] = (c - Double(w) * omega[u, v]) / (Double(w).squareRoot() * LocalStatistic.entryStandardDeviation(omega, u, v))
                }
            }
        }
        return e
    }

    static func maxAbs(_ e: [[Double]]) -> Double {
        var best = 0.0
        for u in e.indices { for v in u..<e.count { best = max(best, abs(e[u][v])) } }
        return best
    }

    /// A reference with a few re-centred entries (some on the support, some off it, one diagonal).
    static func reference(p: Int, rng: inout SeededGenerator, recentred count: Int) throws -> ReferenceModel {
        let omega = sparsePrecision(p: p, degree: 4, rng: &rng)
        let mean = (0..<p).map { _ in rng.nextStandardNormal() }
        var reference = try ReferenceModel(precision: omega, mean: mean, sampleSize: 100)
        var entries: [RecentredEntry] = []
        var used = Set<Int>()
        while entries.count < count {
            let u = Int(rng.next() % UInt64(p)), v = entries.isEmpty ? u : Int(rng.next() % UInt64(p))
            let (a, b) = (min(u, v), max(u, v))
            guard used.insert(a * p + b).inserted else { continue }
            let sd = (omega[a, a] * omega[b, b]).squareRoot() * (0.5 + rng.nextUniformOpen())
            entries.append(RecentredEntry(u: a, v: b, centre: omega[a, b] + 0.3 * rng.nextStandardNormal(), standardDeviation: sd,
                                          correlation: 0.99, offset: 4 + rng.nextUniformOpen(), globalOffset: 0))
        }
        reference.recentred = entries
        return reference
    }

    @Test(arguments: [(p: 7, w: 5, seed: 1 as UInt64), (p: 23, w: 12, seed: 2), (p: 61, w: 30, seed: 3), (p: 130, w: 50, seed: 4)])
    func localEntriesEqualTheStraightforwardOnes(p: Int, w: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let first = try Self.reference(p: p, rng: &rng, recentred: 4)
        let second = try Self.reference(p: p, rng: &rng, recentred: 2)
        var engine = WindowStatistics(reference: first, window: w, detector: .combined)
        var reference = first
        var rows: [[Double]] = []
        var evicted: [Double] = []
        var checked = 0
        for t in 0..<(3 * w + 40) {
            if t == 2 * w + 3 {
                // A refit: the window is re-whitened under a new reference.
                engine.setReference(second)
                reference = second
            }
            // Heavier rows now and then, so that the maximum moves between entries.
            let scale = t % 17 == 0 ? 4.0 : 1.0
            let x = (0..<p).map { _ in scale * rng.nextStandardNormal() }
            engine.push(x, evicted: &evicted)
            rows.append(x)
            if rows.count > w { rows.removeFirst() }
            guard engine.isFull else { continue }
            let e = Self.straightforwardEntries(rows: rows, reference: reference, window: w)
            let expected = Self.maxAbs(e)
            #expect(abs(engine.localStatistic() - expected) <= 1e-9 * max(1, expected), "M at t = \(t)")
            let top = engine.topEdges(3)
            for edge in top { #expect(abs(edge.value - e[edge.u][edge.v]) <= 1e-9 * max(1, abs(edge.value))) }
            let argmax = engine.localArgmax()
            #expect(abs(abs(argmax.value) - expected) <= 1e-9 * max(1, expected))
            checked += 1
        }
        #expect(checked == 2 * w + 41)
    }

    /// The local update split across ``HelperThreads`` (rows in parts of about equal entries) gives
    /// the unsplit update's entries bit for bit: through the fill, the steady state, a refit, an
    /// alarm's reset and a saved state. At p = 230 (26,565 entries) the update is split in two parts or
    /// more on a machine with two cores or more.
    @Test func splitLocalUpdateEqualsTheUnsplitOne() throws {
        HelperThreads.enable()
        var rng = SeededGenerator(seed: 21)
        let p = 230, w = 20
        let first = try Self.reference(p: p, rng: &rng, recentred: 4)
        let second = try Self.reference(p: p, rng: &rng, recentred: 2)
        var split = WindowStatistics(reference: first, window: w, detector: .combined)
        var whole = split
        whole.maximumLocalParts = 1
        let helpers = HelperThreads.count
        #expect(WindowStatistics.localUpdateParts(dimension: p) == (helpers == 0 ? 1 : Swift.min(helpers + 1, 5)))
        var evictedSplit: [Double] = [], evictedWhole: [Double] = []
        var compared = 0
        for t in 0..<(3 * w + 15) {
            if t == 2 * w { split.setReference(second); whole.setReference(second) }
            if t == 2 * w + 9 { split.reset(); whole.reset() }
            let scale = t % 13 == 0 ? 4.0 : 1.0
            let x = (0..<p).map { _ in scale * rng.nextStandardNormal() }
            split.push(x, evicted: &evictedSplit)
            whole.push(x, evicted: &evictedWhole)
            guard split.isFull else { continue }
            #expect(split.localStatistic() == whole.localStatistic(), "M at t = \(t)")
            #expect(split.topEdges(5) == whole.topEdges(5))
            #expect(split.globalStatistic() == whole.globalStatistic())
            compared += 1
        }
        #expect(compared > w)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(split) == encoder.encode(whole))
    }

    /// The parts cover the rows once, in order, with about the same cost each (entries plus a
    /// fixed cost per row).
    @Test func localUpdatePartsCoverTheTriangle() {
        for p in [1, 2, 3, 7, 200, 230, 452, 1001] {
            for parts in 1...8 {
                let ranges = (0..<parts).map { WindowStatistics.partRows($0, of: parts, dimension: p) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == p)
                for k in 1..<parts { #expect(ranges[k].lowerBound == ranges[k - 1].upperBound) }
                let overhead = WindowStatistics.rowOverhead
                let total = p * (p + 1) / 2 + overhead * p
                for range in ranges {
                    let cost = range.reduce(0) { $0 + p - $1 + overhead }
                    #expect(abs(cost - total / parts) <= p + overhead, "p = \(p), parts = \(parts)")
                }
            }
        }
    }

    /// A state saved by 0.8 (the raw cross sums under the key `crossSums`) resumes with the same
    /// statistics, to rounding.
    @Test func statesWithRawCrossSumsStillDecode() throws {
        var rng = SeededGenerator(seed: 9)
        let p = 9, w = 6
        let reference = try Self.reference(p: p, rng: &rng, recentred: 2)
        var engine = WindowStatistics(reference: reference, window: w, detector: .combined)
        var evicted: [Double] = []
        var rows: [[Double]] = []
        for _ in 0..<(w + 3) {
            let x = (0..<p).map { _ in rng.nextStandardNormal() }
            engine.push(x, evicted: &evicted)
            rows.append(x)
        }
        rows = Array(rows.suffix(w))
        // The raw cross sums of the window, as 0.8 wrote them.
        let z = rows.map { reference.whiten($0) }
        var raw: [Double] = []
        for u in 0..<p { for v in u..<p { raw.append(z.indices.reduce(0) { $0 + z[$1][u] * z[$1][v] }) } }
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(engine)) as? [String: Any])
        #expect(object["localEntries"] != nil)
        object["localEntries"] = nil
        object["crossSums"] = raw
        var resumed = try JSONDecoder().decode(WindowStatistics.self, from: JSONSerialization.data(withJSONObject: object))
        let x = (0..<p).map { _ in rng.nextStandardNormal() }
        var copy = engine
        resumed.push(x, evicted: &evicted)
        copy.push(x, evicted: &evicted)
        #expect(abs(resumed.localStatistic() - copy.localStatistic()) <= 1e-12 * copy.localStatistic())
        #expect(resumed.globalStatistic() == copy.globalStatistic())
    }

    /// The search for re-centred entries (rows in parallel, a division-free pre-test) returns
    /// exactly the entries of the search as first written, on segments with nearly collinear nodes.
    @Test(arguments: [11 as UInt64, 12, 13])
    func recentredSearchEqualsTheStraightforwardOne(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let p = 40, n = 120
        // Data with pairs of nearly collinear nodes, and a node-wise fit that shrinks them.
        var rows = Matrix(rows: n, columns: p)
        for r in 0..<n {
            for j in 0..<p { rows[r, j] = rng.nextStandardNormal() }
            for j in stride(from: 0, to: p - 1, by: 7) { rows[r, j + 1] = rows[r, j] + 0.05 * rng.nextStandardNormal() }
        }
        var moments = RunningMoments(dimension: p)
        moments.add(rows: rows)
        let s = moments.covariance()
        let fit = try NetworkEstimator(method: .nodewise).fit(covariance: s, sampleSize: n)
        let reference = try ReferenceModel(precision: fit.precision, mean: moments.mean, sampleSize: n)
        for w in [10, 25, 50] {
            let fast = RecentredEntry.find(reference: reference, covariance: s, window: w)
            let straightforward = RecentredEntry.findStraightforward(reference: reference, covariance: s, window: w)
            #expect(fast == straightforward)
            #expect(!fast.isEmpty, "the collinear pairs are re-centred at w = \(w)")
        }
    }
}
