import Foundation
import GGMCore
import GGMEstimation
import GGMEvaluation
import GGMSimulation
import Testing
@testable import GGMSegmentation

/// A seeded piecewise Gaussian graphical model stream and its true change points.
func simulated(p: Int, segments: [Int], graph: GraphKind = .random, change: ChangeKind = .global, seed: UInt64) throws -> (Matrix, [Int]) {
    let s = try StreamSimulation(p: p, segmentLengths: segments, graph: graph, change: change, seed: seed).generate()
    return (s.observations, s.truth.changePoints)
}

@Suite struct SegmentModelTests {
    @Test("a segment's loss from its moments is the sum of its rows' losses", arguments: EstimationMethod.allCases)
    func lossFromMoments(method: EstimationMethod) throws {
        let (x, _) = try simulated(p: 8, segments: [120], seed: 4)
        let grams = CumulativeGrams(data: x, folds: 3)
        let settings = SegmentationSettings(method: method)
        let context = SearchContext(grams: grams, settings: settings)
        let model = try context.model(10..<90)
        let other = grams.moments(50..<120)
        var direct = 0.0
        x.elements.withUnsafeBufferPointer { a in
            for t in 50..<120 { direct += model.loss(row: UnsafeBufferPointer(rebasing: a[(t * 8)..<((t + 1) * 8)])) }
        }
        #expect(abs(model.loss(other) - direct) < 1e-8 * abs(direct))
    }

    @Test("the cross-validated loss is the held-out loss of each fold under the fit to the other folds")
    func crossValidatedLoss() throws {
        let (x, _) = try simulated(p: 6, segments: [90], seed: 9)
        let grams = CumulativeGrams(data: x, folds: 3)
        let settings = SegmentationSettings(folds: 3)
        let context = SearchContext(grams: grams, settings: settings)
        let r = 5..<80
        var expected = 0.0
        let estimator = settings.estimator(rows: 90, columns: 6)
        for f in 0..<3 {
            let train = Matrix(r.filter { $0 % 3 != f }.map { x.row($0) })
            var mean = [Double](repeating: 0, count: 6)
            for t in 0..<train.rows { for j in 0..<6 { mean[j] += train[t, j] / Double(train.rows) } }
            var s = Matrix(rows: 6, columns: 6)
            for t in 0..<train.rows { for i in 0..<6 { for j in 0..<6 { s[i, j] += (train[t, i] - mean[i]) * (train[t, j] - mean[j]) / Double(train.rows) } } }
            let fit = try estimator.fit(covariance: s, sampleSize: train.rows)
            let model = try SegmentModel(range: r, mean: mean, fit: fit)
            x.elements.withUnsafeBufferPointer { a in
                for t in r where t % 3 == f { expected += model.loss(row: UnsafeBufferPointer(rebasing: a[(t * 6)..<((t + 1) * 6)])) }
            }
        }
        let got = try context.crossValidatedLoss(r, warmStart: nil)
        #expect(abs(got - expected) < 1e-6 * abs(expected))
    }
}

@Suite struct SegmenterTests {
    @Test("golden: seeded streams and their exact change points", arguments: [
        (20, [200, 200, 200], GraphKind.random, UInt64(1), [200, 400]),
        (30, [150, 250], GraphKind.hub, UInt64(2), [150]),
        (10, [120, 80, 200], GraphKind.banded, UInt64(3), [120, 198]),
    ])
    func golden(p: Int, segments: [Int], graph: GraphKind, seed: UInt64, expected: [Int]) throws {
        let (x, truth) = try simulated(p: p, segments: segments, graph: graph, seed: seed)
        let result = try Segmenter(settings: SegmentationSettings(bootstrapReplicates: 200)).segment(x)
        #expect(result.changePoints == expected, "truth \(truth)")
        #expect(result.segments.map(\.start) == [0] + expected)
        #expect(result.segments.last?.end == x.rows)
        for c in result.changes {
            let interval = try #require(c.interval)
            #expect(interval.contains(c.index))
            #expect(c.gain > 0)
        }
    }

    @Test("segments shorter than the number of nodes: p = 60, a segment of 45 rows")
    func shortSegments() throws {
        let (x, truth) = try simulated(p: 60, segments: [150, 45, 150], seed: 5)
        let result = try Segmenter(settings: SegmentationSettings(minSegment: 20, bootstrapReplicates: 0)).segment(x)
        #expect(result.changePoints.count == 2)
        #expect(SegmentationAgreement.hausdorffDistance(result.changePoints, truth)! <= 3, "\(result.changePoints) vs \(truth)")
    }

