import Foundation
import GGMCore
import Testing
@testable import GGMData

@Suite struct ReturnsTransformTests {
    /// Eight stocks, 300 days of prices from a one-factor model (daily SD about 1.6%), with:
    /// a 2:1 split of S0 on day 100, a 3:1 split of S1 on day 150, a 1-for-10 reverse split of
    /// S2 on day 200; a genuine -50% fall of S3 on day 220 while the market falls 12%; a
    /// one-day spike of S4 on day 50 that comes back the next day; a market crash on day 250
    /// in which every stock falls about 50%.
    static func syntheticPrices() -> (prices: Dataset, logReturns: [[Double]]) {
        var rng = SplitMix64(seed: 7)
        let n = 300
        let p = 8
        var r = [[Double]](repeating: [Double](repeating: 0, count: p), count: n)
        for t in 1..<n {
            let market = 0.01 * rng.normal()
            for j in 0..<p { r[t][j] = market + 0.012 * rng.normal() }
        }
        for j in 0..<p { r[250][j] = log(0.5) + 0.01 * rng.normal() }          // market crash
        for j in 0..<p where j != 3 { r[220][j] = -0.12 + 0.005 * rng.normal() } // market down 12%
        r[220][3] = log(0.5)                                                      // genuine -50%
        var logPrices = [[Double]](repeating: [Double](repeating: log(50), count: p), count: n)
        for t in 1..<n { for j in 0..<p { logPrices[t][j] = logPrices[t - 1][j] + r[t][j] } }
        for t in 100..<n { logPrices[t][0] -= log(2) }
        for t in 150..<n { logPrices[t][1] -= log(3) }
        for t in 200..<n { logPrices[t][2] += log(10) }
        logPrices[50][4] -= log(2)                                               // spike, reverted
        let prices = Matrix(logPrices.map { $0.map { exp($0) } })
        let labels = (0..<n).map { String(format: "d%03d", $0) }
        return (Dataset(names: (0..<p).map { "S\($0)" }, rowLabels: labels, values: prices), r)
    }

    @Test func logReturnsAreDatedByTheLaterDay() throws {
        let prices = Dataset(names: ["a", "b"], rowLabels: ["d1", "d2", "d3"],
                             values: Matrix([[1, 10], [2, 10], [1, 5]]))
        let r = try ReturnsTransform.logReturns(prices)
        #expect(r.rowLabels == ["d2", "d3"])
        #expect(r.values.maxAbsDifference(Matrix([[log(2), 0], [-log(2), -log(2)]])) < 1e-15)
    }

    @Test func nonPositivePriceIsNamed() {
        let prices = Dataset(names: ["a", "b"], rowLabels: ["d1", "d2", "d3"],
                             values: Matrix([[1, 10], [2, 0], [1, 5]]))
        let error = dataError { () throws(DataError) in try ReturnsTransform.logReturns(prices) }
        #expect(error == .nonPositivePrice(row: 1, label: "d2", node: 1, name: "b", value: 0))
        #expect(error?.description == "price of \"b\" (node 2) at \"d2\" (row 2) is 0.0; log returns need positive prices")
    }

    @Test func splitsAreFoundAndRemovedButCrashesAndSpikesAreNot() throws {
        let (prices, truth) = Self.syntheticPrices()
        let returns = try ReturnsTransform.logReturns(prices)
        let events = SplitDetector().detect(in: returns)
        #expect(events.map(\.name) == ["S0", "S1", "S2"])
        #expect(events.map(\.label) == ["d100", "d150", "d200"])
        #expect(events.map(\.row) == [99, 149, 199])
        #expect(events.map(\.ratio) == [SplitRatio(2, 1), SplitRatio(3, 1), SplitRatio(1, 10)])
        #expect(events.map(\.ratio.description) == ["2-for-1", "3-for-1", "1-for-10"])
        // The corrected return is the move the stock really made that day.
        for e in events { #expect(abs(e.correctedReturn - truth[e.row + 1][e.node]) < 1e-12) }
        let fixed = SplitDetector.remove(events, from: returns)
        #expect(abs(fixed.values[99, 0] - truth[100][0]) < 1e-12)
        // The market crash, the crash on a -12% market day and the reverted spike stay as they were.
        #expect(fixed.values[249, 5] == returns.values[249, 5])
        #expect(abs(fixed.values[219, 3] - log(0.5)) < 1e-12)
        #expect(fixed.values[49, 4] == returns.values[49, 4])
    }

    @Test func eachRuleOfTheDetectorMatters() throws {
        let (prices, _) = Self.syntheticPrices()
        let returns = try ReturnsTransform.logReturns(prices)
        // Without the market-wide and crowd rules, the market adjustment (u = r - median of
        // the others) still rejects the crash day, and the -50% fall on a -12% day
        // (idiosyncratic -0.57) is not near a ratio.
        var detector = SplitDetector()
        detector.marketMoveLimit = .infinity
        detector.crowdFraction = .infinity
        #expect(detector.detect(in: returns).map(\.name) == ["S0", "S1", "S2"])
        // Without the level-shift rule both halves of S4's one-day spike are taken for splits.
        detector = SplitDetector()
        detector.persistenceFraction = 0
        #expect(detector.detect(in: returns).filter { $0.name == "S4" }.map(\.label) == ["d050", "d051"])
        // A lone stock: the split is found, but with no market to compare, the market crash
        // looks like a split too. The rule needs other stocks.
        let lone = Dataset(names: ["S0"], rowLabels: returns.rowLabels,
                           values: Matrix(rows: returns.rowCount, columns: 1, elements: returns.values.column(0)))
        #expect(SplitDetector().detect(in: lone).map(\.row) == [99, 249])
    }

    @Test func crowdedDayIsNotASplit() throws {
        // Four of ten stocks halve on the same calm day: a bad data day, not four splits.
        var rng = SplitMix64(seed: 3)
        let n = 60
        let p = 10
        var x = Matrix(rows: n, columns: p)
        for i in 0..<n { for j in 0..<p { x[i, j] = 0.01 * rng.normal() } }
        for j in 0..<4 { x[30, j] -= log(2) }
        let data = Dataset(names: (0..<p).map { "s\($0)" }, values: x)
        #expect(SplitDetector().detect(in: data).isEmpty)
        for j in 1..<4 { x[30, j] += log(2) }     // one stock alone: a split
        #expect(SplitDetector().detect(in: Dataset(names: data.names, values: x)).map(\.node) == [0])
    }

    @Test func winsorizingClipsAtRobustSDs() {
        let data = Dataset(names: ["a", "b"], values: Matrix([[1, 0], [2, 0], [3, 0], [4, 0], [5, 1], [100, -7]]))
        let (out, clipped) = ReturnsTransform.winsorize(data, at: 5)
        let sd = 1.482_602_218_505_602 * 1.5     // median 3.5, MAD 1.5
        #expect(abs(out.values[5, 0] - (3.5 + 5 * sd)) < 1e-12)
        #expect(out.values.column(0)[0..<5] == [1, 2, 3, 4, 5])
        #expect(out.values.column(1) == data.values.column(1))   // MAD 0: left alone
        #expect(clipped == [0, 0, 0, 0, 0, 1])
    }

    @Test func standardizing() throws {
        let data = Dataset(names: ["a", "b"], values: Matrix([[1, 10], [2, 20], [3, 60]]))
        let z = try ReturnsTransform.standardize(data)
        for j in 0..<2 {
            let c = z.values.column(j)
            let mean = c.reduce(0, +) / 3
            let variance = c.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2
            #expect(abs(mean) < 1e-15 && abs(variance - 1) < 1e-12)
        }
        #expect(z.values.column(0) == [-1, 0, 1])
        let constant = Dataset(names: ["a", "b"], values: Matrix([[1, 2], [2, 2]]))
        #expect(dataError { () throws(DataError) in try ReturnsTransform.standardize(constant) }
                == .constantColumn(node: 1, name: "b", value: 2))
    }

