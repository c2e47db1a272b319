import Foundation
import GGMCore
import Testing
import GGMEvaluation

/// Null streams whose alarms are an i.i.d. Bernoulli(1/A) process, one draw per observation.
///
/// The first-alarm run length T (observations up to and including the alarm) is geometric with
/// mean A. Over N streams of length L, the censored estimator Â = ΣT / d (d = streams that alarmed)
/// is the geometric maximum-likelihood estimate; by the delta method its relative standard error is
/// about sqrt((1 - 1/A) / E[d]), with E[d] = N (1 - (1 - 1/A)^L). With A = 100, L = 300, N = 4000:
/// E[d] = 3804, relative SE 1.6 %; the tolerance is 4 SE = 6.5 % (two-sided miss probability 6e-5
/// for a random seed; the seed is fixed, so the test is deterministic).
@Suite struct AverageRunLengthTests {
    static let a = 100.0
    static let length = 300
    static let streams = 4000

    static func evaluations() throws -> [StreamEvaluation] {
        var rng = SeededGenerator(seed: 20_240_601)
        return try (0..<streams).map { _ in
            let alarms = (0..<length).filter { _ in rng.nextUniformOpen() < 1 / a }
            return try AlarmMatching.evaluate(changePoints: [], alarmIndices: alarms, streamLength: length, maxDelay: 25)
        }
    }

    @Test func censoredEstimateIsNearA() throws {
        let evaluations = try Self.evaluations()
        let s = try DetectorScore(evaluations: evaluations, horizon: 50)
        let q = 1 - 1 / Self.a
        let expectedAlarmed = Double(Self.streams) * (1 - pow(q, Double(Self.length)))
        let relativeSE = (q / expectedAlarmed).squareRoot()
        let arl = try #require(s.averageRunLength)
        #expect(abs(arl / Self.a - 1) < 4 * relativeSE, "ARL \(arl) vs A = \(Self.a)")

        // Censored streams: Binomial(N, q^L), mean 196.2, SD 13.6; 4 SD.
        let pCensored = pow(q, Double(Self.length))
        let censoredSD = (Double(Self.streams) * pCensored * (1 - pCensored)).squareRoot()
        #expect(abs(Double(s.censoredStreams) - Double(Self.streams) * pCensored) < 4 * censoredSD)
        #expect(s.censoredStreams + s.alarmedStreams == Self.streams)

        // Ignoring censoring (mean of the observed first alarms only) is biased low, by about
        // L q^L / (1 - q^L) = 15 observations here: the estimator must not reduce to it.
        let observed = evaluations.compactMap { $0.falseAlarms.first.map { Double($0 + 1) } }
        let naive = observed.reduce(0, +) / Double(observed.count)
        #expect(naive < 0.9 * Self.a)
        #expect(arl > naive + 10)
    }

    /// All alarms are false on null streams, so the rate per 1000 observations estimates 1000 / A = 10:
    /// the count is Binomial(N L, 1/A) (SD 109 of 12000), so 4 SD is 0.36 per 1000.
    /// P(alarm within H = 50) = 1 - q^50 = 0.395, SD of the share sqrt(0.395 * 0.605 / N) = 0.0077; 4 SD.
    @Test func falseAlarmRateAndProbabilityMatchTheProcess() throws {
        let s = try DetectorScore(evaluations: Self.evaluations(), horizon: 50)
        let n = Double(Self.streams * Self.length)
        let p = 1 / Self.a
        let rateSD = 1000 * (n * p * (1 - p)).squareRoot() / n
        #expect(s.exposure == Self.streams * Self.length)
        #expect(abs(try #require(s.falseAlarmsPer1000) - 1000 * p) < 4 * rateSD)

        let pWithinH = 1 - pow(1 - p, 50)
        let shareSD = (pWithinH * (1 - pWithinH) / Double(Self.streams)).squareRoot()
        #expect(s.horizonStreams == Self.streams)
        #expect(abs(try #require(s.falseAlarmProbability) - pWithinH) < 4 * shareSD)
    }
}
