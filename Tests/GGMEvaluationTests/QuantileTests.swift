import Testing
import GGMCore

/// Type-7 quantiles computed by hand: h = (n - 1) p (0-based), Q = x[floor h] + frac(h) (x[floor h + 1] - x[floor h]).
@Suite struct QuantileTests {
    @Test func oddSample() {
        // Sorted 1, 2, 3: median at h = 1; p90 at h = 1.8 -> 2 + 0.8 * 1.
        #expect(Quantile.type7([3.0, 1, 2], probability: 0.5) == 2)
        #expect(abs(Quantile.type7([3.0, 1, 2], probability: 0.9)! - 2.8) < 1e-12)
    }

    @Test func evenSample() {
        // Sorted 1, 2, 3, 4: median at h = 1.5 -> 2.5; p90 at h = 2.7 -> 3 + 0.7.
        #expect(Quantile.type7([4, 1, 3, 2], probability: 0.5) == 2.5)
        #expect(abs(Quantile.type7([4, 1, 3, 2], probability: 0.9)! - 3.7) < 1e-12)
        #expect(Quantile.type7([4, 1, 3, 2], probability: 0) == 1)
        #expect(Quantile.type7([4, 1, 3, 2], probability: 1) == 4)
    }

    @Test func matchesR() {
        // R: quantile(c(0, 7, 12, 30, 4), c(0.25, 0.9)) gives 4 and 22.8.
        #expect(Quantile.type7([0, 7, 12, 30, 4], probability: 0.25) == 4)
        #expect(abs(Quantile.type7([0, 7, 12, 30, 4], probability: 0.9)! - 22.8) < 1e-12)
    }

    @Test func degenerateSamples() {
        #expect(Quantile.type7([Double](), probability: 0.5) == nil)
        #expect(Quantile.type7([Int](), probability: 0.9) == nil)
        #expect(Quantile.type7([5], probability: 0.9) == 5)
        #expect(Quantile.type7([7, 7, 7], probability: 0.37) == 7)
    }

    @Test func upperOfSortedSample() {
        // Sorted 1...5: position (1 - a)(n - 1) = 4(1 - a); a = 0.25 -> 3 -> 4; a = 0.1 -> 3.6 -> 4.6.
        let sorted: [Double] = [1, 2, 3, 4, 5]
        #expect(Quantile.upper(sorted: sorted, 0.25) == 4)
        #expect(abs(Quantile.upper(sorted: sorted, 0.1) - 4.6) < 1e-12)
        #expect(Quantile.upper(sorted: sorted, 0) == 5)
        #expect(Quantile.upper(sorted: sorted, 1) == 1)
        #expect(Quantile.upper(sorted: [7], 0.3) == 7)
        #expect(Quantile.upper(sorted: [], 0.1) == .infinity)
        // 0...100: the 90% point is 90 exactly, the maximum at a = 0.
        let hundred = (0..<101).map(Double.init)
        #expect(Quantile.upper(sorted: hundred, 0.1) == 90)
        #expect(Quantile.upper(sorted: hundred, 0) == 100)
    }

    @Test func upperIsType7AtOneMinusA() {
        let values: [Double] = [0.3, -1.2, 4.5, 2.2, 0.9, 3.1, -0.4]
        for a in [0.0, 0.01, 0.05, 0.1, 0.37, 0.5, 0.9, 1] {
            #expect(Quantile.upper(sorted: values.sorted(), a) == Quantile.type7(values, probability: 1 - a))
        }
    }

    @Test func upperIntervalOrderStatistics() {
        // n = 100, a = 0.1: center 90, half-width 1.96 * sqrt(9) = 5.88 -> order statistics 84 and 96.
        let sorted = (0..<100).map(Double.init)
        #expect(Quantile.upperInterval(sorted: sorted, 0.1) == [84, 96])
        // n = 5, a = 0.5: 2.5 -+ 1.96 sqrt(1.25) = 0.31 and 4.69 -> indices 0 and 5, clamped to 4.
        let five: [Double] = [1, 2, 3, 4, 5]
        #expect(Quantile.upperInterval(sorted: five, 0.5) == [1, 5])
        // a = 0: a zero-width interval at n, clamped to the maximum.
        #expect(Quantile.upperInterval(sorted: five, 0) == [5, 5])
        #expect(Quantile.upperInterval(sorted: [2], 0.05) == [2, 2])
    }
}