    @Test("the fast searches agree with the exact search on short streams", arguments: [UInt64(11), 13])
    func fastAgainstExact(seed: UInt64) throws {
        let (x, _) = try simulated(p: 5, segments: [70, 60, 80], seed: seed)
        func run(_ search: SegmentationSettings.Search, changes: Int? = nil) throws -> [Int] {
            try Segmenter(settings: SegmentationSettings(search: search, changes: changes, minSegment: 20, bootstrapReplicates: 0)).segment(x).changePoints
        }
        let exact = try run(.exact)
        #expect(exact.count == 2)
        // The optimistic search evaluates O(log n) splits of a noisy cross-validated curve: the
        // same changes, each within a few rows of the exact optimum.
        for search in [SegmentationSettings.Search.binary, .seeded] {
            let fast = try run(search)
            #expect(fast.count == exact.count, "\(search): \(fast) vs \(exact)")
            #expect(SegmentationAgreement.hausdorffDistance(fast, exact).map { $0 <= 6 } == true, "\(search): \(fast) vs \(exact)")
        }
        let exact2 = try run(.exact, changes: 2), binary2 = try run(.binary, changes: 2)
        #expect(SegmentationAgreement.hausdorffDistance(binary2, exact2).map { $0 <= 6 } == true, "\(binary2) vs \(exact2)")
    }

    @Test("no change is found in null streams (every fold must agree)", arguments: [5, 10])
    func nullStreams(p: Int) throws {
        var found = 0
        for seed in UInt64(1)...6 {
            let (x, _) = try simulated(p: p, segments: [210], seed: seed)
            found += try Segmenter(settings: SegmentationSettings(bootstrapReplicates: 0)).segment(x).changePoints.count
        }
        #expect(found == 0)
    }

    @Test("the exact search's chosen segmentation has the least cross-validated cost of its path")
    func exactPath() throws {
        let (x, _) = try simulated(p: 4, segments: [60, 60], seed: 21)
        let result = try Segmenter(settings: SegmentationSettings(search: .exact, minSegment: 20, bootstrapReplicates: 0)).segment(x)
        let path = try #require(result.crossValidatedLossByChanges)
        #expect(path.count == 120 / 20)
        #expect(path.indices.min { path[$0] < path[$1] } == result.changePoints.count)
    }

    @Test("--changes K gives exactly K change points, at least the minimum segment apart", arguments: [0, 1, 3, 5])
    func exactlyK(k: Int) throws {
        let (x, _) = try simulated(p: 8, segments: [100, 100, 100], seed: 8)
        let result = try Segmenter(settings: SegmentationSettings(changes: k, minSegment: 25, bootstrapReplicates: 0)).segment(x)
        #expect(result.changePoints.count == k)
        let bounds = [0] + result.changePoints + [300]
        #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $1 - $0 >= 25 })
        #expect(result.selection == "given")
    }

    @Test("the same seed gives the same result; the networks and comparisons are there")
    func deterministic() throws {
        let (x, _) = try simulated(p: 12, segments: [150, 150], seed: 31)
        let names = (1...12).map { "n\($0)" }
        let a = try Segmenter().segment(x, names: names), b = try Segmenter().segment(x, names: names)
        #expect(a.changePoints == b.changePoints)
        #expect(a.changes.map(\.interval) == b.changes.map(\.interval))
        #expect(a.segments.count == 2)
        #expect(a.segments[0].comparison == nil)
        let c = try #require(a.segments[1].comparison)
        #expect(c.largestChanges.allSatisfy { $0.names.allSatisfy(names.contains) })
        #expect(!a.segments[0].edges.isEmpty)
    }

    @Test("bad input is a located error, and too little data says the limit")
    func badInput() throws {
        let (x, _) = try simulated(p: 4, segments: [100], seed: 1)
        #expect(throws: SegmentationError.tooFewRows(rows: 100, minimum: 120, minSegment: 60)) {
            try Segmenter(settings: SegmentationSettings(minSegment: 60)).segment(x)
        }
        #expect(throws: SegmentationError.tooManyChanges(requested: 5, limit: 4, rows: 100, minSegment: 20)) {
            try Segmenter(settings: SegmentationSettings(changes: 5)).segment(x)
        }
        var bad = x
        bad[37, 2] = .nan
        #expect { try Segmenter().segment(bad) } throws: { error in
            guard case .nonFinite(37, 2, let v)? = error as? SegmentationError else { return false }
            return v.isNaN
        }
        var constant = x
        for t in 0..<100 { constant[t, 1] = 3 }
        #expect(throws: SegmentationError.constantColumn(column: 1)) { try Segmenter().segment(constant) }
        let long = Matrix(rows: 500, columns: 3, repeating: 0)
        #expect(throws: SegmentationError.self) { try Segmenter(settings: SegmentationSettings(search: .exact)).segment(long) }
        #expect(SegmentationError.tooFewRows(rows: 100, minimum: 120, minSegment: 60).description.contains("at least 120 rows"))
        #expect(SegmentationError.tooManyChanges(requested: 5, limit: 4, rows: 100, minSegment: 20).description.contains("at most 4"))
    }

    @Test("a node constant within one segment only does not break the fit")
    func constantWithinSegment() throws {
        var (x, _) = try simulated(p: 5, segments: [80, 80], seed: 2)
        for t in 80..<160 { x[t, 3] = 0.5 }
        let result = try Segmenter(settings: SegmentationSettings(bootstrapReplicates: 50)).segment(x)
        #expect(result.changePoints.contains { abs($0 - 80) <= 2 })
    }
}
