import Foundation
import GGMCore
import Testing
import GGMEstimation

@Suite("RunningMoments")
struct RunningMomentsTests {
    /// Observations with a large common level (1e6) against unit spread: naive sums would lose ~12 digits.
    func data(n: Int, p: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var x = Matrix(rows: n, columns: p)
        for t in 0..<n { for j in 0..<p { x[t, j] = 1e6 + Double(j) + rng.nextStandardNormal() * (1 + 0.1 * Double(j % 5)) } }
        return x
    }

    func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
        a.maxAbsDifference(b) / b.elements.map(Swift.abs).max()!
    }

    @Test("Single adds match the two-pass covariance and mean")
    func singleAdds() {
        let x = data(n: 200, p: 7, seed: 1)
        var m = RunningMoments(dimension: 7)
        for t in 0..<x.rows { m.add(x.row(t)) }
        let (mean, cov) = twoPassCovariance(x)
        #expect(m.count == 200)
        #expect(relativeError(m.covariance(), cov) < 1e-9)
        for j in 0..<7 { #expect(Swift.abs(m.mean[j] - mean[j]) < 1e-7) }
        #expect(m.covariance().isSymmetric())
    }

    @Test("Batched rank-k adds (serial and parallel paths) are single adds, bit for bit",
          arguments: [(13, 9), (60, 301), (70, 130), (45, 66), (33, 67)])
    func batchedAdds(k: Int, p: Int) {
        let x = data(n: 3 * k + 1, p: p, seed: 2)
        var batched = RunningMoments(dimension: p)
        batched.add(rows: x.rows(0..<1))
        batched.add(rows: x.rows(1..<(k + 1)))
        batched.add(rows: x.rows((k + 1)..<(3 * k + 1)))
        var single = RunningMoments(dimension: p)
        for t in 0..<x.rows { single.add(x.row(t)) }
        #expect(batched.count == single.count)
        #expect(batched.shiftedSumOfProducts.isSymmetric())
        #expect(batched.shiftedSumOfProducts == single.shiftedSumOfProducts)
        #expect(batched.shiftedSum == single.shiftedSum)
        #expect(relativeError(batched.covariance(), twoPassCovariance(x).covariance) < 1e-9)
    }

    @Test("Removing observations (single and batched) leaves the moments of the rest")
    func removal() {
        let x = data(n: 120, p: 6, seed: 3)
        var m = RunningMoments(rows: x)
        for t in 0..<10 { m.remove(x.row(t)) }
        m.remove(rows: x.rows(10..<40))
        let (mean, cov) = twoPassCovariance(x.rows(40..<120))
        #expect(m.count == 80)
        #expect(relativeError(m.covariance(), cov) < 1e-9)
        for j in 0..<6 { #expect(Swift.abs(m.mean[j] - mean[j]) < 1e-7) }
    }

    @Test("Merging accumulators with different shifts equals accumulating everything")
    func merge() {
        let x = data(n: 90, p: 5, seed: 4)
        var a = RunningMoments(rows: x.rows(0..<30))
        let b = RunningMoments(rows: x.rows(30..<90))
        a.merge(b)
        var empty = RunningMoments(dimension: 5)
        empty.merge(a)
        #expect(a.count == 90)
        #expect(relativeError(a.covariance(), twoPassCovariance(x).covariance) < 1e-9)
        #expect(empty == a)
        let sum = a.sum
        for j in 0..<5 {
            let direct = (0..<90).reduce(0.0) { $0 + x[$1, j] }
            #expect(Swift.abs(sum[j] - direct) / direct < 1e-13)
        }
    }

    @Test("Codable round trip")
    func codable() throws {
        let m = RunningMoments(rows: data(n: 10, p: 3, seed: 5))
        let decoded = try JSONDecoder().decode(RunningMoments.self, from: JSONEncoder().encode(m))
        #expect(decoded == m)
    }
}
