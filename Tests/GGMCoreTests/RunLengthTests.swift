import Foundation
import Testing
import GGMCore

@Suite struct RunLengthTests {
    @Test func poissonConversion() {
        // H / A = 0.1: q = 1 - e^{-0.1} = 0.09516...
        #expect(RunLength.falseAlarmProbability(averageRunLength: 5000, horizon: 500) == 1 - exp(-0.1))
        #expect(abs(RunLength.falseAlarmProbability(averageRunLength: 5000, horizon: 500) - 0.0951625819640404) < 1e-15)
        // H = A: 1 - 1/e; no horizon: no false alarm.
        #expect(abs(RunLength.falseAlarmProbability(averageRunLength: 200, horizon: 200) - (1 - 1 / exp(1.0))) < 1e-15)
        #expect(RunLength.falseAlarmProbability(averageRunLength: 1000, horizon: 0) == 0)
    }
}
