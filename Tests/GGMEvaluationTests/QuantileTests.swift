import Testing
import GGMEvaluation

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
}