    @Test func ewmaScalingIsCausal() throws {
        let x = Matrix([[1, 2], [-1, 2], [2, 0], [1, 4], [3, 1]])
        let data = Dataset(names: ["a", "b"], rowLabels: ["1", "2", "3", "4", "5"], values: x)
        let scaling = VolatilityScaling(lambda: 0.5, warmUp: 2)
        let out = try ReturnsTransform.scaleByVolatility(data, scaling)
        #expect(out.rowLabels == ["3", "4", "5"])
        // a: s2 = (1 + 1) / 2 = 1 -> 2 / 1; s2 = 0.5 + 0.5 * 4 = 2.5 -> 1 / sqrt(2.5); s2 = 1.25 + 0.5 = 1.75 -> 3 / sqrt(1.75)
        #expect(abs(out.values[0, 0] - 2) < 1e-15)
        #expect(abs(out.values[1, 0] - 1 / 2.5.squareRoot()) < 1e-15)
        #expect(abs(out.values[2, 0] - 3 / 1.75.squareRoot()) < 1e-15)
        // Changing a later return leaves every earlier scaled value unchanged.
        var later = data
        later.values[4, 0] = 100
        let out2 = try ReturnsTransform.scaleByVolatility(later, scaling)
        #expect(out2.values.rows(0..<2) == out.values.rows(0..<2))
        #expect(dataError { () throws(DataError) in try ReturnsTransform.scaleByVolatility(data.subset(rows: 0..<2), scaling) }
                == .tooFewRows(found: 2))
    }

    @Test func preprocessReportsWhatItDid() throws {
        let (prices, _) = Self.syntheticPrices()
        let (all, report) = try ReturnsTransform.preprocess(prices: prices)
        #expect(all.rowCount == 299 && report.rows == 299 && report.columns == 8)
        #expect(report.splits.map(\.name) == ["S0", "S1", "S2"])
        #expect(report.winsorizedCells > 0)
        #expect(report.winsorizeThreshold == 5)
        // The market crash days are clipped by winsorizing (no split correction).
        #expect(all.values.elements.allSatisfy { abs($0) < 0.2 })
        // A date range keeps the splits inside it, with rows counted in the selection.
        let (part, partReport) = try ReturnsTransform.preprocess(prices: prices, from: "d120", to: "d210")
        #expect(part.rowLabels?.first == "d120" && part.rowLabels?.last == "d210")
        #expect(partReport.splits.map(\.name) == ["S1", "S2"])
        #expect(partReport.splits.map { part.label(ofRow: $0.row) } == ["d150", "d200"])
        // Standardization and EWMA scaling, when asked.
        let options = PreprocessingOptions(volatilityScaling: .riskMetrics, standardize: true)
        let (z, zReport) = try ReturnsTransform.preprocess(prices: prices, options: options)
        #expect(z.rowCount == 299 - 20 && zReport.warmUpRowsDropped == 20)
        #expect(zReport.standardized && zReport.volatilityScaled)
        #expect(zReport.description.contains("3 splits removed"))
        let mean = z.values.column(0).reduce(0, +) / Double(z.rowCount)
        #expect(abs(mean) < 1e-12)
    }
}
