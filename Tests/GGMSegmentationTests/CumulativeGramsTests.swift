import GGMCore
import Testing
@testable import GGMSegmentation

@Suite struct CumulativeGramsTests {
    static func data(n: Int, p: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: n, columns: p, elements: rng.standardNormals(n * p))
    }

    static func direct(_ x: Matrix, _ r: Range<Int>, fold: Int? = nil, folds: Int = 1) -> SegmentMoments {
        var m = SegmentMoments(dimension: x.columns)
        x.elements.withUnsafeBufferPointer { a in
            for t in r where fold == nil || t % folds == fold! {
                m.add(row: UnsafeBufferPointer(rebasing: a[(t * x.columns)..<((t + 1) * x.columns)]))
            }
        }
        return m
    }

    @Test("any range's moments equal the direct sums, with and without sparse checkpoints", arguments: [1 << 30, 20_000])
    func ranges(budget: Int) {
        let x = Self.data(n: 97, p: 6, seed: 3)
        let g = CumulativeGrams(data: x, folds: 3, memoryBudget: budget)
        if budget < 1 << 20 { #expect(g.spacing > 1) } else { #expect(g.spacing == 1) }
        for r in [0..<97, 0..<1, 5..<6, 13..<60, 40..<97, 17..<18, 31..<45] {
            let m = g.moments(r), d = Self.direct(x, r)
            #expect(m.count == d.count)
            #expect(m.scatter.maxAbsDifference(d.scatter) < 1e-10)
            #expect(zip(m.sum, d.sum).allSatisfy { abs($0 - $1) < 1e-10 })
            for f in 0..<3 {
                let mf = g.moments(r, fold: f), df = Self.direct(x, r, fold: f, folds: 3)
                #expect(mf.count == df.count)
                #expect(mf.scatter.maxAbsDifference(df.scatter) < 1e-10)
            }
        }
    }

    @Test("the covariance about a centre is the mean of (x - c)(x - c)^T")
    func covarianceAboutCentre() {
        let x = Self.data(n: 30, p: 4, seed: 5)
        let m = Self.direct(x, 0..<30)
        let c = [0.3, -1, 2, 0]
        let s = m.covariance(about: c)
        var e = Matrix(rows: 4, columns: 4)
        for t in 0..<30 { for i in 0..<4 { for j in 0..<4 { e[i, j] += (x[t, i] - c[i]) * (x[t, j] - c[j]) / 30 } } }
        #expect(s.maxAbsDifference(e) < 1e-12)
    }
}
